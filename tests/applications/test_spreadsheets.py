"""The bounded .xlsx reader reads good files exactly as openpyxl did, and refuses bad ones."""

import io
import re
import tracemalloc
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from applications import spreadsheets
from applications.members_import import HEADERS_ZH, LIMITS, MAX_COLUMNS, template_xlsx

from . import xlsx_files
from .xlsx_files import MAIN, SHEET_END, SHEET_START, workbook

UNREADABLE = re.escape("无法读取该 .xlsx 文件")


def trimmed(row):
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


def openpyxl_rows(content):
    """What the import read before issue 8: openpyxl's read-only mode."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    rows = [trimmed(row) for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)]
    book.close()
    return rows


def our_rows(content, limits=LIMITS):
    return [trimmed(row) for row in spreadsheets.xlsx_rows(io.BytesIO(content), limits)]


# As Excel writes it: shared strings (plain, rich-text runs, phonetic guides, an escaped
# "_x…_"), numbers, booleans, formulas' cached text, errors, ISO dates, inline rich text,
# cells without a reference, gaps in rows and columns, a row out of order, a cell far right.
EXCEL_STRINGS = [
    *(f"<si><t>{header}</t></si>" for header in HEADERS_ZH),
    '<si><r><rPr><b/></rPr><t>朔州</t></r><r><t xml:space="preserve">职业技术学院 </t></r></si>',
    '<si><t>张一</t><rPh sb="0" eb="1"><t>ZHANG</t></rPh><phoneticPr fontId="1"/></si>',
    "<si><t>a_x005F_x000D_b</t></si>",
    "<si><t/></si>",
]
EXCEL_SHEET = (
    '<dimension ref="A1:I9"/><sheetFormatPr defaultRowHeight="15"/><sheetData>'
    '<row r="1" spans="1:9">'
    + "".join(f'<c r="{chr(65 + i)}1" t="s" s="1"><v>{i}</v></c>' for i in range(len(HEADERS_ZH)))
    + "</row>"
    '<row r="3"><c r="A3" t="s"><v>9</v></c><c r="C3" t="inlineStr"><is><r><t>高等</t></r><r><t>院校</t></r>'
    '</is></c><c r="D3" t="b"><v>1</v></c><c r="F3" t="s"><v>10</v></c><c r="H3"><v>3491234</v></c>'
    '<c r="I3" t="str"><f>A1&amp;"x"</f><v>公式结果</v></c></row>'
    '<row><c><v>1.5</v></c><c><v>1E3</v></c><c t="e"><v>#N/A</v></c><c t="d"><v>2024-01-02T03:04:05</v></c>'
    '<c t="s"><v>11</v></c><c t="s"><v>12</v></c><c s="3"/><c><v></v></c><c t="b"><v>0</v></c></row>'
    '<row r="2"><c r="A2"><v>5</v></c></row>'
    '<row r="6" ht="20" customHeight="1"><c r="Z6"><v>9</v></c><c r="B6" t="s"><v>0</v></c></row>'
    '<row r="9"><c r="S9"><v>19</v></c><c r="T9"><v>20</v></c></row>'
    "</sheetData>"
)


def excel_like(sheet=EXCEL_SHEET, strings=EXCEL_STRINGS):
    shared = (
        f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{"".join(strings)}</sst>'
    )
    return workbook([f'<worksheet xmlns="{MAIN}">{sheet}</worksheet>'.encode()], [shared.encode()])


def test_excel_style_workbook_reads_as_openpyxl_read_it():
    content = excel_like()
    rows = our_rows(content)
    assert rows == openpyxl_rows(content)
    assert rows[1] == []  # row 2 comes after row 4 in the file: dropped, as openpyxl does
    assert rows[2][:4] == ["朔州职业技术学院 ", None, "高等院校", True]  # runs joined, gaps kept
    assert rows[3][:4] == [1.5, 1000.0, "#N/A", datetime(2024, 1, 2, 3, 4, 5)]
    assert rows[4] == [] and rows[5] == [None, HEADERS_ZH[0]]  # column Z is past the stored ones
    assert rows[8] == [None] * (MAX_COLUMNS - 1) + [19]


def test_prefixed_namespaces_and_absolute_targets_read_the_same():
    sheet = EXCEL_SHEET.replace("<", "<x:").replace("<x:/", "</x:")
    strings = [item.replace("<", "<x:").replace("<x:/", "</x:") for item in EXCEL_STRINGS]
    shared = f'<x:sst xmlns:x="{MAIN}">{"".join(strings)}</x:sst>'
    content = workbook([f'<x:worksheet xmlns:x="{MAIN}">{sheet}</x:worksheet>'.encode()], [shared.encode()])
    content = _replace_part(
        content,
        "xl/_rels/workbook.xml.rels",
        lambda xml: xml.replace(b'Target="worksheets/', b'Target="/xl/worksheets/'),
    )
    assert our_rows(content) == openpyxl_rows(content) == our_rows(excel_like())


def _replace_part(content, name, change):
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as original, zipfile.ZipFile(output, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            copy.writestr(item, change(data) if item.filename == name else data)
    return output.getvalue()


def test_openpyxl_files_and_the_template_read_as_openpyxl_read_them():
    book = Workbook()
    book.active.append(list(HEADERS_ZH))
    book.active.append(["单位", "91140602MA0B5005X9", "企业", "是", 12.5, 3491234, True, None, "任务"])
    book.active["C7"] = "隔行"
    book.create_sheet("第二张").append(["不读"])
    buffer = io.BytesIO()
    book.save(buffer)

    class Edition:
        min_core_members, member_ceiling = 6, 15

    for content in (buffer.getvalue(), template_xlsx(Edition())):
        assert our_rows(content) == openpyxl_rows(content)


def test_cells_past_the_stored_columns_are_skipped_not_kept():
    cells = "".join(f'<c r="{spreadsheets.column_letter(n)}1"><v>{n}</v></c>' for n in range(1, 60))
    content = workbook([SHEET_START, f'<row r="1">{cells}</row>'.encode(), SHEET_END])
    assert our_rows(content) == [list(range(1, MAX_COLUMNS + 1))]


@pytest.mark.parametrize(
    ("change", "part"),
    [
        (lambda xml: xml[: len(xml) // 2], xlsx_files.SHEET),  # cut short
        (lambda xml: xml.replace(b"<v>0</v>", b"<v>99</v>", 1), xlsx_files.SHEET),  # no such string
        (lambda xml: xml.replace(b'r="A3"', b'r="A3A"'), xlsx_files.SHEET),  # not a reference
        (lambda xml: xml.replace(b'r:id="rId1"', b'r:id="rId9"'), "xl/workbook.xml"),  # no worksheet
    ],
)
def test_damaged_workbooks_are_unreadable(change, part):
    content = _replace_part(excel_like(), part, change)
    with pytest.raises(spreadsheets.SheetRefused, match=UNREADABLE):
        our_rows(content)


def test_a_part_smaller_than_it_declares_is_unreadable():
    content = xlsx_files.claim_small(excel_like(), xlsx_files.SHEET, size=10_000)
    with pytest.raises(spreadsheets.SheetRefused, match=UNREADABLE):
        our_rows(content)


def test_a_part_compressed_otherwise_than_excel_does_is_not_inflated():
    # bzip2 and LZMA inflate without a bound on each call in zipfile.
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(excel_like())) as original, zipfile.ZipFile(buffer, "w") as copy:
        for item in original.infolist():
            method = zipfile.ZIP_BZIP2 if item.filename == xlsx_files.SHEET else zipfile.ZIP_DEFLATED
            copy.writestr(item.filename, original.read(item.filename), compress_type=method)
    with pytest.raises(spreadsheets.SheetRefused, match=UNREADABLE):
        our_rows(buffer.getvalue())


def test_an_endless_tag_is_refused_once_past_the_bound():
    huge = b'<row r="1"><c r="A1" s="' + b"1" * (3 * 1024 * 1024) + b'"/></row>'
    content = xlsx_files.claim_small(workbook([SHEET_START, huge, SHEET_END]), xlsx_files.SHEET)
    with pytest.raises(spreadsheets.SheetRefused, match=UNREADABLE):
        our_rows(content)


def test_a_doctype_in_any_part_is_refused():
    content = _replace_part(
        excel_like(),
        "xl/workbook.xml",
        lambda xml: b'<?xml version="1.0"?><!DOCTYPE workbook SYSTEM "http://example.org/x.dtd">' + xml,
    )
    with pytest.raises(spreadsheets.SheetRefused, match="DOCTYPE"):
        our_rows(content)


def test_too_many_shared_strings_are_refused_at_the_first_one_over():
    strings = ["<si><t>x</t></si>"] * (LIMITS.shared_strings + 1)
    with pytest.raises(spreadsheets.SheetRefused, match="共享字符串过多"):
        our_rows(excel_like(strings=strings))


def test_shared_strings_longer_in_all_than_the_bound_are_refused():
    strings = [f"<si><t>{'字' * LIMITS.cell_chars}</t></si>"] * (LIMITS.shared_chars // LIMITS.cell_chars + 1)
    # Past the ratio check (so repetitive a text compresses 500 times) by declaring less.
    content = xlsx_files.claim_small(excel_like(strings=strings), xlsx_files.SHARED_STRINGS)
    with pytest.raises(spreadsheets.SheetRefused, match="文件中的文字合计超过 500000 个字"):
        our_rows(content)


def test_elements_nested_without_end_are_refused_early():
    # Unbounded, expat would keep a record of each of the million open elements (over 100 MB).
    content = xlsx_files.claim_small(
        workbook([SHEET_START, *xlsx_files.repeated(b"<a>", 1_000_000)]), xlsx_files.SHEET
    )
    tracemalloc.start()
    try:
        with pytest.raises(spreadsheets.SheetRefused, match=UNREADABLE):
            our_rows(content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024
