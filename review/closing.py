"""Closing a public notice once its period has ended (Art. 6: 公示期满无异议后认定).

For every published notice whose period is over, each listed file still 公示中 is:

- recognised (RECOGNIZE, by the system) when no objection is pending or upheld;
- sent back to the Party group (UPHOLD_OBJECTION, by the system) when an upheld objection
  did not already send it back (the bureau's uphold normally does, at once);
- held while an objection is pending, and the bureau told, once a day per file.

``manage.py close_notices`` runs it daily; the bureau runs it for one notice from the
notice's page. It is idempotent: a second run finds nothing left to recognise or send back,
and tells no one again the same day. ``dry_run`` does everything in a transaction that is
rolled back, so that it reports exactly what a run would do and changes nothing.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.enums import Action, Activity, OutboxKind, Role, State
from applications.models import AuditEvent, User
from applications.outbox import notify
from applications.workflow import TransitionError, record, transition

from . import notices
from .models import Notice, NoticeStatus, ObjectionStatus
from .objections import open_objections


@dataclass
class Closing:
    """What a run did (or, with ``dry_run``, would do)."""

    recognised: list = field(default_factory=list)
    sent_back: list = field(default_factory=list)
    held: list = field(default_factory=list)
    # Listed on another notice (a correction) still running: left for a later run.
    waiting: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    dry_run: bool = False

    def line(self):
        """The one line the command prints."""
        text = (
            f"recognised {len(self.recognised)}, sent back {len(self.sent_back)}, "
            f"held {len(self.held)}, notices {len(self.notices)}"
        )
        if self.waiting:
            text += f", waiting for another notice {len(self.waiting)}"
        return text + (" (dry run)" if self.dry_run else "")

    def message(self):
        """The same, for the bureau's page."""
        return _("已认定 %(recognised)d 个，退回党组会 %(sent_back)d 个，因异议待处理暂缓 %(held)d 个。") % {
            "recognised": len(self.recognised),
            "sent_back": len(self.sent_back),
            "held": len(self.held),
        }


class DryRun(Exception):
    """Raised to roll a dry run back."""


def ended_notices(now=None):
    now = now or timezone.now()
    return Notice.objects.filter(status=NoticeStatus.PUBLISHED, ends_at__lt=now).order_by("ends_at", "pk")


def close_notices(now=None, dry_run=False, notice=None):
    """Close the ended notices (or only ``notice``); returns a :class:`Closing`."""
    now = now or timezone.now()
    closing = Closing(dry_run=dry_run)
    try:
        with transaction.atomic():
            _close(closing, now, notice)
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    return closing


def _close(closing, now, only):
    chosen = ended_notices(now)
    if only is not None:
        chosen = chosen.filter(pk=only.pk)
    for notice in chosen:
        items = notice.items.filter(application__state=State.IN_NOTICE).select_related("application")
        items = list(items.order_by("position", "pk"))
        if not items:
            continue
        closing.notices.append(notice)
        for item in items:
            _close_file(closing, item.application, now)


def _close_file(closing, application, now):
    application.refresh_from_db()
    if application.state != State.IN_NOTICE:
        return  # listed on two ended notices: closed with the first
    running = [other for other in notices.notices_listing(application) if notices.is_open(other, now)]
    if running:
        closing.waiting.append(application)
        return
    blocking = list(open_objections(application))
    upheld = [objection for objection in blocking if objection.status == ObjectionStatus.UPHELD]
    if upheld:
        transition(
            application,
            Action.UPHOLD_OBJECTION,
            None,
            # The lead unit reads the comment: the receipt number stays in the event's data,
            # which only the bureau sees (ObjectionRecord.internal_fields).
            comment=_("公示期满时异议已成立，退回党组会研究（第六条）。"),
            data={"objection": upheld[0].pk},
        )
        closing.sent_back.append(application)
    elif blocking:
        _hold(application, blocking, now)
        closing.held.append(application)
    else:
        try:
            transition(application, Action.RECOGNIZE, None)
        except TransitionError:
            # A condition of the row not met (another module's guard): it stays 公示中, and
            # the bureau sees why on the file's page.
            closing.held.append(application)
            return
        closing.recognised.append(application)


def _hold(application, pending, now):
    """Tell the bureau that ``application`` waits for its objections: once a day per file."""
    today = timezone.localdate(now)
    told = AuditEvent.objects.filter(
        application=application, action=Activity.OBJECTION_HOLD, created_at__date=today
    ).exists()
    if told:
        return
    event = record(
        application,
        Activity.OBJECTION_HOLD,
        None,
        data={"objection": pending[0].pk, "receipt": pending[0].receipt_number},
    )
    notify(
        list(User.objects.filter(is_active=True, role=Role.STAFF).order_by("pk")),
        kind=OutboxKind.TRANSITION,
        subject=lambda context: (
            _("【朔州市联盟申报】%(name)s：公示期满，异议待处理") % {"name": application.name}
        ),
        template="email/objection_hold.txt",
        context={"application": application, "objections": pending},
        in_portal={"application": application, "event": event},
        application=application,
    )
