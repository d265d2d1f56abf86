"""Who holds a file now and what happens next, in plain words (the applicant's dashboard)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import registration
from .enums import RegistrationStatus, State


@dataclass(frozen=True)
class NextStep:
    holder: str
    text: str
    done: bool = False
    # The step is another's (the lead unit waits for it).
    waiting: bool = False


_STEPS = {
    State.DRAFT: (_("申报单位"), _("填写申报信息、上传材料，检查无误后提交（第五条）。")),
    State.RETURNED: (_("申报单位"), _("按退回理由修改，上传新版本材料后重新提交。")),
    State.FORWARDED: (_("市科技局"), _("形式审查：通过后组织专家评审，或退回修改（第六条）。")),
    State.UNDER_REVIEW: (
        _("市科技局 · 评审专家"),
        _("专家从创新活动、创新绩效、服务产业、运行管理四方面评审（第六条）。"),
    ),
    State.AWAITING_DECISION: (_("市科技局党组会"), _("研究评审结果，决定是否认定（第六条）。")),
    State.APPROVED: (_("市科技局"), _("在市科技局网站发布公示（第六条）。")),
    State.IN_NOTICE: (
        _("社会公众 · 市科技局"),
        _("公示 %(days)s 天；期满无异议后认定为市级联盟（第六条）。"),
    ),
    State.RECOGNIZED: (
        _("联盟牵头单位"),
        _("每年 %(deadline)s前向市科技局报送上年度工作总结和下一年度工作计划（第八条）。"),
    ),
    State.RECTIFYING: (_("联盟牵头单位"), _("按整改要求在期限内完成整改（第九条）。")),
}


def registration_step(organisation):
    """单位注册审核 as a step: the lead unit sends its licence and letter, or waits for the unit.

    Until the registration is approved the account may draft but not submit (DESIGN.md
    "People"), so this comes before any file's own next step.
    """
    unit = registration.approver_name(registration.deciding_unit(organisation))
    if organisation.registration_status == RegistrationStatus.PENDING:
        return NextStep(
            unit, _("审核本单位注册（营业执照、法人授权委托书）；通过后即可提交申报。"), waiting=True
        )
    return NextStep(_("申报单位"), registration.status_message(organisation))


def next_step(application):
    """The holder and the next step of ``application``; closed files have none.

    Periods and deadlines come from the file's own edition of the measure. A draft of a
    lead unit whose registration is not approved waits for that first.
    """
    state = State(application.state)
    if state in (State.DRAFT, State.RETURNED) and not application.lead_unit.is_approved:
        return registration_step(application.lead_unit)
    if state == State.SUBMITTED:
        unit = application.organising_unit.name if application.organising_unit_id else _("组织单位")
        return NextStep(unit, _("审核材料：报市科技局，或退回修改（第五条）。"))
    if state in _STEPS:
        holder, text = _STEPS[state]
        edition = application.edition
        numbers = {"days": edition.notice_days, "deadline": edition.annual_report_deadline_text()}
        return NextStep(str(holder), str(text) % numbers)
    return NextStep("", _("已办结。"), done=True)


# States in which the next move is the lead unit's own (Art. 5: revise and resubmit; Art. 9:
# answer a rectification order).
ON_THE_LEAD_UNIT = {State.DRAFT, State.RETURNED, State.RECTIFYING}


def dashboard_order(applications):
    """The lead unit's files, each with its ``next_step`` and ``needs_action``: those that
    wait on it first, finished ones last, the most recently changed first within each."""
    applications = sorted(applications, key=lambda a: (a.updated_at, a.pk), reverse=True)
    for application in applications:
        application.next_step = next_step(application)
        application.needs_action = application.state in ON_THE_LEAD_UNIT
    return sorted(applications, key=lambda a: 0 if a.needs_action else 2 if a.next_step.done else 1)
