"""Bulk import of members from the template: all rows or none, every bad row named."""

import csv
import io
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from applications.members_import import HEADERS_ZH
from applications.models import Member
from applications.uscc import make_uscc

from . import xlsx_files

GOOD = [
    [
        "朔州职业技术学院",
        make_uscc("12140600", "MB0A1001"),
        "高等院校",
        "是",
        "朔州市",
        "张一",
        "李二",
        "0349-1",
        "人才培养",
    ],
    [
        "朔州市农业科学研究院",
        make_uscc("12140600", "MB0A2002"),
        "科研机构",
        "是",
        "朔州市",
        "张二",
        "",
        "",
        "中试验证",
    ],
    [
        "应县新型建材股份有限公司",
        make_uscc("91140622", "MA0B5005"),
        "企业",
        "否",
        "应县",
        "",
        "",
        "",
        "产业化",
    ],
]


def xlsx(rows, header=HEADERS_ZH):
    workbook = Workbook()
    workbook.active.append(list(header))
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS_ZH)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def draft(world, client):
    client.force_login(world.applicant)
    return world.application()


def post(client, application, name, content):
    return client.post(
        reverse("applications:member_import", args=[application.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


def test_good_xlsx_imports_every_row(draft, client):
    response = post(client, draft, "成员.xlsx", xlsx(GOOD))
    assert response.status_code == 302
    names = list(draft.members.filter(is_lead=False).values_list("name", flat=True))
    assert sorted(names) == sorted(row[0] for row in GOOD)
    university = draft.members.get(name="朔州职业技术学院")
    assert (university.org_type, university.is_core, university.task) == ("university", True, "人才培养")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_from_excel_imports_in_either_encoding(draft, client, encoding):
    post(client, draft, "成员.csv", csv_bytes(GOOD, encoding))
    assert draft.members.count() == 1 + len(GOOD)


def test_file_with_one_bad_row_imports_nothing_and_names_the_row(draft, client):
    bad = ["抄错代码的单位", "91140602MA0B5005X9", "企业", "是", "", "", "", "", "供货"]
    response = post(client, draft, "成员.xlsx", xlsx([*GOOD[:2], bad, GOOD[2]]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "成员名单未导入" in page
    assert "第 4 行：统一社会信用代码：" in page
    assert draft.members.count() == 1  # only the lead unit


def test_every_bad_row_is_reported(draft, client):
    rows = [
        GOOD[0],
        ["", make_uscc("91140602", "MA0C0001"), "企业", "是", "", "", "", "", ""],
        ["某单位", make_uscc("91140602", "MA0C0002"), "合作社", "可能", "", "", "", "", ""],
        [GOOD[0][0] + "分部", GOOD[0][1], "高等院校", "否", "", "", "", "", ""],
    ]
    page = post(client, draft, "成员.xlsx", xlsx(rows)).content.decode()
    assert "第 3 行：单位名称：" in page
    assert "第 4 行：是否核心成员：应填“是”或“否”，现为“可能”" in page
    assert "第 4 行" in page and "单位类型：" in page
    assert "与第 2 行重复" in page
    assert Member.objects.filter(application=draft, is_lead=False).count() == 0


def test_member_already_in_the_alliance_is_a_bad_row(draft, client):
    post(client, draft, "成员.xlsx", xlsx(GOOD[:1]))
    page = post(client, draft, "成员.xlsx", xlsx(GOOD)).content.decode()
    assert "第 2 行：统一社会信用代码：" in page and "已是本联盟成员" in page
    assert draft.members.count() == 2


def test_wrong_layout_or_file_type_is_explained(draft, client):
    page = post(client, draft, "成员.xlsx", xlsx(GOOD, header=["名称", "代码"])).content.decode()
    assert "第 1 行应为模板的表头，缺少以下列" in page
    page = post(client, draft, "成员.xlsx", b"not a workbook").content.decode()
    assert "无法读取该 .xlsx 文件" in page
    page = post(client, draft, "成员.txt", b"x").content.decode()
    assert "只接受 .xlsx 或 .csv 文件" in page


def test_templates_download_with_the_expected_headers(world, client):
    client.force_login(world.applicant)
    response = client.get(reverse("applications:members_template", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(HEADERS_ZH)
    response = client.get(reverse("applications:members_template", args=["csv"]))
    assert response.content.decode("utf-8-sig").strip() == ",".join(HEADERS_ZH)


def test_sheet_declaring_a_huge_range_is_read_only_as_far_as_the_data(draft, client):
    import zipfile

    source = io.BytesIO(xlsx(GOOD))
    patched = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(patched, "w") as copy:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:I4"/>', b'<dimension ref="A1:XFD1048576"/>')
                assert b"XFD1048576" in content
            copy.writestr(item, content)
    response = post(client, draft, "成员.xlsx", patched.getvalue())
    assert response.status_code == 302
    assert draft.members.count() == 1 + len(GOOD)


def test_csv_with_an_unbalanced_quote_is_explained(draft, client):
    content = csv_bytes(GOOD) + b'"' + b"x" * 200_000 + b"\n"
    page = post(client, draft, "成员.csv", content).content.decode()
    assert "成员名单未导入" in page
    assert draft.members.count() == 1


def test_a_stray_cell_far_down_the_sheet_is_refused_not_read_to_it(draft, client):
    workbook = load_workbook(io.BytesIO(xlsx(GOOD)))
    workbook.active["A1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = post(client, draft, "成员.xlsx", buffer.getvalue()).content.decode()
    assert "上千个空行" in page
    assert draft.members.count() == 1


# --- Hostile files (issue 8): each refused early, saying what was too large, within 50 MB ---

MEMORY_BOUND = 50 * 1024 * 1024


def post_measured(client, application, name, content):
    """The import view's response and the peak of memory allocated while it answered."""
    tracemalloc.start()
    try:
        response = post(client, application, name, content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return response, peak


HOSTILE_XLSX = {
    # The shapes, smaller: 3 million cells in row 1 (the 50 million took 24 GB).
    "wide row": (lambda: xlsx_files.wide_row(3_000_000), "文件解压后超过 4.0 MB"),
    "wide row, sizes that lie": (
        lambda: xlsx_files.claim_small(xlsx_files.wide_row(3_000_000), xlsx_files.SHEET),
        "第 1 行的单元格超过 100 个。请使用本页提供的模板",
    ),
    # One text node of 20 MB in sharedStrings.xml (the 1 GB took 2.7 GB).
    "shared string": (lambda: xlsx_files.shared_string_bomb(20), "文件解压后超过 4.0 MB"),
    "shared string, sizes that lie": (
        lambda: xlsx_files.claim_small(xlsx_files.shared_string_bomb(20), xlsx_files.SHARED_STRINGS),
        "文件中有一段文字超过 1000 个字（共享字符串过长）",
    ),
    # Declares 1000 bytes, inflates to 5 MB of valid XML: stopped by the bytes counted.
    "sizes that lie": (
        lambda: xlsx_files.claim_small(xlsx_files.padded_sheet(HEADERS_ZH, 5), xlsx_files.SHEET),
        "文件解压后超过 4.0 MB",
    ),
    "compression ratio": (
        lambda: xlsx_files.padded_sheet(HEADERS_ZH, 3),
        "倍，超过 100 倍的上限，不像是一份成员名单",
    ),
    "entities": (xlsx_files.entity_bomb, "含有文档类型或实体声明（DOCTYPE）"),
    "rows": (
        lambda: xlsx_files.many_rows(HEADERS_ZH, GOOD[2], 2_000),
        "一次最多导入 200 家成员单位，请分批导入。",
    ),
    "entries": (
        lambda: xlsx_files.workbook([xlsx_files.SHEET_START], entries=[f"x/{n}" for n in range(1000)]),
        "该 .xlsx 文件由 1006 个部分组成，超过 200 个的上限",
    ),
    "long cell": (
        lambda: xlsx_files.many_rows(HEADERS_ZH, [*GOOD[0][:8], "任" * 1001], 1),
        "第 2 行 I 列的内容超过 1000 个字。",
    ),
}


@pytest.mark.parametrize("kind", HOSTILE_XLSX)
def test_hostile_xlsx_is_refused_early_within_bounded_memory(draft, client, kind):
    build, message = HOSTILE_XLSX[kind]
    content = build()
    response, peak = post_measured(client, draft, "成员.xlsx", content)
    page = response.content.decode()
    assert "成员名单未导入" in page and message in page
    assert peak < MEMORY_BOUND, f"{peak / 1024 / 1024:.0f} MB"
    assert draft.members.count() == 1  # the lead unit only: nothing else changed


HOSTILE_CSV = {
    "wide row": (",".join(HEADERS_ZH) + "\n" + "x," * 150 + "\n", "第 2 行的单元格超过 100 个"),
    "long cell": (
        ",".join(HEADERS_ZH) + "\n" + "a,b,c,d,e,f,g,h," + "任" * 1001 + "\n",
        "第 2 行 I 列的内容超过 1000 个字",
    ),
    "long line": (",".join(HEADERS_ZH) + "\n" + '"' + "x" * 500_000 + "\n", "文件第 2 行超过 20000 个字"),
    "rows": (
        ",".join(HEADERS_ZH) + "\n" + (",".join(GOOD[2]) + "\n") * 5_000,
        "一次最多导入 200 家",
    ),
}


@pytest.mark.parametrize("kind", HOSTILE_CSV)
def test_hostile_csv_is_refused_within_bounded_memory(draft, client, kind):
    text, message = HOSTILE_CSV[kind]
    response, peak = post_measured(client, draft, "成员.csv", text.encode("utf-8-sig"))
    page = response.content.decode()
    assert "成员名单未导入" in page and message in page
    assert peak < MEMORY_BOUND, f"{peak / 1024 / 1024:.0f} MB"
    assert draft.members.count() == 1


@pytest.mark.parametrize("name", ["成员.xlsx", "成员.csv"])
def test_upload_over_the_import_limit_is_dropped_while_it_streams_in(draft, client, settings, name):
    content = csv_bytes(GOOD) + b"\n" * settings.PORTAL_IMPORT_MAX_BYTES
    response, peak = post_measured(client, draft, name, content)
    page = response.content.decode()
    assert f"文件“{name}”超过 2.0 MB 的大小上限，未导入" in page
    assert "请使用本页提供的模板" in page
    assert peak < MEMORY_BOUND
    assert draft.members.count() == 1


def test_excel_file_with_shared_strings_imports_like_the_template(draft, client):
    strings = [*HEADERS_ZH, *(value for row in GOOD for value in row)]
    index = {value: number for number, value in reversed(list(enumerate(strings)))}
    rows = "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{chr(65 + column)}{number}" t="s"><v>{index[value]}</v></c>'
            for column, value in enumerate(values)
            if value
        )
        + "</row>"
        for number, values in enumerate([HEADERS_ZH, *GOOD], start=1)
    )
    shared = "".join(f"<si><t>{value}</t></si>" for value in strings)
    content = xlsx_files.workbook(
        [f'<worksheet xmlns="{xlsx_files.MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()],
        [f'<sst xmlns="{xlsx_files.MAIN}">{shared}</sst>'.encode()],
    )
    response = post(client, draft, "成员.xlsx", content)
    assert response.status_code == 302
    university = draft.members.get(name="朔州职业技术学院")
    assert (university.uscc, university.is_core, university.contact_phone) == (GOOD[0][1], True, "0349-1")
    assert draft.members.count() == 1 + len(GOOD)


def test_members_page_states_the_import_limits(draft, client, settings):
    page = client.get(reverse("applications:step", args=[draft.pk, "members"])).content.decode()
    limit = settings.PORTAL_MEMBERS_MAX
    assert f"一个联盟最多 {limit} 家成员单位（含牵头单位）；导入的文件不超过 2.0 MB。" in page


def test_import_beyond_the_alliance_s_member_limit_adds_none(draft, client, settings):
    settings.PORTAL_MEMBERS_MAX = len(GOOD)  # the lead unit and the file's three: one too many
    page = post(client, draft, "成员.xlsx", xlsx(GOOD)).content.decode()
    assert "文件中有 3 家成员单位，本联盟已有 1 家（含牵头单位），合计超过一个联盟最多 3 家的上限。" in page
    assert draft.members.count() == 1
