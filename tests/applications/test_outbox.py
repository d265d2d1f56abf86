"""Mail as an outbox (issue 9, section 1): each recipient's language, a status, sent after the
commit, retried by ``send_outbox`` when the mail server was down, never sent twice (two runs at
once: test_concurrency.py)."""

import io
import re
import smtplib

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from applications import outbox, registration
from applications.enums import Action, OutboxKind, OutboxStatus, Role, State
from applications.models import OUTBOX_ERROR_MAX_CHARS, Notification, OutboxMessage, User
from applications.workflow import TABLE, prepare, transition

from ..factories import CommittingClient, UserFactory, log_in

HERE = __name__
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class ServerDown(BaseEmailBackend):
    """An SMTP server that does not answer: every send raises, as smtplib would."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("Connection unexpectedly closed: 421 service not available")


class RefusesOneAddress(LocmemBackend):
    """A server that refuses one recipient and delivers the rest."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if "refused@example.com" in message.to:
                raise smtplib.SMTPRecipientsRefused({"refused@example.com": (550, b"no such user")})
        return super().send_messages(email_messages)


class LongWinded(BaseEmailBackend):
    """A server whose refusal runs to pages."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("故障" * 2000)


def fresh_outbox():
    """Forget the mails that building a test's files queued (never sent: a test never commits)."""
    OutboxMessage.objects.all().delete()
    mail.outbox.clear()


def send_outbox(*args):
    out = io.StringIO()
    call_command("send_outbox", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def client():
    """The mails a request queues go out when it ends, as in production (CommittingClient)."""
    return CommittingClient()


# SMTP down ----------------------------------------------------------------------------------


def test_smtp_down_the_transition_commits_and_send_outbox_sends_the_mail_once_later(world, client, settings):
    application = world.application(State.SUBMITTED)
    prepare(application, TABLE[(State.SUBMITTED, Action.FORWARD)], world.unit)  # the unit's checks
    fresh_outbox()
    settings.EMAIL_BACKEND = f"{HERE}.ServerDown"
    client.force_login(world.unit)

    page = client.post(
        reverse("review:act", args=[application.pk, Action.FORWARD]),
        {"forward-comment": "材料齐全，同意报市科技局。"},
        follow=True,
    ).content.decode()

    # The file moved and the unit is told so; nothing went out, nothing is lost.
    application.refresh_from_db()
    assert application.state == State.FORWARDED
    assert "已完成“审核通过，报市科技局”" in page
    assert mail.outbox == []
    waiting = OutboxMessage.objects.filter(application=application).order_by("pk")
    assert [(m.to_address, m.status) for m in waiting] == [
        (world.applicant.email, OutboxStatus.QUEUED),
        (world.staff.email, OutboxStatus.QUEUED),
    ]
    # The first failure is the server's: it is recorded, and the second is not tried in vain.
    first, second = waiting
    assert (first.attempts, second.attempts) == (1, 0)
    assert first.last_error == "SMTPException: Connection unexpectedly closed: 421 service not available"
    # The in-portal messages do not wait for the mail server.
    assert Notification.objects.filter(application=application, event__action=Action.FORWARD).count() == 2

    # Still down: the run tries the mail tried least (the second), and stops again.
    assert send_outbox() == "sent 0, failed 1, still queued 2"
    second.refresh_from_db()
    assert second.attempts == 1 and second.last_error.startswith("SMTPException:")

    settings.EMAIL_BACKEND = LOCMEM
    assert send_outbox() == "sent 2, failed 0, still queued 0"
    assert sorted(message.to[0] for message in mail.outbox) == [world.applicant.email, world.staff.email]
    assert "待市科技局形式审查" in mail.outbox[0].body
    first.refresh_from_db()
    assert (first.status, first.attempts, first.last_error) == (OutboxStatus.SENT, 2, "")
    assert first.sent_at is not None
    # Idempotent: nothing is sent twice.
    assert send_outbox() == "sent 0, failed 0, still queued 0"
    assert len(mail.outbox) == 2


def test_a_refused_address_keeps_its_mail_queued_and_the_others_go(
    world, settings, django_capture_on_commit_callbacks
):
    UserFactory(
        username="refused", email="refused@example.com", role=Role.APPLICANT, organisation=world.organisation
    )
    application = world.application(complete=True)
    fresh_outbox()
    settings.EMAIL_BACKEND = f"{HERE}.RefusesOneAddress"
    with django_capture_on_commit_callbacks(execute=True):
        transition(application, Action.SUBMIT, world.applicant, declared=True)

    # The organising unit is told; the refused contact's mail waits, with the server's answer.
    assert [message.to for message in mail.outbox] == [[world.unit.email]]
    waiting = OutboxMessage.objects.get(status=OutboxStatus.QUEUED)
    assert waiting.to_address == "refused@example.com"
    assert waiting.last_error.startswith("SMTPRecipientsRefused:") and "no such user" in waiting.last_error
    assert send_outbox("--limit", "5") == "sent 0, failed 1, still queued 1"
    waiting.refresh_from_db()
    assert waiting.attempts == 2


def test_the_error_kept_is_bounded(db, settings):
    message = OutboxMessage.objects.create(
        to_address="someone@example.com", language="zh-hans", subject="s", body="b", kind=OutboxKind.ACCOUNT
    )
    settings.EMAIL_BACKEND = f"{HERE}.LongWinded"
    assert outbox.send_pending() == outbox.Sending(sent=0, failed=1)
    message.refresh_from_db()
    assert len(message.last_error) == OUTBOX_ERROR_MAX_CHARS and message.last_error.endswith("…")
    assert message.body == "b"  # an account mail keeps its body until it is sent


def test_send_outbox_refuses_a_limit_below_one(db):
    with pytest.raises(CommandError, match="at least 1"):
        send_outbox("--limit", "0")


def test_send_outbox_sends_at_most_its_limit_fewest_attempts_first(world):
    tried = OutboxMessage.objects.create(
        to_address="old@example.com",
        language="zh-hans",
        subject="旧",
        body="b",
        kind="transition",
        attempts=3,
    )
    for number in range(3):
        OutboxMessage.objects.create(
            to_address=f"new{number}@example.com",
            language="zh-hans",
            subject="新",
            body="b",
            kind="transition",
        )
    assert send_outbox("--limit", "2") == "sent 2, failed 0, still queued 2"
    assert [message.to for message in mail.outbox] == [["new0@example.com"], ["new1@example.com"]]
    assert send_outbox() == "sent 2, failed 0, still queued 0"
    assert mail.outbox[-1].to == [tried.to_address]


# The recipient's language -------------------------------------------------------------------


def test_each_recipient_reads_their_own_language_whatever_the_clerk_speaks(world, client):
    application = world.application(State.SUBMITTED)
    prepare(application, TABLE[(State.SUBMITTED, Action.FORWARD)], world.unit)  # the unit's checks
    User.objects.filter(pk=world.staff.pk).update(language="en")
    fresh_outbox()
    client.force_login(world.unit)
    # The clerk works in English: the switcher also makes it the language of the clerk's mail.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    world.unit.refresh_from_db()
    assert world.unit.language == "en"

    page = client.post(
        reverse("review:act", args=[application.pk, Action.FORWARD]),
        {"forward-comment": "同意。"},
        follow=True,
    ).content.decode()
    assert "Approve and forward to the Bureau" in page

    by_address = {message.to[0]: message for message in mail.outbox}
    chinese, english = by_address[world.applicant.email], by_address[world.staff.email]
    assert chinese.subject == f"【朔州市联盟申报】{application.name}：待市科技局形式审查"
    assert f"联盟申报“{application.name}”有新的办理进展：" in chinese.body
    assert "审核通过，报市科技局" in chinese.body and "待组织单位审核 → 待市科技局形式审查" in chinese.body
    assert not re.search(r"[A-Za-z]{4}", chinese.body.replace("@", ""))
    assert english.subject == (
        f"[Shuozhou Alliance Applications] {application.name}: Awaiting the Bureau's formal check"
    )
    assert "There is new progress on the alliance application" in english.body
    assert "Approve and forward to the Bureau" in english.body
    # The outbox records the language; the in-portal messages say the same as the mails.
    assert dict(OutboxMessage.objects.values_list("to_address", "language")) == {
        world.applicant.email: "zh-hans",
        world.staff.email: "en",
    }
    for recipient, sent in ((world.applicant, chinese), (world.staff, english)):
        notification = Notification.objects.get(recipient=recipient, application=application)
        assert (notification.subject, notification.body) == (sent.subject, sent.body)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "的单位注册已经朔城区科技局审核通过。"),
        ("en", "has been approved by Shuocheng District Science and Technology Bureau."),
    ],
)
def test_a_registration_decision_reaches_the_contact_in_the_contacts_language(
    world, language, expected, django_capture_on_commit_callbacks
):
    claimant = world.claimant()
    User.objects.filter(pk=claimant.pk).update(language=language)
    mail.outbox.clear()
    clerk_speaks = "en" if language == "zh-hans" else "zh-hans"
    with translation.override(clerk_speaks), django_capture_on_commit_callbacks(execute=True):
        registration.decide(claimant.organisation, world.unit, approve=True)
    (sent,) = mail.outbox
    assert sent.to == [claimant.email] and expected in sent.body


def test_the_switcher_keeps_a_signed_in_users_language_and_leaves_anonymous_visits_alone(world, client):
    answer = client.post(reverse("set_language"), {"language": "en", "next": "/policy/"})
    assert (
        answer["Location"] == "/policy/"
        and answer.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    )
    assert set(User.objects.values_list("language", flat=True)) == {"zh-hans"}

    log_in(client, "applicant")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert User.objects.get(pk=world.applicant.pk).language == "en"
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})  # not offered: ignored
    assert User.objects.get(pk=world.applicant.pk).language == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert User.objects.get(pk=world.applicant.pk).language == "zh-hans"


def test_a_sign_up_made_in_english_gets_its_confirmation_in_english(db, client):
    from .test_accounts import registration as sign_up

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("accounts:register"), sign_up())
    account = User.objects.get(email="qian@example.com")
    assert account.language == "en"
    (sent,) = mail.outbox
    assert sent.subject == "[Shuozhou Alliance Applications] Please confirm your email address"
    assert "/accounts/confirm/" in sent.body


# Secret links -------------------------------------------------------------------------------


def test_a_password_reset_link_is_not_kept_once_sent_but_is_kept_until_then(world, client, settings):
    User.objects.filter(pk=world.staff.pk).update(language="en")
    settings.EMAIL_BACKEND = f"{HERE}.ServerDown"
    client.post(reverse("accounts:password_reset"), {"email": world.staff.email})
    waiting = OutboxMessage.objects.get(kind=OutboxKind.ACCOUNT)
    # Until it is sent the link is needed to send it again.
    assert "/accounts/reset/" in waiting.body and waiting.status == OutboxStatus.QUEUED

    settings.EMAIL_BACKEND = LOCMEM
    assert send_outbox() == "sent 1, failed 0, still queued 0"
    (sent,) = mail.outbox
    assert (
        sent.subject == "[Shuozhou Alliance Applications] Reset your password"
        and "/accounts/reset/" in sent.body
    )
    waiting.refresh_from_db()
    assert (waiting.status, waiting.body, waiting.subject) == (OutboxStatus.SENT, "", sent.subject)


def test_a_confirmation_link_is_not_kept_once_sent(db, client):
    from .test_accounts import registration as sign_up

    client.post(reverse("accounts:register"), sign_up())
    (sent,) = mail.outbox
    assert "/accounts/confirm/" in sent.body
    record = OutboxMessage.objects.get(to_address="qian@example.com")
    assert (record.kind, record.status, record.body) == (OutboxKind.ACCOUNT, OutboxStatus.SENT, "")
    assert record.subject == "【朔州市联盟申报】请确认您的邮箱"


# Drafts --------------------------------------------------------------------------------------


def letters(world, application):
    """Letters as the Party group's decisions will queue them: drafts, for staff to read."""
    return outbox.notify(
        [world.applicant],
        kind=OutboxKind.LETTER,
        subject=lambda context: f"【朔州市联盟申报】{context['name']}：决定通知",
        template="email/transition.txt",
        context={"application": application, "event": application.events.last(), "name": application.name},
        application=application,
        created_by=world.staff,
        status=OutboxStatus.DRAFT,
    )


def test_a_draft_is_not_sent_until_released_and_then_once(world, django_capture_on_commit_callbacks):
    application = world.application(State.AWAITING_DECISION)
    fresh_outbox()
    with django_capture_on_commit_callbacks(execute=True):
        (letter,) = letters(world, application)
    assert letter.status == OutboxStatus.DRAFT and mail.outbox == []
    assert send_outbox() == "sent 0, failed 0, still queued 0"
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.release([letter], by=world.staff) == 1
    assert [message.subject for message in mail.outbox] == [f"【朔州市联盟申报】{application.name}：决定通知"]
    letter.refresh_from_db()
    assert (letter.status, letter.released_by) == (OutboxStatus.SENT, world.staff)
    assert letter.released_at is not None and letter.sent_at >= letter.released_at
    # Released once: again, nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.release(OutboxMessage.objects.filter(pk=letter.pk), by=world.staff) == 0
    assert send_outbox() == "sent 0, failed 0, still queued 0"
    assert len(mail.outbox) == 1


def test_a_draft_has_no_in_portal_message_to_give_it_away_before_release(world):
    application = world.application(State.AWAITING_DECISION)
    with pytest.raises(ValueError, match="reaches no one before release"):
        outbox.notify(
            [world.applicant],
            kind=OutboxKind.LETTER,
            subject="决定通知",
            template="email/transition.txt",
            context={"application": application},
            in_portal={"application": application, "event": application.events.last()},
            status=OutboxStatus.DRAFT,
        )


def test_a_rolled_back_notification_leaves_no_mail(world, django_capture_on_commit_callbacks):
    application = world.application(State.AWAITING_DECISION)
    before = OutboxMessage.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        row = TABLE[(State.AWAITING_DECISION, Action.APPROVE)]
        transition(application, Action.APPROVE, world.staff, data=prepare(application, row, world.staff))
        raise RuntimeError("a later step of the same decision failed")
    assert OutboxMessage.objects.count() == before
    assert not Notification.objects.filter(event__action=Action.APPROVE).exists()


# The admin -----------------------------------------------------------------------------------


def test_the_admin_lists_the_outbox_read_only_filtered_by_status_without_secret_links(world, client):
    OutboxMessage.objects.create(
        to_address="queued@example.com", language="en", subject="排队中的邮件", body="b", kind="transition"
    )
    OutboxMessage.objects.create(
        to_address="sent@example.com",
        language="zh-hans",
        subject="已发出的邮件",
        body="b",
        kind="transition",
        status=OutboxStatus.SENT,
    )
    secret = OutboxMessage.objects.create(
        to_address="reset@example.com",
        language="zh-hans",
        subject="重设密码",
        body="http://testserver/accounts/reset/MQ/secret-token/",
        kind=OutboxKind.ACCOUNT,
    )
    client.force_login(world.admin)
    listing = client.get(reverse("admin:applications_outboxmessage_changelist"), {"status__exact": "queued"})
    text = listing.content.decode()
    assert "排队中的邮件" in text and "重设密码" in text and "已发出的邮件" not in text
    assert reverse("admin:applications_outboxmessage_add") not in text
    detail = client.get(reverse("admin:applications_outboxmessage_change", args=[secret.pk])).content.decode()
    assert "reset@example.com" in detail and "secret-token" not in detail
    assert (
        client.post(reverse("admin:applications_outboxmessage_delete", args=[secret.pk])).status_code == 403
    )
