"""Which edition of the measure applies (DESIGN.md: the numbers live in a policy edition)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OrganisingUnit, PolicyEdition
from .uscc import division_code


class NoEditionInForce(Exception):
    """No edition of the measure is in force: open applications are not accepted."""

    def __init__(self, last=None):
        self.last = last
        if last is not None and last.effective_until:
            message = _(
                "《%(name)s》（%(number)s）已于 %(until)s 到期（第十条：有效期五年），"
                "新的办法施行前暂不受理新的申报。请关注市科技局发布的通知。"
            ) % {"name": last.name, "number": last.document_number, "until": last.effective_until}
        else:
            message = _("目前没有施行中的政策版本，暂不受理新的申报。请关注市科技局发布的通知。")
        super().__init__(message)


def edition_in_force(on=None):
    """The edition in force on ``on`` (today in Asia/Shanghai); raises NoEditionInForce."""
    on = on or timezone.localdate()
    edition = PolicyEdition.objects.in_force(on).order_by("-effective_from").first()
    if edition is None:
        raise NoEditionInForce(PolicyEdition.objects.filter(effective_from__lte=on).first())
    return edition


def suggested_organising_unit(uscc):
    """Art. 5: suggest the organising unit from the division code of the lead unit's USCC."""
    code = division_code(uscc)
    for unit in OrganisingUnit.objects.filter(is_active=True):
        if code in unit.division_code_list:
            return unit
    return None
