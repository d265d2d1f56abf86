"""The expert pool and assignment (Art. 6): who may review a file, and the 回避声明.

Art. 6 has the bureau organise experts to review each application. The portal suggests
experts by the file's industry and their current load, refuses one whose employer is a
member (or the lead unit) of the alliance, saying which, and opens the dossier to an
assigned expert only once the expert has declared no conflict of interest; an expert may
decline with a reason instead, and staff then assign another. START_REVIEW needs the
edition's number of experts (``enough_experts``).

Every step is written on the file's audit trail as an internal event (``workflow.record``):
the applicant never sees who reviews the file.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.enums import Activity, OutboxKind, Role, State
from applications.guards import Guard
from applications.models import Application, User
from applications.outbox import notify
from applications.refusals import Refused
from applications.workflow import record

from .enums import ACTIVE_ASSIGNMENT, AssignmentStatus, ReviewStatus
from .models import Assignment, Expert, ExpertReview

# Files to which experts are assigned: at the bureau's formal check (ahead of the review),
# and under review (a replacement for an expert who declined).
ASSIGNABLE_STATES = (State.FORWARDED, State.UNDER_REVIEW)
# More would be no panel but a crowd; the edition asks for three by default.
MAX_EXPERTS_PER_FILE = 15
# A deadline further out than this is a typing error.
MAX_REVIEW_DAYS = 180


class AssignmentRefused(Refused):
    """An assignment, declaration or withdrawal that cannot be made; ``messages`` say why."""


# Where an expert's assignments stand, for the pool, the suggestions and the dashboard ------


def open_assignment_filter(prefix=""):
    """The assignments that are still work to do: active, on a file in the expert stage,
    whose review is not submitted. ``prefix`` is the path from the queried model."""
    return (
        Q(**{f"{prefix}status__in": ACTIVE_ASSIGNMENT})
        & Q(**{f"{prefix}application__state__in": ASSIGNABLE_STATES})
        & (Q(**{f"{prefix}review__isnull": True}) | Q(**{f"{prefix}review__status": ReviewStatus.DRAFT}))
    )


def with_load(experts):
    """``experts`` annotated with ``load``: how many open assignments each has."""
    return experts.annotate(
        load=Count("assignments", filter=open_assignment_filter("assignments__"), distinct=True)
    )


def active_assignments(application):
    return application.assignments.filter(status__in=ACTIVE_ASSIGNMENT)


def due_date(application, today=None):
    """The default deadline: ``review_days`` calendar days after today (Asia/Shanghai)."""
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=application.edition.review_days)


def is_overdue(assignment, today=None):
    """An active assignment whose review is not submitted, past its deadline, on a file
    still in the expert stage. Reads ``assignment.review`` (select it with the assignment)."""
    today = today or timezone.localdate()
    review = getattr(assignment, "review", None)
    return (
        assignment.is_active
        and assignment.application.state in ASSIGNABLE_STATES
        and not (review is not None and review.is_submitted)
        and assignment.due_on < today
    )


def overdue_assignments(today=None):
    """Every review past its deadline, the longest overdue first: for the staff dashboard."""
    today = today or timezone.localdate()
    return (
        Assignment.objects.filter(open_assignment_filter(), due_on__lt=today)
        .select_related("expert", "application")
        .order_by("due_on", "pk")
    )


# Conflicts of interest (Art. 6) --------------------------------------------------------------


def normalised_name(name):
    """A unit's name as compared: full-width folded (NFKC), spaces, brackets and punctuation
    dropped, lower case. "山西 XX（集团）有限公司" and "山西XX(集团)有限公司" are one name."""
    text = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"[\s()\[\]·.,，。、\-—_'\"]", "", text).lower()


@dataclass(frozen=True)
class Party:
    """A unit of the alliance as checked against an expert's employer."""

    name: str
    uscc: str
    is_lead: bool


def parties(application):
    """The lead unit and every member of ``application``: one query for the members."""
    found = {}
    lead = application.lead_unit
    found[(lead.uscc, normalised_name(lead.name))] = Party(lead.name, lead.uscc, True)
    for name, uscc, is_lead in application.members.values_list("name", "uscc", "is_lead"):
        key = (uscc, normalised_name(name))
        if key not in found:
            found[key] = Party(name, uscc, is_lead)
    return list(found.values())


def same_unit(expert, party):
    """Art. 6: by the USCC when both are known, else by the normalised name."""
    if expert.affiliation_uscc and party.uscc:
        return expert.affiliation_uscc == party.uscc
    mine = normalised_name(expert.affiliation)
    return bool(mine) and mine == normalised_name(party.name)


def conflicts(expert, units):
    """The units of the alliance (``parties(application)``) that employ ``expert``."""
    return [party for party in units if same_unit(expert, party)]


def conflict_message(expert, party):
    role = _("牵头单位") if party.is_lead else _("成员单位")
    return _(
        "专家“%(expert)s”的工作单位“%(affiliation)s”是该联盟的%(role)s“%(unit)s”，"
        "须回避（第六条），不能指派。"
    ) % {"expert": expert.name, "affiliation": expert.affiliation, "role": role, "unit": party.name}


# Suggestions --------------------------------------------------------------------------------


@dataclass
class Suggestion:
    expert: Expert
    industry_match: bool
    conflicts: list

    @property
    def assignable(self):
        return not self.conflicts and self.expert.user_id is not None


def pool_for(application, query=""):
    """Active experts not already active on ``application``, the file's industry first, then
    the least loaded; filtered by ``query`` (name, employer, fields, title) if given."""
    industry = Expert.industries.through.objects.filter(
        expert=OuterRef("pk"), industry=application.industry_id
    )
    experts = (
        with_load(Expert.objects.filter(is_active=True))
        .exclude(pk__in=active_assignments(application).values("expert_id"))
        .annotate(industry_match=Exists(industry))
        .select_related("user")
        .prefetch_related("industries")
    )
    if query:
        experts = experts.filter(search_filter(query))
    return experts.order_by("-industry_match", "load", "name", "pk")


def suggestions(application, query="", limit=20):
    """``[Suggestion]``: the pool for ``application`` (``pool_for``), each with the units of
    the alliance that employ the expert (who is then not assignable)."""
    units = parties(application)
    return [
        Suggestion(expert, expert.industry_match, conflicts(expert, units))
        for expert in pool_for(application, query)[:limit]
    ]


def search_filter(query):
    words = query.split()[:5]
    condition = Q()
    for word in words:
        condition &= (
            Q(name__icontains=word)
            | Q(affiliation__icontains=word)
            | Q(fields__icontains=word)
            | Q(title__icontains=word)
            | Q(affiliation_uscc__icontains=word)
        )
    return condition


# Assigning, declaring, declining, withdrawing ----------------------------------------------------


def _locked(application):
    """The file, locked: two clerks assigning at once are applied one after the other."""
    return (
        Application.objects.select_for_update().select_related("edition", "lead_unit").get(pk=application.pk)
    )


def assign(application, expert, actor, *, due_on=None, ip_address=None):
    """Art. 6: assign ``expert`` to review ``application`` by ``due_on`` (the edition's
    ``review_days`` from today by default). Refused for an expert whose employer is a
    member or the lead unit of the alliance, saying which. Returns the assignment."""
    with transaction.atomic():
        locked = _locked(application)
        expert = Expert.objects.select_for_update(of=("self",)).select_related("user").get(pk=expert.pk)
        problems = assignment_problems(locked, expert)
        if problems:
            raise AssignmentRefused(*problems)
        due_on = due_on or due_date(locked)
        assignment = Assignment.objects.create(
            application=locked, expert=expert, due_on=due_on, assigned_by=actor
        )
        record(
            locked,
            Activity.EXPERT_ASSIGNED,
            actor,
            data={"expert": expert.name, "due_on": due_on.isoformat()},
            ip_address=ip_address,
        )
        tell_expert(
            assignment,
            subject=gettext_lazy("【朔州市联盟申报】评审邀请：%(name)s"),
            template="email/expert_assignment.txt",
            actor=actor,
        )
    return assignment


def tell_expert(assignment, *, subject, template, actor, **context):
    """Mail the expert of ``assignment`` in their language (applications.outbox), after the
    transaction commits. A mail only: what the expert is to do is on their list at /review/;
    the bureau's internal events make no in-portal message."""
    application = assignment.application
    notify(
        [assignment.expert.user],
        kind=OutboxKind.TRANSITION,
        subject=lambda context: subject % {"name": application.name},
        template=template,
        context={"application": application, "due_on": assignment.due_on, **context},
        application=application,
        created_by=actor,
    )


def assignment_problems(application, expert):
    if application.state not in ASSIGNABLE_STATES:
        return [
            _("该申报当前状态为“%(state)s”，只能在形式审查或专家评审阶段指派专家。")
            % {"state": application.get_state_display()}
        ]
    problems = []
    user = expert.user
    if not expert.is_active:
        problems.append(_("专家“%(expert)s”已不在库，不能指派。") % {"expert": expert.name})
    if user is None or not user.is_active or user.role != Role.EXPERT:
        problems.append(
            _("专家“%(expert)s”还没有可用的评审专家账号，请先在专家库中为其关联账号。")
            % {"expert": expert.name}
        )
    active = active_assignments(application)
    if active.filter(expert=expert).exists():
        problems.append(_("专家“%(expert)s”已被指派评审此申报。") % {"expert": expert.name})
    elif active.count() >= MAX_EXPERTS_PER_FILE:
        problems.append(_("每件申报最多指派 %(n)d 位专家。") % {"n": MAX_EXPERTS_PER_FILE})
    problems.extend(conflict_message(expert, party) for party in conflicts(expert, parties(application)))
    return problems


def _locked_assignment(assignment, *related):
    """The assignment, locked after its file: the order ``transition()`` takes them in (a
    RETURN that ends the round locks the file, then its assignments), so that an expert's
    step and a return wait for each other rather than deadlock."""
    Application.objects.select_for_update().only("pk").get(pk=assignment.application_id)
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("application", "expert", *related)
        .get(pk=assignment.pk)
    )


def declare(assignment, user, *, ip_address=None):
    """The expert declares no conflict of interest with the alliance (回避声明, Art. 6):
    from then on the dossier is open to them."""
    with transaction.atomic():
        locked = _locked_assignment(assignment)
        _check_own_open(locked, user)
        if locked.status != AssignmentStatus.ASSIGNED:
            raise AssignmentRefused(_("您已就此申报作出声明。"))
        locked.status = AssignmentStatus.DECLARED
        locked.declared_at = timezone.now()
        locked.save(update_fields=["status", "declared_at"])
        record(locked.application, Activity.EXPERT_DECLARED, user, ip_address=ip_address)
    return locked


def decline(assignment, user, reason, *, ip_address=None):
    """The expert declines (申请回避) with a reason, before submitting a review; staff then
    assign another. The assignment no longer counts, and the dossier closes to them."""
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentRefused(_("请填写回避理由。"))
    with transaction.atomic():
        locked = _locked_assignment(assignment)
        _check_own_open(locked, user)
        if not locked.is_active:
            raise AssignmentRefused(_("该评审任务已结束。"))
        if _submitted(locked):
            raise AssignmentRefused(_("评审意见已提交，不能再申请回避；如有需要请联系市科技局。"))
        locked.status = AssignmentStatus.DECLINED
        locked.declined_at = timezone.now()
        locked.decline_reason = reason
        locked.save(update_fields=["status", "declined_at", "decline_reason"])
        record(locked.application, Activity.EXPERT_DECLINED, user, comment=reason, ip_address=ip_address)
    return locked


def withdraw(assignment, actor, reason, *, ip_address=None):
    """Staff withdraw an assignment whose review is not submitted (an expert who does not
    answer, a conflict found later), with a reason; then they assign another."""
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentRefused(_("请填写撤回理由。"))
    with transaction.atomic():
        locked = _locked_assignment(assignment)
        if locked.application.state not in ASSIGNABLE_STATES:
            raise AssignmentRefused(_("专家评审已结束，不能撤回指派。"))
        if not locked.is_active:
            raise AssignmentRefused(_("该指派已不在进行中。"))
        if _submitted(locked):
            raise AssignmentRefused(_("该专家的评审意见已提交，不能撤回指派。"))
        locked.status = AssignmentStatus.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.withdraw_reason = reason
        locked.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
        record(
            locked.application,
            Activity.ASSIGNMENT_WITHDRAWN,
            actor,
            comment=reason,
            data={"expert": locked.expert.name},
            ip_address=ip_address,
        )
    return locked


def _check_own_open(assignment, user):
    if assignment.expert.user_id != user.pk:
        raise AssignmentRefused(_("这不是您的评审任务。"))
    if assignment.status == AssignmentStatus.ENDED:
        raise AssignmentRefused(ROUND_ENDED)
    if assignment.application.state not in ASSIGNABLE_STATES:
        raise AssignmentRefused(_("专家评审已结束。"))


def _submitted(assignment):
    return ExpertReview.objects.filter(assignment=assignment, status=ReviewStatus.SUBMITTED).exists()


# A return during the review (the RETURN row from 专家评审中) ---------------------------------------

ROUND_ENDED = gettext_lazy("该申报已退回牵头单位修改，本轮专家评审已终止，您的评审任务随之结束。")


def round_to_end(application):
    """The active assignments of ``application``, locked until the transaction ends (a
    declaration, a decline or a review saved meanwhile waits, then finds the round ended):
    what a return during the review ends, as its event keeps it (``forms.ReviewReturnForm``).
    Whether each review was submitted says whose scores are left out."""
    locked = list(
        active_assignments(application)
        .select_for_update(of=("self",))
        .select_related("expert")
        .order_by("assigned_at", "pk")
    )
    submitted = set(
        ExpertReview.objects.filter(
            assignment__in=[assignment.pk for assignment in locked], status=ReviewStatus.SUBMITTED
        ).values_list("assignment_id", flat=True)
    )
    return [
        {
            "assignment": assignment.pk,
            "expert": assignment.expert.name,
            "submitted": assignment.pk in submitted,
        }
        for assignment in locked
    ]


def end_round(application, event, actor):
    """The record of a return during the review (Art. 5–6): the round of experts the event
    names ends. Their assignments no longer count toward START_REVIEW's ``enough_experts``,
    CLOSE_REVIEW's ``all_reviews_submitted`` or the panel, their dossier closes to them, and
    each expert is told; after the resubmission the bureau assigns experts afresh."""
    pks = [entry["assignment"] for entry in event.data.get("ended", [])]
    ended = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(application=application, pk__in=pks, status__in=ACTIVE_ASSIGNMENT)
        .select_related("expert__user", "application")
    )
    for assignment in ended:
        assignment.status = AssignmentStatus.ENDED
        assignment.ended_by = event
        assignment.save(update_fields=["status", "ended_by"])
        tell_expert(
            assignment,
            subject=gettext_lazy("【朔州市联盟申报】评审任务终止：%(name)s"),
            template="email/review_ended.txt",
            actor=actor,
        )
    return ended


# START_REVIEW's guard --------------------------------------------------------------------------


def _enough_experts(application, row, actor):
    """Art. 6: the review starts with at least the edition's number of experts assigned
    (one who declined or was withdrawn does not count)."""
    needed = application.edition.experts_per_file
    assigned = list(active_assignments(application).select_related("expert"))
    # The conflict check again, now: an expert's employer, or the alliance's members, may have
    # changed since the assignment (a return and resubmission, an edited profile).
    units = parties(application)
    problems = [
        conflict_message(assignment.expert, party)
        for assignment in assigned
        for party in conflicts(assignment.expert, units)
    ]
    if len(assigned) < needed:
        problems.append(
            _(
                "已指派 %(active)d 位评审专家，每件申报至少需要 %(needed)d 位（第六条；已回避或撤回的不计）。"
                "请先在“评审专家”中指派。"
            )
            % {"active": len(assigned), "needed": needed}
        )
    return problems


DEMO_AFFILIATION = "朔州市科技专家库（演示）"


def demo_expert(number):
    """A demo expert with an account, for driving files when the pool is short: the test
    world and the demo data only (``satisfy``)."""
    username = f"demo-expert-{number}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=f"演示专家{number}", role=Role.EXPERT)
        user.set_unusable_password()
        user.save()
    expert, _created = Expert.objects.get_or_create(
        user=user, defaults={"name": user.full_name, "title": "高级工程师", "affiliation": DEMO_AFFILIATION}
    )
    return expert


def assign_enough(application, row=None, actor=None):
    """Assign experts from the pool until ``application`` has the edition's number: the best
    suggested first; demo experts are made if the pool is short. For the demo data and the
    test world only (``Guard.satisfy``), never for a real file."""
    application = Application.objects.select_related("edition", "lead_unit").get(pk=application.pk)
    missing = application.edition.experts_per_file - active_assignments(application).count()
    if missing <= 0:
        return
    actor = actor or User.objects.filter(role=Role.STAFF, is_active=True).order_by("pk").first()
    chosen = [s.expert for s in suggestions(application, limit=50) if s.assignable][:missing]
    number = 0
    while len(chosen) < missing:
        number += 1
        expert = demo_expert(number)
        if expert not in chosen and not active_assignments(application).filter(expert=expert).exists():
            chosen.append(expert)
    for expert in chosen:
        assign(application, expert, actor)


enough_experts = Guard(_enough_experts, satisfy=assign_enough)
