"""Filling in an application step by step: each step saves on its own, nothing is lost."""

import re

import pytest
from django.urls import reverse

from applications.enums import State
from applications.models import Member
from applications.uscc import make_uscc


@pytest.fixture
def draft(world, client):
    client.force_login(world.applicant)
    return world.application()


def test_each_step_saves_on_its_own(draft, client):
    response = client.post(
        reverse("applications:step", args=[draft.pk, "goals"]),
        {"innovation_goals": "三年突破 3 项关键技术", "continue": ""},
    )
    assert response["Location"] == reverse("applications:step", args=[draft.pk, "lead"])
    draft.refresh_from_db()
    assert draft.innovation_goals == "三年突破 3 项关键技术"
    page = client.get(reverse("applications:step", args=[draft.pk, "goals"])).content.decode()
    assert "三年突破 3 项关键技术" in page


def test_lead_step_saves_the_indicators_and_the_registered_address(draft, client):
    client.post(
        reverse("applications:step", args=[draft.pk, "lead"]),
        {
            "lead_qualification": "省内先进",
            "rd_spending": "860.5",
            "revenue": "32000",
            "patents": "24",
            "standards": "0",
            "rd_staff": "56",
            "lead-registered_address": "山西省朔州市朔城区开发北路 1 号",
            "lead-legal_representative": "王建国",
        },
    )
    draft.refresh_from_db()
    lead = draft.members.get(is_lead=True)
    assert (draft.patents, draft.standards, str(draft.rd_spending)) == (24, 0, "860.50")
    assert lead.registered_address.startswith("山西省朔州市") and lead.legal_representative == "王建国"


def test_bad_input_keeps_what_was_typed_and_says_what_to_fix(draft, client):
    response = client.post(
        reverse("applications:step", args=[draft.pk, "lead"]),
        {"lead_qualification": "很长的一段说明", "patents": "二十四", "lead-registered_address": "朔州市"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "有填写错误" in page and "很长的一段说明" in page and "二十四" in page
    draft.refresh_from_db()
    assert draft.lead_qualification == ""


def test_eligibility_panel_is_on_every_step(draft, client):
    for step in ("basics", "goals", "lead", "contact", "members", "documents", "submit"):
        page = client.get(reverse("applications:step", args=[draft.pk, step])).content.decode()
        assert "申报条件检查" in page, step
        assert "核心成员不能少于 6 家" in page, step


def test_member_added_edited_and_removed(draft, client):
    data = {
        "name": "朔州职业技术学院",
        # Pasted in lower case with spaces: normalised before it is checked.
        "uscc": " " + make_uscc("12140600", "MB0A1001").lower(),
        "org_type": "university",
        "is_core": "on",
        "task": "人才培养",
    }
    client.post(reverse("applications:member_add", args=[draft.pk]), data)
    member = draft.members.get(is_lead=False)
    assert member.uscc == make_uscc("12140600", "MB0A1001") and member.is_core

    again = client.post(reverse("applications:member_add", args=[draft.pk]), {**data, "name": "另一个名字"})
    assert "已是本联盟成员“朔州职业技术学院”的代码" in again.content.decode()
    assert "另一个名字" in again.content.decode()  # what was typed stays in the form

    client.post(
        reverse("applications:member_edit", args=[draft.pk, member.pk]), {**data, "task": "共建产业学院"}
    )
    member.refresh_from_db()
    assert member.task == "共建产业学院"
    client.post(reverse("applications:member_delete", args=[draft.pk, member.pk]))
    assert not Member.objects.filter(pk=member.pk).exists()


def test_lead_unit_cannot_be_removed_or_renamed(draft, client):
    lead = draft.members.get(is_lead=True)
    client.post(reverse("applications:member_delete", args=[draft.pk, lead.pk]))
    client.post(
        reverse("applications:member_edit", args=[draft.pk, lead.pk]),
        {"name": "改名", "uscc": "x", "org_type": "other", "task": "牵头"},
    )
    lead.refresh_from_db()
    assert (lead.name, lead.is_core, lead.task) == (draft.lead_unit.name, True, "牵头")


def test_dashboard_shows_state_next_step_holder_and_timeline(world, client):
    world.application(State.SUBMITTED, name="朔州市测试产业技术创新战略联盟")
    client.force_login(world.applicant)
    page = client.get(reverse("applications:dashboard")).content.decode()
    assert "待组织单位审核" in page
    assert "朔城区科技局" in page and "审核材料：报市科技局，或退回修改" in page
    assert "（申报单位）提交申报" in page


@pytest.mark.parametrize("step", ["members", "documents", "submit"])
def test_step_pages_query_count_does_not_grow_with_members(world, client, step):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.applicant)
    application = world.application(complete=True)
    url = reverse("applications:step", args=[application.pk, step])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(8):
        Member.objects.create(
            application=application,
            name=f"朔州市追加成员{number}有限公司",
            uscc=make_uscc("91140602", f"MQ{number:06d}"),
            org_type="enterprise",
            task="研发",
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "朔州市追加成员7有限公司" in page
    assert len(many) == len(few)


def finding_items(page):
    """The findings listed on a page: (severity, code, message) of each <li class="finding …">."""
    return re.findall(
        r'<li class="finding finding-(\w+)[^"]*" data-code="(\w+)"[^>]*>'
        r'.*?<span class="finding-message">([^<]*)',
        page,
        re.S,
    )


def test_draft_page_lists_each_finding_once_grouped_by_step_without_codes(draft, client):
    page = client.get(reverse("applications:detail", args=[draft.pk])).content.decode()
    findings = finding_items(page)
    assert findings, "a bare draft has findings"
    assert len(findings) == len(set(findings)), "no finding is listed twice"
    assert "APPLICATION_INCOMPLETE" in {code for _severity, code, _message in findings}
    visible = re.sub(r'(data-code|title)="[^"]*"', "", page)
    assert "APPLICATION_INCOMPLETE" not in visible, "codes are for machines: tooltip and data attribute only"
    # The submit form says how many and points to the panel instead of listing them again.
    assert "项不符合申报条件，不能提交。" in page and 'href="#eligibility"' in page
    # Grouped by step in the form's order, each group's blocking findings first.
    groups = re.findall(
        r'<h3 class="h6 small fw-semibold mt-3 mb-1 finding-group">\s*<a href="([^"]+)"', page
    )
    assert groups[0] == reverse("applications:step", args=[draft.pk, "basics"])
    policy = reverse("policy_edition", args=[draft.edition_id])
    assert f'href="{policy}#art-4">第四条第（三）项</a>' in page
    assert f'{reverse("applications:step", args=[draft.pk, "members"])}">去修改</a>' in page


def test_within_a_step_blocking_findings_come_before_warnings():
    from applications.eligibility import Finding
    from applications.enums import Severity
    from applications.steps import grouped_by_step

    warning = Finding("W", Severity.WARNING, "提示", "第四条", "members")
    blocking = Finding("B", Severity.BLOCKING, "须修改", "第四条", "members")
    early = Finding("E", Severity.WARNING, "提示", "第三条", "basics")
    groups = grouped_by_step([early, warning, blocking])
    assert [(g["step"], [f.code for f in g["findings"]], g["blocking"]) for g in groups] == [
        ("members", ["B", "W"], 1),
        ("basics", ["E"], 0),
    ]


def test_dashboard_puts_files_waiting_on_the_lead_unit_first_and_finished_ones_last(world, client):
    withdrawn = world.application(State.WITHDRAWN, name="朔州市甲产业技术创新战略联盟")
    in_review = world.application(State.FORWARDED, name="朔州市乙产业技术创新战略联盟")
    returned = world.application(State.RETURNED, name="朔州市丙产业技术创新战略联盟")
    draft = world.application(name="朔州市丁产业技术创新战略联盟")
    rejected = world.application(State.REJECTED, name="朔州市戊产业技术创新战略联盟")
    client.force_login(world.applicant)
    page = client.get(reverse("applications:dashboard")).content.decode()
    order = [page.index(a.name) for a in (draft, returned, in_review, rejected, withdrawn)]
    assert order == sorted(order)
    assert page.count("待您办理") == 2


def test_a_direction_override_in_a_name_is_refused_and_what_was_typed_stays(draft, client):
    """U+202E would make "协议‮fdp.exe" read as "协议exe.pdf" in a download's name."""
    spoofed = "晋北新材料联盟\u202efdp.exe"
    response = client.post(
        reverse("applications:member_add", args=[draft.pk]),
        {
            "name": spoofed,
            "uscc": make_uscc("12140600", "MB0A1001"),
            "org_type": "university",
            "is_core": "on",
            "task": "人才培养",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "含有不可见的控制字符（U+202E" in page and spoofed in page
    assert not draft.members.filter(is_lead=False).exists()


def test_a_download_name_drops_controls_stored_before_they_were_refused(world, client):
    application = world.application(State.DRAFT, complete=True)
    type(application).objects.filter(pk=application.pk).update(name="晋北\u202efdp.exe/联盟")
    client.force_login(world.applicant)
    disposition = client.get(reverse("applications:form_pdf", args=[application.pk]))["Content-Disposition"]
    assert "%E2%80%AE" not in disposition and "\u202e" not in disposition
    assert "%E6%99%8B%E5%8C%97fdp.exe-" in disposition  # 晋北fdp.exe-联盟-申请书.pdf
