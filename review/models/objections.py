"""Objections to a public notice (公示异议, Art. 6): raised in real name while the notice is
open, against one alliance it lists, and decided by the bureau.

An objection is never public: neither it nor the objector's identity appears on any public
page, feed, PDF or export, and the lead unit it concerns learns only that it exists and its
grounds (``review.objections``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import CheckedFile
from applications.plain_text import refuse_invisible_characters

from .notices import NoticeItem

PLAIN = [refuse_invisible_characters]
# The grounds, the bureau's notes, its reply and the lead unit's answer: a page of text each.
OBJECTION_TEXT_MAX_CHARS = 2000


class ObjectorKind(models.TextChoices):
    PERSON = "person", _("个人")
    UNIT = "unit", _("单位")


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    DISMISSED = "dismissed", _("异议不成立")
    UPHELD = "upheld", _("异议成立")


class ObjectionFileKind(models.TextChoices):
    LETTER = "letter", _("加盖公章的异议函")
    EVIDENCE = "evidence", _("证明材料")


class Objection(models.Model):
    """One objection, in real name, to one alliance (``item``) of a published notice."""

    item = models.ForeignKey(
        NoticeItem, verbose_name=_("公示名单"), on_delete=models.PROTECT, related_name="objections"
    )
    # Shown to the objector on the receipt page and in the mail: "261207-7K3M9Q".
    receipt_number = models.CharField(_("受理编号"), max_length=20, unique=True)
    kind = models.CharField(_("异议人类型"), max_length=10, choices=ObjectorKind.choices)
    # A person: name, employer; a unit: its name and the person to contact.
    name = models.CharField(_("姓名"), max_length=50, blank=True, validators=PLAIN)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True, validators=PLAIN)
    unit_name = models.CharField(_("单位名称"), max_length=100, blank=True, validators=PLAIN)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True, validators=PLAIN)
    phone = models.CharField(_("联系电话"), max_length=30, validators=PLAIN)
    # The phone as it is counted by the throttle: digits only, without +86.
    phone_normalized = models.CharField(_("联系电话（规范化）"), max_length=20, db_index=True)
    email = models.EmailField(_("电子邮箱"), max_length=254, blank=True)
    grounds = models.TextField(_("异议理由"), max_length=OBJECTION_TEXT_MAX_CHARS)
    # The language the objector wrote in: their receipt and the reply are mailed in it.
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    # The bureau's verification (核实情况): who wrote it, when.
    verification_notes = models.TextField(_("核实情况"), max_length=OBJECTION_TEXT_MAX_CHARS, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    # The decision and the reply to the objector.
    reply = models.TextField(_("答复异议人"), max_length=OBJECTION_TEXT_MAX_CHARS, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    # The lead unit's answer (it never learns who objected).
    lead_answer = models.TextField(_("牵头单位说明"), max_length=OBJECTION_TEXT_MAX_CHARS, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("说明人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("说明时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self):
        return self.receipt_number

    @property
    def objector(self):
        """Who objected, as staff read it: the person, or the unit."""
        if self.kind == ObjectorKind.UNIT:
            return self.unit_name
        return self.name

    @property
    def is_pending(self):
        return self.status == ObjectionStatus.PENDING


class ObjectionFile(CheckedFile):
    """A unit's sealed letter or a piece of evidence, checked as the applicants' uploads are."""

    objection = models.ForeignKey(
        Objection, verbose_name=_("公示异议"), on_delete=models.CASCADE, related_name="files"
    )
    kind = models.CharField(_("材料类型"), max_length=10, choices=ObjectionFileKind.choices)

    class Meta:
        ordering = ["objection", "kind", "pk"]
        verbose_name = _("异议材料")
        verbose_name_plural = _("异议材料")
