"""Recognition (Art. 6): the number and date, the certificate, the announcement and the letter;
the platforms of Art. 7 kept by the bureau."""

import datetime
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from applications.enums import Activity, OutboxKind, PlatformKind, PlatformLevel, State
from applications.models import AuditEvent, Notification, OutboxMessage, Platform
from applications.workflow import route_from
from review.models import CertificateSeal, Recognition

from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def recognise(world, application, when):
    """Recognise ``application`` (in notice) at ``when`` (Asia/Shanghai), its period ended."""
    with time_machine.travel(when, tick=False):
        world.drive(application, route_from(State.IN_NOTICE, State.RECOGNIZED))
    application.refresh_from_db()
    return application.recognition


@shared_state
def recognised():
    """A World with two files recognised on 2026-12-10 (Shanghai) from one notice, one file
    still in notice, and one rejected."""
    world = World(PolicyEditionFactory())
    world.files = [world.application(State.IN_NOTICE) for _ in range(3)]
    when = datetime.datetime(2026, 12, 10, 0, 30, tzinfo=SHANGHAI)
    world.first = recognise(world, world.files[0], when).application
    world.second = recognise(world, world.files[1], when).application
    world.waiting = world.files[2]
    world.rejected = world.application(State.REJECTED)
    return world


def pdf_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")
    return reader, text


# Numbers -------------------------------------------------------------------------------------


def test_numbers_follow_the_edition_format_in_sequence_with_the_shanghai_date(recognised):
    world = recognised
    first, second = world.first.recognition, world.second.recognition

    # 00:30 in Shanghai is still the 9th in UTC: the date is Shanghai's.
    assert (first.number, first.recognized_on) == ("朔科联〔2026〕第1号", datetime.date(2026, 12, 10))
    assert second.number == "朔科联〔2026〕第2号"
    assert first.notice == second.notice and first.notice.items.filter(application=world.first).exists()


def test_the_sequence_starts_again_each_year_in_the_format_set_on_the_edition(recognised):
    world = recognised
    world.edition.recognition_number_format = "朔科联字（{year}）{number}号"
    world.edition.save()

    third = recognise(world, world.waiting, datetime.datetime(2027, 1, 5, 9, 0, tzinfo=SHANGHAI))

    assert (third.year, third.sequence, third.number) == (2027, 1, "朔科联字（2027）1号")


def test_two_recognitions_never_share_a_number(recognised):
    world = recognised
    first = world.first.recognition

    with pytest.raises(IntegrityError), transaction.atomic():
        Recognition.objects.create(
            application=world.waiting,
            year=first.year,
            sequence=first.sequence,
            number="另一编号",
            recognized_on=first.recognized_on,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Recognition.objects.create(
            application=world.waiting,
            year=first.year,
            sequence=99,
            number=first.number,
            recognized_on=first.recognized_on,
        )


@pytest.mark.parametrize(
    "value",
    [
        "第{number}号",
        "朔科联〔{year}〕",
        "〔{year}〕第{number}号{other}",
        "〔{year}〕第{number:03d}号",
        "〔{year}〕第{number号",
    ],
)
def test_the_format_needs_the_year_and_the_number_and_nothing_else(edition, value):
    edition.recognition_number_format = value

    with pytest.raises(ValidationError) as refused:
        edition.full_clean()

    assert "recognition_number_format" in refused.value.message_dict


def test_the_administrator_sets_the_format_on_the_edition(edition, client, world):
    client.force_login(world.admin)
    url = reverse("admin:applications_policyedition_change", args=[edition.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {k: ("" if v is None else v) for k, v in data.items()}

    refused = client.post(url, {**data, "recognition_number_format": "第{number}号"})
    accepted = client.post(url, {**data, "recognition_number_format": "朔科盟〔{year}〕{number}号"})

    assert refused.status_code == 200 and "格式须同时包含" in refused.content.decode()
    assert accepted.status_code == 302
    edition.refresh_from_db()
    assert edition.recognition_number(2026, 4) == "朔科盟〔2026〕4号"


# The letter ----------------------------------------------------------------------------------


def test_the_lead_unit_is_told_by_letter_with_the_number_the_date_and_the_certificate(recognised):
    world = recognised
    number = world.first.recognition.number

    letters = OutboxMessage.objects.filter(application=world.first, kind=OutboxKind.RECOGNITION)
    message = Notification.objects.filter(application=world.first, recipient=world.applicant).first()

    assert [letter.to_address for letter in letters] == [world.applicant.email]
    body = letters.get().body
    assert number in body and "2026-12-10" in body
    assert reverse("applicant_certificate", args=[world.first.pk]) in body
    assert message.event.action == "recognize" and number in message.body
    # One message for the step: the letter, not the letter and the usual one.
    assert Notification.objects.filter(application=world.first, event=message.event).count() == 1


# The certificate -----------------------------------------------------------------------------


def png(width=120, height=120):
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 0, 0, 180)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_certificate_is_a_landscape_a4_in_chinese_without_a_seal(recognised, client):
    world = recognised
    client.force_login(world.applicant)

    response = client.get(reverse("applicant_certificate", args=[world.first.pk]))
    reader, text = pdf_text(response)

    assert response["Content-Type"] == "application/pdf"
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    assert len(reader.pages) == 1
    for expected in (
        world.first.name,
        world.first.lead_unit.name,
        "朔科联〔2026〕第1号",
        "2026年12月10日",
        "朔州市科学技术局",
        "证书",
    ):
        assert expected in text
    assert not page.images


def test_the_certificate_carries_the_seal_an_administrator_uploaded(recognised, client):
    world = recognised
    seal = CertificateSeal(content_type="image/png")
    seal.image.save("seal.png", ContentFile(png()), save=True)
    client.force_login(world.staff)

    reader, text = pdf_text(client.get(reverse("review:certificate", args=[world.first.pk])))

    assert world.first.name in text
    assert len(reader.pages[0].images) == 1


def test_the_admin_takes_a_seal_checked_by_its_content(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.admin)
    url = reverse("admin:review_certificateseal_add")

    fake = client.post(url, {"image": SimpleUploadedFile("seal.png", b"%PDF-1.4 not an image")})
    huge = client.post(url, {"image": SimpleUploadedFile("seal.png", png(2100, 2000))})
    good = client.post(url, {"image": SimpleUploadedFile("seal.jpg", png())})

    assert "PNG 或 JPEG" in fake.content.decode()
    assert "万像素" in huge.content.decode()
    assert good.status_code == 302
    assert CertificateSeal.current().content_type == "image/png"


@pytest.mark.parametrize("who", ["anonymous", "other_applicant", "unit", "expert", "admin"])
def test_nobody_else_gets_the_certificate(recognised, client, who):
    world = recognised
    if who != "anonymous":
        client.force_login(getattr(world, who))

    assert client.get(reverse("applicant_certificate", args=[world.first.pk])).status_code == 404
    assert client.get(reverse("review:certificate", args=[world.first.pk])).status_code == 404


def test_there_is_no_certificate_before_recognition(recognised, client):
    world = recognised
    client.force_login(world.applicant)
    page = client.get(reverse("applications:detail", args=[world.waiting.pk])).content.decode()

    assert client.get(reverse("applicant_certificate", args=[world.waiting.pk])).status_code == 404
    client.force_login(world.staff)
    assert client.get(reverse("review:certificate", args=[world.waiting.pk])).status_code == 404
    assert "certificate.pdf" not in page


def test_the_lead_unit_and_staff_find_the_certificate_on_their_page_of_the_file(recognised, client):
    world = recognised
    client.force_login(world.applicant)
    own = client.get(reverse("applications:detail", args=[world.first.pk])).content.decode()
    client.force_login(world.staff)
    bureau = client.get(reverse("review:detail", args=[world.first.pk])).content.decode()
    client.force_login(world.unit)
    unit = client.get(reverse("review:detail", args=[world.first.pk])).content.decode()

    assert reverse("applicant_certificate", args=[world.first.pk]) in own and "朔科联〔2026〕第1号" in own
    assert reverse("review:certificate", args=[world.first.pk]) in bureau
    assert reverse("review:platforms", args=[world.first.pk]) in bureau
    assert "certificate.pdf" not in unit


# The announcement ----------------------------------------------------------------------------


def test_the_announcement_lists_the_batch_once_one_is_recognised(recognised, client):
    world = recognised
    notice = world.first.recognition.notice

    page = client.get(reverse("notice_recognition", args=[notice.pk])).content.decode()
    notice_page = client.get(reverse("notice", args=[notice.pk])).content.decode()

    for application, number in ((world.first, "第1号"), (world.second, "第2号")):
        assert application.name in page and application.lead_unit.name in page
        assert f"朔科联〔2026〕{number}" in page
    assert "2026-12-10" in page
    assert world.waiting.name not in page
    assert reverse("notice_recognition", args=[notice.pk]) in notice_page


def test_the_announcement_is_404_before_any_recognition(world, client):
    application = world.application(State.IN_NOTICE)
    from review.notices import finish_example

    notice = finish_example(world.staff)
    page = client.get(reverse("notice", args=[notice.pk])).content.decode()

    assert notice.items.filter(application=application).exists()
    assert client.get(reverse("notice_recognition", args=[notice.pk])).status_code == 404
    assert reverse("notice_recognition", args=[notice.pk]) not in page


# Platforms (Art. 7) --------------------------------------------------------------------------


def test_staff_add_change_and_remove_platforms_each_recorded(recognised, client):
    world = recognised
    client.force_login(world.staff)
    url = reverse("review:platforms", args=[world.first.pk])
    posted = {
        "kind": PlatformKind.KEY_LABORATORY,
        "level": PlatformLevel.PROVINCIAL,
        "name": "山西省煤基固废利用重点实验室",
        "approving_document": "晋科发〔2025〕12号",
        "year": "2025",
    }

    added = client.post(url, posted)
    platform = Platform.objects.get(application=world.first)
    changed = client.post(
        reverse("review:platform_edit", args=[world.first.pk, platform.pk]),
        {**posted, "level": PlatformLevel.NATIONAL},
    )
    public = client.get(reverse("alliance", args=[world.first.pk])).content.decode()
    removed = client.post(reverse("review:platform_remove", args=[world.first.pk, platform.pk]))

    assert added.status_code == changed.status_code == removed.status_code == 302
    assert "山西省煤基固废利用重点实验室" in public and "国家级重点实验室" in public
    assert not Platform.objects.filter(application=world.first).exists()
    actions = list(
        AuditEvent.objects.filter(application=world.first, action__startswith="platform").values_list(
            "action", flat=True
        )
    )
    assert actions == [Activity.PLATFORM_ADDED, Activity.PLATFORM_CHANGED, Activity.PLATFORM_REMOVED]
    page = client.get(reverse("review:detail", args=[world.first.pk])).content.decode()
    assert "登记联盟平台" in page and "晋科发〔2025〕12号" in page


def test_a_refused_platform_comes_back_with_what_was_typed(recognised, client):
    world = recognised
    client.force_login(world.staff)

    response = client.post(
        reverse("review:platforms", args=[world.first.pk]),
        {"kind": "lab", "level": PlatformLevel.MUNICIPAL, "name": "朔州市储能创新团队", "year": "1800"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "朔州市储能创新团队" in page
    assert not Platform.objects.exists()


def test_platforms_are_kept_for_recognised_alliances_only(recognised, client):
    world = recognised
    client.force_login(world.staff)

    assert client.get(reverse("review:platforms", args=[world.waiting.pk])).status_code == 404
    assert client.get(reverse("review:platforms", args=[world.first.pk])).status_code == 200
