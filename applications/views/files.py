"""Serving documents and generated PDFs, for both areas, after the area has checked access.

The applicant's pages and the reviewers' pages each look the application up in their own
scope (404 outside it) and then call these. Reviewers see only versions that a submission
froze; the lead unit also sees the versions of a round it has not submitted yet.
"""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header

from .. import documents
from ..models import DocumentVersion
from ..pdf import dossier_file, render_form, submission_dossier
from ..plain_text import download_name


def serve_version(versions, version_pk, *, preview=False):
    try:
        version = versions.get(pk=version_pk)
    except DocumentVersion.DoesNotExist as missing:
        raise Http404 from missing
    try:
        return documents.file_response(version, preview=preview)
    except FileNotFoundError as missing:
        raise Http404 from missing


def _filename(data, suffix, submission=None):
    name = download_name(data.get("name") or "", fallback="application")
    round_part = f"-第{submission.number}轮" if submission else ""
    return f"{name}{round_part}-{suffix}.pdf"


def serve_form(data, *, submission=None):
    """The generated application form, inline, so that it opens in the browser's viewer."""
    pdf = render_form(data, submission=submission)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, _filename(data, "申请书", submission))
    return documents.private(response)


def serve_dossier(data, *, submission=None):
    """The full dossier: a submitted round's is kept once built; a draft's is built each time."""
    output = submission_dossier(submission) if submission else dossier_file(data)[0]
    response = FileResponse(
        output, content_type="application/pdf", filename=_filename(data, "全套材料", submission)
    )
    return documents.private(response)


def serve_submission(application, number, kind):
    """A submitted round as the reviewers read it: its form or its full dossier."""
    submission = get_object_or_404(application.submissions, number=number)
    serve = serve_dossier if kind == "dossier" else serve_form
    return serve(submission.data, submission=submission)
