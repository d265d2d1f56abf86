"""The public's pages of the review (no log-in): the notices of the alliances to be recognised.

Only what the measure makes public is shown (Art. 6: the list, the period, the contact for
objections); a notice still in preparation does not exist for the public (404).
"""

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from alliance_portal import public_cache
from applications import documents as document_store
from applications.outbox import active_language
from applications.plain_text import download_name
from applications.throttles import client_ip

from .. import notices, objections
from ..feeds import NoticeFeed
from ..models import Notice, NoticeStatus

PER_PAGE = 20


def notice_list(request):
    """/notices/: the open notices first, with their days left, then the past ones."""
    number = public_cache.page_number(
        request, ("notices",), lambda: Paginator(notices.public_notices(), PER_PAGE).num_pages
    )

    def context(request):
        now = timezone.now()
        page = Paginator(notices.public_notices(now), PER_PAGE).get_page(number)
        for notice in page.object_list:
            notice.left = notices.days_left_text(notice, now)
            notice.open = notices.is_open(notice, now)
        return {"title": _("公示公告"), "page": page}

    return public_cache.page(request, "public/notices_content.html", ("notices", number), context)


def public_notice(pk):
    return get_object_or_404(
        Notice.objects.exclude(status=NoticeStatus.DRAFT).select_related("edition", "corrects"), pk=pk
    )


def notice_pdf(request, pk):
    """The notice as an official document, to print or file (rendered once per change)."""

    def build():
        notice = public_notice(pk)
        return {"name": download_name(notice.title, fallback="notice"), "pdf": notices.notice_pdf(notice)}

    document = public_cache.cached(("notice_pdf", pk), build)
    return FileResponse(
        iter([document["pdf"]]), content_type="application/pdf", filename=f"{document['name']}.pdf"
    )


def notice_feed(request):
    """/notices/feed/: the Atom feed, cached like the pages."""

    def build():
        response = NoticeFeed()(request)
        return {"content": response.content, "type": response["Content-Type"]}

    # Its links are absolute: one cached per address the portal is reached at.
    feed = public_cache.cached(("notices_feed", request.scheme, request.get_host()), build)
    return HttpResponse(feed["content"], content_type=feed["type"])


def notice_detail(request, pk):
    """/notices/<id>/: the text, the period and the table of alliances."""

    def context(request):
        notice = public_notice(pk)
        now = timezone.now()
        return {
            "title": notice.title,
            "notice": notice,
            "items": notices.public_items(notice),
            "left": notices.days_left_text(notice, now),
            "open": notices.is_open(notice, now),
            "corrections": notices.public_corrections(notice),
            # 认定通知: linked once an alliance of the notice is recognised.
            "recognised": notice.recognitions.exists(),
        }

    return public_cache.page(request, "public/notice_content.html", ("notice", pk), context)


# Objections (公示异议, Art. 6) ---------------------------------------------------------------
# The receipt of the objection just made, for its page (the session's, never in the URL).
RECEIPT_KEY = "portal_objection_receipt"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def objection(request, pk, item_pk):
    """/notices/<id>/items/<item>/objection/: the form, and its submission.

    The notice and the alliance come from the URL, never from the form: a draft notice or an
    alliance it does not list is 404; a withdrawn or ended notice refuses, whatever is posted.
    """
    notice = public_notice(pk)
    item = objections.objectable_item(notice, item_pk)
    if item is None:
        raise Http404
    # Before the body is read: a file over the limit is dropped as it streams in.
    limit = document_store.install_size_limit(request) if request.method == "POST" else None
    return _objection(request, notice, item, limit)


@csrf_protect
def _objection(request, notice, item, limit):
    now = timezone.now()
    closed = objections.refusal_of_notice(notice, now)
    context = {"notice": notice, "item": item, "closed": closed, "max_files": objections.MAX_EVIDENCE_FILES}
    if closed:
        return render(
            request, "public/objection.html", context, status=403 if request.method == "POST" else 200
        )
    if request.method == "GET":
        return render(request, "public/objection.html", {**context, "form": objections.ObjectionForm()})
    form = objections.ObjectionForm(request.POST, request.FILES)
    problems, status = [], 400
    if form.is_bot:
        # A bot filled the field no person sees: refused plainly, nothing stored.
        problems = [_("提交未受理。")]
    else:
        problems = [document_store.too_large_message(name) for name in limit.too_large.values()]
        if not problems and form.is_valid():
            refused = objections.throttled(request, form.cleaned_data["phone_normalized"])
            if refused:
                problems, status = [refused], 429
            else:
                try:
                    record = objections.receive(
                        item, form.cleaned_data, ip_address=client_ip(request), language=active_language()
                    )
                except objections.ObjectionRefused as refusal:
                    problems = refusal.messages
                else:
                    request.session[RECEIPT_KEY] = {"item": item.pk, "number": record.receipt_number}
                    return redirect("objection_receipt", pk=notice.pk, item_pk=item.pk)
    # Shown again with what was typed (a bound form); files are never kept: chosen again.
    return render(
        request,
        "public/objection.html",
        {**context, "form": form, "problems": problems, "refused": True},
        status=status,
    )


@require_GET
def objection_receipt(request, pk, item_pk):
    """The receipt of the objection just made from this browser: its number, nothing else."""
    notice = public_notice(pk)
    item = objections.objectable_item(notice, item_pk)
    kept = request.session.get(RECEIPT_KEY) or {}
    if item is None or kept.get("item") != item.pk:
        return redirect("notice", pk=notice.pk)
    return render(
        request, "public/objection_receipt.html", {"notice": notice, "item": item, "number": kept["number"]}
    )
