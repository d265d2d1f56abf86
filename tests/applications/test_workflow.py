import pytest
from django.core import mail

from applications.enums import SYSTEM, Action, Role, State
from applications.models import AuditEvent, Notification
from applications.workflow import (
    TABLE,
    TRANSITIONS,
    GuardFailed,
    NotPermitted,
    StateConflict,
    available_transitions,
    prepare,
    route,
    transition,
)

from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory

ROW_IDS = [f"{row.source}-{row.action}" for row in TRANSITIONS]
# Everyone who might try: the file's own people, the other world's, and the rest.
ACTORS = ["applicant", "other_applicant", "unit", "other_unit", "staff", "expert", "admin", SYSTEM]
# Which of them the table's roles admit on a file of `applicant` routed to `unit`.
ADMITTED = {Role.APPLICANT: "applicant", Role.UNIT_REVIEWER: "unit", Role.STAFF: "staff", SYSTEM: SYSTEM}


def actor(world, name):
    return None if name == SYSTEM else getattr(world, name)


def files_one_test_takes():
    """``(state, complete): count`` — the most files of each kind that one of the two tests
    over the whole table takes (``at_source`` and a file in each state)."""
    need = {}
    for state in State:
        need[(state, state != State.DRAFT)] = 1
    for row in TRANSITIONS:
        source = State.FORWARDED if row.action == Action.RESUBMIT_TO_BUREAU else row.source
        count = 1 + len({ADMITTED[role] for role in row.roles})
        need[(source, True)] = max(need.get((source, True), 0), count)
    return need


@shared_state
def world_ahead():
    """A World holding, built once, the files that any one of the two tests over the whole
    table takes: each test takes them from its own copy (World.build_ahead)."""
    world = World(PolicyEditionFactory())
    for (state, complete), count in files_one_test_takes().items():
        world.build_ahead(count, state, complete=complete)
    return world


def at_source(world, row):
    """A file in ``row.source`` to which ``row`` applies (a resubmission needs its level),
    with the row's guards met by their own modules (experts assigned, reviews submitted)."""
    if row.action == Action.RESUBMIT_TO_BUREAU:
        application = world.application(State.FORWARDED)
        data = prepare(application, TABLE[(State.FORWARDED, Action.RETURN)], world.staff)
        transition(
            application,
            Action.RETURN,
            world.staff,
            comment="形式审查：缺少联盟章程",
            declared=True,
            data=data,
        )
        return application
    return world.application(row.source, complete=True)


@pytest.mark.parametrize("row", TRANSITIONS, ids=ROW_IDS)
def test_transition_works_for_its_roles_and_is_refused_for_every_other(world_ahead, row):
    world = world_ahead
    allowed = {ADMITTED[role] for role in row.roles}
    application = at_source(world, row)
    for name in ACTORS:
        if name in allowed:
            continue
        with pytest.raises(NotPermitted):
            transition(application, row.action, actor(world, name), comment="理由", declared=True)
        application.refresh_from_db()
        assert application.state == row.source
    assert not AuditEvent.objects.filter(application=application, action=row.action).exists()

    for name in sorted(allowed):
        application = at_source(world, row)
        # What the row's own checks need (the unit's confirmations, the formal checklist).
        data = prepare(application, row, actor(world, name))
        events_before = application.events.count()
        event = transition(
            application,
            row.action,
            actor(world, name),
            comment="理由",
            ip_address="10.0.0.8",
            declared=True,
            data=data,
        )
        assert application.state == row.target
        assert application.events.count() == events_before + 1
        assert (event.from_state, event.to_state, event.action) == (row.source, row.target, row.action)
        assert event.actor == actor(world, name)
        assert event.actor_role == (SYSTEM if name == SYSTEM else actor(world, name).role)
        assert event.comment == "理由"
        assert event.ip_address == "10.0.0.8"


@pytest.mark.parametrize("state", list(State), ids=[s.value for s in State])
def test_every_action_is_refused_from_every_other_state(world_ahead, state):
    world = world_ahead
    application = world.application(state)
    for action in Action:
        row = TABLE.get((state, action))
        if row is not None and row.applies_to(application):
            continue
        # Even the roles that may make the action elsewhere are refused here.
        for name in ["applicant", "unit", "staff", SYSTEM]:
            with pytest.raises(StateConflict) as refusal:
                transition(application, action, actor(world, name), comment="理由", declared=True)
            assert "当前状态为" in str(refusal.value)
    application.refresh_from_db()
    assert application.state == state
    # One transition per step (the checks recorded on the way are internal activities).
    assert application.events.filter(action__in=Action.values).count() == len(route(state))


def test_table_reaches_every_state_from_draft():
    for state in State:
        assert route(state)[-1].target == state if state != State.DRAFT else route(state) == []


def test_return_without_reasons_is_refused(world):
    application = world.application(State.SUBMITTED)
    with pytest.raises(GuardFailed) as refusal:
        transition(application, Action.RETURN, world.unit, comment="   ", declared=True)
    assert "退回理由" in str(refusal.value)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_resubmission_goes_back_to_the_level_that_returned_it(world):
    by_unit = world.application(State.RETURNED)
    assert [row.action for row, _ in available_transitions(by_unit, world.applicant)] == [
        Action.RESUBMIT,
        Action.WITHDRAW,
    ]
    transition(by_unit, Action.RESUBMIT, world.applicant, declared=True)
    assert by_unit.state == State.SUBMITTED

    by_bureau = world.application(State.FORWARDED)
    data = prepare(by_bureau, TABLE[(State.FORWARDED, Action.RETURN)], world.staff)
    transition(by_bureau, Action.RETURN, world.staff, comment="缺少联盟章程", declared=True, data=data)
    with pytest.raises(StateConflict):
        transition(by_bureau, Action.RESUBMIT, world.applicant, declared=True)
    transition(by_bureau, Action.RESUBMIT_TO_BUREAU, world.applicant, declared=True)
    assert by_bureau.state == State.FORWARDED


def test_unit_of_another_county_cannot_act(world):
    application = world.application(State.SUBMITTED)
    with pytest.raises(NotPermitted):
        transition(application, Action.FORWARD, world.other_unit, comment="同意", declared=True)


def test_submit_binds_the_edition_in_force_and_records_first_submission(
    world, django_capture_on_commit_callbacks
):
    application = world.application(complete=True)
    assert application.submitted_at is None
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.SUBMIT, world.applicant, declared=True)
    assert application.edition == world.edition
    assert application.submitted_at is not None


def test_notifications_reach_the_next_holder_and_mail_only_after_commit(
    world, django_capture_on_commit_callbacks
):
    application = world.application(complete=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition(application, Action.SUBMIT, world.applicant, declared=True)
    # In-portal messages are written in the transaction; no mail before the commit.
    assert mail.outbox == []
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["unit-shuocheng"]
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["unit-shuocheng@example.com"]]
    assert application.name in mail.outbox[0].subject
    assert "待组织单位审核" in mail.outbox[0].body


def test_failed_transition_sends_nothing(world, django_capture_on_commit_callbacks):
    application = world.application(State.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(GuardFailed):
        transition(application, Action.RETURN, world.unit, comment="", declared=True)
    assert mail.outbox == []
    assert not Notification.objects.filter(event__action=Action.RETURN).exists()


def test_line_break_in_a_name_does_not_break_the_mail(world, django_capture_on_commit_callbacks):
    application = world.application(name="朔州市测试联盟\nBcc: someone@example.com", complete=True)
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.SUBMIT, world.applicant, declared=True)
    assert application.state == State.SUBMITTED
    assert len(mail.outbox) == 1
    assert "\n" not in mail.outbox[0].subject
    assert mail.outbox[0].bcc == []
