"""党组会 (Art. 6): a meeting decides on several files at once, all or nothing."""

import datetime
import html

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.demo import sample_pdf
from applications.enums import Action, Activity, OutboxKind, OutboxStatus, State
from applications.models import AuditEvent, Notification, OutboxMessage, User
from applications.workflow import TABLE, GuardFailed, prepare, transition
from review import meetings
from review.models import Decision, Meeting, MeetingStatus

from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory, log_in


@shared_state
def awaiting():
    """A World with four files of ``applicant`` waiting for the Party group."""
    world = World(PolicyEditionFactory())
    world.files = [world.application(State.AWAITING_DECISION) for _ in range(4)]
    return world


def prepared(world, decisions, *, minutes=True, session="2026年第12次党组会"):
    """A meeting with ``world.files[i]`` decided as ``decisions[i]`` (decision, reasons)."""
    meeting = Meeting.objects.create(
        session=session, held_on=datetime.date(2026, 11, 20), created_by=world.staff
    )
    files = world.files[: len(decisions)]
    meetings.add_files(meeting, files)
    items = {item.application_id: item.pk for item in meeting.items.all()}
    meetings.set_decisions(
        meeting, {items[app.pk]: decision for app, decision in zip(files, decisions, strict=True)}
    )
    if minutes:
        meetings.upload_minutes(meeting, SimpleUploadedFile("纪要.pdf", sample_pdf()), world.staff)
    return meeting


THREE = [
    (Decision.APPROVE, ""),
    (Decision.REJECT, "成员中无高校或科研机构，产学研结合不足。"),
    (Decision.APPROVE, "同意认定。"),
]


def test_a_meeting_applies_its_three_decisions_as_three_transitions(
    awaiting, django_capture_on_commit_callbacks
):
    world = awaiting
    meeting = prepared(world, THREE)

    with django_capture_on_commit_callbacks(execute=True):
        events = meetings.record_meeting(meeting, world.staff, ip_address="10.0.0.9")

    first, second, third = (AuditEvent.objects.get(pk=event.pk) for event in events)
    assert [event.action for event in (first, second, third)] == [
        Action.APPROVE,
        Action.REJECT,
        Action.APPROVE,
    ]
    for event, application in zip((first, second, third), world.files, strict=False):
        application.refresh_from_db()
        assert event.application_id == application.pk
        assert event.data == {"meeting": meeting.pk, "session": "2026年第12次党组会", "held_on": "2026-11-20"}
        assert event.ip_address == "10.0.0.9"
    assert [app.state for app in world.files[:3]] == [State.APPROVED, State.REJECTED, State.APPROVED]
    assert second.comment == "成员中无高校或科研机构，产学研结合不足。"
    assert meeting.status == MeetingStatus.RECORDED and meeting.recorded_by == world.staff
    # Three draft letters, one per decision, to the lead unit's contact; nothing sent yet,
    # not even the usual message of a transition (the letter tells it, once read).
    drafts = OutboxMessage.objects.filter(kind=OutboxKind.LETTER, status=OutboxStatus.DRAFT)
    assert sorted(drafts.values_list("application_id", flat=True)) == sorted(
        app.pk for app in world.files[:3]
    )
    assert {letter.recipient for letter in drafts} == {world.applicant}
    assert mail.outbox == []
    assert not Notification.objects.filter(event__in=events).exists()
    rejection = drafts.get(application=world.files[1])
    assert "不予认定" in rejection.subject and "成员中无高校或科研机构" in rejection.body
    assert "2026年第12次党组会" in rejection.body


def test_a_decision_that_cannot_be_applied_leaves_the_whole_meeting_unapplied(awaiting):
    world = awaiting
    meeting = prepared(world, THREE)
    # The third lead unit withdraws its file between the agenda and the recording.
    transition(world.files[2], Action.WITHDRAW, world.applicant)
    events_before = AuditEvent.objects.count()

    with pytest.raises(meetings.MeetingRefused) as refused:
        meetings.record_meeting(meeting, world.staff)

    assert world.files[2].name in refused.value.messages[0]
    assert AuditEvent.objects.count() == events_before
    assert not OutboxMessage.objects.filter(kind=OutboxKind.LETTER).exists()
    for application in world.files[:2]:
        application.refresh_from_db()
        assert application.state == State.AWAITING_DECISION
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.DRAFT


def test_a_deferred_file_stays_for_a_later_meeting_with_an_internal_record(awaiting):
    world = awaiting
    meeting = prepared(world, [(Decision.DEFER, "待补充成员单位研发投入说明后再议。")])

    (event,) = meetings.record_meeting(meeting, world.staff)
    later = Meeting.objects.create(session="2026年第13次党组会", held_on="2026-12-04", created_by=world.staff)
    meetings.add_files(later, [world.files[0]])

    world.files[0].refresh_from_db()
    assert world.files[0].state == State.AWAITING_DECISION
    assert (event.action, event.internal) == (Activity.DEFER_DECISION, True)
    assert later.items.get().application == world.files[0]


@pytest.mark.parametrize(
    ("decisions", "minutes", "message"),
    [
        ([(Decision.APPROVE, "")], False, "请上传会议纪要扫描件。"),
        ([("", "")], True, "尚未填写决定"),
        ([(Decision.REJECT, "  ")], True, "不予认定，请填写理由"),
    ],
    ids=["no-minutes", "no-decision", "rejection-without-reasons"],
)
def test_a_meeting_is_not_recorded_until_it_is_complete(awaiting, decisions, minutes, message):
    world = awaiting
    meeting = prepared(world, decisions, minutes=minutes)

    with pytest.raises(meetings.MeetingRefused) as refused:
        meetings.record_meeting(meeting, world.staff)

    assert any(message in text for text in refused.value.messages)
    world.files[0].refresh_from_db()
    assert world.files[0].state == State.AWAITING_DECISION


def test_a_file_on_one_meetings_agenda_cannot_be_put_on_another(awaiting):
    world = awaiting
    prepared(world, [(Decision.APPROVE, "")])
    other = Meeting.objects.create(session="另一次党组会", held_on="2026-11-27", created_by=world.staff)

    with pytest.raises(meetings.MeetingRefused) as refused:
        meetings.add_files(other, [world.files[0]])

    assert "已列入另一次党组会的议题" in refused.value.messages[0]
    assert not other.items.exists()


def test_the_file_page_offers_no_decision_of_its_own(awaiting, client):
    """The Party group decides at a meeting: a decision posted on the file page is refused."""
    world = awaiting
    application = world.files[0]
    log_in(client, "staff")

    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    client.post(reverse("review:act", args=[application.pk, Action.APPROVE]), {"approve-meeting": "1"})

    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION
    assert reverse("review:meetings") in page
    assert f'action="/review/applications/{application.pk}/act/approve/"' not in page


def test_staff_record_a_meeting_through_its_page(awaiting, client):
    world = awaiting
    log_in(client, "staff")
    client.post(reverse("review:meetings"), {"session": "2026年第12次党组会", "held_on": "2026-11-20"})
    meeting = Meeting.objects.get()
    url = reverse("review:meeting", args=[meeting.pk])
    client.post(url, {"op": "add", "application": [app.pk for app in world.files[:2]]})
    first, second = meeting.items.order_by("position")
    too_long = "理" * 1001

    refused = client.post(
        url,
        {
            "op": "decide",
            f"item{first.pk}-decision": "approve",
            f"item{second.pk}-decision": "reject",
            f"item{second.pk}-reasons": too_long,
        },
    )
    client.post(
        url,
        {
            "op": "decide",
            f"item{first.pk}-decision": "approve",
            f"item{second.pk}-decision": "reject",
            f"item{second.pk}-reasons": "不符合第四条。",
        },
    )
    client.post(
        reverse("review:meeting_minutes", args=[meeting.pk]),
        {"file": SimpleUploadedFile("纪要.pdf", sample_pdf())},
    )
    unconfirmed = client.post(
        url,
        {"op": "record", f"item{first.pk}-decision": "approve", f"item{second.pk}-decision": "reject"},
        follow=True,
    ).content.decode()
    # Recorded as the page shows it (the second's reasons typed in the same post).
    client.post(
        url,
        {
            "op": "record",
            "confirmed": "1",
            f"item{first.pk}-decision": "approve",
            f"item{second.pk}-decision": "reject",
            f"item{second.pk}-reasons": "不符合第四条。",
        },
    )
    page = client.get(url).content.decode()

    assert "尚未录入：请勾选" in unconfirmed
    assert refused.status_code == 400
    assert "最多 1000 字，现为 1001 字" in refused.content.decode()
    assert too_long in refused.content.decode()  # what was typed is still there
    for application, state in zip(world.files[:2], [State.APPROVED, State.REJECTED], strict=True):
        application.refresh_from_db()
        assert application.state == state
    assert "决定已由" in page and "不符合第四条。" in page


def test_the_applicant_reads_the_decision_and_its_meeting_but_not_a_deferral(awaiting, client):
    world = awaiting
    meeting = prepared(world, [(Decision.REJECT, "不符合第四条。"), (Decision.DEFER, "再议")])
    meetings.record_meeting(meeting, world.staff)
    log_in(client, "applicant")

    rejected = client.get(reverse("applications:detail", args=[world.files[0].pk])).content.decode()
    deferred = client.get(reverse("applications:detail", args=[world.files[1].pk])).content.decode()

    assert "2026年第12次党组会（2026-11-20）" in rejected and "不符合第四条。" in rejected
    assert "暂缓" not in deferred and "再议" not in deferred


def test_the_agenda_pdf_lists_the_files_and_decisions_in_chinese(awaiting, client):
    from ..test_policy import pdf_text

    world = awaiting
    meeting = prepared(world, THREE)
    meetings.record_meeting(meeting, world.staff)
    log_in(client, "staff")

    response = client.get(reverse("review:meeting_pdf", args=[meeting.pk]))

    text = pdf_text(b"".join(response.streaming_content))
    assert "2026年第12次党组会议题清单" in text.replace(" ", "")
    assert "研究通过" in text and "不予认定" in text
    assert world.files[0].name in text.replace("\n", "")


def test_the_meeting_list_and_page_cost_the_same_queries_for_1_and_many(
    awaiting, client, django_assert_num_queries
):
    world = awaiting
    log_in(client, "staff")
    one = prepared(world, [(Decision.APPROVE, "")])

    def counted(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    list_one, page_one = (
        counted(reverse("review:meetings")),
        counted(reverse("review:meeting", args=[one.pk])),
    )
    meetings.add_files(one, world.files[1:4])
    for n in range(20):
        Meeting.objects.create(session=f"第{n}次", held_on="2026-01-01", created_by=world.staff)

    assert counted(reverse("review:meetings")) == list_one
    assert counted(reverse("review:meeting", args=[one.pk])) == page_one


def test_staff_read_the_letters_and_send_the_ticked_ones_each_in_its_readers_language(awaiting, client):
    world = awaiting
    User.objects.filter(pk=world.applicant.pk).update(language="en")
    meeting = prepared(world, THREE[:2])
    meetings.record_meeting(meeting, world.staff)
    approval, rejection = OutboxMessage.objects.filter(kind=OutboxKind.LETTER).order_by("pk")
    log_in(client, "staff")

    page = client.get(reverse("review:letters")).content.decode()
    nothing = client.post(reverse("review:letters"), {}, follow=True).content.decode()
    with_callbacks = client.post(reverse("review:letters"), {"letter": [str(approval.pk), "x"]}, follow=True)

    approval.refresh_from_db()
    rejection.refresh_from_db()
    assert "was approved for recognition" in approval.body  # the reader's language (en)
    assert approval.body.split("\n")[2] in html.unescape(page)  # staff read it on the page
    assert "请勾选已审阅、要发送的通知书。" in nothing
    assert "已核发决定通知书 1 封" in with_callbacks.content.decode()
    assert approval.status in (OutboxStatus.QUEUED, OutboxStatus.SENT) and approval.released_by == world.staff
    assert rejection.status == OutboxStatus.DRAFT  # not ticked: not read, not sent
    assert approval.subject.startswith("[Shuozhou Science and Technology Bureau] Decision on")


# What the review of issue 9 found --------------------------------------------------------


def test_an_old_meetings_decision_cannot_be_applied_again(awaiting):
    """After an objection sends an approved file back (Art. 6), the meeting that approved it
    once cannot approve it again: a new meeting must decide."""
    world = awaiting
    meeting = prepared(world, [(Decision.APPROVE, "")])
    meetings.record_meeting(meeting, world.staff)
    application = world.files[0]
    row = TABLE[(State.APPROVED, Action.PUBLISH_NOTICE)]
    transition(application, Action.PUBLISH_NOTICE, world.staff, data=prepare(application, row, world.staff))
    upheld = TABLE[(State.IN_NOTICE, Action.UPHOLD_OBJECTION)]
    transition(
        application,
        Action.UPHOLD_OBJECTION,
        world.staff,
        comment="异议成立：成员单位资质不实。",
        data=prepare(application, upheld, world.staff),
    )

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.APPROVE, world.staff, data={"meeting": meeting.pk})

    assert "该申报不在这次党组会的议题中" in str(refused.value)
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION


def test_a_decision_posted_on_the_file_page_is_refused_whatever_the_state(awaiting, client):
    world = awaiting
    application = world.files[0]
    transition(application, Action.WITHDRAW, world.applicant)
    log_in(client, "staff")

    page = client.post(
        reverse("review:act", args=[application.pk, Action.APPROVE]), {"approve-meeting": "1"}, follow=True
    ).content.decode()

    assert "须在专门页面办理" in page


def test_saving_decisions_keeps_an_item_the_page_did_not_show(awaiting, client):
    world = awaiting
    meeting = prepared(world, [(Decision.APPROVE, ""), (Decision.REJECT, "理由乙")])
    first, second = meeting.items.order_by("position")
    log_in(client, "staff")

    client.post(
        reverse("review:meeting", args=[meeting.pk]), {"op": "decide", f"item{first.pk}-decision": "defer"}
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.decision == Decision.DEFER
    assert (second.decision, second.reasons) == (Decision.REJECT, "理由乙")


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("review:meeting", {"op": "remove", "item": "abc"}),
        ("review:meeting", {"op": "add", "application": ["²", "9" * 5000]}),
        ("review:letters", {"letter": ["²", "9" * 5000]}),
    ],
    ids=["remove-abc", "add-superscript", "letters-superscript"],
)
def test_bad_ids_never_answer_500(awaiting, client, url_name, data):
    world = awaiting
    meeting = prepared(world, [(Decision.APPROVE, "")], minutes=False)
    log_in(client, "staff")
    args = [meeting.pk] if url_name == "review:meeting" else []

    response = client.post(reverse(url_name, args=args), data)

    assert response.status_code in (302, 404)
    assert meeting.items.count() == 1


def test_a_deferral_is_refused_for_a_file_no_longer_awaiting_a_decision(awaiting):
    world = awaiting
    meeting = prepared(world, [(Decision.DEFER, "再议")])
    transition(world.files[0], Action.WITHDRAW, world.applicant)

    with pytest.raises(meetings.MeetingRefused) as refused:
        meetings.record_meeting(meeting, world.staff)

    assert "已不在待党组会研究状态" in refused.value.messages[0]
    assert not world.files[0].events.filter(action=Activity.DEFER_DECISION).exists()


def test_the_unit_does_not_read_the_bureaus_internal_records(awaiting, client):
    world = awaiting
    meeting = prepared(world, [(Decision.DEFER, "待纪检意见后再议")])
    meetings.record_meeting(meeting, world.staff)
    log_in(client, "unit-shuocheng")

    page = client.get(reverse("review:detail", args=[world.files[0].pk])).content.decode()

    assert "待纪检意见后再议" not in page and "党组会研究暂缓决定" not in page
    assert "保存组织单位核查" in page  # its own checks stay on its timeline


def test_a_sent_letter_also_reaches_the_contacts_messages(awaiting, client):
    world = awaiting
    meeting = prepared(world, [(Decision.REJECT, "不符合第四条。")])
    meetings.record_meeting(meeting, world.staff)
    letter = OutboxMessage.objects.get(kind=OutboxKind.LETTER)
    log_in(client, "staff")

    client.post(reverse("review:letters"), {"letter": [str(letter.pk)]})

    notice = Notification.objects.get(recipient=world.applicant, event__action=Action.REJECT)
    assert notice.body == letter.body and notice.application == world.files[0]


def test_a_meeting_name_with_a_line_break_is_refused(awaiting, client):
    log_in(client, "staff")

    page = client.post(
        reverse("review:meetings"),
        {"session": "第1次\n} html{background:url(http://x/)}", "held_on": "2026-11-20"},
    ).content.decode()

    assert "不可见的控制字符" in page
    assert not Meeting.objects.exists()


def test_the_agenda_shows_each_files_panel_and_the_letter_neither_scores_nor_experts(awaiting, client):
    from review.models import Assignment

    world = awaiting
    meeting = prepared(world, [(Decision.APPROVE, "")])
    panel = world.files[0].panel_results.get()
    log_in(client, "staff")

    page = client.get(reverse("review:meeting", args=[meeting.pk])).content.decode()
    meetings.record_meeting(meeting, world.staff)

    assert f"均分 {panel.total['mean']}/{panel.max_total}" in page
    letter = OutboxMessage.objects.get(kind=OutboxKind.LETTER)
    experts = Assignment.objects.filter(application=world.files[0]).select_related("expert")
    assert experts.exists()
    for assignment in experts:
        assert assignment.expert.name not in letter.body
    assert panel.total["mean"] not in letter.body and "均分" not in letter.body
