"""The Party group's meeting (党组会, Art. 6): the files it considered and its decision on each.

A meeting is prepared as a draft (its session, date, the files on its agenda and the decision
taken on each, the minutes' scan) and then recorded: ``review.meetings.record_meeting``
applies every decision at once through ``transition()``, and the meeting is then fixed.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import COMMENT_MAX_CHARS, Application, CheckedFile
from applications.plain_text import refuse_invisible_characters


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("准备中")
    RECORDED = "recorded", _("已录入决定")


class Decision(models.TextChoices):
    APPROVE = "approve", _("研究通过")
    REJECT = "reject", _("不予认定")
    DEFER = "defer", _("暂缓研究")


class Meeting(models.Model):
    session = models.CharField(
        _("会议名称"),
        max_length=100,
        unique=True,
        help_text=_("如：2026年第12次党组会"),
        validators=[refuse_invisible_characters],
    )
    held_on = models.DateField(_("会议日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("党组会")
        verbose_name_plural = _("党组会")

    def __str__(self):
        return self.session

    @property
    def is_draft(self):
        return self.status == MeetingStatus.DRAFT


class MeetingItem(models.Model):
    """A file on the meeting's agenda (议题) and the decision taken on it."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("党组会"), on_delete=models.CASCADE, related_name="items"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="meeting_items"
    )
    position = models.PositiveSmallIntegerField(_("议题序号"), default=1)
    decision = models.CharField(_("决定"), max_length=20, choices=Decision.choices, blank=True)
    reasons = models.TextField(_("理由"), blank=True, max_length=COMMENT_MAX_CHARS)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "application"], name="one_item_per_file_per_meeting")
        ]
        verbose_name = _("党组会议题")
        verbose_name_plural = _("党组会议题")

    def __str__(self):
        return f"{self.meeting} · {self.application}"


class MeetingMinutes(CheckedFile):
    """The scan of the meeting's minutes (会议纪要), checked and stored as the applicants'
    documents are; a new upload replaces it while the meeting is a draft."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("党组会"), on_delete=models.CASCADE, related_name="minutes"
    )

    class Meta:
        ordering = ["meeting", "-pk"]
        verbose_name = _("会议纪要")
        verbose_name_plural = _("会议纪要")
