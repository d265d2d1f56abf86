"""The annual reports a lead unit owes, for its dashboard (``applications`` never imports
``review``: the applicant's dashboard loads this tag library)."""

from dataclasses import dataclass

from django import template
from django.utils import timezone

from applications.permissions import applicant_applications, is_applicant

from .. import annual
from ..models import AnnualReport, AnnualReportStatus

register = template.Library()


@dataclass(frozen=True)
class Owed:
    application: object
    year: int
    due_at: object
    days_left: int
    standing: str
    standing_label: str
    owed: bool


@register.simple_tag
def annual_reports_due(user):
    """``[Owed]``: per recognised alliance of the lead unit that holds its status, the report
    it prepares now (``annual.open_year``): last year's from 1 January to the deadline, owed;
    after it, the current year's, to prepare ahead. Before that, a report whose deadline has
    passed but which was returned and may still be submitted again within its grace period
    (owed, until the end of that period)."""
    if not is_applicant(user):
        return []
    now = timezone.now()
    today = timezone.localdate(now)
    alliances = (
        applicant_applications(user)
        .filter(state__in=annual.HOLDING, recognition__isnull=False)
        .select_related("edition", "recognition")
        .order_by("pk")
    )
    alliances = list(alliances)
    reports = {
        (report.application_id, report.year): report
        for report in AnnualReport.objects.filter(application__in=alliances, year__gte=today.year - 2)
    }
    shown = []
    for application in alliances:
        returned = _in_grace(
            application,
            reports.get((application.pk, annual.last_closed_year(application.edition, today))),
            now,
        )
        if returned is not None:
            due_on = annual.resubmission_due_on(returned)
            shown.append(
                Owed(
                    application=application,
                    year=returned.year,
                    due_at=annual.end_of(due_on),
                    days_left=(due_on - today).days + 1,
                    standing=annual.Standing.RETURNED,
                    standing_label=annual.Standing.LABELS[annual.Standing.RETURNED],
                    owed=True,
                )
            )
        year = annual.open_year(application.edition, today)
        if application.recognition.recognized_on.year > year:
            continue
        report = reports.get((application.pk, year))
        standing = annual.standing(report)
        shown.append(
            Owed(
                application=application,
                year=year,
                due_at=annual.due_at(application.edition, year),
                days_left=annual.days_left(application.edition, year),
                standing=standing,
                standing_label=annual.Standing.LABELS[standing],
                owed=year < today.year,
            )
        )
    return shown


def _in_grace(application, report, now):
    """``report`` if it was returned and may still be submitted again on time (Art. 8 and the
    edition's grace period), else None."""
    if report is None or report.status != AnnualReportStatus.RETURNED:
        return None
    report.application = application
    return report if annual.on_time(report, now) else None
