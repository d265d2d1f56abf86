"""The measure's validity (Art. 10: 有效期五年): staff are warned from 90 days before the
edition in force expires; a renewed edition says whether earlier recognitions continue."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications.editions import EXPIRY_WARNING_DAYS, expiry_warning
from applications.models import PolicyEdition

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def noon(day):
    return datetime.datetime.combine(day, datetime.time(12, 0), tzinfo=SHANGHAI)


def dashboard(client, user):
    client.force_login(user)
    return client.get(reverse("review:dashboard")).content.decode()


def test_the_banner_appears_90_days_before_expiry_and_not_91(world, client):
    until = world.edition.effective_until  # 2031-05-27, its last day
    assert EXPIRY_WARNING_DAYS == 90
    with time_machine.travel(noon(until - datetime.timedelta(days=91))):
        assert "edition-expiry" not in dashboard(client, world.staff)
    with time_machine.travel(noon(until - datetime.timedelta(days=90))):
        page = dashboard(client, world.staff)
        assert "edition-expiry" in page
        assert "有效期至 2031-05-27，距到期还有 90 天" in page
        assert "尚未登记新的政策版本" in page
        # Staff only: the organising units' list has no banner.
        assert "edition-expiry" not in dashboard(client, world.unit)
        client.force_login(world.staff)
        assert "edition-expiry" in client.get(reverse("review:rectifications")).content.decode()


def test_the_banner_shows_the_successor_and_its_setting(world, client):
    PolicyEdition.objects.create(
        name="朔州市产业技术创新战略联盟管理办法（2031年修订）",
        document_number="朔科发〔2031〕2号",
        effective_from=datetime.date(2031, 5, 28),
        earlier_recognitions_continue=False,
    )
    with time_machine.travel(noon(datetime.date(2031, 5, 1))):
        client.force_login(world.staff)
        page = client.get(reverse("review:rectifications")).content.decode()
    assert "距到期还有 26 天" in page
    assert "朔科发〔2031〕2号" in page and "依此前版本认定的联盟不再保留资格" in page


def test_after_expiry_staff_are_told_it_has_expired(world):
    with time_machine.travel(noon(datetime.date(2031, 6, 1))):
        warning = expiry_warning()
    assert warning["expired"] and warning["edition"] == world.edition and warning["days_left"] == 0


@pytest.mark.parametrize(("keeps", "words"), [(True, "继续保留市级联盟资格"), (False, "不再保留资格")])
def test_policy_page_shows_whether_earlier_recognitions_continue(world, client, keeps, words):
    PolicyEdition.objects.filter(pk=world.edition.pk).update(earlier_recognitions_continue=keeps)
    page = client.get(reverse("policy_edition", args=[world.edition.pk])).content.decode()
    assert "此前版本认定的联盟" in page and words in page
    # The first edition has none before it.
    first = PolicyEdition.objects.order_by("effective_from").first()
    assert "此前版本认定的联盟" not in client.get(reverse("policy_edition", args=[first.pk])).content.decode()


def test_the_setting_is_on_by_default_and_editable_in_the_admin(world, client):
    assert world.edition.earlier_recognitions_continue is True
    client.force_login(world.admin)
    page = client.get(reverse("admin:applications_policyedition_change", args=[world.edition.pk]))
    assert 'name="earlier_recognitions_continue"' in page.content.decode()
