"""公示 on the bureau's side: build a notice from the approved files, word it, publish it.

Bureau staff only (other roles 403); a notice that does not exist answers 404.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from applications.forms import say_how_long
from applications.models import Application
from applications.pages import client_ip, keep_typed, posted_ids, role_required, tell, typed, typed_text
from applications.permissions import is_bureau_staff

from .. import notices, objections
from ..models import Notice, NoticeStatus

staff_required = role_required(is_bureau_staff)
PER_PAGE = 20


class WordingForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["title", "document_number", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_how_long(self)


@staff_required
@require_http_methods(["GET", "POST"])
def listing(request):
    """The notices, newest first, and the approved files a new notice can list."""
    if request.method == "POST":
        chosen = list(
            notices.approved_files().filter(pk__in=posted_ids(request, "application", notices.MAX_ITEMS))
        )
        try:
            notice = notices.create(request.user, chosen)
        except notices.NoticeRefused as refusal:
            tell(request, refusal)
            return redirect("review:notices")
        messages.success(request, _("已生成公示草稿，请核对标题和正文后发布。"))
        return redirect("review:notice", pk=notice.pk)
    page = Paginator(
        Notice.objects.annotate(alliances=Count("items")).order_by("-created_at", "-pk"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "review/notices.html",
        {"page": page, "candidates": notices.notice_candidates()[: notices.MAX_ITEMS]},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    notice = get_object_or_404(Notice.objects.select_related("edition", "published_by"), pk=pk)
    kept = typed(request, f"notice:{notice.pk}")
    form = WordingForm(
        {name: typed_text(kept, name) for name in ("title", "document_number", "body")} if kept else None,
        instance=notice,
    )
    if request.method == "POST":
        operation = request.POST.get("op", "")
        if operation == "correct":
            return _correct(request, notice)
        if operation == "withdraw":
            return _withdraw(request, notice)
        if operation not in ("save", "publish"):
            raise Http404
        form = WordingForm(request.POST, instance=Notice.objects.get(pk=notice.pk))
        try:
            if not form.is_valid():
                keep_typed(
                    request,
                    f"notice:{notice.pk}",
                    {name: [request.POST.get(name, "")] for name in ("title", "document_number", "body")},
                    max_chars=2 * notices.NOTICE_BODY_MAX_CHARS,
                )
                raise notices.NoticeRefused(
                    *(
                        _("%(label)s：%(error)s") % {"label": form.fields[name].label, "error": error}
                        for name, errors in form.errors.items()
                        for error in errors
                    )
                )
            notices.edit(
                notice,
                title=form.cleaned_data["title"],
                document_number=form.cleaned_data["document_number"],
                body=form.cleaned_data["body"],
            )
            if operation == "save":
                messages.success(request, _("已保存公示草稿。"))
            elif not request.POST.get("confirmed"):
                messages.error(request, _("已保存，尚未发布：请勾选“我已核对公示名单和正文”后再发布。"))
            else:
                events = notices.publish(notice, request.user, ip_address=client_ip(request))
                notice.refresh_from_db()
                end = timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")
                if notice.corrects_id and not events:
                    messages.success(request, _("更正公示已发布（仅更正文字，原公示期不变）。"))
                elif notice.corrects_id:
                    messages.success(
                        request,
                        _("更正公示已发布，所列 %(n)d 个联盟的公示期重新计算，至 %(end)s。")
                        % {"n": len(events), "end": end},
                    )
                else:
                    messages.success(
                        request,
                        _("公示已发布，共 %(n)d 个联盟，公示期至 %(end)s。") % {"n": len(events), "end": end},
                    )
        except notices.NoticeRefused as refusal:
            tell(request, refusal)
        return redirect("review:notice", pk=notice.pk)
    published = notice.status == NoticeStatus.PUBLISHED
    return render(
        request,
        "review/notice.html",
        {
            "notice": notice,
            "form": form,
            "items": notices.items_of(notice),
            "left": notices.days_left_text(notice),
            "correctable": notices.correctable_items(notice) if published and not notice.corrects_id else [],
            "can_correct": published and not notice.corrects_id,
            "can_withdraw": published,
            "corrections": list(notice.corrections.order_by("created_at", "pk")),
            "reason_max": notices.WITHDRAWAL_REASON_MAX_CHARS,
            "reason": typed_text(typed(request, f"withdraw:{notice.pk}"), "reason"),
            # 公示异议 and closing (review.objections, review.closing).
            "objection_counts": objections.counts_by_status(notice),
            "ended": notice.status == NoticeStatus.PUBLISHED and not notices.is_open(notice),
        },
    )


def _correct(request, notice):
    """A draft correction (更正公示) of this published notice, naming again the chosen files."""
    chosen = Application.objects.filter(pk__in=posted_ids(request, "application", notices.MAX_ITEMS))
    try:
        correction = notices.create_correction(notice, request.user, list(chosen))
    except notices.NoticeRefused as refusal:
        tell(request, refusal)
        return redirect("review:notice", pk=notice.pk)
    messages.success(request, _("已生成更正公示草稿：请在正文中写明更正事项，核对后发布。"))
    return redirect("review:notice", pk=correction.pk)


def _withdraw(request, notice):
    """Withdraw this published notice with the reason the public will read."""
    reason = request.POST.get("reason", "")
    try:
        if not request.POST.get("confirmed"):
            raise notices.NoticeRefused(_("尚未撤回：请勾选“我确认撤回本公示”。"))
        events = notices.withdraw(notice, request.user, reason=reason, ip_address=client_ip(request))
    except notices.NoticeRefused as refusal:
        keep_typed(
            request,
            f"withdraw:{notice.pk}",
            {"reason": [reason]},
            max_chars=2 * notices.WITHDRAWAL_REASON_MAX_CHARS,
        )
        tell(request, refusal)
        return redirect("review:notice", pk=notice.pk)
    messages.success(
        request, _("公示已撤回，%(n)d 个联盟退回“党组会通过”，可列入新的公示。") % {"n": len(events)}
    )
    return redirect("review:notice", pk=notice.pk)
