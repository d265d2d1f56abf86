"""The lifecycle of an application: the transition table and the one ``transition()``.

Every state change of an :class:`~applications.models.Application` goes through
:func:`transition`. It locks the row, checks the state and the actor's role on this object,
runs the guards, appends an immutable :class:`~applications.models.AuditEvent`, and queues
the notifications, which are e-mailed only once the transaction commits.

The table is data: the lifecycle page draws it, the tests walk it, and the views offer
exactly the actions it allows (DESIGN.md "Lifecycle", Art. 5–9 of 朔科发〔2021〕5号).
"""

from dataclasses import dataclass, field
from functools import cache

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance_portal.public_cache import invalidate as invalidate_public_pages

from .editions import NoEditionInForce, edition_in_force
from .eligibility import blocking_findings, check, edition_for_next_submission, facts_for, facts_now
from .enums import SYSTEM, Action, Activity, OutboxKind, Role, State
from .guards import Guard
from .models import Application, AuditEvent, Industry, User
from .outbox import notify
from .permissions import acts_as, lead_unit_contacts
from .refusals import Refused
from .registration import registration_guard
from .submissions import freeze

APPLICANT, UNIT, STAFF = Role.APPLICANT, Role.UNIT_REVIEWER, Role.STAFF


class TransitionError(Refused):
    """A transition that cannot be made; ``messages`` say why, in the user's language."""


class StateConflict(TransitionError):
    """The file is not (or no longer) in a state that allows the action."""


class NotPermitted(TransitionError):
    """The actor's role may not make this transition on this object."""


class GuardFailed(TransitionError):
    """A condition of the target state is not met."""


@cache
def resolve(reference):
    """A guard, effect, record or form named in the table by its dotted path.

    The bureau side (``review``) owns the conditions of its rows (experts assigned, reviews
    submitted); ``applications`` never imports ``review``, so the table names them by path
    and they are imported when first used.
    """
    return import_string(reference) if isinstance(reference, str) else reference


@dataclass(frozen=True)
class Transition:
    source: State
    action: Action
    target: State
    roles: frozenset
    # A return always carries reasons; forwarding needs the unit's opinion (Art. 5).
    comment_required: bool = False
    comment_label: str = gettext_lazy("意见")
    # A row that does not apply to this file is not offered at all (e.g. a resubmission
    # goes back to the level that returned the file).
    applies: object = None
    # Changes to the file made with the state change, before the audit event is written.
    effects: tuple = field(default=())
    # Records made after the audit event, which they refer to: ``(application, event, actor)``.
    records: tuple = field(default=())
    # The lead unit ticks the declaration (承诺书) when it submits.
    declaration_required: bool = False
    # Conditions of this row (``Guard``, or a dotted path to one): what is missing blocks it.
    guards: tuple = field(default=())
    # The data the row records on its audit event (an ``event_data.EventDataForm``, or a
    # dotted path to one): validated by ``transition()``, stored in ``AuditEvent.data``.
    form: object = None
    # The page where the row is made, if not the file's own (a Party-group decision is made
    # on its meeting's page, with the others of that meeting): the file page links to it.
    elsewhere: str = ""
    # The lead unit learns of the step from a letter (a Party-group decision, which staff read
    # before it goes, issue 9 §8; a recognition's, sent by a record), not the usual message.
    told_by_letter: bool = False

    def applies_to(self, application):
        return self.applies is None or self.applies(application)

    def row_guards(self):
        return [resolve(guard) for guard in self.guards]

    def row_effects(self):
        return [resolve(effect) for effect in self.effects]

    def row_records(self):
        return [resolve(record) for record in self.records]

    @property
    def form_class(self):
        return resolve(self.form) if self.form is not None else None


def _returned_by(state):
    def applies(application):
        return application.returned_from == state

    return applies


def resubmission_goes_to(level):
    """A return's effect: the file remembers ``level``, the state its resubmission goes back
    to (the row of ``_returned_by(level)``): the level that returned it (DESIGN.md
    "Lifecycle"). The bureau takes a file back at its formal check (待市科技局形式审查) whether
    it returned it from there or from the expert review, whose round ended with the return."""

    def remember_returning_level(application, row):
        application.returned_from = level

    return remember_returning_level


def _forget_returning_level(application, row):
    application.returned_from = ""


def _record_first_submission(application, row):
    if application.submitted_at is None:
        application.submitted_at = timezone.now()


def _bind_edition_in_force(application, row):
    """The file is judged under the edition in force on the day it is first submitted."""
    application.edition = edition_in_force()


# Guards belong to rows. Each module that owns a condition provides its guard.
def _edition_in_force(application, row, actor):
    """Open applications are accepted only while an edition of the measure is in force."""
    try:
        edition_in_force()
    except NoEditionInForce as refusal:
        return [str(refusal)]
    return []


def _eligible(application, row, actor):
    """Art. 4–5: the lead unit's (re)submission passes every blocking eligibility rule.

    A first submission is judged under the edition in force that day, which it is then
    bound to (``_bind_edition_in_force``); a resubmission under its own edition.
    """
    edition = edition_for_next_submission(application)
    if edition is None:
        return []  # edition_in_force_guard says so
    findings = check(application, facts_for(application, edition))
    return [str(finding.message) for finding in blocking_findings(findings)]


def _complete(application, row, actor):
    """The demo's complete file (members, documents), for a lead unit that has not filled one."""
    from .demo import complete_application

    if _eligible(application, row, actor):
        complete_application(application, actor)


# No data makes an edition be in force: the demo and the tests provide one.
edition_in_force_guard = Guard(_edition_in_force)
eligibility_guard = Guard(_eligible, satisfy=_complete)


# The way that remains for a file that no longer meets the rules at a forward step: each
# names, in the words of its button, a row of the table from the refused row's own state, so
# that the file is never stuck (tests/applications/test_eligibility_at_every_step.py walks
# them).
AT_UNIT_REVIEW = gettext_lazy(
    "本申报已不符合上述认定条件，不能报市科技局：请写明理由，将申报退回牵头单位修改（退回修改，第五条）。"
)
AT_FORMAL_CHECK = gettext_lazy(
    "本申报已不符合上述认定条件，不能启动专家评审：请在形式审查清单中将相关事项记为不通过并保存，"
    "再将申报退回牵头单位修改（退回修改，第五条、第六条）。"
)
AT_EXPERT_REVIEW = gettext_lazy(
    "本申报已不符合上述认定条件，不能提交党组会：请写明理由，将申报退回牵头单位修改（退回修改，"
    "第五条、第六条）；本轮专家评审随之终止，牵头单位修改后重新提交市科技局，重新进行形式审查和专家评审。"
)
AT_DECISION = gettext_lazy(
    "本申报已不符合上述认定条件，不能予以认定：党组会可作出不予认定的决定（不予认定，第六条）。"
)
AFTER_DECISION = gettext_lazy(
    "本申报经党组会研究通过后已不符合上述认定条件，不能发布公示：请写明理由，提请党组会重新研究"
    "（提请党组会重新研究，第六条），由党组会重新作出决定。"
)
DURING_NOTICE = gettext_lazy(
    "本申报经党组会研究通过后已不符合上述认定条件，不能认定为市级联盟：请写明理由，提请党组会重新研究"
    "（提请党组会重新研究，第六条），由党组会重新作出决定；同一公示中的其他联盟不受影响。"
)
WAY_THAT_REMAINS = {
    Action.FORWARD: AT_UNIT_REVIEW,
    Action.START_REVIEW: AT_FORMAL_CHECK,
    Action.CLOSE_REVIEW: AT_EXPERT_REVIEW,
    Action.APPROVE: AT_DECISION,
    Action.PUBLISH_NOTICE: AFTER_DECISION,
    Action.RECOGNIZE: DURING_NOTICE,
}


def _still_eligible(application, row, actor):
    """Art. 3–5 at every forward step (issue 12): the blocking rules re-run on the file's frozen
    submission (it is locked once submitted) and the organisations' current registration
    facts, under the file's own edition, honouring what the organising unit confirmed by hand.
    Each finding names its article; the last line says what the actor may still do."""
    findings = ineligibility(application)
    if not findings:
        return []
    problems = [
        _("%(article)s：%(message)s") % {"article": finding.article, "message": finding.message}
        for finding in findings
    ]
    return [*problems, str(WAY_THAT_REMAINS[row.action])]


def ineligibility(application):
    """The blocking findings on a submitted file as its next step judges it (``facts_now``)."""
    if application.edition is None:
        return []  # never submitted: no forward row starts from a draft
    return blocking_findings(check(application, facts_now(application)))


def _no_longer_eligible(application, row, actor):
    """RECONSIDER (Art. 6): the Party group's approval goes back to it only for a file that
    no longer meets the rules; an upheld objection has a way of its own."""
    if ineligibility(application):
        return []
    return [
        _(
            "本申报仍符合认定条件：提请党组会重新研究只用于党组会通过后不再符合认定条件的申报（第六条）；"
            "异议成立的，请在异议处理中办理。"
        )
    ]


def _leave_the_system(application, row, actor):
    """For the test world only (``Guard.satisfy``): the file's industry leaves the "2+7+N"
    system (Art. 3), so that it no longer meets the rules; never for a real file."""
    retired, _created = Industry.objects.get_or_create(
        code="test-retired",
        defaults={
            "name": "（测试）已调出产业体系的产业",
            "group": application.industry.group,
            "is_active": False,
        },
    )
    Application.objects.filter(pk=application.pk).update(industry=retired)
    application.industry = retired


# No data makes a submitted file eligible again: the files the demo and the tests drive are.
still_eligible = Guard(_still_eligible)
no_longer_eligible = Guard(_no_longer_eligible, satisfy=_leave_the_system)


# 单位注册审核 first: whether the account may act for its organisation; then the file's rules.
SUBMISSION = {"declaration_required": True, "records": (freeze,)}
RESUBMISSION = {**SUBMISSION, "guards": (registration_guard, eligibility_guard)}
FIRST_SUBMISSION = {**SUBMISSION, "guards": (registration_guard, edition_in_force_guard, eligibility_guard)}


# Art. 6: the Party group decides at a meeting, which names itself on each decision.
PARTY_GROUP_DECISION = {
    "form": "review.meetings.ApprovalForm",
    "elsewhere": "review:meetings",
    "told_by_letter": True,
}


def _t(source, action, target, roles, **options):
    return Transition(State(source), Action(action), State(target), frozenset(roles), **options)


WITHDRAWABLE = (
    State.DRAFT,
    State.SUBMITTED,
    State.RETURNED,
    State.FORWARDED,
    State.UNDER_REVIEW,
    State.AWAITING_DECISION,
)

TRANSITIONS = (
    # Art. 5: the lead unit applies through its organising unit.
    _t(
        State.DRAFT,
        Action.SUBMIT,
        State.SUBMITTED,
        {APPLICANT},
        effects=(_bind_edition_in_force, _record_first_submission),
        **FIRST_SUBMISSION,
    ),
    # The unit's opinion is the comment; its form keeps the item-by-item confirmations
    # (review.checks), which must all be given.
    _t(
        State.SUBMITTED,
        Action.FORWARD,
        State.FORWARDED,
        {UNIT},
        comment_required=True,
        comment_label=gettext_lazy("组织单位审核意见"),
        guards=("review.checks.unit_checks_done", still_eligible),
        form="review.forms.UnitForwardForm",
    ),
    # Reasons in words, and the items they concern.
    _t(
        State.SUBMITTED,
        Action.RETURN,
        State.RETURNED,
        {UNIT},
        comment_required=True,
        comment_label=gettext_lazy("退回理由"),
        effects=(resubmission_goes_to(State.SUBMITTED),),
        form="review.forms.UnitReturnForm",
    ),
    _t(
        State.RETURNED,
        Action.RESUBMIT,
        State.SUBMITTED,
        {APPLICANT},
        applies=_returned_by(State.SUBMITTED),
        effects=(_forget_returning_level,),
        **RESUBMISSION,
    ),
    _t(
        State.RETURNED,
        Action.RESUBMIT_TO_BUREAU,
        State.FORWARDED,
        {APPLICANT},
        applies=_returned_by(State.FORWARDED),
        effects=(_forget_returning_level,),
        **RESUBMISSION,
    ),
    # Art. 6: the bureau's formal check, expert review and the Party group's decision.
    _t(
        State.FORWARDED,
        Action.RETURN,
        State.RETURNED,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("退回理由（形式审查未通过的事项）"),
        effects=(resubmission_goes_to(State.FORWARDED),),
        # The failed items of the formal checklist go to the applicant with the reasons.
        guards=("review.checks.formal_check_failed",),
        form="review.forms.FormalReturnForm",
    ),
    # The formal check accepted: every item passed, the checklist kept on the event; and the
    # edition's number of experts assigned (review.experts). The review closes once each of
    # them has submitted; the panel's result is then frozen into the file (review.panel).
    _t(
        State.FORWARDED,
        Action.START_REVIEW,
        State.UNDER_REVIEW,
        {STAFF},
        guards=("review.checks.formal_check_passed", "review.experts.enough_experts", still_eligible),
        form="review.forms.FormalAcceptForm",
    ),
    _t(
        State.UNDER_REVIEW,
        Action.CLOSE_REVIEW,
        State.AWAITING_DECISION,
        {STAFF},
        guards=("review.scoring.all_reviews_submitted", still_eligible),
        records=("review.panel.freeze_panel",),
    ),
    # A return during the expert review (the file no longer meets the conditions, or the
    # experts found what the lead unit must fix): the round of experts ends with it, their
    # scores left out of any later panel (review.experts.end_round, the ended ones on the
    # event), and the resubmission comes back to the formal check, where the bureau assigns
    # experts afresh.
    _t(
        State.UNDER_REVIEW,
        Action.RETURN,
        State.RETURNED,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("退回理由（评审中发现的问题）"),
        effects=(resubmission_goes_to(State.FORWARDED),),
        form="review.forms.ReviewReturnForm",
        records=("review.experts.end_round",),
    ),
    _t(
        State.AWAITING_DECISION,
        Action.APPROVE,
        State.APPROVED,
        {STAFF},
        guards=(still_eligible,),
        **PARTY_GROUP_DECISION,
    ),
    _t(
        State.AWAITING_DECISION,
        Action.REJECT,
        State.REJECTED,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("不予认定理由"),
        **{**PARTY_GROUP_DECISION, "form": "review.meetings.RejectionForm"},
    ),
    # Art. 6: seven days of public notice.
    # Published with the rest of its notice, which it names (review.notices).
    _t(
        State.APPROVED,
        Action.PUBLISH_NOTICE,
        State.IN_NOTICE,
        {STAFF},
        guards=(still_eligible,),
        form="review.notices.PublicationForm",
        elsewhere="review:notices",
    ),
    # Recognised once every notice listing the file has run its period (review.notices);
    # numbered, and told by its decision letter (review.recognition).
    _t(
        State.IN_NOTICE,
        Action.RECOGNIZE,
        State.RECOGNIZED,
        {STAFF, SYSTEM},
        guards=("review.notices.period_over", "review.objections.no_open_objection", still_eligible),
        effects=("review.recognition.assign_number",),
        records=("review.recognition.send_letter",),
        told_by_letter=True,
    ),
    # An upheld objection sends the file back to the Party group, from the objection's page
    # (review.objections); the system too, should ``close_notices`` find one not yet sent back.
    _t(
        State.IN_NOTICE,
        Action.UPHOLD_OBJECTION,
        State.AWAITING_DECISION,
        {STAFF, SYSTEM},
        comment_required=True,
        comment_label=gettext_lazy("异议成立的理由"),
        form="review.objections.UpholdForm",
        elsewhere="review:objections",
    ),
    # The same from 党组会通过: an objection upheld after its notice was withdrawn (the file
    # back to APPROVED) sends the file back to the Party group all the same, so that it is
    # noticed again only after the Party group decided again (Art. 6).
    _t(
        State.APPROVED,
        Action.UPHOLD_OBJECTION,
        State.AWAITING_DECISION,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("异议成立的理由"),
        form="review.objections.UpholdForm",
        elsewhere="review:objections",
    ),
    # A file approved that no longer meets the conditions (the guards of PUBLISH_NOTICE and
    # RECOGNIZE say so) goes back to the Party group, with the reasons, to be decided again
    # (Art. 6). From 公示中 the one file goes: the others of its notice are recognised when the
    # period ends (as after an upheld objection; review.closing holds this one meanwhile).
    *(
        _t(
            source,
            Action.RECONSIDER,
            State.AWAITING_DECISION,
            {STAFF},
            comment_required=True,
            comment_label=gettext_lazy("提请重新研究的理由"),
            guards=(no_longer_eligible,),
        )
        for source in (State.APPROVED, State.IN_NOTICE)
    ),
    # A withdrawn notice (review.notices.withdraw) gives its files back to the bureau, ready
    # for a new notice; the public still read the notice, marked as withdrawn.
    _t(
        State.IN_NOTICE,
        Action.WITHDRAW_NOTICE,
        State.APPROVED,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("撤回理由"),
        form="review.notices.WithdrawalForm",
        elsewhere="review:notices",
    ),
    # Art. 8–9: supervision of recognised alliances. An order to rectify names the articles
    # breached, what must be done and a deadline (review.rectification), before which the
    # lead unit reports; staff then accept it once reported, or revoke. A serious case (false
    # materials) is revoked directly. A revocation is told by letter.
    _t(
        State.RECOGNIZED,
        Action.ORDER_RECTIFICATION,
        State.RECTIFYING,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("整改原因（违反管理办法的情形）"),
        form="review.rectification.OrderForm",
        records=("review.rectification.open_order",),
    ),
    _t(
        State.RECTIFYING,
        Action.ACCEPT_RECTIFICATION,
        State.RECOGNIZED,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("整改验收意见"),
        guards=("review.rectification.answered",),
        records=("review.rectification.accept_order",),
    ),
    _t(
        State.RECTIFYING,
        Action.REVOKE,
        State.REVOKED,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("取消资格理由"),
        form="review.rectification.RevocationForm",
        records=("review.rectification.revoke_order",),
        told_by_letter=True,
    ),
    _t(
        State.RECOGNIZED,
        Action.REVOKE,
        State.REVOKED,
        {STAFF},
        comment_required=True,
        comment_label=gettext_lazy("取消资格理由"),
        form="review.rectification.DirectRevocationForm",
        records=("review.rectification.revoke_order",),
        told_by_letter=True,
    ),
    _t(
        State.RECOGNIZED,
        Action.LAPSE,
        State.LAPSED,
        {SYSTEM},
        comment_required=True,
        comment_label=gettext_lazy("原因"),
        # The year and the reason (review.annual); the lead unit is told by a letter.
        form="review.annual.LapseForm",
        records=("review.annual.send_lapse_letter",),
        told_by_letter=True,
    ),
    # An alliance under rectification still owes its annual report (Art. 8); its open order
    # is closed as lapsed.
    _t(
        State.RECTIFYING,
        Action.LAPSE,
        State.LAPSED,
        {SYSTEM},
        comment_required=True,
        comment_label=gettext_lazy("原因"),
        # The year and the reason (review.annual); the lead unit is told by a letter.
        form="review.annual.LapseForm",
        records=("review.rectification.lapse_order", "review.annual.send_lapse_letter"),
        told_by_letter=True,
    ),
    *(_t(source, Action.WITHDRAW, State.WITHDRAWN, {APPLICANT}) for source in WITHDRAWABLE),
)

TABLE = {(row.source, row.action): row for row in TRANSITIONS}
assert len(TABLE) == len(TRANSITIONS), "two rows share a (from-state, action)"


def route(target, *, via=None):
    """The shortest list of rows from DRAFT to ``target`` (through ``via`` first, if given).

    The demo data and the tests drive files to a state along it, through ``transition()``.
    """
    if via is not None:
        return route(via) + route_from(State(via), State(target))
    return route_from(State.DRAFT, State(target))


def route_from(source, target):
    paths = {source: []}
    queue = [source]
    while queue:
        state = queue.pop(0)
        for row in TRANSITIONS:
            if row.source == state and row.target not in paths:
                paths[row.target] = [*paths[state], row]
                queue.append(row.target)
    if target not in paths:
        raise ValueError(f"{target} cannot be reached from {source}")
    return paths[target]


def actor_role(actor):
    return SYSTEM if actor is None else actor.role


def may_act(actor, application, row):
    """Whether ``actor`` (None for the system) may make ``row`` on ``application``."""
    if actor is None:
        return SYSTEM in row.roles
    return any(acts_as(actor, application, role) for role in row.roles if role != SYSTEM)


def guard_problems(application, row, actor, comment="", declared=False):
    problems = []
    if row.comment_required and not (comment or "").strip():
        problems.append(_("请填写%(label)s。") % {"label": row.comment_label})
    if row.declaration_required and not declared:
        problems.append(_("请阅读并勾选承诺书后再提交。"))
    problems.extend(row_guard_problems(application, row, actor))
    return problems


def row_guard_problems(application, row, actor):
    """What the row's guards find missing."""
    return [problem for guard in row.row_guards() for problem in guard(application, row, actor)]


def available_transitions(application, actor):
    """Rows ``actor`` may make on ``application`` now, each with what still blocks it.

    Returns ``[(row, problems)]``; the comment is not judged here, since it is typed in the
    form that makes the transition.
    """
    offered = []
    for row in TRANSITIONS:
        if row.source != application.state or not row.applies_to(application):
            continue
        if not may_act(actor, application, row):
            continue
        offered.append((row, row_guard_problems(application, row, actor)))
    return offered


def transition(application, action, actor, *, comment="", ip_address=None, declared=False, data=None):
    """Move ``application`` by ``action``, made by ``actor`` (None: the system).

    Atomic: the row is locked (``SELECT … FOR UPDATE``), so of two clerks clicking at once
    one wins and the other gets :class:`StateConflict`; nothing is applied twice. ``data``
    is what the row's form (if it has one) validates and the audit event keeps. Returns
    the new :class:`AuditEvent`; ``application`` is refreshed in place.
    """
    action = Action(action)
    comment = (comment or "").strip()
    with db_transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        row = TABLE.get((State(locked.state), action))
        if row is None or not row.applies_to(locked):
            raise StateConflict(
                _("该申报当前状态为“%(state)s”，不能执行“%(action)s”。可能已由他人处理，请刷新页面后查看。")
                % {"state": locked.get_state_display(), "action": action.label}
            )
        if not may_act(actor, locked, row):
            raise NotPermitted(_("您的角色不能对该申报执行“%(action)s”。") % {"action": action.label})
        form = row_form(row, locked, actor, data)
        problems = guard_problems(locked, row, actor, comment, declared)
        if form is not None and not form.is_valid():
            problems.extend(form.problems())
        if problems:
            raise GuardFailed(*problems)

        locked.state = row.target
        locked.state_changed_at = timezone.now()
        for effect in row.row_effects():
            effect(locked, row)
        locked.save()
        # What the public pages show may have changed: their cache is emptied on commit.
        invalidate_public_pages()
        event = AuditEvent.objects.create(
            application=locked,
            actor=actor,
            actor_role=actor_role(actor),
            action=action,
            from_state=row.source,
            to_state=row.target,
            comment=comment,
            ip_address=ip_address,
            created_at=locked.state_changed_at,
            data=form.event_data() if form is not None else {},
        )
        for record in row.row_records():
            record(locked, event, actor)
        if not row.told_by_letter:
            _queue_notifications(locked, event)
    application.refresh_from_db()
    return event


def row_form(row, application, actor, data):
    """The row's form bound to ``data`` (None when the row records no data)."""
    form_class = row.form_class
    if form_class is None:
        return None
    return form_class(data or {}, application=application, actor=actor)


def record(application, activity, actor, *, comment="", data=None, internal=True, ip_address=None):
    """Write on the file's audit trail what was done to it without moving it (an expert
    assigned, a review reopened, a staff note): an :class:`AuditEvent` whose states are the
    file's current one. Internal by default: the applicant does not see the bureau's work."""
    activity = Activity(activity)
    state = application.state
    return AuditEvent.objects.create(
        application=application,
        actor=actor,
        actor_role=actor_role(actor),
        action=activity,
        from_state=state,
        to_state=state,
        comment=(comment or "").strip(),
        ip_address=ip_address,
        data=data or {},
        internal=internal,
    )


def drive(application, rows, actor_for, *, comment=lambda row: "", ip_address=None, before=None):
    """Take ``application`` along ``rows`` through ``transition()``, as the demo data and the
    test world do: each row made by ``actor_for(row)``, its guards first satisfied where data
    can satisfy them (``Guard.satisfy``), its form given its example data.
    ``before(application, row, actor)`` runs first, for what a person would do before the
    step (revise a returned file)."""
    for row in rows:
        actor = actor_for(row)
        if before is not None:
            before(application, row, actor)
        data = prepare(application, row, actor)
        transition(
            application,
            row.action,
            actor,
            comment=comment(row) or ("—" if row.comment_required else ""),
            ip_address=ip_address,
            declared=True,
            data=data,
        )
    return application


def prepare(application, row, actor):
    """Make ``row`` possible for ``actor`` where data can: its guards satisfied by their own
    modules (``Guard.satisfy``); returns its form's example data (None: the row has no form).
    What ``drive()`` does before each step, and what a test does that makes a step itself."""
    for guard in row.row_guards():
        if guard.satisfy is not None:
            guard.satisfy(application, row, actor)
    form_class = row.form_class
    return form_class.example(application, actor) if form_class is not None else None


# The data of an activity (``record()``), read back by the form of its module.
ACTIVITY_FORMS = {
    Activity.UNIT_CHECK: "review.forms.UnitCheckRecord",
    Activity.FORMAL_CHECK: "review.forms.FormalCheckRecord",
    Activity.DEFER_DECISION: "review.meetings.DecisionForm",
    Activity.EXPERT_ASSIGNED: "review.forms.AssignmentRecord",
    Activity.ASSIGNMENT_WITHDRAWN: "review.forms.AssignmentRecord",
    Activity.REVIEW_SUBMITTED: "review.forms.SubmissionRecord",
    Activity.REVIEW_REOPENED: "review.forms.AssignmentRecord",
    Activity.OBJECTION_RECEIVED: "review.objections.ObjectionRecord",
    Activity.DISMISS_OBJECTION: "review.objections.ObjectionRecord",
    Activity.OBJECTION_UPHELD: "review.objections.ObjectionRecord",
    Activity.OBJECTION_HOLD: "review.objections.ObjectionRecord",
    Activity.PLATFORM_ADDED: "review.platforms.PlatformRecord",
    Activity.PLATFORM_CHANGED: "review.platforms.PlatformRecord",
    Activity.PLATFORM_REMOVED: "review.platforms.PlatformRecord",
    Activity.RECTIFICATION_ANSWERED: "review.rectification.AnswerRecord",
    Activity.ANNUAL_REPORT_SUBMITTED: "review.annual.AnnualReportRecord",
    Activity.ANNUAL_REPORT_ACCEPTED: "review.annual.AnnualReportRecord",
    Activity.ANNUAL_REPORT_RETURNED: "review.annual.AnnualReportRecord",
}


def event_details(event, *, internal):
    """``[(label, text)]`` of what ``event`` recorded, read through its row's form (or its
    activity's); ``internal=False`` (the applicant) leaves out the internal fields."""
    if not event.data:
        return []
    reference = ACTIVITY_FORMS.get(event.action)
    if reference is None:
        row = TABLE.get((event.from_state, event.action))
        reference = row.form if row is not None else None
    if reference is None:
        return [(key, str(value)) for key, value in event.data.items()] if internal else []
    return resolve(reference).describe(event.data, internal=internal)


def timeline(events, *, internal):
    """The events a reader may see, each with its ``details``.

    ``internal``: True for the bureau (everything); False for the applicant, who sees neither
    the internal events nor the internal fields of the others; or the roles whose internal
    records the reader may see (an organising unit: its own checks, not the bureau's notes,
    checklists or the Party group's deferrals)."""

    def sees(event):
        return internal is True or bool(internal and event.actor_role in internal)

    shown = [event for event in events if not event.internal or sees(event)]
    for event in shown:
        event.details = event_details(event, internal=sees(event))
    return shown


def recipients(application, event):
    """Who hears of a transition: the lead unit's contacts always, and the next holder."""
    users = User.objects.filter(is_active=True)
    wanted = lead_unit_contacts(application.lead_unit_id)
    if event.to_state == State.SUBMITTED:
        wanted = wanted | users.filter(
            role=Role.UNIT_REVIEWER, organising_unit_id=application.organising_unit_id
        )
    elif event.to_state == State.FORWARDED:
        wanted = wanted | users.filter(role=Role.STAFF)
    return list(wanted.exclude(pk=event.actor_id).distinct())


def _queue_notifications(application, event):
    """Tell the people of ``recipients()``, each in their own language: the in-portal message
    and the e-mail are written now, in the transaction; the e-mail goes once it commits
    (``applications.outbox``)."""
    context = {
        "application": application,
        "event": event,
        # Lazy labels: each recipient reads them in their own language.
        "from_label": State(event.from_state).label,
        "to_label": State(event.to_state).label,
        "action_label": Action(event.action).label,
        # What the step recorded that the lead unit may read (the failed items of a return),
        # called by the template, so in each recipient's language.
        "details": lambda: event_details(event, internal=False),
    }

    def subject(context):
        return _("【朔州市联盟申报】%(name)s：%(to)s") % {"name": application.name, "to": context["to_label"]}

    notify(
        recipients(application, event),
        kind=OutboxKind.TRANSITION,
        subject=subject,
        template="email/transition.txt",
        context=context,
        in_portal={"application": application, "event": event},
        application=application,
        created_by=event.actor,
    )
