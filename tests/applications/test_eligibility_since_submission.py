"""Issue 12 §2–3, §5: what a person confirmed is shown beside its finding; what changed since
submission is shown on the file's page and listed on the staff's dashboard; a member whose
name reads as a branch's is settled by the confirmation of its licence."""

import json
import re

import pytest
from django.db import connection
from django.urls import reverse

from applications.eligibility import check, facts_now
from applications.enums import Action, IndustryGroup, OrganisationType, RegistrationStatus, State
from applications.models import Application, Industry, Member, Organisation, Submission
from applications.recheck import candidates, changed_files, recheck
from applications.uscc import make_uscc
from applications.workflow import TABLE, GuardFailed, prepare, transition
from review import checks
from review.models import FormalCheckItem, UnitCheckItem
from tests.applications.test_eligibility_at_every_step import provincial_file, withdraw_confirmation
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
    # Raised, the ceiling brings no finding: shown apart, among the other changes.
    edition.member_ceiling += 5
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
    others = shown.split("提交后的其他更正与调整")[1]
    assert "成员总数一般上限" in others and "核心成员下限" not in others
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


def forwarded_with_a_branch_like_member(world):
    """A complete file with a member named like a branch, submitted and forwarded by the unit
    (which confirmed the members' licences as legal persons')."""
    application = world.application(complete=True)
    branch_named_member(application)
    world.drive(application, [TABLE[(State.DRAFT, Action.SUBMIT)], TABLE[(State.SUBMITTED, Action.FORWARD)]])
    return application


def test_a_name_that_reads_as_a_branch_is_a_warning_for_the_applicant(world):
    application = world.application(complete=True)
    member = branch_named_member(application)
    (finding,) = [f for f in check(application) if f.code == "MEMBER_MAY_BE_BRANCH"]
    assert not finding.is_blocking and finding.member_id == member.pk
    assert "组织单位将对照营业执照核实" in finding.message


def test_the_licence_confirmation_settles_a_branch_like_name_at_later_steps(world, client):
    application = forwarded_with_a_branch_like_member(world)
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
        found, unchecked = changed_files(Application.objects.all())
    assert [application.pk for application, _result in found] == [changed.pk] and unchecked == 0


# The review's findings (issue 12) ------------------------------------------------------------


def institute_only_by_the_registry(world):
    """A file whose only research institute is one by the registry's word (the file states an
    enterprise, and no university): submitted, then forwarded."""
    application = world.application(complete=True)
    application.members.filter(org_type=OrganisationType.UNIVERSITY).update(
        org_type=OrganisationType.ENTERPRISE
    )
    institute = application.members.get(org_type=OrganisationType.RESEARCH_INSTITUTE)
    institute.org_type = OrganisationType.ENTERPRISE
    institute.save()
    registered = OrganisationFactory(
        uscc=institute.uscc, name=institute.name, org_type=OrganisationType.RESEARCH_INSTITUTE
    )
    world.drive(application, [TABLE[(State.DRAFT, Action.SUBMIT)], TABLE[(State.SUBMITTED, Action.FORWARD)]])
    application.refresh_from_db()
    assert application.pk not in candidates()
    return application, registered


def test_a_registry_correction_undone_since_submission_is_a_candidate(world):
    application, registered = institute_only_by_the_registry(world)
    registered.org_type = OrganisationType.ENTERPRISE
    registered.save()
    assert "NO_UNIVERSITY_OR_INSTITUTE" in [item.finding.code for item in recheck(application).new]
    assert application.pk in candidates()


def test_a_registry_entry_no_longer_approved_is_a_candidate(world):
    application, registered = institute_only_by_the_registry(world)
    Organisation.objects.filter(pk=registered.pk).update(registration_status=RegistrationStatus.REJECTED)
    assert application.pk in candidates()


def test_a_round_frozen_without_the_editions_numbers_is_a_candidate_when_they_change(world):
    application = world.application(State.UNDER_REVIEW)
    submission = application.submissions.get()
    del submission.data["rules"]
    # A round frozen before the edition's numbers were kept with it (rounds are insert-only).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Submission._meta.db_table} SET data = %s WHERE id = %s",  # noqa: S608
            [json.dumps(submission.data), submission.pk],
        )
    edition = application.edition
    edition.min_core_members += 1
    edition.save()
    assert application.pk in candidates()
    (found,), _unchecked = changed_files(Application.objects.filter(pk=application.pk))
    assert found[1].new_blocking[0].code == "TOO_FEW_CORE_MEMBERS"


def test_the_dashboard_lists_at_most_its_bound_and_counts_the_rest(world, client, monkeypatch):
    import applications.recheck as recheck_module

    monkeypatch.setattr(recheck_module, "DASHBOARD_MAX", 2)
    files = [world.application(State.FORWARDED) for _n in range(4)]
    # The register records the intermediary, a member of every file, as "other": each told.
    intermediary = files[0].members.get(org_type=OrganisationType.INTERMEDIARY)
    OrganisationFactory(uscc=intermediary.uscc, name=intermediary.name, org_type=OrganisationType.OTHER)
    found, unchecked = changed_files(Application.objects.all())
    assert len(found) == 2 and unchecked == 2
    assert all(result.new[0].finding.code == "REGISTRY_CORRECTED" for _application, result in found)
    client.force_login(world.staff)
    listed = text(section(client.get(reverse("review:dashboard")).content.decode(), "eligibility-changed"))
    assert "另有 2 件申报可能受影响" in listed


@pytest.mark.parametrize(
    ("name", "uscc", "branch"),
    [
        ("朔州市恒达机械有限公司应县分公司", "91140622MA0D0001", True),
        ("中国银行股份有限公司朔州分行", "91140600MA0D0002", True),
        ("中国农业银行朔州朔城支行", "91140602MA0D0003", True),
        ("朔州十分店商贸有限公司", "91140602MA0D0004", False),
        ("朔州市细分行业研究院有限公司", "91140602MA0D0005", False),
        ("朔州市百分厂房租赁有限公司", "91140602MA0D0006", False),
        ("山西省分析科学研究院", "12140000MB0D0007", False),
        ("山西广播电视大学朔州分校", "12140600MB0D0008", False),
        ("朔州市城区北城街道办事处", "11140602MB0D0009", False),
    ],
)
def test_the_branch_name_rule_reads_the_end_of_a_companys_name(world, name, uscc, branch):
    application = world.application(complete=True)
    Member.objects.create(
        application=application,
        name=name,
        uscc=make_uscc(uscc[:8], uscc[8:16]),
        org_type="enterprise",
        task="t",
    )
    assert ("MEMBER_MAY_BE_BRANCH" in [finding.code for finding in check(application)]) == branch


def test_the_lead_address_confirmation_does_not_outlive_a_corrected_code(world):
    application = provincial_file(world, State.FORWARDED)
    assert not [f for f in check(application, facts_now(application)) if f.is_blocking]
    # The registry corrects the lead unit's code to another outside 1406; the address as
    # the place names cannot read it.
    application.members.filter(is_lead=True).update(registered_address="山西省怀仁经济开发区工业园 8 号")
    Organisation.objects.filter(pk=application.lead_unit_id).update(uscc=make_uscc("91140100", "MA0Y0102"))
    application.refresh_from_db()
    codes = [f.code for f in check(application, facts_now(application)) if f.is_blocking]
    assert "LEAD_OUTSIDE_SHUOZHOU" in codes


def test_who_in_the_bureau_confirmed_is_shown_to_the_bureau_only(world, client):
    application = forwarded_with_a_branch_like_member(world)
    row = TABLE[(State.FORWARDED, Action.START_REVIEW)]
    transition(application, row.action, world.staff, data=prepare(application, row, world.staff))
    # The unit's confirmation covers the member; remove it so that the bureau's is the one.
    withdraw_confirmation(world, application, UnitCheckItem.LEGAL_PERSON_LICENCES)
    staff_panel = text(section(page(client, world.staff, application), "eligibility"))
    unit_panel = text(section(page(client, world.unit, application), "eligibility"))
    assert f"形式审查清单：{world.staff}于" in staff_panel
    assert "已核实其营业执照为法人执照" in unit_panel and "形式审查清单" not in unit_panel
    assert str(world.staff) not in unit_panel


def test_a_failed_licence_check_of_the_bureau_withdraws_the_units_confirmation(world):
    application = forwarded_with_a_branch_like_member(world)
    checks.save(
        checks.FORMAL, application, world.staff, {FormalCheckItem.LICENCES_VALID: (False, "分公司执照")}
    )
    (finding,) = [f for f in check(application, facts_now(application)) if f.code == "MEMBER_MAY_BE_BRANCH"]
    assert finding.is_blocking and finding.settled_by is None


def test_a_resubmitted_round_keeps_no_blocking_finding_in_its_snapshot(world):
    application = forwarded_with_a_branch_like_member(world)
    world.drive(application, [TABLE[(State.FORWARDED, Action.RETURN)]])
    world.drive(application, [TABLE[(State.RETURNED, Action.RESUBMIT_TO_BUREAU)]])
    latest = application.submissions.order_by("-number").first()
    assert latest.number == 2
    assert [item["code"] for item in latest.data["findings"] if item["severity"] == "blocking"] == []


def test_the_applicant_is_told_when_the_register_records_a_member_otherwise(world):
    application = world.application(complete=True)
    member = core_enterprise(application)
    OrganisationFactory(uscc=member.uscc, name=member.name, org_type=OrganisationType.BRANCH)
    findings = {finding.code: finding for finding in check(application)}
    told = findings["REGISTRY_CORRECTED"]
    assert not told.is_blocking and told.member_id == member.pk
    assert (
        f"单位库登记的“{member.name}”单位类型为“分支机构（非独立法人）”（申报填写为“企业”）" in told.message
    )
    assert findings["MEMBER_IS_BRANCH"].is_blocking


# The second review's findings ------------------------------------------------------------------


def frozen_data(submission, data):
    """Rewrite a round's data as a round frozen before a change would have it (rounds are
    insert-only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Submission._meta.db_table} SET data = %s WHERE id = %s",  # noqa: S608
            [json.dumps(data), submission.pk],
        )


def test_a_formal_check_begun_again_keeps_the_bureaus_failed_licences(world):
    application = forwarded_with_a_branch_like_member(world)
    failed = {FormalCheckItem.LICENCES_VALID: (False, "分公司执照")}
    checks.save(checks.FORMAL, application, world.staff, failed)
    row = TABLE[(State.FORWARDED, Action.RETURN)]
    data = row.form_class.example(application, world.staff) if row.form_class else None
    transition(application, Action.RETURN, world.staff, comment="分公司执照", data=data)
    assert not checks.standing(checks.FORMAL, application)[FormalCheckItem.LICENCES_VALID].passed
    world.drive(application, [TABLE[(State.RETURNED, Action.RESUBMIT_TO_BUREAU)]])
    application.refresh_from_db()
    # The bureau saves another item of the new round: its word on the licences still stands.
    checks.save(checks.FORMAL, application, world.staff, {FormalCheckItem.CHARTER: (True, "")})
    (finding,) = [f for f in check(application, facts_now(application)) if f.code == "MEMBER_MAY_BE_BRANCH"]
    assert finding.is_blocking and finding.settled_by is None


def test_a_blocking_finding_frozen_then_settled_now_is_not_new(world):
    application = forwarded_with_a_branch_like_member(world)
    submission = application.submissions.get()
    data = dict(submission.data)
    data["findings"] = [
        {**item, "severity": "blocking"} if item["code"] == "MEMBER_MAY_BE_BRANCH" else item
        for item in data["findings"]
    ]
    frozen_data(submission, data)
    result = recheck(application)
    assert not [item for item in result.new if item.finding.code == "MEMBER_MAY_BE_BRANCH"]


def test_a_second_register_correction_of_a_member_is_new(world):
    application = world.application(complete=True)
    member = application.members.get(org_type=OrganisationType.INTERMEDIARY)
    registered = OrganisationFactory(uscc=member.uscc, name=member.name, org_type=OrganisationType.OTHER)
    world.drive(application, [TABLE[(State.DRAFT, Action.SUBMIT)], TABLE[(State.SUBMITTED, Action.FORWARD)]])
    assert not recheck(application).changed
    registered.org_type = OrganisationType.MARKETING
    registered.save()
    result = recheck(application)
    (item,) = result.new
    assert item.finding.code == "REGISTRY_CORRECTED" and "营销机构" in item.finding.message
    assert "其他 → 营销机构" in item.because[0].message


def test_a_lowered_ceiling_makes_a_justified_file_a_candidate(world):
    application = world.application(complete=True)
    Application.objects.filter(pk=application.pk).update(ceiling_justification="成员较多，理由如下。")
    world.drive(application, [TABLE[(State.DRAFT, Action.SUBMIT)], TABLE[(State.SUBMITTED, Action.FORWARD)]])
    edition = application.edition
    edition.member_ceiling = application.members.count() - 1
    edition.save()
    application.refresh_from_db()
    assert "OVER_MEMBER_CEILING" in [item.finding.code for item in recheck(application).new]
    assert application.pk in candidates()


def test_a_lead_unit_without_a_type_is_no_candidate(world):
    application = world.application(State.FORWARDED)
    Organisation.objects.filter(pk=application.lead_unit_id).update(org_type="")
    assert application.pk not in candidates()
    assert not recheck(application).changed
