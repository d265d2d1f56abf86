"""The work list's filters: state, industry, organising unit, year of submission, text search.

A value that does not fit (an unknown state, a year with no file, a search too long) is
left out of the filtering and named beside its field; the list never fails on one.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.enums import State
from applications.models import Application, Industry, Member, OrganisingUnit
from applications.permissions import is_unit_reviewer
from applications.uscc import normalize_uscc

from .worklist import waiting_states

# Longer than any alliance or unit name (200) is no search for one; a bound on the query.
SEARCH_MAX_CHARS = 100

SELECT = {"class": "form-select form-select-sm"}
NOT_A_CHOICE = {"invalid_choice": _("不是可选的值，未按其筛选。")}


class WorkListForm(forms.Form):
    """Fields in error are marked for the eye and for screen readers (Bootstrap's is-invalid)."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}_error"


# The filters the work list and the public directory share, each made anew per filter set
# (a filter belongs to one set; the order of the calls is the order of the form).
def search_filter(placeholder):
    """A bounded text search, by the filter set's own ``search`` method."""
    return django_filters.CharFilter(
        label=_("搜索"),
        method="search",
        max_length=SEARCH_MAX_CHARS,
        error_messages={
            "max_length": _("搜索内容最多 %(limit_value)d 字，现为 %(show_value)d 字，未按其筛选。")
        },
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control form-control-sm",
                "maxlength": SEARCH_MAX_CHARS,
                "placeholder": placeholder,
            }
        ),
    )


def industry_filter():
    return django_filters.ModelChoiceFilter(
        label=_("所属产业"),
        queryset=Industry.objects.all(),
        empty_label=_("全部产业"),
        error_messages=NOT_A_CHOICE,
        widget=forms.Select(attrs=SELECT),
    )


def organising_unit_filter():
    return django_filters.ModelChoiceFilter(
        label=_("组织单位"),
        queryset=OrganisingUnit.objects.all(),
        empty_label=_("全部组织单位"),
        error_messages=NOT_A_CHOICE,
        widget=forms.Select(attrs=SELECT),
    )


class WorkListFilter(django_filters.FilterSet):
    q = search_filter(_("联盟名称、牵头单位或其统一社会信用代码"))
    # Reviewers see a file from its first submission: a draft is never theirs to list.
    state = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[(state.value, state.label) for state in State if state != State.DRAFT],
        empty_label=_("全部状态"),
        error_messages=NOT_A_CHOICE,
        widget=forms.Select(attrs=SELECT),
    )
    industry = industry_filter()
    organising_unit = organising_unit_filter()
    # The year of the first submission, in the portal's time zone (Asia/Shanghai).
    year = django_filters.ChoiceFilter(
        label=_("申报年度"),
        field_name="submitted_at",
        lookup_expr="year",
        empty_label=_("全部年度"),
        error_messages=NOT_A_CHOICE,
        widget=forms.Select(attrs=SELECT),
    )
    waiting = django_filters.BooleanFilter(
        label=_("只看待我处理"),
        method="waiting_on_me",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = Application
        fields = []  # only the filters declared above
        form = WorkListForm

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user
        # The years in which files of this scope were first submitted, latest first.
        years = sorted({moment.year for moment in queryset.datetimes("submitted_at", "year")}, reverse=True)
        self.filters["year"].extra["choices"] = [(str(year), str(year)) for year in years]
        if is_unit_reviewer(user):
            # A unit's list is its own county's: there is no other unit to choose.
            del self.filters["organising_unit"]

    def search(self, queryset, name, value):
        """The alliance's name, the lead unit's name, or (part of) the lead unit's USCC, typed
        as on a licence (full-width, with spaces or hyphens)."""
        text = value.strip()
        if not text:
            return queryset
        found = Q(name__icontains=text) | Q(lead_unit__name__icontains=text)
        code = normalize_uscc(text)
        if code:
            found |= Q(lead_unit__uscc__icontains=code)
        return queryset.filter(found)

    def waiting_on_me(self, queryset, name, value):
        return queryset.filter(state__in=waiting_states(self.user)) if value else queryset


class DirectoryFilter(django_filters.FilterSet):
    """The public directory's filters (/alliances/, and the same query string for its CSV and
    JSON): a name or a member's name, industry, organising unit, year of recognition, status.
    A value that does not fit is left out of the filtering, as on the work list."""

    q = search_filter(_("联盟名称或成员单位名称"))
    industry = industry_filter()
    organising_unit = organising_unit_filter()
    year = django_filters.ChoiceFilter(
        label=_("认定年度"),
        field_name="recognition__year",
        empty_label=_("全部年度"),
        error_messages=NOT_A_CHOICE,
        widget=forms.Select(attrs=SELECT),
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"),
        field_name="state",
        empty_label=_("全部状态"),
        error_messages=NOT_A_CHOICE,
        widget=forms.Select(attrs=SELECT),
    )

    class Meta:
        model = Application
        fields = []
        form = WorkListForm

    def __init__(self, data=None, queryset=None, *, states=(), **kwargs):
        super().__init__(data, queryset, **kwargs)
        years = sorted(set(queryset.order_by().values_list("recognition__year", flat=True)), reverse=True)
        self.filters["year"].extra["choices"] = [(str(year), str(year)) for year in years if year]
        self.filters["status"].extra["choices"] = [(state.value, state.label) for state in states]

    def search(self, queryset, name, value):
        """The alliance's name or the name of one of its members (the lead unit is one)."""
        text = value.strip()
        if not text:
            return queryset
        members = Member.objects.filter(name__icontains=text).values("application_id")
        return queryset.filter(Q(name__icontains=text) | Q(pk__in=members))
