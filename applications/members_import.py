"""Bulk import of members (Art. 4(2)) from the portal's .xlsx or .csv template.

All or nothing: every row is checked with the same form as a member typed in by hand, plus
duplicates within the file; if any row is bad, nothing is imported and every bad row is
reported with its number and reason.

Only what a member list needs is read (issue 8): an upload of at most
``PORTAL_IMPORT_MAX_BYTES``, at most ``PORTAL_IMPORT_MAX_ROWS`` rows, the template's columns
and short cells (:data:`LIMITS`), through the bounded readers of :mod:`.spreadsheets`.
"""

import csv
import io
import os
from contextlib import closing

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import spreadsheets
from .documents import human_size
from .drafts import TooMany, editing, ensure_member_room
from .enums import OrganisationType
from .forms import MemberForm
from .models import Member
from .uscc import normalize_uscc

# The template's columns are the member form's fields, in its order.
FIELDS = tuple(MemberForm.Meta.fields)
# The template's headers are Chinese whatever the user's language; English ones are accepted too.
HEADERS_ZH = (
    "单位名称",
    "统一社会信用代码",
    "单位类型",
    "是否核心成员",
    "住所（注册地址）",
    "法定代表人",
    "联系人",
    "联系电话",
    "承担的任务分工",
)
HEADERS_EN = (
    "name",
    "uscc",
    "type",
    "core",
    "registered address",
    "legal representative",
    "contact",
    "phone",
    "task",
)
YES = {"是", "核心", "核心成员", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "", "n", "no", "false", "0", "×"}


class ImportRefused(Exception):
    """The file was not imported; ``errors`` name each bad row and what to fix."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def _type_code(value):
    value = str(value or "").strip()
    for choice in OrganisationType:
        if value in (choice.value, str(choice.label)) or value == _(choice.label):
            return choice.value
    return value


def _header_key(text):
    return (
        str(text or "").replace(" ", "").replace("\u3000", "").replace("(", "（").replace(")", "）").lower()
    )


# Columns past the template's are not data: a sheet may declare a range as wide as
# A1:XFD1048576, which would otherwise pad every row to it. Ten spare columns keep a file
# readable whose user inserted a column or two (the headers are found by name).
MAX_COLUMNS = len(HEADERS_ZH) + 10
# A run of blank rows this long ends in a refusal rather than a silent cut: all or nothing.
MAX_BLANK_RUN = 1000
# What a member list can need (issue 8); rows are bounded by PORTAL_IMPORT_MAX_ROWS in
# _records, which stops reading there. The defaults of Limits bound the archive.
LIMITS = spreadsheets.Limits(
    columns=MAX_COLUMNS,
    # Excel writes a cell for every formatted one: a row styled out to column CV is still fine.
    cells_per_row=100,
    # Longer than any member field (the address takes 300, the name 200); the task is a paragraph.
    cell_chars=1000,
    line_chars=20_000,
)


def too_large_message(name):
    return _(
        "文件“%(name)s”超过 %(limit)s 的大小上限，未导入。按模板填写 %(rows)d 家成员单位的文件也只有几十 KB："
        "请使用本页提供的模板，删除图片和其他工作表后重新上传。"
    ) % {
        "name": name,
        "limit": human_size(settings.PORTAL_IMPORT_MAX_BYTES),
        "rows": settings.PORTAL_IMPORT_MAX_ROWS,
    }


def _read_rows(uploaded):
    extension = os.path.splitext((uploaded.name or "").lower())[1]
    if extension not in (".xlsx", ".csv"):
        raise ImportRefused([_("只接受 .xlsx 或 .csv 文件，请使用本页提供的模板。")])
    # The view stops a larger upload while it streams in; this holds for any other caller.
    if uploaded.size > settings.PORTAL_IMPORT_MAX_BYTES:
        raise ImportRefused([too_large_message(uploaded.name)])
    reader = spreadsheets.xlsx_rows if extension == ".xlsx" else spreadsheets.csv_rows
    try:
        yield from reader(uploaded, LIMITS)
    except spreadsheets.SheetRefused as refusal:
        raise ImportRefused([refusal.message]) from refusal


def parse(uploaded):
    """The data rows as ``[(row_number, {field: value})]``; raises ImportRefused on a bad layout."""
    with closing(_read_rows(uploaded)) as rows:
        return _records(rows)


def _records(rows):
    first = next(rows, None)
    if first is None:
        raise ImportRefused([_("文件是空的。")])
    header = [_header_key(cell) for cell in first]
    index = {}
    for field, zh, en in zip(FIELDS, HEADERS_ZH, HEADERS_EN, strict=True):
        for key in (_header_key(zh), _header_key(en)):
            if key in header:
                index[field] = header.index(key)
                break
    missing = [zh for field, zh in zip(FIELDS, HEADERS_ZH, strict=True) if field not in index]
    if missing:
        raise ImportRefused(
            [
                _("第 1 行应为模板的表头，缺少以下列：%(columns)s。请使用本页提供的模板。")
                % {"columns": pgettext("list separator", "、").join(missing)}
            ]
        )
    limit = settings.PORTAL_IMPORT_MAX_ROWS
    records, blank_run = [], 0
    for number, row in enumerate(rows, start=2):
        values = {field: row[position] if position < len(row) else None for field, position in index.items()}
        values = {field: "" if value is None else str(value).strip() for field, value in values.items()}
        if not any(values.values()):
            blank_run += 1  # blank lines between rows are harmless, up to a point
            if blank_run > MAX_BLANK_RUN:
                raise ImportRefused(
                    [_("第 %(row)d 行前有上千个空行，请删除空行后重新导入。") % {"row": number}]
                )
            continue
        blank_run = 0
        records.append((number, values))
        if len(records) > limit:
            raise ImportRefused([_("一次最多导入 %(limit)d 家成员单位，请分批导入。") % {"limit": limit}])
    if not records:
        raise ImportRefused([_("文件中没有成员数据：请从第 2 行起每行填写一家成员单位。")])
    return records


def validate(application, records):
    """One unsaved :class:`Member` per record, or ImportRefused listing every bad row."""
    errors, members, seen = [], [], {}
    for number, values in records:
        core = values["is_core"].lower()
        data = dict(values, org_type=_type_code(values["org_type"]), is_core="on" if core in YES else "")
        row_errors = []
        if core not in YES | NO:
            row_errors.append(
                _("是否核心成员：应填“是”或“否”，现为“%(value)s”") % {"value": values["is_core"]}
            )
        form = MemberForm(data=data, instance=Member(application=application), application=application)
        if form.is_valid():
            code = normalize_uscc(values["uscc"])
            if code in seen:
                row_errors.append(
                    _("统一社会信用代码 %(code)s 与第 %(row)d 行重复") % {"code": code, "row": seen[code]}
                )
            seen.setdefault(code, number)
        for field, messages in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            row_errors.extend(f"{label}：{message}" if label else message for message in messages)
        if row_errors:
            errors.append(
                _("第 %(row)d 行：%(problems)s")
                % {"row": number, "problems": pgettext("list separator", "；").join(row_errors)}
            )
        else:
            members.append(form.save(commit=False))
    if errors:
        raise ImportRefused(errors)
    return members


def import_members(application, uploaded):
    """Parse, check and add every member of the file, or none. Returns the members added.

    The alliance's hard limit of members (``PORTAL_MEMBERS_MAX``, beyond Art. 4(3)'s 一般不超过
    15 家) holds for an import as for a member added by hand, checked before any row is.
    """
    records = parse(uploaded)
    with editing(application) as locked:
        try:
            ensure_member_room(locked, adding=len(records))
        except TooMany as error:
            existing = locked.members.count()
            raise ImportRefused(
                [
                    _(
                        "文件中有 %(count)d 家成员单位，本联盟已有 %(existing)d 家（含牵头单位），"
                        "合计超过一个联盟最多 %(limit)d 家的上限。请删减后重新导入；确有需要请联系市科技局。"
                    )
                    % {"count": len(records), "existing": existing, "limit": settings.PORTAL_MEMBERS_MAX}
                ]
            ) from error
        members = validate(locked, records)
        return Member.objects.bulk_create(members) if members else []


def template_xlsx(edition):
    """The members template as .xlsx bytes, with drop-down lists for the type and core columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成员单位"
    sheet.append(list(HEADERS_ZH))
    # Codes and telephone numbers are text: as numbers Excel would drop digits of 1214…
    for column in ("B", "H"):
        for row in range(2, 501):
            sheet[f"{column}{row}"].number_format = "@"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
    widths = (36, 24, 12, 14, 40, 14, 12, 16, 50)
    for column, width in zip("ABCDEFGHI", widths, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    types = ",".join(str(choice.label) for choice in OrganisationType)
    type_list = DataValidation(type="list", formula1=f'"{types}"', allow_blank=False)
    core_list = DataValidation(type="list", formula1='"是,否"', allow_blank=False)
    sheet.add_data_validation(type_list)
    sheet.add_data_validation(core_list)
    type_list.add("C2:C500")
    core_list.add("D2:D500")
    notes = workbook.create_sheet("填写说明")
    for line in (
        "每行填写一家成员单位，从第 2 行起；不要修改第 1 行表头。牵头单位已自动列入，无需填写。",
        "统一社会信用代码：18 位，按营业执照或法人证书填写。个体工商户（92 开头）不能作为成员。",
        "单位类型：企业、高等院校、科研机构、金融机构、科技中介、营销机构、其他。",
        f"是否核心成员：填“是”或“否”。核心成员不能少于 {edition.min_core_members} 家（含牵头单位）；"
        f"成员总数一般不超过 {edition.member_ceiling} 家。",
        "承担的任务分工：与联盟协议中的任务分工一致（第五条第（二）项）。",
        "导入时任何一行有误，整个文件都不会导入，页面会列出每一行的错误。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv():
    """The members template as UTF-8 CSV with a BOM, which Excel opens with the right encoding."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(HEADERS_ZH)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
