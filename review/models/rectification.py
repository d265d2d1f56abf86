"""Rectification (限期整改, Art. 9): the bureau's order to a recognised alliance, the alliance's
answer and its files.

An order is written by ``review.rectification.open_order`` when ORDER_RECTIFICATION moves the
file, from the data its audit event keeps; it is closed (accepted or revoked) by the row that
ends the rectification. The open one, if any, is the alliance's current order: what the lead
unit answers before its deadline and what staff read when they decide.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, AuditEvent, CheckedFile

# The grounds, what must be done, the answer: a page of text each.
RECTIFICATION_TEXT_MAX_CHARS = 2000


class RectificationOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("整改合格")
    REVOKED = "revoked", _("取消资格")
    LAPSED = "lapsed", _("视为自动放弃（第八条）")


class RectificationOrder(models.Model):
    """One order to rectify within a deadline (Art. 9), and the alliance's answer to it."""

    application = models.ForeignKey(
        Application, verbose_name=_("联盟"), on_delete=models.PROTECT, related_name="rectification_orders"
    )
    # The ORDER_RECTIFICATION event that made it: its data is the order as issued.
    event = models.OneToOneField(
        AuditEvent, verbose_name=_("办理记录"), on_delete=models.PROTECT, related_name="rectification_order"
    )
    grounds = models.TextField(_("整改原因"), max_length=RECTIFICATION_TEXT_MAX_CHARS)
    articles = models.JSONField(_("违反的条款"), default=list)
    requirements = models.TextField(_("整改要求"), max_length=RECTIFICATION_TEXT_MAX_CHARS)
    # The last day to answer, inclusive (until 23:59:59 Asia/Shanghai).
    deadline = models.DateField(_("整改期限"))
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下达人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ordered_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    # The lead unit's latest answer; each answer is also on the audit trail.
    answer = models.TextField(_("整改情况报告"), max_length=RECTIFICATION_TEXT_MAX_CHARS, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=RectificationOutcome.choices, blank=True)
    closed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")

    def __str__(self):
        return f"{self.application} · {self.deadline:%Y-%m-%d}"

    @property
    def is_open(self):
        return self.closed_at is None


class RectificationFile(CheckedFile):
    """A document of the lead unit's answer, checked as the applicants' uploads are."""

    order = models.ForeignKey(
        RectificationOrder, verbose_name=_("整改通知"), on_delete=models.CASCADE, related_name="files"
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("整改材料")
        verbose_name_plural = _("整改材料")
