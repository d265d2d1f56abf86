"""The certificate (证书) of a recognised alliance, and the recognition announcement (认定通知).

The certificate is the lead unit's and the bureau's: its contacts fetch it from their file's
page, staff from the bureau's; anyone else, and anyone before recognition, gets 404. The
announcement of a batch is public once one alliance of its notice is recognised.
"""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from alliance_portal import public_cache
from applications.documents import private
from applications.models import Application
from applications.permissions import applicant_applications, is_applicant, is_bureau_staff, staff_applications
from applications.plain_text import download_name

from .. import notices, recognition
from .public import public_notice


def _certificate(recognition_record):
    if recognition_record is None:
        raise Http404
    name = download_name(recognition_record.application.name, fallback="certificate")
    response = FileResponse(
        iter([recognition.certificate_pdf(recognition_record)]),
        content_type="application/pdf",
        filename=f"{name}-证书.pdf",
    )
    return private(response)


def applicant_certificate(request, pk):
    """/apply/<pk>/certificate.pdf: the lead unit's own certificate."""
    user = request.user
    scope = applicant_applications(user) if is_applicant(user) else Application.objects.none()
    return _certificate(recognition.recognition_of(scope, pk))


def bureau_certificate(request, pk):
    """/review/applications/<pk>/certificate.pdf: the bureau's copy of any certificate."""
    user = request.user
    scope = staff_applications(user) if is_bureau_staff(user) else Application.objects.none()
    return _certificate(recognition.recognition_of(scope, pk))


def announcement(request, pk):
    """/notices/<id>/recognition/: the alliances recognised from a notice (认定通知); 404
    until the first of them is."""

    def context(request):
        notice = public_notice(pk)
        recognised = recognition.batch(notice)
        if not recognised:
            raise Http404
        # The alliances a correction named again ran their period to its end (Art. 6).
        corrections = [
            correction for correction in notices.public_corrections(notice) if correction.items.exists()
        ]
        return {
            "title": _("认定通知"),
            "notice": notice,
            "recognitions": recognised,
            "corrections": corrections,
        }

    return public_cache.page(request, "public/recognition_content.html", ("recognition", pk), context)
