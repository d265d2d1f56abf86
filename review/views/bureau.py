"""Pages of the reviewing side under /review/: organising units, bureau staff, experts."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from applications import pages
from applications.eligibility import check, facts_now
from applications.enums import SYSTEM, SYSTEM_LABEL, Role
from applications.models import DocumentVersion
from applications.pages import offered_actions, perform_transition, role_required
from applications.permissions import (
    can_view_lifecycle,
    is_expert,
)
from applications.recheck import IN_PROGRESS, recheck
from applications.submissions import latest_changes, snapshot_findings
from applications.workflow import TRANSITIONS, timeline

from ..lifecycle import diagram
from ..permissions import internal_records_seen_by, is_reviewer, reviewed_applications
from . import checks, expert, experts

# Organising units, bureau staff and experts; applicants have their own pages.
reviewer_required = role_required(is_reviewer)


def detail(request, pk):
    if is_expert(request.user):
        # An expert's page of a file assigned to them: the 回避声明 first, then the dossier.
        return expert.detail(request, pk)
    application = get_object_or_404(
        reviewed_applications(request.user)
        .select_related("industry", "organising_unit", "edition", "lead_unit")
        .defer("edition__full_text"),
        pk=pk,
    )
    submissions = list(application.submissions.select_related("submitted_by"))
    latest = submissions[-1] if submissions else None
    # A file back with its lead unit is being changed: reviewers keep reading what was
    # submitted, and the findings of that round (if the round kept them).
    frozen = snapshot_findings(latest.data) if latest and application.is_editable else None
    # A file in progress is judged as its next step will judge it, against its frozen round
    # (issue 12 §3): what is new since submission, and why.
    rechecked = recheck(application, latest) if application.state in IN_PROGRESS else None
    if frozen is not None:
        findings = frozen
    elif rechecked is not None:
        findings = rechecked.findings
    else:
        findings = check(application, facts_now(application) if application.edition_id else None)
    return render(
        request,
        "review/detail.html",
        {
            "application": application,
            "events": timeline(
                application.events.select_related("actor"), internal=internal_records_seen_by(request.user)
            ),
            "actions": offered_actions(application, request.user, request),
            "action_url": "review:act",
            "findings": findings,
            "recheck": rechecked,
            "submissions": submissions,
            "latest": latest,
            "data": latest.data if latest else None,
            "changes": latest_changes(application),
            "file_url": "review:file",
            "original_url": "review:original",
            # Art. 5–6: the unit's confirmations and the bureau's formal checklist.
            **checks.panels(request, application, latest),
            "expert_stage": experts.expert_stage(application, request.user),
        },
    )


def submitted_versions(application):
    """Reviewers read what was submitted: versions frozen by a submission, nothing in progress."""
    return DocumentVersion.objects.filter(document__application=application, submission__isnull=False)


def file(request, pk, version_pk, preview=False, original=False):
    """A submitted version, its preview image, or its upload as it is (set by the URL)."""
    application = get_object_or_404(reviewed_applications(request.user), pk=pk)
    return pages.serve_version(
        submitted_versions(application), version_pk, preview=preview, original=original
    )


def submission_pdf(request, pk, number, kind):
    """A round's generated form or full dossier, built from its frozen snapshot."""
    application = get_object_or_404(reviewed_applications(request.user), pk=pk)
    return pages.serve_submission(application, number, kind)


def act(request, pk, action):
    return perform_transition(
        request, reviewed_applications(request.user), pk, action, success_url="review:detail"
    )


@login_required
def lifecycle(request):
    """The lifecycle, drawn from the transition table, with every row and its roles."""
    if not can_view_lifecycle(request.user):
        raise PermissionDenied
    role_labels = dict(Role.choices) | {SYSTEM: SYSTEM_LABEL}
    rows = [
        {
            "row": row,
            "roles": [role_labels[role] for role in sorted(row.roles)],
        }
        for row in TRANSITIONS
    ]
    return render(request, "review/lifecycle.html", {"diagram": diagram(), "rows": rows})
