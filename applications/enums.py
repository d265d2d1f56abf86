"""States, actions, roles and choices of the alliance procedure (朔科发〔2021〕5号)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """Who acts in the portal (DESIGN.md "People"). The public is anonymous, not a role."""

    APPLICANT = "applicant", _("申报单位")
    UNIT_REVIEWER = "unit_reviewer", _("组织单位")
    STAFF = "staff", _("市科技局")
    EXPERT = "expert", _("评审专家")
    ADMIN = "admin", _("系统管理员")


# The scheduled commands (notice closing, annual-report enforcement) act as the system.
SYSTEM = "system"
SYSTEM_LABEL = _("系统（定时任务）")


class State(models.TextChoices):
    """The lifecycle of an application and, once recognised, of the alliance (Art. 5–9)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待组织单位审核")
    RETURNED = "returned", _("退回修改")
    FORWARDED = "forwarded", _("待市科技局形式审查")
    UNDER_REVIEW = "under_review", _("专家评审中")
    AWAITING_DECISION = "awaiting_decision", _("待党组会研究")
    APPROVED = "approved", _("党组会通过待公示")
    IN_NOTICE = "in_notice", _("公示中")
    RECOGNIZED = "recognized", _("已认定")
    RECTIFYING = "rectifying", _("限期整改中")
    REJECTED = "rejected", _("未予认定")
    REVOKED = "revoked", _("取消资格")
    LAPSED = "lapsed", _("视为自动放弃")
    WITHDRAWN = "withdrawn", _("已撤回")


class Action(models.TextChoices):
    """What an actor does to move an application from one state to another."""

    SUBMIT = "submit", _("提交申报")
    RESUBMIT = "resubmit", _("修改后重新提交组织单位")
    RESUBMIT_TO_BUREAU = "resubmit_to_bureau", _("修改后重新提交市科技局")
    FORWARD = "forward", _("审核通过，报市科技局")
    RETURN = "return", pgettext_lazy("workflow action", "退回修改")
    START_REVIEW = "start_review", _("形式审查通过，启动专家评审")
    CLOSE_REVIEW = "close_review", _("结束专家评审，提交党组会")
    APPROVE = "approve", _("党组会研究通过")
    REJECT = "reject", _("党组会研究不予认定")
    PUBLISH_NOTICE = "publish_notice", _("发布公示")
    RECOGNIZE = "recognize", _("公示期满，认定为市级联盟")
    UPHOLD_OBJECTION = "uphold_objection", _("异议成立，退回党组会")
    # Art. 6: a file approved by the Party group that no longer meets the conditions (issue 12)
    # goes back to the Party group, which decides again.
    RECONSIDER = "reconsider", _("提请党组会重新研究")
    WITHDRAW_NOTICE = "withdraw_notice", _("撤回公示")
    ORDER_RECTIFICATION = "order_rectification", _("责令限期整改")
    ACCEPT_RECTIFICATION = "accept_rectification", _("整改合格")
    REVOKE = "revoke", _("取消市级联盟资格")
    LAPSE = "lapse", _("未报年度材料，视为自动放弃")
    WITHDRAW = "withdraw", _("撤回申报")


class Activity(models.TextChoices):
    """What is done to a file without moving it: recorded on its audit trail by
    ``workflow.record()``, internal (never shown to the applicant) unless said otherwise."""

    NOTE = "note", _("工作备注")
    DEFER_DECISION = "defer_decision", _("党组会研究暂缓决定")
    # Art. 5: the organising unit's item-by-item confirmations (review.checks).
    UNIT_CHECK = "unit_check", _("保存组织单位核查")
    # Art. 6: the bureau's formal checklist, item by item (review.checks).
    FORMAL_CHECK = "formal_check", _("保存形式审查清单")
    # The expert stage (Art. 6, review.experts and review.scoring): never shown to applicants.
    EXPERT_ASSIGNED = "expert_assigned", _("指派评审专家")
    EXPERT_DECLARED = "expert_declared", _("声明无利害关系（回避声明）")
    EXPERT_DECLINED = "expert_declined", _("申请回避，谢绝评审")
    ASSIGNMENT_WITHDRAWN = "assignment_withdrawn", _("撤回专家指派")
    REVIEW_SUBMITTED = "review_submitted", _("提交专家评审意见")
    REVIEW_REOPENED = "review_reopened", _("重新开放专家评审意见")
    # Art. 6: a correction notice (更正公示) names the file again; its period runs anew.
    NOTICE_CORRECTED = "notice_corrected", _("发布更正公示")
    # A reminder sent by manage.py send_reminders (review.reminders), its key in the data:
    # the same reminder never goes twice.
    REMINDER_SENT = "reminder_sent", _("发送到期提醒")
    # Objections to the public notice (Art. 6, review.objections). The lead unit is told that
    # one was received (its grounds, never who raised it); the rest is the bureau's own.
    OBJECTION_RECEIVED = "objection_received", _("收到公示异议")
    DISMISS_OBJECTION = "dismiss_objection", _("公示异议不成立")
    OBJECTION_UPHELD = "objection_upheld", _("公示异议成立（申报已不在公示中）")
    OBJECTION_HOLD = "objection_hold", _("公示期满，异议待处理，暂缓认定")
    # Art. 7: the platforms a recognised alliance has built, kept by the bureau (review.platforms).
    PLATFORM_ADDED = "platform_added", _("登记联盟平台")
    PLATFORM_CHANGED = "platform_changed", _("修改联盟平台")
    PLATFORM_REMOVED = "platform_removed", _("删除联盟平台")
    # Art. 9: the lead unit's answer to a rectification order (review.rectification); shown
    # to the lead unit too (``internal=False``).
    RECTIFICATION_ANSWERED = "rectification_answered", _("提交整改情况报告")
    # Art. 8: the annual report (review.annual), seen by the lead unit on its timeline.
    ANNUAL_REPORT_SUBMITTED = "annual_report_submitted", _("报送年度材料")
    ANNUAL_REPORT_ACCEPTED = "annual_report_accepted", _("年度材料审核通过")
    ANNUAL_REPORT_RETURNED = "annual_report_returned", _("年度材料退回修改")


class PlatformKind(models.TextChoices):
    """Art. 7: what an alliance builds with its members."""

    KEY_LABORATORY = "key_laboratory", _("重点实验室")
    ENGINEERING_CENTRE = "engineering_centre", _("工程技术研究中心")
    INNOVATION_TEAM = "innovation_team", _("创新团队")


class PlatformLevel(models.TextChoices):
    """Who approved a platform."""

    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")


class OrganisationType(models.TextChoices):
    """Kinds of legal person that may join an alliance (Art. 2, Art. 4(2))."""

    ENTERPRISE = "enterprise", _("企业")
    UNIVERSITY = "university", _("高等院校")
    RESEARCH_INSTITUTE = "research_institute", _("科研机构")
    FINANCIAL = "financial", _("金融机构")
    INTERMEDIARY = "intermediary", _("科技中介")
    MARKETING = "marketing", _("营销机构")
    OTHER = "other", _("其他")
    # Not a legal person (Art. 4(1)–(2)): an administrator records it when a licence shows a
    # branch (分公司、分行); the eligibility rules then refuse it as a lead unit or member.
    BRANCH = "branch", _("分支机构（非独立法人）")


class IndustryGroup(models.TextChoices):
    """Shuozhou's "2+7+N" industry system (Art. 3)."""

    ENERGY = "energy", _("能源产业")
    MANUFACTURING = "manufacturing", _("七大制造业")
    EMERGING = "emerging", _("N：其他新兴产业")


class DocumentKind(models.TextChoices):
    """The materials of Art. 5, each an upload slot (the licence slot is per member)."""

    FORM = "form", _("联盟申请书（签字盖章扫描件）")
    AGREEMENT = "agreement", _("联盟协议（全体成员签署）")
    CHARTER = "charter", _("联盟章程")
    LICENCE = "licence", _("营业执照或法人证书（加盖公章）")
    OTHER = "other", _("其他材料")


class Severity(models.TextChoices):
    """How much an eligibility finding weighs: a blocking one keeps the file from being submitted."""

    BLOCKING = "blocking", _("不符合（须修改）")
    WARNING = "warning", _("提示（须说明或由组织单位核实）")


class RegistrationStatus(models.TextChoices):
    """单位注册审核: whether a lead-unit account may act for its organisation (DESIGN.md "People").

    Only an approved organisation exists for others: it holds its USCC and its name.
    """

    UNSENT = "unsent", _("待提交注册审核材料")
    PENDING = "pending", _("注册待审核")
    REJECTED = "rejected", _("注册审核未通过")
    APPROVED = "approved", _("注册已审核通过")


class RegistrationAction(models.TextChoices):
    SEND = "send", _("提交注册审核")
    APPROVE = "approve", _("注册审核通过")
    REJECT = "reject", _("注册审核不通过")


class RegistrationDocumentKind(models.TextChoices):
    """What the organising unit checks a registration against."""

    LICENCE = "licence", _("营业执照或法人证书（加盖公章）")
    AUTHORISATION = "authorisation", _("法人授权委托书（签字盖章）")


class OutboxStatus(models.TextChoices):
    """Where a mail of the outbox is: held for reading, waiting to go, or gone."""

    DRAFT = "draft", _("草稿（待核发）")
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")


class OutboxKind(models.TextChoices):
    """What a mail of the outbox is about."""

    TRANSITION = "transition", _("申报办理进展")
    REGISTRATION = "registration", _("单位注册审核")
    ACCOUNT = "account", _("账号邮件")
    LETTER = "letter", _("决定通知书")
    OBJECTION = "objection", _("公示异议受理与答复")
    # Art. 6: sent at once when the alliance is recognised (review.recognition).
    RECOGNITION = "recognition", _("认定通知")
    # Issue 11: what is due soon or overdue (review.reminders, manage.py send_reminders).
    REMINDER = "reminder", _("到期提醒")
    # Art. 9: sent at once when the alliance's recognition is revoked (review.rectification).
    REVOCATION = "revocation", _("取消资格通知")
    # Art. 8: the annual report's receipt, its review, and the letter of an automatic lapse.
    ANNUAL_REPORT = "annual_report", _("年度材料")
