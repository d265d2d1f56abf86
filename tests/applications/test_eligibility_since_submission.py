"""Issue 12 §2–3, §5: what a person confirmed is shown beside its finding; what changed since
submission is shown on the file's page and listed on the staff's dashboard; a member whose
name reads as a branch's is settled by the confirmation of its licence."""

import re

import pytest
from django.urls import reverse

from applications.eligibility import check, facts_now
from applications.enums import Action, IndustryGroup, OrganisationType, State
from applications.models import Application, Industry, Member
from applications.recheck import changed_files, recheck
from applications.uscc import make_uscc
from applications.workflow import TABLE, GuardFailed, prepare, transition
from tests.applications.test_eligibility_at_every_step import provincial_file
from tests.factories import OrganisationFactory


def page(client, user, application):
    client.force_login(user)
    return client.get(reverse("review:detail", args=[application.pk])).content.decode()


def section(html, element_id):
    match = re.search(rf'<section[^>]*id="{element_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def core_enterprise(application):
    return application.members.filter(
        is_core=True, is_lead=False, org_type=OrganisationType.ENTERPRISE
    ).first()


def test_a_confirmed_address_is_shown_settled_with_its_author_and_date(world, client):
    application = provincial_file(world, State.UNDER_REVIEW)
    panel = text(section(page(client, world.staff, application), "eligibility"))
    assert "已核实" in panel
    assert "已对照营业执照核实，住所在朔州市内" in panel
    assert f"组织单位核查：{world.unit}于" in panel
    # Settled, it does not count among what must be changed.
    assert "须修改" not in panel


def test_the_file_page_shows_what_is_new_since_submission_and_why(world, client):
    application = world.application(State.AWAITING_DECISION)
    assert "提交后申报条件的变化" not in page(client, world.staff, application)

    member = core_enterprise(application)
    OrganisationFactory(uscc=member.uscc, name=member.name, org_type=OrganisationType.BRANCH)
    industry = application.industry
    industry.is_active = False
    industry.save()
    edition = application.edition
    edition.min_core_members += 1
    edition.save()

    shown = text(section(page(client, world.staff, application), "recheck"))
    assert "与第 1 轮提交时" in shown
    new = shown.split("新出现的问题")[1]
    # Each new finding with its article, and why.
    assert f"第三条：所选产业“{industry.name}”已不在本市“2+7+N”产业体系中" in new
    assert f"产业“{industry.name}”已停用" in new
    assert f"成员“{member.name}”为分支机构" in new
    assert f"单位库已更正“{member.name}”的单位类型：企业 → 分支机构" in new
    assert "核心成员不能少于" in new
    raised = f"{edition.min_core_members - 1} → {edition.min_core_members} 家"
    assert f"认定条件“{edition.name}”已修改：核心成员下限 {raised}" in new
    # The unit's organising unit sees the same on its page.
    assert "新出现的问题" in page(client, world.unit, application)


def test_nothing_is_new_for_an_unchanged_file(world):
    application = world.application(State.IN_NOTICE)
    result = recheck(application)
    assert result is not None and not result.changed and result.new == [] and result.gone == []


def branch_named_member(application, name="朔州市测试装备有限公司应县分公司"):
    return Member.objects.create(
        application=application,
        name=name,
        uscc=make_uscc("91140622", "MA0B0001"),
        org_type=OrganisationType.ENTERPRISE,
        task="装备试验",
    )


def test_a_name_that_reads_as_a_branch_is_a_warning_for_the_applicant(world):
    application = world.application(complete=True)
    member = branch_named_member(application)
    (finding,) = [f for f in check(application) if f.code == "MEMBER_MAY_BE_BRANCH"]
    assert not finding.is_blocking and finding.member_id == member.pk
    assert "组织单位将对照营业执照核实" in finding.message


def test_the_licence_confirmation_settles_a_branch_like_name_at_later_steps(world, client):
    application = world.application(complete=True)
    branch_named_member(application)
    world.drive(application, [TABLE[(State.DRAFT, Action.SUBMIT)], TABLE[(State.SUBMITTED, Action.FORWARD)]])
    (finding,) = [f for f in check(application, facts_now(application)) if f.code == "MEMBER_MAY_BE_BRANCH"]
    assert not finding.is_blocking
    assert finding.settled_by.by == str(world.unit)
    row = TABLE[(State.FORWARDED, Action.START_REVIEW)]
    transition(application, row.action, world.staff, data=prepare(application, row, world.staff))
    application.refresh_from_db()
    assert application.state == State.UNDER_REVIEW
    panel = text(section(page(client, world.staff, application), "eligibility"))
    assert "已核实其营业执照为法人执照" in panel


def test_a_branch_like_member_no_check_covered_blocks_past_the_unit(world):
    application = world.application(State.FORWARDED)
    row = TABLE[(State.FORWARDED, Action.START_REVIEW)]
    data = prepare(application, row, world.staff)
    # A member the unit's and the bureau's checks of the round never saw.
    member = branch_named_member(application, "朔州市测试银行朔城支行")
    with pytest.raises(GuardFailed) as refused:
        transition(application, row.action, world.staff, data=data)
    assert any(
        message.startswith("第四条第（二）项：") and member.name in message and "尚无人核实" in message
        for message in refused.value.messages
    )


def retire_the_industry_of(application):
    """An industry of its own for ``application``, then retired (the world's files share one)."""
    industry = Industry.objects.create(code="retired-test", name="测试退出产业", group=IndustryGroup.EMERGING)
    Application.objects.filter(pk=application.pk).update(industry=industry)
    industry.is_active = False
    industry.save()
    return industry


def test_the_staff_dashboard_lists_the_files_whose_eligibility_changed(world, client):
    unchanged = world.application(State.APPROVED)
    changed = world.application(State.UNDER_REVIEW)
    industry = retire_the_industry_of(changed)

    client.force_login(world.staff)
    listed = text(section(client.get(reverse("review:dashboard")).content.decode(), "eligibility-changed"))
    assert changed.name in listed and unchanged.name not in listed
    assert f"第三条：所选产业“{industry.name}”已不在本市“2+7+N”产业体系中" in listed
    assert str(State.UNDER_REVIEW.label) in listed


def test_the_dashboard_check_does_not_grow_with_the_unchanged_files(world, django_assert_max_num_queries):
    for state in (State.SUBMITTED, State.UNDER_REVIEW, State.AWAITING_DECISION, State.APPROVED):
        world.application(state)
    changed = world.application(State.FORWARDED)
    retire_the_industry_of(changed)
    with django_assert_max_num_queries(20):
        found = changed_files(Application.objects.all())
    assert [application.pk for application, _result in found] == [changed.pk]
