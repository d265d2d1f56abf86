"""The public's pages of the review (no log-in): the notices of the alliances to be recognised.

Only what the measure makes public is shown (Art. 6: the list, the period, the contact for
objections); a notice still in preparation does not exist for the public (404).
"""

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from applications.plain_text import download_name

from .. import notices
from ..models import Notice, NoticeStatus

PER_PAGE = 20


def notice_list(request):
    """/notices/: the open notices first, with their days left, then the past ones."""
    now = timezone.now()
    page = Paginator(notices.public_notices(now), PER_PAGE).get_page(request.GET.get("page"))
    for notice in page.object_list:
        notice.left = notices.days_left_text(notice, now)
        notice.open = notices.is_open(notice, now)
    return render(request, "public/notices.html", {"page": page})


def public_notice(pk):
    return get_object_or_404(
        Notice.objects.exclude(status=NoticeStatus.DRAFT).select_related("edition"), pk=pk
    )


def notice_pdf(request, pk):
    """The notice as an official document, to print or file (rendered for each request)."""
    notice = public_notice(pk)
    name = download_name(notice.title, fallback="notice")
    return FileResponse(
        iter([notices.notice_pdf(notice)]), content_type="application/pdf", filename=f"{name}.pdf"
    )


def notice_detail(request, pk):
    """/notices/<id>/: the text, the period and the table of alliances."""
    notice = public_notice(pk)
    now = timezone.now()
    return render(
        request,
        "public/notice.html",
        {
            "notice": notice,
            "items": notices.public_items(notice),
            "left": notices.days_left_text(notice, now),
            "open": notices.is_open(notice, now),
            # 认定通知: linked once an alliance of the notice is recognised.
            "recognised": notice.recognitions.exists(),
        },
    )
