"""The annual reports a lead unit owes, for its dashboard (``applications`` never imports
``review``: the applicant's dashboard loads this tag library)."""

from dataclasses import dataclass

from django import template
from django.utils import timezone

from applications.permissions import applicant_applications, is_applicant

from .. import annual
from ..models import AnnualReport

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
    after it, the current year's, to prepare ahead."""
    if not is_applicant(user):
        return []
    today = timezone.localdate()
    alliances = (
        applicant_applications(user)
        .filter(state__in=annual.HOLDING, recognition__isnull=False)
        .select_related("edition", "recognition")
        .order_by("pk")
    )
    alliances = list(alliances)
    reports = {
        (report.application_id, report.year): report
        for report in AnnualReport.objects.filter(application__in=alliances, year__gte=today.year - 1)
    }
    shown = []
    for application in alliances:
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
