"""The reviewers' work list at /review/ and its exports (issue 9, §9)."""

import csv
import datetime
import io
import re
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.enums import State
from applications.models import Application, Industry, Organisation
from review import exports
from review.worklist import SERVICE_TARGET_DAYS, overdue_flags

from ..conftest import World, shared_state
from ..factories import OrganisationFactory, PolicyEditionFactory, unit

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
COAL = "朔州市煤机装备产业技术创新战略联盟"
MATERIALS = "朔州市新材料产业技术创新战略联盟"
CERAMICS = "朔州市陶瓷产业技术创新战略联盟"
PINGLU = "平鲁区煤电装备产业技术创新战略联盟"
THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1


@shared_state
def files():
    """A ``World`` with four files driven through transition(): ``coal`` (SUBMITTED, first
    industry), ``materials`` (FORWARDED, second industry), ``ceramics`` (AWAITING_DECISION,
    second industry, first submitted on 30 December last year), all of ``organisation`` at
    朔城区; and ``pinglu`` (SUBMITTED), of ``other_organisation`` at 平鲁区."""
    world = World(PolicyEditionFactory())
    first, second = Industry.objects.order_by("order", "pk")[:2]
    world.industries = (first, second)
    world.coal = world.application(State.SUBMITTED, name=COAL, industry=first)
    world.materials = world.application(State.FORWARDED, name=MATERIALS, industry=second)
    world.ceramics = world.application(State.AWAITING_DECISION, name=CERAMICS, industry=second)
    Application.objects.filter(pk=world.ceramics.pk).update(
        submitted_at=datetime.datetime(LAST_YEAR, 12, 30, 9, 0, tzinfo=SHANGHAI)
    )
    world.pinglu = world.application(State.SUBMITTED, name=PINGLU, industry=first)
    # Its lead unit and its unit are 平鲁区's (moved once submitted: the applicant who drove
    # it acts for ``organisation`` only).
    Application.objects.filter(pk=world.pinglu.pk).update(
        lead_unit=world.other_organisation, organising_unit=unit("pinglu")
    )
    return world


def copies(application, count):
    """``count`` more files like ``application`` (one driven through transition()), each with
    its own lead unit, name and day of its last change.

    The list and the exports read only these rows, and building each file through the
    procedure (members, documents, eligibility) would cost a quarter of a second apiece.
    """
    Application.objects.bulk_create(
        Application(
            name=f"朔州市复制{n}号产业技术创新战略联盟",
            lead_unit=OrganisationFactory(),
            edition_id=application.edition_id,
            industry_id=application.industry_id,
            organising_unit_id=application.organising_unit_id,
            state=application.state,
            submitted_at=application.submitted_at,
            state_changed_at=application.state_changed_at - datetime.timedelta(days=n % 20),
        )
        for n in range(count)
    )


def listed(client, **query):
    """The work list's page without its list of files whose eligibility changed since
    submission (``pinglu``'s lead unit, moved once submitted, is one: issue 12)."""
    page = client.get(reverse("review:dashboard"), query).content.decode()
    return re.sub(r'<section[^>]*id="eligibility-changed".*?</section>', "", page, flags=re.S)


def csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


# Filters -------------------------------------------------------------------------------


def test_the_list_without_filters_holds_every_file_of_the_scope(files, client):
    client.force_login(files.staff)
    page = listed(client)
    for name in (COAL, MATERIALS, CERAMICS, PINGLU):
        assert name in page
    assert "共 4 件" in page


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"state": State.FORWARDED}, {MATERIALS}),
        ({"state": State.SUBMITTED}, {COAL, PINGLU}),
        ({"industry": 1}, {COAL, PINGLU}),
        ({"industry": 2}, {MATERIALS, CERAMICS}),
        ({"organising_unit": "pinglu"}, {PINGLU}),
        ({"year": str(LAST_YEAR)}, {CERAMICS}),
        ({"year": str(THIS_YEAR)}, {COAL, MATERIALS, PINGLU}),
        ({"q": "陶瓷"}, {CERAMICS}),
        ({"q": "平鲁区煤电装备制造"}, {PINGLU}),  # the lead unit's name
        ({"state": State.SUBMITTED, "industry": 1, "organising_unit": "shuocheng"}, {COAL}),
    ],
)
def test_each_filter_narrows_the_list(files, client, query, shown):
    # Industries and units are chosen by their key, as the form sends them.
    if "industry" in query:
        query["industry"] = files.industries[query["industry"] - 1].pk
    if "organising_unit" in query:
        query["organising_unit"] = unit(query["organising_unit"]).pk
    client.force_login(files.staff)
    page = listed(client, **query)
    assert {name for name in (COAL, MATERIALS, CERAMICS, PINGLU) if name in page} == shown
    # The form shows what was chosen.
    if "q" in query:
        assert f'value="{query["q"]}"' in page
    if "year" in query:
        assert f'<option value="{query["year"]}" selected>' in page


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code,
        lambda code: code.lower(),
        lambda code: code[8:14],  # part of it
        lambda code: f"{code[:6]} {code[6:12]}-{code[12:]}",  # spaced as on a licence
        lambda code: code.translate({ord(c): ord(c) + 0xFEE0 for c in code}),  # full-width
    ],
    ids=["whole", "lower-case", "part", "spaced", "full-width"],
)
def test_search_finds_a_file_by_its_lead_units_uscc(files, client, typed):
    code = files.other_organisation.uscc
    client.force_login(files.staff)
    page = listed(client, q=typed(code))
    assert PINGLU in page
    assert COAL not in page and MATERIALS not in page


def test_bad_filter_values_are_named_and_ignored_never_a_500(files, client):
    client.force_login(files.staff)
    too_long = "联" * 101
    response = client.get(
        reverse("review:dashboard"),
        {"state": "nonsense", "industry": "x", "organising_unit": "999999", "year": "1900", "q": too_long},
    )
    page = response.content.decode()
    assert response.status_code == 200
    # Nothing was filtered: every file is there.
    for name in (COAL, MATERIALS, CERAMICS, PINGLU):
        assert name in page
    assert page.count("不是可选的值，未按其筛选。") == 4
    assert "搜索内容最多 100 字，现为 101 字，未按其筛选。" in page
    assert f'value="{too_long}"' in page  # what was typed stays in its box
    assert 'aria-invalid="true"' in page


@pytest.mark.parametrize("number", ["abc", "0", "-1", "99999999999999999999"])
def test_a_bad_page_number_shows_a_page_of_the_list(files, client, number):
    client.force_login(files.staff)
    response = client.get(reverse("review:dashboard"), {"page": number})
    assert response.status_code == 200
    assert COAL in response.content.decode()


def test_pagination_keeps_the_filters(files, client):
    copies(files.coal, 35)  # 36 files SUBMITTED at 朔城区
    client.force_login(files.staff)
    shuocheng = unit("shuocheng").pk
    query = {"state": State.SUBMITTED, "organising_unit": shuocheng, "q": "产业技术"}
    filters = f"state=submitted&amp;organising_unit={shuocheng}&amp;q={quote('产业技术')}"
    first = listed(client, **query)
    assert "共 36 件" in first
    assert first.count("产业技术创新战略联盟</a>") == 30
    assert f'href="?{filters}&amp;page=2"' in first
    second = listed(client, **query, page=2)
    assert second.count("产业技术创新战略联盟</a>") == 6
    assert PINGLU not in second and MATERIALS not in second
    # The form still holds the filters on the second page.
    assert '<option value="submitted" selected>' in second
    assert 'value="产业技术"' in second
    # So do the export links (without the page).
    assert f'href="/review/export.csv?{filters}"' in second


# Scope ---------------------------------------------------------------------------------


def test_a_unit_never_sees_another_countys_file(files, client):
    client.force_login(files.unit)
    pinglu = unit("pinglu").pk
    for query in ({}, {"q": "平鲁区"}, {"organising_unit": pinglu}, {"state": State.SUBMITTED}):
        page = listed(client, **query)
        assert PINGLU not in page, query
        csv_names = [row[1] for row in csv_rows(client.get(reverse("review:export_csv"), query))]
        xlsx_names = [row[1] for row in xlsx_rows(client.get(reverse("review:export_xlsx"), query))]
        assert PINGLU not in csv_names and PINGLU not in xlsx_names, query
    # Its own county's, all of them; and no choice of another unit to make.
    page = listed(client)
    assert COAL in page and MATERIALS in page and CERAMICS in page
    assert 'name="organising_unit"' not in page
    client.force_login(files.other_unit)
    assert [row[1] for row in csv_rows(client.get(reverse("review:export_csv")))[1:]] == [PINGLU]


def test_experts_keep_their_own_list(files, client):
    client.force_login(files.expert)
    page = listed(client)
    assert "目前没有分配给您的评审任务" in page
    assert 'role="search"' not in page and "export.csv" not in page
    assert client.get(reverse("review:export_csv")).status_code == 403


# Waiting on me, overdue ----------------------------------------------------------------


def test_files_waiting_on_the_user_are_marked_with_their_days_and_the_overdue(files, client):
    # 待市科技局形式审查 for 16 days: past the bureau's 15; 待党组会研究 for 30: within its 30.
    now = timezone.now()
    Application.objects.filter(pk=files.materials.pk).update(
        state_changed_at=now - datetime.timedelta(days=16)
    )
    Application.objects.filter(pk=files.ceramics.pk).update(
        state_changed_at=now - datetime.timedelta(days=30)
    )
    client.force_login(files.staff)
    page = listed(client)
    assert "待我处理的申报：<strong>2</strong> 件" in page
    rows = {name: row for row in page.split("<tr")[2:] for name in (COAL, MATERIALS, CERAMICS) if name in row}
    assert "待办" in rows[MATERIALS] and "超期" in rows[MATERIALS] and "已 16 天" in rows[MATERIALS]
    assert "待办" in rows[CERAMICS] and "超期" not in rows[CERAMICS] and "已 30 天" in rows[CERAMICS]
    assert "待办" not in rows[COAL]  # the unit's to check, not the bureau's
    # What waits comes first, the newest at the top (a unit sees its files newest first).
    assert page.index(MATERIALS) < page.index(CERAMICS) < page.index(COAL)
    waiting = listed(client, waiting="on")
    assert MATERIALS in waiting and CERAMICS in waiting and COAL not in waiting

    client.force_login(files.unit)
    page = listed(client)
    assert "待我处理的申报：<strong>1</strong> 件" in page
    assert page.index(COAL) < page.index(MATERIALS)


@pytest.mark.django_db  # a file at the expert stage is also late when an expert's review is
def test_a_file_is_overdue_only_once_it_has_waited_longer_than_its_target():
    today = datetime.date(2026, 3, 31)
    for state, days in SERVICE_TARGET_DAYS.items():
        # Changed late in the evening: calendar days in Shanghai count, not hours.
        changed = datetime.datetime.combine(
            today - datetime.timedelta(days=days), datetime.time(23, 30), tzinfo=SHANGHAI
        )
        on_time = Application(pk=1, state=state, state_changed_at=changed)
        late = Application(pk=2, state=state, state_changed_at=changed - datetime.timedelta(days=1))
        assert overdue_flags([on_time, late], today) == {1: False, 2: True}, state
    # No target, never overdue: a recognised alliance of five years stays in its state.
    years = Application(
        pk=3, state=State.RECOGNIZED, state_changed_at=timezone.now() - datetime.timedelta(days=1900)
    )
    assert overdue_flags([years]) == {3: False}


# Exports -------------------------------------------------------------------------------


def test_exports_hold_the_filtered_list_with_dates_state_and_days(files, client):
    Application.objects.filter(pk=files.materials.pk).update(
        state_changed_at=timezone.now() - datetime.timedelta(days=16)
    )
    client.force_login(files.staff)
    query = {"industry": files.industries[1].pk}
    csv_table = csv_rows(client.get(reverse("review:export_csv"), query))
    xlsx_response = client.get(reverse("review:export_xlsx"), query)
    assert xlsx_response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx_response["Content-Disposition"].startswith('attachment; filename="alliance-applications-')
    xlsx_table = xlsx_rows(xlsx_response)
    heading = [
        "申报编号",
        "联盟名称",
        "牵头单位",
        "牵头单位统一社会信用代码",
        "所属产业",
        "组织单位",
        "状态",
        "首次提交日期",
        "状态变更时间",
        "在当前状态天数",
        "待我处理",
        "超期",
    ]
    assert csv_table[0] == heading and xlsx_table[0] == heading
    # Both wait on the bureau; the newest first (the file 16 days in its state last).
    assert [row[1] for row in csv_table[1:]] == [CERAMICS, MATERIALS]
    materials = csv_table[2]
    assert materials[2:7] == [
        files.organisation.name,
        files.organisation.uscc,
        str(files.industries[1]),
        "朔城区科技局",
        "待市科技局形式审查",
    ]
    assert materials[9:] == ["16", "是", "是"]
    assert csv_table[1][7] == f"{LAST_YEAR}-12-30"
    # The .xlsx holds the same, dates as dates and numbers as numbers.
    assert xlsx_table[2][:7] == [files.materials.pk, *materials[1:7]]
    assert xlsx_table[2][9:] == [16, "是", "是"]
    assert xlsx_table[1][7] == datetime.datetime(LAST_YEAR, 12, 30)
    assert isinstance(xlsx_table[2][8], datetime.datetime)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_would_start_a_formula_is_neutralised(trigger):
    assert exports.neutralised(f'{trigger}HYPERLINK("http://x")') == f'\'{trigger}HYPERLINK("http://x")'


def test_neutralising_leaves_other_values_as_they_are():
    assert exports.neutralised("朔州市-联盟") == "朔州市-联盟"
    assert exports.neutralised(-3) == -3
    assert exports.neutralised("") == ""
    # A control character (which .xlsx cannot hold) does not hide a formula behind it.
    assert exports.neutralised("\x01=1+1") == "'=1+1"


def test_exports_neutralise_formulas_typed_by_applicants(files, client):
    Application.objects.filter(pk=files.coal.pk).update(name='=HYPERLINK("http://evil.example","点此")')
    Organisation.objects.filter(pk=files.organisation.pk).update(name="@SUM(1+1)")
    client.force_login(files.staff)
    query = {"state": State.SUBMITTED, "organising_unit": unit("shuocheng").pk}
    row = csv_rows(client.get(reverse("review:export_csv"), query))[1]
    assert row[1:3] == ['\'=HYPERLINK("http://evil.example","点此")', "'@SUM(1+1)"]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("review:export_xlsx"), query).content))
    name, lead = workbook.active["B2"], workbook.active["C2"]
    assert (name.data_type, name.value) == ("s", '\'=HYPERLINK("http://evil.example","点此")')
    assert (lead.data_type, lead.value) == ("s", "'@SUM(1+1)")


def test_an_export_past_its_bound_is_cut_and_says_so(files, client, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 3)
    client.force_login(files.staff)
    table = csv_rows(client.get(reverse("review:export_csv")))
    assert len(table) == 1 + 3 + 1
    assert table[-1] == ["仅导出了前 3 行：符合条件的申报更多，请缩小筛选范围后分批导出。"]
    sheet = xlsx_rows(client.get(reverse("review:export_xlsx")))
    assert len(sheet) == 5 and sheet[-1][0].startswith("仅导出了前 3 行")
    # Within the bound, no such line.
    assert len(csv_rows(client.get(reverse("review:export_csv"), {"state": State.FORWARDED}))) == 2


# Queries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "url_name", "shown"),
    [
        ("staff", "review:dashboard", 30),
        ("unit", "review:dashboard", 30),
        ("staff", "review:export_csv", 50),
        ("staff", "review:export_xlsx", 50),
        ("unit", "review:export_xlsx", 50),
    ],
)
def test_the_list_and_exports_make_as_many_queries_for_50_files_as_for_1(
    world, client, django_assert_num_queries, user, url_name, shown
):
    first = world.application(State.SUBMITTED)
    client.force_login(getattr(world, user))
    # Every filter set, so that their look-ups are counted too.
    query = {
        "state": State.SUBMITTED,
        "industry": Industry.objects.first().pk,
        "year": str(timezone.localdate().year),
        "q": "产业技术",
    }
    if user == "staff":
        query["organising_unit"] = unit("shuocheng").pk
    url = reverse(url_name)
    client.get(url, query)  # the session's first use is not the list's
    with CaptureQueriesContext(connection) as one:
        response = client.get(url, query)
    assert count_files(response, url_name) == 1
    copies(first, 49)
    with django_assert_num_queries(len(one)):
        response = client.get(url, query)
    assert count_files(response, url_name) == shown


def count_files(response, url_name):
    if url_name == "review:export_csv":
        return len(csv_rows(response)) - 1
    if url_name == "review:export_xlsx":
        return len(xlsx_rows(response)) - 1
    return response.content.decode().count("产业技术创新战略联盟</a>")
