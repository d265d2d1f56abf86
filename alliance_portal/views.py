"""Public pages, the role dispatcher after log-in, and the health check."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from applications.editions import NoEditionInForce, edition_in_force
from applications.enums import Role
from applications.models import PolicyEdition

DASHBOARDS = {
    Role.APPLICANT: "applications:dashboard",
    Role.UNIT_REVIEWER: "review:dashboard",
    Role.STAFF: "review:dashboard",
    Role.EXPERT: "review:dashboard",
    Role.ADMIN: "admin:index",
}


def _current_edition():
    try:
        return edition_in_force(), ""
    except NoEditionInForce as refusal:
        return None, str(refusal)


def home(request):
    """What the measure is, who may apply, what to submit and how a file moves."""
    edition, closed_reason = _current_edition()
    return render(request, "public/home.html", {"edition": edition, "closed_reason": closed_reason})


def policy(request):
    """The measure's full text, for every edition on record (Art. 10: in force five years)."""
    editions = list(PolicyEdition.objects.all())
    texts = {}
    for edition in editions:
        if edition.text_path and edition.text_path not in texts:
            path = (Path(settings.BASE_DIR) / edition.text_path).resolve()
            if path.is_relative_to(Path(settings.BASE_DIR)) and path.is_file():
                texts[edition.text_path] = path.read_text(encoding="utf-8")
    today = timezone.localdate()
    entries = [
        {"edition": e, "text": texts.get(e.text_path, ""), "in_force": e.is_in_force(today)} for e in editions
    ]
    if not entries:
        raise Http404
    return render(request, "public/policy.html", {"entries": entries})


@login_required
def dashboard(request):
    """After log-in each role lands on its own dashboard."""
    target = DASHBOARDS.get(request.user.role)
    if target is None:
        raise Http404
    return redirect(target)


def healthz(request):
    """200 after a database round-trip; 503 when the database cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
