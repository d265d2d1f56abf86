"""The lead unit's pages under /apply/ (Art. 4–5)."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import pages
from ..drafts import start_application
from ..editions import NoEditionInForce, edition_in_force, suggested_organising_unit
from ..eligibility import check, edition_for_next_submission, facts_for
from ..forms import NewApplicationForm
from ..models import Application, DocumentVersion
from ..pages import offered_actions, perform_transition, role_required
from ..permissions import applicant_applications, applicant_events, is_applicant
from ..progress import dashboard_order, next_step, registration_step
from ..submissions import application_data, declaration, latest_changes
from ..workflow import timeline

applicant_required = role_required(is_applicant)


@applicant_required
def dashboard(request):
    applications = dashboard_order(
        applicant_applications(request.user)
        .select_related("industry", "organising_unit", "edition", "lead_unit__reviewing_unit")
        .defer("edition__full_text")
        .prefetch_related(Prefetch("events", applicant_events().select_related("actor")))
    )
    for application in applications:
        application.timeline = timeline(application.events.all(), internal=False)
    try:
        edition = edition_in_force()
        closed_reason = ""
    except NoEditionInForce as refusal:
        edition, closed_reason = None, str(refusal)
    organisation = request.user.organisation
    return render(
        request,
        "applications/dashboard.html",
        {
            "applications": applications,
            "edition": edition,
            "closed_reason": closed_reason,
            # 单位注册审核: until approved, sending the registration is the next step.
            "registration_step": None if organisation.is_approved else registration_step(organisation),
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def new_application(request):
    """Start a draft. Only while an edition of the measure is in force (Art. 10)."""
    try:
        edition = edition_in_force()
    except NoEditionInForce as refusal:
        messages.error(request, str(refusal))
        return redirect("applications:dashboard")
    organisation = request.user.organisation
    form = NewApplicationForm(
        request.POST or None,
        initial={"organising_unit": suggested_organising_unit(organisation.uscc)},
    )
    if request.method == "POST" and form.is_valid():
        application = start_application(
            organisation=organisation, user=request.user, edition=edition, **form.cleaned_data
        )
        messages.success(
            request, _("已创建草稿“%(name)s”，请逐步填写，每一步都可单独保存。") % {"name": application.name}
        )
        return redirect("applications:step", pk=application.pk, step="basics")
    return render(request, "applications/new.html", {"form": form, "edition": edition})


def own_applications(user):
    """The applicant area's scope: the user's own organisation's files, or nothing.

    Object pages use it without a log-in redirect, so that anyone else, anonymous
    included, gets 404 and learns nothing of the file.
    """
    return applicant_applications(user) if is_applicant(user) else Application.objects.none()


def detail(request, pk):
    application = get_object_or_404(
        own_applications(request.user)
        .select_related("industry", "organising_unit", "edition", "lead_unit")
        .defer("edition__full_text"),
        pk=pk,
    )
    facts = facts_for(application, edition_for_next_submission(application))
    events = timeline(applicant_events(application).select_related("actor"), internal=False)
    returns = [event for event in events if event.action == "return"]
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "events": events,
            "return_event": returns[-1] if returns and application.state == "returned" else None,
            "actions": offered_actions(application, request.user, request),
            "action_url": "applications:act",
            "findings": check(application, facts),
            "data": application_data(application, facts),
            "submissions": application.submissions.select_related("submitted_by"),
            "changes": latest_changes(application),
            "next_step": next_step(application),
            "file_url": "applications:file",
            "original_url": "applications:original",
            "declaration": declaration(facts.edition),
        },
    )


def own_versions(application):
    """Every version of the lead unit's own file, submitted or not."""
    return DocumentVersion.objects.filter(document__application=application)


def file(request, pk, version_pk, preview=False, original=False):
    """A stored version, its preview image, or its upload as it is (set by the URL)."""
    application = get_object_or_404(own_applications(request.user), pk=pk)
    return pages.serve_version(own_versions(application), version_pk, preview=preview, original=original)


def form_pdf(request, pk):
    """The application form: of the data as it stands while the file can be edited (a draft,
    stamped 草稿, to sign, seal and upload); of the last submitted round once it cannot."""
    return _generated_pdf(request, pk, pages.serve_form)


def dossier_pdf(request, pk):
    return _generated_pdf(request, pk, pages.serve_dossier)


def _generated_pdf(request, pk, serve):
    application = get_object_or_404(
        own_applications(request.user)
        .select_related("industry", "organising_unit", "edition", "lead_unit")
        .defer("edition__full_text"),
        pk=pk,
    )
    latest = None if application.is_editable else application.submissions.last()
    if latest is not None:
        return serve(application.pk, latest.data, submission=latest)
    return serve(application.pk, application_data(application))


def submission_pdf(request, pk, number, kind):
    """A submitted round, as the reviewers read it: its form or its full dossier."""
    application = get_object_or_404(own_applications(request.user), pk=pk)
    return pages.serve_submission(application, number, kind)


def act(request, pk, action):
    return perform_transition(
        request, own_applications(request.user), pk, action, success_url="applications:detail"
    )
