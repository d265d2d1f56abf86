"""决定通知书: the bureau reads the drafted decision letters and sends them in bulk."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from applications.enums import OutboxStatus
from applications.pages import role_required
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
        chosen = [value for value in request.POST.getlist("letter")[:MAX_SENT_AT_ONCE] if value.isdigit()]
        if not chosen:
            messages.error(request, _("请勾选已审阅、要发送的通知书。"))
        else:
            sent = letters.send([int(pk) for pk in chosen], request.user)
            messages.success(request, _("已发送决定通知书 %(n)d 封。") % {"n": sent})
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
