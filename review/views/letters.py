"""决定通知书: the bureau reads the drafted decision letters and sends them in bulk."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from applications.enums import OutboxStatus
from applications.pages import posted_ids, role_required
from applications.permissions import is_bureau_staff

from .. import letters

staff_required = role_required(is_bureau_staff)
PER_PAGE = 30
# One sending releases at most the letters of a page or two: a bounded request.
MAX_SENT_AT_ONCE = 200


@staff_required
@require_http_methods(["GET", "POST"])
def listing(request):
    """Drafts to read first, then what was sent; the ticked drafts go out on "send"."""
    if request.method == "POST":
        chosen = posted_ids(request, "letter", MAX_SENT_AT_ONCE)
        if not chosen:
            messages.error(request, _("请勾选已审阅、要发送的通知书。"))
        else:
            sent = letters.send(chosen, request.user)
            messages.success(
                request,
                _("已核发决定通知书 %(n)d 封，邮件随即发出；未能发出的由发信任务稍后重试。") % {"n": sent},
            )
        return redirect("review:letters")
    status = request.GET.get("status", OutboxStatus.DRAFT)
    listed = letters.letters()
    if status in OutboxStatus.values:
        listed = listed.filter(status=status)
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/letters.html",
        {
            "page": page,
            "status": status,
            "statuses": OutboxStatus.choices,
            "draft_count": letters.drafts().count(),
        },
    )
