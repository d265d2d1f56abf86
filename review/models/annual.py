"""The annual report of a recognised alliance (年度材料, Art. 8): last year's work summary and
next year's work plan, with indicators, member changes, platforms and the signed, sealed scan.

A report is its own object, not a state of the application: it has its own small state
(draft, submitted, returned, accepted) and its own files, which never enter the
application's document slots, its submissions or its eligibility facts (``review.annual``).
Kept in ``review``: who owes a report is read from the recognition (a ``review`` model), and
an alliance that owes one and has none on time lapses through the bureau's command.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.enums import OrganisationType, PlatformKind, PlatformLevel
from applications.models import COMMENT_MAX_CHARS, Application, CheckedFile
from applications.plain_text import refuse_invisible_characters, refuse_invisible_characters_in_text

PLAIN = [refuse_invisible_characters]
# Multi-line texts: no invisible characters but line breaks and tabs.
TEXT = [refuse_invisible_characters_in_text]
# A page of text per box of the summary and the plan: the PDF stays a few pages.
SECTION_MAX_CHARS = 2000
SHORT_SECTION_MAX_CHARS = 1000
# Member changes and platforms of one year: a handful in practice; bounds on the form.
MEMBER_CHANGES_MAX = 30
REPORTED_PLATFORMS_MAX = 10
# Counts of one year's work: far above any real alliance, below what would be a typo.
COUNT_MAX = 100_000
# Yuan, two decimals: up to a hundred billion.
YUAN_DIGITS = 14
SCANS_MAX = 20


class AnnualReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送待审核")
    RETURNED = "returned", _("已退回修改")
    ACCEPTED = "accepted", _("已通过审核")


def _count(label):
    return models.PositiveIntegerField(label, default=0, validators=[MaxValueValidator(COUNT_MAX)])


def _yuan(label):
    return models.DecimalField(
        label,
        max_digits=YUAN_DIGITS,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )


class AnnualReport(models.Model):
    """One alliance's report for one year (``year``: the year reported on; the plan is for
    the year after). Written by the lead unit, reviewed by the bureau."""

    application = models.ForeignKey(
        Application, verbose_name=_("联盟"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(
        _("报告年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=AnnualReportStatus.choices,
        default=AnnualReportStatus.DRAFT,
        editable=False,
    )
    # The work summary of ``year``.
    work_done = models.TextField(
        _("年度开展的主要工作"), max_length=SECTION_MAX_CHARS, blank=True, validators=TEXT
    )
    results = models.TextField(_("取得的主要成效"), max_length=SECTION_MAX_CHARS, blank=True, validators=TEXT)
    problems = models.TextField(
        _("存在的问题"), max_length=SHORT_SECTION_MAX_CHARS, blank=True, validators=TEXT
    )
    # The work plan of ``year + 1``.
    plan_goals = models.TextField(
        _("下一年度工作目标"), max_length=SHORT_SECTION_MAX_CHARS, blank=True, validators=TEXT
    )
    plan_tasks = models.TextField(
        _("下一年度重点任务"), max_length=SECTION_MAX_CHARS, blank=True, validators=TEXT
    )
    plan_measures = models.TextField(
        _("保障措施"), max_length=SHORT_SECTION_MAX_CHARS, blank=True, validators=TEXT
    )
    # Indicators of ``year``.
    joint_projects = _count(_("联合承担项目（项）"))
    rd_spending = _yuan(_("研发投入（元）"))
    patents_applied = _count(_("申请专利（件）"))
    patents_granted = _count(_("授权专利（件）"))
    standards_international = _count(_("制定国际标准（项）"))
    standards_national = _count(_("制定国家标准（项）"))
    standards_industry = _count(_("制定行业标准（项）"))
    standards_group = _count(_("制定团体标准（项）"))
    results_transferred = _count(_("成果转化（项）"))
    transfer_income = _yuan(_("成果转化收入（元）"))
    talent_trained = _count(_("培养人才（人）"))
    # Art. 4(3): more members than the ceiling after the changes needs a written reason.
    ceiling_justification = models.TextField(
        _("成员超过上限的书面说明"), max_length=500, blank=True, validators=TEXT
    )

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # Computed by review.annual.on_time when the report is submitted.
    on_time = models.BooleanField(_("按期报送"), default=False, editable=False)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True, editable=False)
    return_reasons = models.TextField(_("退回理由"), max_length=COMMENT_MAX_CHARS, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-year", "application", "pk"]
        verbose_name = _("年度材料")
        verbose_name_plural = _("年度材料")
        constraints = [
            models.UniqueConstraint(fields=["application", "year"], name="one_annual_report_per_year")
        ]

    def __str__(self):
        return f"{self.application} {self.year}"

    @property
    def plan_year(self):
        return self.year + 1

    @property
    def is_editable(self):
        return self.status in (AnnualReportStatus.DRAFT, AnnualReportStatus.RETURNED)

    @property
    def standards_total(self):
        return (
            self.standards_international
            + self.standards_national
            + self.standards_industry
            + self.standards_group
        )


class MemberChangeKind(models.TextChoices):
    JOINED = "joined", _("新加入")
    LEFT = "left", _("退出")


class MemberChange(models.Model):
    """A member that joined or left the alliance during the report's year, with the reason."""

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("年度材料"), on_delete=models.CASCADE, related_name="member_changes"
    )
    kind = models.CharField(_("变动类型"), max_length=10, choices=MemberChangeKind.choices)
    name = models.CharField(_("单位名称"), max_length=200, validators=PLAIN)
    is_core = models.BooleanField(_("核心成员"), default=False)
    # What kind of legal person joined: Art. 4(2) wants universities or research institutes
    # among the members (``review.annual.member_check``). One that left is known by its name.
    org_type = models.CharField(
        _("单位类型（新加入的成员）"), max_length=30, choices=OrganisationType.choices, blank=True
    )
    reason = models.CharField(_("变动原因"), max_length=300, validators=PLAIN)

    class Meta:
        ordering = ["report", "kind", "pk"]
        verbose_name = _("成员变动")
        verbose_name_plural = _("成员变动")

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == MemberChangeKind.JOINED and not self.org_type:
            raise ValidationError({"org_type": _("请选择新加入成员的单位类型（第四条第（二）项）。")})


class PlatformRole(models.TextChoices):
    BUILT = "built", _("牵头建设")
    JOINED = "joined", _("参与共建")


class ReportedPlatform(models.Model):
    """A platform (Art. 7) built or joined during the year, as reported; entered in the
    register of platforms (``applications.models.Platform``) when the bureau accepts the report."""

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("年度材料"), on_delete=models.CASCADE, related_name="platforms"
    )
    role = models.CharField(_("建设方式"), max_length=10, choices=PlatformRole.choices)
    kind = models.CharField(_("平台类型"), max_length=30, choices=PlatformKind.choices)
    level = models.CharField(_("级别"), max_length=20, choices=PlatformLevel.choices)
    name = models.CharField(_("平台名称"), max_length=200, validators=PLAIN)
    approving_document = models.CharField(_("批准文号"), max_length=100, blank=True, validators=PLAIN)
    approved_year = models.PositiveSmallIntegerField(
        _("批准年度"), validators=[MinValueValidator(1949), MaxValueValidator(2100)]
    )

    class Meta:
        ordering = ["report", "pk"]
        verbose_name = _("年度材料所报平台")
        verbose_name_plural = _("年度材料所报平台")

    def __str__(self):
        return self.name


class AnnualReportScan(CheckedFile):
    """The signed, sealed scan of a report, checked as the applicants' uploads are; a new upload
    is a new row, the newest is the report's (a submitted scan is never deleted)."""

    report = models.ForeignKey(
        AnnualReport, verbose_name=_("年度材料"), on_delete=models.PROTECT, related_name="scans"
    )

    class Meta:
        ordering = ["report", "pk"]
        verbose_name = _("年度材料盖章扫描件")
        verbose_name_plural = _("年度材料盖章扫描件")
