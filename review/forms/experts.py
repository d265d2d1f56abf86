"""Forms of the expert stage (Art. 6): the pool, an assignment, the 回避声明, a review, and
how the audit trail reads back what these steps recorded. Every input is bounded."""

import datetime
from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.enums import Role
from applications.event_data import EventDataForm
from applications.forms import TOO_LONG, USCCField, say_how_long
from applications.models import Industry, User

from ..enums import Recommendation
from ..experts import MAX_REVIEW_DAYS, round_to_end
from ..models import Expert
from ..models.experts import OPINION_MAX_CHARS, REASON_MAX_CHARS, SCORE_DIGITS, SCORE_PLACES

# A search box: a few words.
QUERY_MAX_CHARS = 60


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=QUERY_MAX_CHARS, required=False, strip=True)


class ExpertForm(forms.ModelForm):
    """A member of the pool, as staff keep it. The account is an expert's account that no
    other profile holds; it may come later."""

    affiliation_uscc = USCCField(
        label=_("工作单位统一社会信用代码"),
        required=False,
        help_text=_("已知时填写：指派时据此判断是否为联盟成员单位（须回避）；未填写时按单位名称判断。"),
    )
    industries = forms.ModelMultipleChoiceField(
        label=_("熟悉的产业"),
        queryset=Industry.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("指派时优先推荐熟悉申报所属产业的专家。"),
    )

    class Meta:
        model = Expert
        fields = [
            "name",
            "title",
            "affiliation",
            "affiliation_uscc",
            "fields",
            "industries",
            "phone",
            "email",
            "user",
            "is_active",
        ]
        widgets = {"fields": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"user": _("评审专家登录用的账号（由系统管理员创建）；可稍后关联，指派前须关联。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_how_long(self)
        taken = Expert.objects.exclude(pk=self.instance.pk).filter(user__isnull=False).values("user_id")
        offered = Q(role=Role.EXPERT, is_active=True) | Q(pk=self.instance.user_id)
        self.fields["user"].queryset = User.objects.filter(offered).exclude(pk__in=taken).order_by("username")
        self.fields["user"].label_from_instance = lambda user: f"{user.username} · {user}"
        # A profile with assignments keeps its account: its reviews, scores and audit events
        # are that person's, and another account must not inherit them.
        self.has_assignments = self.instance.pk is not None and self.instance.assignments.exists()
        if self.has_assignments:
            self.fields["user"].disabled = True
            self.fields["user"].help_text = _("该专家已有评审任务，不能更换或解除关联账号。")
        self.helper = FormHelper()
        self.helper.form_tag = False


class ScoreField(forms.DecimalField):
    """A score: zeros after the last digit that counts are no decimal places ("8.50" is 8.5)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or not value.is_finite():
            return value
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class AssignForm(forms.Form):
    """One expert of the suggestions, and the deadline (the edition's default)."""

    # A row id: bounded, so that no number beyond the database's integers reaches a query.
    expert = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    due_on = forms.DateField(label=_("评审截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        today = timezone.localdate()
        if due_on < today:
            raise forms.ValidationError(_("评审截止日期不能早于今天。"))
        if due_on > today + datetime.timedelta(days=MAX_REVIEW_DAYS):
            raise forms.ValidationError(
                _("评审截止日期不能晚于 %(days)d 天之后。") % {"days": MAX_REVIEW_DAYS}
            )
        return due_on


def _reason(label, help_text=""):
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_CHARS,
        error_messages={"max_length": TOO_LONG, "required": _("请填写理由。")},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_CHARS}),
        help_text=help_text,
    )


class ReasonForm(forms.Form):
    """A withdrawal of an assignment, or the reopening of a submitted review: with a reason."""

    reason = _reason(_("理由"))


class DeclarationForm(forms.Form):
    declared = forms.BooleanField(
        label=_("本人已阅读上述声明，确认与该联盟的牵头单位和成员单位不存在利害关系。"),
        error_messages={"required": _("请勾选回避声明后再查看申报材料。")},
    )


class DeclineForm(forms.Form):
    reason = _reason(
        _("回避理由"),
        help_text=_(
            "如与牵头单位或成员单位存在任职、投资、合作或亲属关系等，请说明；市科技局将另行指派专家。"
        ),
    )


class ScoreForm(forms.Form):
    """An expert's review: per aspect of the rubric a score (0 to its maximum, one decimal
    at most) and a comment; an overall opinion and a recommendation. Saving a draft takes
    what is filled in; submitting needs everything (``review.scoring``)."""

    opinion = forms.CharField(
        label=_("综合评审意见"),
        max_length=OPINION_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": OPINION_MAX_CHARS}),
        error_messages={"max_length": TOO_LONG},
    )
    recommendation = forms.ChoiceField(
        label=_("评审结论"),
        choices=[("", _("（请选择）")), *Recommendation.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, aspects, **kwargs):
        self.aspects = aspects
        super().__init__(*args, **kwargs)
        for aspect in aspects:
            bounds = {"aspect": aspect.display_name, "max": aspect.max_score}
            self.fields[f"score_{aspect.code}"] = ScoreField(
                label=_("%(aspect)s得分（满分 %(max)d）") % bounds,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(aspect.max_score),
                max_digits=SCORE_DIGITS,
                decimal_places=SCORE_PLACES,
                error_messages={
                    "min_value": _("“%(aspect)s”的得分应在 0 至 %(max)d 分之间。") % bounds,
                    "max_value": _("“%(aspect)s”的得分应在 0 至 %(max)d 分之间。") % bounds,
                    "invalid": _("“%(aspect)s”的得分应为数字，最多一位小数。") % bounds,
                    "max_decimal_places": _("“%(aspect)s”的得分最多保留一位小数。") % bounds,
                    "max_digits": _("“%(aspect)s”的得分应在 0 至 %(max)d 分之间。") % bounds,
                    "max_whole_digits": _("“%(aspect)s”的得分应在 0 至 %(max)d 分之间。") % bounds,
                },
                widget=forms.NumberInput(attrs={"step": "0.1", "min": 0, "max": aspect.max_score}),
            )
            self.fields[f"comment_{aspect.code}"] = forms.CharField(
                label=_("%(aspect)s评语") % bounds,
                required=False,
                max_length=REASON_MAX_CHARS,
                error_messages={"max_length": TOO_LONG},
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX_CHARS}),
            )

    @classmethod
    def initial_for(cls, aspects, review, scores):
        """The form's initial values from a saved review and its ``{aspect_id: AspectScore}``."""
        initial = {}
        if review is not None:
            initial = {"opinion": review.opinion, "recommendation": review.recommendation}
        for aspect in aspects:
            score = scores.get(aspect.pk)
            if score is not None:
                initial[f"score_{aspect.code}"] = score.score
                initial[f"comment_{aspect.code}"] = score.comment
        return initial

    def rows(self):
        """``[(aspect, score field, comment field)]`` for the template."""
        return [
            (aspect, self[f"score_{aspect.code}"], self[f"comment_{aspect.code}"]) for aspect in self.aspects
        ]

    def scores(self):
        """``{aspect code: (score or None, comment)}`` of the cleaned data."""
        return {
            aspect.code: (
                self.cleaned_data.get(f"score_{aspect.code}"),
                self.cleaned_data.get(f"comment_{aspect.code}", ""),
            )
            for aspect in self.aspects
        }


# How the audit trail reads back the data of the expert stage's activities (workflow.ACTIVITY_FORMS).


class AssignmentRecord(EventDataForm):
    expert = forms.CharField(label=_("评审专家"), max_length=60)
    due_on = forms.DateField(label=_("评审截止日期"), required=False)


class SubmissionRecord(EventDataForm):
    total = forms.DecimalField(label=_("总分"), required=False)
    recommendation = forms.ChoiceField(label=_("评审结论"), choices=Recommendation.choices, required=False)


class ReviewReturnForm(EventDataForm):
    """Art. 5–6, a return during the expert review: the reasons are the row's comment; the
    event keeps the round of experts that ends with it (``review.experts.round_to_end``),
    which the row's record then ends (``review.experts.end_round``). Internal: the lead unit
    never learns who reviews its file."""

    internal_fields = frozenset({"ended"})
    # What the clerk reads above the reasons on the file's page.
    note = _(
        "退回后本轮专家评审即终止：已指派的专家不再评审，已提交的评分不计入评审结果；"
        "牵头单位修改后重新提交市科技局，须重新进行形式审查并重新指派专家。"
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["ended"] = round_to_end(self.application) if self.application is not None else []
        return cleaned

    @classmethod
    def describe(cls, data, *, internal=True):
        if not internal:
            return []
        ended = [entry for entry in (data or {}).get("ended", []) if isinstance(entry, dict)]
        if not ended:
            return [(_("终止的专家评审"), str(_("无（尚未指派专家）")))]
        return [(_("终止的专家评审"), "、".join(ended_text(entry) for entry in ended))]


def ended_text(entry):
    """One expert of an ended round, as the bureau reads it on the return's event."""
    if entry.get("submitted"):
        text = _("%(expert)s（评审意见已提交，不再计入）")
    else:
        text = _("%(expert)s（未提交）")
    return str(text % {"expert": entry.get("expert", "")})
