"""Serving documents and generated PDFs, for both areas, after the area has checked access.

The applicant's pages and the reviewers' pages each look the application (or the
registration) up in their own scope (404 outside it) and then call these. Reviewers see
only versions that a submission froze; the lead unit also sees the versions of a round it
has not submitted yet.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .. import documents
from ..pdf import dossier_file, form_file
from ..plain_text import download_name


def serve_version(versions, version_pk, *, preview=False, original=False):
    """A version to open (an image, a PDF's cleaned copy), its preview, or the upload as it
    is (``original``), as a download only. ``versions`` is any scope of checked files the
    caller may read: a document's versions, or a registration's licence and letter."""
    try:
        version = versions.get(pk=version_pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    try:
        return documents.file_response(version, preview=preview, original=original)
    except FileNotFoundError as missing:
        raise Http404 from missing


def _filename(data, suffix, submission=None):
    name = download_name(data.get("name") or "", fallback="application")
    round_part = f"-第{submission.number}轮" if submission else ""
    return f"{name}{round_part}-{suffix}.pdf"


def serve_form(application_pk, data, *, submission=None):
    """The generated application form, inline, so that it opens in the browser's viewer."""
    output = form_file(application_pk, data, submission=submission)
    response = FileResponse(
        output, content_type="application/pdf", filename=_filename(data, "申请书", submission)
    )
    return documents.private(response)


def serve_dossier(application_pk, data, *, submission=None):
    """The full dossier, built once per content version (a draft's, or a round's)."""
    output = dossier_file(application_pk, data, submission=submission)
    response = FileResponse(
        output, content_type="application/pdf", filename=_filename(data, "全套材料", submission)
    )
    return documents.private(response)


def serve_submission(application, number, kind):
    """A submitted round as the reviewers read it: its form or its full dossier."""
    submission = get_object_or_404(application.submissions, number=number)
    serve = serve_dossier if kind == "dossier" else serve_form
    return serve(application.pk, submission.data, submission=submission)
