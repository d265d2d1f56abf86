"""单位注册审核 on the reviewing side: the organising unit of the district (the bureau for
codes outside Shuozhou) approves or rejects a lead unit's registration, with reasons.

A unit sees only its own district's registrations; any other answers 404. Bureau staff
read them all and decide those routed to the bureau.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from applications import pages, registration
from applications.enums import RegistrationStatus
from applications.forms import TOO_LONG
from applications.models import COMMENT_MAX_CHARS
from applications.pages import client_ip, role_required, tell

from ..permissions import is_unit_or_bureau

PER_PAGE = 30
DECISIONS = {"approve": True, "reject": False}

registration_reviewer_required = role_required(is_unit_or_bureau)


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("审核意见"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_CHARS}),
        help_text=gettext_lazy("不通过时必填：写明须修改或补充的内容，申报单位将收到站内消息和邮件。"),
    )


@registration_reviewer_required
def listing(request):
    """The registrations of the reviewer's scope, those waiting for a decision first."""
    scope = registration.registrations_for_reviewer(request.user).select_related("reviewing_unit")
    status = request.GET.get("status", RegistrationStatus.PENDING)
    if status not in RegistrationStatus.values or status == RegistrationStatus.UNSENT:
        status = ""
    listed = scope.filter(registration_status=status) if status else scope
    page = Paginator(listed.order_by("-registration_sent_at", "-pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    counts = {value: scope.filter(registration_status=value).count() for value in registration.SENT_STATUSES}
    return render(
        request,
        "review/registrations.html",
        {
            "page": page,
            "status": status,
            "tabs": [(RegistrationStatus(value), counts[value]) for value in registration.SENT_STATUSES],
            "awaiting_me": registration.awaiting(request.user).count(),
        },
    )


def _registration(request, pk):
    return get_object_or_404(
        registration.registrations_for_reviewer(request.user).select_related("reviewing_unit"), pk=pk
    )


def detail(request, pk):
    organisation = _registration(request, pk)
    events = list(organisation.registration_events.select_related("actor", "reviewing_unit"))
    return render(
        request,
        "review/registration.html",
        {
            "organisation": organisation,
            "contacts": organisation.users.filter(role="applicant").order_by("pk"),
            "documents": registration.sent_documents(organisation),
            "events": events,
            "competing": registration.competing_claims(organisation),
            "may_decide": registration.may_decide(request.user, organisation)
            and organisation.registration_status == RegistrationStatus.PENDING,
            "unit_name": registration.approver_name(organisation.reviewing_unit),
            "form": DecisionForm(),
            "division": organisation.uscc[2:8],
        },
    )


@require_POST
def decide(request, pk, decision):
    organisation = _registration(request, pk)
    if decision not in DECISIONS:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("review:registration", pk=organisation.pk)
    try:
        registration.decide(
            organisation,
            request.user,
            approve=DECISIONS[decision],
            comment=form.cleaned_data["comment"],
            ip_address=client_ip(request),
        )
    except registration.NotReviewer as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except registration.RegistrationRefused as refusal:
        tell(request, refusal)
    else:
        messages.success(
            request,
            _("已完成审核：%(name)s，%(status)s。")
            % {"name": organisation.name, "status": organisation.get_registration_status_display()},
        )
    return redirect("review:registration", pk=organisation.pk)


def file(request, pk, document_pk):
    """A file of the registration as it was sent; outside the reviewer's scope, 404."""
    organisation = _registration(request, pk)
    return pages.serve_version(
        organisation.registration_documents.filter(sent_with__isnull=False), document_pk
    )
