"""Issue 12: the ways that a file which no longer meets the conditions is not left stuck —
a return during the expert review, which ends the round of experts (Art. 5–6), and a file
approved by the Party group put to it again (提请党组会重新研究, Art. 6)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.demo import sample_pdf
from applications.enums import Action, State
from applications.models import Application, AuditEvent, Industry, OutboxMessage
from applications.workflow import TABLE, GuardFailed, prepare, timeline, transition
from review import checks, meetings, scoring
from review import experts as pool
from review.enums import AssignmentStatus, ReviewProgress
from review.models import Decision, Meeting, PanelResult
from review.panel import panel

from ..factories import expert, log_in
from .helpers import panel_of, submit

REASONS = "牵头单位所属产业已调出“2+7+N”产业体系，请说明并修改后重新提交（第三条）。"


def return_under_review(world):
    """A file under review with three declared experts: the first submitted, the second a
    draft, the third not begun; then returned by the bureau."""
    application, assignments = panel_of(world, 3)
    submit(assignments[0], [20, 20, 20, 20])
    submit(assignments[1], [18, None, None, None], draft=True)
    row = TABLE[(State.UNDER_REVIEW, Action.RETURN)]
    event = transition(
        application, Action.RETURN, world.staff, comment=REASONS, data=prepare(application, row, world.staff)
    )
    return application, assignments, event


def test_a_return_during_the_review_ends_the_round_and_keeps_it_on_the_event(world):
    application, assignments, event = return_under_review(world)

    assert application.state == State.RETURNED
    # The resubmission goes back to the bureau's formal check, the level that returned it.
    assert [
        row.action for row in TABLE.values() if row.source == State.RETURNED and row.applies_to(application)
    ] == [
        Action.RESUBMIT_TO_BUREAU,
        Action.WITHDRAW,
    ]
    assert (event.from_state, event.to_state, event.comment) == (State.UNDER_REVIEW, State.RETURNED, REASONS)
    assert event.data["ended"] == [
        {"assignment": assignments[0].pk, "expert": assignments[0].expert.name, "submitted": True},
        {"assignment": assignments[1].pk, "expert": assignments[1].expert.name, "submitted": False},
        {"assignment": assignments[2].pk, "expert": assignments[2].expert.name, "submitted": False},
    ]
    for assignment in assignments:
        assignment.refresh_from_db()
        assert assignment.status == AssignmentStatus.ENDED
        assert assignment.ended_by == event
        assert scoring.progress_of(assignment) == ReviewProgress.ENDED
    assert not pool.active_assignments(application).exists()
    # The bureau reads who was ended; the lead unit reads the reasons, never the experts.
    (staff_view,) = [e for e in timeline(application.events.all(), internal=True) if e.pk == event.pk]
    names = [assignment.expert.name for assignment in assignments]
    assert [(str(label), text) for label, text in staff_view.details] == [
        (
            "终止的专家评审",
            f"{names[0]}（评审意见已提交，不再计入）、{names[1]}（未提交）、{names[2]}（未提交）",
        )
    ]
    (lead_view,) = [e for e in timeline(application.events.all(), internal=False) if e.pk == event.pk]
    assert lead_view.details == []
    assert lead_view.comment == REASONS
    # Each expert is told that the review ended.
    for assignment in assignments:
        (told,) = OutboxMessage.objects.filter(
            recipient=assignment.expert.user, subject__contains="评审任务终止"
        )
        assert "本轮专家评审已终止" in told.body


def test_an_ended_expert_can_neither_open_nor_submit_the_review(world, client):
    application, assignments, _event = return_under_review(world)
    drafting = assignments[1]

    with pytest.raises(scoring.ScoringRefused) as refused:
        submit(drafting, [18, 18, 18, 18])
    assert "本轮专家评审已终止" in refused.value.messages[0]
    with pytest.raises(pool.AssignmentRefused) as refused:
        pool.decline(drafting, drafting.expert.user, "另有安排")
    assert "本轮专家评审已终止" in refused.value.messages[0]

    log_in(client, drafting.expert.user.username)
    assert client.get(reverse("review:detail", args=[application.pk])).status_code == 404
    assert client.get(reverse("review:score", args=[application.pk])).status_code == 404
    worklist = client.get(reverse("review:dashboard")).content.decode()
    assert application.name not in worklist


def test_after_the_resubmission_experts_are_assigned_afresh_and_old_scores_do_not_count(world, client):
    application, old, _event = return_under_review(world)

    transition(application, Action.RESUBMIT_TO_BUREAU, world.applicant, declared=True)
    application.refresh_from_db()
    assert application.state == State.FORWARDED

    # The new round's formal check passed; the experts of the ended round do not count.
    start = TABLE[(State.FORWARDED, Action.START_REVIEW)]
    checks.pass_every_item(application, start, world.staff)
    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.START_REVIEW, world.staff)
    assert any("已指派 0 位评审专家" in message for message in refused.value.messages)

    fresh = []
    for n in range(1, 4):
        assignment = pool.assign(application, expert(f"fresh{n}", name=f"新专家{n}"), world.staff)
        fresh.append(pool.declare(assignment, assignment.expert.user))
    # One of the ended round's experts may be assigned again: a new assignment, a new review.
    again = pool.assign(application, old[0].expert, world.staff)
    assert again.pk != old[0].pk
    transition(application, Action.START_REVIEW, world.staff, data=prepare(application, start, world.staff))

    # The panel is the new round's: the submitted score of the ended round is not in it.
    rows = panel(application).rows
    assert [row.assignment.pk for row in rows] == [*(a.pk for a in fresh), again.pk]
    assert not any(row.submitted for row in rows)
    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.CLOSE_REVIEW, world.staff)
    assert any("还有 4 位专家的评审意见未提交" in message for message in refused.value.messages)

    for assignment in fresh:
        submit(assignment, [15, 15, 15, 15])
    again = pool.declare(again, again.expert.user)
    submit(again, [10, 10, 10, 10])
    transition(application, Action.CLOSE_REVIEW, world.staff)
    result = PanelResult.objects.get(application=application)
    assert result.expert_count == 4
    assert sorted(review["total"] for review in result.reviews) == ["40.0", "60.0", "60.0", "60.0"]

    # The staff's page of the file's experts shows the ended round beside the new one.
    log_in(client, "staff")
    page = client.get(reverse("review:assignments", args=[application.pk])).content.decode()
    assert page.count("本轮评审已终止（申报退回修改）") == 3
    assert client.get(reverse("review:panel", args=[application.pk])).status_code == 200


def test_the_bureau_returns_a_file_under_review_from_its_page(world, client):
    application, _assignments = panel_of(world, 3)
    log_in(client, "staff")
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    assert "action-return" in page and "退回理由（评审中发现的问题）" in page
    assert "退回后本轮专家评审即终止" in page

    client.post(reverse("review:act", args=[application.pk, "return"]), {"return-comment": REASONS})
    application.refresh_from_db()
    assert application.state == State.RETURNED
    assert application.returned_from == State.FORWARDED


# 提请党组会重新研究 (RECONSIDER) ---------------------------------------------------------------


def retire_industry(application):
    application.industry.is_active = False
    application.industry.save()


def meeting_deciding(world, application, decision, reasons):
    """A later meeting with ``decision`` on ``application``, ready to be recorded. The test
    world's first decision was taken at its example meeting, fixed here as recording does."""
    meetings.finish_example(world.staff)
    meeting = Meeting.objects.create(
        session="2026年第13次党组会", held_on=datetime.date(2026, 12, 4), created_by=world.staff
    )
    meetings.add_files(meeting, [application])
    (item,) = meeting.items.all()
    meetings.set_decisions(meeting, {item.pk: (decision, reasons)})
    meetings.upload_minutes(meeting, SimpleUploadedFile("纪要.pdf", sample_pdf()), world.staff)
    return meeting


def test_an_approved_file_no_longer_eligible_goes_back_to_the_party_group_and_is_rejected(world, client):
    application = world.application(State.APPROVED)
    publish = TABLE[(State.APPROVED, Action.PUBLISH_NOTICE)]
    data = prepare(application, publish, world.staff)
    retire_industry(application)

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.PUBLISH_NOTICE, world.staff, data=data)
    assert "提请党组会重新研究（提请党组会重新研究，第六条）" in refused.value.messages[-1]

    # The staff's page offers it, the reasons required.
    log_in(client, "staff")
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    assert "action-reconsider" in page and "提请重新研究的理由" in page
    client.post(reverse("review:act", args=[application.pk, "reconsider"]), {"reconsider-comment": ""})
    application.refresh_from_db()
    assert application.state == State.APPROVED
    client.post(
        reverse("review:act", args=[application.pk, "reconsider"]),
        {"reconsider-comment": "所属产业已调出产业体系，提请党组会重新研究（第六条）。"},
    )
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION
    event = AuditEvent.objects.get(application=application, action=Action.RECONSIDER)
    assert (event.from_state, event.actor, event.ip_address) == (State.APPROVED, world.staff, "127.0.0.1")

    # A later meeting decides on it again: not recognised.
    meeting = meeting_deciding(
        world, application, Decision.REJECT, "所属产业不属于“2+7+N”产业体系（第三条）。"
    )
    meetings.record_meeting(meeting, world.staff)
    application.refresh_from_db()
    assert application.state == State.REJECTED
    assert AuditEvent.objects.filter(application=application, action=Action.APPROVE).count() == 1
    assert AuditEvent.objects.filter(application=application, action=Action.REJECT).count() == 1
    # Nothing of it on the public pages.
    assert "所属产业已调出" not in client.get(reverse("notices")).content.decode()


def test_a_file_in_notice_goes_back_to_the_party_group_and_the_others_of_its_notice_are_recognised(world):
    other = world.application(State.IN_NOTICE)
    application = world.application(State.IN_NOTICE)
    recognize = TABLE[(State.IN_NOTICE, Action.RECOGNIZE)]
    data = prepare(application, recognize, world.staff)
    # Its own industry, retired: the other file of the notice keeps its industry.
    industry = Industry.objects.create(
        code="retired-ways", name="测试调出产业", group=application.industry.group
    )
    Application.objects.filter(pk=application.pk).update(industry=industry)
    industry.is_active = False
    industry.save()
    application.refresh_from_db()

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.RECOGNIZE, world.staff, data=data)
    assert "提请党组会重新研究（提请党组会重新研究，第六条）" in refused.value.messages[-1]
    # The way it names, from 公示中 itself, for this file alone.
    transition(
        application, Action.RECONSIDER, world.staff, comment="所属产业已调出产业体系（第三条、第六条）。"
    )
    application.refresh_from_db()
    assert application.state == State.AWAITING_DECISION
    meetings.finish_example(world.staff)
    assert meetings.agenda_candidates(None).filter(pk=application.pk).exists()
    transition(other, Action.RECOGNIZE, world.staff, data=prepare(other, recognize, world.staff))
    other.refresh_from_db()
    assert other.state == State.RECOGNIZED


@pytest.mark.parametrize("state", [State.APPROVED, State.IN_NOTICE])
def test_a_file_still_eligible_is_not_sent_back_to_the_party_group(world, state):
    application = world.application(state)
    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.RECONSIDER, world.staff, comment="重新研究")
    assert "本申报仍符合认定条件" in refused.value.messages[0]
    application.refresh_from_db()
    assert application.state == state
    assert not AuditEvent.objects.filter(application=application, action=Action.RECONSIDER).exists()
