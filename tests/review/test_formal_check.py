"""Art. 5–6: the bureau's formal check, item by item; accepting starts the expert review,
a return carries the failed items to the applicant, and the resubmission comes back to the
bureau with the previous round's checklist beside the new one (issue 9, part 3)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.enums import Action, Activity, State
from applications.models import Notification
from applications.workflow import TABLE, GuardFailed, prepare, transition
from review import checks, experts
from review.models import FormalCheck, FormalCheckItem

ITEMS = list(FormalCheckItem)


def detail(pk):
    return reverse("review:detail", args=[pk])


def save_checklist(client, application, **answers):
    """Post the formal checklist: ``seals=("no", "note")``."""
    data = {}
    for item, (answer, note) in answers.items():
        data[f"formal-{item}"] = answer
        data[f"formal-{item}_note"] = note
    return client.post(reverse("review:formal_checks", args=[application.pk]), data, follow=True)


def all_passed(**exceptions):
    return {item.value: exceptions.get(item.value, ("yes", "")) for item in ITEMS}


@pytest.fixture
def forwarded(world):
    """A file at the formal check, its experts already assigned (review.experts): what is
    left to start the review is the checklist."""
    application = world.application(State.FORWARDED)
    experts.assign_enough(application, actor=world.staff)
    return application


def test_staff_save_the_checklist_as_a_draft_and_each_change_is_audited(world, client, forwarded):
    client.force_login(world.staff)

    page = save_checklist(
        client, forwarded, materials_complete=("yes", ""), seals=("no", "成员丙执照复印件未盖章")
    ).content.decode()

    assert "形式审查清单已保存（2 项有改动），处理前仍可修改。" in page
    standing = checks.standing(checks.FORMAL, forwarded)
    assert {item: (check.passed, check.note) for item, check in standing.items()} == {
        "materials_complete": (True, ""),
        "seals": (False, "成员丙执照复印件未盖章"),
    }
    event = forwarded.events.get(action=Activity.FORMAL_CHECK)
    assert event.internal and event.actor == world.staff
    assert event.data["round"] == 1
    # Unanswered items wait; accepting is refused until all passed, and says which.
    assert "形式审查清单中以下事项尚未记为通过：印章齐全、联盟协议经全体成员签署" in page


def test_only_staff_keep_the_checklist_and_only_at_the_formal_check(world, client, forwarded):
    submitted = world.application(State.SUBMITTED)
    answers = {"formal-seals": "yes"}
    url = reverse("review:formal_checks", args=[forwarded.pk])

    client.force_login(world.unit)  # the file's own unit: it sees the file, not this list
    by_unit = client.post(url, answers)
    client.force_login(world.other_unit)
    by_other_unit = client.post(url, answers)
    client.force_login(world.applicant)
    by_applicant = client.post(url, answers)
    client.force_login(world.staff)
    too_early = save_checklist(client, submitted, seals=("yes", "")).content.decode()

    assert (by_unit.status_code, by_other_unit.status_code, by_applicant.status_code) == (403, 404, 404)
    assert "不能再修改形式审查清单" in too_early
    assert not FormalCheck.objects.exists()


def test_accepting_is_refused_while_an_item_is_not_passed(world, forwarded):
    checks.save(checks.FORMAL, forwarded, world.staff, dict.fromkeys(ITEMS[:-1], (True, "")))
    checks.save(checks.FORMAL, forwarded, world.staff, {FormalCheckItem.CHARTER: (False, "章程未盖章")})

    with pytest.raises(GuardFailed) as refused:
        transition(forwarded, Action.START_REVIEW, world.staff)

    assert refused.value.messages == [
        "形式审查清单中以下事项尚未记为通过：联盟章程齐全、牵头单位资质条件已说明。全部通过后才能启动专家评审（第六条）。"
    ]
    forwarded.refresh_from_db()
    assert forwarded.state == State.FORWARDED
    assert not forwarded.events.filter(action=Action.START_REVIEW).exists()


def test_accepting_keeps_the_checklist_on_the_event(world, client, forwarded):
    client.force_login(world.staff)
    save_checklist(client, forwarded, **all_passed(charter=("yes", "章程第十二条载明议事规则")))

    client.post(
        reverse("review:act", args=[forwarded.pk, "start_review"]), {"start_review-comment": "形式审查通过"}
    )

    forwarded.refresh_from_db()
    event = forwarded.events.get(action=Action.START_REVIEW)
    assert forwarded.state == State.UNDER_REVIEW
    assert [(entry["item"], entry["passed"]) for entry in event.data["checklist"]] == [
        (item.value, True) for item in ITEMS
    ]
    assert event.data["checklist"][5]["note"] == "章程第十二条载明议事规则"
    assert event.data["checklist"][0]["author"] == str(world.staff)
    # The bureau reads it in the timeline; the applicant sees the step, not the bureau's notes.
    staff_page = client.get(detail(forwarded.pk)).content.decode()
    client.force_login(world.applicant)
    own_page = client.get(reverse("applications:detail", args=[forwarded.pk])).content.decode()
    assert "章程第十二条载明议事规则" in staff_page
    assert "形式审查通过" in own_page and "章程第十二条载明议事规则" not in own_page


def test_a_return_needs_a_failed_item(world, client, forwarded):
    client.force_login(world.staff)
    save_checklist(client, forwarded, **all_passed())
    url = reverse("review:act", args=[forwarded.pk, "return"])

    refused = client.post(url, {"return-comment": "请补充材料"}, follow=True).content.decode()

    assert "形式审查清单中没有记为“不通过”的事项" in refused
    forwarded.refresh_from_db()
    assert forwarded.state == State.FORWARDED
    assert not forwarded.events.filter(action=Action.RETURN).exists()


def test_a_return_carries_the_failed_items_to_the_applicant(world, client, forwarded):
    client.force_login(world.staff)
    save_checklist(
        client,
        forwarded,
        **all_passed(
            agreement_signed=("no", "成员单位丙未在协议上签章"),
            licences_valid=("yes", "已在国家企业信用信息公示系统核验"),
            charter=("no", ""),
        ),
    )

    client.post(
        reverse("review:act", args=[forwarded.pk, "return"]),
        {"return-comment": "形式审查未通过，请按所列事项补充后重新提交。"},
    )

    forwarded.refresh_from_db()
    event = forwarded.events.get(action=Action.RETURN)
    assert forwarded.state == State.RETURNED
    assert [(entry["item"], entry["note"]) for entry in event.data["failed_items"]] == [
        ("agreement_signed", "成员单位丙未在协议上签章"),
        ("charter", ""),
    ]
    assert len(event.data["checklist"]) == len(ITEMS)
    client.force_login(world.applicant)
    own_page = client.get(reverse("applications:detail", args=[forwarded.pk])).content.decode()
    reasons = own_page[own_page.index("return-reasons") : own_page.index("next-step")]
    assert "形式审查未通过，请按所列事项补充后重新提交。" in reasons
    assert "<strong>联盟协议经全体成员签署</strong>：成员单位丙未在协议上签章" in reasons
    assert "<strong>联盟章程齐全</strong>：不通过" in reasons
    # The items that passed, and the bureau's notes on them, are not the applicant's business.
    assert "营业执照有效" not in own_page and "国家企业信用信息公示系统" not in own_page
    # The message (and the e-mail, the same text) names the items too, and only those.
    message = Notification.objects.get(recipient=world.applicant, event=event).body
    assert "成员单位丙未在协议上签章" in message and "联盟章程齐全" in message
    assert "国家企业信用信息公示系统" not in message


def test_the_resubmission_comes_back_with_the_previous_rounds_checklist_beside(world, client, forwarded):
    client.force_login(world.staff)
    save_checklist(client, forwarded, **all_passed(charter=("no", "缺少章程")))
    client.post(reverse("review:act", args=[forwarded.pk, "return"]), {"return-comment": "请补充联盟章程"})
    transition(forwarded, Action.RESUBMIT_TO_BUREAU, world.applicant, declared=True)

    page = client.get(detail(forwarded.pk)).content.decode()

    assert forwarded.state == State.FORWARDED
    assert checks.standing(checks.FORMAL, forwarded) == {}  # round 2 is checked afresh
    assert "第 2 轮提交" in page
    assert "各项下方列出上一轮（第 1 轮）形式审查的结果" in page
    charter = page[page.index('data-item="charter"') :]
    charter = charter[: charter.index("</fieldset>")]
    assert "上一轮（第 1 轮）：" in charter and "不通过" in charter and "缺少章程" in charter
    assert page.count('class="small mb-0 previous-round"') == len(ITEMS)


def test_the_bureau_reads_the_units_confirmations(world, client, forwarded):
    client.force_login(world.staff)

    page = client.get(detail(forwarded.pk)).content.decode()

    section = page[page.index('id="unit-checks"') : page.index('id="formal-checks"')]
    assert "营业执照均为法人执照，而非分支机构执照" in section and "印章齐全" in section
    assert section.count("已确认") == 2
    assert [check.item for check in checks.confirmed_items(forwarded)] == ["legal_person_licences", "seals"]


def test_the_file_page_asks_as_many_queries_however_many_items_are_saved(world, client, forwarded):
    client.force_login(world.staff)
    checks.save(checks.FORMAL, forwarded, world.staff, {FormalCheckItem.SEALS: (False, "缺章")})
    transition(
        forwarded,
        Action.RETURN,
        world.staff,
        comment="退回",
        data=prepare(forwarded, TABLE[(State.FORWARDED, Action.RETURN)], world.staff),
    )
    transition(forwarded, Action.RESUBMIT_TO_BUREAU, world.applicant, declared=True)
    checks.save(checks.FORMAL, forwarded, world.staff, {FormalCheckItem.SEALS: (True, "")})
    with CaptureQueriesContext(connection) as one:
        client.get(detail(forwarded.pk))
    for note in ("一", "二"):
        checks.save(checks.FORMAL, forwarded, world.staff, dict.fromkeys(ITEMS, (True, note)))

    with CaptureQueriesContext(connection) as many:
        page = client.get(detail(forwarded.pk)).content.decode()

    assert page.count("已保存：通过") == len(ITEMS)
    assert len(many) == len(one)
