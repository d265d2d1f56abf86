"""The public's pages of the review (no log-in): the notices of the alliances to be recognised.

Only what the measure makes public is shown (Art. 6: the list, the period, the contact for
objections); a notice still in preparation does not exist for the public (404).
"""

from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance_portal import public_cache
from applications.plain_text import download_name

from .. import notices
from ..feeds import NoticeFeed
from ..models import Notice, NoticeStatus

PER_PAGE = 20
# Beyond it, the cache keys the page as this one (the paginator shows the last page).
MAX_PAGE = 1000


def notice_list(request):
    """/notices/: the open notices first, with their days left, then the past ones."""
    number = page_number(request)

    def context():
        now = timezone.now()
        page = Paginator(notices.public_notices(now), PER_PAGE).get_page(number)
        for notice in page.object_list:
            notice.left = notices.days_left_text(notice, now)
            notice.open = notices.is_open(notice, now)
        return {"title": _("公示公告"), "page": page}

    return public_cache.page(request, "public/notices_content.html", ("notices", number), context)


def page_number(request):
    """The page asked for, as the cache's key: a number up to ``MAX_PAGE`` (the paginator
    shows the last page beyond it), anything else the first."""
    asked = request.GET.get("page", "")
    return min(int(asked), MAX_PAGE) if asked.isdigit() and len(asked) < 7 else 1


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

    feed = public_cache.cached(("notices_feed",), build)
    return HttpResponse(feed["content"], content_type=feed["type"])


def notice_detail(request, pk):
    """/notices/<id>/: the text, the period and the table of alliances."""

    def context():
        notice = public_notice(pk)
        now = timezone.now()
        return {
            "title": notice.title,
            "notice": notice,
            "items": notices.public_items(notice),
            "left": notices.days_left_text(notice, now),
            "open": notices.is_open(notice, now),
            "corrections": notices.public_corrections(notice),
        }

    return public_cache.page(request, "public/notice_content.html", ("notice", pk), context)
