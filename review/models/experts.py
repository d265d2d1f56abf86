"""The expert stage of Art. 6: the pool, assignments with their 回避声明, the rubric of an
edition, the experts' reviews and the panel's frozen result.

Models stay thin: what may be done and when lives in ``review.experts`` (pool, assignment,
declaration), ``review.scoring`` (rubric, reviews) and ``review.panel`` (statistics).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.enums import Role
from applications.models import (
    PLAIN,
    Application,
    AuditEvent,
    EnglishName,
    Industry,
    InsertOnly,
    PolicyEdition,
    in_english,
)
from applications.uscc import normalize_uscc, validate_uscc

from ..enums import ACTIVE_ASSIGNMENT, AssignmentStatus, Recommendation, ReviewStatus

# A reason to decline, withdraw or reopen; an aspect's comment: a paragraph.
REASON_MAX_CHARS = 500
# The overall opinion: a page.
OPINION_MAX_CHARS = 2000
# Scores: one decimal, at most 999.9 (an aspect's maximum is at most 100).
SCORE_DIGITS, SCORE_PLACES = 4, 1
ASPECT_MAX_SCORE = 100


class Expert(models.Model):
    """A member of the bureau's expert pool (专家库).

    Staff may list an expert before the expert has an account; assigning one needs the
    account (``user``), through which the expert declares and scores. Experts belong to no
    organisation in the portal: ``affiliation`` is where they work, checked against the
    members of each file they are assigned (Art. 6, review.experts.conflicts).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expert_profile",
        limit_choices_to={"role": Role.EXPERT},
    )
    name = models.CharField(_("姓名"), max_length=60, validators=PLAIN)
    title = models.CharField(_("职称"), max_length=60, blank=True, validators=PLAIN)
    affiliation = models.CharField(_("工作单位"), max_length=200, validators=PLAIN)
    affiliation_uscc = models.CharField(
        _("工作单位统一社会信用代码"), max_length=18, blank=True, validators=[validate_uscc]
    )
    fields = models.TextField(_("专业领域"), max_length=500, blank=True)
    industries = models.ManyToManyField(
        Industry, verbose_name=_("熟悉的产业"), blank=True, related_name="experts"
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True, validators=PLAIN)
    email = models.EmailField(_("电子邮箱"), blank=True)
    is_active = models.BooleanField(_("在库（可指派）"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.affiliation_uscc = normalize_uscc(self.affiliation_uscc) if self.affiliation_uscc else ""
        super().save(*args, **kwargs)


class Assignment(models.Model):
    """An expert assigned to review a file, with a deadline (Art. 6).

    The expert first declares no conflict of interest (回避声明) or declines with a reason;
    only a declared expert opens the dossier and scores. Staff may withdraw an assignment
    that has not been submitted (an expert who does not answer), and then assign another.
    A return of the file during the review ends every active assignment of it (``ended_by``).
    """

    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="assignments"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("评审专家"), on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    due_on = models.DateField(_("评审截止日期"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("指派人"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("指派时间"), default=timezone.now)
    declared_at = models.DateTimeField(_("声明时间"), null=True, blank=True)
    declined_at = models.DateTimeField(_("申请回避时间"), null=True, blank=True)
    decline_reason = models.TextField(_("回避理由"), max_length=REASON_MAX_CHARS, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.TextField(_("撤回理由"), max_length=REASON_MAX_CHARS, blank=True)
    # The return (RETURN from 专家评审中) that ended the round this assignment was part of.
    ended_by = models.ForeignKey(
        AuditEvent,
        verbose_name=_("终止本轮评审的退回记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ended_assignments",
    )

    class Meta:
        ordering = ["assigned_at", "pk"]
        verbose_name = _("专家指派")
        verbose_name_plural = _("专家指派")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"],
                condition=models.Q(status__in=ACTIVE_ASSIGNMENT),
                name="one_active_assignment_per_expert_and_file",
                violation_error_message=_("该专家已被指派评审此申报。"),
            )
        ]
        indexes = [models.Index(fields=["expert", "status"]), models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.expert} → {self.application}"

    @property
    def is_active(self):
        return self.status in ACTIVE_ASSIGNMENT

    @property
    def is_declared(self):
        return self.status == AssignmentStatus.DECLARED


class RubricAspect(EnglishName):
    """One aspect of an edition's scoring rubric (Art. 6 (一)–(四)), with its maximum and the
    guidance the experts read. The total is the sum of the aspects.

    A model rather than a JSON field on the edition: each score refers to its aspect, so a
    score cannot name an aspect the edition does not have, and its maximum is checked
    against the row; the administrator edits the rows (guidance, maximum) in the admin.
    """

    edition = models.ForeignKey(
        PolicyEdition, verbose_name=_("政策版本"), on_delete=models.CASCADE, related_name="rubric_aspects"
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("评估方面"), max_length=60)
    max_score = models.PositiveSmallIntegerField(
        _("满分"), validators=[MinValueValidator(1), MaxValueValidator(ASPECT_MAX_SCORE)]
    )
    guidance = models.TextField(_("评分指引"), max_length=1000, blank=True)
    guidance_en = models.TextField(_("英文评分指引"), max_length=1000, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["edition", "order", "pk"]
        verbose_name = _("评分细则")
        verbose_name_plural = _("评分细则")
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="one_aspect_per_code_and_edition")
        ]

    @property
    def display_guidance(self):
        return self.guidance_en if self.guidance_en and in_english() else self.guidance


class ExpertReview(models.Model):
    """An expert's review of a file: a draft until submitted, then locked (Art. 6).

    Only staff reopen a submitted review, with a reason (``review.scoring.reopen``).
    """

    assignment = models.OneToOneField(
        Assignment, verbose_name=_("专家指派"), on_delete=models.PROTECT, related_name="review"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    opinion = models.TextField(_("综合评审意见"), max_length=OPINION_MAX_CHARS, blank=True)
    recommendation = models.CharField(
        _("评审结论"), max_length=20, choices=Recommendation.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["assignment", "pk"]
        verbose_name = _("专家评审意见")
        verbose_name_plural = _("专家评审意见")

    def __str__(self):
        return str(self.assignment)

    @property
    def is_submitted(self):
        return self.status == ReviewStatus.SUBMITTED


class AspectScore(models.Model):
    """An expert's score on one aspect of the rubric, with a comment."""

    review = models.ForeignKey(
        ExpertReview, verbose_name=_("专家评审意见"), on_delete=models.CASCADE, related_name="scores"
    )
    aspect = models.ForeignKey(
        RubricAspect, verbose_name=_("评估方面"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.DecimalField(
        _("得分"), max_digits=SCORE_DIGITS, decimal_places=SCORE_PLACES, null=True, blank=True
    )
    comment = models.TextField(_("评语"), max_length=REASON_MAX_CHARS, blank=True)

    class Meta:
        ordering = ["review", "aspect__order", "pk"]
        verbose_name = _("分项得分")
        verbose_name_plural = _("分项得分")
        constraints = [
            models.UniqueConstraint(fields=["review", "aspect"], name="one_score_per_aspect_and_review")
        ]

    def __str__(self):
        return f"{self.aspect}: {self.score}"


class PanelResult(InsertOnly):
    """The expert panel's result, frozen into the file when the review closes (Art. 6):
    per aspect and in total the mean, median, minimum and maximum of the submitted scores,
    how many experts recommend, and whether they disagree beyond the edition's threshold.

    Written once by the CLOSE_REVIEW row (``review.panel.freeze_panel``); the Party group's
    meeting reads the latest. Numbers are kept as decimal strings ("21.33"), exactly as the
    panel computed them; the experts are numbered, not named.
    """

    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="panel_results"
    )
    event = models.OneToOneField(
        AuditEvent, verbose_name=_("审计记录"), on_delete=models.PROTECT, related_name="panel_result"
    )
    aspects = models.JSONField(_("分项统计"), default=list)
    total = models.JSONField(_("总分统计"), default=dict)
    reviews = models.JSONField(_("各专家评分（匿名）"), default=list)
    expert_count = models.PositiveSmallIntegerField(_("评审专家人数"))
    recommend_count = models.PositiveSmallIntegerField(_("推荐人数"))
    not_recommend_count = models.PositiveSmallIntegerField(_("不推荐人数"))
    max_total = models.DecimalField(_("总分满分"), max_digits=6, decimal_places=1)
    disagreement_threshold = models.PositiveSmallIntegerField(_("分歧阈值（总分差）"))
    disagreement = models.BooleanField(_("意见分歧较大"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)

    class Meta(InsertOnly.Meta):
        ordering = ["application", "created_at", "pk"]
        verbose_name = _("专家评审汇总结果")
        verbose_name_plural = _("专家评审汇总结果")
        get_latest_by = ["created_at", "pk"]

    def __str__(self):
        return f"{self.application} · {self.total.get('mean', '')}"
