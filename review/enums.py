"""Choices of the bureau's side: the experts' assignments and reviews (Art. 6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentStatus(models.TextChoices):
    """Where an expert's assignment to a file stands (回避声明 first, DESIGN.md "Review")."""

    ASSIGNED = "assigned", _("待声明")
    DECLARED = "declared", _("已声明无利害关系")
    DECLINED = "declined", _("已申请回避")
    WITHDRAWN = "withdrawn", _("已撤回指派")
    # The file was returned to the lead unit during the expert review (RETURN from 专家评审中):
    # the round ends for every expert, submitted or not; the resubmitted file gets a new one.
    ENDED = "ended", _("本轮评审已终止（申报退回修改）")


# An assignment that still counts: the expert is to review (or has reviewed) the file.
ACTIVE_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.DECLARED)


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class Recommendation(models.TextChoices):
    RECOMMEND = "recommend", _("推荐")
    NOT_RECOMMEND = "not_recommend", _("不推荐")


class Aspect(models.TextChoices):
    """The four aspects the experts assess (Art. 6 (一)–(四))."""

    INNOVATION_ACTIVITY = "innovation_activity", _("创新活动")
    INNOVATION_PERFORMANCE = "innovation_performance", _("创新绩效")
    INDUSTRY_SERVICE = "industry_service", _("服务产业")
    OPERATION = "operation", _("运行管理")


class ReviewProgress(models.TextChoices):
    """Where an expert stands on a file, as the expert's list and the staff's pages show it."""

    NOT_DECLARED = "not_declared", _("待回避声明")
    DECLARED = "declared", _("已声明，待评分")
    DRAFT = "draft", _("评分草稿")
    SUBMITTED = "submitted", _("已提交")
    DECLINED = "declined", _("已申请回避")
    WITHDRAWN = "withdrawn", _("已撤回指派")
    ENDED = "ended", _("本轮评审已终止（申报退回修改）")
