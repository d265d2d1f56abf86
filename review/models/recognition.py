"""Recognition (认定, Art. 6): the number and date a recognised alliance is given, the notice it
was recognised from, and the seal printed on its certificate.

Kept here rather than on ``Application``: recognition is the bureau's act (``review`` owns it),
it names the notice of its batch (a ``review`` model ``applications`` may not refer to), and
its number is unique across every file while the fields mean nothing before recognition.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application

from .notices import Notice

NUMBER_MAX_CHARS = 60


class Recognition(models.Model):
    """One alliance's recognition: written once by ``review.recognition.assign_number`` as
    RECOGNIZE moves the file, never changed (a revoked alliance keeps its number)."""

    application = models.OneToOneField(
        Application, verbose_name=_("联盟"), on_delete=models.PROTECT, related_name="recognition"
    )
    year = models.PositiveSmallIntegerField(_("认定年度"))
    sequence = models.PositiveIntegerField(_("当年序号"))
    number = models.CharField(_("认定编号"), max_length=NUMBER_MAX_CHARS, unique=True)
    recognized_on = models.DateField(_("认定日期"))
    # The batch: the notice whose period ended before the recognition (认定通知).
    notice = models.ForeignKey(
        Notice,
        verbose_name=_("公示"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["year", "sequence"]
        verbose_name = _("认定记录")
        verbose_name_plural = _("认定记录")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="one_recognition_number_per_year")
        ]

    def __str__(self):
        return self.number


class RecognitionCounter(models.Model):
    """The last sequence given in a year: the row locked while a number is assigned, so that
    two recognitions at once never get the same one."""

    year = models.PositiveSmallIntegerField(_("认定年度"), unique=True)
    last = models.PositiveIntegerField(_("已用最大序号"), default=0)

    class Meta:
        verbose_name = _("认定序号")
        verbose_name_plural = _("认定序号")

    def __str__(self):
        return f"{self.year}: {self.last}"


def seal_upload_name(instance, filename):
    suffix = {"image/png": ".png", "image/jpeg": ".jpg"}.get(instance.content_type, ".bin")
    return f"seals/{uuid.uuid4().hex}{suffix}"


class CertificateSeal(models.Model):
    """The bureau's seal as printed on the certificates: one row, uploaded by an administrator
    (PNG or JPEG, checked by content); without it the seal's place stays blank."""

    image = models.FileField(_("印章图片"), upload_to=seal_upload_name, max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=20, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(_("上传时间"), auto_now=True)

    class Meta:
        verbose_name = _("证书印章")
        verbose_name_plural = _("证书印章")

    def __str__(self):
        return str(_("证书印章"))

    @classmethod
    def current(cls):
        return cls.objects.order_by("-pk").first()
