import datetime

import pytest
import time_machine
from django.urls import reverse

from applications.editions import NoEditionInForce, edition_in_force, suggested_organising_unit
from applications.enums import Action, Role, State
from applications.models import Application, PolicyEdition
from applications.uscc import make_uscc
from applications.workflow import GuardFailed, transition

from ..factories import ApplicationFactory, OrganisationFactory, UserFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def edition_2021(db):
    return PolicyEdition.objects.get(document_number="朔科发〔2021〕5号")


def test_2021_edition_holds_the_numbers_of_the_measure(edition_2021):
    assert edition_2021.min_core_members == 6
    assert edition_2021.member_ceiling == 15
    assert edition_2021.notice_days == 7
    assert edition_2021.experts_per_file == 3
    assert edition_2021.effective_from == datetime.date(2021, 5, 28)


def test_2021_edition_is_in_force_for_five_years_and_has_lapsed(edition_2021):
    assert edition_2021.is_in_force(datetime.date(2021, 5, 28))
    assert edition_2021.is_in_force(datetime.date(2026, 5, 27))
    assert not edition_2021.is_in_force(datetime.date(2026, 5, 28))
    assert not edition_2021.is_in_force(datetime.date(2021, 5, 27))


@time_machine.travel(datetime.datetime(2026, 5, 27, 23, 59, tzinfo=SHANGHAI), tick=False)
def test_edition_in_force_on_the_last_day_in_shanghai(edition_2021):
    # 15:59 UTC, already the 28th nowhere but in UTC+8: still the 27th in Shuozhou.
    assert edition_in_force() == edition_2021


@time_machine.travel(datetime.datetime(2026, 5, 28, 0, 1, tzinfo=SHANGHAI), tick=False)
def test_no_edition_in_force_after_the_2021_edition_lapsed(edition_2021):
    with pytest.raises(NoEditionInForce) as refusal:
        edition_in_force()
    assert "2026-05-27" in str(refusal.value)


def test_annual_report_due_is_the_last_day_of_february(edition_2021):
    assert edition_2021.annual_report_due(2027) == datetime.date(2027, 2, 28)
    assert edition_2021.annual_report_due(2028) == datetime.date(2028, 2, 29)


@time_machine.travel(datetime.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_applicant_cannot_open_an_application_without_an_edition_in_force(db, client):
    organisation = OrganisationFactory()
    client.force_login(UserFactory(role=Role.APPLICANT, organisation=organisation))

    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert "已于 2026-05-27 到期" in dashboard
    assert reverse("applications:new") not in dashboard

    response = client.post(reverse("applications:new"), {"name": "朔州市测试联盟"}, follow=True)
    assert "暂不受理新的申报" in response.content.decode()
    assert not Application.objects.exists()


@time_machine.travel(datetime.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_submit_refused_without_an_edition_in_force(edition_2021):
    organisation = OrganisationFactory()
    applicant = UserFactory(role=Role.APPLICANT, organisation=organisation)
    application = ApplicationFactory(lead_unit=organisation, edition=edition_2021)
    PolicyEdition.objects.exclude(pk=edition_2021.pk).delete()
    with pytest.raises(GuardFailed) as refusal:
        transition(application, Action.SUBMIT, applicant)
    assert "暂不受理新的申报" in str(refusal.value)
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_applicant_creates_a_draft_under_the_edition_in_force(world, client):
    client.force_login(world.applicant)
    page = client.get(reverse("applications:new")).content.decode()
    # Suggested from the USCC's division code 140602 (朔城区).
    shuocheng = suggested_organising_unit(world.organisation.uscc)
    assert shuocheng.code == "shuocheng"
    assert f'<option value="{shuocheng.pk}" selected>' in page

    response = client.post(
        reverse("applications:new"),
        {"name": "朔州市测试产业技术创新战略联盟", "industry": "1", "organising_unit": str(shuocheng.pk)},
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:step", args=[application.pk, "basics"])
    assert application.members.get().is_lead
    assert application.edition == world.edition
    assert application.lead_unit == world.organisation
    assert application.state == State.DRAFT


def test_suggested_organising_unit_covers_the_old_huairen_code(db):
    assert suggested_organising_unit(make_uscc("91140624", "12345678")).code == "huairen"
    assert suggested_organising_unit(make_uscc("91140681", "12345678")).code == "huairen"
    assert suggested_organising_unit(make_uscc("91140000", "12345678")) is None
