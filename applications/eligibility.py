"""The eligibility rules of Art. 3–5 (DESIGN.md "Eligibility rules"), as plain functions.

Each rule takes the :class:`Facts` of one application and yields :class:`Finding` s: a code,
a severity (blocking or warning), a message that says what to fix, and the article it comes
from. The applicant sees them live on every step of the form; ``transition()`` re-runs them
before a submission; the reviewers see the very same list.
"""

import copy
import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .editions import NoEditionInForce, article_anchor, edition_in_force
from .enums import DocumentKind, OrganisationType, RegistrationStatus, Severity, State
from .models import DocumentVersion, Organisation
from .uscc import is_legal_person, is_registered_in_shuozhou, is_valid_uscc, normalize_uscc

ART_3 = pgettext_lazy("article", "第三条")
ART_4_1 = pgettext_lazy("article", "第四条第（一）项")
ART_4_2 = pgettext_lazy("article", "第四条第（二）项")
ART_4_3 = pgettext_lazy("article", "第四条第（三）项")
ART_5_1 = pgettext_lazy("article", "第五条第（一）项")
ART_5_2 = pgettext_lazy("article", "第五条第（二）项")
ART_5_3 = pgettext_lazy("article", "第五条第（三）项")
ART_5_4 = pgettext_lazy("article", "第五条第（四）项")
ART_5 = pgettext_lazy("article", "第五条")

# Names that place a registered address (住所) in Shuozhou: the city and its six
# county-level divisions (GB/T 2260 1406…), with their suffixes ("山阴路" is in Shaoxing).
SHUOZHOU_PLACE_NAMES = (
    "朔州市",
    "朔州经济开发区",
    "朔州经济技术开发区",
    "朔州开发区",
    "朔城区",
    "平鲁区",
    "山阴县",
    "应县",
    "右玉县",
    "怀仁市",
    "怀仁县",
)
ACADEMIA = (OrganisationType.UNIVERSITY, OrganisationType.RESEARCH_INSTITUTE)
# How the name of a company's branch (分支机构, not a legal person: Art. 4(2)) ends: a
# branch's licence has a code of its own (91…, as its company's), so only the licence tells
# (the organising unit's or the bureau's confirmation, ``CONFIRMED_LEGAL_PERSONS``). Asked only
# of codes a market regulator issued (9…): a 事业单位's 分院 or 分校 (12…) and a 街道办事处
# (11…) are legal persons of their own.
BRANCH_NAME = re.compile(
    "(分公司|分厂|分行|支行|分理处|营业部|办事处|代表处|分店|分社|分部|经营部|分站|分中心|分院|分所|分校)$"
)

# What a person confirmed by hand that a rule cannot see (issue 12 §2), as the rules read it:
# the organising unit's confirmation, against the licence, that a lead unit whose code does
# not start with 1406 has its registered address in Shuozhou (``review.models.UnitCheckItem``)…
CONFIRMED_LEAD_ADDRESS = "lead_address"
# …and the unit's (or the bureau's formal check's) that the members' licences are those of
# legal persons, not of branches.
CONFIRMED_LEGAL_PERSONS = "legal_person_licences"
# Who gives them: ``review.checks.confirmations`` (named by path: ``applications`` never
# imports ``review``).
CONFIRMATIONS = "review.checks.confirmations"
# Past the organising unit: a finding only a person can settle blocks once the unit should
# have settled it (before, it is a warning for the unit to check).
PAST_THE_UNIT = (
    State.FORWARDED,
    State.UNDER_REVIEW,
    State.AWAITING_DECISION,
    State.APPROVED,
    State.IN_NOTICE,
)


@dataclass(frozen=True)
class Confirmation:
    """A fact a person confirmed by hand (issue 12 §2): what, by whom, when, in which check,
    and for which members (the member codes of the round it was given on)."""

    code: str
    by: str
    at: datetime.datetime
    source: str
    covers: frozenset = frozenset()
    # The bureau's own checklist: who and when are shown to the bureau only.
    internal: bool = False


@dataclass(frozen=True)
class Correction:
    """Where the registry's current facts (``Organisation``, kept by administrators) differ
    from what the file states for a member: the rules read the registry's."""

    member_id: int
    member_name: str
    field: str
    stated: str
    registered: str


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    article: str
    # The step of the form where the applicant fixes it (``applications.steps``).
    step: str
    member_id: int | None = None
    # The confirmation that settled it (``Confirmation``): shown beside it, and it no longer blocks.
    settled_by: object = None

    @property
    def is_blocking(self):
        return self.severity == Severity.BLOCKING

    @property
    def article_anchor(self):
        """Where the /policy/ page shows the article: "art-4"."""
        return article_anchor(self.article)


@dataclass
class Facts:
    """What the rules read, fetched once: the application, its members and current documents."""

    application: object
    members: list
    documents: list = field(default_factory=list)
    # The edition the file is judged under: its own, or at first submission the one in force.
    judged_under: object = None
    # What a person confirmed by hand that a rule cannot see (issue 12 §2): ``{code:
    # Confirmation}`` (``CONFIRMED_LEAD_ADDRESS``, ``CONFIRMED_LEGAL_PERSONS``), given to the
    # later steps by ``facts_now``.
    confirmed: dict = field(default_factory=dict)
    # Judged by a later step (``facts_now``): what only a person can settle blocks once the
    # file is past the organising unit; at (re)submission and in its snapshot it warns.
    later_step: bool = False
    # Where the registry's facts replaced what the file states (``registered``).
    corrections: list = field(default_factory=list)

    @property
    def edition(self):
        return self.judged_under or self.application.edition

    @property
    def lead(self):
        return next((member for member in self.members if member.is_lead), None)

    def confirmation(self, code, member):
        """The latest confirmation of ``code`` on record that covers ``member`` (the members
        of the round it was given on), or None."""
        covering = [found for found in self.confirmed.get(code, ()) if member.uscc in found.covers]
        return max(covering, key=lambda found: found.at, default=None)

    def current_version(self, kind, member=None):
        for document in self.documents:
            if document.kind == kind and (member is None or document.member_id == member.pk):
                versions = document.current_versions
                if versions:
                    return versions[-1]
        return None


def current_documents(application):
    """The slots still in use, each with its versions prefetched as ``current_versions``."""
    return list(
        application.documents.filter(removed_at__isnull=True).prefetch_related(
            Prefetch("versions", queryset=DocumentVersion.objects.order_by("pk"), to_attr="current_versions")
        )
    )


def edition_for_next_submission(application):
    """A draft is judged under the edition in force (it is bound to it when first submitted);
    a file submitted before keeps its own. None when no edition is in force."""
    if application.submitted_at is not None:
        return application.edition
    try:
        return edition_in_force()
    except NoEditionInForce:
        return None


def facts_for(application, edition=None, confirmed=None, *, later_step=False):
    members, corrections = registered(application, list(application.members.all()))
    return Facts(
        application=application,
        members=members,
        documents=current_documents(application),
        judged_under=edition,
        confirmed=dict(confirmed or {}),
        later_step=later_step,
        corrections=corrections,
    )


def facts_now(application):
    """A submitted file as the later steps judge it (issue 12): its frozen members and
    documents, the registry's current facts, under its own edition, with what the organising
    unit and the bureau confirmed by hand."""
    return facts_for(
        application, application.edition, import_string(CONFIRMATIONS)(application), later_step=True
    )


def register_says(stated, registered):
    """A fact as the rules read it: the register's value where it holds one, else the file's."""
    return registered or stated


def registered(application, members):
    """Art. 4: the registry's current facts prevail over what the file states.

    The lead member is the lead unit (its code and type, as an administrator may correct
    them); any other member whose code an approved organisation holds takes that
    organisation's type (an administrator records a branch as such). Returns copies of the
    members, as the rules read them, and the ``Correction`` s made.
    """
    codes = {member.uscc for member in members if not member.is_lead}
    registry = {
        organisation.uscc: organisation
        for organisation in Organisation.objects.filter(
            uscc__in=codes, registration_status=RegistrationStatus.APPROVED
        ).only("uscc", "org_type")
    }
    read, corrections = [], []
    for member in members:
        source = application.lead_unit if member.is_lead else registry.get(member.uscc)
        fields = ("uscc", "org_type") if member.is_lead else ("org_type",)
        differing = [
            name
            for name in fields
            if source is not None
            and register_says(getattr(member, name), getattr(source, name)) != getattr(member, name)
        ]
        if differing:
            stated = member
            member = copy.copy(member)
            for name in differing:
                corrections.append(
                    Correction(member.pk, member.name, name, getattr(stated, name), getattr(source, name))
                )
                setattr(member, name, getattr(source, name))
        read.append(member)
    return read, corrections


def in_shuozhou(address):
    return any(name in (address or "") for name in SHUOZHOU_PLACE_NAMES)


# --- Art. 3 and Art. 5(1): what the application states ---------------------------------


def application_complete(facts):
    """Art. 3, Art. 5(1): the application names its industry, purpose, tasks and contact."""
    application = facts.application
    required = (
        ("industry_id", "basics", _("请选择联盟所属产业（第三条“2+7+N”产业体系）。")),
        ("organising_unit_id", "basics", _("请选择组织单位（第五条：材料经组织单位审核后报市科技局）。")),
        ("purpose", "basics", _("请填写联盟的组建目的与宗旨。")),
        ("main_tasks", "basics", _("请填写联盟的主要任务。")),
        ("contact_name", "contact", _("请填写联系人姓名。")),
        ("contact_phone", "contact", _("请填写联系人电话。")),
    )
    for attribute, step, message in required:
        if not getattr(application, attribute):
            yield Finding("APPLICATION_INCOMPLETE", Severity.BLOCKING, message, ART_5_1, step)


def organising_unit_active(facts):
    """Art. 5: the file goes through an organising unit that still takes files."""
    unit = facts.application.organising_unit
    if unit is None or unit.is_active:
        return
    if facts.application.submitted_at is None:
        yield Finding(
            "ORGANISING_UNIT_INACTIVE",
            Severity.BLOCKING,
            _("组织单位“%(name)s”已停止受理，请重新选择组织单位。") % {"name": unit.name},
            ART_5,
            "basics",
        )
    else:
        # A file already submitted stays with its unit; the bureau arranges who checks it.
        yield Finding(
            "ORGANISING_UNIT_INACTIVE",
            Severity.WARNING,
            _("组织单位“%(name)s”已停止受理新的申报；本申报已提交过，请联系市科技局安排审核。")
            % {"name": unit.name},
            ART_5,
            "basics",
        )


def industry_in_system(facts):
    """Art. 3: the alliance serves an industry of Shuozhou's "2+7+N" system still in use."""
    industry = facts.application.industry
    if industry is not None and not industry.is_active:
        yield Finding(
            "INDUSTRY_NOT_IN_SYSTEM",
            Severity.BLOCKING,
            _("所选产业“%(name)s”已不在本市“2+7+N”产业体系中，请重新选择。") % {"name": industry.name},
            ART_3,
            "basics",
        )


def name_follows_pattern(facts):
    """The usual name is 朔州市…产业技术创新战略联盟; another name is allowed but flagged."""
    name = facts.application.name.strip()
    if not (name.startswith("朔州市") and name.endswith("产业技术创新战略联盟")):
        yield Finding(
            "NAME_PATTERN",
            Severity.WARNING,
            _("联盟名称通常为“朔州市……产业技术创新战略联盟”，请确认名称与联盟协议、章程一致。"),
            ART_3,
            "basics",
        )


def goals_stated(facts):
    """Art. 5(2): the agreement states the technical innovation goals; they are entered too."""
    if not facts.application.innovation_goals.strip():
        yield Finding(
            "GOALS_MISSING",
            Severity.BLOCKING,
            _("请填写联盟的技术创新目标（应与联盟协议一致）。"),
            ART_5_2,
            "goals",
        )


# --- Art. 4(1): the lead unit ---------------------------------------------------------------


def lead_unit_is_legal_person(facts):
    """Art. 4(1): an independent legal person — a well-formed USCC, not a 92 (个体工商户)."""
    code = facts.application.lead_unit.uscc
    if not is_valid_uscc(code):
        yield Finding(
            "LEAD_USCC_INVALID",
            Severity.BLOCKING,
            _("牵头单位的统一社会信用代码“%(code)s”不是有效代码，请联系市科技局核实单位信息。")
            % {"code": code},
            ART_4_1,
            "lead",
        )
    elif not is_legal_person(code):
        yield Finding(
            "LEAD_NOT_LEGAL_PERSON",
            Severity.BLOCKING,
            _("牵头单位的统一社会信用代码以 92 开头，为个体工商户，不是独立法人单位，不能牵头申报市级联盟。"),
            ART_4_1,
            "lead",
        )
    elif facts.application.lead_unit.org_type == OrganisationType.BRANCH:
        yield Finding(
            "LEAD_IS_BRANCH",
            Severity.BLOCKING,
            _(
                "牵头单位“%(name)s”在单位库中登记为分支机构，不是独立法人单位，不能牵头申报市级联盟：可由其所属法人单位牵头。"
            )
            % {"name": facts.application.lead_unit.name},
            ART_4_1,
            "lead",
        )


def lead_unit_in_shuozhou(facts):
    """Art. 4(1): registered in Shuozhou — by the USCC's division code, or by a stated address.

    A code outside 1406… (a province-registered company reads 140000) blocks until the
    applicant gives a registered address in Shuozhou, which the organising unit then
    confirms against the licence. Once confirmed (``Facts.confirmed``), the rule is
    satisfied at every later step, whatever form of the address the place names read.
    """
    code = facts.application.lead_unit.uscc
    if not is_valid_uscc(code) or is_registered_in_shuozhou(code):
        return
    # The lead unit as the registry has it now: a code corrected since is not confirmed.
    confirmation = facts.confirmation(CONFIRMED_LEAD_ADDRESS, facts.lead) if facts.lead else None
    if confirmation is not None:
        yield Finding(
            "LEAD_ADDRESS_TO_CONFIRM",
            Severity.WARNING,
            _(
                "牵头单位的登记机关不在朔州（代码第 3–8 位为 %(division)s）："
                "已对照营业执照核实，住所在朔州市内。"
            )
            % {"division": code[2:8]},
            ART_4_1,
            "lead",
            settled_by=confirmation,
        )
        return
    lead = facts.lead
    address = lead.registered_address if lead else ""
    if in_shuozhou(address):
        yield Finding(
            "LEAD_ADDRESS_TO_CONFIRM",
            Severity.WARNING,
            _(
                "牵头单位的登记机关不在朔州（代码第 3–8 位为 %(division)s），申报填写的住所“%(address)s”"
                "在朔州市内：组织单位须对照营业执照核实住所。"
            )
            % {"division": code[2:8], "address": address},
            ART_4_1,
            "lead",
        )
    else:
        yield Finding(
            "LEAD_OUTSIDE_SHUOZHOU",
            Severity.BLOCKING,
            _(
                "牵头单位应是在朔州市内注册的独立法人单位。其统一社会信用代码第 3–8 位为 %(division)s，"
                "不是朔州市的行政区划码：如单位住所在朔州市内（例如在省级登记机关登记），"
                "请在“牵头单位”一步填写营业执照上的住所。"
            )
            % {"division": code[2:8]},
            ART_4_1,
            "lead",
        )


def lead_unit_qualified(facts):
    """Art. 4(1): the lead unit's standing is stated with indicators, for the experts to judge."""
    application = facts.application
    if not application.lead_qualification.strip():
        yield Finding(
            "LEAD_QUALIFICATION_MISSING",
            Severity.BLOCKING,
            _("请说明牵头单位的技术水平、经济实力和带动作用（市内领先、省内先进）。"),
            ART_4_1,
            "lead",
        )
    indicators = ("rd_spending", "revenue", "patents", "standards", "rd_staff")
    missing = [str(application._meta.get_field(name).verbose_name) for name in indicators]
    missing = [
        label for name, label in zip(indicators, missing, strict=True) if getattr(application, name) is None
    ]
    if missing:
        yield Finding(
            "LEAD_INDICATORS_MISSING",
            Severity.BLOCKING,
            _("请填写牵头单位的指标：%(fields)s（没有的填 0）。")
            % {"fields": str(pgettext_lazy("list separator", "、")).join(missing)},
            ART_4_1,
            "lead",
        )


# --- Art. 4(2)–(3): the members -----------------------------------------------------------


def lead_unit_is_core_member(facts):
    """Art. 4(3): the lead unit is itself a member, and a core member."""
    lead = facts.lead
    if lead is None or not lead.is_core or lead.uscc != normalize_uscc(facts.application.lead_unit.uscc):
        yield Finding(
            "LEAD_NOT_CORE_MEMBER",
            Severity.BLOCKING,
            _("牵头单位应列为联盟的核心成员。"),
            ART_4_3,
            "members",
        )


def members_are_legal_persons(facts):
    """Art. 4(2): every member is an independent legal person with a valid USCC, not a branch.

    A branch recorded as such in the registry is refused. A name that reads as a branch's
    (``BRANCH_NAME``) is for the organising unit to check against the licence: a warning
    until the file is past the unit, blocking after unless the unit or the bureau confirmed
    the member's licence is a legal person's (``CONFIRMED_LEGAL_PERSONS``)."""
    for member in facts.members:
        if member.is_lead:
            pass  # the lead unit's own rules (lead_unit_is_legal_person) speak of it
        elif member.org_type == OrganisationType.BRANCH:
            yield Finding(
                "MEMBER_IS_BRANCH",
                Severity.BLOCKING,
                _(
                    "成员“%(name)s”为分支机构，不是独立法人单位，不能作为联盟成员：可由其所属法人单位加入联盟。"
                )
                % {"name": member.name},
                ART_4_2,
                "members",
                member.pk,
            )
            continue
        elif member.uscc.startswith("9") and BRANCH_NAME.search(member.name.strip()):
            yield branch_name_finding(facts, member)
        if not is_valid_uscc(member.uscc):
            yield Finding(
                "MEMBER_USCC_INVALID",
                Severity.BLOCKING,
                _("成员“%(name)s”的统一社会信用代码“%(code)s”无效，请对照营业执照核对。")
                % {"name": member.name, "code": member.uscc},
                ART_4_2,
                "members",
                member.pk,
            )
        elif not is_legal_person(member.uscc):
            yield Finding(
                "MEMBER_NOT_LEGAL_PERSON",
                Severity.BLOCKING,
                _("成员“%(name)s”为个体工商户（代码以 92 开头），不是独立法人单位，不能作为联盟成员。")
                % {"name": member.name},
                ART_4_2,
                "members",
                member.pk,
            )


def branch_name_finding(facts, member):
    """A member whose name reads as a branch's: settled once its licence was confirmed a legal
    person's; blocking at a later step past the organising unit; else a warning for the unit."""
    confirmation = facts.confirmation(CONFIRMED_LEGAL_PERSONS, member)
    if confirmation is not None:
        severity, message = (
            Severity.WARNING,
            _("成员“%(name)s”的名称像分支机构的名称：已核实其营业执照为法人执照。"),
        )
    elif facts.later_step and facts.application.state in PAST_THE_UNIT:
        severity, message = (
            Severity.BLOCKING,
            _(
                "成员“%(name)s”的名称像分支机构的名称，尚无人核实其营业执照为法人执照：分支机构不是独立法人，"
                "不能作为联盟成员。"
            ),
        )
    else:
        severity, message = (
            Severity.WARNING,
            _(
                "成员“%(name)s”的名称像分支机构的名称：分支机构不是独立法人，不能作为联盟成员；"
                "组织单位将对照营业执照核实其为法人单位。"
            ),
        )
    return Finding(
        "MEMBER_MAY_BE_BRANCH",
        severity,
        message % {"name": member.name},
        ART_4_2,
        "members",
        member.pk,
        settled_by=confirmation,
    )


def registry_prevails(facts):
    """Art. 4: where the register of organisations, kept by the bureau, records a member
    otherwise than the file states (``registered``), the rules read the register's: said so,
    so that the applicant and the reviewers know why a finding reads as it does."""
    labels = dict(OrganisationType.choices)
    for correction in facts.corrections:
        stated, registered_as = correction.stated, correction.registered
        if correction.field == "org_type":
            stated, registered_as = labels.get(stated, stated), labels.get(registered_as, registered_as)
        yield Finding(
            "REGISTRY_CORRECTED",
            Severity.WARNING,
            _(
                "单位库登记的“%(name)s”%(field)s为“%(registered)s”（申报填写为“%(stated)s”），认定条件按单位库核查。"
            )
            % {
                "name": correction.member_name,
                "field": (
                    pgettext_lazy("in a sentence", "单位类型")
                    if correction.field == "org_type"
                    else pgettext_lazy("in a sentence", "统一社会信用代码")
                ),
                "registered": registered_as,
                "stated": stated,
            },
            ART_4_2,
            "members",
            correction.member_id,
        )


def no_member_twice(facts):
    """Art. 4(2): no legal person is listed twice (same USCC, or same name)."""
    codes = Counter(member.uscc for member in facts.members)
    names = Counter(member.name.strip() for member in facts.members)
    reported = set()
    for member in facts.members:
        twice = codes[member.uscc] > 1 or names[member.name.strip()] > 1
        key = (member.uscc, member.name.strip())
        if twice and member.uscc not in reported and member.name.strip() not in reported:
            reported.update(key)
            yield Finding(
                "MEMBER_DUPLICATE",
                Severity.BLOCKING,
                _("成员“%(name)s”（%(code)s）重复列出，请删除重复的一条。")
                % {"name": member.name, "code": member.uscc},
                ART_4_2,
                "members",
                member.pk,
            )


def industry_and_academia(facts):
    """Art. 4(2): 产学研 — enterprises and universities or research institutes together."""
    types = {member.org_type for member in facts.members}
    if OrganisationType.ENTERPRISE not in types:
        yield Finding(
            "NO_ENTERPRISE",
            Severity.BLOCKING,
            _("成员中应有企业：联盟由骨干企业、高校和科研机构等产学研单位组成。"),
            ART_4_2,
            "members",
        )
    if not types.intersection(ACADEMIA):
        yield Finding(
            "NO_UNIVERSITY_OR_INSTITUTE",
            Severity.BLOCKING,
            _("成员中应至少有一家高等院校或科研机构（产学研结合）。"),
            ART_4_2,
            "members",
        )


def members_in_shuozhou(facts):
    """Art. 4(2) speaks of "我市骨干企业": a member registered elsewhere is flagged, not barred."""
    for member in facts.members:
        if member.is_lead or not is_valid_uscc(member.uscc):
            continue
        if not is_registered_in_shuozhou(member.uscc) and not in_shuozhou(member.registered_address):
            yield Finding(
                "MEMBER_OUTSIDE_SHUOZHOU",
                Severity.WARNING,
                _("成员“%(name)s”不在朔州市注册，可以加入联盟，请在任务分工中说明其作用。")
                % {"name": member.name},
                ART_4_2,
                "members",
                member.pk,
            )


def enough_core_members(facts):
    """Art. 4(3): at least six core members (the number is the edition's)."""
    minimum = facts.edition.min_core_members
    core = sum(1 for member in facts.members if member.is_core)
    if core < minimum:
        yield Finding(
            "TOO_FEW_CORE_MEMBERS",
            Severity.BLOCKING,
            _("核心成员不能少于 %(minimum)d 家，目前为 %(count)d 家。") % {"minimum": minimum, "count": core},
            ART_4_3,
            "members",
        )


def member_ceiling(facts):
    """Art. 4(3): "一般不超过 15 家" — more is allowed with a written justification."""
    ceiling = facts.edition.member_ceiling
    count = len(facts.members)
    if count <= ceiling:
        return
    if facts.application.ceiling_justification.strip():
        yield Finding(
            "OVER_MEMBER_CEILING",
            Severity.WARNING,
            _("成员共 %(count)d 家，超过一般上限 %(ceiling)d 家；已附书面说明，由评审专家判断。")
            % {"count": count, "ceiling": ceiling},
            ART_4_3,
            "members",
        )
    else:
        yield Finding(
            "OVER_MEMBER_CEILING_UNJUSTIFIED",
            Severity.BLOCKING,
            _("成员共 %(count)d 家，超过一般上限 %(ceiling)d 家：请在“成员单位”一步填写书面说明。")
            % {"count": count, "ceiling": ceiling},
            ART_4_3,
            "members",
        )


def every_member_has_task(facts):
    """Art. 5(2): the agreement states each member's task; every member's task is entered."""
    for member in facts.members:
        if not member.task.strip():
            yield Finding(
                "MEMBER_TASK_MISSING",
                Severity.BLOCKING,
                _("请填写成员“%(name)s”在联盟中承担的任务分工。") % {"name": member.name},
                ART_5_2,
                "members",
                member.pk,
            )


# --- Art. 5: the materials ----------------------------------------------------------------


def materials_uploaded(facts):
    """Art. 5(1)–(3): the signed application form, the agreement and the charter."""
    required = (
        (DocumentKind.FORM, ART_5_1, _("请下载系统生成的申请书，签字盖章后上传扫描件。")),
        (DocumentKind.AGREEMENT, ART_5_2, _("请上传全体成员共同签署的联盟协议。")),
        (DocumentKind.CHARTER, ART_5_3, _("请上传联盟章程。")),
    )
    for kind, article, message in required:
        if facts.current_version(kind) is None:
            yield Finding(f"{kind.upper()}_MISSING", Severity.BLOCKING, message, article, "documents")


def every_member_has_licence(facts):
    """Art. 5(4): a sealed copy of every member's business licence or legal-person certificate."""
    for member in facts.members:
        if facts.current_version(DocumentKind.LICENCE, member) is None:
            yield Finding(
                "LICENCE_MISSING",
                Severity.BLOCKING,
                _("请上传成员“%(name)s”加盖公章的营业执照或法人证书复印件。") % {"name": member.name},
                ART_5_4,
                "members",
                member.pk,
            )


RULES = (
    application_complete,
    organising_unit_active,
    industry_in_system,
    name_follows_pattern,
    goals_stated,
    lead_unit_is_legal_person,
    lead_unit_in_shuozhou,
    lead_unit_qualified,
    lead_unit_is_core_member,
    members_are_legal_persons,
    registry_prevails,
    no_member_twice,
    industry_and_academia,
    members_in_shuozhou,
    enough_core_members,
    member_ceiling,
    every_member_has_task,
    materials_uploaded,
    every_member_has_licence,
)


def check(application, facts=None):
    """Every finding on ``application``, blocking ones first, in the order of the measure."""
    facts = facts or facts_for(application)
    findings = [finding for rule in RULES for finding in rule(facts)]
    return sorted(findings, key=lambda finding: not finding.is_blocking)


def blocking_findings(findings):
    return [finding for finding in findings if finding.is_blocking]
