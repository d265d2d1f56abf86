"""公示异议 (Art. 6): in real name, while the notice is open, to an alliance it lists; throttled,
never public; decided by the bureau; the lead unit told without the objector's identity."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.demo import sample_pdf
from applications.enums import Action, Activity, OutboxKind, State
from applications.models import AuditEvent, Notification, OutboxMessage
from applications.workflow import TABLE, GuardFailed, drive, transition
from review import closing, notices, objections
from review.models import Objection, ObjectionFile, ObjectionStatus

from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
DURING = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
LAST_MINUTE = datetime.datetime(2026, 12, 7, 23, 59, tzinfo=SHANGHAI)
MIDNIGHT = datetime.datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI)

NAME, PHONE, EMAIL, EMPLOYER = "赵秘密", "139 0000 8888", "zhao.secret@example.com", "隐秘科技有限公司"


@shared_state
def noticed():
    """A World with two files on a notice published 2026-12-01 09:30 (Shanghai), through the
    7th, and a third on another notice published the same day."""
    world = World(PolicyEditionFactory())
    files = [world.application(State.APPROVED) for _ in range(3)]
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI), tick=False):
        world.notice = notices.create(world.staff, files[:2])
        notices.publish(world.notice, world.staff)
        world.other_notice = notices.create(world.staff, files[2:])
        notices.publish(world.other_notice, world.staff)
    world.files = files
    return world


def item_of(notice, index=0):
    return notice.items.order_by("position")[index]


def url(notice, item):
    return reverse("objection", args=[notice.pk, item.pk])


def person(**changes):
    data = {
        "kind": "person",
        "name": NAME,
        "employer": EMPLOYER,
        "phone": PHONE,
        "email": EMAIL,
        "grounds": "联盟成员单位的合作协议并未实际签署。",
        "pledge": "1",
        "website": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def post(client, notice, item, data, *, at=DURING, address="10.0.0.1"):
    with time_machine.travel(at, tick=False):
        return client.post(url(notice, item), data, REMOTE_ADDR=address)


def test_an_objection_at_23_59_on_the_last_day_is_received_with_a_receipt(noticed, client):
    world = noticed
    item = item_of(world.notice)

    response = post(client, world.notice, item, person(), at=LAST_MINUTE)

    objection = Objection.objects.get()
    assert response.status_code == 302
    receipt = client.get(response["Location"]).content.decode()
    assert objection.receipt_number in receipt and item.application.name in receipt
    assert objection.item == item and objection.status == ObjectionStatus.PENDING
    assert objection.phone_normalized == "13900008888" and objection.ip_address == "10.0.0.1"
    mail = OutboxMessage.objects.get(to_address=EMAIL)
    assert mail.kind == OutboxKind.OBJECTION and objection.receipt_number in mail.body
    assert objection.receipt_number.startswith("261207-")


def test_an_objection_at_midnight_after_the_last_day_is_refused(noticed, client):
    world = noticed
    item = item_of(world.notice)

    response = post(client, world.notice, item, person(), at=MIDNIGHT)
    with time_machine.travel(MIDNIGHT, tick=False):
        form = client.get(url(world.notice, item)).content.decode()
        page = client.get(reverse("notice", args=[world.notice.pk])).content.decode()

    assert response.status_code == 403 and "不再受理异议" in response.content.decode()
    assert not Objection.objects.exists()
    assert "不再受理异议" in form and "objection-form" not in form
    assert "提出异议" not in page


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"employer": "   "},
        {"phone": ""},
        {"phone": "12345"},
        {"name": None, "employer": None},
        {"kind": "unit", "unit_name": "某公司", "contact_person": "李四"},  # no sealed letter
        {"kind": "unit", "name": NAME},  # a unit without its name or contact
        {"kind": "anonymous"},
        {"pledge": None},
    ],
)
def test_an_anonymous_objection_is_refused_whatever_is_posted(noticed, client, changes):
    world = noticed
    item = item_of(world.notice)

    response = post(client, world.notice, item, person(**changes))

    assert response.status_code == 400
    assert not Objection.objects.exists()
    page = response.content.decode()
    assert "附件需要重新选择" in page
    assert "联盟成员单位的合作协议并未实际签署。" in page  # what was typed comes back


def test_an_alliance_not_in_this_notice_is_refused(noticed, client):
    world = noticed
    elsewhere = item_of(world.other_notice)

    response = post(client, world.notice, elsewhere, person(item=elsewhere.pk, notice=world.notice.pk))

    assert response.status_code == 404
    assert not Objection.objects.exists()


def test_a_draft_notice_takes_no_objection_and_a_withdrawn_one_refuses(noticed, client):
    world = noticed
    draft = notices.create(world.staff, [world.application(State.APPROVED)])
    world.other_notice.status = "withdrawn"
    world.other_notice.save()

    to_draft = post(client, draft, item_of(draft), person())
    to_withdrawn = post(client, world.other_notice, item_of(world.other_notice), person())

    assert to_draft.status_code == 404
    assert to_withdrawn.status_code == 403 and "已撤回" in to_withdrawn.content.decode()
    assert not Objection.objects.exists()


def test_the_throttle_refuses_the_sixth_objection_from_one_address(noticed, client, settings):
    world = noticed
    item = item_of(world.notice)
    answers = [
        post(client, world.notice, item, person(phone=f"1390000000{n}"), address="10.0.0.9").status_code
        for n in range(6)
    ]

    assert answers == [302] * 5 + [429]
    assert Objection.objects.count() == 5


def test_the_throttle_refuses_the_fourth_objection_from_one_phone_from_other_addresses(noticed, client):
    world = noticed
    item = item_of(world.notice)
    spellings = ["13900001111", "139-0000-1111", "+86 139 0000 1111", "0086 13900001111"]
    answers = [
        post(client, world.notice, item, person(phone=phone), address=f"10.0.1.{n}").status_code
        for n, phone in enumerate(spellings)
    ]

    assert answers == [302, 302, 302, 429]
    assert Objection.objects.count() == 3


def test_a_bot_filling_the_honeypot_is_refused_and_nothing_stored(noticed, client):
    world = noticed

    response = post(client, world.notice, item_of(world.notice), person(website="http://spam.example"))

    assert response.status_code == 400 and "提交未受理" in response.content.decode()
    assert not Objection.objects.exists() and not OutboxMessage.objects.filter(to_address=EMAIL).exists()


def unit_objection(**files):
    return person(
        kind="unit", name="", employer="", unit_name="朔州市某某集团", contact_person="钱联络", **files
    )


def test_a_unit_objects_with_its_sealed_letter_and_evidence_checked_by_content(noticed, client):
    world = noticed
    item = item_of(world.notice)
    letter = SimpleUploadedFile("异议函.pdf", sample_pdf())
    evidence = [SimpleUploadedFile(f"证据{n}.pdf", sample_pdf()) for n in range(2)]

    response = post(client, world.notice, item, unit_objection(letter=letter, evidence=evidence))

    objection = Objection.objects.get()
    assert response.status_code == 302
    assert objection.unit_name == "朔州市某某集团" and objection.name == ""
    assert sorted(objection.files.values_list("kind", flat=True)) == ["evidence", "evidence", "letter"]


def test_a_letter_that_is_not_what_its_name_says_is_refused_and_the_text_kept(noticed, client):
    world = noticed
    fake = SimpleUploadedFile("异议函.pdf", b"MZ\x90\x00 this is an executable")

    response = post(client, world.notice, item_of(world.notice), unit_objection(letter=fake))

    page = response.content.decode()
    assert response.status_code == 400
    assert "内容不是 PDF、JPEG 或 PNG" in page and "朔州市某某集团" in page
    assert not Objection.objects.exists() and not ObjectionFile.objects.exists()


def test_more_evidence_than_allowed_is_refused(noticed, client):
    world = noticed
    evidence = [
        SimpleUploadedFile(f"证据{n}.pdf", sample_pdf()) for n in range(objections.MAX_EVIDENCE_FILES + 1)
    ]

    response = post(client, world.notice, item_of(world.notice), person(evidence=evidence))

    assert response.status_code == 400 and not Objection.objects.exists()


# Privacy ----------------------------------------------------------------------------------------


@pytest.fixture
def with_objections(noticed, client):
    """An objection in a person's name with evidence, and a unit's with its letter."""
    world = noticed
    item = item_of(world.notice)
    evidence = [SimpleUploadedFile("证据.pdf", sample_pdf())]
    post(client, world.notice, item, person(evidence=evidence), address="10.0.2.1")
    letter = SimpleUploadedFile("异议函.pdf", sample_pdf())
    post(client, world.notice, item, unit_objection(letter=letter, phone="03491234567"), address="10.0.2.2")
    assert Objection.objects.count() == 2
    client.logout()
    return world


SECRETS = (NAME, EMPLOYER, "13900008888", "139 0000 8888", EMAIL, "朔州市某某集团", "钱联络", "03491234567")


def contains_secret(text):
    return [secret for secret in SECRETS if secret in text]


def test_no_public_page_feed_or_pdf_shows_the_objector(with_objections, client):
    import io

    from pypdf import PdfReader

    world = with_objections
    with time_machine.travel(DURING, tick=False):
        pages = [
            client.get(reverse(name, args=args)).content.decode()
            for name, args in (
                ("home", []),
                ("notices", []),
                ("notice", [world.notice.pk]),
                ("notices_feed", []),
                ("alliances", []),
                ("alliances_csv", []),
                ("alliances_json", []),
            )
        ]
        pdf = client.get(reverse("notice_pdf", args=[world.notice.pk]))
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )

    assert world.files[0].name in pages[2]
    assert [contains_secret(page) for page in pages] == [[]] * len(pages)
    assert contains_secret(text) == []


def test_the_lead_unit_is_told_of_the_grounds_never_of_the_objector(with_objections, client):
    world = with_objections
    application = item_of(world.notice).application
    client.force_login(world.applicant)

    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    messages = Notification.objects.filter(recipient=world.applicant)
    mails = OutboxMessage.objects.filter(recipient=world.applicant)
    message_pages = [
        client.get(reverse("accounts:notification", args=[message.pk])).content.decode()
        for message in messages
    ]
    listing = client.get(reverse("accounts:notifications")).content.decode()
    form = client.get(reverse("applications:form_pdf", args=[application.pk]))

    assert "联盟成员单位的合作协议并未实际签署。" in page and "公示异议" in page
    assert messages.filter(event__action=Activity.OBJECTION_RECEIVED).count() == 2
    assert mails.filter(subject__contains="收到公示异议").count() == 2
    assert contains_secret(page) == [] and contains_secret(listing) == []
    assert all(contains_secret(text) == [] for text in message_pages)
    assert all(contains_secret(mail.subject + mail.body) == [] for mail in mails)
    assert all(objection.receipt_number not in page for objection in Objection.objects.all())
    assert form.status_code == 200


def test_the_objection_files_answer_404_to_anyone_but_staff(with_objections, client):
    world = with_objections
    urls = [
        reverse("review:objection_file", args=[file.objection_id, file.pk])
        for file in ObjectionFile.objects.all()
    ]
    assert len(urls) == 2

    anonymous = [client.get(address).status_code for address in urls]
    client.force_login(world.applicant)
    applicant = [client.get(address).status_code for address in urls]
    client.force_login(world.unit)
    unit = [client.get(address).status_code for address in urls]
    client.force_login(world.staff)
    staff = [client.get(address).status_code for address in urls]

    assert anonymous == applicant == unit == [404, 404]
    assert staff == [200, 200]


# The bureau's decision --------------------------------------------------------------------------


def test_staff_see_the_objection_with_the_lead_units_answer(with_objections, client):
    world = with_objections
    objection = Objection.objects.get(kind="person")
    client.force_login(world.applicant)
    client.post(
        reverse("objection_answer", args=[objection.item.application_id, objection.pk]),
        {"answer": "协议已由全体成员签署，原件可供核查。"},
    )
    client.force_login(world.staff)

    page = client.get(reverse("review:objection", args=[objection.pk])).content.decode()
    listing = client.get(reverse("review:objections"), {"status": "pending"}).content.decode()
    notice_page = client.get(reverse("review:notice", args=[world.notice.pk])).content.decode()

    assert NAME in page and EMPLOYER in page and "协议已由全体成员签署，原件可供核查。" in page
    assert objection.receipt_number in listing
    assert "共收到异议 2 件，待处理 2 件" in notice_page


def test_another_lead_unit_cannot_answer(with_objections, client):
    world = with_objections
    objection = Objection.objects.get(kind="person")
    client.force_login(world.other_applicant)

    response = client.post(
        reverse("objection_answer", args=[objection.item.application_id, objection.pk]), {"answer": "冒充"}
    )

    objection.refresh_from_db()
    assert response.status_code == 404 and objection.lead_answer == ""


def test_dismissing_records_on_the_file_and_replies_to_the_objector(with_objections, client):
    world = with_objections
    objection = Objection.objects.get(kind="person")
    client.force_login(world.staff)
    client.post(
        reverse("review:objection", args=[objection.pk]),
        {"op": "verify", "notes": "电话核实，已查阅协议原件。"},
    )

    client.post(
        reverse("review:objection", args=[objection.pk]),
        {"op": "dismiss", "reply": "经核实，协议已签署，异议不成立。"},
    )

    objection.refresh_from_db()
    application = objection.item.application
    application.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.decided_by == world.staff
    assert objection.verified_by == world.staff and "原件" in objection.verification_notes
    assert application.state == State.IN_NOTICE
    event = AuditEvent.objects.get(application=application, action=Activity.DISMISS_OBJECTION)
    assert event.internal and event.data["objection"] == objection.pk
    reply = OutboxMessage.objects.filter(to_address=EMAIL).latest("pk")
    assert "异议不成立" in reply.body and objection.receipt_number in reply.subject


def test_upholding_sends_the_file_back_to_the_party_group(with_objections, client):
    world = with_objections
    objection = Objection.objects.get(kind="person")
    client.force_login(world.staff)

    refused = client.post(
        reverse("review:objection", args=[objection.pk]), {"op": "uphold", "reply": "异议成立。"}, follow=True
    ).content.decode()
    client.post(
        reverse("review:objection", args=[objection.pk]),
        {"op": "uphold", "reply": "异议成立。", "reason": "协议未经全体成员签署。"},
    )

    objection.refresh_from_db()
    application = objection.item.application
    application.refresh_from_db()
    assert "请填写异议成立的理由" in refused and "异议成立。" in refused  # the reply comes back
    assert objection.status == ObjectionStatus.UPHELD
    assert application.state == State.AWAITING_DECISION
    event = application.events.get(action=Action.UPHOLD_OBJECTION)
    assert event.data == {"objection": objection.pk, "receipt": objection.receipt_number}
    assert event.actor == world.staff and event.comment == "协议未经全体成员签署。"


def test_the_file_page_does_not_uphold_on_its_own(with_objections, client):
    world = with_objections
    application = item_of(world.notice).application
    client.force_login(world.staff)

    page = client.post(
        reverse("review:act", args=[application.pk, Action.UPHOLD_OBJECTION]),
        {"uphold_objection-comment": "理由", "uphold_objection-objection": Objection.objects.first().pk},
        follow=True,
    ).content.decode()

    application.refresh_from_db()
    assert application.state == State.IN_NOTICE and "须在专门页面办理" in page


# RECOGNIZE ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("by_staff", [True, False])
def test_recognition_before_the_period_ends_is_refused_for_staff_and_the_system(noticed, by_staff):
    world = noticed
    application = item_of(world.notice).application

    with time_machine.travel(LAST_MINUTE, tick=False), pytest.raises(GuardFailed) as refused:
        transition(application, Action.RECOGNIZE, world.staff if by_staff else None)

    application.refresh_from_db()
    assert application.state == State.IN_NOTICE
    assert "公示期满后方可认定" in str(refused.value)


def test_a_pending_objection_blocks_recognition_naming_its_receipt(with_objections):
    world = with_objections
    application = item_of(world.notice).application
    numbers = set(Objection.objects.values_list("receipt_number", flat=True))

    with time_machine.travel(MIDNIGHT, tick=False), pytest.raises(GuardFailed) as refused:
        transition(application, Action.RECOGNIZE, world.staff)

    assert all(number in str(refused.value) for number in numbers)
    assert "第六条" in str(refused.value)
    assert "review.objections.no_open_objection" in TABLE[(State.IN_NOTICE, Action.RECOGNIZE)].guards


def test_once_every_objection_is_dismissed_the_file_is_recognised(with_objections):
    world = with_objections
    application = item_of(world.notice).application
    for objection in Objection.objects.all():
        objections.dismiss(objection, world.staff, "不成立。")

    with time_machine.travel(MIDNIGHT, tick=False):
        transition(application, Action.RECOGNIZE, world.staff)

    application.refresh_from_db()
    assert application.state == State.RECOGNIZED


def test_the_objection_list_costs_the_same_queries_for_1_and_many(noticed, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = noticed
    item = item_of(world.notice)
    client.force_login(world.staff)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("review:objections")).status_code == 200
        return len(captured)

    objection_to = objections.UpholdForm.example
    objection_to(item.application, None)
    one = queries()
    for _n in range(6):
        objection_to(item_of(world.notice, 1).application, None)
    many = queries()

    assert one == many


def test_the_demo_has_a_pending_and_a_dismissed_objection(noticed):
    from review import demo

    world = noticed
    demo.objections(world.staff)
    demo.objections(world.staff)

    assert sorted(Objection.objects.values_list("status", flat=True)) == ["dismissed", "pending"]


# Upheld after the notice was withdrawn -------------------------------------------------------


def withdrawn_with_pending_objection():
    """A file on a notice published 2026-12-01, objected to, whose notice is then withdrawn
    (the file back to 党组会通过) with the objection still pending."""
    world = World(PolicyEditionFactory())
    application = world.application(State.APPROVED)
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI), tick=False):
        notice = notices.create(world.staff, [application])
        notices.publish(notice, world.staff)
    with time_machine.travel(DURING, tick=False):
        objection = objections.receive(notice.items.get(), person(phone_normalized="13900008888"))
        notices.withdraw(notice, world.staff, reason="材料需重新核实")
    application.refresh_from_db()
    assert application.state == State.APPROVED
    return world, application, objection


def publish_anew(world, application, day):
    with time_machine.travel(datetime.datetime(2026, 12, day, 9, 30, tzinfo=SHANGHAI), tick=False):
        notice = notices.create(world.staff, [application])
        notices.publish(notice, world.staff)
    return notice


@pytest.mark.django_db
def test_an_objection_upheld_after_the_notice_was_withdrawn_sends_the_file_to_the_party_group():
    world, application, objection = withdrawn_with_pending_objection()

    with time_machine.travel(DURING, tick=False):
        objections.uphold(objection, world.staff, "经核实异议成立。", "合作协议未签署。")

    application.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.UPHELD
    assert application.state == State.AWAITING_DECISION
    event = application.events.get(action=Action.UPHOLD_OBJECTION)
    assert (event.from_state, event.to_state) == (State.APPROVED, State.AWAITING_DECISION)
    assert event.comment == "合作协议未签署。" and event.data["objection"] == objection.pk
    # It cannot be noticed again before the Party group decided again.
    assert application not in notices.notice_candidates()
    with pytest.raises(notices.NoticeRefused):
        notices.create(world.staff, [application])


@pytest.mark.django_db
def test_after_an_upheld_objection_the_file_is_recognised_once_approved_again_and_noticed():
    world, application, objection = withdrawn_with_pending_objection()
    with time_machine.travel(DURING, tick=False):
        objections.uphold(objection, world.staff, "经核实异议成立。", "合作协议未签署。")
        application.refresh_from_db()
        drive(application, [TABLE[(State.AWAITING_DECISION, Action.APPROVE)]], lambda row: world.staff)

    publish_anew(world, application, 10)
    with time_machine.travel(datetime.datetime(2026, 12, 17, 9, 0, tzinfo=SHANGHAI), tick=False):
        transition(application, Action.RECOGNIZE, world.staff)

    application.refresh_from_db()
    assert application.state == State.RECOGNIZED


@pytest.mark.django_db
def test_an_upheld_objection_the_party_group_did_not_decide_on_blocks_recognition():
    """Upheld while the file was 党组会通过 and left there (as data from before the rule, or
    changed by hand, would be): noticed again, it is not recognised; close_notices sends it
    back to the Party group."""
    world, application, objection = withdrawn_with_pending_objection()
    Objection.objects.filter(pk=objection.pk).update(
        status=ObjectionStatus.UPHELD, decided_at=datetime.datetime(2026, 12, 4, tzinfo=SHANGHAI)
    )
    publish_anew(world, application, 10)

    with time_machine.travel(datetime.datetime(2026, 12, 17, 9, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(GuardFailed, match=objection.receipt_number):
            transition(application, Action.RECOGNIZE, world.staff)
        closing.close_notices()

    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION


# Real names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "\u200b\u200b"},
        {"name": "赵\u202e秘密"},
        {"employer": "\u200b"},
        {"employer": "……"},
        {"name": "123"},
        {"grounds": "\u200b x"},
        {"grounds": "\u200b\u200b"},
        {"phone": "139\u200b00008888"},
        {"kind": "unit", "unit_name": "\u2060", "contact_person": "李四"},
        {"kind": "unit", "unit_name": "某某集团", "contact_person": "- -"},
    ],
)
def test_a_name_or_grounds_of_invisible_characters_is_refused_as_anonymous(noticed, client, changes):
    world = noticed
    item = item_of(world.notice)
    letter = {"letter": SimpleUploadedFile("异议函.pdf", sample_pdf())} if changes.get("kind") else {}

    response = post(client, world.notice, item, person(**changes, **letter))

    assert response.status_code == 400
    assert not Objection.objects.exists()
    page = response.content.decode()
    assert "不可见的控制字符" in page or "须含有文字" in page


def test_grounds_of_several_lines_are_received(noticed, client):
    world = noticed
    item = item_of(world.notice)

    response = post(
        client, world.notice, item, person(grounds="第一，协议未签署。\r\n第二，\t成员单位已注销。")
    )

    assert response.status_code == 302
    assert "成员单位已注销" in Objection.objects.get().grounds


def test_odd_posts_to_the_objection_form_are_never_a_500(noticed, client):
    world = noticed
    item = item_of(world.notice)
    target = url(world.notice, item)
    many = [SimpleUploadedFile(f"e{index}.pdf", sample_pdf(), "application/pdf") for index in range(8)]
    garbage = [SimpleUploadedFile("e.pdf", b"%PDF-1.4 garbage", "application/pdf")]

    with time_machine.travel(DURING, tick=False):
        statuses = {
            "put": client.put(target).status_code,
            "head": client.head(target).status_code,
            "empty": client.post(target, {}).status_code,
            "lists": client.post(target, {"kind": ["person", "unit"], "phone": ["1", "2"]}).status_code,
            "letter as text": client.post(
                target, unit_objection(letter="notafile", evidence="x", phone="13900001111")
            ).status_code,
            "too many files": client.post(target, person(evidence=many, phone="13900001112")).status_code,
            "not a pdf": client.post(target, person(evidence=garbage, phone="13900001113")).status_code,
            "receipt posted": client.post(
                reverse("objection_receipt", args=[world.notice.pk, item.pk])
            ).status_code,
            "answer anonymous": client.post(
                reverse("objection_answer", args=[item.application.pk, 1])
            ).status_code,
            "huge notice": client.get(reverse("notice", args=[99999999999999999])).status_code,
            "huge pdf": client.get("/notices/99999999999999999999.pdf").status_code,
        }

    assert 500 not in statuses.values(), statuses
    assert statuses["too many files"] == 400 and statuses["not a pdf"] == 400
    assert not Objection.objects.exists()


# What the objector reads -----------------------------------------------------------------------


def test_the_objection_page_names_the_alliance_as_noticed(noticed, client):
    world = noticed
    item = item_of(world.notice)
    noticed_name = item.listing["name"]
    type(item.application).objects.filter(pk=item.application_id).update(name="公示后改名的联盟")

    with time_machine.travel(DURING, tick=False):
        page = client.get(url(world.notice, item)).content.decode()
        response = client.post(url(world.notice, item), person(), REMOTE_ADDR="10.0.3.1")
        receipt = client.get(response["Location"]).content.decode()

    assert noticed_name in page and "公示后改名的联盟" not in page
    assert noticed_name in receipt and "公示后改名的联盟" not in receipt
    mail = OutboxMessage.objects.get(to_address=EMAIL)
    assert noticed_name in mail.body and "公示后改名的联盟" not in mail.body


def test_a_late_objection_is_told_that_the_period_has_ended(noticed, client):
    world = noticed
    item = item_of(world.notice)

    response = post(client, world.notice, item, person(), at=MIDNIGHT)

    page = response.content.decode()
    assert response.status_code == 403
    assert "公示期已于 2026-12-07 23:59 结束，不再受理异议（第六条）。" in page
