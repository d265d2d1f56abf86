"""Reminders (issue 11 §3): ``manage.py send_reminders`` sends each reminder once, whatever how
often it runs; experts are reminded of a review due soon and of one overdue."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from applications.enums import Activity, OutboxKind, State
from applications.models import AuditEvent, Notification, OutboxMessage
from review import experts as pool
from review.models import Assignment

from ..conftest import World
from ..factories import PolicyEditionFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def under_review(db):
    """A file under review whose experts' reviews are due on 2026-12-10 (Shanghai)."""
    world = World(PolicyEditionFactory())
    world.file = world.application(State.UNDER_REVIEW)
    Assignment.objects.filter(application=world.file).update(due_on=datetime.date(2026, 12, 10))
    world.assignments = list(pool.active_assignments(world.file).select_related("expert__user"))
    for assignment in world.assignments:
        user = assignment.expert.user
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    return world


def run(*arguments):
    out = io.StringIO()
    call_command("send_reminders", *arguments, stdout=out)
    return out.getvalue().strip()


def reminder_mails():
    return list(OutboxMessage.objects.filter(kind=OutboxKind.REMINDER).order_by("pk"))


def test_no_reminder_before_three_days_ahead(under_review):
    with at(2026, 12, 6, 8, 0):
        assert run() == "sent: none due; already sent before: 0"
    assert reminder_mails() == []


def test_each_expert_is_reminded_once_three_days_ahead_and_once_when_overdue(under_review):
    world = under_review
    experts = {assignment.expert.user.email for assignment in world.assignments}
    with at(2026, 12, 7, 8, 0):
        first = run()
        second = run()
    soon = reminder_mails()
    with at(2026, 12, 9, 8, 0):
        assert run().startswith("sent: none due")
    with at(2026, 12, 11, 8, 0):
        overdue = run()
        run()

    n = len(world.assignments)
    assert first == f"sent: expert_review {n}; already sent before: 0"
    assert second == f"sent: none due; already sent before: {n}"
    assert {mail.to_address for mail in soon} == experts
    assert all("2026-12-10" in mail.subject and "前提交" in mail.subject for mail in soon)
    assert overdue == f"sent: expert_review {n}; already sent before: 0"
    late = reminder_mails()[n:]
    assert len(late) == n and all("逾期" in mail.subject for mail in late)
    # Internal records, mails only: the applicant sees nothing of who reviews the file.
    events = AuditEvent.objects.filter(application=world.file, action=Activity.REMINDER_SENT)
    assert events.count() == 2 * n and not events.filter(internal=False).exists()
    assert not Notification.objects.filter(event__in=events).exists()


def test_a_submitted_review_is_not_reminded(under_review):
    from review.enums import ReviewStatus
    from review.models import ExpertReview

    world = under_review
    done = world.assignments[0]
    ExpertReview.objects.update_or_create(assignment=done, defaults={"status": ReviewStatus.SUBMITTED})
    with at(2026, 12, 8, 8, 0):
        run()

    assert done.expert.user.email not in {mail.to_address for mail in reminder_mails()}
    assert len(reminder_mails()) == len(world.assignments) - 1


def test_a_dry_run_sends_nothing_and_says_what_it_would(under_review):
    with at(2026, 12, 8, 8, 0):
        line = run("--dry-run")
        assert reminder_mails() == []
        assert run().startswith("sent: expert_review")

    assert line.startswith("would send: expert_review") and line.endswith("(dry run)")
