"""Forms of the bureau side: the check lists as drafts, and the data the review's rows of the
transition table record (``applications.event_data.EventDataForm``, named by dotted path in
``applications.workflow.TRANSITIONS``)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.event_data import EventDataForm
from applications.forms import TOO_LONG
from applications.plain_text import refuse_invisible_characters

from ..checks import FORMAL, UNIT, as_data, failed_items, snapshot, standing, unit_items
from ..models.checks import NOTE_MAX_CHARS, UnitCheckItem

YES, NO = "yes", "no"


class ChecklistDraftForm(forms.Form):
    """One check list as the reviewer fills it in: per item an answer (yes / no, or none yet)
    and a note. Saved at any time before the decision; an item left unanswered stays as it
    was."""

    def __init__(self, data=None, *, checklist, items, found=None, **kwargs):
        super().__init__(data, **kwargs)
        self.checklist = checklist
        self.items = list(items)
        found = found or {}
        for item in self.items:
            record = found.get(item)
            self.fields[item.value] = forms.ChoiceField(
                label=item.label,
                choices=[(YES, checklist.yes), (NO, checklist.no)],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                initial=None if record is None else (YES if getattr(record, checklist.flag) else NO),
            )
            self.fields[f"{item.value}_note"] = forms.CharField(
                label=_("说明"),
                max_length=NOTE_MAX_CHARS,
                required=False,
                validators=[refuse_invisible_characters],
                error_messages={"max_length": TOO_LONG},
                initial=record.note if record is not None else "",
                widget=forms.TextInput(
                    attrs={
                        "maxlength": NOTE_MAX_CHARS,
                        "class": "form-control form-control-sm",
                        "placeholder": checklist.note_hint,
                    }
                ),
            )

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            if (cleaned.get(f"{item.value}_note") or "").strip() and not cleaned.get(item.value):
                self.add_error(
                    item.value,
                    _("请先选择“%(yes)s”或“%(no)s”，再填写说明。")
                    % {"yes": self.checklist.yes, "no": self.checklist.no},
                )
        return cleaned

    def entries(self):
        """``{item: (flag, note)}`` of the items answered."""
        return {
            item: (self.cleaned_data[item.value] == YES, self.cleaned_data.get(f"{item.value}_note", ""))
            for item in self.items
            if self.cleaned_data.get(item.value)
        }

    def problems(self):
        """Each error as a sentence naming its item."""
        messages = []
        for name, errors in self.errors.items():
            item = name.removesuffix("_note")
            label = self.checklist.items(item).label if item in self.checklist.items.values else ""
            for error in errors:
                messages.append(
                    _("%(label)s：%(error)s") % {"label": label, "error": error} if label else error
                )
        return messages


# --- what the rows record ------------------------------------------------------------------


def _label(checklist, item):
    return str(checklist.items(item).label) if item in checklist.items.values else item


def _with_note(text, note):
    return _("%(text)s（%(note)s）") % {"text": text, "note": note} if note else str(text)


class ChecksData(EventDataForm):
    """Data holding findings of a check list (``review.checks.as_data``): read back one line
    per item, "印章齐全：已确认（说明）"."""

    # {data key: (check list, how its findings read)}: "answer" gives the item's answer and
    # note; "failure" what failed (the note, or "不通过").
    check_lists = {}
    # Keys the applicant reads but the bureau need not: they repeat a key it reads in full.
    applicant_only = frozenset()

    @classmethod
    def describe(cls, data, *, internal=True):
        lines, rest = [], {}
        for key, value in (data or {}).items():
            if key not in cls.check_lists:
                rest[key] = value
                continue
            if (not internal and key in cls.internal_fields) or (internal and key in cls.applicant_only):
                continue
            checklist, reading = cls.check_lists[key]
            for entry in value or []:
                if not isinstance(entry, dict):
                    continue
                if reading == "failure":
                    text = entry.get("note") or checklist.no
                else:
                    text = _with_note(checklist.answer(entry.get(checklist.flag)), entry.get("note"))
                lines.append((_label(checklist, entry.get("item")), str(text)))
        return lines + super().describe(rest, internal=internal)


class CheckRecord(ChecksData):
    """What ``review.checks.save`` writes on the audit trail: the round and the findings changed."""

    round = forms.IntegerField(label=gettext_lazy("提交轮次"))


class UnitCheckRecord(CheckRecord):
    check_lists = {"checks": (UNIT, "answer")}


class FormalCheckRecord(CheckRecord):
    check_lists = {"checks": (FORMAL, "answer")}


class UnitForwardForm(ChecksData):
    """Art. 5, forwarding (报市科技局): the opinion is the row's comment; the event keeps the
    unit's confirmations as they stand (the row's guard has them all given)."""

    check_lists = {"checks": (UNIT, "answer")}
    internal_fields = frozenset({"checks"})

    def clean(self):
        cleaned = super().clean()
        cleaned["checks"] = snapshot(UNIT, self.application) if self.application is not None else []
        return cleaned


class UnitReturnForm(EventDataForm):
    """Art. 5, a return by the organising unit: the reasons (the comment) name the items they
    concern, so that the lead unit knows what to fix."""

    items = forms.MultipleChoiceField(
        label=gettext_lazy("退回涉及的核查事项"),
        choices=UnitCheckItem.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一项退回涉及的核查事项。")},
        help_text=gettext_lazy("已预先勾选核查中未确认的事项；请在退回理由中写明须修改或补充的内容。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.application is not None:
            shown = unit_items(self.application)
            self.fields["items"].choices = [(item.value, item.label) for item in shown]
            if not self.is_bound:
                found = standing(UNIT, self.application)
                self.fields["items"].initial = [
                    item.value for item in shown if item in found and not found[item].confirmed
                ]

    @classmethod
    def example(cls, application, actor):
        return {"items": [UnitCheckItem.SEALS.value]}

    @classmethod
    def describe(cls, data, *, internal=True):
        return [
            (_label(UNIT, item), str(_("组织单位核查未通过"))) for item in (data or {}).get("items", [])
        ] + super().describe(
            {key: value for key, value in (data or {}).items() if key != "items"}, internal=internal
        )


class FormalAcceptForm(ChecksData):
    """Art. 6, the formal check accepted (the expert review starts): the event keeps the
    checklist, every item passed (the row's guard)."""

    check_lists = {"checklist": (FORMAL, "answer")}
    internal_fields = frozenset({"checklist"})

    def clean(self):
        cleaned = super().clean()
        cleaned["checklist"] = snapshot(FORMAL, self.application) if self.application is not None else []
        return cleaned


class FormalReturnForm(ChecksData):
    """Art. 6, a return after the formal check: the failed items, each with its note, go to
    the applicant; the whole checklist stays with the bureau."""

    check_lists = {"failed_items": (FORMAL, "failure"), "checklist": (FORMAL, "answer")}
    internal_fields = frozenset({"checklist"})
    applicant_only = frozenset({"failed_items"})

    def clean(self):
        cleaned = super().clean()
        if self.application is None:
            return cleaned
        cleaned["failed_items"] = [as_data(FORMAL, check) for check in failed_items(self.application)]
        cleaned["checklist"] = snapshot(FORMAL, self.application)
        return cleaned
