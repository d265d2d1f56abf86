"""The public directory of municipal alliances (Art. 7): /alliances/, /alliances/<id>/ and
its open data, /alliances.csv and /alliances.json."""

import csv
import datetime
import io
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.enums import PlatformKind, PlatformLevel, State
from applications.models import Application, Industry, Member, Platform
from applications.workflow import route_from
from review.models import Recognition
from review.views import directory

from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory, unit

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
PHONE, EMAIL, MEMBER_PHONE = "13912345678", "secret-contact@example.cn", "13800001111"


def recognise(world, application, when):
    with time_machine.travel(when, tick=False):
        world.drive(application, route_from(State.IN_NOTICE, State.RECOGNIZED))
    application.refresh_from_db()
    return application


@shared_state
def alliances():
    """``recognised`` (2026, 煤炭 or the first industry, with a platform and private contacts),
    ``revoked`` (2026, another industry, revoked on 2027-03-02), ``later`` (2027, under
    rectification), and files never recognised: ``in_notice``, ``rejected``, ``draft``."""
    world = World(PolicyEditionFactory())
    industries = list(Industry.objects.all()[:2])
    files = [world.application(State.IN_NOTICE) for _ in range(4)]
    recognised, revoked, later, world.in_notice = files
    Application.objects.filter(pk=revoked.pk).update(
        industry=industries[1], name="朔州市储能装备产业技术创新战略联盟"
    )
    Application.objects.filter(pk=recognised.pk).update(
        industry=industries[0], contact_phone=PHONE, contact_email=EMAIL, contact_name="张联系"
    )
    Member.objects.filter(application=recognised, is_lead=False).update(
        contact_phone=MEMBER_PHONE, legal_representative="李法人"
    )
    Member.objects.filter(application=revoked, is_lead=False).order_by("pk").filter(
        pk=Member.objects.filter(application=revoked, is_lead=False).order_by("pk").first().pk
    ).update(name="朔州市特有成员氢能有限公司")
    december = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=SHANGHAI)
    world.recognised = recognise(world, recognised, december)
    world.revoked = recognise(world, revoked, december)
    world.later = recognise(world, later, datetime.datetime(2027, 1, 8, 10, 0, tzinfo=SHANGHAI))
    with time_machine.travel(datetime.datetime(2027, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        world.drive(world.revoked, route_from(State.RECOGNIZED, State.REVOKED))
        world.drive(world.later, route_from(State.RECOGNIZED, State.RECTIFYING))
    Platform.objects.create(
        application=world.recognised,
        kind=PlatformKind.ENGINEERING_CENTRE,
        level=PlatformLevel.MUNICIPAL,
        name="朔州市煤矸石综合利用工程技术研究中心",
        approving_document="朔科发〔2025〕8号",
        year=2025,
    )
    world.rejected = world.application(State.REJECTED)
    world.draft = world.application()
    world.industries = industries
    return world


def names(response):
    return response.content.decode()


def test_the_directory_lists_recognised_alliances_and_marks_the_others(alliances, client):
    world = alliances
    page = names(client.get(reverse("alliances")))

    for application in (world.recognised, world.revoked, world.later):
        assert application.name in page and application.recognition.number in page
    assert "取消资格" in page and "2027-03-02" in page and "限期整改中" in page
    for application in (world.in_notice, world.rejected, world.draft):
        assert application.name not in page
    assert "共 3 个联盟" in page
    # The open data documented on the page.
    assert "UTF-8" in page and "recognition_number" in page and reverse("alliances_json") in page


@pytest.mark.parametrize(
    "query, shown",
    [
        ({"q": "储能装备"}, ["revoked"]),
        ({"q": "特有成员氢能"}, ["revoked"]),  # a member's name
        ({"year": "2027"}, ["later"]),
        ({"status": State.REVOKED}, ["revoked"]),
        ({"status": State.RECOGNIZED}, ["recognised"]),
        ({"industry": "second"}, ["revoked"]),
    ],
)
def test_search_and_filters_narrow_the_directory(alliances, client, query, shown):
    world = alliances
    if query.get("industry") == "second":
        query = {"industry": world.industries[1].pk}

    page = names(client.get(reverse("alliances"), query))

    for key in ("recognised", "revoked", "later"):
        assert (getattr(world, key).name in page) == (key in shown), key


def test_the_organising_unit_filter(alliances, client):
    world = alliances
    Application.objects.filter(pk=world.later.pk).update(organising_unit=unit("pinglu"))

    page = names(client.get(reverse("alliances"), {"organising_unit": unit("pinglu").pk}))

    assert world.later.name in page and world.recognised.name not in page


def test_bad_filter_values_are_ignored_never_a_500(alliances, client):
    response = client.get(
        reverse("alliances"), {"status": State.DRAFT, "year": "abc", "q": "x" * 500, "page": "9"}
    )

    assert response.status_code == 200
    assert "不是可选的值" in response.content.decode()
    assert alliances.recognised.name in response.content.decode()


def test_the_directory_is_paginated(alliances, client, monkeypatch):
    monkeypatch.setattr(directory, "PER_PAGE", 2)

    first = names(client.get(reverse("alliances")))
    second = names(client.get(reverse("alliances"), {"page": 2}))

    assert "page=2" in first
    assert first.count("/alliances/") > second.count("/alliances/")
    assert alliances.recognised.name in first + second and alliances.later.name in first + second


def test_an_alliance_page_shows_its_public_facts(alliances, client):
    world = alliances
    page = names(client.get(reverse("alliance", args=[world.recognised.pk])))

    assert world.recognised.name in page and world.recognised.lead_unit.name in page
    assert world.recognised.recognition.number in page and "2026-12-10" in page
    assert "朔州市煤矸石综合利用工程技术研究中心" in page and "市级工程技术研究中心" in page
    assert "朔科发〔2025〕8号" in page
    for member in world.recognised.members.all():
        assert member.name in page
    assert "核心成员" in page


def test_a_file_never_recognised_has_no_alliance_page(alliances, client):
    world = alliances
    for application in (world.in_notice, world.rejected, world.draft):
        assert client.get(reverse("alliance", args=[application.pk])).status_code == 404
    revoked = names(client.get(reverse("alliance", args=[world.revoked.pk])))
    assert "取消资格" in revoked and "2027-03-02" in revoked


def test_the_csv_starts_with_the_bom_and_holds_the_public_fields(alliances, client):
    world = alliances
    response = client.get(reverse("alliances_csv"))
    content = response.content

    assert content.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [name for name, _label in directory.FIELDS] == list(rows[0])
    row = next(row for row in rows if row["name"] == world.recognised.name)
    assert row["recognition_number"] == world.recognised.recognition.number
    assert row["recognized_on"] == "2026-12-10" and row["status"] == "recognized"
    assert f"{world.recognised.lead_unit.name}（核心）" in row["members"]
    assert "朔州市煤矸石综合利用工程技术研究中心" in row["platforms"]
    revoked = next(row for row in rows if row["name"] == world.revoked.name)
    assert revoked["status_since"] == "2027-03-02"


def test_the_json_has_its_envelope_and_the_same_filters(alliances, client):
    world = alliances
    payload = json.loads(client.get(reverse("alliances_json"), {"status": State.REVOKED}).content)

    assert payload["count"] == 1 and len(payload["alliances"]) == 1
    assert {"generated_at", "count", "fields", "alliances"} <= set(payload)
    assert [field["name"] for field in payload["fields"]] == [name for name, _label in directory.FIELDS]
    alliance = payload["alliances"][0]
    assert alliance["name"] == world.revoked.name and alliance["status_since"] == "2027-03-02"
    assert {"name", "core"} == set(alliance["members"][0])


@pytest.mark.parametrize("url_name", ["alliances", "alliances_csv", "alliances_json"])
def test_no_contact_or_code_is_public(alliances, client, url_name):
    world = alliances
    pages = [names(client.get(reverse(url_name)))]
    if url_name == "alliances":
        pages.append(names(client.get(reverse("alliance", args=[world.recognised.pk]))))

    for page in pages:
        assert world.recognised.name in page
        for secret in (PHONE, EMAIL, MEMBER_PHONE, "张联系", "李法人", world.applicant.email):
            assert secret not in page
        for member in world.recognised.members.all():
            assert member.uscc not in page
        assert "测试意见" not in page  # the reviewers' comments


def test_the_directory_is_linked_from_the_navigation_and_the_home_page(db, client):
    home = names(client.get(reverse("home")))

    assert home.count(f'href="{reverse("alliances")}"') >= 2


# Queries -------------------------------------------------------------------------------------


def copies(source, count):
    """``count`` more recognised alliances like ``source``, each with its members and a platform."""
    made = []
    members = list(source.members.all())
    for n in range(count):
        copy = Application.objects.get(pk=source.pk)
        copy.pk = None
        copy.name = f"朔州市复制{n}产业技术创新战略联盟"
        copy.save()
        Member.objects.bulk_create(
            Member(application=copy, name=f"成员{n}-{i}", uscc=m.uscc, org_type=m.org_type, is_core=m.is_core)
            for i, m in enumerate(members)
        )
        Recognition.objects.create(
            application=copy,
            year=2026,
            sequence=100 + n,
            number=f"复制〔2026〕第{100 + n}号",
            recognized_on=datetime.date(2026, 12, 10),
        )
        Platform.objects.create(
            application=copy,
            kind=PlatformKind.INNOVATION_TEAM,
            level=PlatformLevel.MUNICIPAL,
            name=f"团队{n}",
            year=2025,
        )
        made.append(copy)
    return made


@pytest.mark.parametrize("url_name", ["alliances", "alliance", "alliances_csv", "alliances_json"])
def test_the_same_queries_for_1_and_100_alliances(
    world, client, django_assert_num_queries, url_name, settings
):
    # What building the page costs (the cache would hide it; test_public_cache shows the cache).
    settings.PORTAL_PUBLIC_CACHE_SECONDS = 0
    first = recognise(
        world, world.application(State.IN_NOTICE), datetime.datetime(2026, 12, 10, tzinfo=SHANGHAI)
    )
    Platform.objects.create(
        application=first,
        kind=PlatformKind.KEY_LABORATORY,
        level=PlatformLevel.PROVINCIAL,
        name="实验室",
        year=2024,
    )
    url = reverse(url_name, args=[first.pk]) if url_name == "alliance" else reverse(url_name)
    query = {} if url_name == "alliance" else {"q": "产业技术", "year": "2026", "status": State.RECOGNIZED}
    client.get(url, query)
    with CaptureQueriesContext(connection) as one:
        client.get(url, query)
    copies(first, 99)

    with django_assert_num_queries(len(one)):
        response = client.get(url, query)

    if url_name == "alliances_json":
        assert json.loads(response.content)["count"] == 100
    if url_name == "alliances_csv":
        assert response.content.decode("utf-8-sig").count("\n") == 101
