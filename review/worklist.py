"""The reviewers' work list: which files wait on whom, since when, and which are overdue.

The measure (朔科发〔2021〕5号) sets no deadline for any step: Art. 5 says only that the
organising unit checks the materials and forwards them, Art. 6 that the bureau has experts
review them and that its Party group decides. The limits in :data:`SERVICE_TARGET_DAYS` are
the bureau's own service targets, shown to mark what has waited too long; no file is refused,
returned or lapsed for having passed one.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from applications.enums import Action, State
from applications.workflow import TRANSITIONS

from .experts import ASSIGNABLE_STATES, overdue_assignments

# Calendar days (Asia/Shanghai) a file may wait in a state before it is marked overdue: the
# bureau's service targets, not the measure's (see the module's docstring).
SERVICE_TARGET_DAYS = {
    State.SUBMITTED: 10,  # the organising unit's check (Art. 5)
    State.FORWARDED: 15,  # the bureau's formal check (Art. 6)
    State.AWAITING_DECISION: 30,  # the Party group's meeting (Art. 6)
}

# A recognised alliance rests there: ordering a rectification or revoking it (Art. 9) is a
# sanction the bureau may impose at any time, not a step that waits on anyone.
RESTING_STATES = frozenset({State.RECOGNIZED})


def waiting_states(user):
    """The states whose files wait on ``user``: the transition table has a row from that
    state which ``user``'s role makes (the applicant's withdrawal aside, and the resting
    states). Within the user's own scope (``applications_for_user``), a file in one of them
    is one this user may move on."""
    return frozenset(
        row.source
        for row in TRANSITIONS
        if user.role in row.roles and row.action != Action.WITHDRAW and row.source not in RESTING_STATES
    )


def days_in_state(application, today=None):
    """Calendar days since the file's last state change, in Asia/Shanghai (0 on that day)."""
    today = today or timezone.localdate()
    return (today - timezone.localdate(application.state_changed_at)).days


def overdue_flags(applications, today=None):
    """``{pk: bool}``: whether each file has waited in its state longer than its target.

    The one place a file's overdue flag comes from; the list page and the exports ask here
    for all their files at once. A file at the expert stage is also overdue when an expert's
    review has passed its deadline (review.experts.overdue_assignments), looked up for all
    ``applications`` in one query, so that the list's query count stays flat.
    """
    today = today or timezone.localdate()
    at_expert_stage = [
        application.pk for application in applications if application.state in ASSIGNABLE_STATES
    ]
    late_reviews = (
        set(
            overdue_assignments(today)
            .filter(application_id__in=at_expert_stage)
            .values_list("application_id", flat=True)
        )
        if at_expert_stage
        else set()
    )
    return {
        application.pk: (
            application.state in SERVICE_TARGET_DAYS
            and days_in_state(application, today) > SERVICE_TARGET_DAYS[application.state]
        )
        or application.pk in late_reviews
        for application in applications
    }


@dataclass(frozen=True)
class WorkItem:
    """A file as the work list shows it (and exports it)."""

    application: object
    days_in_state: int
    waiting: bool
    overdue: bool


def work_items(applications, user, today=None):
    """The files of a page (or an export) with their days in state and their marks."""
    today = today or timezone.localdate()
    applications = list(applications)
    waiting = waiting_states(user)
    overdue = overdue_flags(applications, today)
    return [
        WorkItem(
            application=application,
            days_in_state=days_in_state(application, today),
            waiting=application.state in waiting,
            overdue=overdue[application.pk],
        )
        for application in applications
    ]


def in_worklist_order(queryset, user):
    """What waits on ``user`` first, then the rest; newest first in each (issue 9: a unit
    sees its files newest first). What has waited too long is marked, not moved."""
    waits = Q(state__in=waiting_states(user))
    return queryset.annotate(
        waits_on_me=Case(When(waits, then=Value(0)), default=Value(1), output_field=IntegerField()),
    ).order_by("waits_on_me", "-state_changed_at", "-pk")
