"""The bureau's statistics (issue 11, part 7): /review/statistics/ and its .xlsx export.

The page's figures are read from its HTML tables and compared with counts made directly on
the data; the throughput's median and 90th percentile with known days; the query count
with few files and with many."""

import datetime
import io

import lxml.html
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from applications.enums import Action, IndustryGroup, State
from applications.models import Application, AuditEvent, Industry, OrganisingUnit
from applications.workflow import route_from
from review import statistics

from ..conftest import World, shared_state
from ..factories import ApplicationFactory, PolicyEditionFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
URL = "/review/statistics/"


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


def drive_at(world, application, rows, when):
    with time_machine.travel(when, tick=False):
        world.drive(application, rows)
    application.refresh_from_db()
    return application


def built_at(world, state, when):
    """A file of ``world`` driven to ``state`` at ``when``."""
    with time_machine.travel(when, tick=False):
        return world.application(state)


def decided(world, submitted_on, days, action):
    """A file submitted (and taken to the Party group) on ``submitted_on``, decided ``days``
    later with ``action``."""
    application = built_at(world, State.AWAITING_DECISION, submitted_on)
    row = next(r for r in route_from(State.AWAITING_DECISION, State.APPROVED) if r.action == Action.APPROVE)
    if action == Action.REJECT:
        row = next(
            r for r in route_from(State.AWAITING_DECISION, State.REJECTED) if r.action == Action.REJECT
        )
    return drive_at(world, application, [row], submitted_on + datetime.timedelta(days=days))


# Submitted on 2026-07-01 and decided in 2026 after these days; submitted on 2026-12-20 and
# decided in 2027 after these.
DAYS_2026 = [10, 20, 30, 40, 100]
DAYS_2027 = [20, 41]


@shared_state
def figures():
    """Files in several states over two years of submission: ``world.files`` by name."""
    world = World(PolicyEditionFactory())
    july, december = at(2026, 7, 1), at(2026, 12, 20)
    files = {}
    files["submitted"] = built_at(world, State.SUBMITTED, july)
    files["forwarded"] = built_at(world, State.FORWARDED, july)
    actions = [Action.APPROVE, Action.APPROVE, Action.REJECT, Action.APPROVE, Action.REJECT]
    for index, (days, action) in enumerate(zip(DAYS_2026, actions, strict=True)):
        files[f"decided{index}"] = decided(world, july, days, action)
    for index, days in enumerate(DAYS_2027):
        files[f"late{index}"] = decided(world, december, days, Action.REJECT)
    files["in_2027"] = built_at(world, State.SUBMITTED, at(2027, 2, 1))
    # Recognised: two of the approved files (one then under rectification), in other
    # industries and units than the rest.
    industries = list(Industry.objects.order_by("order", "pk"))
    energy = next(i for i in industries if i.group == IndustryGroup.ENERGY)
    emerging = next(i for i in industries if i.group == IndustryGroup.EMERGING)
    pinglu = OrganisingUnit.objects.get(code="pinglu")
    recognised = drive_at(
        world, files["decided0"], route_from(State.APPROVED, State.RECOGNIZED), at(2026, 9, 1)
    )
    rectifying = drive_at(
        world, files["decided1"], route_from(State.APPROVED, State.RECOGNIZED), at(2026, 9, 1)
    )
    drive_at(world, rectifying, route_from(State.RECOGNIZED, State.RECTIFYING), at(2027, 3, 5))
    Application.objects.filter(pk=recognised.pk).update(industry=energy)
    Application.objects.filter(pk=rectifying.pk).update(industry=emerging, organising_unit=pinglu)
    world.files = files
    world.energy, world.emerging, world.pinglu = energy, emerging, pinglu
    return world


def page_tables(response):
    """``{table key: {row label: [cells]}}`` as the page shows them, total row included."""
    tree = lxml.html.fromstring(response.content.decode())
    shown = {}
    for table in tree.xpath('//table[contains(@class, "stat-table")]'):
        rows = {}
        for row in table.xpath("./tbody/tr | ./tfoot/tr"):
            cells = [cell.text_content().strip() for cell in row.xpath("./th | ./td")]
            rows.setdefault(cells[0], []).append(cells[1:])
        shown[table.get("data-table")] = rows
    return shown


@pytest.fixture
def staff_client(client, figures):
    client.force_login(figures.staff)
    return client


def test_applications_per_year_and_state_equal_direct_counts(figures, staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    shown = page_tables(response)
    submitted = Application.objects.filter(submitted_at__isnull=False)
    by_year = shown["applications-by-year"]
    for year in (2026, 2027):
        expected = submitted.filter(submitted_at__year=year).count()
        assert by_year[str(year)] == [[str(expected)]]
    assert by_year["2026"] == [["9"]] and by_year["2027"] == [["1"]]
    assert by_year["合计"] == [[str(submitted.count())]]
    by_state = shown["applications-by-state"]
    for state in State:
        if state == State.DRAFT:
            continue
        expected = [submitted.filter(state=state, submitted_at__year=year).count() for year in (2026, 2027)]
        assert by_state[str(state.label)] == [[str(n) for n in [*expected, sum(expected)]]]
    assert by_state["已认定"] == [["1", "0", "1"]]
    assert by_state["未予认定"] == [["4", "0", "4"]]  # (two submitted in December, decided in 2027)
    # Drafts are the applicants' own: never counted.
    assert str(State.DRAFT.label) not in by_state


def test_moves_per_year_equal_the_audit_trail(figures, staff_client):
    shown = page_tables(staff_client.get(URL))["moves-by-year"]
    for state in State:
        if state == State.DRAFT:
            continue
        expected = [
            AuditEvent.objects.filter(action__in=Action.values, to_state=state, created_at__year=year)
            .values("application")
            .distinct()
            .count()
            for year in (2026, 2027)
        ]
        assert shown[str(state.label)] == [[str(n) for n in expected]]
    # Two rejected in 2026, the two submitted in December rejected in 2027; one rectifying.
    assert shown["未予认定"] == [["2", "2"]]
    assert shown["已认定"] == [["2", "0"]] and shown["限期整改中"] == [["0", "1"]]
    assert shown["待组织单位审核"] == [["9", "1"]]


def test_recognised_alliances_by_group_industry_and_unit(figures, staff_client):
    shown = page_tables(staff_client.get(URL))
    recognised = Application.objects.filter(state__in=[State.RECOGNIZED, State.RECTIFYING])
    assert recognised.count() == 2
    by_group = shown["recognised-by-group"]
    for group in IndustryGroup:
        expected = recognised.filter(industry__group=group).count()
        assert by_group[str(group.label)] == [[str(expected)]]
    assert by_group["能源产业"] == [["1"]] and by_group["N：其他新兴产业"] == [["1"]]
    assert by_group["七大制造业"] == [["0"]]
    by_industry = shown["recognised-by-industry"]
    for industry in Industry.objects.filter(is_active=True):
        assert by_industry[str(industry)] == [[str(recognised.filter(industry=industry).count())]]
    # Each group's subtotal, above its industries.
    for group in IndustryGroup:
        assert by_industry[str(group.label)] == by_group[str(group.label)]
    tree = lxml.html.fromstring(staff_client.get(URL).content.decode())
    subtotals = tree.xpath('//table[@data-table="recognised-by-industry"]//tr[@class="stat-subtotal"]/th')
    assert [th.text_content() for th in subtotals] == [str(group.label) for group in IndustryGroup]
    assert by_industry[figures.energy.name] == [["1"]] and by_industry[figures.emerging.name] == [["1"]]
    by_unit = shown["recognised-by-unit"]
    for unit in OrganisingUnit.objects.filter(is_active=True):
        assert by_unit[unit.name] == [[str(recognised.filter(organising_unit=unit).count())]]
    assert by_unit[figures.pinglu.name] == [["1"]]
    assert by_unit["合计"] == [["2"]]


def test_throughput_median_and_90th_percentile_on_known_days(figures, staff_client):
    shown = page_tables(staff_client.get(URL))["review-throughput"]
    # 2026: 10, 20, 30, 40, 100 days: median 30; P90 at rank 3.6: 40 + 0.6 × 60 = 76.
    assert shown["2026"] == [["5", "30", "76"]]
    # 2027: 20 and 41 days: median 30.5; P90: 20 + 0.9 × 21 = 38.9.
    assert shown["2027"] == [["2", "30.5", "38.9"]]
    every = sorted(DAYS_2026 + DAYS_2027)
    assert every == [10, 20, 20, 30, 40, 41, 100]
    # All: median 30; P90 at rank 5.4: 41 + 0.4 × 59 = 64.6.
    assert shown["全部年度"] == [["7", "30", "64.6"]]


def test_the_figures_cost_a_fixed_number_of_queries(figures, django_assert_num_queries):
    from django.db.models import Min
    from django.utils import timezone

    from review.models import Recognition

    # Six for the applications and the review; the annual reports: three, and one per year
    # whose report was owed (a handful), whatever the number of files.
    first = Recognition.objects.aggregate(first=Min("recognized_on"))["first"]
    years = timezone.localdate().year - first.year if first else 0
    with django_assert_num_queries(6 + (3 + years if first else 1)):
        statistics.tables()


def test_percentile_by_linear_interpolation():
    assert statistics.percentile([], 0.5) is None
    assert statistics.percentile([7], 0.9) == 7
    assert statistics.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert statistics.percentile([100, 10, 40, 20, 30], 0.9) == 76
    assert statistics.percentile(range(1, 11), 0.9) == 9.1


def test_a_long_label_goes_on_several_lines_within_the_chart():
    english = "Shuozhou Economic Development Zone Innovation and Development Department"
    lines = statistics.label_lines(english)
    assert " ".join(lines) == english and len(lines) > 1
    chinese = "朔州" * 20
    assert "".join(statistics.label_lines(chinese)) == chinese
    for line in [*lines, *statistics.label_lines(chinese)]:
        assert statistics._text_width(line) <= statistics.CHART_WIDTH
    drawn = statistics.drawing(statistics.Chart(categories=[(english, [3]), ("煤炭", [1])]))
    (first_lines, first_bars), (second_lines, _bars) = drawn["groups"]
    assert [line for line, _y in first_lines] == lines
    # The next category starts below the last line and bar of the one before.
    assert second_lines[0][1] > first_bars[-1].y + statistics.BAR_HEIGHT
    assert first_bars[0].width == statistics.CHART_WIDTH - statistics.VALUE_ROOM


def test_first_submission_and_first_decision_count(world):
    """A file resubmitted, or decided again (after an upheld objection), counts once: from its
    first submission to the Party group's first decision, in Beijing calendar days."""
    application = ApplicationFactory(edition=world.edition)
    for action, moment in [
        (Action.SUBMIT, at(2026, 7, 1, hour=23)),
        (Action.RESUBMIT, at(2026, 7, 5)),
        (Action.APPROVE, at(2026, 7, 11, hour=1)),
        (Action.APPROVE, at(2026, 8, 30)),
    ]:
        with time_machine.travel(moment, tick=False):
            event(application, action)
    assert statistics.decision_days() == {2026: [10]}


def test_chart_is_inline_svg_beside_its_table(figures, staff_client):
    response = staff_client.get(URL)
    tree = lxml.html.fromstring(response.content.decode())
    for key in [
        "applications-by-year",
        "applications-by-state",
        "moves-by-year",
        "recognised-by-group",
        "recognised-by-industry",
        "recognised-by-unit",
        "review-throughput",
    ]:
        section = tree.get_element_by_id(key)
        assert section.xpath('.//table[contains(@class, "stat-table")]')
        svg = section.xpath(".//svg")
        assert len(svg) == 1 and svg[0].get("viewbox").startswith(f"0 0 {statistics.CHART_WIDTH} ")
        assert svg[0].get("role") == "img"
    # No script but the site's own, no style attribute (the CSP allows neither inline).
    assert b"<script>" not in response.content and b"style=" not in response.content
    labels = [text.text_content() for text in tree.xpath('//*[@id="review-throughput"]//svg//text')]
    assert "中位数：30 天" in labels and "P90：76 天" in labels


def test_xlsx_holds_every_table_with_the_same_figures(figures, staff_client):
    shown = page_tables(staff_client.get(URL))
    response = staff_client.get(reverse("review:statistics_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == [
        "申报数-年度",
        "申报状态-年度",
        "办理情况-年度",
        "认定-产业类别",
        "认定-产业",
        "认定-组织单位",
        "审查用时",
    ]
    keys = list(shown)
    for name, key in zip(workbook.sheetnames, keys, strict=True):
        rows = [list(row) for row in workbook[name].iter_rows(values_only=True)]
        body = rows[rows.index(next(r for r in rows if r and r[0] and r[0] in shown[key])) :]
        for row in body:
            label, cells = row[0], row[1:]
            # (An empty cell, a missing figure's dash on the page.)
            sheet_cells = [
                "" if cell is None else f"{cell:g}" if isinstance(cell, float) else str(cell)
                for cell in cells
            ]
            on_page = [["" if text == "—" else text for text in cells] for cells in shown[key][label]]
            assert sheet_cells in on_page, (name, row)
    throughput = [list(row) for row in workbook["审查用时"].iter_rows(values_only=True)]
    assert ["2026", 5, 30, 76] in throughput and ["2027", 2, 30.5, 38.9] in throughput
    # Figures are numbers in the sheet.
    year_rows = [list(row) for row in workbook["申报数-年度"].iter_rows(values_only=True)]
    assert ["2026", 9] in year_rows and ["合计", 10] in year_rows


def test_one_more_section_is_one_more_table_on_the_page_and_sheet_in_the_export(
    figures, staff_client, monkeypatch
):
    """How the annual-report compliance per year will be added: one more entry in SECTIONS."""

    def compliance():
        return [
            statistics.Table(
                key="annual-report-compliance",
                sheet="年报-年度",
                title="年度报告报送情况",
                headings=["年度", "应报", "按期报送", "逾期未报"],
                rows=[["2026", 4, 3, 1]],
                chart=statistics.Chart(categories=[("2026", [3, 1])], series=["按期报送", "逾期未报"]),
            )
        ]

    monkeypatch.setattr(statistics, "SECTIONS", [*statistics.SECTIONS, compliance])
    response = staff_client.get(URL)
    assert page_tables(response)["annual-report-compliance"] == {"2026": [["4", "3", "1"]]}
    tree = lxml.html.fromstring(response.content.decode())
    labels = [text.text_content() for text in tree.xpath('//*[@id="annual-report-compliance"]//svg//text')]
    assert labels == ["2026", "按期报送：3", "逾期未报：1"]
    workbook = load_workbook(io.BytesIO(staff_client.get(reverse("review:statistics_xlsx")).content))
    assert workbook.sheetnames[-1] == "年报-年度"
    assert ["2026", 4, 3, 1] in [list(row) for row in workbook["年报-年度"].iter_rows(values_only=True)]


def bulk_files(world, count):
    """``count`` files submitted and decided (audit events written directly), in two years, in
    several states and industries: data only, no transition."""
    industries = list(Industry.objects.all())
    states = [State.SUBMITTED, State.REJECTED, State.RECOGNIZED, State.RECTIFYING, State.IN_NOTICE]
    for index in range(count):
        with time_machine.travel(at(2026 + index % 2, 7, 1), tick=False):
            application = ApplicationFactory(
                edition=world.edition, industry=industries[index % len(industries)]
            )
            Application.objects.filter(pk=application.pk).update(
                state=states[index % len(states)], submitted_at=at(2026 + index % 2, 7, 1)
            )
            event(application, Action.SUBMIT, State.DRAFT, State.SUBMITTED)
        with time_machine.travel(at(2026 + index % 2, 8, 1 + index % 20), tick=False):
            event(application, Action.APPROVE, State.AWAITING_DECISION, State.APPROVED)


def event(application, action, source="", target=""):
    """An audit event written directly, at the time it is (time_machine's)."""
    return AuditEvent.objects.create(
        application=application, action=action, from_state=source, to_state=target, actor_role="staff"
    )


def test_the_same_number_of_queries_with_few_files_and_many(world, client):
    client.force_login(world.staff)
    bulk_files(world, 1)
    client.get(URL)  # (the session's first reads)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as few_xlsx:
        client.get(reverse("review:statistics_xlsx"))
    bulk_files(world, 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    with CaptureQueriesContext(connection) as many_xlsx:
        client.get(reverse("review:statistics_xlsx"))
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many_xlsx) == len(few_xlsx)
    shown = page_tables(response)
    assert shown["applications-by-year"]["合计"] == [["31"]]
    assert shown["review-throughput"]["全部年度"][0][0] == "31"


def test_an_empty_portal_shows_no_data(world, client):
    client.force_login(world.staff)
    response = client.get(URL)
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content.decode())
    assert tree.xpath('//*[@id="review-throughput"]//*[contains(@class, "stat-empty")]')
    assert not tree.xpath('//*[@id="review-throughput"]//svg')
    assert client.get(reverse("review:statistics_xlsx")).status_code == 200


@pytest.mark.parametrize("who", ["applicant", "unit", "expert", "admin"])
def test_only_bureau_staff_see_the_statistics(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("review:statistics_xlsx")).status_code == 403


def test_anonymous_goes_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_staff_menu_and_dashboard_link_to_the_statistics(world, client):
    client.force_login(world.staff)
    page = client.get(reverse("review:dashboard")).content.decode()
    assert page.count(f'href="{URL}"') == 2
    client.force_login(world.unit)
    assert f'href="{URL}"' not in client.get(reverse("review:dashboard")).content.decode()


def test_the_annual_report_compliance_equals_counts_made_directly(figures, staff_client):
    from review import annual
    from review.models import AnnualReport, AnnualReportStatus

    owed = list(annual.owing(2026))
    AnnualReport.objects.create(
        application=owed[0], year=2026, status=AnnualReportStatus.ACCEPTED, on_time=True
    )
    with time_machine.travel(at(2028, 6, 1), tick=False):
        staff_client.force_login(figures.staff)  # the session of 2026 has expired by then
        table = page_tables(staff_client.get(URL))["annual-report-compliance"]
        expected_2027 = annual.owing(2027).count()

    assert table["2026"] == [[str(len(owed)), "1", "1", "0"]]
    assert table["2027"] == [[str(expected_2027), "0", "0", "0"]]
