"""The Party group's decision (党组会研究决定, Art. 6), taken at a meeting on several files at once.

Staff prepare a meeting: its session and date, the files awaiting a decision that it considers
(议题), the decision on each (通过, 不予认定 with reasons, 暂缓研究) and the scan of its
minutes. Recording it (:func:`record_meeting`) applies every decision in one transaction:
approvals and rejections through ``transition()`` (the APPROVE and REJECT rows are made only
here, and their audit event names the meeting), deferrals as an internal record on the file,
which stays 待党组会研究 for a later meeting. Each approval and rejection drafts its decision
letter (``review.letters``), which staff read and then send. If any decision cannot be
applied, none is, and no letter is drafted.
"""

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import documents as document_store
from applications.enums import Action, Activity, State
from applications.event_data import EventDataForm
from applications.models import Application
from applications.pdf import render_pdf
from applications.refusals import Refused
from applications.workflow import TransitionError, record, transition

from . import letters
from .models import Decision, Meeting, MeetingItem, MeetingMinutes, MeetingStatus, PanelResult

# A meeting considers a bounded number of files: an agenda, not the whole register.
MAX_ITEMS = 60
ACTIONS = {Decision.APPROVE: Action.APPROVE, Decision.REJECT: Action.REJECT}


class MeetingRefused(Refused):
    """A meeting that cannot be changed or recorded; ``messages`` say why."""


class DecisionForm(EventDataForm):
    """What the audit event of a Party-group decision keeps: the meeting that took it.

    Valid only for a meeting being recorded (still a draft: ``record_meeting`` fixes it once
    every decision is applied) that lists the file with this decision, so that a file is
    approved or rejected only as a meeting decided, and an old meeting's decision cannot be
    applied again (after an objection sends the file back, Art. 6).
    """

    decision = None  # set by the subclasses below
    meeting = forms.IntegerField(label=gettext_lazy("党组会"), min_value=1)

    def clean_meeting(self):
        pk = self.cleaned_data["meeting"]
        item = (
            MeetingItem.objects.filter(
                meeting_id=pk,
                meeting__status=MeetingStatus.DRAFT,
                application=self.application,
                decision=self.decision,
            )
            .select_related("meeting")
            .first()
        )
        if item is None:
            raise forms.ValidationError(_("该申报不在这次党组会的议题中，或会议的决定与此不同。"))
        self.meeting_record = item.meeting
        return pk

    def event_data(self):
        meeting = self.meeting_record
        return {"meeting": meeting.pk, "session": meeting.session, "held_on": meeting.held_on.isoformat()}

    @classmethod
    def describe(cls, data, *, internal=True):
        if not data.get("session"):
            return super().describe(data, internal=internal)
        return [
            (
                _("党组会"),
                _("%(session)s（%(date)s）") % {"session": data["session"], "date": data["held_on"]},
            )
        ]

    @classmethod
    def example(cls, application, actor):
        """The demo's and the test world's meeting, with this decision on the file.

        It stays a draft as the files it decides are driven through it; ``seed_demo`` then
        fixes it as ``record_meeting`` would (``finish_example``)."""
        examples = Meeting.objects.filter(session__endswith=EXAMPLE_SUFFIX)
        meeting = examples.filter(status=MeetingStatus.DRAFT).first()
        if meeting is None:
            today = timezone.localdate()
            meeting = Meeting.objects.create(
                session=f"{today.year}年第{examples.count() + 1}次党组会{EXAMPLE_SUFFIX}",
                held_on=today,
                created_by=actor,
            )
        MeetingItem.objects.update_or_create(
            meeting=meeting,
            application=application,
            defaults={"decision": cls.decision, "position": meeting.items.count() + 1},
        )
        return {"meeting": meeting.pk}


# The meetings that decide the demo's and the test world's files (``DecisionForm.example``).
EXAMPLE_SUFFIX = "（演示）"


def finish_example(actor):
    """Fix the example meeting as recorded, as ``record_meeting`` does once its decisions are
    applied (the demo drives its files through ``transition()`` one by one)."""
    meeting = Meeting.objects.filter(session__endswith=EXAMPLE_SUFFIX, status=MeetingStatus.DRAFT).first()
    if meeting is not None:
        meeting.status, meeting.recorded_by, meeting.recorded_at = (
            MeetingStatus.RECORDED,
            actor,
            timezone.now(),
        )
        meeting.save(update_fields=["status", "recorded_by", "recorded_at"])
    return meeting


class ApprovalForm(DecisionForm):
    decision = Decision.APPROVE


class RejectionForm(DecisionForm):
    decision = Decision.REJECT


def awaiting_decision():
    """Files the Party group has to decide on, with what the agenda shows of them."""
    return Application.objects.filter(state=State.AWAITING_DECISION).select_related(
        "lead_unit", "industry", "organising_unit"
    )


def agenda_items(meeting):
    """The meeting's agenda, each file with the panel's result frozen when its review closed
    (``item.panel``: the latest, or None), in a fixed number of queries."""
    items = list(
        meeting.items.select_related("application__lead_unit", "application__industry").prefetch_related(
            Prefetch("application__panel_results", PanelResult.objects.order_by("-created_at", "-pk"))
        )
    )
    for item in items:
        results = item.application.panel_results.all()
        item.panel = results[0] if results else None
    return items


def agenda_candidates(meeting):
    """Files awaiting a decision that no meeting in preparation has on its agenda yet."""
    planned = MeetingItem.objects.filter(meeting__status=MeetingStatus.DRAFT).values("application_id")
    return awaiting_decision().exclude(pk__in=planned).order_by("state_changed_at", "pk")


def _draft(meeting):
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not locked.is_draft:
        raise MeetingRefused(_("这次党组会的决定已经录入，不能再修改。"))
    return locked


def add_files(meeting, applications):
    """Put ``applications`` on the agenda, after the files already on it."""
    with transaction.atomic():
        locked = _draft(meeting)
        # The files too, so that two clerks cannot put one file on two meetings at once.
        pks = sorted(app.pk for app in applications)
        list(Application.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))
        candidates = {app.pk: app for app in agenda_candidates(locked).filter(pk__in=pks)}
        missing = [app for app in applications if app.pk not in candidates]
        if missing:
            raise MeetingRefused(
                *(
                    _("“%(name)s”不在待党组会研究的申报中，或已列入另一次党组会的议题。") % {"name": app.name}
                    for app in missing
                )
            )
        count = locked.items.count()
        if count + len(candidates) > MAX_ITEMS:
            raise MeetingRefused(_("一次党组会最多研究 %(max)d 件申报。") % {"max": MAX_ITEMS})
        MeetingItem.objects.bulk_create(
            MeetingItem(meeting=locked, application=app, position=count + index)
            for index, app in enumerate(candidates.values(), start=1)
        )


def remove_item(meeting, item_pk):
    with transaction.atomic():
        locked = _draft(meeting)
        locked.items.filter(pk=item_pk).delete()


def set_decisions(meeting, decisions):
    """Keep the decision and reasons of each item: ``{item_pk: (decision, reasons)}``; an item
    not named keeps what it had."""
    with transaction.atomic():
        locked = _draft(meeting)
        items = {item.pk: item for item in locked.items.all()}
        for pk, (decision, reasons) in decisions.items():
            item = items.get(pk)
            if item is None:
                continue
            item.decision, item.reasons = decision, reasons
            item.save(update_fields=["decision", "reasons"])


def upload_minutes(meeting, uploaded, user):
    """The minutes' scan, checked as an applicant's upload is; it replaces the earlier one."""
    inspection = document_store.inspect(uploaded, "minutes")
    with transaction.atomic():
        locked = _draft(meeting)
        earlier = list(locked.minutes.all())
        stored = document_store.save_checked(MeetingMinutes(meeting=locked), uploaded, user, inspection)
        for minutes in earlier:
            document_store.discard_version(minutes)
    return stored


def problems(meeting, items, has_minutes):
    """What keeps a meeting from being recorded, each naming the file concerned."""
    found = []
    if not items:
        found.append(_("议题为空：请先列入待研究的申报。"))
    if not has_minutes:
        found.append(_("请上传会议纪要扫描件。"))
    for item in items:
        if not item.decision:
            found.append(_("“%(name)s”尚未填写决定。") % {"name": item.application.name})
        elif item.decision == Decision.REJECT and not item.reasons.strip():
            found.append(_("“%(name)s”不予认定，请填写理由。") % {"name": item.application.name})
    return found


def record_meeting(meeting, actor, *, ip_address=None):
    """Apply every decision of ``meeting`` at once (Art. 6), then fix the meeting.

    All or nothing: a decision that cannot be applied (the file was withdrawn meanwhile, or
    a guard refuses it) refuses the whole meeting with the file's name and the reason, and
    no file moves. Returns the audit events written, in agenda order.
    """
    with transaction.atomic():
        locked = _draft(meeting)
        items = list(locked.items.select_related("application"))
        found = problems(locked, items, locked.minutes.exists())
        if found:
            raise MeetingRefused(*found)
        events = []
        for item in items:
            data = {"meeting": locked.pk}
            if item.decision == Decision.DEFER:
                state = Application.objects.select_for_update().values_list("state", flat=True)
                if state.get(pk=item.application_id) != State.AWAITING_DECISION:
                    raise MeetingRefused(
                        _("“%(name)s”：已不在待党组会研究状态，不能暂缓。") % {"name": item.application.name}
                    )
                events.append(
                    record(
                        item.application,
                        Activity.DEFER_DECISION,
                        actor,
                        comment=item.reasons,
                        data={**data, "session": locked.session, "held_on": locked.held_on.isoformat()},
                        ip_address=ip_address,
                    )
                )
                continue
            try:
                events.append(
                    transition(
                        item.application,
                        ACTIONS[Decision(item.decision)],
                        actor,
                        comment=item.reasons,
                        data=data,
                        ip_address=ip_address,
                    )
                )
            except TransitionError as refusal:
                raise MeetingRefused(
                    *(
                        _("“%(name)s”：%(message)s") % {"name": item.application.name, "message": message}
                        for message in refusal.messages
                    )
                ) from refusal
            letters.queue(item, actor)
        locked.status = MeetingStatus.RECORDED
        locked.recorded_by = actor
        locked.recorded_at = timezone.now()
        locked.save(update_fields=["status", "recorded_by", "recorded_at"])
    meeting.refresh_from_db()
    return events


def agenda_pdf(meeting):
    """The meeting's 议题清单 and, once recorded, its decisions, as PDF bytes (in Chinese)."""
    items = agenda_items(meeting)
    return render_pdf(
        "pdf/meeting.html",
        {
            "meeting": meeting,
            "items": items,
            "generated_at": timezone.localtime(),
            "bureau": settings.PORTAL_BUREAU_NAME,
        },
    )
