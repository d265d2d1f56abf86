"""The platforms an alliance has built (Art. 7: 重点实验室, 工程技术研究中心, 创新团队), kept by
the bureau for recognised alliances and shown in the public directory.

Each addition, change and removal is written on the file's audit trail (``workflow.record``)
with what the platform was; the annual report (Art. 8) will later update them too.
"""

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.enums import Activity, PlatformKind, PlatformLevel
from applications.event_data import EventDataForm
from applications.models import PLATFORMS_MAX, Application, Platform
from applications.refusals import Refused
from applications.workflow import record

from .models import Recognition

FIELDS = ["kind", "level", "name", "approving_document", "year"]


class PlatformRefused(Refused):
    """A platform that cannot be recorded; ``messages`` say why."""


class PlatformForm(forms.ModelForm):
    class Meta:
        model = Platform
        fields = FIELDS
        widgets = {"year": forms.NumberInput(attrs={"min": 1949, "max": 2100})}


class PlatformRecord(EventDataForm):
    """What the audit trail keeps of a platform added, changed or removed."""

    kind = forms.ChoiceField(label=gettext_lazy("平台类型"), choices=PlatformKind.choices)
    level = forms.ChoiceField(label=gettext_lazy("级别"), choices=PlatformLevel.choices)
    name = forms.CharField(label=gettext_lazy("平台名称"), max_length=200)
    approving_document = forms.CharField(label=gettext_lazy("批准文号"), max_length=100, required=False)
    year = forms.IntegerField(label=gettext_lazy("批准年度"))


def recognised(application):
    """Platforms are kept for alliances once recognised (Art. 7), whatever became of them."""
    return Recognition.objects.filter(application=application).exists()


def _snapshot(platform):
    return {name: getattr(platform, name) for name in FIELDS}


def add(application, form, actor, *, ip_address=None):
    """Record the platform of a valid ``form`` (a :class:`PlatformForm`) for ``application``."""
    with transaction.atomic():
        # Locked: two staff adding at once count one after the other (PLATFORMS_MAX).
        Application.objects.select_for_update().filter(pk=application.pk).first()
        if not recognised(application):
            raise PlatformRefused(_("联盟认定后方可登记平台（第七条）。"))
        if application.platforms.count() >= PLATFORMS_MAX:
            raise PlatformRefused(_("每个联盟最多登记 %(max)d 个平台。") % {"max": PLATFORMS_MAX})
        platform = form.save(commit=False)
        platform.application = application
        platform.save()
        record(application, Activity.PLATFORM_ADDED, actor, data=_snapshot(platform), ip_address=ip_address)
    return platform


def change(platform, form, actor, *, ip_address=None):
    with transaction.atomic():
        form.save()
        record(
            platform.application,
            Activity.PLATFORM_CHANGED,
            actor,
            data=_snapshot(platform),
            ip_address=ip_address,
        )
    return platform


def remove(platform, actor, *, ip_address=None):
    with transaction.atomic():
        application = platform.application
        data = _snapshot(platform)
        platform.delete()
        record(application, Activity.PLATFORM_REMOVED, actor, data=data, ip_address=ip_address)
