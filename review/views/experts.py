"""The bureau's pages of the expert stage (Art. 6): the expert pool, the experts of a file
(suggest, assign, withdraw, reopen a review) and the panel of their scores.

Bureau staff only (other roles 403); a file outside the staff's scope answers 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.models import Industry
from applications.pages import client_ip, keep_typed, role_required, tell, typed, typed_text

from .. import experts, scoring
from ..experts import AssignmentRefused
from ..forms import AssignForm, ExpertForm, ReasonForm, SearchForm
from ..models import Assignment, Expert
from ..panel import latest_result, panel
from ..permissions import manages_experts, reviewed_applications
from ..scoring import ScoringRefused, progress_of

PER_PAGE = 30

staff_required = role_required(manages_experts)


def _search(request):
    form = SearchForm(request.GET)
    return form, (form.cleaned_data["q"] if form.is_valid() else "")


@staff_required
def pool(request):
    """The expert pool: search by name, employer, field or title; pages of ``PER_PAGE``."""
    form, query = _search(request)
    listed = experts.with_load(Expert.objects.all()).select_related("user")
    listed = listed.prefetch_related(
        Prefetch("industries", queryset=Industry.objects.order_by("order", "pk"))
    )
    if query:
        listed = listed.filter(experts.search_filter(query))
    page = Paginator(listed.order_by("-is_active", "name", "pk"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "review/experts/pool.html", {"page": page, "form": form, "query": query})


@staff_required
def expert_new(request):
    return _edit(request, Expert())


@staff_required
def expert_edit(request, pk):
    return _edit(request, get_object_or_404(Expert, pk=pk))


def _edit(request, expert):
    form = ExpertForm(request.POST or None, instance=expert)
    if request.method == "POST" and form.is_valid():
        expert = form.save()
        messages.success(request, _("已保存专家“%(name)s”。") % {"name": expert.name})
        return redirect("review:experts")
    return render(request, "review/experts/expert_form.html", {"form": form, "expert": expert})


def _staff_file(request, pk):
    return get_object_or_404(
        reviewed_applications(request.user)
        .select_related("edition", "lead_unit", "industry")
        .defer("edition__full_text"),
        pk=pk,
    )


def assignment_rows(application, today=None):
    """Every assignment of the file (the declined, withdrawn and ended too), with where it stands
    and whether it is overdue."""
    today = today or timezone.localdate()
    rows = []
    for assignment in application.assignments.select_related("expert", "review", "ended_by").order_by(
        "assigned_at", "pk"
    ):
        assignment.application = application
        rows.append(
            {
                "assignment": assignment,
                "progress": progress_of(assignment),
                "overdue": experts.is_overdue(assignment, today),
            }
        )
    return rows


def keep_reason(request, assignment, kind):
    """The reason typed for withdrawing or reopening ``assignment``, refused: for the page."""
    keep_typed(
        request,
        f"reasons:{assignment.application_id}",
        {"assignment": [assignment.pk], "kind": [kind], "text": [request.POST.get("reason", "")]},
    )


def kept_reason(request, application):
    kept = typed(request, f"reasons:{application.pk}")
    if not kept:
        return None
    return {
        "assignment": int(typed_text(kept, "assignment")),
        "kind": typed_text(kept, "kind"),
        "text": typed_text(kept, "text"),
    }


@staff_required
def assignments(request, pk):
    """The experts of a file: who is assigned and where they stand, and the pool's
    suggestions for it (industry first, then load), each marked if it must recuse."""
    application = _staff_file(request, pk)
    form, query = _search(request)
    assignable = application.state in experts.ASSIGNABLE_STATES
    return render(
        request,
        "review/experts/assignments.html",
        {
            "application": application,
            "rows": assignment_rows(application),
            "active_count": experts.active_assignments(application).count(),
            "needed": application.edition.experts_per_file,
            "assignable": assignable,
            "suggestions": experts.suggestions(application, query) if assignable else [],
            "form": form,
            "query": query,
            "default_due_on": experts.due_date(application),
            "reason_max": ReasonForm.base_fields["reason"].max_length,
            # A reason refused (too long) comes back in its box.
            "kept_reason": kept_reason(request, application),
        },
    )


@staff_required
@require_POST
def assign(request, pk):
    application = _staff_file(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("review:assignments", pk=application.pk)
    expert = Expert.objects.filter(pk=form.cleaned_data["expert"]).first()
    if expert is None:
        messages.error(request, _("专家库中没有该专家。"))
        return redirect("review:assignments", pk=application.pk)
    try:
        experts.assign(
            application,
            expert,
            request.user,
            due_on=form.cleaned_data["due_on"],
            ip_address=client_ip(request),
        )
    except AssignmentRefused as refusal:
        tell(request, refusal)
    else:
        messages.success(
            request,
            _("已指派专家“%(expert)s”，评审截止日期 %(due)s。")
            % {"expert": expert.name, "due": form.cleaned_data["due_on"].isoformat()},
        )
    return redirect("review:assignments", pk=application.pk)


def _assignment(request, pk, assignment_pk):
    application = _staff_file(request, pk)
    return get_object_or_404(application.assignments.select_related("expert"), pk=assignment_pk)


@staff_required
@require_POST
def withdraw(request, pk, assignment_pk):
    assignment = _assignment(request, pk, assignment_pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise AssignmentRefused(*[error for errors in form.errors.values() for error in errors])
        experts.withdraw(assignment, request.user, form.cleaned_data["reason"], ip_address=client_ip(request))
    except AssignmentRefused as refusal:
        tell(request, refusal)
        keep_reason(request, assignment, "withdraw")
    else:
        messages.success(request, _("已撤回对专家“%(expert)s”的指派。") % {"expert": assignment.expert.name})
    return redirect("review:assignments", pk=pk)


@staff_required
@require_POST
def reopen(request, pk, assignment_pk):
    assignment = _assignment(request, pk, assignment_pk)
    review = scoring.review_of(assignment)
    form = ReasonForm(request.POST)
    try:
        if review is None:
            raise ScoringRefused(_("该专家尚未填写评审意见。"))
        if not form.is_valid():
            raise ScoringRefused(*[error for errors in form.errors.values() for error in errors])
        scoring.reopen(review, request.user, form.cleaned_data["reason"], ip_address=client_ip(request))
    except ScoringRefused as refusal:
        tell(request, refusal)
        keep_reason(request, assignment, "reopen")
    else:
        messages.success(
            request, _("已重新开放专家“%(expert)s”的评审意见。") % {"expert": assignment.expert.name}
        )
    return redirect("review:assignments", pk=pk)


@staff_required
def panel_page(request, pk):
    """The panel of a file: every expert's scores side by side, with their statistics."""
    application = _staff_file(request, pk)
    return render(
        request,
        "review/experts/panel.html",
        {"application": application, "panel": panel(application), "frozen": latest_result(application)},
    )


def expert_stage(application, user):
    """What the staff's file page shows of the expert stage: how many experts are assigned
    and the panel of their scores, with links to the experts' and the panel's pages. None for
    other roles, and for a file that has never been in the expert stage."""
    if not manages_experts(user):
        return None
    assigned = Assignment.objects.filter(application=application).exists()
    if not assigned and application.state not in experts.ASSIGNABLE_STATES:
        return None
    return {
        "assignable": application.state in experts.ASSIGNABLE_STATES,
        "active_count": experts.active_assignments(application).count(),
        "needed": application.edition.experts_per_file,
        "panel": panel(application) if assigned else None,
        "frozen": latest_result(application),
    }
