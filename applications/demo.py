"""A complete, eligible application's content: for the demo data and for the tests.

Everything goes through the real domain functions (``drafts``), uploads included, so that a
file completed here passes the same checks as one filled in by hand. The uploads look like
what they stand for, each marked 演示 (:mod:`applications.demo_documents`).
"""

import functools
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import prefetch_related_objects
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from . import demo_documents, drafts, registration
from .enums import DocumentKind, OrganisationType, RegistrationDocumentKind, RegistrationStatus
from .models import Member, Organisation
from .pdf import render_authorisation_letter
from .uscc import make_uscc

# (name, USCC prefix and body, type, core, task): five more core members besides the lead
# unit, 产学研 together, all registered in Shuozhou.
SAMPLE_MEMBERS = (
    (
        "朔州职业技术学院",
        "12140600",
        "MB0A1001",
        OrganisationType.UNIVERSITY,
        True,
        "共建产业学院，联合培养技术技能人才。",
    ),
    (
        "朔州市农业科学研究院",
        "12140600",
        "MB0A2002",
        OrganisationType.RESEARCH_INSTITUTE,
        True,
        "承担共性关键技术研究与中试验证。",
    ),
    (
        "山西朔州煤矸石综合利用有限公司",
        "91140602",
        "MA0B3003",
        OrganisationType.ENTERPRISE,
        True,
        "提供原料与示范生产线，开展工艺验证。",
    ),
    (
        "朔州市怀仁陶瓷科技有限公司",
        "91140681",
        "MA0B4004",
        OrganisationType.ENTERPRISE,
        True,
        "负责产品开发与市场推广。",
    ),
    (
        "应县新型建材股份有限公司",
        "91140622",
        "MA0B5005",
        OrganisationType.ENTERPRISE,
        True,
        "负责成果转化与产业化应用。",
    ),
    (
        "朔州市科技成果转化服务中心",
        "12140600",
        "MB0A6006",
        OrganisationType.INTERMEDIARY,
        False,
        "提供技术转移、知识产权与标准化服务。",
    ),
)

# Who signs for each member: the demo's agreement shows their signatures.
REPRESENTATIVES = ("刘志刚", "陈淑芬", "杨建军", "赵永强", "孙丽华", "周海涛")

FIELDS = {
    "purpose": "围绕本市产业发展需求，整合产学研创新资源，提升产业核心技术竞争力。",
    "main_tasks": "开展联合攻关和技术研发；推进科技成果转化；开展行业服务与标准化工作。",
    "innovation_goals": "三年内突破关键技术 3 项，制定团体标准 2 项，申请发明专利 10 件。",
    "lead_qualification": "牵头单位为市级企业技术中心，技术水平居市内领先、省内先进，年营业收入稳定增长。",
    "rd_spending": 860,
    "revenue": 32000,
    "patents": 24,
    "standards": 3,
    "rd_staff": 56,
    "contact_name": "王建国",
    "contact_title": "技术中心主任",
    "contact_phone": "0349-2021005",
    "contact_email": "contact@example.com",
}


@functools.cache
def sample_pdf(pages=1):
    """A small, valid PDF of blank A4 pages: an upload whose content does not matter."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@functools.cache
def sample_png(size=(400, 560), colour="#f5efe0"):
    """A small scan-like PNG: a page with a red seal circle."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((20, 20, width - 20, height - 20), outline="#333333", width=3)
    draw.ellipse((width - 160, height - 160, width - 40, height - 40), outline="#c62828", width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# Issue 12: one file in progress lists a member that the registry, after the file was
# submitted, records as a branch (its licence turned out to be a branch's): the file's page
# and the staff's dashboard show what changed, and the next step refuses it.
CORRECTED_MEMBER = (
    "朔州市恒信检测技术服务有限公司",
    "91140602",
    "MA0C6006",
    OrganisationType.INTERMEDIARY,
    False,
    "承担联盟成员产品的检验检测服务。",
)


def record_registry_correction():
    """What an administrator records after ``CORRECTED_MEMBER``'s file was submitted: in the
    register of organisations, the member is a branch (Art. 4(2)). Made once."""
    name, prefix, body, _org_type, _core, _task = CORRECTED_MEMBER
    Organisation.objects.get_or_create(
        uscc=make_uscc(prefix, body),
        defaults={
            "name": name,
            "org_type": OrganisationType.BRANCH,
            "registered_address": "山西省朔州市朔城区开发南路 18 号",
            "registration_status": RegistrationStatus.APPROVED,
        },
    )


def complete_application(application, user, *, members=SAMPLE_MEMBERS):
    """Fill ``application`` (a draft or a returned file) until no blocking finding is left."""
    for name, value in FIELDS.items():
        setattr(application, name, value)
    application.save()
    lead = drafts.lead_member(application, user)
    lead.task = lead.task or "牵头组织联盟运行，统筹技术攻关方向与资源配置。"
    lead.legal_representative = lead.legal_representative or "王建国"
    lead.save()
    for index, (name, prefix, body, org_type, core, task) in enumerate(members):
        Member.objects.get_or_create(
            application=application,
            uscc=make_uscc(prefix, body),
            defaults={
                "name": name,
                "org_type": org_type,
                "is_core": core,
                "task": task,
                "registered_address": "山西省朔州市",
                "legal_representative": REPRESENTATIVES[index % len(REPRESENTATIVES)],
            },
        )
    # Drawn after the members are in: the agreement lists them, each with its task. One query
    # for the members that the drawings and the licences read (refresh_from_db drops it).
    prefetch_related_objects([application], "members")
    for kind, name, drawn in (
        (DocumentKind.FORM, "联盟申请书（签字盖章）.pdf", demo_documents.signed_form(application)),
        (DocumentKind.AGREEMENT, "联盟协议（全体成员签署）.pdf", demo_documents.agreement(application)),
        (DocumentKind.CHARTER, "联盟章程.pdf", demo_documents.charter(application)),
    ):
        drafts.upload(application, SimpleUploadedFile(name, drawn.data), user, kind=kind)
    for member in application.members.all():
        title = demo_documents.licence_title(member.uscc)
        drafts.upload(
            application,
            SimpleUploadedFile(f"{title}（加盖公章）.jpg", demo_documents.licence(member).data),
            user,
            kind=DocumentKind.LICENCE,
            member=member,
        )
    application.refresh_from_db()
    return application


def registration_documents(organisation, user):
    """Upload a demo licence and the filled-in authorisation letter for ``organisation``'s
    registration (单位注册审核), through the real checks."""
    unit = registration.deciding_unit(organisation)
    lead = demo_documents.Unit.lead_of(organisation, REPRESENTATIVES[0])
    title = demo_documents.licence_title(organisation.uscc)
    registration.upload(
        organisation,
        SimpleUploadedFile(f"{title}（加盖公章）.jpg", demo_documents.licence(lead).data),
        user,
        RegistrationDocumentKind.LICENCE,
    )
    letter = render_authorisation_letter(organisation, user, unit.name if unit else "朔州市科学技术局")
    registration.upload(
        organisation,
        SimpleUploadedFile("法人授权委托书（签字盖章）.pdf", letter),
        user,
        RegistrationDocumentKind.AUTHORISATION,
    )
