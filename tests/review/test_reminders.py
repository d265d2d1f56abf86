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


# Annual reports (Art. 8) and rectification orders (Art. 9) --------------------------------


@pytest.fixture
def owing(db):
    """An alliance of ``applicant`` recognised on 2026-06-30: it owes its 2026 report by
    2027-02-28."""
    from review.models import Recognition

    world = World(PolicyEditionFactory())
    world.alliance = world.application(State.RECOGNIZED)
    Recognition.objects.filter(application=world.alliance).update(recognized_on=datetime.date(2026, 6, 30))
    world.applicant.email = "lead@example.com"
    world.applicant.save(update_fields=["email"])
    return world


def annual_mails():
    return [mail for mail in reminder_mails() if "年度材料" in mail.subject]


def test_an_alliance_owing_its_report_is_reminded_on_each_reminder_day_once(owing):
    days = {}
    for day in ((2027, 1, 14), (2027, 1, 15), (2027, 1, 16), (2027, 2, 15), (2027, 2, 25), (2027, 2, 26)):
        with at(*day, 8, 0):
            run()
            run()
        days[day] = len(annual_mails())

    assert days == {
        (2027, 1, 14): 0,
        (2027, 1, 15): 1,
        (2027, 1, 16): 1,
        (2027, 2, 15): 2,
        (2027, 2, 25): 3,  # three days before 28 February
        (2027, 2, 26): 3,
    }
    mail = annual_mails()[0]
    assert mail.to_address == "lead@example.com" and "2027-02-28" in mail.subject
    # The alliance's own message list has it too (not an internal record).
    assert Notification.objects.filter(recipient=owing.applicant, subject=mail.subject).exists()


def test_a_reminder_day_missed_is_made_up_once_the_next_day(owing):
    with at(2027, 1, 17, 8, 0):
        run()
        run()

    assert len(annual_mails()) == 1


def test_an_alliance_that_has_submitted_its_report_is_not_reminded(owing):
    from review.models import AnnualReport, AnnualReportStatus

    AnnualReport.objects.create(application=owing.alliance, year=2026, status=AnnualReportStatus.SUBMITTED)
    with at(2027, 2, 15, 8, 0):
        run()

    assert annual_mails() == []


def test_the_reminder_days_are_the_editions(owing):
    from django.core.exceptions import ValidationError

    edition = owing.alliance.edition
    edition.annual_report_reminder_days = "02-01"
    edition.save()
    with at(2027, 1, 15, 8, 0):
        run()
    with at(2027, 2, 1, 8, 0):
        run()

    assert len(annual_mails()) == 1
    edition.annual_report_reminder_days = "13-40,02-01"
    with pytest.raises(ValidationError, match="月-日"):
        edition.full_clean()


def test_an_alliance_under_rectification_is_reminded_once_three_days_before_its_deadline(owing):
    from applications.workflow import TABLE, Action, prepare, transition

    alliance = owing.alliance
    with at(2027, 3, 1, 9, 0):
        row = TABLE[(State.RECOGNIZED, Action.ORDER_RECTIFICATION)]
        data = prepare(alliance, row, owing.staff)
        data["deadline"] = "2027-03-20"
        transition(alliance, Action.ORDER_RECTIFICATION, owing.staff, comment="理事会未按期召开", data=data)
    counts = {}
    for day in (16, 17, 18, 20, 21):
        with at(2027, 3, day, 8, 0):
            run()
        counts[day] = len([mail for mail in reminder_mails() if "整改" in mail.subject])

    assert counts == {16: 0, 17: 1, 18: 1, 20: 1, 21: 1}


def test_a_report_submitted_while_the_run_is_under_way_is_not_reminded(owing, monkeypatch):
    """The list of who owes is made first; each is asked again under the file's lock."""
    from review import reminders
    from review.models import AnnualReport, AnnualReportStatus

    listed = reminders.annual_reports

    def then_submitted(today):
        found = list(listed(today))
        AnnualReport.objects.create(
            application=owing.alliance, year=2026, status=AnnualReportStatus.SUBMITTED
        )
        yield from found

    monkeypatch.setattr(reminders, "SOURCES", [then_submitted])
    with at(2027, 2, 15, 8, 0):
        run()

    assert annual_mails() == []
