"""Submitting: the declaration, the frozen snapshot, read-only files, returned rounds and
what changed between them (Art. 5)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.demo import sample_pdf
from applications.enums import Action, DocumentKind, State
from applications.models import DocumentVersion, Submission
from applications.submissions import latest_changes
from applications.workflow import GuardFailed, transition


def test_submit_needs_the_declaration(world):
    application = world.application(complete=True)
    with pytest.raises(GuardFailed, match="承诺书"):
        transition(application, Action.SUBMIT, world.applicant)
    transition(application, Action.SUBMIT, world.applicant, declared=True)
    assert application.state == State.SUBMITTED


def test_submit_is_refused_while_a_blocking_finding_is_left(world, client):
    application = world.application()
    client.force_login(world.applicant)
    page = client.get(reverse("applications:step", args=[application.pk, "submit"])).content.decode()
    assert 'disabled aria-disabled="true"' in page
    assert "项不符合申报条件，不能提交" in page
    assert "核心成员不能少于 6 家" in page
    response = client.post(
        reverse("applications:act", args=[application.pk, "submit"]), {"submit-declared": "on"}, follow=True
    )
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert "核心成员不能少于 6 家" in response.content.decode()


def test_submitting_in_the_browser_freezes_a_snapshot(world, client):
    application = world.application(complete=True)
    client.force_login(world.applicant)
    page = client.get(reverse("applications:step", args=[application.pk, "submit"])).content.decode()
    assert "我已阅读并同意承诺书" in page and 'disabled aria-disabled="true"' not in page
    client.post(reverse("applications:act", args=[application.pk, "submit"]), {"submit-declared": "on"})
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    submission = Submission.objects.get(application=application)
    assert submission.number == 1 and submission.submitted_by == world.applicant
    assert submission.data["name"] == application.name
    assert {m["name"] for m in submission.data["members"]} == set(
        application.members.values_list("name", flat=True)
    )
    frozen = {item["version"] for item in submission.data["documents"]}
    assert frozen == set(DocumentVersion.objects.filter(submission=submission).values_list("pk", flat=True))


def test_submitted_file_is_read_only_for_the_applicant(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.applicant)
    response = client.post(
        reverse("applications:step", args=[application.pk, "goals"]),
        {"innovation_goals": "改过的目标"},
        follow=True,
    )
    application.refresh_from_db()
    assert application.innovation_goals != "改过的目标"
    assert "已不能修改" in response.content.decode()


def test_snapshot_is_unchanged_after_edits_in_a_later_returned_round(world, client):
    application = world.application(State.RETURNED)
    first = Submission.objects.get(application=application)
    before = first.data
    client.force_login(world.applicant)
    client.post(
        reverse("applications:step", args=[application.pk, "goals"]), {"innovation_goals": "第二轮的新目标"}
    )
    client.post(
        reverse("applications:upload", args=[application.pk]),
        {"kind": "agreement", "file": SimpleUploadedFile("协议第二版.pdf", sample_pdf(4))},
    )
    member = application.members.filter(is_lead=False).first()
    client.post(reverse("applications:member_delete", args=[application.pk, member.pk]))
    application.refresh_from_db()
    assert application.innovation_goals == "第二轮的新目标"
    first.refresh_from_db()
    assert first.data == before
    assert member.name in {m["name"] for m in first.data["members"]}
    # The versions the first round froze are all still there and still readable.
    for item in first.data["documents"]:
        version = DocumentVersion.objects.get(pk=item["version"])
        assert version.file.open("rb").read(5) == b"%PDF-" or version.is_image
    with pytest.raises(PermissionError):
        first.save()


def test_resubmission_shows_reviewers_what_changed(world, client):
    application = world.application(State.RETURNED)
    client.force_login(world.applicant)
    client.post(
        reverse("applications:step", args=[application.pk, "goals"]), {"innovation_goals": "第二轮的新目标"}
    )
    client.post(
        reverse("applications:upload", args=[application.pk]),
        {"kind": "agreement", "file": SimpleUploadedFile("协议第二版.pdf", sample_pdf(4))},
    )
    client.post(reverse("applications:act", args=[application.pk, "resubmit"]), {"resubmit-declared": "on"})
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    changes = latest_changes(application)["changes"]
    assert [label for label, _old, _new in changes["fields"]] == ["技术创新目标"]
    assert [d["original_name"] for d in changes["documents"]["new_versions"]] == ["协议第二版.pdf"]

    client.force_login(world.unit)
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    assert "第 2 轮与第 1 轮相比的修改" in page
    assert "第二轮的新目标" in page
    assert "新版本" in page and "协议第二版.pdf" in page


def test_return_reasons_are_shown_at_the_top(world, client):
    application = world.application(State.SUBMITTED)
    transition(
        application,
        Action.RETURN,
        world.unit,
        comment="联盟协议缺少成员单位公章，请补充。",
        data={"items": ["seals"]},
    )
    client.force_login(world.applicant)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert page.index("return-reasons") < page.index("申报内容")
    assert "联盟协议缺少成员单位公章，请补充。" in page


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.FORWARDED, State.AWAITING_DECISION])
def test_withdrawing_is_possible_until_the_decision(world, state):
    application = world.application(state)
    transition(application, Action.WITHDRAW, world.applicant)
    assert application.state == State.WITHDRAWN


def test_withdrawing_is_refused_after_the_decision(world):
    from applications.workflow import StateConflict

    application = world.application(State.APPROVED)
    with pytest.raises(StateConflict):
        transition(application, Action.WITHDRAW, world.applicant)


def test_slot_kinds_match_the_materials_of_article_5():
    assert set(DocumentKind.values) == {"form", "agreement", "charter", "licence", "other"}


def test_organising_unit_is_fixed_once_submitted(world, client):
    from applications.models import OrganisingUnit

    application = world.application(State.RETURNED)
    original = application.organising_unit
    client.force_login(world.applicant)
    other = OrganisingUnit.objects.exclude(pk=original.pk).first()
    response = client.post(
        reverse("applications:step", args=[application.pk, "basics"]),
        {"name": "改过的名称", "industry": application.industry_id, "organising_unit": other.pk},
    )
    assert response.status_code == 302  # saved: the other fields changed, the unit did not
    application.refresh_from_db()
    assert application.organising_unit == original and application.name == "改过的名称"


def test_a_returned_file_of_a_unit_that_stopped_taking_files_can_still_be_revised(world, client):
    application = world.application(State.RETURNED)
    application.organising_unit.is_active = False
    application.organising_unit.save()
    client.force_login(world.applicant)
    response = client.post(
        reverse("applications:step", args=[application.pk, "basics"]),
        {"name": "改过的名称", "industry": application.industry_id},
    )
    assert response.status_code == 302
    from applications.eligibility import check

    finding = next(f for f in check(application) if f.code == "ORGANISING_UNIT_INACTIVE")
    assert not finding.is_blocking and "请联系市科技局" in str(finding.message)


def test_first_submission_is_judged_under_the_edition_in_force(world):
    from tests.factories import PolicyEditionFactory

    application = world.application(complete=True)
    old = PolicyEditionFactory(
        document_number="旧〔2020〕1号", effective_from="2020-01-01", effective_until="2020-12-31"
    )
    application.edition = old
    application.save()
    world.edition.min_core_members = 7
    world.edition.save()
    with pytest.raises(GuardFailed, match="不能少于 7 家"):
        transition(application, Action.SUBMIT, world.applicant, declared=True)


def test_reviewers_keep_the_submitted_findings_while_the_file_is_being_revised(world, client):
    application = world.application(State.RETURNED, name="晋北固废利用协同创新体")
    client.force_login(world.applicant)
    client.post(
        reverse("applications:step", args=[application.pk, "basics"]),
        {"name": "朔州市固废利用产业技术创新战略联盟", "industry": application.industry_id},
    )
    member = application.members.filter(is_lead=False, is_core=True).first()
    client.post(reverse("applications:member_delete", args=[application.pk, member.pk]))
    page = client.get(reverse("applications:step", args=[application.pk, "members"])).content.decode()
    assert "核心成员不能少于 6 家" in page and 'data-code="NAME_PATTERN"' not in page
    client.force_login(world.unit)
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    # The submitted round's findings: its name warning, not the revision's missing member.
    assert 'data-code="NAME_PATTERN"' in page
    assert "核心成员不能少于 6 家" not in page
    assert member.name in page  # the submitted round still lists it


def test_a_rounds_findings_are_kept_in_both_languages(world):
    from django.utils.translation import override

    application = world.application(complete=True, name="晋北固废利用协同创新体")
    with override("en"):
        transition(application, Action.SUBMIT, world.applicant, declared=True)
    (finding,) = application.submissions.get().data["findings"]
    assert finding["code"] == "NAME_PATTERN"
    assert finding["message"]["zh-hans"].startswith("联盟名称通常为")
    assert finding["article"] == {"zh-hans": "第三条", "en": "Art. 3"}
    assert "Shuozhou" in finding["message"]["en"] or "name" in finding["message"]["en"].lower()


def test_resubmitting_from_the_detail_page_asks_for_the_declaration(world, client):
    application = world.application(State.RETURNED)
    client.force_login(world.applicant)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert 'name="resubmit-declared"' in page and "本单位郑重承诺" in page
    client.post(reverse("applications:act", args=[application.pk, "resubmit"]))
    application.refresh_from_db()
    assert application.state == State.RETURNED
    client.post(reverse("applications:act", args=[application.pk, "resubmit"]), {"resubmit-declared": "on"})
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert application.submissions.count() == 2
