"""Annual reports of recognised alliances (年度材料, Art. 8: 市级联盟应在每年2月底前向市科技局
提供上年度工作总结和下一年度工作计划，未提交材料的联盟，视为自动放弃).

Who owes: every alliance recognised (``Recognition.recognized_on``) on or before 31 December of
year Y and not revoked or lapsed by then (its audit trail) owes a report for Y, due on its
edition's day (``PolicyEdition.annual_report_due(Y + 1)``: the last day of February, the 29th
in leap years) at 23:59:59 Asia/Shanghai. A report first submitted on time and returned by
the bureau counts as on time when submitted again before the deadline or within the edition's
grace period (``annual_report_grace_days``, from the deadline or the return, whichever is
later): :func:`on_time`, the one place that says so.

A report is its own object with its own small state (draft → submitted → accepted, or
returned → submitted again); its steps are written on the file's audit trail as activities
(``workflow.record``), never a state of the application. Its scan is checked as the
applicants' uploads are, and never enters the file's document slots, submissions or
eligibility facts. From the day after the deadline, :func:`enforce` (``manage.py
enforce_annual_reports``) moves every alliance that owed a report and has none submitted on
time to LAPSED through ``transition()``, with the year and the reason on the event, and
the lead unit gets a letter.
"""

import contextlib
import datetime
import logging
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import documents as document_store
from applications.eligibility import ACADEMIA
from applications.enums import Action, Activity, OutboxKind, Role, State
from applications.event_data import EventDataForm
from applications.models import Application, AuditEvent, User
from applications.outbox import notify
from applications.pdf import render_pdf
from applications.permissions import lead_unit_contacts
from applications.refusals import Refused
from applications.workflow import record, transition

from . import platforms as platform_register
from .deadlines import closes_at, end_of
from .models import AnnualReport, AnnualReportScan, AnnualReportStatus, MemberChangeKind, Recognition
from .models.annual import SCANS_MAX
from .recognition import portal_address

logger = logging.getLogger(__name__)

# Alliances that hold their status, and so owe reports and may lapse (Art. 8–9).
HOLDING = (State.RECOGNIZED, State.RECTIFYING)
# What ends an alliance's status: from then on it owes nothing.
ENDED = (State.REVOKED, State.LAPSED)
# A report submitted (and not returned) that the bureau has or will read.
COUNTED = (AnnualReportStatus.SUBMITTED, AnnualReportStatus.ACCEPTED)


class AnnualReportRefused(Refused):
    """A report that cannot be saved, submitted, accepted or returned; ``messages`` say why."""


class LapseReason:
    """Why an alliance lapsed (kept on the LAPSE event's data)."""

    NOT_SUBMITTED = "not_submitted"
    NOT_RESUBMITTED = "not_resubmitted"
    LATE = "late"
    CHOICES = (
        (NOT_SUBMITTED, gettext_lazy("截止时间前未报送年度材料")),
        (NOT_RESUBMITTED, gettext_lazy("年度材料退回后未在宽限期内重新报送")),
        (LATE, gettext_lazy("年度材料逾期报送")),
    )


# Dates -------------------------------------------------------------------------------------


def due_on(edition, year):
    """Art. 8: the last day on which the report for ``year`` is on time (2028-02-29 for 2027)."""
    return edition.annual_report_due(year + 1)


def due_at(edition, year):
    """The moment the report for ``year`` is due as shown: 23:59:59 Asia/Shanghai of
    :func:`due_on` (compare with :func:`closes_at`)."""
    return end_of(due_on(edition, year))


def resubmission_due_on(report):
    """The last day on which a returned report may be submitted again and count as on time: the
    grace period's days after the deadline or the return, whichever is later."""
    edition = report.application.edition
    start = due_on(edition, report.year)
    if report.returned_at is not None:
        start = max(start, timezone.localdate(report.returned_at))
    return start + datetime.timedelta(days=edition.annual_report_grace_days)


def resubmission_due_at(report):
    """23:59:59 of :func:`resubmission_due_on`, as shown."""
    return end_of(resubmission_due_on(report))


def on_time(report, at):
    """Whether a submission of ``report`` at ``at`` is on time (Art. 8): by the deadline; or,
    for a report first submitted by the deadline and returned since, within the grace period.
    The one rule, used when a report is submitted (``report.on_time``) and by :func:`enforce`."""
    deadline = closes_at(due_on(report.application.edition, report.year))
    if at < deadline:
        return True
    first = report.first_submitted_at
    return (
        report.returned_at is not None
        and first is not None
        and first < deadline
        and at < closes_at(resubmission_due_on(report))
    )


def open_year(edition, today=None):
    """The year whose report the lead unit prepares now: last year's until its deadline (from
    1 January to the end of February), then the current year's, to prepare ahead."""
    today = today or timezone.localdate()
    return today.year - 1 if today <= edition.annual_report_due(today.year) else today.year


def last_closed_year(edition, today=None):
    """The latest year whose report's deadline has passed on ``today``."""
    today = today or timezone.localdate()
    return today.year - 1 if today > edition.annual_report_due(today.year) else today.year - 2


def days_left(edition, year, now=None):
    """Calendar days to the deadline, today included (0 once it has passed)."""
    now = now or timezone.now()
    if now >= closes_at(due_on(edition, year)):
        return 0
    return (due_on(edition, year) - timezone.localdate(now)).days + 1


# Who owes -----------------------------------------------------------------------------------


def owing(year):
    """The alliances that owe a report for ``year``: recognised on or before 31 December of
    ``year`` and neither revoked nor lapsed by the end of that day (their audit trail). One
    recognised on 2027-01-10 owes nothing for 2026."""
    last_day = datetime.date(year, 12, 31)
    ended = AuditEvent.objects.filter(
        application=OuterRef("pk"),
        to_state__in=ENDED,
        created_at__lt=closes_at(last_day),
    )
    return Application.objects.filter(recognition__recognized_on__lte=last_day).exclude(Exists(ended))


def owes(application, year):
    return owing(year).filter(pk=application.pk).exists()


def may_prepare(application, year, today=None):
    """Whether the lead unit may open the report for ``year`` now: its alliance holds its
    status, was recognised by the end of ``year``, and ``year`` is last year or this one."""
    today = today or timezone.localdate()
    recognition = Recognition.objects.filter(application=application).first()
    return (
        application.state in HOLDING
        and recognition is not None
        and recognition.recognized_on.year <= year
        and year in (today.year - 1, today.year)
    )


def report_for(application, year):
    """The report of ``application`` for ``year``, made as an empty draft if there is none."""
    report, _created = AnnualReport.objects.get_or_create(application=application, year=year)
    return report


def current_scan(report):
    return report.scans.order_by("-pk").first()


# Member changes against Art. 4(3) ------------------------------------------------------------


@dataclass
class MemberCheck:
    members: int
    core: int
    breaches: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def member_check(report, earlier=None):
    """Art. 4(3) after the year's member changes: at least the edition's core members, at most
    its ceiling or with a written reason. The members of the file, changed by the reports the
    bureau accepted for earlier years and by this one. A breach is flagged for the bureau, not
    a reason to refuse the report."""
    application = report.application
    edition = application.edition
    members = list(application.members.all())
    total, core = len(members), sum(1 for member in members if member.is_core)
    if earlier is None:
        earlier = AnnualReport.objects.filter(
            application=application, year__lt=report.year, status=AnnualReportStatus.ACCEPTED
        ).prefetch_related("member_changes")
    changes = [change for accepted in earlier for change in accepted.member_changes.all()]
    changes += list(report.member_changes.all())
    # Art. 4(2): who is a university or research institute, by name (a member that left is
    # named as it was listed; one that joined states its type).
    kinds = {member.name.strip(): member.org_type for member in members}
    for change in changes:
        step = 1 if change.kind == MemberChangeKind.JOINED else -1
        total += step
        core += step if change.is_core else 0
        if change.kind == MemberChangeKind.JOINED:
            kinds[change.name.strip()] = change.org_type
        else:
            kinds.pop(change.name.strip(), None)
    check = MemberCheck(members=total, core=core)
    if not set(ACADEMIA).intersection(kinds.values()):
        check.breaches.append(_("变动后成员中已没有高等院校或科研机构（第四条第（二）项：产学研结合）。"))
    if core < edition.min_core_members:
        check.breaches.append(
            _("变动后核心成员为 %(core)d 家，少于 %(minimum)d 家（第四条第（三）项）。")
            % {"core": core, "minimum": edition.min_core_members}
        )
    if total > edition.member_ceiling:
        if report.ceiling_justification.strip():
            check.notes.append(
                _("变动后成员共 %(count)d 家，超过一般上限 %(ceiling)d 家，已附书面说明。")
                % {"count": total, "ceiling": edition.member_ceiling}
            )
        else:
            check.breaches.append(
                _(
                    "变动后成员共 %(count)d 家，超过一般上限 %(ceiling)d 家，"
                    "且未附书面说明（第四条第（三）项）。"
                )
                % {"count": total, "ceiling": edition.member_ceiling}
            )
    return check


# The report's steps -------------------------------------------------------------------------


class AnnualReportRecord(EventDataForm):
    """What the audit trail keeps of a report's step."""

    year = forms.IntegerField(label=gettext_lazy("报告年度"))
    on_time = forms.BooleanField(label=gettext_lazy("按期报送"), required=False)
    member_breaches = forms.CharField(label=gettext_lazy("成员变动提示"), required=False)

    internal_fields = frozenset({"member_breaches"})


def _check_holding(application):
    """Refuse a step on the report of an alliance that no longer holds its status (lapsed or
    revoked, Art. 8, 9): it is only read from then on."""
    if application.state not in HOLDING:
        raise AnnualReportRefused(
            _("联盟当前状态为“%(state)s”，其年度材料不能再审核或退回。")
            % {"state": application.get_state_display()}
        )


def _locked(report):
    return AnnualReport.objects.select_for_update().select_related("application__edition").get(pk=report.pk)


def submission_problems(report, now):
    """What keeps ``report`` from being submitted at ``now``."""
    problems = []
    if not report.is_editable:
        problems.append(_("该年度材料已报送，不能重复报送。"))
        return problems
    if report.application.state not in HOLDING:
        problems.append(
            _("联盟当前状态为“%(state)s”，不能报送年度材料。")
            % {"state": report.application.get_state_display()}
        )
    if timezone.localdate(now).year <= report.year:
        problems.append(
            _("%(year)d 年度的工作总结须在该年度结束后（%(next)d 年 1 月 1 日起）报送。")
            % {"year": report.year, "next": report.year + 1}
        )
    elif not on_time(report, now):
        problems.append(
            _("%(year)d 年度材料的报送截止时间（%(due)s 24 时）已过（第八条）。")
            % {"year": report.year, "due": due_on(report.application.edition, report.year).isoformat()}
        )
    if not report.work_done.strip():
        problems.append(_("请填写“年度开展的主要工作”。"))
    if not report.plan_tasks.strip():
        problems.append(_("请填写“下一年度重点任务”。"))
    if not report.scans.exists():
        problems.append(_("请上传签字盖章的年度材料扫描件。"))
    return problems


def submit(report, actor, *, ip_address=None, now=None):
    """The lead unit submits ``report`` (Art. 8); recorded on the file's trail, the bureau told."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(report)
        problems = submission_problems(locked, now)
        if problems:
            raise AnnualReportRefused(*problems)
        locked.first_submitted_at = locked.first_submitted_at or now
        locked.on_time = on_time(locked, now)
        locked.submitted_at = now
        locked.submitted_by = actor
        locked.status = AnnualReportStatus.SUBMITTED
        locked.save()
        check = member_check(locked)
        event = record(
            locked.application,
            Activity.ANNUAL_REPORT_SUBMITTED,
            actor,
            data={
                "year": locked.year,
                "on_time": locked.on_time,
                "member_breaches": " ".join(check.breaches),
            },
            internal=False,
            ip_address=ip_address,
        )
        _tell(
            list(User.objects.filter(is_active=True, role=Role.STAFF).order_by("pk")),
            locked,
            event,
            actor,
            gettext_lazy("【朔州市联盟年度材料】%(name)s 报送了 %(year)d 年度材料"),
        )
    report.refresh_from_db()
    return event


def accept(report, actor, *, ip_address=None):
    """The bureau accepts a submitted report; the platforms it reports enter the register of
    Art. 7 (``review.platforms.add``, audited) unless one of that name is there already."""
    with transaction.atomic():
        locked = _locked(report)
        if locked.status != AnnualReportStatus.SUBMITTED:
            raise AnnualReportRefused(_("只能审核已报送的年度材料。"))
        _check_holding(locked.application)
        application = locked.application
        registered = set(application.platforms.values_list("name", flat=True))
        for reported in locked.platforms.all():
            if reported.name in registered:
                continue
            form = platform_register.PlatformForm(
                {
                    "kind": reported.kind,
                    "level": reported.level,
                    "name": reported.name,
                    "approving_document": reported.approving_document,
                    "year": reported.approved_year,
                }
            )
            if not form.is_valid():
                raise AnnualReportRefused(_("平台“%(name)s”的信息不完整。") % {"name": reported.name})
            try:
                platform_register.add(application, form, actor, ip_address=ip_address)
            except platform_register.PlatformRefused as refusal:
                raise AnnualReportRefused(*refusal.messages) from refusal
            registered.add(reported.name)
        locked.status = AnnualReportStatus.ACCEPTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save()
        event = record(
            application,
            Activity.ANNUAL_REPORT_ACCEPTED,
            actor,
            data={"year": locked.year, "on_time": locked.on_time},
            internal=False,
            ip_address=ip_address,
        )
        _tell(
            list(lead_unit_contacts(application.lead_unit_id)),
            locked,
            event,
            actor,
            gettext_lazy("【朔州市联盟年度材料】%(name)s 的 %(year)d 年度材料审核通过"),
        )
    report.refresh_from_db()
    return event


def return_report(report, actor, reasons, *, ip_address=None):
    """The bureau returns a submitted report with its reasons; the lead unit may submit it again
    before the deadline or within the grace period (:func:`on_time`)."""
    reasons = (reasons or "").strip()
    limit = AnnualReport._meta.get_field("return_reasons").max_length
    if not reasons:
        raise AnnualReportRefused(_("请填写退回理由。"))
    if len(reasons) > limit:
        raise AnnualReportRefused(_("退回理由不能超过 %(limit)d 字。") % {"limit": limit})
    with transaction.atomic():
        locked = _locked(report)
        if locked.status != AnnualReportStatus.SUBMITTED:
            raise AnnualReportRefused(_("只能退回已报送的年度材料。"))
        _check_holding(locked.application)
        locked.status = AnnualReportStatus.RETURNED
        locked.returned_at = timezone.now()
        locked.return_reasons = reasons
        locked.decided_by = actor
        locked.decided_at = locked.returned_at
        locked.save()
        event = record(
            locked.application,
            Activity.ANNUAL_REPORT_RETURNED,
            actor,
            comment=reasons,
            data={"year": locked.year},
            internal=False,
            ip_address=ip_address,
        )
        _tell(
            list(lead_unit_contacts(locked.application.lead_unit_id)),
            locked,
            event,
            actor,
            gettext_lazy("【朔州市联盟年度材料】%(name)s 的 %(year)d 年度材料被退回修改"),
        )
    report.refresh_from_db()
    return event


def _tell(people, report, event, actor, subject):
    application = report.application
    notify(
        people,
        kind=OutboxKind.ANNUAL_REPORT,
        subject=lambda context: subject % {"name": application.name, "year": report.year},
        template="email/annual_report.txt",
        context={
            "application": application,
            "report": report,
            "event": event,
            "resubmission_due": resubmission_due_at(report) if report.returned_at else None,
        },
        in_portal={"application": application, "event": event},
        application=application,
        created_by=actor,
    )


def _not_holding(application):
    return AnnualReportRefused(
        _("联盟当前状态为“%(state)s”，不能再修改年度材料（第八条、第九条）。")
        % {"state": application.get_state_display()}
    )


def _locked_for_change(application, year):
    """The alliance and its report for ``year`` (made if missing), both locked, once it is
    checked that the alliance still holds its status and the report may still be changed: a
    draft save or an upload racing a submission or a lapse must not undo it."""
    locked_application = Application.objects.select_for_update().get(pk=application.pk)
    if locked_application.state not in HOLDING:
        raise _not_holding(locked_application)
    locked = _locked(report_for(locked_application, year))
    if not locked.is_editable:
        raise AnnualReportRefused(_("该年度材料已报送，不能修改。"))
    return locked


def save_draft(application, year, form, changes, platforms):
    """Save the lead unit's valid ``form`` and formsets as the draft of ``year``: only the form's
    fields are written (``update_fields``), on the report locked and checked again, so that a
    submission or a lapse meanwhile is neither undone nor ignored."""
    with transaction.atomic():
        locked = _locked_for_change(application, year)
        fields = list(form._meta.fields)
        for name in fields:
            setattr(locked, name, getattr(form.instance, name))
        locked.save(update_fields=fields)
        changes.instance = platforms.instance = locked
        changes.save()
        platforms.save()
    return locked


def upload_scan(report, uploaded, user):
    """The signed, sealed scan, checked by content as the applicants' uploads are
    (``applications.documents.inspect``); each upload is kept, the newest is the report's. Only
    while the alliance holds its status and the report is a draft or returned (checked on the
    locked rows, so that an upload cannot slip in after a submission or a lapse)."""
    if report.application.state not in HOLDING:
        raise _not_holding(report.application)
    if not report.is_editable:
        raise AnnualReportRefused(_("已报送的年度材料不能再上传扫描件。"))
    try:
        inspection = document_store.inspect(uploaded, "annual_report")
    except document_store.UploadRefused as refusal:
        raise AnnualReportRefused(str(refusal)) from refusal
    with transaction.atomic():
        locked_application = Application.objects.select_for_update().get(pk=report.application_id)
        if locked_application.state not in HOLDING:
            raise _not_holding(locked_application)
        locked = _locked(report)
        if not locked.is_editable:
            raise AnnualReportRefused(_("已报送的年度材料不能再上传扫描件。"))
        if locked.scans.count() >= SCANS_MAX:
            raise AnnualReportRefused(_("扫描件最多上传 %(max)d 次。") % {"max": SCANS_MAX})
        return document_store.save_checked(AnnualReportScan(report=locked), uploaded, user, inspection)


def report_pdf(report):
    """The report as a PDF, in Chinese."""
    return render_pdf(
        "pdf/annual_report.html",
        {
            "report": report,
            "application": report.application,
            "due_on": due_on(report.application.edition, report.year),
            "check": member_check(report),
            "member_changes": list(report.member_changes.all()),
            "platforms": list(report.platforms.all()),
            "bureau": settings.PORTAL_BUREAU_NAME,
        },
    )


# Tracking ----------------------------------------------------------------------------------


class Standing:
    ACCEPTED = "accepted"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    DRAFT = "draft"
    NOT_STARTED = "not_started"
    CHOICES = (
        (ACCEPTED, gettext_lazy("已通过审核")),
        (SUBMITTED, gettext_lazy("已报送待审核")),
        (RETURNED, gettext_lazy("已退回修改")),
        (DRAFT, gettext_lazy("草稿")),
        (NOT_STARTED, gettext_lazy("未开始")),
    )
    LABELS = dict(CHOICES)


@dataclass
class BoardRow:
    application: object
    report: object
    due_at: object
    days_left: int
    standing: str
    would_lapse: bool
    breaches: list

    @property
    def standing_label(self):
        return Standing.LABELS[self.standing]


def counts(report):
    """Whether ``report`` keeps its alliance from lapsing: submitted (or accepted) on time."""
    return report is not None and report.status in COUNTED and report.on_time


def standing(report):
    if report is None:
        return Standing.NOT_STARTED
    return {
        AnnualReportStatus.ACCEPTED: Standing.ACCEPTED,
        AnnualReportStatus.SUBMITTED: Standing.SUBMITTED,
        AnnualReportStatus.RETURNED: Standing.RETURNED,
    }.get(report.status, Standing.DRAFT)


def board(year, *, now=None, prospective=None):
    """Per alliance owing a report for ``year`` (or, for a year not yet over, holding its
    status and recognised by now: it will owe one): its report's standing, the days left, and
    whether it would lapse if the deadline passed now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if prospective is None:
        prospective = today.year <= year
    if prospective:
        alliances = Application.objects.filter(state__in=HOLDING, recognition__recognized_on__lte=today)
    else:
        alliances = owing(year)
    alliances = alliances.select_related("edition", "lead_unit", "industry", "organising_unit", "recognition")
    alliances = alliances.prefetch_related("members").order_by(
        "recognition__year", "recognition__sequence", "pk"
    )
    reports = {
        report.application_id: report
        for report in AnnualReport.objects.filter(year=year, application__in=alliances).prefetch_related(
            "member_changes"
        )
    }
    # The changes the bureau accepted in earlier years, for the member check: one query.
    earlier = {}
    for accepted in AnnualReport.objects.filter(
        application__in=alliances, year__lt=year, status=AnnualReportStatus.ACCEPTED
    ).prefetch_related("member_changes"):
        earlier.setdefault(accepted.application_id, []).append(accepted)
    rows = []
    for application in alliances:
        report = reports.get(application.pk)
        if report is not None:
            report.application = application
        deadline = due_at(application.edition, year)
        rows.append(
            BoardRow(
                application=application,
                report=report,
                due_at=deadline,
                days_left=days_left(application.edition, year, now),
                standing=standing(report),
                # As enforce() would judge it at the deadline, or now if it has passed: a
                # returned report within its grace period does not lapse.
                would_lapse=application.state in HOLDING
                and lapse_reason(report, max(now, deadline)) is not None,
                breaches=_breaches(report, earlier.get(application.pk, [])),
            )
        )
    return rows


@dataclass
class Flag:
    application: object
    report: object
    breaches: list


def flagged_alliances():
    """Issue 12 §4: recognised alliances whose accepted annual reports changed their members
    so that Art. 4(2)–(3) no longer hold — each with its latest accepted report and the
    breaches, for the staff's dashboard. Flagged, never lapsed for it: the bureau decides
    (an order to rectify, Art. 9). Three queries, whatever the number of alliances."""
    alliances = {
        application.pk: application
        for application in Application.objects.filter(
            state__in=HOLDING, annual_reports__status=AnnualReportStatus.ACCEPTED
        )
        .distinct()
        .select_related("edition")
        .prefetch_related("members")
    }
    accepted = {}
    for report in (
        AnnualReport.objects.filter(application__in=alliances.keys(), status=AnnualReportStatus.ACCEPTED)
        .order_by("application", "year")
        .prefetch_related("member_changes")
    ):
        report.application = alliances[report.application_id]
        accepted.setdefault(report.application_id, []).append(report)
    flags = []
    for reports in accepted.values():
        *earlier, latest = reports
        breaches = member_check(latest, earlier).breaches
        if breaches:
            flags.append(Flag(latest.application, latest, breaches))
    return sorted(flags, key=lambda flag: flag.application.name)


def _breaches(report, earlier):
    if report is None or not report.member_changes.all():
        return []
    return member_check(report, earlier).breaches


# Automatic lapse (Art. 8: 视为自动放弃) ------------------------------------------------------


def lapse_reason(report, now):
    """Why an alliance whose report's deadline has passed lapses at ``now``, or None when its
    report counts (or, returned, is still within its grace period)."""
    if report is None:
        return LapseReason.NOT_SUBMITTED
    if report.status in COUNTED:
        return None if report.on_time else LapseReason.LATE
    if report.first_submitted_at is None:
        return LapseReason.NOT_SUBMITTED
    # Returned: it counts while a report first sent on time may still be sent again.
    return None if on_time(report, now) else LapseReason.NOT_RESUBMITTED


class LapseForm(EventDataForm):
    """What the LAPSE event keeps (Art. 8): the year whose report is missing, its deadline and
    why the alliance lapsed."""

    year = forms.IntegerField(label=gettext_lazy("报告年度"), min_value=2000, max_value=2100)
    due_on = forms.DateField(label=gettext_lazy("报送截止日期"))
    reason = forms.ChoiceField(label=gettext_lazy("原因"), choices=LapseReason.CHOICES)

    @classmethod
    def example(cls, application, actor):
        """The demo's and the test world's lapse: last year's report not submitted."""
        edition = application.edition
        year = last_closed_year(edition)
        return {
            "year": year,
            "due_on": due_on(edition, year).isoformat(),
            "reason": LapseReason.NOT_SUBMITTED,
        }


def lapse_comment(year, due, reason):
    return _(
        "未在 %(due)s 24 时前按期报送 %(year)d 年度工作总结和 %(plan)d 年度工作计划（%(why)s），"
        "依据第八条视为自动放弃，取消市级联盟资格。"
    ) % {"due": due.isoformat(), "year": year, "plan": year + 1, "why": dict(LapseReason.CHOICES)[reason]}


def send_lapse_letter(application, event, actor):
    """LAPSE's record: the letter to the lead unit's contacts, in each one's language."""
    return notify(
        list(lead_unit_contacts(application.lead_unit_id)),
        kind=OutboxKind.ANNUAL_REPORT,
        subject=lambda context: (
            _("【朔州市科学技术局】“%(name)s”视为自动放弃市级联盟资格的通知") % {"name": application.name}
        ),
        template="email/lapse_letter.txt",
        context={
            "application": application,
            "event": event,
            "year": event.data.get("year"),
            "due_on": event.data.get("due_on"),
            "directory_url": portal_address(reverse("alliance", args=[application.pk])),
        },
        in_portal={"application": application, "event": event},
        application=application,
        created_by=actor,
    )


@dataclass
class Enforcement:
    """What a run did (or, with ``dry_run``, would do)."""

    lapsed: list = field(default_factory=list)  # (application, year, reason)
    failed: list = field(default_factory=list)  # (application, year, error)
    checked: int = 0
    dry_run: bool = False

    def line(self):
        names = "; ".join(
            f"{application.pk} {application.name} ({year}, {reason})"
            for application, year, reason in self.lapsed
        )
        text = f"lapsed {len(self.lapsed)} of {self.checked} alliances checked"
        if names:
            text += f": {names}"
        if self.failed:
            text += f"; failed {len(self.failed)}: " + "; ".join(
                f"{application.pk} {application.name} ({year}, {error})"
                for application, year, error in self.failed
            )
        return text + (" (dry run)" if self.dry_run else "")


class DryRun(Exception):
    """Raised to roll a dry run back."""


def enforce(now=None, *, dry_run=False, year=None):
    """Lapse every alliance that owed a report for the last year whose deadline has passed (or
    ``year``) and has none submitted on time (Art. 8). Each alliance in its own transaction
    (a savepoint within a dry run's): one that fails is logged and counted, the others go on.
    Idempotent: a lapsed alliance no longer holds its status, so a second run finds nothing.
    ``dry_run`` rolls everything back."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = Enforcement(dry_run=dry_run)
    owed = {}
    try:
        with transaction.atomic() if dry_run else contextlib.nullcontext():
            holding = (
                Application.objects.filter(state__in=HOLDING, recognition__isnull=False)
                .select_related("edition")
                .order_by("pk")
            )
            for application in holding:
                result.checked += 1
                edition = application.edition
                chosen = year if year is not None else last_closed_year(edition, today)
                if now < closes_at(due_on(edition, chosen)):
                    continue
                if chosen not in owed:
                    owed[chosen] = set(owing(chosen).values_list("pk", flat=True))
                if application.pk not in owed[chosen]:
                    continue
                report = AnnualReport.objects.filter(application=application, year=chosen).first()
                reason = lapse_reason(report, now)
                if reason is None:
                    continue
                due = due_on(edition, chosen)
                try:
                    with transaction.atomic():
                        transition(
                            application,
                            Action.LAPSE,
                            None,
                            comment=lapse_comment(chosen, due, reason),
                            data={"year": chosen, "due_on": due.isoformat(), "reason": reason},
                        )
                except Exception as error:  # one alliance's failure must not stop the others
                    logger.exception(
                        "enforce_annual_reports: lapsing application %s for %s failed", application.pk, chosen
                    )
                    result.failed.append((application, chosen, f"{type(error).__name__}: {error}"))
                    continue
                result.lapsed.append((application, chosen, reason))
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    return result
