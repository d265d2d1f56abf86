"""Every eligibility rule of DESIGN.md with a passing and a failing case (Art. 3–5)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import drafts
from applications.demo import sample_pdf
from applications.eligibility import blocking_findings, check
from applications.enums import DocumentKind, OrganisationType, Severity
from applications.models import Member
from applications.uscc import make_uscc
from tests.conftest import World, shared_state
from tests.factories import OrganisationFactory, PolicyEditionFactory


@shared_state
def eligible_world():
    """The World of this module, built once, with one complete file: ``.eligible``."""
    world = World(PolicyEditionFactory())
    world.eligible = world.application(complete=True)
    return world


@pytest.fixture
def world(eligible_world):
    # Every test here gets that World (as built): most change its complete file in one way.
    return eligible_world


@pytest.fixture
def eligible(world):
    application = world.eligible
    assert blocking_findings(check(application)) == []
    return application


def codes(application, severity=None):
    return [f.code for f in check(application) if severity is None or f.severity == severity]


def add_member(
    application, name, *, core=False, org_type=OrganisationType.ENTERPRISE, uscc=None, task="研发", **extra
):
    return Member.objects.create(
        application=application,
        name=name,
        uscc=uscc or make_uscc("91140602", f"MC{Member.objects.count():06d}"),
        org_type=org_type,
        is_core=core,
        task=task,
        registered_address="山西省朔州市朔城区",
        **extra,
    )


def test_complete_application_has_no_finding_at_all(eligible):
    assert check(eligible) == []


def test_each_finding_has_code_severity_message_and_article(world):
    bare = world.application()
    findings = check(bare)
    assert findings
    for finding in findings:
        assert finding.code and finding.severity in Severity.values
        assert str(finding.message) and str(finding.article).startswith("第")
    # Blocking findings come first.
    severities = [f.is_blocking for f in findings]
    assert severities == sorted(severities, reverse=True)


# --- Art. 4(3): core members and the ceiling -----------------------------------------------


def test_five_core_members_block_and_six_pass(eligible):
    core = list(eligible.members.filter(is_core=True, is_lead=False))
    assert len(core) == 5  # with the lead unit: six
    assert "TOO_FEW_CORE_MEMBERS" not in codes(eligible)
    core[0].is_core = False
    core[0].save()
    findings = [f for f in check(eligible) if f.code == "TOO_FEW_CORE_MEMBERS"]
    assert [f.severity for f in findings] == [Severity.BLOCKING]
    assert "目前为 5 家" in str(findings[0].message)
    assert str(findings[0].article) == "第四条第（三）项"


def test_sixteen_members_block_without_justification_and_warn_with_one(eligible):
    for number in range(16 - eligible.members.count()):
        add_member(eligible, f"朔州市补充成员{number}有限公司")
    assert eligible.members.count() == 16
    assert "OVER_MEMBER_CEILING_UNJUSTIFIED" in codes(eligible, Severity.BLOCKING)

    eligible.ceiling_justification = "煤电一体化链条长，需上下游 16 家单位共同参与。"
    eligible.save()
    assert "OVER_MEMBER_CEILING_UNJUSTIFIED" not in codes(eligible)
    assert codes(eligible, Severity.WARNING) == ["OVER_MEMBER_CEILING"]


def test_fifteen_members_need_no_justification(eligible):
    for number in range(15 - eligible.members.count()):
        add_member(eligible, f"朔州市补充成员{number}有限公司")
    assert not [c for c in codes(eligible) if c.startswith("OVER_MEMBER_CEILING")]


def test_lead_unit_must_be_a_core_member(eligible):
    lead = eligible.members.get(is_lead=True)
    lead.is_core = False
    lead.save()
    assert "LEAD_NOT_CORE_MEMBER" in codes(eligible, Severity.BLOCKING)


# --- Art. 4(1): the lead unit ---------------------------------------------------------------


def test_lead_unit_with_a_92_code_is_no_legal_person(world):
    shop = OrganisationFactory(uscc=make_uscc("92140602", "MA0X0001"), name="朔城区某个体工商户")
    application = world.application(lead_unit=shop, complete=True)
    assert "LEAD_NOT_LEGAL_PERSON" in codes(application, Severity.BLOCKING)
    assert "LEAD_NOT_LEGAL_PERSON" not in codes(world.application(complete=True))


def test_lead_unit_outside_shuozhou_blocks_until_a_shuozhou_address_is_given(world):
    provincial = OrganisationFactory(uscc=make_uscc("91140000", "MA0Y0001"), registered_address="")
    application = world.application(lead_unit=provincial, complete=True)
    lead = application.members.get(is_lead=True)
    lead.registered_address = "山西省太原市小店区"
    lead.save()
    finding = next(f for f in check(application) if f.code == "LEAD_OUTSIDE_SHUOZHOU")
    assert finding.is_blocking and "140000" in str(finding.message)

    lead.registered_address = "山西省朔州市朔城区开发北路 1 号"
    lead.save()
    assert "LEAD_OUTSIDE_SHUOZHOU" not in codes(application)
    # Then the organising unit confirms the address against the licence.
    assert "LEAD_ADDRESS_TO_CONFIRM" in codes(application, Severity.WARNING)


def test_lead_unit_registered_in_a_shuozhou_county_passes(world):
    huairen = OrganisationFactory(uscc=make_uscc("91140681", "MA0Y0002"))
    application = world.application(lead_unit=huairen, complete=True)
    assert not {"LEAD_OUTSIDE_SHUOZHOU", "LEAD_ADDRESS_TO_CONFIRM"} & set(codes(application))


def test_lead_unit_qualification_and_indicators_are_stated(eligible):
    eligible.lead_qualification = ""
    eligible.patents = None
    eligible.save()
    found = codes(eligible, Severity.BLOCKING)
    assert "LEAD_QUALIFICATION_MISSING" in found and "LEAD_INDICATORS_MISSING" in found
    message = next(str(f.message) for f in check(eligible) if f.code == "LEAD_INDICATORS_MISSING")
    assert "有效专利数" in message and "研发投入" not in message
    eligible.patents = 0  # none is a valid answer
    eligible.lead_qualification = "省内先进。"
    eligible.save()
    assert not {"LEAD_QUALIFICATION_MISSING", "LEAD_INDICATORS_MISSING"} & set(codes(eligible))


# --- Art. 4(2): members ---------------------------------------------------------------------


def test_member_listed_twice_blocks(eligible):
    twin = eligible.members.filter(is_lead=False).first()
    assert "MEMBER_DUPLICATE" not in codes(eligible)
    add_member(eligible, twin.name + "（重复）", uscc=twin.uscc)
    findings = [f for f in check(eligible) if f.code == "MEMBER_DUPLICATE"]
    assert len(findings) == 1 and findings[0].is_blocking
    assert twin.uscc in str(findings[0].message)


def test_member_listed_twice_under_the_same_name_blocks(eligible):
    twin = eligible.members.filter(is_lead=False).first()
    add_member(eligible, twin.name)
    assert "MEMBER_DUPLICATE" in codes(eligible, Severity.BLOCKING)


def test_no_university_or_research_institute_blocks(eligible):
    academia = eligible.members.filter(
        org_type__in=[OrganisationType.UNIVERSITY, OrganisationType.RESEARCH_INSTITUTE]
    )
    academia.update(org_type=OrganisationType.ENTERPRISE)
    assert "NO_UNIVERSITY_OR_INSTITUTE" in codes(eligible, Severity.BLOCKING)


def test_one_research_institute_is_enough(eligible):
    eligible.members.filter(org_type=OrganisationType.UNIVERSITY).update(org_type=OrganisationType.FINANCIAL)
    assert "NO_UNIVERSITY_OR_INSTITUTE" not in codes(eligible)


def test_no_enterprise_blocks(eligible):
    # The lead member is the lead unit: its type is the registry's (eligibility.registered).
    eligible.members.filter(org_type=OrganisationType.ENTERPRISE).update(org_type=OrganisationType.OTHER)
    eligible.lead_unit.org_type = OrganisationType.OTHER
    eligible.lead_unit.save()
    assert "NO_ENTERPRISE" in codes(eligible, Severity.BLOCKING)


def test_member_with_a_92_code_or_a_bad_code_blocks(eligible):
    add_member(eligible, "某个体户", uscc=make_uscc("92140602", "MA0W0001"))
    add_member(eligible, "抄错代码的单位", uscc="91140602MA0Z00010X")
    found = codes(eligible, Severity.BLOCKING)
    assert "MEMBER_NOT_LEGAL_PERSON" in found and "MEMBER_USCC_INVALID" in found


def test_member_outside_shuozhou_is_a_warning_not_a_block(eligible):
    member = add_member(eligible, "山西大学", uscc=make_uscc("12140000", "MD0A0001"))
    member.registered_address = "山西省太原市小店区坞城路 92 号"
    member.save()
    finding = next(f for f in check(eligible) if f.code == "MEMBER_OUTSIDE_SHUOZHOU")
    assert finding.severity == Severity.WARNING and finding.member_id == member.pk
    assert "MEMBER_OUTSIDE_SHUOZHOU" not in codes(eligible, Severity.BLOCKING)


# --- Art. 5: the materials and the task division ------------------------------------------


def test_missing_task_for_one_member_blocks(eligible):
    member = eligible.members.filter(is_lead=False).first()
    member.task = "  "
    member.save()
    findings = [f for f in check(eligible) if f.code == "MEMBER_TASK_MISSING"]
    assert [f.member_id for f in findings] == [member.pk]
    assert member.name in str(findings[0].message) and str(findings[0].article) == "第五条第（二）项"


def test_missing_licence_for_one_member_blocks(world, eligible):
    newcomer = add_member(eligible, "朔州市新加入科技有限公司", core=True)
    findings = [f for f in check(eligible) if f.code == "LICENCE_MISSING"]
    assert [f.member_id for f in findings] == [newcomer.pk]
    assert str(findings[0].article) == "第五条第（四）项"
    drafts.upload(
        eligible,
        SimpleUploadedFile("执照.pdf", sample_pdf()),
        world.applicant,
        kind=DocumentKind.LICENCE,
        member=newcomer,
    )
    assert "LICENCE_MISSING" not in codes(eligible)


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (DocumentKind.FORM, "FORM_MISSING"),
        (DocumentKind.AGREEMENT, "AGREEMENT_MISSING"),
        (DocumentKind.CHARTER, "CHARTER_MISSING"),
    ],
)
def test_missing_form_agreement_or_charter_blocks(eligible, kind, code):
    eligible.documents.filter(kind=kind).update(removed_at="2026-11-01T00:00:00+08:00")
    assert code in codes(eligible, Severity.BLOCKING)


def test_goals_and_basics_are_required(eligible):
    eligible.innovation_goals = ""
    eligible.purpose = ""
    eligible.contact_phone = ""
    eligible.save()
    found = codes(eligible, Severity.BLOCKING)
    assert "GOALS_MISSING" in found
    assert found.count("APPLICATION_INCOMPLETE") == 2


def test_inactive_industry_blocks(eligible):
    eligible.industry.is_active = False
    eligible.industry.save()
    assert "INDUSTRY_NOT_IN_SYSTEM" in codes(eligible, Severity.BLOCKING)


def test_unusual_name_is_only_a_warning(eligible):
    eligible.name = "晋北固废利用协同创新体"
    eligible.save()
    assert codes(eligible) == ["NAME_PATTERN"]
    assert codes(eligible, Severity.WARNING) == ["NAME_PATTERN"]
