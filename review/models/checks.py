"""What the organising unit (Art. 5) and the bureau's formal check (Art. 6) record item by item.

Each record is one person's finding on one item of one submitted round, written once and never
changed: a later record of the same item supersedes it ("the latest stands"), and the history
stays. The domain functions are in ``review.checks``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, InsertOnly, Submission

# A note says in a sentence or two what was seen on the licence or the agreement.
NOTE_MAX_CHARS = 300


class UnitCheckItem(models.TextChoices):
    """Art. 5 ("上述材料经组织单位审核后，报市科技局"): what only a person holding the licences
    and the agreement can confirm. The first is asked only of a lead unit whose code does not
    place it in Shuozhou (Art. 4(1); ``applications.eligibility.lead_unit_in_shuozhou``)."""

    LEAD_ADDRESS = "lead_address", _("牵头单位代码不以 1406 开头：已对照营业执照核实，住所确在朔州市")
    LEGAL_PERSON_LICENCES = "legal_person_licences", _("营业执照均为法人执照，而非分支机构执照")
    SEALS = "seals", _("印章齐全")


class FormalCheckItem(models.TextChoices):
    """The bureau's formal check of the materials of Art. 5 before the expert review of Art. 6."""

    MATERIALS_COMPLETE = "materials_complete", _("材料齐全")
    SEALS = "seals", _("印章齐全")
    AGREEMENT_SIGNED = "agreement_signed", _("联盟协议经全体成员签署")
    AGREEMENT_TERMS = "agreement_terms", _("协议载明技术创新目标和成员单位任务分工")
    LICENCES_VALID = "licences_valid", _("营业执照有效，均为法人执照（非分支机构执照）")
    CHARTER = "charter", _("联盟章程齐全")
    LEAD_QUALIFICATION = "lead_qualification", _("牵头单位资质条件已说明")


class ItemCheck(InsertOnly):
    """One finding on one item of one round: who, when, and a note."""

    application = models.ForeignKey(
        Application, verbose_name=_("联盟申报"), on_delete=models.PROTECT, related_name="+"
    )
    # The round whose materials were checked: a resubmission is checked afresh.
    submission = models.ForeignKey(
        Submission, verbose_name=_("提交轮次"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=NOTE_MAX_CHARS, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("核查时间"), default=timezone.now, editable=False)

    class Meta(InsertOnly.Meta):
        abstract = True
        ordering = ["submission", "item", "created_at", "pk"]


class UnitCheck(ItemCheck):
    """The organising unit's confirmation (or not) of one item (Art. 5)."""

    item = models.CharField(_("核查事项"), max_length=30, choices=UnitCheckItem.choices)
    confirmed = models.BooleanField(_("已确认"))

    class Meta(ItemCheck.Meta):
        verbose_name = _("组织单位核查记录")
        verbose_name_plural = _("组织单位核查记录")
        indexes = [models.Index(fields=["submission", "item"])]

    def __str__(self):
        return f"{self.application} #{self.submission_id} {self.item}: {self.confirmed}"


class FormalCheck(ItemCheck):
    """The bureau's finding on one item of the formal check (Art. 5–6): passed or failed."""

    item = models.CharField(_("形式审查事项"), max_length=30, choices=FormalCheckItem.choices)
    passed = models.BooleanField(_("通过"))

    class Meta(ItemCheck.Meta):
        verbose_name = _("形式审查记录")
        verbose_name_plural = _("形式审查记录")
        indexes = [models.Index(fields=["submission", "item"])]

    def __str__(self):
        return f"{self.application} #{self.submission_id} {self.item}: {self.passed}"
