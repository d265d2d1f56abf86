"""The lead unit's own registration (单位注册审核) under /apply/registration/.

The account uploads its business licence and an authorisation letter and sends them to the
unit that decides (``applications.registration``); until that unit approves, its drafts
cannot be submitted. The files are private: served only to the organisation's own contacts
here, and to the deciding unit and the bureau on the review side.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from .. import documents as document_store
from .. import pages, registration
from ..enums import RegistrationDocumentKind
from ..forms import UploadForm
from ..models import RegistrationDocument
from ..pages import client_ip, tell
from ..pdf import authorisation_letter_file
from ..permissions import is_applicant
from .applicant import applicant_required


@applicant_required
def page(request):
    organisation = request.user.organisation
    events = list(organisation.registration_events.select_related("actor", "reviewing_unit"))
    rejections = [event for event in events if event.action == "reject"]
    return render(
        request,
        "applications/registration.html",
        {
            "organisation": organisation,
            "status_message": registration.status_message(organisation),
            "unit_name": registration.approver_name(registration.deciding_unit(organisation)),
            "slots": registration.current_documents(organisation),
            "sendable": organisation.registration_status in registration.SENDABLE,
            "events": events,
            "rejection": rejections[-1]
            if rejections and organisation.registration_status == "rejected"
            else None,
            "max_upload": document_store.human_size(document_store.max_upload_bytes()),
        },
    )


@csrf_exempt
@require_POST
@applicant_required
def upload(request):
    """A licence or letter for the next sending; refused files change nothing and say why."""
    limit = document_store.install_size_limit(request)
    return _upload(request, limit)


@csrf_protect
def _upload(request, limit):
    organisation = request.user.organisation
    if organisation.registration_status not in registration.SENDABLE:
        messages.error(request, _("注册审核材料已提交，审核期间和审核通过后不能更换。"))
        return redirect("applications:registration")
    kind = request.POST.get("kind", "")
    if kind not in RegistrationDocumentKind.values:
        raise Http404
    form = UploadForm(request.POST, request.FILES)
    if limit.too_large:
        for name in limit.too_large.values():
            messages.error(request, document_store.too_large_message(name))
    elif not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            stored = registration.upload(organisation, form.cleaned_data["file"], request.user, kind)
        except (document_store.UploadRefused, registration.RegistrationRefused) as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                _("已上传“%(name)s”（%(pages)d 页）。")
                % {"name": stored.original_name, "pages": stored.page_count},
            )
    return redirect("applications:registration")


@require_POST
@applicant_required
def send(request):
    try:
        registration.send(request.user.organisation, request.user, ip_address=client_ip(request))
    except registration.RegistrationRefused as refusal:
        tell(request, refusal)
    else:
        messages.success(request, registration.status_message(request.user.organisation))
    return redirect("applications:registration")


def file(request, document_pk):
    """One of the organisation's own registration files; anyone else gets 404."""
    if not is_applicant(request.user):
        raise Http404
    own = RegistrationDocument.objects.filter(organisation_id=request.user.organisation_id)
    return pages.serve_version(own, document_pk)


@applicant_required
def authorisation_letter(request):
    """The authorisation letter's template, filled in with the organisation and its contact."""
    organisation = request.user.organisation
    unit = registration.deciding_unit(organisation)
    # The letter is Chinese whatever the page's language: the unit's official name.
    addressee = unit.name if unit is not None else settings.PORTAL_BUREAU_NAME
    # Kept per organisation and what fills it in: asking again costs a file read.
    with authorisation_letter_file(organisation, request.user, addressee) as letter:
        response = HttpResponse(letter.read(), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, "法人授权委托书.pdf")
    return document_store.private(response)
