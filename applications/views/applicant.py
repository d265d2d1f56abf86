"""The lead unit's pages under /apply/ (Art. 4–5)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..editions import NoEditionInForce, edition_in_force, suggested_organising_unit
from ..forms import NewApplicationForm
from ..models import Application
from ..permissions import applicant_applications, is_applicant
from .common import offered_actions, perform_transition, role_required

applicant_required = role_required(is_applicant)


@applicant_required
def dashboard(request):
    applications = (
        applicant_applications(request.user)
        .select_related("industry", "organising_unit", "edition")
        .order_by("-updated_at", "-pk")
    )
    try:
        edition = edition_in_force()
        closed_reason = ""
    except NoEditionInForce as refusal:
        edition, closed_reason = None, str(refusal)
    return render(
        request,
        "applications/dashboard.html",
        {"applications": applications, "edition": edition, "closed_reason": closed_reason},
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
        application = form.save(commit=False)
        application.lead_unit = organisation
        application.edition = edition
        application.created_by = request.user
        application.save()
        messages.success(request, _("已创建草稿“%(name)s”。") % {"name": application.name})
        return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/new.html", {"form": form, "edition": edition})


def own_applications(user):
    """The applicant area's scope: the user's own organisation's files, or nothing.

    Object pages use it without a log-in redirect, so that anyone else, anonymous
    included, gets 404 and learns nothing of the file.
    """
    return applicant_applications(user) if is_applicant(user) else Application.objects.none()


def detail(request, pk):
    application = get_object_or_404(
        own_applications(request.user).select_related("industry", "organising_unit", "edition", "lead_unit"),
        pk=pk,
    )
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "events": application.events.select_related("actor"),
            "actions": offered_actions(application, request.user),
            "action_url": "applications:act",
        },
    )


def act(request, pk, action):
    return perform_transition(
        request, own_applications(request.user), pk, action, success_url="applications:detail"
    )
