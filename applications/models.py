"""Data of the applicant side and of the lifecycle core.

Models stay thin: the business rules live in the domain modules (``uscc``, ``editions``,
``workflow``, ``permissions``), which take these models as arguments.
"""

import datetime
import string
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .enums import (
    SYSTEM_LABEL,
    Action,
    Activity,
    DocumentKind,
    IndustryGroup,
    OrganisationType,
    OutboxKind,
    OutboxStatus,
    PlatformKind,
    PlatformLevel,
    RegistrationAction,
    RegistrationDocumentKind,
    RegistrationStatus,
    Role,
    State,
)
from .plain_text import refuse_invisible_characters
from .uscc import normalize_uscc, validate_uscc

# One-line names, codes and telephone numbers: no invisible control characters.
PLAIN = [refuse_invisible_characters]


def in_english():
    return (get_language() or "").startswith("en")


class EnglishName(models.Model):
    """Reference data with an English name, shown when the page is in English.

    ``name`` stays the official (Chinese) name: the forms, snapshots and PDFs use it.
    """

    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.name_en if self.name_en and in_english() else self.name


class OrganisingUnit(EnglishName):
    """One of the seven organising units that check and forward files (Art. 5)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    division_codes = models.CharField(
        _("对应行政区划码"),
        max_length=200,
        blank=True,
        help_text=_("以逗号分隔的 GB/T 2260 行政区划码，用于按牵头单位统一社会信用代码推荐组织单位。"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")

    @property
    def division_code_list(self):
        return [code.strip() for code in self.division_codes.split(",") if code.strip()]


class Industry(EnglishName):
    """An industry of Shuozhou's "2+7+N" system (Art. 3), edited by an administrator."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    group = models.CharField(_("类别"), max_length=20, choices=IndustryGroup.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("产业")
        verbose_name_plural = _("产业")


# A measure runs to a few pages; the /policy/ page parses it on each view.
FULL_TEXT_MAX_CHARS = 100_000
# An opinion, a reason for a return or a rejection: a page of text at most.
COMMENT_MAX_CHARS = 1000


class PolicyEditionQuerySet(models.QuerySet):
    def in_force(self, on=None):
        """Editions in force on ``on`` (today in Asia/Shanghai by default)."""
        on = on or timezone.localdate()
        return self.filter(effective_from__lte=on).filter(
            models.Q(effective_until__isnull=True) | models.Q(effective_until__gte=on)
        )


DEFAULT_RECOGNITION_NUMBER_FORMAT = "朔科联〔{year}〕第{number}号"
RECOGNITION_FORMAT_MAX_CHARS = 40
RECOGNITION_FIELDS = frozenset({"year", "number"})


def validate_recognition_number_format(value):
    """A recognition number's format: text with ``{year}`` and ``{number}`` (the year's
    sequence), no other placeholder, no conversion or format spec."""
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as error:
        raise ValidationError(_("格式中的花括号不成对；只可使用 {year} 和 {number}。")) from error
    names = [name for _text, name, spec, conversion in parts if name is not None]
    if any(name not in RECOGNITION_FIELDS for name in names) or any(
        spec or conversion for _text, name, spec, conversion in parts if name is not None
    ):
        raise ValidationError(_("只可使用 {year}（认定年度）和 {number}（序号）两个占位符。"))
    # Both: the sequence restarts each year, so a number without its year would repeat.
    if "number" not in names or "year" not in names:
        raise ValidationError(_("格式须同时包含 {year}（认定年度）和 {number}（当年认定序号）。"))


def reminder_days(text):
    """The ``(month, day)`` of "01-15,02-15"; ValueError for anything else."""
    days = []
    for part in (text or "").split(","):
        if part.strip():
            month, day = (int(number) for number in part.strip().split("-"))
            datetime.date(2024, month, day)  # a real day (2024: 29 February exists)
            days.append((month, day))
    if len(days) > 6:
        raise ValueError("too many")
    return days


def validate_reminder_days(value):
    try:
        reminder_days(value)
    except ValueError as error:
        raise ValidationError(_("请按“月-日”填写，以逗号分隔，最多 6 个，例如 01-15,02-15。")) from error


class PolicyEdition(EnglishName):
    """One edition of the measure: its title, number, full text and numbers, kept as data.

    The 2021 measure (朔科发〔2021〕5号) is the first edition: Art. 10 puts it in force from
    2021-05-28 for five years. A renewed measure is a new record with its own title, number
    and text; each application keeps the edition it was judged under, and its pages and PDFs
    cite that edition.
    """

    name = models.CharField(_("名称"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=100, unique=True)
    document_number_en = models.CharField(_("英文文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    effective_from = models.DateField(_("施行日期"))
    effective_until = models.DateField(
        _("有效期至"), null=True, blank=True, help_text=_("含当日；留空表示长期有效。")
    )
    min_core_members = models.PositiveSmallIntegerField(
        _("核心成员最少家数"), default=6, help_text=_("第四条第（三）项：核心成员不能少于 6 家。")
    )
    member_ceiling = models.PositiveSmallIntegerField(
        _("成员总数上限（一般）"),
        default=15,
        help_text=_("第四条第（三）项：成员总数一般不超过 15 家；超出需书面说明理由。"),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=7, help_text=_("第六条：公示期为 7 天（自然日，含首日）。")
    )
    annual_report_due_month = models.PositiveSmallIntegerField(
        _("年度材料截止月份"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("第八条：每年 2 月底前提交。"),
    )
    annual_report_due_day = models.PositiveSmallIntegerField(
        _("年度材料截止日"),
        null=True,
        blank=True,
        # Beyond the month's last day, the last day (annual_report_due).
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("留空表示该月最后一天（闰年 2 月为 29 日）。"),
    )
    # Art. 8 sets no time for a returned annual report: the bureau's own number (review.annual).
    annual_report_grace_days = models.PositiveSmallIntegerField(
        _("年度材料退回后补正宽限期（天）"),
        default=15,
        validators=[MaxValueValidator(90)],
        help_text=_(
            "按期提交后被退回的年度材料，在截止日期（或退回之日，取较晚者）后此天数内重新提交的，视为按期提交。"
        ),
    )
    # Issue 11 §3: when an alliance that owes its annual report is reminded (send_reminders):
    # on these days ("MM-DD", comma-separated) and this many days before the deadline.
    annual_report_reminder_days = models.CharField(
        _("年度材料提醒日期"),
        max_length=60,
        default="01-15,02-15",
        validators=[validate_reminder_days],
        help_text=_("月-日，以逗号分隔，例如 01-15,02-15；在截止日期前的这些日子提醒尚未报送的联盟。"),
    )
    annual_report_reminder_days_before = models.PositiveSmallIntegerField(
        _("截止前提醒天数"), default=3, validators=[MaxValueValidator(60)]
    )
    experts_per_file = models.PositiveSmallIntegerField(_("每件申报评审专家人数"), default=3)
    score_max_per_aspect = models.PositiveSmallIntegerField(
        _("单项评分满分"),
        default=25,
        help_text=_(
            "第六条四个方面（创新活动、创新绩效、服务产业、运行管理）各自的满分：新建版本时据此生成评分细则，"
            "此后在评分细则中逐项调整。"
        ),
    )
    # Art. 6 sets no time for the experts' review nor a rule for their disagreement: the
    # bureau's own numbers, kept with the others on the edition (review.experts, review.panel).
    review_days = models.PositiveSmallIntegerField(
        _("专家评审期限（天）"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text=_("指派专家时默认的评审截止期限：自指派之日起的自然日数。"),
    )
    disagreement_threshold = models.PositiveSmallIntegerField(
        _("专家意见分歧阈值（总分差）"),
        default=15,
        validators=[MaxValueValidator(400)],
        help_text=_("专家总分最高与最低之差超过此分值时，评审汇总标注“意见分歧较大”。"),
    )
    full_text = models.TextField(
        _("全文"),
        blank=True,
        max_length=FULL_TEXT_MAX_CHARS,
        help_text=_(
            "发文正文，用于“政策原文”页面。以“第一章”“第一条”等开头的行显示为标题，并可链接（如 #art-4）。"
        ),
    )
    # Art. 6: the number a recognised alliance is given, as the bureau writes its documents.
    recognition_number_format = models.CharField(
        _("认定编号格式"),
        max_length=RECOGNITION_FORMAT_MAX_CHARS,
        default=DEFAULT_RECOGNITION_NUMBER_FORMAT,
        validators=[validate_recognition_number_format, refuse_invisible_characters],
        help_text=_("须含 {year}（认定年度）和 {number}（序号），如“朔科联〔{year}〕第{number}号”。"),
    )
    # Art. 10: the measure is in force for five years. A renewed measure says whether the
    # alliances recognised under an earlier edition keep their status (shown to staff and on
    # /policy/; nothing lapses by itself).
    earlier_recognitions_continue = models.BooleanField(
        _("此前认定的联盟继续有效"),
        default=True,
        help_text=_("第十条：本版本施行后，依此前版本认定的市级联盟是否保留资格。"),
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)

    objects = PolicyEditionQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("政策版本")
        verbose_name_plural = _("政策版本")

    def __str__(self):
        return self.citation

    @property
    def display_number(self):
        return self.document_number_en if self.document_number_en and in_english() else self.document_number

    @property
    def citation(self):
        """How pages cite this edition: 《名称》（文号）, or "Name (No.)" in English."""
        if in_english():
            return f"{self.display_name} ({self.display_number})"
        return f"《{self.name}》（{self.document_number}）"

    def annual_report_deadline_text(self):
        """Art. 8's deadline in words, from this edition's numbers ("2 月底" in 2021)."""
        month, day = self.annual_report_due_month, self.annual_report_due_day
        if in_english():
            name = MONTHS.get(month, month)  # translated month names, not the process locale's
            return f"{name} {day}" if day else f"the end of {name}"
        return f"{month} 月 {day} 日" if day else f"{month} 月底"

    def clean(self):
        if self.effective_until and self.effective_until < self.effective_from:
            raise ValidationError({"effective_until": _("有效期截止日期不能早于施行日期。")})
        if self.annual_report_due_month and not 1 <= self.annual_report_due_month <= 12:
            raise ValidationError({"annual_report_due_month": _("月份应在 1 至 12 之间。")})
        if self.annual_report_due_day and not 1 <= self.annual_report_due_day <= 31:
            raise ValidationError({"annual_report_due_day": _("日期应在 1 至 31 之间。")})

    def recognition_number(self, year, number):
        """Art. 6: the number of the ``number``-th alliance recognised in ``year``."""
        return self.recognition_number_format.format(year=year, number=number)

    def is_in_force(self, on=None):
        on = on or timezone.localdate()
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def annual_report_due(self, year):
        """Art. 8: the last day on which the annual report for ``year - 1`` is on time."""
        month = self.annual_report_due_month
        next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
        last_day = (next_month - datetime.timedelta(days=1)).day
        return datetime.date(year, month, min(self.annual_report_due_day or last_day, last_day))


class Organisation(models.Model):
    """A legal person identified by its unified social credit code (Art. 4).

    A row is made when a lead unit's contact signs up: it is that account's claim to act for
    the organisation (单位注册审核, DESIGN.md "People"), and holds nothing for others until
    the organising unit of its district (the bureau for codes outside Shuozhou) approves it.
    Only one approved row per USCC; competing claims may wait side by side until then.
    """

    uscc = models.CharField(_("统一社会信用代码"), max_length=18, validators=[validate_uscc])
    name = models.CharField(_("单位名称"), max_length=200, validators=PLAIN)
    org_type = models.CharField(_("单位类型"), max_length=30, choices=OrganisationType.choices)
    registered_address = models.CharField(_("住所（注册地址）"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Changed only by ``applications.registration`` (send, approve, reject), which records each.
    registration_status = models.CharField(
        _("注册审核状态"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.UNSENT,
        editable=False,
    )
    # Who decides the registration, fixed when it is sent: None is the bureau (市科技局).
    reviewing_unit = models.ForeignKey(
        OrganisingUnit,
        verbose_name=_("注册审核单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        editable=False,
    )
    registration_sent_at = models.DateTimeField(_("提交注册审核时间"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(registration_status=RegistrationStatus.APPROVED),
                name="one_approved_organisation_per_uscc",
                violation_error_message=_("该统一社会信用代码已有审核通过的单位。"),
            )
        ]
        indexes = [models.Index(fields=["registration_status", "reviewing_unit"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.uscc = normalize_uscc(self.uscc)
        super().save(*args, **kwargs)

    @property
    def is_approved(self):
        return self.registration_status == RegistrationStatus.APPROVED

    def clean_fields(self, exclude=None):
        # Before the length, format and uniqueness checks: "9114 0602…" is "91140602…".
        self.uscc = normalize_uscc(self.uscc)
        super().clean_fields(exclude=exclude)


class User(AbstractUser):
    """A log-in of the portal with one role (DESIGN.md "People").

    Applicants belong to an organisation (the lead unit); organising-unit reviewers belong
    to one organising unit. Bureau staff, experts and administrators are created by an
    administrator.
    """

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    organising_unit = models.ForeignKey(
        OrganisingUnit,
        verbose_name=_("所属组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewers",
    )
    full_name = models.CharField(_("姓名"), max_length=60, blank=True, validators=PLAIN)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True, validators=PLAIN)
    email_confirmed_at = models.DateTimeField(_("邮箱确认时间"), null=True, blank=True)
    # Passwords typed on the confirmation page of this sign-up (registration.confirm_signup).
    confirmation_tries = models.PositiveSmallIntegerField(
        _("确认邮箱时的密码尝试次数"), default=0, editable=False
    )
    # The language of the mails and in-portal messages this user is sent (applications.outbox):
    # the one active at sign-up, then the one last chosen with the language switcher.
    language = models.CharField(
        _("通知语言"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("发给该用户的邮件和站内消息使用的语言；用户切换页面语言时随之更新。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # Applicants log in with their address: one account per address.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="one_account_per_email_address",
                violation_error_message=_("该电子邮箱已被其他账号使用。"),
            )
        ]

    def __str__(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        # The objects, not their ids: registration links a not-yet-saved organisation.
        has_organisation = self.organisation is not None
        has_unit = self.organising_unit is not None
        if self.role == Role.APPLICANT and not has_organisation:
            raise ValidationError({"organisation": _("申报单位用户必须关联所属单位。")})
        if self.role == Role.UNIT_REVIEWER and not has_unit:
            raise ValidationError({"organising_unit": _("组织单位用户必须关联所属组织单位。")})
        if self.role != Role.APPLICANT and has_organisation:
            raise ValidationError({"organisation": _("只有申报单位用户关联单位。")})
        if self.role != Role.UNIT_REVIEWER and has_unit:
            raise ValidationError({"organising_unit": _("只有组织单位用户关联组织单位。")})

    def save(self, *args, **kwargs):
        # The role is the one switch: the administrator (bureau IT, or whoever
        # `createsuperuser` makes) has the whole Django admin; nobody else gets in there.
        # Reviewer rights never follow from it: views check the role's predicates.
        if self._state.adding and self.is_superuser:
            self.role = Role.ADMIN
        self.is_superuser = self.is_staff = self.role == Role.ADMIN
        super().save(*args, **kwargs)


class Application(models.Model):
    """An application for recognition as a municipal alliance, and later the alliance.

    Its ``state`` changes only through :func:`applications.workflow.transition`.
    """

    name = models.CharField(_("联盟名称"), max_length=200, validators=PLAIN)
    lead_unit = models.ForeignKey(
        Organisation, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="applications"
    )
    edition = models.ForeignKey(
        PolicyEdition, verbose_name=_("适用政策版本"), on_delete=models.PROTECT, related_name="applications"
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("所属产业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organising_unit = models.ForeignKey(
        OrganisingUnit,
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    state = models.CharField(
        _("状态"), max_length=30, choices=State.choices, default=State.DRAFT, editable=False
    )
    # The state whose reviewer returned the file, so that the resubmission goes back to
    # that level (DESIGN.md "Lifecycle").
    returned_from = models.CharField(
        _("退回环节"), max_length=30, choices=State.choices, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    state_changed_at = models.DateTimeField(_("状态变更时间"), default=timezone.now, editable=False)
    # First submission: from then on the routed organising unit sees the file.
    submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True, editable=False)

    # Art. 3: what the alliance is for and what it will do.
    # The text lengths fit the form's boxes (templates/pdf/application_form.html), so that
    # the form PDF stays within a bounded number of pages (issue 8).
    purpose = models.TextField(_("组建目的与宗旨"), blank=True, max_length=500)
    main_tasks = models.TextField(_("主要任务"), blank=True, max_length=1000)
    # Art. 5(2): the technical innovation goals, also stated in the agreement.
    innovation_goals = models.TextField(_("技术创新目标"), blank=True, max_length=1500)
    # Art. 4(1): the lead unit's qualifications, stated with indicators, judged by experts.
    lead_qualification = models.TextField(_("牵头单位资质说明"), blank=True, max_length=1000)
    rd_spending = models.DecimalField(
        _("上年度研发投入（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    revenue = models.DecimalField(
        _("上年度营业收入（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    patents = models.PositiveIntegerField(_("有效专利数（件）"), null=True, blank=True)
    standards = models.PositiveIntegerField(_("主持或参与制定的标准数（项）"), null=True, blank=True)
    rd_staff = models.PositiveIntegerField(_("研发人员数（人）"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True, validators=PLAIN)
    contact_title = models.CharField(_("职务"), max_length=60, blank=True, validators=PLAIN)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True, validators=PLAIN)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    # Art. 4(3): "一般不超过 15 家" — more needs a written justification.
    ceiling_justification = models.TextField(_("成员超过上限的书面说明"), blank=True, max_length=500)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("联盟申报")
        verbose_name_plural = _("联盟申报")
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return self.name

    @property
    def is_editable(self):
        """The lead unit fills in a draft, and a returned file; otherwise it is read-only."""
        return self.state in (State.DRAFT, State.RETURNED)


class InsertOnlyQuerySet(models.QuerySet):
    """Insert-only records: used as default and base manager, so neither can update or delete."""

    def update(self, **kwargs):
        raise PermissionError("Audit events are immutable.")

    def delete(self):
        raise PermissionError("Audit events are immutable.")


class InsertOnly(models.Model):
    """A record written once and never changed: no UPDATE, no DELETE, even for a forged pk."""

    objects = InsertOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} records are immutable.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} records are immutable.")


class Member(models.Model):
    """A member unit of the alliance (Art. 4(2)–(3)); the lead unit is one, and a core one."""

    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("单位名称"), max_length=200, validators=PLAIN)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    org_type = models.CharField(_("单位类型"), max_length=30, choices=OrganisationType.choices)
    is_core = models.BooleanField(_("核心成员"), default=False)
    is_lead = models.BooleanField(_("牵头单位"), default=False, editable=False)
    registered_address = models.CharField(_("住所（注册地址）"), max_length=300, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=60, blank=True, validators=PLAIN)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True, validators=PLAIN)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True, validators=PLAIN)
    task = models.TextField(_("承担的任务分工"), blank=True, max_length=200)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-is_lead", "-is_core", "pk"]
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(is_lead=True),
                name="one_lead_member_per_application",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.uscc = normalize_uscc(self.uscc)
        super().save(*args, **kwargs)


# Platforms of one alliance: a handful in practice; a bound on the list and its page.
PLATFORMS_MAX = 50


class Platform(models.Model):
    """A platform an alliance has built (Art. 7: a key laboratory, an engineering technology
    research centre, an innovation team), public in the directory. The bureau records them
    (review.platforms); the annual report will update them (Art. 8)."""

    application = models.ForeignKey(
        Application, verbose_name=_("联盟"), on_delete=models.CASCADE, related_name="platforms"
    )
    kind = models.CharField(_("平台类型"), max_length=30, choices=PlatformKind.choices)
    level = models.CharField(_("级别"), max_length=20, choices=PlatformLevel.choices)
    name = models.CharField(_("平台名称"), max_length=200, validators=PLAIN)
    approving_document = models.CharField(_("批准文号"), max_length=100, blank=True, validators=PLAIN)
    year = models.PositiveSmallIntegerField(
        _("批准年度"), validators=[MinValueValidator(1949), MaxValueValidator(2100)]
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["application", "kind", "-year", "pk"]
        verbose_name = _("联盟平台")
        verbose_name_plural = _("联盟平台")

    def __str__(self):
        return self.name


class Submission(InsertOnly):
    """The frozen data and document versions of one submission round (Art. 5).

    Written once by ``transition()`` when the lead unit submits or resubmits, and never
    changed: reviewers read it, and the next round is compared with it.
    """

    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="submissions"
    )
    number = models.PositiveSmallIntegerField(_("轮次"))
    event = models.OneToOneField(
        "AuditEvent", verbose_name=_("审计记录"), on_delete=models.PROTECT, related_name="submission"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    declaration = models.TextField(_("承诺书"))
    data = models.JSONField(_("申报数据"))

    class Meta(InsertOnly.Meta):
        ordering = ["application", "number"]
        verbose_name = _("提交记录")
        verbose_name_plural = _("提交记录")
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="one_submission_per_round")
        ]

    def __str__(self):
        return f"{self.application} #{self.number}"


class Document(models.Model):
    """An upload slot of Art. 5 materials; each upload is a new :class:`DocumentVersion`."""

    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("材料类型"), max_length=20, choices=DocumentKind.choices)
    # The licence slot sits beside its member. A member removed after a submission keeps
    # its licence's history (the slot is then detached and hidden).
    member = models.ForeignKey(
        Member,
        verbose_name=_("成员单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    title = models.CharField(_("材料名称"), max_length=200, blank=True, validators=PLAIN)
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")

    def __str__(self):
        return self.title or self.get_kind_display()


def private_upload_name(instance, filename):
    """A random name: the stored path says nothing of the file or its owner."""
    suffix = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        getattr(instance, "content_type", ""), ".bin"
    )
    today = timezone.localdate()
    return f"documents/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


def private_preview_name(instance, filename):
    return f"previews/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.jpg"


def private_cleaned_name(instance, filename):
    return f"cleaned/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.pdf"


class CheckedFile(models.Model):
    """An uploaded file checked by content (``applications.documents.inspect``) and stored
    privately: an application's document version, or a registration's licence or letter."""

    file = models.FileField(_("文件"), upload_to=private_upload_name, max_length=200)
    preview = models.FileField(_("预览图"), upload_to=private_preview_name, max_length=200, blank=True)
    # A PDF's copy without scripts, actions, attachments or forms (applications.pdf_clean):
    # what reviewers open and what the dossier merges. ``file`` stays as uploaded.
    cleaned = models.FileField(_("净化副本"), upload_to=private_cleaned_name, max_length=200, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    page_count = models.PositiveIntegerField(_("页数"), default=1)
    width = models.PositiveIntegerField(_("宽（像素）"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高（像素）"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class DocumentVersion(CheckedFile):
    """One uploaded file, checked by content (``applications.documents``), never overwritten.

    A version frozen in a submission is never deleted; a return allows new versions.
    """

    document = models.ForeignKey(
        Document, verbose_name=_("申报材料"), on_delete=models.PROTECT, related_name="versions"
    )
    # The submission that first froze this version; from then on it is never deleted.
    submission = models.ForeignKey(
        Submission,
        verbose_name=_("首次提交轮次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="new_versions",
    )

    class Meta:
        ordering = ["document", "pk"]
        verbose_name = _("材料版本")
        verbose_name_plural = _("材料版本")

    @property
    def is_frozen(self):
        return self.submission_id is not None


class ActedRecord(InsertOnly):
    """A step someone took (or the system: no actor), written once: a file's transition or a
    registration's decision."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("操作人角色"), max_length=20)
    comment = models.TextField(_("意见/理由"), blank=True, max_length=COMMENT_MAX_CHARS)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)

    class Meta(InsertOnly.Meta):
        abstract = True
        ordering = ["created_at", "pk"]

    @property
    def actor_label(self):
        """Who acted, in plain words: the person and their role, or the system."""
        if self.actor_id is None:
            return SYSTEM_LABEL
        role = Role(self.actor_role).label if self.actor_role in Role.values else self.actor_role
        return _("%(name)s（%(role)s）") % {"name": self.actor, "role": role}


class AuditEvent(ActedRecord):
    """One transition of an application, appended by ``transition()`` and never changed."""

    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=30, choices=State.choices)
    to_state = models.CharField(_("新状态"), max_length=30, choices=State.choices)
    # What was decided, as the row's form validated it (a checklist, a meeting's decision…).
    data = models.JSONField(_("办理数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Internal: the bureau's own record (a staff note, an expert's assignment); the applicant
    # never sees it in the timeline, messages or PDFs.
    internal = models.BooleanField(_("内部记录"), default=False)

    class Meta(ActedRecord.Meta):
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self):
        return f"{self.application} {self.from_state} → {self.to_state}"

    @property
    def action_label(self):
        for choices in (Action, Activity):
            if self.action in choices.values:
                return choices(self.action).label
        return self.action

    @property
    def moves(self):
        """Whether the event changed the state (a transition), or records an activity."""
        return self.action in Action.values


class RegistrationEvent(ActedRecord):
    """One step of a registration (单位注册审核): sent, approved or rejected; who, when, why.

    Appended by ``applications.registration`` and never changed.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="registration_events"
    )
    action = models.CharField(_("操作"), max_length=20, choices=RegistrationAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=RegistrationStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=RegistrationStatus.choices)
    # The unit that decides (or decided): None is the bureau.
    reviewing_unit = models.ForeignKey(
        OrganisingUnit,
        verbose_name=_("注册审核单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(ActedRecord.Meta):
        verbose_name = _("注册审核记录")
        verbose_name_plural = _("注册审核记录")

    def __str__(self):
        return f"{self.organisation} {self.from_status} → {self.to_status}"


class RegistrationDocument(CheckedFile):
    """A business licence or authorisation letter uploaded for a registration.

    Checked and stored as an application's documents are (``applications.documents``); a
    file that was sent for a decision is kept (``sent_with``), a new upload replaces it for
    the next sending, and replaces an earlier upload of its kind that was not sent.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="registration_documents"
    )
    kind = models.CharField(_("材料类型"), max_length=20, choices=RegistrationDocumentKind.choices)
    sent_with = models.ForeignKey(
        RegistrationEvent,
        verbose_name=_("随之提交的审核记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )

    class Meta:
        ordering = ["organisation", "kind", "pk"]
        verbose_name = _("注册审核材料")
        verbose_name_plural = _("注册审核材料")

    @property
    def is_frozen(self):
        """Sent with a decision: kept on record, never deleted (``documents.discard_version``)."""
        return self.sent_with_id is not None


class Notification(models.Model):
    """An in-portal message, queued beside the e-mail: by ``transition()`` about a file, or by
    ``applications.registration`` about a registration (exactly one of the two events)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("联盟申报"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        AuditEvent,
        verbose_name=_("审计记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    registration_event = models.ForeignKey(
        RegistrationEvent,
        verbose_name=_("注册审核记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    subject = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(application__isnull=False, event__isnull=False, registration_event__isnull=True)
                    | models.Q(application__isnull=True, event__isnull=True, registration_event__isnull=False)
                ),
                name="notification_about_a_file_or_a_registration",
            )
        ]

    def __str__(self):
        return self.subject


class TwoFactorPolicy(models.Model):
    """Whether the administrator requires two-factor log-in (TOTP) of a role (issue 8).

    One row, edited in the admin: three switches read once per log-in. Only the roles that may
    use two-factor log-in have one (applications.two_factor.ROLES); a user of a role that
    requires it and has no authenticator yet enrols right after the password.
    """

    staff_required = models.BooleanField(_("市科技局账号必须使用两步验证"), default=False)
    unit_reviewer_required = models.BooleanField(_("组织单位账号必须使用两步验证"), default=False)
    admin_required = models.BooleanField(_("系统管理员账号必须使用两步验证"), default=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("两步验证要求")
        verbose_name_plural = _("两步验证要求")

    def __str__(self):
        return str(_("两步验证要求"))

    @classmethod
    def current(cls):
        """The row, or the defaults (nothing required) where there is none."""
        return cls.objects.order_by("pk").first() or cls()

    def requires(self, role):
        return {
            Role.STAFF: self.staff_required,
            Role.UNIT_REVIEWER: self.unit_reviewer_required,
            Role.ADMIN: self.admin_required,
        }.get(role, False)


# Room for an SMTP server's answer or an exception's message, not for a traceback.
OUTBOX_ERROR_MAX_CHARS = 500


class OutboxMessage(models.Model):
    """One e-mail to one address, rendered in its recipient's language (``applications.outbox``).

    Written in the transaction of what it reports, sent after that commits; a failed send stays
    queued with its error and ``manage.py send_outbox`` tries it again. A draft (a decision
    letter) waits until staff release it.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        null=True,
        blank=True,
        # An unconfirmed sign-up that is deleted holds nothing: its mails go with it.
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    to_address = models.EmailField(_("收件地址"))
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("标题"), max_length=300)
    # Emptied once sent when it carried a secret link (OutboxKind.ACCOUNT): see outbox.py.
    body = models.TextField(_("内容"), blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=OutboxKind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("发送尝试次数"), default=0)
    last_error = models.CharField(_("最近一次发送错误"), max_length=OUTBOX_ERROR_MAX_CHARS, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    application = models.ForeignKey(
        Application,
        verbose_name=_("联盟申报"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who let a draft go out (outbox.release), and when: nothing goes out unread (issue 9).
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    released_at = models.DateTimeField(_("核发时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("邮件发件箱")
        verbose_name_plural = _("邮件发件箱")
        # send_outbox looks for the queued ones, fewest attempts first.
        indexes = [models.Index(fields=["status", "attempts", "id"])]

    def __str__(self):
        return f"{self.to_address}: {self.subject}"
