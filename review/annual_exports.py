"""The annual-report board as an .xlsx (per year: each alliance, its report's standing, the
deadline, the days left, whether it would lapse now), written as the work list's export is:
every text cell neutralised against formulas (``review.exports.neutralised``)."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .exports import XLSX_FORMATS, _local, _mark, neutralised

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = (
    (gettext_lazy("认定编号"), 24, lambda row: row.application.recognition.number),
    (gettext_lazy("联盟名称"), 40, lambda row: row.application.name),
    (gettext_lazy("牵头单位"), 32, lambda row: row.application.lead_unit.name),
    (gettext_lazy("联盟状态"), 14, lambda row: row.application.get_state_display()),
    (gettext_lazy("年度材料"), 14, lambda row: str(row.standing_label)),
    (gettext_lazy("报送时间"), 18, lambda row: _local(row.report.submitted_at) if row.report else None),
    (gettext_lazy("按期报送"), 10, lambda row: _mark(row.report is not None and row.report.on_time)),
    (gettext_lazy("截止时间"), 18, lambda row: _local(row.due_at)),
    (gettext_lazy("剩余天数"), 10, lambda row: row.days_left),
    (gettext_lazy("此刻截止将视为自动放弃"), 14, lambda row: _mark(row.would_lapse)),
    (gettext_lazy("成员变动提示"), 40, lambda row: " ".join(str(text) for text in row.breaches)),
)


def as_xlsx(rows, year):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("%(year)d 年度材料") % {"year": year})
    for index, (_heading, width, _value) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"

    def cell(value):
        written = WriteOnlyCell(sheet, value=value)
        if type(value) in XLSX_FORMATS:
            written.number_format = XLSX_FORMATS[type(value)]
        return written

    sheet.append([cell(str(heading)) for heading, _width, _value in COLUMNS])
    for row in rows:
        sheet.append([cell(neutralised(value(row))) for _heading, _width, value in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
