"""The expert stage of the demo data (``manage.py seed_demo``): the pool, and each world's
files under review with their experts at every point — not declared, declared, a draft,
submitted — and a closed panel whose experts disagree.

``seed_demo`` (in ``applications``, which never imports ``review``) calls these by their
dotted paths, as the transition table names review's guards. Each runs once per demo file:
seed_demo skips the files it made before, so a second run adds nothing.
"""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from applications.enums import Action, Role, State
from applications.models import Industry, User
from applications.uscc import make_uscc

from . import experts as pool
from . import scoring
from .enums import AssignmentStatus, Recommendation
from .models import Expert
from .rubric import rubric

# Experts with an account (seed_demo makes the users): title, employer, fields, industries.
PROFILES = {
    "expert1": (
        "教授",
        "太原理工大学",
        "固废资源化；无机非金属材料",
        ["new-materials", "ceramics", "other-emerging"],
    ),
    "expert2": ("研究员", "山西省科学技术情报与战略研究院", "科技政策；产业技术创新联盟评估", []),
    "expert3": ("正高级工程师", "中北大学", "光伏材料；装备制造", ["photovoltaics", "equipment"]),
    "expert4": ("教授", "中国矿业大学", "煤矿智能化；煤化工", ["coal", "coal-chemicals", "power"]),
    "expert5": ("研究员", "山西省能源研究院", "火电灵活性；储能", ["power", "equipment"]),
    "expert6": ("副教授", "山西农业大学", "农产品精深加工；中药材", ["green-food", "medicine"]),
}

# Experts listed before they have an account: one works for a member of every demo file (the
# assignment page shows that they must recuse), one has left the pool.
POOL_ONLY = (
    {
        "name": "马晓峰",
        "title": "副教授",
        "affiliation": "朔州职业技术学院",
        "affiliation_uscc": make_uscc("12140600", "MB0A1001"),
        "fields": "材料成型；职业教育产教融合",
        "industries": ["new-materials"],
    },
    {
        "name": "郑立新",
        "title": "高级工程师",
        "affiliation": "大同煤矿集团有限责任公司（已退休）",
        "fields": "采矿工程",
        "industries": ["coal"],
        "is_active": False,
    },
)

# The scores of a closed panel whose experts disagree (totals 88, 62 and 80 of 100).
DISAGREEING = (
    ([23, 22, 21, 22], Recommendation.RECOMMEND, "联盟协同机制完善，技术攻关方向明确，建议认定。"),
    (
        [16, 15, 16, 15],
        Recommendation.NOT_RECOMMEND,
        "成员单位之间的实质性合作尚少，创新绩效以牵头单位为主，建议完善后再行认定。",
    ),
    ([20, 20, 19, 21], Recommendation.RECOMMEND, "整体符合认定条件，建议加强标准化工作。"),
)
REJECTED = (
    ([12, 11, 13, 14], Recommendation.NOT_RECOMMEND, "产学研结合不足，服务产业的成效尚未显现。"),
    ([14, 12, 12, 15], Recommendation.NOT_RECOMMEND, "技术创新目标缺少可考核的指标。"),
    ([15, 13, 14, 15], Recommendation.NOT_RECOMMEND, "建议补充高校或科研机构成员后再行申报。"),
)


def expert_pool():
    """Profiles for the demo's expert accounts, and the pool-only entries (idempotent)."""
    industries = {industry.code: industry for industry in Industry.objects.all()}
    for username, (title, affiliation, fields, codes) in PROFILES.items():
        user = User.objects.filter(username=username, role=Role.EXPERT).first()
        if user is None or Expert.objects.filter(user=user).exists():
            continue
        profile = Expert.objects.create(
            user=user,
            name=user.full_name,
            title=title,
            affiliation=affiliation,
            fields=fields,
            phone="0349-20210" + username[-1].zfill(2),
            email=user.email,
        )
        profile.industries.set([industries[code] for code in codes if code in industries])
    for entry in POOL_ONLY:
        entry = dict(entry)
        codes = entry.pop("industries")
        profile, created = Expert.objects.get_or_create(name=entry.pop("name"), user=None, defaults=entry)
        if created:
            profile.industries.set([industries[code] for code in codes if code in industries])


def _experts(usernames):
    return [Expert.objects.get(user__username=username) for username in usernames]


def _assign(application, usernames, staff, *, due_on=None):
    return [pool.assign(application, expert, staff, due_on=due_on) for expert in _experts(usernames)]


def _submit(assignment, values, recommendation, opinion, *, draft=False):
    if assignment.status == AssignmentStatus.ASSIGNED:
        assignment = pool.declare(assignment, assignment.expert.user)
    aspects = rubric(assignment.application.edition)
    scores = {
        aspect.code: (Decimal(value), scoring.DEMO_COMMENT)
        for aspect, value in zip(aspects, values, strict=True)
        if value is not None
    }
    scoring.save_review(
        assignment,
        assignment.expert.user,
        scores=scores,
        opinion=opinion,
        recommendation=recommendation,
        submit=not draft,
    )


def prepare_step(application, row, actor, *, experts, outcome):
    """Before a demo file makes ``row`` on its way to ``outcome``: the world's ``experts``
    are assigned when the review starts; a file bound for the Party group closes with a
    panel whose experts disagree, one bound for rejection with low scores."""
    if row.action == Action.START_REVIEW:
        if outcome == State.UNDER_REVIEW and experts[0] != "expert1":
            # 平鲁区's file under review: its last expert's deadline has passed (overdue).
            yesterday = timezone.localdate() - datetime.timedelta(days=1)
            _assign(application, experts[:-1], actor)
            _assign(application, experts[-1:], actor, due_on=yesterday)
        else:
            _assign(application, experts, actor)
    elif row.action == Action.CLOSE_REVIEW and outcome in (State.AWAITING_DECISION, State.REJECTED):
        presets = DISAGREEING if outcome == State.AWAITING_DECISION else REJECTED
        assignments = pool.active_assignments(application).select_related(
            "expert__user", "application__edition"
        )
        for assignment, (values, recommendation, opinion) in zip(assignments, presets, strict=False):
            _submit(assignment, values, recommendation, opinion)


def settle(application, state, experts, staff):
    """After a demo file reached ``state``: its experts at different points.

    At the formal check, the first two experts are assigned ahead of the review, the first
    not yet declared, the second declared. Under review: the first expert has declared and
    has yet to score (log in as expert1: there is something to score), the second has a
    draft, the third has submitted — in 平鲁区's world (expert4 first), the first has a draft,
    the second has submitted and the third has not declared, past the deadline.
    """
    if state == State.FORWARDED:
        first, second = _assign(application, experts[:2], staff)
        pool.declare(second, second.expert.user)
    elif state == State.UNDER_REVIEW:
        assignments = list(
            pool.active_assignments(application).select_related("expert__user", "application__edition")
        )
        by_user = {assignment.expert.user.username: assignment for assignment in assignments}
        first, second, third = (by_user[username] for username in experts)
        if experts[0] == "expert1":
            pool.declare(first, first.expert.user)
            _submit(second, [20, 19, None, None], "", "", draft=True)
            _submit(third, [21, 20, 19, 20], Recommendation.RECOMMEND, "联盟组织架构完整，建议认定。")
        else:
            _submit(first, [22, 21, 20, None], Recommendation.RECOMMEND, "", draft=True)
            _submit(second, [19, 20, 18, 19], Recommendation.RECOMMEND, "运行管理制度健全，建议认定。")


def objections(staff):
    """公示异议 of the demo (issue 10): a pending objection to the first alliance in notice (it
    holds the alliance when the notice closes) and a dismissed one to the second, each in a
    person's name; none is made again by a second run."""
    from .models import NoticeItem, Objection, ObjectorKind
    from .objections import _create, dismiss

    if Objection.objects.exists():
        return
    items = list(
        NoticeItem.objects.filter(application__state=State.IN_NOTICE, notice__status="published").order_by(
            "pk"
        )[:2]
    )
    person = {
        "kind": ObjectorKind.PERSON,
        "employer": "朔州市某机械制造有限公司",
        "phone": "13900001234",
        "phone_normalized": "13900001234",
    }
    grounds = (
        "联盟申报材料所列成员单位中，有一家单位未参与联盟协议的签署。",
        "牵头单位近三年研发投入数据与公开年报不一致。",
    )
    for index, item in enumerate(items):
        objection = _create(item=item, name=("王建国", "李晓燕")[index], grounds=grounds[index], **person)
        if index == 1:
            dismiss(objection, staff, "经核实，相关数据口径不同，异议不成立。")


def open_notice(staff):
    """A second notice, opened today with the edition's days ahead (objections can be made):
    the first approved file no notice lists; the other approved one is left for staff to
    list. None is made again while one is open."""
    from . import notices

    if notices.open_notices().exists():
        return
    candidate = notices.notice_candidates().first()
    if candidate is None:
        return
    notice = notices.create(staff, [candidate])
    notices.edit(
        notice, title=notice.title + "（第二批）", body=notice.body, document_number="朔科公〔2026〕12号"
    )
    notices.publish(notice, staff)


# Art. 7 platforms of the demo's recognised alliances: (kind, level, name, document, year).
DEMO_PLATFORMS = (
    ("engineering_centre", "provincial", "山西省{topic}工程技术研究中心", "晋科发〔2024〕37号", 2024),
    ("key_laboratory", "municipal", "朔州市{topic}重点实验室", "朔科发〔2025〕12号", 2025),
    ("innovation_team", "municipal", "{topic}关键技术创新团队", "", 2025),
    ("key_laboratory", "national", "{topic}国家地方联合重点实验室（朔州分室）", "国科发基〔2023〕88号", 2023),
)
# The Noto CJK fonts the PDFs use draw the seal's text, when installed.
SEAL_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def recognition_extras(staff):
    """What the bureau adds to recognised alliances in the demo: platforms (Art. 7) on those
    recognised or under rectification in each world, entered through the staff's own function
    (audited), and a seal image for the certificates. Made once."""
    from .models import CertificateSeal, Recognition
    from .platforms import PlatformForm, add

    # The recognised alliance and the one under rectification of each world.
    holders = Recognition.objects.filter(application__state__in=(State.RECOGNIZED, State.RECTIFYING))
    for index, recognition in enumerate(holders.select_related("application").order_by("pk")):
        alliance = recognition.application
        if alliance.platforms.exists():
            continue
        topic = alliance.name.removeprefix("朔州市").split("产业技术创新战略联盟")[0]
        for kind, level, name, document, year in DEMO_PLATFORMS[: 3 - index % 2]:
            data = {"kind": kind, "level": level, "name": name.format(topic=topic)}
            form = PlatformForm({**data, "approving_document": document, "year": year})
            add(alliance, form, staff)
    if not CertificateSeal.objects.exists():
        CertificateSeal.objects.create(
            image=ContentFile(demo_seal(), name="seal.png"), content_type="image/png", updated_by=staff
        )


def demo_seal():
    """A round red seal (PNG, transparent): the bureau's name along the top, a star, and
    “演示专用” (for the demo only) under it, so that it is never taken for the real one."""
    import io
    import math
    import os

    from PIL import Image, ImageDraw, ImageFont

    size, red = 400, (200, 16, 16, 235)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, size - 12, size - 12), outline=red, width=14)
    centre = size / 2
    star = [
        (
            centre + (70 if n % 2 == 0 else 28) * math.sin(math.pi * n / 5),
            centre - (70 if n % 2 == 0 else 28) * math.cos(math.pi * n / 5),
        )
        for n in range(10)
    ]
    draw.polygon([(x, y - 20) for x, y in star], fill=red)
    if os.path.exists(SEAL_FONT):
        font = ImageFont.truetype(SEAL_FONT, 46)
        text = "朔州市科学技术局"
        for n, character in enumerate(text):
            angle = math.radians(-115 + n * 230 / (len(text) - 1))
            glyph = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((30, 30), character, font=font, fill=red, anchor="mm")
            glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
            x = centre + 142 * math.sin(angle) - 30
            y = centre - 142 * math.cos(angle) - 30
            image.alpha_composite(glyph, (round(x), round(y)))
        small = ImageFont.truetype(SEAL_FONT, 30)
        draw.text((centre, centre + 82), "演示专用", font=small, fill=red, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def annual_reports(staff):
    """Annual reports in the demo (Art. 8), on the recognised alliances and those under
    rectification (in order): an accepted report for last year (the last year whose deadline
    has passed), one in draft and one not started for the year being prepared now
    (``annual.open_year``), and one alliance with no report for last year, overdue: the one
    ``enforce_annual_reports --dry-run`` lists. Made once.

    The demo's recognitions are dated today, so the first and the last are given an earlier
    recognition date (``Recognition.recognized_on``, 30 June of last year; their number and
    audit trail keep today's) to owe last year's report; the two others 1 January of the year
    being prepared, so that they owe nothing for last year.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.demo import sample_pdf

    from . import annual
    from .models import AnnualReport, Recognition

    holders = list(
        Recognition.objects.filter(application__state__in=annual.HOLDING)
        .select_related("application__edition")
        .order_by("pk")
    )
    if (
        len(holders) < 4
        or AnnualReport.objects.filter(application__in=[h.application for h in holders]).exists()
    ):
        return
    accepted, drafted, untouched, overdue = holders[:4]
    edition = accepted.application.edition
    current = annual.open_year(edition)
    last = current - 1
    for recognition, day in (
        (accepted, datetime.date(last, 6, 30)),
        (overdue, datetime.date(last, 6, 30)),
        (drafted, datetime.date(current, 1, 1)),
        (untouched, datetime.date(current, 1, 1)),
    ):
        Recognition.objects.filter(pk=recognition.pk).update(recognized_on=day)

    alliance = accepted.application
    lead = (
        User.objects.filter(role=Role.APPLICANT, organisation_id=alliance.lead_unit_id).order_by("pk").first()
    )
    report = annual.report_for(alliance, last)
    for name, value in DEMO_REPORT.items():
        setattr(report, name, value)
    report.save()
    report.member_changes.create(
        kind="joined",
        name="朔州市智能矿山装备科技有限公司",
        is_core=False,
        org_type="enterprise",
        reason="承担联盟智能化改造项目，申请加入",
    )
    # A core member left: five core members remain, below Art. 4(3)'s six. Accepted all the
    # same (a report is not refused for it); the staff's dashboard flags the alliance (issue 12).
    report.member_changes.create(
        kind="left",
        name="应县新型建材股份有限公司",
        is_core=True,
        reason="企业转产，退出联盟",
    )
    topic = alliance.name.removeprefix("朔州市").split("产业技术创新战略联盟")[0]
    report.platforms.create(
        role="joined",
        kind="innovation_team",
        level="provincial",
        name=f"山西省{topic}技术创新团队",
        approving_document=f"晋科发〔{last}〕21号",
        approved_year=last,
    )
    annual.upload_scan(report, SimpleUploadedFile("年度材料（盖章）.pdf", sample_pdf()), lead)
    annual.submit(report, lead, now=annual.due_at(edition, last) - datetime.timedelta(days=12))
    annual.accept(report, staff)

    draft = annual.report_for(drafted.application, current)
    draft.work_done = "召开联盟理事会两次，组织成员单位开展关键技术联合攻关。"
    draft.joint_projects = 2
    draft.save()


DEMO_REPORT = {
    "work_done": "召开联盟理事会和成员大会各一次；组织成员单位联合申报省级科技项目 3 项；"
    "开展技术交流活动 5 场。",
    "results": "联合攻关形成新工艺 2 项，在成员企业推广应用；制定团体标准 1 项。",
    "problems": "成员单位之间的成果共享机制仍需完善。",
    "plan_goals": "围绕产业链关键环节，新增联合攻关项目 3 项以上。",
    "plan_tasks": "建设中试验证平台；制定团体标准 2 项；组织人才培训 3 期。",
    "plan_measures": "落实联盟秘书处专人负责；成员单位按协议分担研发经费。",
    "joint_projects": 3,
    "rd_spending": Decimal("12800000.00"),
    "patents_applied": 8,
    "patents_granted": 5,
    "standards_national": 0,
    "standards_group": 1,
    "results_transferred": 2,
    "transfer_income": Decimal("1500000.00"),
    "talent_trained": 46,
}
