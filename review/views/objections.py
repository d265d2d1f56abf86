"""公示异议 on the bureau's side (Art. 6): the list, one objection with its files, the bureau's
verification and decision; closing a notice from its page; and the lead unit's answer.

The bureau's pages are staff only (other roles 403); an objection's files answer 404 to
anyone but staff, so that not even their existence leaks. The lead unit answers from its
own file's page and never sees who objected.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from applications import pages
from applications.pages import client_ip, keep_typed, role_required, tell, typed, typed_text
from applications.permissions import applicant_applications, is_applicant, is_bureau_staff

from .. import closing, objections
from ..models import Notice, Objection, ObjectionFile, ObjectionStatus
from ..models.objections import OBJECTION_TEXT_MAX_CHARS

staff_required = role_required(is_bureau_staff)
PER_PAGE = 20
TEXTS = ("notes", "reply", "reason")


def _filters(request):
    """The list's filters from the query string; anything else is ignored."""
    status = request.GET.get("status", "")
    status = status if status in ObjectionStatus.values else ""
    notice = request.GET.get("notice", "")
    notice = int(notice) if pages.is_object_id(notice) else None
    return status, notice


@staff_required
def listing(request):
    """/review/objections/: every objection, newest first, by status and notice."""
    status, notice = _filters(request)
    found = Objection.objects.select_related("item__application", "item__notice").order_by(
        "-created_at", "-pk"
    )
    if status:
        found = found.filter(status=status)
    if notice:
        found = found.filter(item__notice_id=notice)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/objections.html",
        {
            "page": page,
            "status": status,
            "notice": notice,
            "statuses": ObjectionStatus.choices,
            "notices": Notice.objects.filter(items__objections__isnull=False)
            .distinct()
            .order_by("-pk")[:100],
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    """/review/objections/<pk>/: everything of one objection; verify, dismiss, uphold."""
    objection = get_object_or_404(
        Objection.objects.select_related(
            "item__application__lead_unit", "item__notice", "verified_by", "decided_by", "answered_by"
        ),
        pk=pk,
    )
    where = f"objection:{objection.pk}"
    if request.method == "POST":
        operation = request.POST.get("op", "")
        if operation not in ("verify", "dismiss", "uphold"):
            raise Http404
        texts = {name: request.POST.get(name, "")[: 2 * OBJECTION_TEXT_MAX_CHARS] for name in TEXTS}
        ip_address = client_ip(request)
        try:
            if operation == "verify":
                objections.verify(objection, request.user, texts["notes"])
                messages.success(request, _("已保存核实情况。"))
            elif operation == "dismiss":
                objections.dismiss(objection, request.user, texts["reply"], ip_address=ip_address)
                messages.success(request, _("已确定异议不成立并答复异议人。"))
            else:
                objections.uphold(
                    objection, request.user, texts["reply"], texts["reason"], ip_address=ip_address
                )
                messages.success(request, _("已确定异议成立，申报退回党组会研究，并已答复异议人。"))
        except objections.ObjectionRefused as refusal:
            tell(request, refusal)
            keep_typed(
                request,
                where,
                {name: [value] for name, value in texts.items()},
                max_chars=2 * OBJECTION_TEXT_MAX_CHARS,
            )
        return redirect("review:objection", pk=objection.pk)
    kept = typed(request, where)
    return render(
        request,
        "review/objection.html",
        {
            "objection": objection,
            "files": objection.files.all(),
            "typed": {name: typed_text(kept, name) for name in TEXTS},
            "max_chars": OBJECTION_TEXT_MAX_CHARS,
        },
    )


def objection_file(request, pk, file_pk):
    """An objection's letter or evidence: staff only, 404 to everyone else (anonymous and the
    lead unit included), so that no one learns that it exists."""
    if not is_bureau_staff(request.user):
        raise Http404
    objection = get_object_or_404(Objection, pk=pk)
    return pages.serve_version(ObjectionFile.objects.filter(objection=objection), file_pk)


@staff_required
@require_POST
def close_notice(request, pk):
    """Close one notice now, as ``manage.py close_notices`` does (once its period is over)."""
    notice = get_object_or_404(Notice, pk=pk)
    if not closing.ended_notices().filter(pk=notice.pk).exists():
        messages.error(request, _("公示期尚未结束（或公示未发布），不能办理公示期满。"))
        return redirect("review:notice", pk=notice.pk)
    messages.success(request, closing.close_notices(notice=notice).message())
    return redirect("review:notice", pk=notice.pk)


@require_POST
def lead_answer(request, pk, objection_pk):
    """The lead unit's answer to an objection to its own file (from the file's page)."""
    scope = applicant_applications(request.user) if is_applicant(request.user) else None
    if scope is None:
        raise Http404
    application = get_object_or_404(scope, pk=pk)
    objection = get_object_or_404(objections.objections_to(application), pk=objection_pk)
    text = request.POST.get("answer", "")[: 2 * OBJECTION_TEXT_MAX_CHARS]
    try:
        objections.answer(objection, request.user, text)
    except objections.ObjectionRefused as refusal:
        tell(request, refusal)
        keep_typed(request, f"objection-answer:{objection.pk}", {"answer": [text]}, max_chars=len(text) or 1)
    else:
        messages.success(request, _("已提交说明，市科技局将一并核实。"))
    return redirect("applications:detail", pk=application.pk)
