"""The in-portal messages (站内消息): what the list and a message show, reading, pages, access."""

import datetime

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.enums import Action, State
from applications.models import Notification
from applications.notifications import HEADLINES, PER_PAGE
from applications.workflow import transition

LIST = reverse("accounts:notifications")


def message_url(notification):
    return reverse("accounts:notification", args=[notification.pk])


def copies(notification, count):
    """``count`` more messages like ``notification``, a minute apart and older than it."""
    return Notification.objects.bulk_create(
        [
            Notification(
                recipient=notification.recipient,
                application=notification.application,
                event=notification.event,
                subject=notification.subject,
                body=notification.body,
                created_at=notification.created_at - datetime.timedelta(minutes=n + 1),
            )
            for n in range(count)
        ]
    )


def test_every_action_has_a_headline():
    assert set(HEADLINES) == set(Action)


def test_list_shows_a_headline_the_reason_and_a_link_to_the_applicants_file(world, client):
    application = world.application(State.RETURNED)
    client.force_login(world.applicant)
    page = client.get(LIST).content.decode()
    assert "申报被组织单位退回修改" in page
    assert "退回理由：测试意见" in page
    assert f'href="{reverse("applications:detail", args=[application.pk])}">{application.name}</a>' in page
    # Not the e-mail: no greeting line, no sign-off, no request to log in.
    assert "有新的办理进展" not in page
    assert "请登录朔州市产业技术创新战略联盟管理平台查看详情" not in page


def test_a_reviewer_is_linked_to_the_files_review_page(world, client):
    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    page = client.get(LIST).content.decode()
    assert "申报已提交，待组织单位审核" in page
    assert f'href="{reverse("review:detail", args=[application.pk])}">{application.name}</a>' in page
    assert reverse("applications:detail", args=[application.pk]) not in page


def test_a_message_without_a_comment_says_how_the_state_changed(world, client):
    application = world.application(complete=True)
    transition(application, Action.SUBMIT, world.applicant, declared=True)
    client.force_login(world.unit)
    page = client.get(LIST).content.decode()
    assert "状态由“草稿”变为“待组织单位审核”。" in page


def test_a_long_reason_is_cut_in_the_list_and_whole_in_the_message(world, client):
    application = world.application(State.SUBMITTED)
    reason = "联盟协议缺少成员单位签章页。" * 20
    transition(application, Action.RETURN, world.unit, comment=reason, data={"items": ["seals"]})
    client.force_login(world.applicant)
    listed = client.get(LIST).content.decode()
    assert reason not in listed
    assert "退回理由：联盟协议缺少成员单位签章页。联盟协议" in listed
    notification = world.applicant.notifications.get(event__action=Action.RETURN)
    opened = client.get(message_url(notification)).content.decode()
    assert reason in opened


def test_unread_messages_are_marked_and_listing_them_reads_none(world, client):
    world.application(State.RETURNED)
    client.force_login(world.applicant)
    page = client.get(LIST).content.decode()
    assert page.count('class="list-group-item message message-unread"') == 1
    assert world.applicant.notifications.filter(read_at__isnull=True).count() == 1


def test_opening_a_message_reads_it(world, client):
    application = world.application(State.RETURNED)
    client.force_login(world.applicant)
    notification = world.applicant.notifications.get()

    opened = client.get(message_url(notification)).content.decode()

    assert "申报被组织单位退回修改" in opened
    assert "测试意见" in opened
    assert reverse("applications:detail", args=[application.pk]) in opened
    notification.refresh_from_db()
    assert notification.read_at is not None
    # The menu's badge no longer counts it, on this very page already.
    assert "条未读" not in opened
    assert 'message-unread"' not in client.get(LIST).content.decode()


def test_opening_a_read_message_keeps_its_first_reading_time(world, client):
    world.application(State.RETURNED)
    client.force_login(world.applicant)
    notification = world.applicant.notifications.get()
    first = timezone.now() - datetime.timedelta(days=3)
    Notification.objects.filter(pk=notification.pk).update(read_at=first)
    client.get(message_url(notification))
    notification.refresh_from_db()
    assert notification.read_at == first


def test_someone_elses_message_answers_404_and_stays_unread(world, client):
    world.application(State.SUBMITTED)
    notification = world.unit.notifications.get()
    for intruder in (world.other_unit, world.staff, world.applicant):
        client.force_login(intruder)
        response = client.get(message_url(notification))
        assert response.status_code == 404
        assert notification.application.name not in response.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_reads_only_the_users_own_messages_in_one_update(world, client):
    application = world.application(State.SUBMITTED)
    copies(world.unit.notifications.get(), 30)
    world.application(State.RETURNED)  # the applicant's message, which stays unread
    assert world.unit.notifications.filter(read_at__isnull=True).count() == 32
    client.force_login(world.unit)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("accounts:notifications_read_all"))

    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "applications_notification" in updates[0]
    assert response["Location"] == LIST
    assert not world.unit.notifications.filter(read_at__isnull=True).exists()
    assert world.applicant.notifications.filter(read_at__isnull=True).count() == 1
    page = client.get(LIST).content.decode()
    assert "已将 32 条消息标为已读。" in page
    assert application.name in page


def test_mark_all_read_needs_a_post_with_the_csrf_token(world):
    world.application(State.SUBMITTED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.unit)
    url = reverse("accounts:notifications_read_all")
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert world.unit.notifications.filter(read_at__isnull=True).count() == 1
    token = client.get(LIST).cookies["csrftoken"].value
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not world.unit.notifications.filter(read_at__isnull=True).exists()


def test_messages_come_a_page_at_a_time_and_any_page_number_answers(world, client):
    world.application(State.SUBMITTED)
    newest = world.unit.notifications.get()
    oldest = copies(newest, 2 * PER_PAGE + 4)[-1]  # 45 in all: pages of 20, 20 and 5
    client.force_login(world.unit)

    first = client.get(LIST).content.decode()
    assert first.count('class="list-group-item message') == PER_PAGE
    assert message_url(newest) in first and message_url(oldest) not in first
    assert '<span class="page-link">1</span>' in first and 'href="?page=3"' in first
    assert "共 45 条" in first

    last = client.get(LIST, {"page": 3}).content.decode()
    assert last.count('class="list-group-item message') == 5
    assert message_url(oldest) in last

    for bad, shown in [("abc", 1), ("", 1), ("0", 3), ("-2", 3), ("4", 3), ("9" * 40, 3), ("1e400", 1)]:
        response = client.get(LIST, {"page": bad})
        assert response.status_code == 200, bad
        assert f'<li class="page-item active" aria-current="page"><span class="page-link">{shown}</span>' in (
            response.content.decode()
        ), bad


def test_the_unread_filter_lists_unread_messages_only_and_keeps_to_it_across_pages(world, client):
    world.application(State.SUBMITTED)
    newest = world.unit.notifications.get()
    older = copies(newest, PER_PAGE + 5)
    Notification.objects.filter(pk=older[0].pk).update(read_at=timezone.now())
    client.force_login(world.unit)

    unread = client.get(LIST, {"show": "unread"}).content.decode()
    assert message_url(older[0]) not in unread
    assert "共 25 条" in unread
    assert 'href="?show=unread&amp;page=2"' in unread

    Notification.objects.update(read_at=timezone.now())
    none = client.get(LIST, {"show": "unread"}).content.decode()
    assert "没有未读消息。" in none


def test_message_list_query_count_does_not_grow_with_messages(world, client):
    world.application(State.SUBMITTED)
    client.force_login(world.unit)
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).content.decode().count('class="list-group-item message') == 1
    copies(world.unit.notifications.get(), 2 * PER_PAGE)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).content.decode().count('class="list-group-item message') == PER_PAGE
    assert len(many) == len(one)


def test_text_in_angle_brackets_is_sent_as_typed_and_shown_escaped_once(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    """A plain-text e-mail is not HTML: ``<`` and ``&`` go out as typed. The pages escape them
    once, so that the reader sees the same characters and no markup runs."""
    reason = "请补充 <script>alert(1)</script> & “研发投入 > 5%” 的证明"
    application = world.application(State.SUBMITTED, name="晋北<新材料>&联盟")
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.RETURN, world.unit, comment=reason, data={"items": ["seals"]})
    mail = mailoutbox[-1]
    assert reason in mail.body and "晋北<新材料>&联盟" in mail.body
    assert "&lt;" not in mail.body and "&amp;" not in mail.body
    client.force_login(world.applicant)
    notification = Notification.objects.filter(recipient=world.applicant).latest("pk")
    for page in (client.get(LIST).content.decode(), client.get(message_url(notification)).content.decode()):
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in page
        assert "<script>alert(1)" not in page and "&amp;lt;" not in page
