"""The public notice (公示, Art. 6): the alliances the Party group approved, shown to the public
for the edition's number of days before they are recognised.

A notice is prepared as a draft (its title, its body, the approved files it lists) and then
published: ``review.notices.publish`` fixes its period and moves every listed file to 公示中
through ``transition()`` at once. A published notice is never edited.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, PolicyEdition
from applications.plain_text import refuse_invisible_characters

# The body of a notice: the legal basis, the steps taken, the contact for objections.
NOTICE_BODY_MAX_CHARS = 3000
WITHDRAWAL_REASON_MAX_CHARS = 500


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(models.Model):
    title = models.CharField(_("标题"), max_length=200, validators=[refuse_invisible_characters])
    # The bureau's document number of the notice (e.g. 朔科公〔2026〕3号), printed under the red head.
    document_number = models.CharField(
        _("文号"), max_length=50, blank=True, validators=[refuse_invisible_characters]
    )
    body = models.TextField(_("正文"), max_length=NOTICE_BODY_MAX_CHARS)
    edition = models.ForeignKey(
        PolicyEdition, verbose_name=_("适用版本"), on_delete=models.PROTECT, related_name="notices"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # The period (Art. 6: seven calendar days, the day of publication included), fixed on
    # publication and kept on the notice itself.
    starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    ends_at = models.DateTimeField(_("公示截止时间"), null=True, blank=True)
    # A correction (更正公示) is a notice of its own that names the notice it corrects and says
    # what changed; the files it lists again are noticed anew for its whole period.
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的公示"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    # A withdrawn notice stays public, marked as withdrawn with the reason (never gone).
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawal_reason = models.CharField(
        _("撤回理由"),
        max_length=WITHDRAWAL_REASON_MAX_CHARS,
        blank=True,
        validators=[refuse_invisible_characters],
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    def __str__(self):
        return self.title

    @property
    def is_draft(self):
        return self.status == NoticeStatus.DRAFT

    @property
    def is_withdrawn(self):
        return self.status == NoticeStatus.WITHDRAWN


class NoticeItem(models.Model):
    """An alliance listed on a notice."""

    notice = models.ForeignKey(Notice, verbose_name=_("公示"), on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="notice_items"
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=1)
    # What the public read, frozen on publication (review.notices.listing): name, lead unit,
    # members, industry, organising unit. A later change to the file does not alter it.
    listing = models.JSONField(_("公示内容"), default=dict, blank=True)

    class Meta:
        ordering = ["notice", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "application"], name="one_item_per_file_per_notice")
        ]
        verbose_name = _("公示名单")
        verbose_name_plural = _("公示名单")

    def __str__(self):
        return f"{self.notice} · {self.application}"
