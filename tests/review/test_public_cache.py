"""The public pages are served from the cache, and whatever changes what they show empties it
when it commits: no visitor sees a state older than the last committed change.

These tests commit for real (``transaction=True``): the cache is emptied on commit.
"""

import datetime
import re

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance_portal import public_cache
from applications.enums import Action, State
from applications.workflow import transition
from review import notices
from review.models import Notice

from ..conftest import World

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# Committed for real (the database is flushed afterwards; ``edition`` puts the reference data
# of the migrations back first).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def world(edition):
    world = World(edition)
    world.files = [world.application(State.APPROVED) for _ in range(2)]
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI), tick=False):
        world.notice = notices.create(world.staff, world.files)
        notices.publish(world.notice, world.staff)
    return world


def fetch(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    # Each visitor's frame has its own CSRF token; the rest is the cached page.
    return CSRF.sub("", page), len(queries)


def test_a_public_page_comes_from_the_cache_until_a_change_commits(world, client):
    url = reverse("notice", args=[world.notice.pk])
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        first, cold = fetch(client, url)
        # Behind the portal's back (no signal, no transition): the cached page is served.
        Notice.objects.filter(pk=world.notice.pk).update(title="未经发布流程改动的标题")
        second, warm = fetch(client, url)
        assert second == first and "未经发布流程改动的标题" not in second
        assert warm < cold

        # A withdrawal commits (transitions and the notice saved): the next visitor sees it.
        notices.withdraw(world.notice, world.staff, reason="成员单位资格需重新核实")
        third, _ = fetch(client, url)
        listing, _ = fetch(client, reverse("notices"))
    assert "本公示已于 2026-12-03 撤回" in third and "成员单位资格需重新核实" in third
    assert "已撤回" in listing


def test_every_committed_transition_empties_the_cache_and_a_rolled_back_one_does_not(world):
    before = public_cache.generation()
    with time_machine.travel(datetime.datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(RuntimeError), transaction.atomic():
            transition(world.files[0], Action.RECOGNIZE, world.staff)
            raise RuntimeError("rolled back")
        assert public_cache.generation() == before

        transition(world.files[0], Action.RECOGNIZE, world.staff)
    assert public_cache.generation() != before


def test_the_cache_keys_pages_by_language_and_day(world, client):
    url = reverse("notice", args=[world.notice.pk])
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        chinese, _ = fetch(client, url)
        client.cookies["django_language"] = "en"
        english, _ = fetch(client, url)
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        client.cookies["django_language"] = "zh-hans"
        next_day, _ = fetch(client, url)

    assert "还剩 5 天" in chinese and "5 days left" in english
    assert "还剩 4 天" in next_day


def test_after_a_transition_commits_the_directory_and_the_notice_show_the_new_state(world, client):
    alliance = world.files[0]
    with time_machine.travel(datetime.datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI), tick=False):
        before, _ = fetch(client, reverse("alliances"))
        notice_before, _ = fetch(client, reverse("notice", args=[world.notice.pk]))
        transition(alliance, Action.RECOGNIZE, world.staff)
        after, _ = fetch(client, reverse("alliances"))
        notice_after, _ = fetch(client, reverse("notice", args=[world.notice.pk]))
        detail, _ = fetch(client, reverse("alliance", args=[alliance.pk]))

    assert alliance.name not in before and alliance.name in after
    recognition_link = reverse("notice_recognition", args=[world.notice.pk])
    assert recognition_link not in notice_before and recognition_link in notice_after
    assert alliance.recognition.number in detail
