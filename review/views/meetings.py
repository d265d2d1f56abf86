"""党组会 on the bureau's side: prepare a meeting, record its decisions, print its agenda.

Bureau staff only (other roles 403); a meeting that does not exist answers 404.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from applications import documents as document_store
from applications import pages
from applications.forms import TOO_LONG, UploadForm
from applications.models import COMMENT_MAX_CHARS
from applications.pages import client_ip, posted_id, posted_ids, role_required, tell
from applications.permissions import is_bureau_staff
from applications.plain_text import download_name

from .. import meetings
from ..models import Decision, Meeting

staff_required = role_required(is_bureau_staff)
PER_PAGE = 20


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["session", "held_on"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}


class ItemForm(forms.Form):
    """The decision on one file of the agenda (its fields are prefixed with the item)."""

    decision = forms.ChoiceField(
        label=gettext_lazy("决定"), choices=[("", "—"), *Decision.choices], required=False
    )
    reasons = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=COMMENT_MAX_CHARS,
        required=False,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def listing(request):
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.created_by = request.user
        try:
            with transaction.atomic():
                meeting.save()
        except IntegrityError:
            # A colleague created one of that name a moment ago (the form checked before).
            form.add_error("session", _("已有同名的党组会，请核对会议名称。"))
        else:
            messages.success(request, _("已创建“%(session)s”，请列入议题。") % {"session": meeting.session})
            return redirect("review:meeting", pk=meeting.pk)
    page = Paginator(
        Meeting.objects.annotate(
            files=Count("items"),
            approved=Count("items", filter=Q(items__decision=Decision.APPROVE)),
            rejected=Count("items", filter=Q(items__decision=Decision.REJECT)),
            deferred=Count("items", filter=Q(items__decision=Decision.DEFER)),
        ).order_by("-held_on", "-pk"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "review/meetings.html",
        {"form": form, "page": page, "awaiting": meetings.awaiting_decision().count()},
    )


def _meeting(pk):
    return get_object_or_404(Meeting, pk=pk)


def _item_forms(meeting, items, data=None):
    return [
        (
            item,
            ItemForm(
                data, prefix=f"item{item.pk}", initial={"decision": item.decision, "reasons": item.reasons}
            ),
        )
        for item in items
    ]


def _page(request, meeting, item_forms=None, status=200):
    items = meetings.agenda_items(meeting)
    return render(
        request,
        "review/meeting.html",
        {
            "meeting": meeting,
            "item_forms": item_forms or _item_forms(meeting, items),
            "candidates": meetings.agenda_candidates(meeting)[: meetings.MAX_ITEMS]
            if meeting.is_draft
            else [],
            "minutes": meeting.minutes.first(),
            "upload_form": UploadForm(),
            "problems": meetings.problems(meeting, items, meeting.minutes.exists())
            if meeting.is_draft
            else [],
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    """The meeting: its agenda with a decision per file, its minutes, and the recording."""
    meeting = _meeting(pk)
    if request.method == "GET":
        return _page(request, meeting)
    operation = request.POST.get("op", "")
    try:
        if operation == "add":
            chosen = posted_ids(request, "application", meetings.MAX_ITEMS)
            files = list(meetings.awaiting_decision().filter(pk__in=chosen))
            if not files:
                messages.error(request, _("请勾选要列入议题的申报。"))
            else:
                meetings.add_files(meeting, files)
                messages.success(request, _("已列入议题 %(n)d 件。") % {"n": len(files)})
        elif operation == "remove":
            meetings.remove_item(meeting, posted_id(request, "item"))
        elif operation in ("decide", "record"):
            # One form holds the decisions and both buttons: what is recorded is what the
            # clerk sees on the page, saved first.
            items = meetings.agenda_items(meeting)
            forms_ = _item_forms(meeting, items, request.POST)
            # An item the page did not show (a colleague added it since) keeps what it has.
            shown = [(item, form) for item, form in forms_ if f"{form.prefix}-decision" in request.POST]
            if not all(form.is_valid() for _item, form in shown):
                messages.error(request, _("决定未保存：请按提示修改，已填写的内容都还在。"))
                return _page(request, meeting, forms_, status=400)
            meetings.set_decisions(
                meeting,
                {
                    item.pk: (form.cleaned_data["decision"], form.cleaned_data["reasons"])
                    for item, form in shown
                },
            )
            if operation == "decide":
                messages.success(request, _("已保存各议题的决定。"))
            elif not request.POST.get("confirmed"):
                messages.error(
                    request, _("决定已保存，尚未录入：请勾选“我已核对各议题的决定与会议纪要一致”后再录入。")
                )
            else:
                events = meetings.record_meeting(meeting, request.user, ip_address=client_ip(request))
                messages.success(
                    request,
                    _("已录入“%(session)s”的决定，共 %(n)d 件。")
                    % {"session": meeting.session, "n": len(events)},
                )
        else:
            raise Http404
    except meetings.MeetingRefused as refusal:
        tell(request, refusal)
    return redirect("review:meeting", pk=meeting.pk)


@csrf_exempt
@require_POST
@staff_required
def upload_minutes(request, pk):
    """The minutes' scan; the upload is cut off at the limit before it is read (issue 8)."""
    limit = document_store.install_size_limit(request)
    return _upload_minutes(request, pk, limit)


@csrf_protect
def _upload_minutes(request, pk, limit):
    meeting = _meeting(pk)
    form = UploadForm(request.POST, request.FILES)
    if limit.too_large:
        for name in limit.too_large.values():
            messages.error(request, document_store.too_large_message(name))
    elif not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            stored = meetings.upload_minutes(meeting, form.cleaned_data["file"], request.user)
        except (document_store.UploadRefused, meetings.MeetingRefused) as refusal:
            for message in getattr(refusal, "messages", [str(refusal)]):
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("已上传会议纪要“%(name)s”（%(pages)d 页）。")
                % {"name": stored.original_name, "pages": stored.page_count},
            )
    return redirect("review:meeting", pk=meeting.pk)


@staff_required
def minutes_file(request, pk, minutes_pk):
    meeting = _meeting(pk)
    return pages.serve_version(meeting.minutes.all(), minutes_pk)


@staff_required
def agenda_pdf(request, pk):
    """议题清单 and, once recorded, the decisions: an A4 page set in Chinese."""
    meeting = _meeting(pk)
    body = meetings.agenda_pdf(meeting)
    name = download_name(f"{meeting.session}-议题清单", fallback="meeting")
    response = FileResponse(iter([body]), content_type="application/pdf", filename=f"{name}.pdf")
    return document_store.private(response)
