"""The steps of the application form, and the eligibility findings grouped by them.

A finding names the step where the applicant fixes it (``Finding.step``); the panel beside
every step, the file's page and the reviewers' page show the findings grouped that way,
blocking ones first.
"""

from django.utils.translation import gettext_lazy as _

STEPS = (
    ("basics", _("基本信息")),
    ("goals", _("创新目标")),
    ("lead", _("牵头单位")),
    ("contact", _("联系人")),
    ("members", _("成员单位")),
    ("documents", _("申报材料")),
    ("submit", _("核对提交")),
)
STEP_KEYS = [key for key, _label in STEPS]
STEP_LABELS = dict(STEPS)


def grouped_by_step(findings):
    """``[{"step", "label", "findings", "blocking"}]`` in the form's order, blocking first."""
    groups = []
    for key, label in STEPS:
        in_step = [finding for finding in findings if finding.step == key]
        if in_step:
            in_step.sort(key=lambda finding: not finding.is_blocking)  # stable: rule order kept
            blocking = sum(1 for finding in in_step if finding.is_blocking)
            groups.append({"step": key, "label": label, "findings": in_step, "blocking": blocking})
    known = set(STEP_KEYS)
    others = [finding for finding in findings if finding.step not in known]
    if others:
        blocking = sum(1 for finding in others if finding.is_blocking)
        groups.append({"step": "", "label": _("其他"), "findings": others, "blocking": blocking})
    # Steps with something to fix come first, in the form's order.
    groups.sort(key=lambda group: not group["blocking"])
    return groups
