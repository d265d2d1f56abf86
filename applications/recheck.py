"""What changed in a file's eligibility since it was submitted (issue 12 §3, §5).

A submitted file is frozen (Art. 5), but what the rules of Art. 3–5 read around it is not:
an industry or organising unit is retired, an administrator corrects an organisation's code
or type in the registry, the edition's numbers are changed. Each later step re-runs the rules
(``workflow.still_eligible``); here the result is set against the findings frozen with the
round (``Submission.data["findings"]``): which findings are new, which are gone, and why —
each new finding with the changes that may explain it.

``changed_files`` finds, for the staff's dashboard, the files in progress whose eligibility
changed, without running the rules on every file: a few queries pick the files where one of
those changes could have happened, and only those are checked.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from .eligibility import check, facts_now
from .enums import OrganisationType, RegistrationStatus, State
from .models import Application, Member, Organisation, Submission
from .submissions import edition_rules, snapshot_findings

# Where the later steps re-run the rules: submitted, not yet decided for good.
IN_PROGRESS = (
    State.SUBMITTED,
    State.FORWARDED,
    State.UNDER_REVIEW,
    State.AWAITING_DECISION,
    State.APPROVED,
    State.IN_NOTICE,
)
# How many changed files the dashboard checks and lists at most: a bound on its work.
DASHBOARD_MAX = 50

# The findings each kind of change may bring.
TYPE_CODES = frozenset({"LEAD_IS_BRANCH", "MEMBER_IS_BRANCH", "NO_ENTERPRISE", "NO_UNIVERSITY_OR_INSTITUTE"})
CODE_CODES = frozenset(
    {
        "LEAD_USCC_INVALID",
        "LEAD_NOT_LEGAL_PERSON",
        "LEAD_OUTSIDE_SHUOZHOU",
        "LEAD_ADDRESS_TO_CONFIRM",
        "LEAD_NOT_CORE_MEMBER",
    }
)
RULE_CODES = {
    "min_core_members": frozenset({"TOO_FEW_CORE_MEMBERS"}),
    "member_ceiling": frozenset({"OVER_MEMBER_CEILING", "OVER_MEMBER_CEILING_UNJUSTIFIED"}),
}


@dataclass(frozen=True)
class Change:
    """Something around the file that changed since the round was submitted."""

    message: str
    codes: frozenset
    member: str = ""  # the member's code, for a change about one member


@dataclass
class NewFinding:
    finding: object
    because: list


@dataclass
class Recheck:
    """The file's findings now set against those frozen with its latest round."""

    submission: object
    findings: list
    new: list = field(default_factory=list)
    gone: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.new or self.gone)

    @property
    def new_blocking(self):
        return [item.finding for item in self.new if item.finding.is_blocking]


def _type_label(value):
    return str(OrganisationType(value).label) if value in OrganisationType.values else value


def changes_since(application, submission, facts):
    """The changes since ``submission`` that the rules read: reference data retired, the
    registry corrected, the edition's numbers changed."""
    changes = []
    if application.industry_id and not application.industry.is_active:
        changes.append(
            Change(
                _("产业“%(name)s”已停用，不再属于“2+7+N”产业体系（参考数据已调整）。")
                % {"name": application.industry.name},
                frozenset({"INDUSTRY_NOT_IN_SYSTEM"}),
            )
        )
    if application.organising_unit_id and not application.organising_unit.is_active:
        changes.append(
            Change(
                _("组织单位“%(name)s”已停止受理（参考数据已调整）。")
                % {"name": application.organising_unit.name},
                frozenset({"ORGANISING_UNIT_INACTIVE"}),
            )
        )
    frozen = submission.data.get("members", [])
    by_code = {member["uscc"]: member for member in frozen}
    frozen_lead = next((member for member in frozen if member.get("is_lead")), None)
    for member in facts.members:
        then = frozen_lead if member.is_lead else by_code.get(member.uscc)
        if then is None:
            continue
        if then["uscc"] != member.uscc:
            changes.append(
                Change(
                    _("单位库已更正“%(name)s”的统一社会信用代码：%(then)s → %(now)s。")
                    % {"name": member.name, "then": then["uscc"], "now": member.uscc},
                    CODE_CODES,
                    member.uscc,
                )
            )
        if then["org_type"] != member.org_type:
            changes.append(
                Change(
                    _("单位库已更正“%(name)s”的单位类型：%(then)s → %(now)s。")
                    % {
                        "name": member.name,
                        "then": _type_label(then["org_type"]),
                        "now": _type_label(member.org_type),
                    },
                    TYPE_CODES,
                    member.uscc,
                )
            )
    rules_then = submission.data.get("rules")
    if rules_then:
        labels = {
            "min_core_members": _("核心成员下限"),
            "member_ceiling": _("成员总数一般上限"),
        }
        for name, now in edition_rules(facts.edition).items():
            if name in rules_then and rules_then[name] != now:
                changes.append(
                    Change(
                        _("认定条件“%(edition)s”已修改：%(rule)s %(then)d → %(now)d 家。")
                        % {
                            "edition": facts.edition.name,
                            "rule": labels[name],
                            "then": rules_then[name],
                            "now": now,
                        },
                        RULE_CODES[name],
                    )
                )
    return changes


def _keys(submission):
    """The frozen findings as ``(code, member code)``; a round kept before members were
    recorded with its findings gives ``(code, None)``, which matches any member."""
    return {(item["code"], item.get("member")) for item in submission.data.get("findings", [])}


def recheck(application, submission=None):
    """The file's findings now (``facts_now``) against those of its latest round, or None
    for a file that was never submitted or whose round kept no findings."""
    if submission is None:
        submission = application.submissions.order_by("-number").first()
    if submission is None or "findings" not in submission.data:
        return None
    facts = facts_now(application)
    findings = check(application, facts)
    member_codes = {member.pk: member.uscc for member in facts.members}
    then = _keys(submission)
    now = set()
    result = Recheck(
        submission=submission, findings=findings, changes=changes_since(application, submission, facts)
    )
    for finding in findings:
        key = (finding.code, member_codes.get(finding.member_id, ""))
        now.add(key)
        if key in then or (finding.code, None) in then:
            continue
        because = [
            change
            for change in result.changes
            if finding.code in change.codes
            and (not change.member or not finding.member_id or change.member == key[1])
        ]
        result.new.append(NewFinding(finding, because))
    frozen = snapshot_findings(submission.data) or []
    for item, finding in zip(submission.data["findings"], frozen, strict=True):
        key = (item["code"], item.get("member"))
        if key not in now and not (key[1] is None and any(code == item["code"] for code, _member in now)):
            result.gone.append(finding)
    return result


def candidates():
    """Files in progress where something the rules read may have changed since submission:
    a retired industry or organising unit, a lead unit or member the registry now records
    otherwise than the file states, an edition whose numbers differ from the round's. A
    superset of the changed files; ``changed_files`` checks each."""
    approved = Organisation.objects.filter(registration_status=RegistrationStatus.APPROVED)
    registry_differs = Member.objects.filter(application=OuterRef("pk")).filter(
        Q(is_lead=True)
        & (~Q(uscc=OuterRef("lead_unit__uscc")) | ~Q(org_type=OuterRef("lead_unit__org_type")))
        | Q(is_lead=False)
        & Exists(approved.filter(uscc=OuterRef("uscc")).exclude(org_type=OuterRef("org_type")))
    )
    in_progress = Application.objects.filter(state__in=IN_PROGRESS)
    picked = set(
        in_progress.filter(
            Q(industry__is_active=False) | Q(organising_unit__is_active=False) | Exists(registry_differs)
        ).values_list("pk", flat=True)
    )
    # The edition's numbers against each file's latest round (a few small values per file).
    latest = (
        Submission.objects.filter(application=OuterRef("application"))
        .order_by("-number")
        .values("number")[:1]
    )
    rounds = Submission.objects.filter(application__state__in=IN_PROGRESS, number=latest).values_list(
        "application_id",
        "application__edition__min_core_members",
        "application__edition__member_ceiling",
        "data__rules__min_core_members",
        "data__rules__member_ceiling",
    )
    for pk, minimum, ceiling, minimum_then, ceiling_then in rounds:
        if (minimum_then is not None and minimum_then != minimum) or (
            ceiling_then is not None and ceiling_then != ceiling
        ):
            picked.add(pk)
    return picked


def changed_files(scope):
    """``[(application, Recheck)]``: the files of ``scope`` in progress whose findings differ
    from those frozen at submission, new blocking findings first, at most ``DASHBOARD_MAX``."""
    files = (
        scope.filter(pk__in=candidates(), state__in=IN_PROGRESS)
        .select_related("industry", "organising_unit", "edition", "lead_unit")
        .defer("edition__full_text")
        .order_by("pk")[:DASHBOARD_MAX]
    )
    found = []
    for application in files:
        result = recheck(application)
        if result is not None and result.changed:
            found.append((application, result))
    return sorted(found, key=lambda pair: (not pair[1].new_blocking, pair[0].pk))
