"""Issue 12 §1–2: the eligibility rules of Art. 3–5 guard every forward row, not only the
submission; the organising unit's recorded confirmation of a Shuozhou address holds at every
later step."""

import pytest
from django.utils import translation

from applications.eligibility import CONFIRMED_LEAD_ADDRESS
from applications.enums import SYSTEM, Action, OrganisationType, State
from applications.models import AuditEvent
from applications.uscc import make_uscc
from applications.workflow import (
    TABLE,
    TRANSITIONS,
    GuardFailed,
    prepare,
    route_from,
    still_eligible,
    transition,
)
from applications.workflow import WAY_THAT_REMAINS as WAY_THAT_REMAINS_OF_THE_TABLE
from review.checks import confirmed_items
from review.models import UnitCheck, UnitCheckItem
from tests.factories import OrganisationFactory

FORWARD_ROWS = [
    (State.SUBMITTED, Action.FORWARD),
    (State.FORWARDED, Action.START_REVIEW),
    (State.UNDER_REVIEW, Action.CLOSE_REVIEW),
    (State.AWAITING_DECISION, Action.APPROVE),
    (State.APPROVED, Action.PUBLISH_NOTICE),
    (State.IN_NOTICE, Action.RECOGNIZE),
]
# What the refusal's last line tells the clerk to do, and the rows that do it, made one after
# the other from the refused row's own state (a file is never left without a way).
WAY_THAT_REMAINS = {
    Action.FORWARD: ("退回牵头单位修改（退回修改，第五条）", [Action.RETURN]),
    Action.START_REVIEW: ("在形式审查清单中将相关事项记为不通过", [Action.RETURN]),
    Action.CLOSE_REVIEW: ("本轮专家评审随之终止", [Action.RETURN]),
    Action.APPROVE: ("不予认定", [Action.REJECT]),
    Action.PUBLISH_NOTICE: ("提请党组会重新研究（提请党组会重新研究，第六条）", [Action.RECONSIDER]),
    Action.RECOGNIZE: ("提请党组会重新研究（提请党组会重新研究，第六条）", [Action.RECONSIDER]),
}


def step(world, application, row, data=None):
    """``row`` made by its actor in ``world``, what its other guards need done first."""
    actor = world.actor_of(row)
    data = data if data is not None else prepare(application, row, actor)
    return transition(application, row.action, actor, comment="测试意见", declared=True, data=data)


@pytest.mark.parametrize(("source", "action"), FORWARD_ROWS, ids=[str(action) for _, action in FORWARD_ROWS])
def test_a_file_whose_industry_was_retired_is_refused_at_every_forward_step(world, source, action):
    row = TABLE[(source, action)]
    application = world.application(source)
    # What the row's other guards need (the unit's checklist, the experts, the notice's period).
    data = prepare(application, row, world.actor_of(row))
    events = application.events.count()

    # Art. 3: the industry left the "2+7+N" system after the file was submitted.
    industry = application.industry
    industry.is_active = False
    industry.save()
    with pytest.raises(GuardFailed) as refused:
        step(world, application, row, data)
    messages = refused.value.messages
    assert any(message.startswith("第三条：") and industry.name in message for message in messages)
    words, _ways = WAY_THAT_REMAINS[action]
    assert words in messages[-1]
    application.refresh_from_db()
    assert application.state == source
    assert application.events.count() == events
    assert not AuditEvent.objects.filter(application=application, action=action).exists()

    # The same file, its industry back in the system, moves on.
    industry.is_active = True
    industry.save()
    step(world, application, row, data)
    application.refresh_from_db()
    assert application.state == row.target
    assert AuditEvent.objects.filter(application=application, action=action).count() == 1


@pytest.mark.parametrize(("source", "action"), FORWARD_ROWS, ids=[str(action) for _, action in FORWARD_ROWS])
def test_a_core_member_the_registry_corrects_to_a_branch_is_refused_at_every_forward_step(
    world, source, action
):
    row = TABLE[(source, action)]
    application = world.application(source)
    data = prepare(application, row, world.actor_of(row))
    events = application.events.count()
    member = application.members.filter(
        is_core=True, is_lead=False, org_type=OrganisationType.ENTERPRISE
    ).first()

    # An administrator records in the registry that the member is a branch (分公司) after the
    # file was submitted: the registry's facts prevail over what the file states.
    registered = OrganisationFactory(uscc=member.uscc, name=member.name, org_type=OrganisationType.BRANCH)
    with pytest.raises(GuardFailed) as refused:
        step(world, application, row, data)
    messages = refused.value.messages
    assert any(
        message.startswith("第四条第（二）项：") and member.name in message and "分支机构" in message
        for message in messages
    )
    assert WAY_THAT_REMAINS[action][0] in messages[-1]
    application.refresh_from_db()
    assert application.state == source
    assert application.events.count() == events

    # Corrected back to what it is (an enterprise), the same file moves on.
    registered.org_type = OrganisationType.ENTERPRISE
    registered.save()
    step(world, application, row, data)
    application.refresh_from_db()
    assert application.state == row.target


@pytest.mark.parametrize("action", list(WAY_THAT_REMAINS), ids=str)
def test_the_way_that_remains_is_a_way_of_the_table_made_by_the_same_office(action):
    (refused,) = [row for row in TRANSITIONS if row.action == action and still_eligible in row.guards]
    _words, ways = WAY_THAT_REMAINS[action]
    state = refused.source
    for way in ways:
        row = TABLE[(state, way)]
        # The one who is refused can take the way (the system's RECOGNIZE: the bureau).
        assert row.roles & (refused.roles - {SYSTEM})
        assert str(way.label) in str(WAY_THAT_REMAINS_OF_THE_TABLE[action]) or way == Action.REJECT
        state = row.target
    # The way ends where the file is decided again, or back with its lead unit.
    assert state in {State.RETURNED, State.REJECTED, State.AWAITING_DECISION}


def test_the_way_that_remains_is_said_in_english(world):
    application = world.application(State.AWAITING_DECISION)
    application.industry.is_active = False
    application.industry.save()
    with translation.override("en"), pytest.raises(GuardFailed) as refused:
        step(world, application, TABLE[(State.AWAITING_DECISION, Action.APPROVE)])
    assert "decide not to recognise" in refused.value.messages[-1]


def test_the_confirmation_item_is_the_one_the_rule_reads():
    assert UnitCheckItem.LEAD_ADDRESS == CONFIRMED_LEAD_ADDRESS


def provincial_file(world, state):
    """A file whose lead unit's code places it at the provincial registry (140000), with the
    lead unit's Shuozhou address stated, driven to ``state``: the organising unit confirmed
    the address against the licence before forwarding."""
    provincial = OrganisationFactory(
        uscc=make_uscc("91140000", "MA0Y0101"), name="朔州市省属能源装备有限公司"
    )
    world.applicant.organisation = provincial
    world.applicant.save()
    application = world.application(complete=True, lead_unit=provincial)
    lead = application.members.get(is_lead=True)
    lead.registered_address = "山西省朔州市朔城区开发北路 1 号"
    lead.save()
    world.drive(application, [TABLE[(State.DRAFT, Action.SUBMIT)]])
    world.drive(application, [TABLE[(State.SUBMITTED, Action.FORWARD)]])
    if state != State.FORWARDED:
        world.drive(application, route_from(State.FORWARDED, state))
    return application


@pytest.mark.parametrize(
    ("source", "action"), FORWARD_ROWS[1:], ids=[str(action) for _, action in FORWARD_ROWS[1:]]
)
def test_a_confirmed_shuozhou_address_keeps_the_lead_unit_rule_satisfied(world, source, action):
    row = TABLE[(source, action)]
    application = provincial_file(world, source)
    (confirmation,) = [c for c in confirmed_items(application) if c.item == UnitCheckItem.LEAD_ADDRESS]
    assert confirmation.author == world.unit and confirmation.created_at is not None

    # The address as the licence words it (怀仁经济开发区 is in Shuozhou), which the rule's
    # place names do not read: the unit's confirmation stands for it.
    application.members.filter(is_lead=True).update(registered_address="山西省怀仁经济开发区工业园 8 号")
    step(world, application, row)
    application.refresh_from_db()
    assert application.state == row.target


def withdraw_confirmation(world, application, item):
    """The unit's latest word on ``item`` withdraws its confirmation (the latest stands; the
    file is past the unit, so recorded directly, as the checklist would)."""
    (confirmation,) = [c for c in confirmed_items(application) if c.item == item]
    UnitCheck.objects.create(
        application=application,
        submission=confirmation.submission,
        item=item,
        confirmed=False,
        author=world.unit,
    )


def test_without_the_confirmation_the_lead_unit_rule_blocks_again(world):
    application = provincial_file(world, State.FORWARDED)
    application.members.filter(is_lead=True).update(registered_address="山西省怀仁经济开发区工业园 8 号")
    withdraw_confirmation(world, application, UnitCheckItem.LEAD_ADDRESS)
    with pytest.raises(GuardFailed) as refused:
        step(world, application, TABLE[(State.FORWARDED, Action.START_REVIEW)])
    assert any(
        message.startswith("第四条第（一）项：") and "140000" in message for message in refused.value.messages
    )
    assert not AuditEvent.objects.filter(application=application, action=Action.START_REVIEW).exists()
