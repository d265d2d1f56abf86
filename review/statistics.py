"""The bureau's statistics (issue 11, part 7; Art. 7–10 of 朔科发〔2021〕5号): applications per
year of first submission and per state, recognised alliances by industry ("2+7+N", Art. 3)
and by organising unit (Art. 5), and the review throughput (days from the first submission
to the Party group's decision, Art. 6).

Every figure is a :class:`Table`: a title, its column headings, its rows (the first cell
names the row) and the chart drawn from it. The page (review/views/statistics.py) shows
each table's chart as server-drawn SVG with the table beside it, and the .xlsx export writes
one sheet per table: a new figure is one more ``Table`` in :func:`tables` (the annual-report
compliance per year, once its model exists, is one such function appended there).

The figures cost a fixed number of queries, whatever the number of files: grouped counts
in the database, and the audit events of submission and decision read once and paired in
Python (:func:`throughput`).
"""

import io
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook

from applications.enums import Action, IndustryGroup, State
from applications.models import Application, AuditEvent, Industry, OrganisingUnit

from .exports import neutralised

# The alliances the measure counts as recognised: 已认定, and 限期整改中 (still recognised
# while it rectifies, Art. 9).
RECOGNISED_STATES = (State.RECOGNIZED, State.RECTIFYING)
# The Party group's decision on a file (Art. 6): its first one counts (a later one, after an
# upheld objection, is not the review's throughput).
DECISIONS = (Action.APPROVE, Action.REJECT)


@dataclass
class Chart:
    """A horizontal bar chart: one group of bars per category, one bar per series."""

    categories: list  # [(label, [value of each series])]
    series: list = field(default_factory=list)  # series' names, each bar saying its own (or none)
    unit: str = ""  # what follows each value ("天")


@dataclass
class Table:
    key: str  # the HTML id
    title: str
    sheet: str  # the .xlsx sheet's name (at most 31 characters: Excel's limit)
    headings: list
    rows: list  # [[label, figure, …]]
    chart: Chart | None = None
    note: str = ""  # how the figures are counted
    total: list | None = None  # the last row (合计), apart from the rows
    # Rows drawn as a group's subtotal (their index in ``rows``).
    subtotals: frozenset = frozenset()

    @property
    def all_rows(self):
        return [*self.rows, self.total] if self.total else list(self.rows)


def percentile(values, fraction):
    """The ``fraction`` (0–1) percentile of ``values`` by linear interpolation between the
    closest ranks (Excel's PERCENTILE.INC, numpy's default): the median at 0.5. None when
    there are no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


def _year_state_counts():
    """``{(year, state): n}`` of every submitted file (one query). Drafts never submitted are
    the applicants' own (DESIGN.md "People") and are not counted."""
    rows = (
        Application.objects.filter(submitted_at__isnull=False)
        .annotate(year=ExtractYear("submitted_at"))
        .order_by()
        .values("year", "state")
        .annotate(n=Count("pk"))
    )
    return {(row["year"], row["state"]): row["n"] for row in rows}


def applications_tables():
    counts = _year_state_counts()
    years = sorted({year for year, _state in counts})
    per_year = [(year, sum(n for (y, _s), n in counts.items() if y == year)) for year in years]
    by_year = Table(
        key="applications-by-year",
        sheet=_("申报数-年度"),
        title=_("各年度申报数"),
        headings=[_("提交年度"), _("申报数")],
        rows=[[str(year), n] for year, n in per_year],
        total=[_("合计"), sum(n for _year, n in per_year)],
        chart=Chart(categories=[(str(year), [n]) for year, n in per_year]),
        note=_("按首次提交的年度（北京时间）统计；申报单位尚未提交的草稿不计入。"),
    )
    states = [state for state in State if state != State.DRAFT]
    rows = []
    for state in states:
        figures = [counts.get((year, state.value), 0) for year in years]
        rows.append([str(state.label), *figures, sum(figures)])
    by_state = Table(
        key="applications-by-state",
        sheet=_("申报状态-年度"),
        title=_("申报当前状态（按提交年度）"),
        headings=[_("当前状态"), *[str(year) for year in years], _("合计")],
        rows=rows,
        total=[_("合计"), *[n for _year, n in per_year], sum(n for _year, n in per_year)],
        chart=Chart(categories=[(row[0], [row[-1]]) for row in rows]),
        note=_("每件申报按其当前状态计入一次；各状态之间的流转见审计记录。"),
    )
    return [by_year, by_state, moves_table()]


# The chart of the moves shows the latest years only (the table has them all).
MOVES_CHART_YEARS = 3


def moves_table():
    """From the audit trail: how many files entered each state in each year (one query). A
    file entering a state twice in a year (returned twice) counts once in that year."""
    rows = (
        AuditEvent.objects.filter(action__in=Action.values)
        .annotate(year=ExtractYear("created_at"))
        .order_by()
        .values("year", "to_state")
        .annotate(n=Count("application", distinct=True))
    )
    counts = {(row["year"], row["to_state"]): row["n"] for row in rows}
    years = sorted({year for year, _state in counts})
    charted = years[-MOVES_CHART_YEARS:]
    states = [state for state in State if state != State.DRAFT]
    return Table(
        key="moves-by-year",
        sheet=_("办理情况-年度"),
        title=_("各年度办理情况（进入各状态的申报件数）"),
        headings=[_("进入的状态"), *[str(year) for year in years]],
        rows=[[str(state.label), *[counts.get((year, state.value), 0) for year in years]] for state in states]
        if years
        else [],
        chart=Chart(
            categories=[
                (str(state.label), [counts.get((year, state.value), 0) for year in charted])
                for state in states
            ],
            series=[str(year) for year in charted],
        ),
        note=ngettext(
            "按审计记录统计每年进入各状态的申报件数（北京时间）；同一件申报一年内多次进入同一状态只计一次。"
            "图中为最近 %(years)d 年。",
            "按审计记录统计每年进入各状态的申报件数（北京时间）；同一件申报一年内多次进入同一状态只计一次。"
            "图中为最近 %(years)d 年。",
            MOVES_CHART_YEARS,
        )
        % {"years": MOVES_CHART_YEARS},
    )


def recognised_tables():
    """Recognised alliances (已认定 or 限期整改中) by the "2+7+N" group and industry of Art. 3,
    and by organising unit (three queries)."""
    counts = list(
        Application.objects.filter(state__in=RECOGNISED_STATES)
        .order_by()
        .values("industry", "organising_unit")
        .annotate(n=Count("pk"))
    )
    per_industry, per_unit = defaultdict(int), defaultdict(int)
    for row in counts:
        per_industry[row["industry"]] += row["n"]
        per_unit[row["organising_unit"]] += row["n"]
    total = sum(row["n"] for row in counts)
    industries = [i for i in Industry.objects.all() if i.is_active or per_industry.get(i.pk)]
    units = [u for u in OrganisingUnit.objects.all() if u.is_active or per_unit.get(u.pk)]

    group_rows, industry_rows, subtotals = [], [], set()
    for group in IndustryGroup:
        members = [i for i in industries if i.group == group.value]
        n = sum(per_industry.get(i.pk, 0) for i in members)
        group_rows.append([str(group.label), n])
        # The group's subtotal, then its industries.
        subtotals.add(len(industry_rows))
        industry_rows.append([str(group.label), n])
        industry_rows.extend([str(i), per_industry.get(i.pk, 0)] for i in members)
    if per_industry.get(None):
        group_rows.append([_("未填写产业"), per_industry[None]])
        subtotals.add(len(industry_rows))
        industry_rows.append([_("未填写产业"), per_industry[None]])
    unit_rows = [[str(u), per_unit.get(u.pk, 0)] for u in units]
    if per_unit.get(None):
        unit_rows.append([_("未确定组织单位"), per_unit[None]])
    note = _("统计当前处于“已认定”或“限期整改中”状态的市级联盟。")
    by_industry = counted(
        "recognised-by-industry",
        _("认定-产业"),
        _("已认定联盟（按产业）"),
        _("产业类别及产业"),
        industry_rows,
        total,
        note,
    )
    # The group's subtotals are in the table; the chart has the industries.
    by_industry.subtotals = frozenset(subtotals)
    by_industry.chart = Chart(categories=[(str(i), [per_industry.get(i.pk, 0)]) for i in industries])
    return [
        counted(
            "recognised-by-group",
            _("认定-产业类别"),
            _("已认定联盟（按“2+7+N”产业类别）"),
            _("产业类别"),
            group_rows,
            total,
            note,
        ),
        by_industry,
        counted(
            "recognised-by-unit",
            _("认定-组织单位"),
            _("已认定联盟（按组织单位）"),
            _("组织单位"),
            unit_rows,
            total,
            note,
        ),
    ]


def counted(key, sheet, title, heading, rows, total, note):
    """A table of ``[label, alliances]`` rows and its chart."""
    return Table(
        key=key,
        sheet=sheet,
        title=title,
        headings=[heading, _("联盟数")],
        rows=rows,
        total=[_("合计"), total],
        chart=Chart(categories=[(label, [n]) for label, n in rows]),
        note=note,
    )


def decision_days():
    """``{year of the decision: [days]}``: for every file the Party group has decided on, the
    calendar days (Beijing time) from its first submission to its first decision (one query)."""
    events = (
        AuditEvent.objects.filter(action__in=[Action.SUBMIT, *DECISIONS])
        .order_by("created_at", "pk")
        .values_list("application_id", "action", "created_at")
    )
    submitted, decided = {}, {}
    for application_id, action, moment in events:
        if action == Action.SUBMIT:
            submitted.setdefault(application_id, moment)
        else:
            decided.setdefault(application_id, moment)
    days = defaultdict(list)
    for application_id, moment in decided.items():
        start = submitted.get(application_id)
        if start is None:
            continue
        day = timezone.localdate(moment)
        days[day.year].append((day - timezone.localdate(start)).days)
    return dict(days)


def throughput():
    """The review time per year of decision: one table."""
    days = decision_days()
    rows = []
    for year in sorted(days):
        values = days[year]
        rows.append([str(year), len(values), percentile(values, 0.5), percentile(values, 0.9)])
    every = [value for values in days.values() for value in values]
    unit = _("天")
    table = Table(
        key="review-throughput",
        sheet=_("审查用时"),
        title=_("审查用时（首次提交至党组会研究决定）"),
        headings=[_("决定年度"), _("决定件数"), _("中位数（天）"), _("第90百分位（天）")],
        rows=rows,
        total=[_("全部年度"), len(every), percentile(every, 0.5), percentile(every, 0.9)] if every else None,
        chart=Chart(
            categories=[(row[0], [row[2], row[3]]) for row in rows],
            series=[_("中位数"), "P90"],
            unit=unit,
        ),
        note=_(
            "按党组会作出（首次）通过或不予认定决定的年度统计；用时为首次提交日至决定日的"
            "自然日数（北京时间）。百分位按相邻秩次线性插值（同 Excel PERCENTILE.INC）。"
        ),
    )
    return [table]


def compliance():
    """Annual-report compliance per year (Art. 8): for each year whose report was or is
    owed, the alliances that owe it, how many submitted on time, how many the bureau
    accepted, and how many lapsed for want of it. Two queries per year of recognitions (a
    handful), whatever the number of alliances."""
    from . import annual
    from .models import AnnualReport, Recognition

    first = Recognition.objects.aggregate(first=Min("recognized_on"))["first"]
    if first is None:
        return []
    today = timezone.localdate()
    reports = Counter()
    for year, status, in_time in AnnualReport.objects.filter(status__in=annual.COUNTED).values_list(
        "year", "status", "on_time"
    ):
        reports[year, "on_time"] += bool(in_time)
        reports[year, "accepted"] += status == annual.AnnualReportStatus.ACCEPTED
    lapsed = Counter(
        (data or {}).get("year")
        for data in AuditEvent.objects.filter(action=Action.LAPSE).values_list("data", flat=True)
    )
    rows = []
    for year in range(first.year, today.year):
        owed = annual.owing(year).count()
        rows.append([str(year), owed, reports[year, "on_time"], reports[year, "accepted"], lapsed[year]])
    if not rows:
        return []
    table = Table(
        key="annual-report-compliance",
        sheet=_("年度材料报送"),
        title=_("年度材料报送情况（第八条）"),
        headings=[_("报告年度"), _("应报"), _("按期报送"), _("审核通过"), _("视为自动放弃")],
        rows=rows,
        chart=Chart(
            categories=[(row[0], row[1:]) for row in rows],
            series=[_("应报"), _("按期报送"), _("审核通过"), _("视为自动放弃")],
        ),
        note=_(
            "应报：该年 12 月 31 日前认定且当日仍为市级联盟（含限期整改中）的联盟；按期报送：截止日期前"
            "（或退回后宽限期内）报送的；视为自动放弃：因未报送该年度材料而失去资格的。"
        ),
    )
    return [table]


# The page's sections and the export's sheets, in order: each a function of no argument that
# returns its tables, in a fixed number of queries (a few per year of recognitions for the
# annual reports).
SECTIONS = [applications_tables, recognised_tables, throughput, compliance]


def tables(sections=None):
    """Every table of the page and of the export, in their order."""
    return [table for section in sections or SECTIONS for table in section()]


# The bar chart's drawing, in the units of its viewBox: drawn 300 wide, it scales to its box
# (at most 380 px: portal.css); on a 375 px phone (a box of about 315 px) its 14-unit labels
# are about 15 px high. A label wider than the drawing goes on as many lines as it needs.
CHART_WIDTH = 300
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 10
VALUE_ROOM = 120  # room after the longest bar for its value
LABEL_SIZE = 14


def _text_width(text):
    """About how wide ``text`` is at LABEL_SIZE: a full-width (CJK) character is an em, any
    other a little over half of one (erring wide)."""
    return sum(LABEL_SIZE if ord(char) >= 0x2E80 else LABEL_SIZE * 0.6 for char in text)


def label_lines(label, width=CHART_WIDTH):
    """``label`` cut into lines that fit ``width``: between words where there are spaces,
    between characters where there are none (Chinese)."""
    lines, line = [], ""
    for token in re.findall(r"\S+\s*", label) or [label]:
        if line and _text_width(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        while _text_width(token.rstrip()) > width:
            cut = max(
                (n for n in range(1, len(token)) if _text_width(token[:n]) <= width),
                default=1,
            )
            lines.append(token[:cut])
            token = token[cut:]
        line += token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    text: str
    series: int
    text_x: float

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT - 3


def _figure(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    return str(value)


def shown(row):
    """A row's cells for the page: ``[(text, is_figure)]``, a missing figure as a dash."""
    return [(_figure(value), value is None or isinstance(value, (int, float))) for value in row]


def drawing(chart):
    """The chart's geometry for the template (templates/review/includes/bar_chart.html):
    ``{"height", "width", "groups": [([(label line, its y)], [Bar])]}``; None for an empty chart."""
    if chart is None or not chart.categories:
        return None
    top = max((value or 0 for _label, values in chart.categories for value in values), default=0)
    scale = (CHART_WIDTH - VALUE_ROOM) / top if top else 0
    groups, y = [], 0
    for label, values in chart.categories:
        lines = []
        for line in label_lines(label):
            lines.append((line, y + LABEL_HEIGHT - 4))
            y += LABEL_HEIGHT
        bars = []
        for index, value in enumerate(values):
            width = round((value or 0) * scale, 1)
            text = _figure(value) + (f" {chart.unit}" if chart.unit and value is not None else "")
            if chart.series:
                text = _("%(series)s：%(value)s") % {"series": chart.series[index], "value": text}
            bars.append(Bar(y=y, width=width, text=text, series=index, text_x=width + 4))
            y += BAR_HEIGHT + BAR_GAP
        groups.append((lines, bars))
        y += GROUP_GAP
    return {"width": CHART_WIDTH, "height": y, "groups": groups, "bar_height": BAR_HEIGHT}


def as_xlsx(tables):
    """Every table on a sheet of its own: its title, its note, its headings, its rows and its
    total, figures as numbers; text cells neutralised (review.exports) like the work list's."""
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.sheet[:31])
        sheet.column_dimensions["A"].width = 36
        for column in "BCDEFGHIJKLMNOP":
            sheet.column_dimensions[column].width = 14
        sheet.append([neutralised(table.title)])
        if table.note:
            sheet.append([neutralised(table.note)])
        sheet.append([])
        sheet.append([neutralised(str(heading)) for heading in table.headings])
        for row in table.all_rows:
            sheet.append([neutralised(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
