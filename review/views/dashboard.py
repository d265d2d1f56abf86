"""The reviewers' work list at /review/, and its exports (issue 9, §9).

Bureau staff list every submitted file, an organising unit its own county's (the same
scoped queryset as everywhere, ``applications_for_user``): counts per state, what waits on
them with the days it has waited, the overdue marked (review.worklist), filters, pages of
:data:`PER_PAGE`, and the filtered list as CSV or .xlsx. Experts keep their own list.
"""

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from applications import registration
from applications.enums import State
from applications.models import Application
from applications.pages import role_required
from applications.permissions import applications_for_user, is_bureau_staff, is_expert
from applications.recheck import changed_files

from .. import annual, exports
from ..filters import WorkListFilter
from ..permissions import is_unit_or_bureau
from ..worklist import SERVICE_TARGET_DAYS, in_worklist_order, waiting_states, work_items
from . import expert
from .bureau import reviewer_required

PER_PAGE = 30

# The work list and its exports are the organising units' and the bureau's.
worklist_required = role_required(is_unit_or_bureau)


def filtered_worklist(request):
    """The user's scope, filtered by the query string and in work-list order, and its filter."""
    scope = applications_for_user(request.user)
    listing = WorkListFilter(
        request.GET or None,
        queryset=scope.select_related("lead_unit", "industry", "organising_unit"),
        user=request.user,
    )
    return scope, listing, in_worklist_order(listing.qs, request.user)


@reviewer_required
def dashboard(request):
    """The reviewer's work list: files in their scope, those awaiting them first."""
    if is_expert(request.user):
        # Experts' list is of their assignments, with where each stands (review.views.expert).
        return expert.dashboard(request)
    scope, listing, listed = filtered_worklist(request)
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    counts = {row["state"]: row["n"] for row in scope.order_by().values("state").annotate(n=Count("pk"))}
    waiting = waiting_states(request.user)
    return render(
        request,
        "review/dashboard.html",
        {
            "worklist": True,
            # 单位注册审核: registrations waiting for this unit's (or the bureau's) decision.
            "pending_registrations": registration.awaiting(request.user).count(),
            "filter": listing,
            "page": page,
            "items": work_items(page.object_list, request.user),
            "state_counts": [(s, counts[s.value]) for s in State if counts.get(s.value)],
            # The state filtered by, if it is one (the list ignores any other value).
            "selected_state": listing.form.cleaned_data.get("state", "") if listing.is_bound else "",
            "waiting_states": waiting,
            "waiting_count": sum(n for state, n in counts.items() if state in waiting),
            "export_max_rows": exports.EXPORT_MAX_ROWS,
            "service_targets": [
                ngettext("%(state)s %(days)d 天", "%(state)s %(days)d 天", days)
                % {"state": state.label, "days": days}
                for state, days in SERVICE_TARGET_DAYS.items()
            ],
            # Drafts are the applicants' own (DESIGN.md "People"): the bureau sees a count only.
            # Issue 12 §5: files in progress whose eligibility changed since submission.
            "eligibility_changed": changed_files(scope) if is_bureau_staff(request.user) else None,
            # Issue 12 §4: recognised alliances whose accepted member changes break Art. 4.
            "member_flags": annual.flagged_alliances() if is_bureau_staff(request.user) else None,
            "drafts_in_preparation": (
                Application.objects.filter(state=State.DRAFT, submitted_at__isnull=True).count()
                if is_bureau_staff(request.user)
                else None
            ),
        },
    )


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export(request, extension, write):
    """The filtered list, in the page's order, at most ``EXPORT_MAX_ROWS`` rows (and a last
    line saying so when there were more)."""
    _scope, _listing, listed = filtered_worklist(request)
    rows = list(listed[: exports.EXPORT_MAX_ROWS + 1])
    cut = len(rows) > exports.EXPORT_MAX_ROWS
    body = write(work_items(rows[: exports.EXPORT_MAX_ROWS], request.user), cut=cut)
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    name = f"alliance-applications-{timezone.localdate():%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@worklist_required
def export_csv(request):
    return _export(request, "csv", exports.as_csv)


@worklist_required
def export_xlsx(request):
    return _export(request, "xlsx", exports.as_xlsx)
