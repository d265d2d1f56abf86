"""What a transition records beyond its comment: a form per row of the table.

A row of ``workflow.TRANSITIONS`` may name a form (the bureau's formal checklist, a Party-group
decision with its meeting, a rectification order). ``transition()`` validates the data posted
with the action through that form and stores what it cleaned on the audit event, so the trail
holds what was decided, not only a remark. The timeline reads it back through the same form:
each field with its label, its choices shown as words, and the fields marked internal left out
for the applicant.
"""

import datetime
import decimal

from django import forms
from django.db import models
from django.utils.translation import gettext as _


class EventDataForm(forms.Form):
    """The data of one transition row. Subclasses declare fields; every field is bounded.

    ``application`` and ``actor`` are the locked file and who acts: a form may offer choices
    drawn from the file (its members, its experts) or check against it.
    """

    # Fields the applicant never sees (the panel's scores, a staff note).
    internal_fields = frozenset()

    def __init__(self, data=None, *args, application=None, actor=None, **kwargs):
        self.application = application
        self.actor = actor
        super().__init__(data, *args, **kwargs)

    def event_data(self):
        """What is stored on the audit event: the cleaned values, as JSON."""
        return {name: to_json(value) for name, value in self.cleaned_data.items()}

    @classmethod
    def example(cls, application, actor):
        """Data that passes this form for ``application``: what the demo data and the test
        world post when they drive a file along the table."""
        return {}

    def problems(self):
        """The errors as sentences that name their field, for ``GuardFailed``."""
        messages = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            for error in errors:
                messages.append(
                    _("%(label)s：%(error)s") % {"label": label, "error": error} if label else str(error)
                )
        return messages

    @classmethod
    def describe(cls, data, *, internal=True):
        """``[(label, text)]`` of stored ``data`` for the timeline; ``internal=False`` leaves
        out the internal fields. A value stored under a field the form no longer has is
        shown to the bureau under its key rather than lost, and to no one else."""
        form = cls()
        items = []
        for name, value in (data or {}).items():
            if not internal and name in cls.internal_fields:
                continue
            field = form.fields.get(name)
            if field is None:
                if internal:
                    items.append((name, _value_text(None, value)))
            elif value not in (None, "", [], {}):
                items.append((field.label, _value_text(field, value)))
        return items


def to_json(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet):
        return [item.pk for item in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(item) for item in value]
    return value


def _value_text(field, value):
    if isinstance(value, bool):
        return _("是") if value else _("否")
    choices = dict(getattr(field, "choices", None) or ()) if field is not None else {}
    choices = {str(key): label for key, label in choices.items()}
    if isinstance(value, list):
        return "、".join(str(choices.get(str(item), item)) for item in value)
    return str(choices.get(str(value), value))
