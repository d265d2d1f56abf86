"""The public side's edges (issue 10, from a review): the directory's cache under odd and
abusive queries, odd filter values, huge ids, formulas in the CSV, recognition numbers at the
year boundary, certificates of revoked alliances, the announcement after a correction, and
reminders to deactivated accounts."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from alliance_portal.public_cache import cache
from applications.enums import State
from applications.models import Industry, Member
from applications.workflow import route_from

from ..conftest import World
from ..factories import PolicyEditionFactory
from .test_directory import alliances  # noqa: F401 (fixture)

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def cache_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM portal_public_cache")
        return cursor.fetchone()[0]


def test_page_numbers_beyond_the_last_do_not_each_fill_the_cache(alliances, client):  # noqa: F811
    client.get(reverse("alliances"))
    before = cache_rows()
    for number in range(2, 40):
        assert client.get(reverse("alliances"), {"page": number}).status_code == 200
    # Three alliances: one page. Pages 2..39 all show it, yet each is stored apart.
    assert cache_rows() - before <= 1


@pytest.mark.parametrize(
    "query",
    [
        {"industry": "9" * 30},
        {"organising_unit": "-1"},
        {"year": ["2026", "abc"]},
        {"status": ["recognized", "revoked"]},
        {"q": "a\x00b"},
        {"page": "-1"},
        {"page": "9" * 40},
        {"year": "0"},
    ],
)
@pytest.mark.parametrize("url_name", ["alliances", "alliances_csv", "alliances_json"])
def test_odd_filter_values_never_500(alliances, client, query, url_name):  # noqa: F811
    assert client.get(reverse(url_name), query).status_code == 200


def test_two_industries_with_the_same_english_name_share_no_cached_page(alliances, client):  # noqa: F811
    world = alliances
    first, second = world.industries
    Industry.objects.filter(pk__in=[first.pk, second.pk]).update(name_en="Energy")
    cache.clear()
    client.cookies["django_language"] = "en"
    one = client.get("/alliances/", {"industry": first.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    two = client.get("/alliances/", {"industry": second.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert world.recognised.name in one and world.revoked.name not in one
    # industry 2's page must list the revoked alliance (its industry), not industry 1's page
    assert world.revoked.name in two and world.recognised.name not in two


def test_the_csv_neutralises_formulas_in_every_cell(alliances, client):  # noqa: F811
    world = alliances
    Member.objects.filter(application=world.recognised, is_lead=False).update(name="=HYPERLINK(1)")
    cache.clear()
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("alliances_csv")).content.decode("utf-8-sig"))))
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


@pytest.mark.django_db
def test_recognition_at_the_year_boundary_in_shanghai():
    world = World(PolicyEditionFactory())
    files = [world.application(State.IN_NOTICE) for _ in range(2)]
    with time_machine.travel(datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        world.drive(files[0], route_from(State.IN_NOTICE, State.RECOGNIZED))
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        world.drive(files[1], route_from(State.IN_NOTICE, State.RECOGNIZED))
    for f in files:
        f.refresh_from_db()
    a, b = files[0].recognition, files[1].recognition
    assert (a.year, a.recognized_on) == (2026, datetime.date(2026, 12, 31))
    assert (b.year, b.sequence, b.recognized_on) == (2027, 1, datetime.date(2027, 1, 1))
    assert "2027" in b.number and "2026" in a.number


@pytest.mark.parametrize("path", ["/alliances/{n}/", "/notices/{n}/recognition/"])
def test_huge_ids_are_404(alliances, client, path):  # noqa: F811
    assert client.get(path.format(n="9" * 25)).status_code == 404


def test_a_revoked_alliance_gets_no_unmarked_certificate(alliances, client):  # noqa: F811
    world = alliances
    client.force_login(world.applicant)
    response = client.get(reverse("applicant_certificate", args=[world.revoked.pk]))
    # Art. 9: the qualification is revoked; a fresh certificate saying it is recognised is wrong
    assert response.status_code == 404


def test_the_announcement_gives_the_period_the_corrected_alliance_was_noticed_for(db, client):
    from applications.enums import Action
    from applications.workflow import transition
    from review import notices

    def at(*args):
        return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)

    world = World(PolicyEditionFactory())
    files = [world.application(State.APPROVED)]
    with at(2026, 12, 1, 9, 30):
        notice = notices.create(world.staff, files)
        notices.publish(notice, world.staff)
    with at(2026, 12, 5, 9, 0):
        correction = notices.create_correction(notice, world.staff, files)
        body = correction.body.replace(str(notices.CORRECTION_PLACEHOLDER), "名称有误，现更正。")
        notices.edit(correction, title=correction.title, body=body)
        notices.publish(correction, world.staff)
    with at(2026, 12, 12, 9, 0):
        transition(files[0], Action.RECOGNIZE, world.staff)
        page = client.get(reverse("notice_recognition", args=[notice.pk])).content.decode()
    # Noticed anew 2026-12-05 to 2026-12-11 by the correction; the page says the 7th.
    assert "2026-12-11" in page, page[page.find("依据") : page.find("依据") + 200]


def test_a_deactivated_expert_account_is_not_mailed(db):
    from django.core.management import call_command

    from applications.enums import OutboxKind
    from applications.models import OutboxMessage
    from review import experts as pool
    from review.models import Assignment

    world = World(PolicyEditionFactory())
    file = world.application(State.UNDER_REVIEW)
    Assignment.objects.filter(application=file).update(due_on=datetime.date(2026, 12, 10))
    assignment = pool.active_assignments(file).select_related("expert__user").first()
    user = assignment.expert.user
    user.email, user.is_active = "gone@example.com", False
    user.save()
    with time_machine.travel(datetime.datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI), tick=False):
        call_command("send_reminders", stdout=io.StringIO())
    assert not OutboxMessage.objects.filter(kind=OutboxKind.REMINDER, to_address="gone@example.com").exists()
