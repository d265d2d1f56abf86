"""Art. 5: the organising unit checks what only a person can confirm, item by item, and
forwards with an opinion or returns with reasons naming the items (issue 9, part 2)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.enums import Action, Activity, State
from applications.models import AuditEvent, Organisation
from applications.uscc import make_uscc
from applications.workflow import TABLE, GuardFailed, transition
from review import checks
from review.models import UnitCheck, UnitCheckItem

from ..factories import unit

FORWARD = TABLE[(State.SUBMITTED, Action.FORWARD)]


def detail(pk):
    return reverse("review:detail", args=[pk])


def save_checks(client, application, **answers):
    """Post the unit's check list: ``seals=("yes", "note")``."""
    data = {}
    for item, (answer, note) in answers.items():
        data[f"unit-{item}"] = answer
        data[f"unit-{item}_note"] = note
    return client.post(reverse("review:unit_checks", args=[application.pk]), data, follow=True)


def registered_with_the_province(application):
    """The lead unit's code reads 140000 (the provincial authority), its address Shuozhou's."""
    Organisation.objects.filter(pk=application.lead_unit_id).update(uscc=make_uscc("91140000", "MA0K5P2Q"))
    application.lead_unit.refresh_from_db()


def test_a_unit_cannot_see_or_act_on_another_units_file(world, client):
    application = world.application(State.SUBMITTED)  # routed to 朔城区
    client.force_login(world.other_unit)  # 平鲁区

    page = client.get(detail(application.pk))
    saved = save_checks(client, application, seals=("yes", "看过了"))
    forwarded = client.post(
        reverse("review:act", args=[application.pk, "forward"]), {"forward-comment": "同意"}
    )

    assert page.status_code == saved.status_code == forwarded.status_code == 404
    assert application.name not in page.content.decode()
    assert not UnitCheck.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert list(application.events.values_list("action", flat=True)) == [Action.SUBMIT]


def test_a_unit_lists_its_own_countys_files_newest_first(world, client):
    older = world.application(State.SUBMITTED, name="朔州市甲产业技术创新战略联盟")
    newer = world.application(State.SUBMITTED, name="朔州市乙产业技术创新战略联盟")
    elsewhere = world.application(State.SUBMITTED, name="朔州市丙产业技术创新战略联盟")
    elsewhere.organising_unit = unit("pinglu")
    elsewhere.save()
    client.force_login(world.unit)

    page = client.get(reverse("review:dashboard")).content.decode()

    assert page.index(newer.name) < page.index(older.name)
    assert elsewhere.name not in page
    assert client.get(detail(elsewhere.pk)).status_code == 404


def test_the_unit_sees_the_findings_the_dossier_and_its_check_list(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)

    page = client.get(detail(application.pk)).content.decode()

    assert 'id="eligibility"' in page  # the findings
    assert reverse("review:submission_pdf", args=[application.pk, 1, "dossier"]) in page
    assert 'id="unit-checks"' in page
    assert "营业执照均为法人执照，而非分支机构执照" in page and "印章齐全" in page
    # The lead unit's code starts with 1406: its registration in Shuozhou needs no confirming.
    assert str(UnitCheckItem.LEAD_ADDRESS.label) not in page
    # Forwarding waits for the confirmations, and says which.
    assert "以下组织单位核查事项尚未确认" in page


def test_a_lead_unit_without_a_1406_code_has_its_address_confirmed(world, client):
    application = world.application(State.SUBMITTED)
    registered_with_the_province(application)
    client.force_login(world.unit)

    page = client.get(detail(application.pk)).content.decode()
    checks.confirm_every_item(application, FORWARD, world.unit)
    confirmed = {check.item for check in checks.confirmed_items(application)}

    assert str(UnitCheckItem.LEAD_ADDRESS.label) in page
    assert "登记机关区划码 140000" in page and "山西省朔州市朔城区民福东街 1 号" in page
    assert confirmed == set(UnitCheckItem.values)


def test_the_unit_saves_drafts_whose_changes_are_audited_and_the_latest_stands(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)

    first = save_checks(
        client, application, seals=("yes", "协议签章页齐全"), legal_person_licences=("no", "")
    )
    save_checks(client, application, seals=("yes", "协议签章页齐全"), legal_person_licences=("no", ""))
    page = save_checks(client, application, legal_person_licences=("yes", "均为法人执照")).content.decode()

    assert "组织单位核查已保存（2 项有改动）" in first.content.decode()
    assert UnitCheck.objects.filter(application=application).count() == 3  # the repeat wrote nothing
    standing = checks.standing(checks.UNIT, application)
    assert {item: (check.confirmed, check.note) for item, check in standing.items()} == {
        "seals": (True, "协议签章页齐全"),
        "legal_person_licences": (True, "均为法人执照"),
    }
    assert all(check.author == world.unit for check in standing.values())
    events = application.events.filter(action=Activity.UNIT_CHECK)
    assert events.count() == 2 and all(event.internal for event in events)
    assert [entry["item"] for entry in events.last().data["checks"]] == ["legal_person_licences"]
    assert "已保存：已确认" in page
    assert 'value="均为法人执照"' in page


def test_a_note_too_long_is_refused_and_comes_back(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    typed = "章" * 301

    page = save_checks(client, application, seals=("yes", typed)).content.decode()

    assert "组织单位核查未保存：印章齐全：最多 300 字，现为 301 字" in page
    assert f'value="{typed}"' in page
    assert not UnitCheck.objects.filter(application=application).exists()


def test_a_note_needs_an_answer(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)

    page = save_checks(client, application, seals=("", "公章模糊")).content.decode()

    assert "请先选择“已确认”或“未确认”，再填写说明。" in page
    assert not UnitCheck.objects.filter(application=application).exists()


def test_the_checks_are_closed_once_the_file_is_forwarded(world, client):
    application = world.application(State.FORWARDED)
    client.force_login(world.unit)

    page = save_checks(client, application, seals=("no", "补看时发现缺章")).content.decode()

    assert "不能再修改组织单位核查" in page
    assert all(check.confirmed for check in checks.confirmed_items(application))
    assert not UnitCheck.objects.filter(application=application, confirmed=False).exists()
    # What the unit confirmed stays on its page, read-only.
    assert 'class="list-unstyled mb-0 check-results"' in page


def test_forwarding_without_an_opinion_or_with_an_unconfirmed_item_is_refused(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    save_checks(client, application, seals=("yes", ""), legal_person_licences=("no", "成员丙为分公司执照"))

    page = client.post(
        reverse("review:act", args=[application.pk, "forward"]), {"forward-comment": " "}, follow=True
    ).content.decode()

    assert "请填写组织单位审核意见。" in page
    assert "以下组织单位核查事项尚未确认：营业执照均为法人执照，而非分支机构执照。" in page
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert not application.events.filter(action=Action.FORWARD).exists()


def test_forwarding_keeps_the_confirmations_on_the_event_for_the_bureau(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    save_checks(client, application, seals=("yes", "签章齐全"), legal_person_licences=("yes", "已逐一核对"))

    client.post(
        reverse("review:act", args=[application.pk, "forward"]), {"forward-comment": "同意报市科技局"}
    )

    application.refresh_from_db()
    event = application.events.get(action=Action.FORWARD)
    assert application.state == State.FORWARDED
    assert event.comment == "同意报市科技局"
    assert [(entry["item"], entry["confirmed"], entry["note"]) for entry in event.data["checks"]] == [
        ("legal_person_licences", True, "已逐一核对"),
        ("seals", True, "签章齐全"),
    ]
    assert event.data["checks"][0]["author"] == str(world.unit)
    client.force_login(world.staff)
    staff_page = client.get(detail(application.pk)).content.decode()
    client.force_login(world.applicant)
    own_page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "已逐一核对" in staff_page  # the unit's panel, read-only, and the event
    assert "同意报市科技局" in own_page and "已逐一核对" not in own_page


def test_a_return_needs_reasons_naming_an_item(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    url = reverse("review:act", args=[application.pk, "return"])

    refused = client.post(url, {"return-comment": "请补充公章"}, follow=True).content.decode()
    client.post(
        url, {"return-comment": "成员单位丙的执照复印件未加盖公章，请补充。", "return-items": ["seals"]}
    )

    assert "请至少选择一项退回涉及的核查事项。" in refused
    assert "请补充公章" in refused  # what was typed is kept
    application.refresh_from_db()
    event = application.events.get(action=Action.RETURN)
    assert application.state == State.RETURNED
    assert event.data == {"items": ["seals"]}
    client.force_login(world.applicant)
    own_page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    reasons = own_page[own_page.index("return-reasons") : own_page.index("next-step")]
    assert "成员单位丙的执照复印件未加盖公章" in reasons
    assert "<strong>印章齐全</strong>：组织单位核查未通过" in reasons


def test_the_return_form_offers_the_items_not_confirmed(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    save_checks(client, application, seals=("no", "缺章"), legal_person_licences=("yes", ""))

    page = client.get(detail(application.pk)).content.decode()

    offered = dict(re.findall(r'name="return-items" value="(\w+)"\s+id="[^"]+"( checked)?', page))
    assert offered == {"legal_person_licences": "", "seals": " checked"}


def test_a_resubmitted_file_is_checked_afresh(world):
    application = world.application(State.SUBMITTED)
    checks.confirm_every_item(application, FORWARD, world.unit)
    transition(application, Action.RETURN, world.unit, comment="协议缺章", data={"items": ["seals"]})
    transition(application, Action.RESUBMIT, world.applicant, declared=True)

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.FORWARD, world.unit, comment="同意")

    assert "以下组织单位核查事项尚未确认" in str(refused.value)
    assert checks.standing(checks.UNIT, application) == {}
    assert {check.submission.number for check in checks.confirmed_items(application)} == {1}


@pytest.mark.parametrize("user_name", ["unit", "staff"])
def test_the_file_page_asks_as_many_queries_however_many_checks_are_saved(world, client, user_name):
    application = world.application(State.SUBMITTED)
    registered_with_the_province(application)
    checks.save(checks.UNIT, application, world.unit, {UnitCheckItem.SEALS: (False, "")})
    client.force_login(getattr(world, user_name))
    with CaptureQueriesContext(connection) as one:
        client.get(detail(application.pk))
    for note in ("一", "二", "三"):
        checks.save(checks.UNIT, application, world.unit, dict.fromkeys(UnitCheckItem, (True, note)))

    with CaptureQueriesContext(connection) as many:
        page = client.get(detail(application.pk)).content.decode()

    saved = "已保存：已确认" if user_name == "unit" else '<span class="badge text-bg-success">已确认</span>'
    assert page.count(saved) == 3
    assert len(many) == len(one)
    assert AuditEvent.objects.filter(application=application, action=Activity.UNIT_CHECK).count() == 4
