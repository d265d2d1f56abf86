"""The demo's annual reports (issue 11 demo data): an accepted report for last year, one in
draft, one not started, and one alliance overdue that ``enforce_annual_reports --dry-run``
lists, and nothing else."""

import io

from django.core.management import call_command
from django.urls import reverse

from applications.enums import State
from applications.models import Application
from review import annual
from review.models import AnnualReport, AnnualReportStatus, Recognition


def test_the_demo_has_every_standing_of_an_annual_report(demo, client):
    holders = list(Recognition.objects.filter(application__state__in=annual.HOLDING).order_by("pk"))
    edition = holders[0].application.edition
    current = annual.open_year(edition)
    standings = {
        recognition.application.name: annual.standing(
            AnnualReport.objects.filter(application=recognition.application).order_by("-year").first()
        )
        for recognition in holders
    }

    assert AnnualReport.objects.get(status=AnnualReportStatus.ACCEPTED).year == current - 1
    assert AnnualReport.objects.get(status=AnnualReportStatus.DRAFT).year == current
    assert sorted(standings.values()) == sorted(["accepted", "draft", "not_started", "not_started"])

    out = io.StringIO()
    before = list(Application.objects.values_list("pk", "state"))
    call_command("enforce_annual_reports", "--dry-run", stdout=out)

    overdue = holders[3].application
    assert out.getvalue().startswith("lapsed 1 of 4 ") and overdue.name in out.getvalue()
    assert list(Application.objects.values_list("pk", "state")) == before
    assert overdue.state in (State.RECOGNIZED, State.RECTIFYING)

    client.force_login(demo.users["staff"])
    board = client.get(reverse("review:annual_reports"), {"year": current - 1}).content.decode()
    assert overdue.name in board and "如此刻截止，1 个联盟将视为自动放弃" in board
