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

from django.db.models import OuterRef, Q
from django.utils.translation import gettext as _

from .eligibility import ACADEMIA, check, facts_now, register_says
from .enums import OrganisationType, RegistrationStatus, Severity, State
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
# How many changed files the dashboard lists at most, and how many candidates it re-checks
# at most to find them (about eight queries each): a bound on its work.
DASHBOARD_MAX = 50
RECHECK_MAX = 60

# The findings each kind of change may bring.
TYPE_CODES = frozenset(
    {
        "LEAD_IS_BRANCH",
        "MEMBER_IS_BRANCH",
        "NO_ENTERPRISE",
        "NO_UNIVERSITY_OR_INSTITUTE",
        "REGISTRY_CORRECTED",
    }
)
CODE_CODES = frozenset(
    {
        "LEAD_USCC_INVALID",
        "LEAD_NOT_LEGAL_PERSON",
        "LEAD_OUTSIDE_SHUOZHOU",
        "LEAD_ADDRESS_TO_CONFIRM",
        "LEAD_NOT_CORE_MEMBER",
        "REGISTRY_CORRECTED",
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
    # For a change of type, the two types: it explains a finding about the alliance's mix
    # (no enterprise, no university or institute) only if one of them is of that kind.
    types: frozenset = frozenset()


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
    def other_changes(self):
        """The changes no new finding names as its cause (shown once, apart)."""
        cited = {change for item in self.new for change in item.because}
        return [change for change in self.changes if change not in cited]

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
                    frozenset({then["org_type"], member.org_type}),
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
                            "edition": facts.edition.display_name,
                            "rule": labels[name],
                            "then": rules_then[name],
                            "now": now,
                        },
                        RULE_CODES[name],
                    )
                )
    return changes


MIX = {
    "NO_ENTERPRISE": frozenset({OrganisationType.ENTERPRISE}),
    "NO_UNIVERSITY_OR_INSTITUTE": frozenset(ACADEMIA),
}


def explains(change, finding, member):
    """Whether ``change`` may have brought ``finding`` (about the member of code ``member``)."""
    if finding.code not in change.codes:
        return False
    if finding.code in MIX:
        return bool(change.types & MIX[finding.code])
    return not change.member or not finding.member_id or change.member == member


def _frozen(submission):
    """The frozen findings as ``{(code, member code): {severities}}``; a round kept before
    members were recorded with its findings gives ``(code, None)``, which matches any member."""
    frozen = {}
    for item in submission.data.get("findings", []):
        frozen.setdefault((item["code"], item.get("member")), set()).add(item["severity"])
    return frozen


def _is_new(finding, member, frozen, changes):
    """A finding not frozen with the round, or frozen as a warning and blocking now; the
    register's note on a member whose register entry changed since (a second correction)."""
    then = frozen.get((finding.code, member)) or frozen.get((finding.code, None))
    if then is None:
        return True
    if finding.code == "REGISTRY_CORRECTED" and any(change.member == member for change in changes):
        return True
    return finding.is_blocking and str(Severity.BLOCKING.value) not in then


def recheck(application, submission=None):
    """The file's findings now (``facts_now``) against those of its latest round, or None
    for a file that was never submitted or whose round kept no findings. A finding that
    became blocking (a warning then) is new; one no longer found, whatever its weight, gone."""
    if submission is None:
        submission = application.submissions.order_by("-number").first()
    if submission is None or "findings" not in submission.data:
        return None
    facts = facts_now(application)
    findings = check(application, facts)
    member_codes = {member.pk: member.uscc for member in facts.members}
    frozen = _frozen(submission)
    now = set()
    result = Recheck(
        submission=submission, findings=findings, changes=changes_since(application, submission, facts)
    )
    for finding in findings:
        member = member_codes.get(finding.member_id, "")
        now.add((finding.code, member))
        if _is_new(finding, member, frozen, result.changes):
            because = [change for change in result.changes if explains(change, finding, member)]
            result.new.append(NewFinding(finding, because))
    now_codes = {code for code, _member in now}
    for item, finding in zip(submission.data["findings"], snapshot_findings(submission.data), strict=True):
        key = (item["code"], item.get("member"))
        if key not in now and not (key[1] is None and key[0] in now_codes):
            result.gone.append(finding)
    return result


def _members_now(rows, registry, lead_unit):
    """A file's members as the rules read them now (``eligibility.registered``), as
    ``(code, type)`` pairs, from ``(code, type, is_lead)`` rows."""
    lead_code, lead_type = lead_unit
    return sorted(
        (register_says(uscc, lead_code), register_says(org_type, lead_type))
        if is_lead
        else (uscc, register_says(org_type, registry.get(uscc)))
        for uscc, org_type, is_lead in rows
    )


def candidates():
    """Files in progress where something the rules read may have changed since submission,
    in the order the dashboard lists them (the furthest on first): a retired industry or
    organising unit; members the registry now records otherwise than the latest round froze
    them (a correction, or one undone, or an entry no longer approved); fewer core members or
    more members than the file's edition now allows (its numbers changed). A few queries,
    whatever the number of files; ``changed_files`` re-checks each."""
    in_progress = Application.objects.filter(state__in=IN_PROGRESS)
    picked = set(
        in_progress.filter(Q(industry__is_active=False) | Q(organising_unit__is_active=False)).values_list(
            "pk", flat=True
        )
    )
    files = {
        pk: (state, (lead_uscc, lead_type), minimum, ceiling, justified)
        for pk, state, lead_uscc, lead_type, minimum, ceiling, justified in in_progress.values_list(
            "pk",
            "state",
            "lead_unit__uscc",
            "lead_unit__org_type",
            "edition__min_core_members",
            "edition__member_ceiling",
            "ceiling_justification",
        )
    }
    members = Member.objects.filter(application__state__in=IN_PROGRESS)
    registry = dict(
        Organisation.objects.filter(
            registration_status=RegistrationStatus.APPROVED, uscc__in=members.values("uscc")
        ).values_list("uscc", "org_type")
    )
    rows, core = {}, {}
    for pk, uscc, org_type, is_core, is_lead in members.values_list(
        "application_id", "uscc", "org_type", "is_core", "is_lead"
    ):
        rows.setdefault(pk, []).append((uscc, org_type, is_lead))
        core[pk] = core.get(pk, 0) + is_core
    latest = (
        Submission.objects.filter(application=OuterRef("application"))
        .order_by("-number")
        .values("number")[:1]
    )
    frozen = Submission.objects.filter(application__in=in_progress, number=latest).values_list(
        "application_id", "data__members", "data__rules"
    )
    for pk, then, rules in frozen:
        if pk not in files:
            continue
        _state, lead_unit, minimum, ceiling, justified = files[pk]
        now = _members_now(rows.get(pk, []), registry, lead_unit)
        then = sorted((member["uscc"], member["org_type"]) for member in then or [])
        if rules:  # the edition's numbers the round was judged by
            numbers_changed = rules != {"min_core_members": minimum, "member_ceiling": ceiling}
        else:  # a round frozen before they were kept: the numbers against the members
            count = len(rows.get(pk, []))
            numbers_changed = core.get(pk, 0) < minimum or (count > ceiling and not justified.strip())
        if now != then or numbers_changed:
            picked.add(pk)
    order = {state: index for index, state in enumerate(reversed(IN_PROGRESS))}
    return sorted(picked, key=lambda pk: (order.get(files[pk][0], 0) if pk in files else 0, pk))


def changed_files(scope):
    """``(found, unchecked)``: the files of ``scope`` in progress whose findings differ from
    those frozen at submission, as ``[(application, Recheck)]``, the furthest on first: at most
    ``DASHBOARD_MAX``, found among at most ``RECHECK_MAX`` candidates re-checked; ``unchecked``
    counts the candidates left."""
    picked = candidates()
    allowed = set(scope.filter(pk__in=picked, state__in=IN_PROGRESS).values_list("pk", flat=True))
    picked = [pk for pk in picked if pk in allowed]
    related = ("industry", "organising_unit", "edition", "lead_unit")
    files, found, checked = {}, [], 0
    for pk in picked:
        if len(found) == DASHBOARD_MAX or checked == RECHECK_MAX:
            break
        if pk not in files:  # the next ones, a page at a time
            batch = Application.objects.filter(pk__in=picked[checked : checked + DASHBOARD_MAX])
            files.update(batch.select_related(*related).defer("edition__full_text").in_bulk())
        checked += 1
        result = recheck(files[pk])
        if result is not None and result.changed:
            found.append((files[pk], result))
    return found, len(picked) - checked
