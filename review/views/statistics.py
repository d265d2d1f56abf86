"""The bureau's statistics page and its .xlsx export (issue 11, part 7): bureau staff only.

The page lists :func:`review.statistics.tables`, each as a server-drawn SVG bar chart (no
script: the CSP allows none inline) with its exact figures in a table beside it.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from applications.pages import role_required
from applications.permissions import is_bureau_staff

from .. import statistics
from .dashboard import CONTENT_TYPES

staff_required = role_required(is_bureau_staff)


@staff_required
def page(request):
    tables = statistics.tables()
    return render(
        request,
        "review/statistics.html",
        {
            "figures": [
                (
                    table,
                    statistics.drawing(table.chart),
                    [statistics.shown(row) for row in table.rows],
                    statistics.shown(table.total) if table.total else None,
                )
                for table in tables
            ]
        },
    )


@staff_required
def export_xlsx(request):
    response = HttpResponse(statistics.as_xlsx(statistics.tables()), content_type=CONTENT_TYPES["xlsx"])
    name = f"alliance-statistics-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
