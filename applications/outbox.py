"""Mail as an outbox: every e-mail of the portal is an :class:`OutboxMessage` first.

:func:`notify` is the one way to tell people of something: it renders each person's mail and
in-portal message in that person's language (``User.language``, not the language of whoever
acted), stores them in the caller's transaction, and sends the mails once it commits. A mail
that cannot be sent then (the SMTP server is down) stays queued with its error, and
``manage.py send_outbox`` (cron, every few minutes) tries it again: nothing is dropped, and
nothing reported by a transaction that rolled back goes out. A draft (a decision letter of
Art. 6) waits until staff have read it and :func:`release` it.
"""

import logging
import smtplib
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator

from .enums import OutboxKind, OutboxStatus
from .models import OUTBOX_ERROR_MAX_CHARS, Notification, OutboxMessage

logger = logging.getLogger(__name__)

DRAFT, QUEUED, SENT = OutboxStatus.DRAFT, OutboxStatus.QUEUED, OutboxStatus.SENT
SUBJECT_MAX_CHARS = OutboxMessage._meta.get_field("subject").max_length
# What one run of ``send_outbox`` sends at most by default; the next run goes on.
SEND_LIMIT = 200

# Errors of one message (its address refused, its content rejected): the next message may
# still go. Any other error (no connection, a timeout, a login refused) is the server's: the
# rest of the run would only wait for the same timeout, one message after the other.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def supported_language(code):
    """``code`` if the portal speaks it (settings.LANGUAGES), else the default (zh-hans)."""
    code = (code or "").lower()
    if code in dict(settings.LANGUAGES):
        return code
    return settings.LANGUAGE_CODE


def active_language():
    """The language of the current request or command, as a ``User.language`` value."""
    return supported_language(translation.get_language())


def one_line(text):
    """A subject is one header line: a line break typed into a name must not break the mail."""
    return Truncator(" ".join(str(text).split())).chars(SUBJECT_MAX_CHARS)


def notify(
    people,
    *,
    kind,
    subject,
    template,
    context,
    in_portal=None,
    application=None,
    created_by=None,
    status=QUEUED,
):
    """Tell ``people`` (users) of an event, each in their own language; returns the mails.

    ``subject`` is a (lazy) text or a function of ``context``, and ``template`` the body's
    template; both are rendered under ``translation.override(person.language)``, so that
    the lazy labels of the context come out in that language. ``in_portal`` holds the links
    of the in-portal message (``application`` and ``event``, or ``registration_event``); with
    None there is none (account mails). A person without an address gets the in-portal
    message only.

    Everything is written in the caller's transaction; mails with ``status=QUEUED`` are sent
    once it commits (a rollback sends nothing), a ``DRAFT`` only after :func:`release`. A
    draft has no in-portal message: nothing of it reaches anyone before staff have read it.
    """
    if status == DRAFT and in_portal is not None:
        raise ValueError("a draft has no in-portal message: it reaches no one before release()")
    notices, mails = [], []
    # The context names no recipient: rendered once per language, not once per person.
    rendered = {}
    for person in people:
        language = supported_language(person.language)
        if language not in rendered:
            rendered[language] = _render(language, subject, template, context)
        title, body = rendered[language]
        if in_portal is not None:
            notices.append(Notification(recipient=person, subject=title, body=body, **in_portal))
        if person.email:
            mails.append(
                OutboxMessage(
                    recipient=person,
                    to_address=person.email,
                    language=language,
                    subject=title,
                    body=body,
                    kind=kind,
                    status=status,
                    application=application,
                    created_by=created_by,
                )
            )
    Notification.objects.bulk_create(notices)
    mails = OutboxMessage.objects.bulk_create(mails)
    _send_after_commit([mail.pk for mail in mails if mail.status == QUEUED])
    return mails


def _render(language, subject, template, context):
    """``(subject, body)`` in ``language``: the lazy labels of the context come out in it."""
    with translation.override(language):
        title = one_line(subject(context) if callable(subject) else subject)
        return title, render_to_string(template, context)


def mail_address(address, *, language, kind, subject, template, context, application=None, created_by=None):
    """Mail someone who has no account (an objector to a public notice, Art. 6): one mail
    to ``address`` in ``language``, queued and sent once the caller's transaction commits,
    as :func:`notify` does for users. No in-portal message: there is no one to read it."""
    language = supported_language(language)
    title, body = _render(language, subject, template, context)
    mail = OutboxMessage.objects.create(
        recipient=None,
        to_address=address,
        language=language,
        subject=title,
        body=body,
        kind=kind,
        status=QUEUED,
        application=application,
        created_by=created_by,
    )
    _send_after_commit([mail.pk])
    return mail


# A release sends at once up to this many mails, in the request; more are left to send_outbox,
# so that a slow mail server cannot hold a clerk's page for minutes (issue 9 review).
SEND_NOW_MAX = 20


def release(messages, *, by):
    """Let drafts go out (issue 9: staff read the decision letters, then send them in bulk).

    ``messages`` are outbox messages (a list or a queryset); only those still drafts are
    released, each once, recorded with ``by`` and the time, and sent once the transaction
    commits. Returns how many were released.
    """
    pks = [message.pk for message in messages]
    with transaction.atomic():
        drafts = OutboxMessage.objects.select_for_update().filter(pk__in=pks, status=DRAFT)
        released = list(drafts.values_list("pk", flat=True))
        OutboxMessage.objects.filter(pk__in=released).update(
            status=QUEUED, released_by=by, released_at=timezone.now()
        )
        if len(released) <= SEND_NOW_MAX:
            _send_after_commit(released)
    return len(released)


def _send_after_commit(pks):
    if pks:
        # robust: a mail server that is down must not turn what committed into an error page;
        # the messages stay queued for send_outbox either way.
        transaction.on_commit(partial(send_queued, pks), robust=True)


@dataclass(frozen=True)
class Sending:
    """What a run of sending did: mails sent, and attempts that failed (those stay queued)."""

    sent: int = 0
    failed: int = 0


def send_queued(pks):
    """Send the queued messages ``pks`` (what :func:`notify` just queued), one by one."""
    return _send_each(pks)


def send_pending(limit=SEND_LIMIT):
    """Send up to ``limit`` queued messages, those tried least often first (``send_outbox``).

    Fewest attempts first: an address that refuses every time does not keep new mail waiting.
    """
    pks = OutboxMessage.objects.filter(status=QUEUED).order_by("attempts", "pk").values_list("pk", flat=True)
    return _send_each(list(pks[:limit]))


def still_queued():
    return OutboxMessage.objects.filter(status=QUEUED).count()


def _send_each(pks):
    sent = failed = 0
    # One connection for the run (opened by the first message), not one per message.
    connection = get_connection()
    try:
        for pk in pks:
            outcome = _send_one(pk, connection)
            if outcome is None:
                continue  # sent meanwhile, being sent by another run, or not queued
            if outcome is True:
                sent += 1
                continue
            failed += 1
            if not isinstance(outcome, MESSAGE_ERRORS):
                break  # the server's trouble: the rest stay queued, untried, for the next run
    finally:
        try:
            connection.close()
        except Exception:  # a connection that broke while sending: nothing left to close
            logger.warning("closing the mail connection failed", exc_info=True)
    return Sending(sent=sent, failed=failed)


def _send_one(pk, connection):
    """Send message ``pk`` if it is (still) queued: True if sent, None if it was not queued or
    another run holds it, the exception if sending failed.

    The message is claimed under its row lock (``skip_locked``: a second run passes it by)
    and marked sent in the same transaction as it is sent; a failed send rolls that back, so
    it is queued again, and only then its attempt and error are recorded. A message is thus
    sent once, whoever sends at the same time. (Should the process die between the server's
    acceptance and the commit, the message stays queued and goes again: the one window in
    which the server could see it twice.) SQLite takes no row locks: there its transaction
    holds the database's write lock instead, for the length of one send.
    """
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=pk, status=QUEUED).first()
            )
            if message is None:
                return None
            mail = EmailMessage(
                message.subject,
                message.body,
                settings.DEFAULT_FROM_EMAIL,
                [message.to_address],
                connection=connection,
            )
            message.status = SENT
            message.sent_at = timezone.now()
            message.attempts += 1
            message.last_error = ""
            if message.kind == OutboxKind.ACCOUNT:
                # A confirmation or password-reset link opens an account: once it is in the
                # recipient's mailbox, no copy stays in the database for anyone who reads it
                # (an administrator, a backup). The subject and status remain as the record.
                message.body = ""
            message.save(update_fields=["status", "sent_at", "attempts", "last_error", "body"])
            connection.open()
            mail.send()
    except Exception as error:  # whatever the backend raises, the message stays queued
        OutboxMessage.objects.filter(pk=pk, status=QUEUED).update(
            attempts=F("attempts") + 1, last_error=_error_text(error)
        )
        logger.warning("mail %s to be sent again later: %s", pk, error)
        return error
    return True


def _error_text(error):
    text = " ".join(f"{type(error).__name__}: {error}".split())
    if len(text) > OUTBOX_ERROR_MAX_CHARS:
        text = text[: OUTBOX_ERROR_MAX_CHARS - 1] + "…"
    return text
