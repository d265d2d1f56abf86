"""The work list as a spreadsheet: CSV (UTF-8 with a BOM, which Excel needs to read Chinese)
and .xlsx, with the list's columns plus the dates of submission and of the last change.

Names and other text come from applicants: a cell that a spreadsheet would take for a
formula (it starts with ``= + - @``, a tab or a carriage return) is written with a leading
apostrophe, in both formats (:func:`neutralised`), so that opening an export runs nothing.
"""

import csv
import datetime
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Enough for every file of several years; more is a request that would take too long.
EXPORT_MAX_ROWS = 5000

# What makes Excel, LibreOffice or WPS read a text cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """``value`` as a cell: text that would start a formula gets a leading apostrophe.

    Control characters, which XML (and so .xlsx) cannot hold, are removed first: none should
    be stored, and removing one must not uncover a formula behind it.
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _local(moment):
    """An aware datetime as the naive local time a spreadsheet shows (it has no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def _mark(flag):
    return _("是") if flag else ""


# (heading, value of a WorkItem): the page's columns, then the dates and the marks.
COLUMNS = (
    (gettext_lazy("申报编号"), lambda item: item.application.pk),
    (gettext_lazy("联盟名称"), lambda item: item.application.name),
    (gettext_lazy("牵头单位"), lambda item: item.application.lead_unit.name),
    (gettext_lazy("牵头单位统一社会信用代码"), lambda item: item.application.lead_unit.uscc),
    (gettext_lazy("所属产业"), lambda item: str(item.application.industry or "")),
    (gettext_lazy("组织单位"), lambda item: str(item.application.organising_unit or "")),
    (gettext_lazy("状态"), lambda item: item.application.get_state_display()),
    (
        gettext_lazy("首次提交日期"),
        lambda item: _local(item.application.submitted_at).date() if item.application.submitted_at else None,
    ),
    (gettext_lazy("状态变更时间"), lambda item: _local(item.application.state_changed_at)),
    (gettext_lazy("在当前状态天数"), lambda item: item.days_in_state),
    (gettext_lazy("待我处理"), lambda item: _mark(item.waiting)),
    (gettext_lazy("超期"), lambda item: _mark(item.overdue)),
)


def table(items):
    """The heading row, then a row per item; every cell neutralised."""
    yield [str(heading) for heading, _value in COLUMNS]
    for item in items:
        yield [neutralised(value(item)) for _heading, value in COLUMNS]


def cut_note():
    return _("仅导出了前 %(limit)d 行：符合条件的申报更多，请缩小筛选范围后分批导出。") % {
        "limit": EXPORT_MAX_ROWS
    }


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def as_csv(items, *, cut=False):
    """UTF-8 with a byte-order mark: without it Excel reads the Chinese as mojibake."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table(items):
        writer.writerow([_text(value) for value in row])
    if cut:
        writer.writerow([cut_note()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Widths (in characters) of the columns in the .xlsx, in the order of COLUMNS.
XLSX_WIDTHS = (10, 40, 32, 22, 16, 20, 18, 14, 18, 10, 10, 8)
XLSX_FORMATS = {datetime.datetime: "yyyy-mm-dd hh:mm", datetime.date: "yyyy-mm-dd"}


def as_xlsx(items, *, cut=False):
    """A workbook written as a stream (openpyxl's write-only mode), dates as dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("联盟申报"))
    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + index - 1)].width = width
    sheet.freeze_panes = "A2"

    def cell(value):
        written = WriteOnlyCell(sheet, value=value)
        if type(value) in XLSX_FORMATS:
            written.number_format = XLSX_FORMATS[type(value)]
        return written

    for row in table(items):
        sheet.append([cell(value) for value in row])
    if cut:
        sheet.append([cell(neutralised(cut_note()))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
