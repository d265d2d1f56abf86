"""The expert's pages (Art. 6): their assignments, the 回避声明 before a dossier opens, and
their review of a file.

An expert sees only the files assigned to them: the cover (name, lead unit, members) to
declare or decline, the dossier and the score sheet only once declared. Another expert's
scores or identity are never shown here; a file not assigned answers 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.enums import State
from applications.pages import client_ip, keep_typed, role_required, tell, typed, typed_text
from applications.permissions import is_expert

from .. import experts, scoring
from ..enums import AssignmentStatus, ReviewProgress
from ..experts import AssignmentRefused
from ..forms import DeclarationForm, DeclineForm, ScoreForm
from ..permissions import expert_assignments
from ..rubric import max_total, rubric
from ..scoring import ScoringRefused, progress_of

expert_required = role_required(is_expert)


def _with_state(assignment, today):
    return {
        "assignment": assignment,
        "application": assignment.application,
        "progress": progress_of(assignment),
        "overdue": experts.is_overdue(assignment, today),
    }


@expert_required
def dashboard(request):
    """The expert's assignments, the ones to act on first: where each stands (to declare,
    declared, draft, submitted), its deadline, and whether it is overdue."""
    today = timezone.localdate()
    listed = expert_assignments(request.user).select_related(
        "application__lead_unit", "application__industry", "review"
    )
    items = [_with_state(assignment, today) for assignment in listed.order_by("due_on", "pk")]
    done = {ReviewProgress.SUBMITTED}
    items.sort(key=lambda item: (item["progress"] in done, item["assignment"].due_on))
    return render(request, "review/expert/dashboard.html", {"items": items})


# The largest id a database row can have (a signed 64-bit integer).
MAX_ROW_ID = 2**63 - 1


def _assignment(request, pk):
    """The expert's active assignment to the file ``pk``; 404 for any other file (and for a
    number no row id can be: SQLite overflows on it in a foreign-key lookup)."""
    if pk > MAX_ROW_ID:
        raise Http404
    return get_object_or_404(
        expert_assignments(request.user).select_related(
            "application__lead_unit", "application__industry", "application__edition", "review"
        ),
        application_id=pk,
    )


@expert_required
def detail(request, pk):
    """The file as its expert sees it: the cover and the 回避声明 until declared; then the
    submitted rounds (dossier), the deadline and the link to the score sheet."""
    assignment = _assignment(request, pk)
    application = assignment.application
    declared = assignment.status == AssignmentStatus.DECLARED
    latest = application.submissions.order_by("-number").first() if declared else None
    return render(
        request,
        "review/expert/detail.html",
        {
            "application": application,
            "assignment": assignment,
            "progress": progress_of(assignment),
            "overdue": experts.is_overdue(assignment),
            "declared": declared,
            "members": application.members.order_by("-is_lead", "-is_core", "pk"),
            "latest": latest,
            "data": latest.data if latest else None,
            "declaration_form": DeclarationForm(),
            "decline_form": DeclineForm(),
            # A reason refused (too long) comes back in its box.
            "kept_decline": typed_text(typed(request, f"decline:{assignment.pk}"), "reason"),
            "scoring_open": application.state == State.UNDER_REVIEW,
            "file_url": "review:file",
            "original_url": "review:original",
        },
    )


@expert_required
@require_POST
def declaration(request, pk):
    """回避声明: ``decision`` is "declare" (no conflict: the dossier opens) or "decline"
    (with a reason: staff assign another expert)."""
    assignment = _assignment(request, pk)
    decision = request.POST.get("decision")
    form = DeclarationForm(request.POST) if decision == "declare" else DeclineForm(request.POST)
    try:
        if decision not in {"declare", "decline"}:
            raise AssignmentRefused(_("请选择声明无利害关系或申请回避。"))
        if not form.is_valid():
            raise AssignmentRefused(*[error for errors in form.errors.values() for error in errors])
        if decision == "declare":
            experts.declare(assignment, request.user, ip_address=client_ip(request))
        else:
            experts.decline(
                assignment, request.user, form.cleaned_data["reason"], ip_address=client_ip(request)
            )
    except AssignmentRefused as refusal:
        tell(request, refusal)
        if decision == "decline":
            keep_typed(request, f"decline:{assignment.pk}", {"reason": [request.POST.get("reason", "")]})
        return redirect("review:detail", pk=pk)
    if decision == "decline":
        messages.success(request, _("已申请回避。市科技局将另行指派专家，感谢您的配合。"))
        return redirect("review:dashboard")
    messages.success(request, _("已作出回避声明，现在可以查看申报材料并评分。"))
    return redirect("review:detail", pk=pk)


@expert_required
def score(request, pk):
    """The expert's review of the file: drafts save; submitting locks it (Art. 6). Only a
    declared expert; a bad score keeps what was typed and says what to change."""
    assignment = _assignment(request, pk)
    if assignment.status != AssignmentStatus.DECLARED:
        messages.error(request, _("请先作出回避声明。"))
        return redirect("review:detail", pk=pk)
    application = assignment.application
    aspects = rubric(application.edition)
    review = scoring.review_of(assignment)
    saved = scoring.scores_of(review)
    locked = review is not None and review.is_submitted
    open_for_scoring = application.state == State.UNDER_REVIEW and not locked
    if request.method == "POST":
        form = ScoreForm(request.POST, aspects=aspects)
        submit = request.POST.get("intent") == "submit"
        if form.is_valid():
            try:
                scoring.save_review(
                    assignment,
                    request.user,
                    scores=form.scores(),
                    opinion=form.cleaned_data["opinion"],
                    recommendation=form.cleaned_data["recommendation"],
                    submit=submit,
                    ip_address=client_ip(request),
                )
            except ScoringRefused as refusal:
                for message in refusal.messages:
                    form.add_error(None, message)
            else:
                if submit:
                    messages.success(request, _("评审意见已提交并锁定。感谢您的评审。"))
                    return redirect("review:detail", pk=pk)
                messages.success(request, _("草稿已保存，提交前可以继续修改。"))
                return redirect("review:score", pk=pk)
    else:
        form = ScoreForm(initial=ScoreForm.initial_for(aspects, review, saved), aspects=aspects)
    if not open_for_scoring:
        for field in form.fields.values():
            field.disabled = True
    totals = [saved[aspect.pk].score for aspect in aspects if aspect.pk in saved]
    return render(
        request,
        "review/expert/score.html",
        {
            "application": application,
            "assignment": assignment,
            "review": review,
            "form": form,
            "locked": locked,
            "open_for_scoring": open_for_scoring,
            "max_total": max_total(aspects),
            "total": scoring.total_of(totals) if len(totals) == len(aspects) else None,
            "overdue": experts.is_overdue(assignment),
        },
    )
