"""Public pages, the role dispatcher after log-in, and the health check."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import i18n

from applications.editions import (
    NoEditionInForce,
    edition_describing_the_rules,
    edition_in_force,
    measure_document,
)
from applications.enums import Role
from applications.models import PolicyEdition, User
from review import notices

from . import public_cache

DASHBOARDS = {
    Role.APPLICANT: "applications:dashboard",
    Role.UNIT_REVIEWER: "review:dashboard",
    Role.STAFF: "review:dashboard",
    Role.EXPERT: "review:dashboard",
    Role.ADMIN: "admin:index",
}


def set_language(request):
    """The language switcher: Django's (a cookie for the pages), and for a signed-in user also
    the language of the mails and in-portal messages sent to them (``User.language``)."""
    response = i18n.set_language(request)
    code = request.POST.get("language") if request.method == "POST" else None
    if code in dict(settings.LANGUAGES) and request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).exclude(language=code).update(language=code)
    return response


def _current_edition():
    try:
        return edition_in_force(), ""
    except NoEditionInForce as refusal:
        return None, str(refusal)


def _open_notices():
    now = timezone.now()
    return [
        {"pk": notice.pk, "title": notice.title, "left": str(notices.days_left_text(notice, now))}
        for notice in notices.open_notices(now)
    ]


def home(request):
    """What the measure is, who may apply, what to submit and how a file moves."""
    edition, closed_reason = _current_edition()
    # With no edition in force, the conditions and periods of the latest one are described.
    rules = edition or edition_describing_the_rules()
    return render(
        request,
        "public/home.html",
        {
            "edition": edition,
            "closed_reason": closed_reason,
            "rules": rules,
            "open_notices": public_cache.cached(("home_open_notices",), _open_notices),
        },
    )


def policy(request, pk=None):
    """The measure as a document: the edition in force (or the one asked for), its notice,
    chapters and articles with anchors (``#art-4``), and the other editions on record."""
    editions = list(PolicyEdition.objects.all())
    if pk is None:
        today = timezone.localdate()
        edition = next((e for e in editions if e.is_in_force(today)), editions[0] if editions else None)
    else:
        edition = next((e for e in editions if e.pk == pk), None)
    if edition is None:
        raise Http404
    return render(
        request,
        "public/policy.html",
        {"edition": edition, "blocks": measure_document(edition.full_text), "editions": editions},
    )


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
