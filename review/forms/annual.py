"""The lead unit's form of an annual report (Art. 8): the summary, the plan and the indicators,
and two bounded lists: member changes and platforms built or joined."""

from django import forms
from django.forms import inlineformset_factory

from ..models import AnnualReport, MemberChange, ReportedPlatform
from ..models.annual import MEMBER_CHANGES_MAX, REPORTED_PLATFORMS_MAX

TEXTS = (
    "work_done",
    "results",
    "problems",
    "plan_goals",
    "plan_tasks",
    "plan_measures",
    "ceiling_justification",
)
INDICATORS = (
    "joint_projects",
    "rd_spending",
    "patents_applied",
    "patents_granted",
    "standards_international",
    "standards_national",
    "standards_industry",
    "standards_group",
    "results_transferred",
    "transfer_income",
    "talent_trained",
)


class AnnualReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = [*TEXTS[:6], *INDICATORS, "ceiling_justification"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in TEXTS}


def _formset(model, fields, limit):
    return inlineformset_factory(
        AnnualReport,
        model,
        fields=fields,
        extra=1,
        max_num=limit,
        absolute_max=limit,
        validate_max=True,
        can_delete=True,
    )


MemberChangeFormSet = _formset(
    MemberChange, ["kind", "name", "is_core", "org_type", "reason"], MEMBER_CHANGES_MAX
)
PlatformFormSet = _formset(
    ReportedPlatform,
    ["role", "kind", "level", "name", "approving_document", "approved_year"],
    REPORTED_PLATFORMS_MAX,
)
