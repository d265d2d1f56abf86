"""Every text has a length that fits its purpose (issue 8, item 2): the form refuses longer
text with a message and keeps it, and the longest allowed file still makes a form PDF of a
bounded number of pages, kept per content version so that asking again costs nothing."""

import io
import types

from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from applications.enums import DocumentKind, OrganisationType, State
from applications.models import Application, AuditEvent, Document, Member, Organisation
from applications.uscc import make_uscc

from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory

# What the longest allowed form may run to: the cover, sections of text at their longest,
# and for each of the most members a table row, a task row and a seal box, every field of
# which at its longest (names of 200 characters, addresses of 300).
FORM_MAX_PAGES = 100
TEXT = "联盟围绕产业共性关键技术开展协同攻关，推进成果转化、标准制定与人才培养。"
APPLICATION_TEXTS = (
    "purpose",
    "main_tasks",
    "innovation_goals",
    "lead_qualification",
    "ceiling_justification",
)
MEMBER_TEXTS = ("name", "registered_address", "legal_representative", "contact_name", "contact_phone", "task")


def longest(model, field):
    length = model._meta.get_field(field).max_length
    return (TEXT * (length // len(TEXT) + 1))[:length]


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@shared_state
def longest_form():
    """A draft with the most members allowed and every text at its longest, and its form PDF
    fetched once through the view (``.pdf``); the kept copy stays in the storage."""
    world = World(PolicyEditionFactory())
    application = world.application(complete=True)
    for field in APPLICATION_TEXTS:
        setattr(application, field, longest(Application, field))
    for field in ("name", "contact_name", "contact_title", "contact_phone"):
        setattr(application, field, longest(Application, field))
    application.save()
    lead_unit = application.lead_unit
    lead_unit.name, lead_unit.registered_address = (
        longest(Organisation, "name"),
        longest(Organisation, "registered_address"),
    )
    lead_unit.save()
    others = application.documents.filter(kind=DocumentKind.OTHER).count()
    Document.objects.bulk_create(
        Document(application=application, kind=DocumentKind.OTHER, title=longest(Document, "title"))
        for _ in range(others, settings.PORTAL_OTHER_DOCUMENTS_MAX)
    )
    for number in range(application.members.count(), settings.PORTAL_MEMBERS_MAX):
        Member.objects.create(
            application=application,
            uscc=make_uscc("91140602", f"MC{number:06d}"),
            org_type=OrganisationType.ENTERPRISE,
            name="x",
        )
    for member in application.members.all():
        for field in MEMBER_TEXTS:
            if not (member.is_lead and field == "name"):
                setattr(member, field, longest(Member, field))
        member.save()
    client = Client()
    client.force_login(world.applicant)
    pdf = body(client.get(reverse("applications:form_pdf", args=[application.pk])))
    return types.SimpleNamespace(world=world, application=application, pdf=pdf)


def test_the_longest_allowed_form_stays_within_its_page_count(longest_form):
    reader = PdfReader(io.BytesIO(longest_form.pdf))
    assert len(reader.pages) <= FORM_MAX_PAGES, len(reader.pages)
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert longest_form.application.members.count() == settings.PORTAL_MEMBERS_MAX
    assert text.count("（单位公章）") == settings.PORTAL_MEMBERS_MAX
    # The longest text is all there, to its last characters.
    assert longest(Application, "innovation_goals")[-40:] in text


def test_a_form_asked_for_again_is_the_one_kept(longest_form, client, private_media):
    client.force_login(longest_form.world.applicant)
    url = reverse("applications:form_pdf", args=[longest_form.application.pk])
    (kept,) = (private_media / "pdf-cache" / str(longest_form.application.pk)).glob("draft-form-*.pdf")
    # The same bytes: a new rendering would differ at least in its creation time.
    assert body(client.get(url)) == longest_form.pdf == kept.read_bytes()


def test_a_change_makes_a_new_form_and_removes_the_old_one(world, client, private_media):
    application = world.application()
    client.force_login(world.applicant)
    url = reverse("applications:form_pdf", args=[application.pk])
    body(client.get(url))
    folder = private_media / "pdf-cache" / str(application.pk)
    (before,) = folder.glob("draft-form-*.pdf")
    client.post(
        reverse("applications:step", args=[application.pk, "goals"]),
        {"innovation_goals": "三年内突破关键技术三项。"},
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body(client.get(url)))).pages)
    assert "三年内突破关键技术三项。" in text
    (after,) = folder.glob("draft-form-*.pdf")
    assert after != before and not before.exists()
    assert sorted(path.name for path in folder.iterdir()) == sorted([after.name, f"{after.name}.complete"])


def test_text_longer_than_allowed_is_refused_and_kept(world, client):
    application = world.application()
    client.force_login(world.applicant)
    url = reverse("applications:step", args=[application.pk, "basics"])
    assert 'maxlength="500"' in client.get(url).content.decode()
    typed = "甲" * 501
    page = client.post(url, {"name": application.name, "purpose": typed}).content.decode()
    assert "最多 500 字，现为 501 字。请精简后再保存，已填写的内容都还在。" in page
    assert typed in page
    application.refresh_from_db()
    assert application.purpose == ""


def test_a_member_task_longer_than_allowed_is_refused_and_kept(world, client):
    application = world.application()
    client.force_login(world.applicant)
    typed = "乙" * 201
    page = client.post(
        reverse("applications:member_add", args=[application.pk]),
        {
            "name": "朔州职业技术学院",
            "uscc": make_uscc("12140600", "MB0A1001"),
            "org_type": "university",
            "task": typed,
        },
    ).content.decode()
    assert "最多 200 字，现为 201 字" in page and typed in page
    assert application.members.count() == 1


def test_a_written_justification_longer_than_allowed_is_refused_and_kept(world, client):
    application = world.application()
    client.force_login(world.applicant)
    typed = "丙" * 501
    page = client.post(
        reverse("applications:ceiling", args=[application.pk]), {"ceiling_justification": typed}
    ).content.decode()
    assert "书面说明未保存：最多 500 字，现为 501 字" in page and typed in page


def test_no_member_beyond_the_hard_limit(world, client, settings):
    application = world.application(complete=True)
    settings.PORTAL_MEMBERS_MAX = application.members.count()
    client.force_login(world.applicant)
    page = client.post(
        reverse("applications:member_add", args=[application.pk]),
        {"name": "朔州市新成员有限公司", "uscc": make_uscc("91140602", "MA0Y9999"), "org_type": "enterprise"},
    ).content.decode()
    assert f"一个联盟最多 {settings.PORTAL_MEMBERS_MAX} 家成员单位" in page
    assert "朔州市新成员有限公司" in page  # what was typed is still in the form
    assert application.members.count() == settings.PORTAL_MEMBERS_MAX


def test_a_comment_longer_than_allowed_is_refused_and_comes_back(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    typed = "丁" * 1001
    page = client.post(
        reverse("review:act", args=[application.pk, "return"]), {"return-comment": typed}, follow=True
    ).content.decode()
    assert "意见未提交：最多 1000 字，现为 1001 字" in page
    assert f">{typed}</textarea>" in page
    assert 'maxlength="1000"' in page
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert not AuditEvent.objects.filter(application=application, action="return").exists()
