"""Reminders (issue 11 §3): ``manage.py send_reminders``, run daily, mails (and in-portal
messages) through the outbox to the people who have something due.

Each source yields the reminders due today; each reminder has a key naming what it is about
and its stage (e.g. an expert's review three days before its deadline, then overdue). Sending
one writes a REMINDER_SENT record on the file's audit trail with that key, in the same
transaction as the mail, under the file's row lock: the same reminder never goes twice, run
the command as often as you like, twice at once included. Reminders to experts are internal
records (the applicant never sees who reviews the file) and mails only; reminders to an
alliance also reach its message list.

The sources are named by their dotted paths: the expert stage here; the annual reports and
the rectification orders add theirs.
"""

import calendar
import datetime
import functools
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from applications.enums import Activity, OutboxKind
from applications.models import Application, AuditEvent
from applications.outbox import notify
from applications.workflow import record, resolve

from .experts import open_assignment_filter
from .models import Assignment

# Days before an expert's deadline on which the expert is reminded (then once when overdue).
EXPERT_DAYS_BEFORE = 3


@dataclass(frozen=True)
class Reminder:
    kind: str
    application: Application
    # What the reminder is about and its stage; the same key is never sent twice.
    key: str
    people: tuple
    subject: object
    template: str
    context: dict = field(default_factory=dict)
    # Internal: an audit record the applicant does not see, and a mail only (no message).
    internal: bool = True
    # Asked again under the file's lock: is it still due (not submitted or withdrawn since)?
    still_due: object = None


def expert_reviews(today):
    """An expert whose review is still open: once ``EXPERT_DAYS_BEFORE`` days before the
    deadline (or on assignment within them), and once when it has passed."""
    assignments = (
        Assignment.objects.filter(
            open_assignment_filter(),
            due_on__lte=today + datetime.timedelta(days=EXPERT_DAYS_BEFORE),
            expert__user__is_active=True,
        )
        .exclude(expert__user__email="")
        .select_related("expert__user", "application")
        .order_by("due_on", "pk")
    )
    for assignment in assignments:
        overdue = assignment.due_on < today
        stage = "overdue" if overdue else "soon"
        yield Reminder(
            still_due=functools.partial(_open, assignment.pk),
            kind="expert_review",
            application=assignment.application,
            key=f"expert-review:{assignment.pk}:{assignment.due_on.isoformat()}:{stage}",
            people=(assignment.expert.user,),
            subject=EXPERT_OVERDUE if overdue else EXPERT_SOON,
            template="email/reminder_expert_review.txt",
            context={
                "due_on": assignment.due_on,
                "overdue": overdue,
                "days": (assignment.due_on - today).days,
            },
        )


def _open(pk):
    return Assignment.objects.filter(open_assignment_filter(), pk=pk).exists()


EXPERT_SOON = gettext_lazy("【朔州市联盟申报】评审提醒：“%(name)s”的评审意见请于 %(due_on)s 前提交")
EXPERT_OVERDUE = gettext_lazy("【朔州市联盟申报】评审逾期：“%(name)s”的评审意见已超过截止日期 %(due_on)s")


def annual_reports(today):
    """Art. 8: an alliance that owes the report whose deadline comes next and has not
    submitted it, on the edition's reminder days (15 January and 15 February by default) and
    its number of days before the deadline. A day missed (the command did not run) is made up
    the next day: the latest reminder day passed is the one sent, once."""
    from applications.models import reminder_days
    from applications.permissions import lead_unit_contacts

    from . import annual
    from .models import AnnualReport

    years = {}
    for application in (
        Application.objects.filter(state__in=annual.HOLDING)
        .select_related("edition", "lead_unit")
        .order_by("pk")
    ):
        edition = application.edition
        year = today.year - 1
        due = annual.due_on(edition, year)
        if today > due:
            continue
        stages = [
            # 29 February is the 28th in a common year.
            datetime.date(today.year, month, min(day, calendar.monthrange(today.year, month)[1]))
            for month, day in reminder_days(edition.annual_report_reminder_days)
        ]
        stages.append(due - datetime.timedelta(days=edition.annual_report_reminder_days_before))
        passed = [stage for stage in stages if stage <= today]
        if not passed:
            continue
        if year not in years:
            owing = set(annual.owing(year).values_list("pk", flat=True))
            counted = set(
                AnnualReport.objects.filter(year=year, status__in=annual.COUNTED).values_list(
                    "application_id", flat=True
                )
            )
            years[year] = owing - counted
        if application.pk not in years[year]:
            continue
        stage = max(passed)
        yield Reminder(
            still_due=functools.partial(_still_owed, application.pk, year),
            kind="annual_report",
            application=application,
            key=f"annual-report:{year}:{stage.isoformat()}",
            people=tuple(lead_unit_contacts(application.lead_unit_id)),
            subject=ANNUAL_SUBJECT,
            template="email/reminder_annual_report.txt",
            context={"year": year, "due_on": due, "days": (due - today).days + 1},
            internal=False,
        )


def _still_owed(pk, year):
    from . import annual
    from .models import AnnualReport

    return (
        Application.objects.filter(pk=pk, state__in=annual.HOLDING).exists()
        and not AnnualReport.objects.filter(application_id=pk, year=year, status__in=annual.COUNTED).exists()
    )


def _unanswered(pk):
    from .models import RectificationOrder

    return RectificationOrder.objects.filter(pk=pk, answered_at__isnull=True, closed_at__isnull=True).exists()


ANNUAL_SUBJECT = gettext_lazy("【朔州市联盟管理】请于 %(due_on)s 前报送“%(name)s”的年度材料")


def rectifications(today):
    """Art. 9: an alliance under rectification that has not answered its order, from
    ``RECTIFICATION_DAYS_BEFORE`` days before the deadline (once)."""
    from applications.permissions import lead_unit_contacts

    from .rectification import under_rectification

    for order in under_rectification().filter(
        answered_at__isnull=True,
        deadline__gte=today,
        deadline__lte=today + datetime.timedelta(days=RECTIFICATION_DAYS_BEFORE),
    ):
        application = order.application
        yield Reminder(
            still_due=functools.partial(_unanswered, order.pk),
            kind="rectification",
            application=application,
            key=f"rectification:{order.pk}:{order.deadline.isoformat()}",
            people=tuple(lead_unit_contacts(application.lead_unit_id)),
            subject=RECTIFICATION_SUBJECT,
            template="email/reminder_rectification.txt",
            context={"due_on": order.deadline, "days": (order.deadline - today).days + 1},
            internal=False,
        )


RECTIFICATION_DAYS_BEFORE = 3
RECTIFICATION_SUBJECT = gettext_lazy(
    "【朔州市联盟管理】整改期限将至：“%(name)s”请于 %(due_on)s 前报送整改情况"
)

# Where reminders come from.
SOURCES = [
    "review.reminders.expert_reviews",
    "review.reminders.annual_reports",
    "review.reminders.rectifications",
]


@dataclass
class Summary:
    sent: Counter = field(default_factory=Counter)
    already: int = 0
    dry_run: bool = False

    def line(self):
        parts = [f"{kind} {count}" for kind, count in sorted(self.sent.items())] or ["none due"]
        verb = "would send" if self.dry_run else "sent"
        return f"{verb}: {', '.join(parts)}; already sent before: {self.already}" + (
            " (dry run)" if self.dry_run else ""
        )


def already_sent(reminder):
    return AuditEvent.objects.filter(
        application=reminder.application, action=Activity.REMINDER_SENT, data__key=reminder.key
    ).exists()


def send_reminders(now=None, *, dry_run=False):
    """Send every reminder due on the Shanghai day of ``now`` not sent before."""
    today = timezone.localdate(now or timezone.now())
    summary = Summary(dry_run=dry_run)
    for source in SOURCES:
        for reminder in resolve(source)(today):
            with transaction.atomic():
                Application.objects.select_for_update().filter(pk=reminder.application.pk).first()
                if already_sent(reminder):
                    summary.already += 1
                    continue
                if reminder.still_due is not None and not reminder.still_due():
                    continue
                summary.sent[reminder.kind] += 1
                if not dry_run:
                    send(reminder)
    return summary


def send(reminder):
    application = reminder.application
    event = record(
        application,
        Activity.REMINDER_SENT,
        None,
        data={"key": reminder.key, "kind": reminder.kind},
        internal=reminder.internal,
    )
    context = {"application": application, **reminder.context}
    notify(
        reminder.people,
        kind=OutboxKind.REMINDER,
        subject=lambda context: reminder.subject % {"name": application.name, **_texts(context)},
        template=reminder.template,
        context=context,
        in_portal=None if reminder.internal else {"application": application, "event": event},
        application=application,
    )


def _texts(context):
    return {name: value.isoformat() for name, value in context.items() if isinstance(value, datetime.date)}
