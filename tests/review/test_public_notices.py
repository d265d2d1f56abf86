"""The public notice pages (Art. 6): what the public reads, from the first minute to the last."""

import datetime

import time_machine
from django.urls import reverse

from alliance_portal.public_cache import cache
from applications.enums import State
from applications.models import Member
from review import notices
from review.models import Notice

from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@shared_state
def published():
    """A World whose two approved files are on a notice published 2026-12-01 09:30
    (Shanghai), and one more file approved and on a draft notice."""
    world = World(PolicyEditionFactory())
    files = [world.application(State.APPROVED) for _ in range(3)]
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI), tick=False):
        world.notice = notices.create(world.staff, files[:2])
        notices.publish(world.notice, world.staff)
    world.draft = notices.create(world.staff, files[2:])
    world.files = files
    return world


def test_the_notice_page_shows_the_text_the_period_and_the_alliances(published, client):
    world = published
    with time_machine.travel(datetime.datetime(2026, 12, 3, 12, 0, tzinfo=SHANGHAI), tick=False):
        page = client.get(reverse("notice", args=[world.notice.pk])).content.decode()

    assert world.notice.title in page and "第六条" in page
    assert "公示期：2026-12-01 至 2026-12-07 23:59" in page
    assert "还剩 5 天" in page
    for application in world.files[:2]:
        assert application.name in page
        for member in application.members.all():
            assert member.name in page
    assert world.files[2].name not in page


def test_after_the_last_day_the_notice_says_it_has_ended(published, client):
    world = published
    with time_machine.travel(datetime.datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI), tick=False):
        page = client.get(reverse("notice", args=[world.notice.pk])).content.decode()
        listing = client.get(reverse("notices")).content.decode()
        home = client.get(reverse("home")).content.decode()

    assert "已结束" in page and "已结束" in listing
    assert world.notice.title not in home  # the home page lists the open notices only


def test_an_open_notice_is_on_the_home_page_with_its_days_left(published, client):
    world = published
    with time_machine.travel(datetime.datetime(2026, 12, 7, 23, 59, tzinfo=SHANGHAI), tick=False):
        home = client.get(reverse("home")).content.decode()

    assert world.notice.title in home and "今天截止" in home


def test_a_draft_notice_does_not_exist_for_the_public(published, client):
    world = published

    listing = client.get(reverse("notices")).content.decode()

    assert client.get(reverse("notice", args=[world.draft.pk])).status_code == 404
    assert world.files[2].name not in listing
    assert Notice.objects.count() == 2


def test_the_notice_page_costs_the_same_queries_for_2_and_many_alliances(published, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = published
    url = reverse("notice", args=[world.notice.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # More alliances on the same notice, each with its members (the test's transaction never
    # commits, so the cached page is forgotten by hand; test_public_cache shows it on commit).
    add_copies(world, world.files[0])
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()

    assert "朔州市复制29产业技术创新战略联盟" in page
    assert len(many) == len(few)


def add_copies(world, source):
    for number in range(30):
        copy = type(source).objects.get(pk=source.pk)
        copy.pk = None
        copy.name = f"朔州市复制{number}产业技术创新战略联盟"
        copy.save()
        Member.objects.bulk_create(
            Member(application=copy, name=f"成员{number}-{n}", uscc=member.uscc, org_type=member.org_type)
            for n, member in enumerate(source.members.all())
        )
        world.notice.items.create(application=copy, position=3 + number, listing=notices.listing(copy))


def test_the_notice_pdf_holds_the_chinese_names_and_the_feed_lists_published_notices_only(published, client):
    import io

    from pypdf import PdfReader

    world = published
    response = client.get(reverse("notice_pdf", args=[world.notice.pk]))
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )
    feed = client.get(reverse("notices_feed")).content.decode()

    flat = text.replace("\n", "").replace(" ", "")
    assert "朔州市科学技术局" in flat
    for application in world.files[:2]:
        assert application.name in flat
    assert world.notice.title in feed and "<feed" in feed
    assert feed.count("<entry>") == 1  # the draft is not in it
    assert client.get(reverse("notice_pdf", args=[world.draft.pk])).status_code == 404


def main(response):
    """The page's content (the cached part), without the frame rendered for each visitor."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_a_cached_list_never_carries_what_one_visitor_added_to_its_links(published, client, settings):
    from django.utils import timezone

    world = published
    Notice.objects.bulk_create(
        Notice(
            title=f"关于第{n}批联盟的公示",
            body="正文",
            edition=world.notice.edition,
            status="published",
            created_by=world.staff,
            published_at=timezone.now(),
            starts_on=timezone.localdate(),
            ends_at=timezone.now(),
        )
        for n in range(25)
    )
    first = main(client.get(reverse("notices"), {"page": "1", "utm": "来自某网站"}))
    second = main(client.get(reverse("notices"), {"page": "1"}))

    assert "?page=2" in first and "?page=2" in second
    assert "utm" not in first and "utm" not in second
    # An odd page number is the first page, not an error.
    assert client.get(reverse("notices"), {"page": "²"}).status_code == 200


def test_the_feed_names_the_address_it_was_asked_at(published, client, settings):
    settings.ALLOWED_HOSTS = ["kjj.shuozhou.gov.cn", "10.1.2.3"]
    public = client.get(reverse("notices_feed"), HTTP_HOST="kjj.shuozhou.gov.cn").content.decode()
    intranet = client.get(reverse("notices_feed"), HTTP_HOST="10.1.2.3").content.decode()

    assert "http://kjj.shuozhou.gov.cn/notices/" in public and "10.1.2.3" not in public
    assert "http://10.1.2.3/notices/" in intranet
