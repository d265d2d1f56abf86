"""The organising unit's review (Art. 5) and the bureau's formal check (Art. 6), item by item.

Art. 5 of 朔科发〔2021〕5号 has the materials "经组织单位审核后，报市科技局": the organising
unit confirms what only a person holding the licences can see (a Shuozhou address behind a
code outside 1406…, legal-person rather than branch licences, the seals). Art. 6 has the
bureau organise the expert review; before it, the bureau checks the materials of Art. 5 for
form (DESIGN.md "Review"). Both record one finding per item per submitted round, saved as
drafts at any time before the decision; the latest finding of an item stands, the older ones
stay, and every change is on the file's audit trail (internal).

The rows of ``applications.workflow.TRANSITIONS`` name the guards here by their dotted path:
forwarding needs every item shown confirmed, starting the expert review every item of the
formal check passed, and the bureau's return at least one item failed. Each guard's
``satisfy`` records the findings that meet it, for the demo data and the test world.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.eligibility import CONFIRMED_LEAD_ADDRESS, CONFIRMED_LEGAL_PERSONS, Confirmation
from applications.enums import Activity, Role, State
from applications.guards import Guard
from applications.models import Application, Submission
from applications.permissions import acts_as
from applications.uscc import is_registered_in_shuozhou
from applications.workflow import NotPermitted, StateConflict, record

from .models import FormalCheck, FormalCheckItem, UnitCheck, UnitCheckItem


@dataclass(frozen=True)
class Checklist:
    """One of the two lists: who keeps it, while the file is in which state, how its two
    answers read."""

    key: str
    model: type
    items: type
    # The model's boolean: ``confirmed`` (the unit) or ``passed`` (the bureau).
    flag: str
    role: str
    state: str
    activity: str
    title: object
    yes: object
    no: object
    # ``items_for(application)``: the items asked of that file.
    items_for: object
    # What a note is for, shown in its empty box.
    note_hint: object = ""

    def shown(self, application):
        """The items asked of ``application``, in the list's order."""
        return self.items_for(application)

    def answer(self, value):
        return self.yes if value else self.no


def unit_items(application):
    """Art. 4(1), Art. 5: the items the organising unit confirms for ``application``.

    A lead unit whose code starts with 1406 is registered in Shuozhou by its code; any other
    code passed the eligibility rules only with a Shuozhou address stated by the applicant,
    which the unit confirms against the licence (``eligibility.lead_unit_in_shuozhou``).
    """
    items = list(UnitCheckItem)
    if is_registered_in_shuozhou(application.lead_unit.uscc):
        items.remove(UnitCheckItem.LEAD_ADDRESS)
    return items


UNIT = Checklist(
    key="unit",
    model=UnitCheck,
    items=UnitCheckItem,
    flag="confirmed",
    role=Role.UNIT_REVIEWER,
    state=State.SUBMITTED,
    activity=Activity.UNIT_CHECK,
    title=gettext_lazy("组织单位核查"),
    yes=gettext_lazy("已确认"),
    no=gettext_lazy("未确认"),
    items_for=unit_items,
    note_hint=gettext_lazy("说明（可选）：核对了什么，发现什么问题"),
)
FORMAL = Checklist(
    key="formal",
    model=FormalCheck,
    items=FormalCheckItem,
    flag="passed",
    role=Role.STAFF,
    state=State.FORWARDED,
    activity=Activity.FORMAL_CHECK,
    title=gettext_lazy("形式审查清单"),
    yes=gettext_lazy("通过"),
    no=gettext_lazy("不通过"),
    items_for=lambda application: list(FormalCheckItem),
    note_hint=gettext_lazy("说明：不通过时写明问题，退回时将告知申报单位"),
)
CHECKLISTS = {checklist.key: checklist for checklist in (UNIT, FORMAL)}


def current_round(application):
    """The submitted round being checked: the newest (None before any submission)."""
    return Submission.objects.filter(application=application).order_by("-number").first()


def standing(checklist, application, submission=None):
    """``{item: record}``: the latest finding of each item of ``submission`` (the current
    round by default), with its author, in one query."""
    if submission is None:
        submission = current_round(application)
        if submission is None:
            return {}
    model = checklist.model
    latest = model.objects.filter(submission=OuterRef("submission"), item=OuterRef("item")).order_by(
        "-created_at", "-pk"
    )
    records = (
        model.objects.filter(submission=submission)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("author")
    )
    return {record.item: record for record in records}


def last_checked(checklist, application):
    """``(submission, {item: record})`` of the latest round that has findings of
    ``checklist``; ``(None, {})`` if none has."""
    latest = (
        checklist.model.objects.filter(application=application)
        .select_related("submission")
        .order_by("-submission__number", "-pk")
        .first()
    )
    if latest is None:
        return None, {}
    return latest.submission, standing(checklist, application, latest.submission)


def previous_round(checklist, application, submission):
    """``(submission, {item: record})`` of the latest round before ``submission`` that has
    findings of ``checklist`` (what the bureau found when it returned the file); ``(None, {})``
    if none has."""
    earlier = (
        checklist.model.objects.filter(application=application, submission__number__lt=submission.number)
        .select_related("submission")
        .order_by("-submission__number", "-pk")
        .first()
    )
    if earlier is None:
        return None, {}
    return earlier.submission, standing(checklist, application, earlier.submission)


def save(checklist, application, actor, entries, *, ip_address=None):
    """Record ``entries`` (``{item: (flag, note)}``, the items the reviewer answered) as the
    findings of the current round; items left out stay as they are.

    Only what changed is written, as new records (the older ones stay), and the change is one
    internal event on the file's audit trail. Under the file's row lock: a finding cannot slip
    in while the file is being forwarded or accepted. Returns the records written.
    """
    with transaction.atomic():
        locked = Application.objects.select_for_update().select_related("lead_unit").get(pk=application.pk)
        if locked.state != checklist.state:
            raise StateConflict(
                _("该申报当前状态为“%(state)s”，不能再修改%(list)s。可能已由他人处理，请刷新页面后查看。")
                % {"state": locked.get_state_display(), "list": checklist.title}
            )
        if not acts_as(actor, locked, checklist.role):
            raise NotPermitted(_("您的角色不能修改该申报的%(list)s。") % {"list": checklist.title})
        submission = current_round(locked)
        if submission is None:
            raise StateConflict(_("该申报尚无提交记录，不能核查。"))
        shown = set(checklist.shown(locked))
        before = standing(checklist, locked, submission)
        written = []
        for item, (flag, note) in entries.items():
            if item not in shown:
                continue
            note = (note or "").strip()
            old = before.get(item)
            if old is not None and getattr(old, checklist.flag) == flag and old.note == note:
                continue
            written.append(
                checklist.model.objects.create(
                    application=locked,
                    submission=submission,
                    item=item,
                    note=note,
                    author=actor,
                    **{checklist.flag: flag},
                )
            )
        if written:
            record(
                locked,
                checklist.activity,
                actor,
                data={"round": submission.number, "checks": [as_data(checklist, check) for check in written]},
                ip_address=ip_address,
            )
    return written


def as_data(checklist, check):
    """A finding as the audit trail keeps it."""
    return {
        "item": check.item,
        checklist.flag: getattr(check, checklist.flag),
        "note": check.note,
        "author": str(check.author),
        "at": check.created_at.isoformat(),
    }


def snapshot(checklist, application):
    """The standing findings of the current round, in the list's order, as an event keeps them."""
    found = standing(checklist, application)
    return [as_data(checklist, found[item]) for item in checklist.shown(application) if item in found]


def confirmed_items(application):
    """Art. 5: the organising unit's standing confirmations of the round it checked last —
    ``[UnitCheck]``, each with its author and date, in the list's order.

    Later steps (the bureau's formal check) may rely on them rather than ask again."""
    _submission, found = last_checked(UNIT, application)
    return [found[item] for item in UnitCheckItem if item in found and found[item].confirmed]


def confirmations(application):
    """What the organising unit and the bureau confirmed by hand that the eligibility rules
    cannot see (issue 12 §2), as the rules read it (``applications.eligibility.Facts.confirmed``,
    named by path by ``eligibility.CONFIRMATIONS``): ``{code: (Confirmation, …)}``.

    A Shuozhou address behind a code outside 1406 is the unit's to confirm; the members'
    legal-person licences the unit's (``LEGAL_PERSON_LICENCES``) or the bureau's formal check
    (``LICENCES_VALID``), each covering the members of the round it was given on (a member
    added by a later round is not covered until checked again). The bureau's finding that
    the licences did not pass, in the same round as the unit's or a later one, withdraws
    the unit's confirmation."""
    unit_round, unit = last_checked(UNIT, application)
    # The bureau's latest word on the licences, whatever round it was given in (a round
    # whose check has only begun says nothing of them yet).
    bureau = (
        FormalCheck.objects.filter(application=application, item=FormalCheckItem.LICENCES_VALID)
        .select_related("author", "submission")
        .order_by("-submission__number", "-created_at", "-pk")
        .first()
    )

    def given(check, submission, code, *, internal=False, lead_only=False):
        members = submission.data.get("members", [])
        return Confirmation(
            code=code,
            by=str(check.author),
            at=check.created_at,
            source=str((FORMAL if internal else UNIT).title),
            covers=frozenset(m["uscc"] for m in members if m.get("is_lead") or not lead_only),
            internal=internal,
        )

    found = {}
    address = unit.get(UnitCheckItem.LEAD_ADDRESS)
    if address is not None and address.confirmed:
        found[CONFIRMED_LEAD_ADDRESS] = (given(address, unit_round, CONFIRMED_LEAD_ADDRESS, lead_only=True),)
    licences = unit.get(UnitCheckItem.LEGAL_PERSON_LICENCES)
    if (
        bureau is not None
        and not bureau.passed
        and (unit_round is None or bureau.submission.number >= unit_round.number)
    ):
        return found
    legal_persons = []
    if licences is not None and licences.confirmed:
        legal_persons.append(given(licences, unit_round, CONFIRMED_LEGAL_PERSONS))
    if bureau is not None and bureau.passed:
        legal_persons.append(given(bureau, bureau.submission, CONFIRMED_LEGAL_PERSONS, internal=True))
    if legal_persons:
        found[CONFIRMED_LEGAL_PERSONS] = tuple(legal_persons)
    return found


# --- guards of the transition table -----------------------------------------------------------


def _names(checklist, items):
    return _("、").join(str(checklist.items(item).label) for item in items)


def _unit_checks_missing(application, row, actor):
    """Art. 5: the organising unit forwards a file only once it has confirmed every item."""
    found = standing(UNIT, application)
    missing = [item for item in unit_items(application) if not (item in found and found[item].confirmed)]
    if not missing:
        return []
    return [
        _(
            "以下组织单位核查事项尚未确认：%(items)s。请在“组织单位核查”中逐项确认并保存后再报市科技局（第五条）。"
        )
        % {"items": _names(UNIT, missing)}
    ]


def _formal_check_not_passed(application, row, actor):
    """Art. 5–6: the expert review starts only when every item of the formal check passed."""
    found = standing(FORMAL, application)
    missing = [item for item in FormalCheckItem if not (item in found and found[item].passed)]
    if not missing:
        return []
    return [
        _("形式审查清单中以下事项尚未记为通过：%(items)s。全部通过后才能启动专家评审（第六条）。")
        % {"items": _names(FORMAL, missing)}
    ]


def failed_items(application):
    """The items of the current round's formal check that did not pass, in the list's order."""
    found = standing(FORMAL, application)
    return [found[item] for item in FormalCheckItem if item in found and not found[item].passed]


def _no_failed_item(application, row, actor):
    """A return after the formal check names what failed: at least one item recorded as failed."""
    if failed_items(application):
        return []
    return [_("形式审查清单中没有记为“不通过”的事项：退回须写明未通过的事项，请先在清单中记录并保存。")]


def confirm_every_item(application, row, actor):
    """What the demo's organising unit records before it forwards: every item confirmed."""
    save(UNIT, application, actor, dict.fromkeys(unit_items(application), (True, "")))


# What the demo's bureau finds when it returns a file after the formal check (Chinese, as
# the demo's other records are).
DEMO_FAILURES = {
    FormalCheckItem.CHARTER: "联盟章程未写明理事会的组成和议事规则。",
    FormalCheckItem.LEAD_QUALIFICATION: "牵头单位资质说明未列出近三年研发投入和主持制定的标准。",
}
# A formal check under way in the demo: some items looked at, the rest still to do.
DEMO_HALF_CHECKED = {
    FormalCheckItem.MATERIALS_COMPLETE: (True, ""),
    FormalCheckItem.SEALS: (True, "协议签章页和各成员单位执照复印件均加盖公章。"),
    FormalCheckItem.AGREEMENT_SIGNED: (True, ""),
    FormalCheckItem.CHARTER: (True, "已补充理事会的组成和议事规则（第三章）。"),
}


def pass_every_item(application, row, actor):
    save(FORMAL, application, actor, dict.fromkeys(FormalCheckItem, (True, "")))


def fail_some_items(application, row, actor):
    save(
        FORMAL,
        application,
        actor,
        {item: (item not in DEMO_FAILURES, DEMO_FAILURES.get(item, "")) for item in FormalCheckItem},
    )


def check_half_of_the_list(application, actor):
    """The demo's file at the formal check: the bureau has looked at half of the items."""
    save(FORMAL, application, actor, DEMO_HALF_CHECKED)


unit_checks_done = Guard(_unit_checks_missing, satisfy=confirm_every_item)
formal_check_passed = Guard(_formal_check_not_passed, satisfy=pass_every_item)
formal_check_failed = Guard(_no_failed_item, satisfy=fail_some_items)
