"""The check lists on a file's page: the organising unit's confirmations (Art. 5) and the
bureau's formal check (Art. 6), saved as drafts until the file is forwarded, accepted or
returned (``review.checks``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.pages import client_ip, keep_typed, row_data, typed, typed_text
from applications.permissions import acts_as
from applications.uscc import division_code
from applications.workflow import NotPermitted, StateConflict

from .. import checks
from ..checks import CHECKLISTS, FORMAL, UNIT, UnitCheckItem
from ..forms import ChecklistDraftForm
from ..permissions import reviewed_applications


@require_POST
def save(request, pk, checklist):
    """Save the answers of ``checklist`` ("unit" or "formal") for the file ``pk``.

    A file outside the user's scope answers 404; a user who sees the file but does not keep
    this list (staff on the unit's list, a unit on the bureau's) 403; a file no longer at
    the list's step is refused with a message, nothing saved.
    """
    checklist = CHECKLISTS.get(checklist)
    if checklist is None:
        raise Http404
    application = get_object_or_404(reviewed_applications(request.user).select_related("lead_unit"), pk=pk)
    if request.user.role != checklist.role:
        raise PermissionDenied
    back = reverse("review:detail", args=[application.pk]) + f"#{checklist.key}-checks"
    form = ChecklistDraftForm(
        request.POST,
        checklist=checklist,
        items=checklist.shown(application),
        prefix=checklist.key,
    )
    if not form.is_valid():
        for problem in form.problems():
            messages.error(
                request, _("%(list)s未保存：%(problem)s") % {"list": checklist.title, "problem": problem}
            )
        keep_typed(
            request,
            f"checks:{application.pk}",
            {
                "list": [checklist.key],
                **{name: request.POST.getlist(f"{checklist.key}-{name}")[:1] for name in form.fields},
            },
        )
        return redirect(back)
    try:
        written = checks.save(
            checklist, application, request.user, form.entries(), ip_address=client_ip(request)
        )
    except NotPermitted as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except StateConflict as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    if written:
        messages.success(
            request,
            _("%(list)s已保存（%(count)d 项有改动），处理前仍可修改。")
            % {"list": checklist.title, "count": len(written)},
        )
    else:
        messages.info(request, _("%(list)s没有改动。") % {"list": checklist.title})
    return redirect(back)


def panels(request, application, latest):
    """The check lists the user reads on the file's page: the unit's (units and staff) and the
    bureau's (staff), each editable while the file is at its step and the user keeps it."""
    kept = typed(request, f"checks:{application.pk}")
    user = request.user
    shown = {"unit_checks": None, "formal_checks": None}
    if user.role in (UNIT.role, FORMAL.role):
        shown["unit_checks"] = _panel(user, UNIT, application, latest, kept)
    if user.role == FORMAL.role:
        shown["formal_checks"] = _panel(user, FORMAL, application, latest, kept)
    return shown


def _panel(user, checklist, application, latest, kept):
    editable = (
        latest is not None
        and application.state == checklist.state
        and acts_as(user, application, checklist.role)
    )
    if editable:
        submission, found = latest, checks.standing(checklist, application, latest)
    else:
        submission, found = checks.last_checked(checklist, application)
        if submission is None:
            return None
    items = checklist.shown(application)
    form = None
    if editable:
        mine = typed_text(kept, "list") == checklist.key
        data = (
            row_data({k: v for k, v in kept.items() if k != "list"}, prefix=checklist.key) if mine else None
        )
        form = ChecklistDraftForm(data, checklist=checklist, items=items, found=found, prefix=checklist.key)
    previous_submission, previous = (None, {})
    if checklist is FORMAL and editable:
        previous_submission, previous = checks.previous_round(checklist, application, submission)
    return {
        "checklist": checklist,
        "editable": editable,
        "submission": submission,
        "url": reverse(f"review:{checklist.key}_checks", args=[application.pk]),
        "rows": [
            {
                "item": item,
                "record": found.get(item),
                "answer": form[item.value] if form else None,
                "note": form[f"{item.value}_note"] if form else None,
                "hint": _hint(item, application, latest),
                **_reading(checklist, found.get(item)),
                "previous": _reading(checklist, previous.get(item)) if previous else None,
            }
            for item in items
        ],
        "previous_submission": previous_submission,
    }


def _reading(checklist, record):
    """How a finding reads: its answer ("已确认", "不通过"), whether it is the good one, its note."""
    if record is None:
        return {"answered": False, "ok": False, "answer_text": _("未核查"), "note_text": ""}
    ok = getattr(record, checklist.flag)
    return {"answered": True, "ok": ok, "answer_text": checklist.answer(ok), "note_text": record.note}


def _hint(item, application, latest):
    """What the reviewer checks the item against, where the file states it."""
    if item != UnitCheckItem.LEAD_ADDRESS:
        return ""
    members = latest.data.get("members", []) if latest is not None else []
    address = next((member.get("registered_address") for member in members if member.get("is_lead")), "")
    code = application.lead_unit.uscc
    return _("统一社会信用代码 %(code)s（登记机关区划码 %(division)s）；申报填写的住所：%(address)s") % {
        "code": code,
        "division": division_code(code),
        "address": address or _("未填写"),
    }
