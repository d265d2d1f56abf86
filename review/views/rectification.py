"""限期整改 (Art. 9): the bureau's list of alliances under rectification, the lead unit's
report on its order, and the report's files.

Ordering, accepting and revoking are rows of the transition table, made on the file's page
(``review.views.bureau``). The lead unit reports from its own file's page; the report's files
answer 404 to anyone but the lead unit of the file and the bureau, so that not even their
existence leaks.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from applications import documents as document_store
from applications import pages
from applications.pages import client_ip, keep_typed, role_required, tell
from applications.permissions import applicant_applications, is_applicant, is_bureau_staff, staff_applications

from .. import rectification
from ..models import RectificationFile
from ..models.rectification import RECTIFICATION_TEXT_MAX_CHARS

staff_required = role_required(is_bureau_staff)
# The orders closed lately, under the open ones: enough to look back, bounded.
CLOSED_SHOWN = 50


@staff_required
def listing(request):
    """/review/rectifications/: the alliances under rectification, the nearest deadline first,
    with the days left and whether they have reported; then the orders closed lately."""
    now = timezone.now()
    orders = list(rectification.under_rectification())
    for order in orders:
        order.days_left = rectification.days_left(order, now)
        order.overdue = rectification.is_overdue(order, now)
    return render(
        request,
        "review/rectifications.html",
        {"orders": orders, "closed": rectification.closed_orders()[:CLOSED_SHOWN]},
    )


def _own_file(user, pk):
    scope = applicant_applications(user) if is_applicant(user) else None
    if scope is None:
        raise Http404
    return get_object_or_404(scope, pk=pk)


@csrf_exempt
@require_POST
def lead_answer(request, pk):
    """The lead unit's report on its alliance's open order (from the file's page); files over
    the limit are dropped as they stream in."""
    application = _own_file(request.user, pk)
    limit = document_store.install_size_limit(request)
    return _lead_answer(request, application, limit)


@csrf_protect
def _lead_answer(request, application, limit):
    order = rectification.current_order(application)
    if order is None:
        messages.error(request, _("该联盟没有待报送的整改通知。"))
        return redirect("applications:detail", pk=application.pk)
    text = request.POST.get("answer", "")[: 2 * RECTIFICATION_TEXT_MAX_CHARS]
    try:
        if limit.too_large:
            raise rectification.RectificationRefused(
                *(document_store.too_large_message(name) for name in limit.too_large.values())
            )
        uploads = request.FILES.getlist("files")[: rectification.MAX_ANSWER_FILES + 1]
        rectification.answer(order, request.user, text, uploads, ip_address=client_ip(request))
    except rectification.RectificationRefused as refusal:
        tell(request, refusal)
        keep_typed(request, f"rectification:{order.pk}", {"answer": [text]}, max_chars=len(text) or 1)
    else:
        messages.success(request, _("已报送整改情况，市科技局将审核。"))
    return redirect("applications:detail", pk=application.pk)


def _serve(application, file_pk):
    return pages.serve_version(RectificationFile.objects.filter(order__application=application), file_pk)


def lead_file(request, pk, file_pk):
    """A file of the report, for the lead unit of the alliance (404 to anyone else)."""
    return _serve(_own_file(request.user, pk), file_pk)


def bureau_file(request, pk, file_pk):
    """A file of the report, for the bureau (404 to anyone else)."""
    if not is_bureau_staff(request.user):
        raise Http404
    return _serve(get_object_or_404(staff_applications(request.user), pk=pk), file_pk)
