"""公示 (Art. 6): a notice built from the approved files, its period, its publication."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.enums import Action, State
from applications.guards import Guard
from applications.models import AuditEvent
from review import notices
from review.models import Notice, NoticeStatus

from ..applications.test_event_data import with_row
from ..conftest import World, shared_state
from ..factories import PolicyEditionFactory, log_in

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(text):
    """A moment in Asia/Shanghai: "2026-12-01 09:30"."""
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("published", "days", "first", "last"),
    [
        ("2026-12-01 09:30", 7, "2026-12-01", "2026-12-07"),
        ("2026-12-01 00:05", 7, "2026-12-01", "2026-12-07"),
        ("2026-11-27 23:50", 7, "2026-11-27", "2026-12-03"),  # across a month end
        ("2027-02-25 10:00", 7, "2027-02-25", "2027-03-03"),  # 28 February
        ("2028-02-25 10:00", 7, "2028-02-25", "2028-03-02"),  # 29 February
    ],
)
def test_the_period_counts_calendar_days_with_the_first_and_ends_at_the_last_minute(
    published, days, first, last
):
    starts_on, ends_at = notices.period(at(published), days)

    assert starts_on.isoformat() == first
    assert timezone.localtime(ends_at).strftime("%Y-%m-%d %H:%M:%S") == f"{last} 23:59:59"


def test_a_notice_published_on_utc_evening_starts_on_the_shanghai_day():
    # 2026-11-30 17:00 UTC is 2026-12-01 01:00 in Shanghai.
    published = datetime.datetime(2026, 11, 30, 17, 0, tzinfo=datetime.UTC)

    starts_on, _ends_at = notices.period(published, 7)

    assert starts_on == datetime.date(2026, 12, 1)


def test_the_days_left_text_on_each_day_of_the_period():
    notice = Notice(status=NoticeStatus.PUBLISHED)
    notice.starts_on, notice.ends_at = notices.period(at("2026-12-01 09:30"), 7)

    texts = [notices.days_left_text(notice, at(f"2026-12-0{day} 12:00")) for day in range(1, 9)]

    assert texts == [
        "还剩 7 天",
        "还剩 6 天",
        "还剩 5 天",
        "还剩 4 天",
        "还剩 3 天",
        "还剩 2 天",
        "今天截止",
        "已结束",
    ]
    assert notices.is_open(notice, at("2026-12-07 23:59")) and not notices.is_open(
        notice, at("2026-12-08 00:00")
    )


@pytest.mark.parametrize(
    ("published", "days"),
    [
        ("2027-02-25 10:00", ["25", "26", "27", "28", "03-01", "03-02", "03-03", "03-04"]),
        ("2028-02-25 10:00", ["25", "26", "27", "28", "29", "03-01", "03-02", "03-03"]),
    ],
)
def test_the_days_left_text_across_the_end_of_february(published, days):
    notice = Notice(status=NoticeStatus.PUBLISHED)
    notice.starts_on, notice.ends_at = notices.period(at(published), 7)
    year = published[:4]
    moments = [at(f"{year}-{day if '-' in day else '02-' + day} 08:00") for day in days]

    texts = [notices.days_left_text(notice, moment) for moment in moments]

    assert texts == [
        "还剩 7 天",
        "还剩 6 天",
        "还剩 5 天",
        "还剩 4 天",
        "还剩 3 天",
        "还剩 2 天",
        "今天截止",
        "已结束",
    ]


@shared_state
def approved():
    """A World with three files of ``applicant`` approved by the Party group."""
    world = World(PolicyEditionFactory())
    world.files = [world.application(State.APPROVED) for _ in range(3)]
    return world


def test_publishing_moves_every_listed_file_into_notice_with_the_notice_named(approved):
    world = approved
    notice = notices.create(world.staff, world.files)

    with time_machine.travel(at("2026-12-01 09:30"), tick=False):
        events = notices.publish(notice, world.staff)

    assert [event.action for event in events] == [Action.PUBLISH_NOTICE] * 3
    assert {event.data["notice"] for event in events} == {notice.pk}
    for application in world.files:
        application.refresh_from_db()
        assert application.state == State.IN_NOTICE
    assert notice.status == NoticeStatus.PUBLISHED
    assert notice.starts_on == datetime.date(2026, 12, 1)
    assert timezone.localtime(notice.ends_at).isoformat() == "2026-12-07T23:59:59+08:00"
    assert "拟认定名单的公示" in notice.title and "第六条" in notice.body


def test_a_file_that_cannot_move_leaves_the_whole_notice_unpublished(approved, monkeypatch):
    world = approved
    notice = notices.create(world.staff, world.files)
    # A condition of the row refuses the last file (issue 12 will re-check eligibility here).
    last = world.files[2].pk
    refuse_last = Guard(
        lambda application, row, actor: ["不再符合申报条件"] if application.pk == last else []
    )
    with_row(monkeypatch, State.APPROVED, Action.PUBLISH_NOTICE, guards=(refuse_last,))
    before = AuditEvent.objects.count()

    with pytest.raises(notices.NoticeRefused) as refused:
        notices.publish(notice, world.staff)

    assert world.files[2].name in refused.value.messages[0]
    assert AuditEvent.objects.count() == before
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT and notice.ends_at is None


def test_a_published_notice_is_never_edited(approved, client):
    world = approved
    notice = notices.create(world.staff, world.files[:1])
    notices.publish(notice, world.staff)
    log_in(client, "staff")

    page = client.post(
        reverse("review:notice", args=[notice.pk]),
        {"op": "save", "title": "改过的标题", "body": "改过的正文"},
        follow=True,
    ).content.decode()

    notice.refresh_from_db()
    assert "公示已发布，不能再修改" in page
    assert notice.title != "改过的标题"


def test_staff_build_word_and_publish_a_notice_through_its_pages(approved, client):
    world = approved
    log_in(client, "staff")

    client.post(reverse("review:notices"), {"application": [app.pk for app in world.files[:2]]})
    notice = Notice.objects.get()
    url = reverse("review:notice", args=[notice.pk])
    unconfirmed = client.post(
        url, {"op": "publish", "title": "关于2026年度拟认定名单的公示", "body": "正文"}, follow=True
    )
    client.post(
        url, {"op": "publish", "title": "关于2026年度拟认定名单的公示", "body": "正文", "confirmed": "1"}
    )

    notice.refresh_from_db()
    assert "尚未发布" in unconfirmed.content.decode()
    assert notice.status == NoticeStatus.PUBLISHED and notice.title == "关于2026年度拟认定名单的公示"
    assert set(Notice.objects.get().items.values_list("application__state", flat=True)) == {State.IN_NOTICE}


def test_a_too_long_body_is_refused_and_comes_back(approved, client):
    world = approved
    notice = notices.create(world.staff, world.files[:1])
    log_in(client, "staff")
    too_long = "文" * (notices.NOTICE_BODY_MAX_CHARS + 1)

    page = client.post(
        reverse("review:notice", args=[notice.pk]),
        {"op": "save", "title": "标题", "body": too_long},
        follow=True,
    ).content.decode()

    assert "现为 3001 字" in page
    assert too_long in page


def test_the_file_page_does_not_publish_a_file_on_its_own(approved, client):
    world = approved
    log_in(client, "staff")
    application = world.files[0]

    page = client.post(
        reverse("review:act", args=[application.pk, Action.PUBLISH_NOTICE]),
        {"publish_notice-notice": "1"},
        follow=True,
    ).content.decode()

    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert "须在专门页面办理" in page
