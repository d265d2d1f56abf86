"""The annual report's pages (Art. 8): the lead unit's dashboard and form, the bureau's board,
its export, the decision, and the report's PDF."""

import datetime
import io

import openpyxl
import pypdf
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.demo import sample_pdf
from applications.enums import State
from review import annual
from review.models import AnnualReport, AnnualReportStatus, Recognition

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def alliance(world, recognized_on=datetime.date(2026, 6, 30)):
    application = world.application(State.RECOGNIZED)
    Recognition.objects.filter(application=application).update(recognized_on=recognized_on)
    return application


def form_data(**extra):
    data = {
        "work_done": "组织成员单位联合攻关煤矸石综合利用技术。",
        "results": "",
        "problems": "",
        "plan_goals": "",
        "plan_tasks": "建设中试基地。",
        "plan_measures": "",
        "ceiling_justification": "",
        "joint_projects": "3",
        "rd_spending": "1250000.50",
        "patents_applied": "4",
        "patents_granted": "2",
        "standards_international": "0",
        "standards_national": "1",
        "standards_industry": "0",
        "standards_group": "2",
        "results_transferred": "1",
        "transfer_income": "300000",
        "talent_trained": "12",
        "changes-TOTAL_FORMS": "1",
        "changes-INITIAL_FORMS": "0",
        "changes-0-kind": "joined",
        "changes-0-name": "朔州市新成员科技有限公司",
        "changes-0-is_core": "",
        "changes-0-org_type": "enterprise",
        "changes-0-reason": "产业链下游企业加入",
        "platforms-TOTAL_FORMS": "1",
        "platforms-INITIAL_FORMS": "0",
        "platforms-0-role": "built",
        "platforms-0-kind": "engineering_centre",
        "platforms-0-level": "municipal",
        "platforms-0-name": "朔州市煤矸石综合利用工程技术研究中心",
        "platforms-0-approving_document": "",
        "platforms-0-approved_year": "2026",
    }
    data.update(extra)
    return data


def test_dashboard_shows_the_report_owed_and_its_deadline_from_january(world, client):
    application = alliance(world)
    client.force_login(world.applicant)

    with time_machine.travel(at(2027, 1, 2, 9), tick=False):
        client.force_login(world.applicant)
        page = client.get(reverse("applications:dashboard")).content.decode()

    assert "2026 年度材料" in page
    assert "2027-02-28 23:59" in page
    assert reverse("annual_report", args=[application.pk, 2026]) in page


def test_lead_unit_fills_uploads_and_submits(world, client):
    application = alliance(world)
    client.force_login(world.applicant)
    url = reverse("annual_report", args=[application.pk, 2026])

    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        client.force_login(world.applicant)
        assert client.post(url, form_data()).status_code == 302
        upload = SimpleUploadedFile("年度材料.pdf", sample_pdf())
        client.post(reverse("annual_report_scan", args=[application.pk, 2026]), {"scan": upload})
        client.post(reverse("annual_report_submit", args=[application.pk, 2026]))
        page = client.get(url).content.decode()

    report = AnnualReport.objects.get(application=application, year=2026)
    assert report.status == AnnualReportStatus.SUBMITTED and report.on_time
    assert str(report.rd_spending) == "1250000.50"
    assert report.member_changes.get().name == "朔州市新成员科技有限公司"
    assert report.platforms.get().name == "朔州市煤矸石综合利用工程技术研究中心"
    assert "已报送待审核" in page and "年度材料.pdf" in page


def test_refused_form_keeps_what_was_typed(world, client):
    application = alliance(world)
    client.force_login(world.applicant)

    response = client.post(
        reverse("annual_report", args=[application.pk, 2026]),
        form_data(joint_projects="-1", work_done="我们写下的年度工作"),
    )

    assert response.status_code == 400
    assert "我们写下的年度工作" in response.content.decode()
    assert not AnnualReport.objects.filter(application=application).exists()


def test_member_change_rows_are_bounded(world, client):
    application = alliance(world)
    client.force_login(world.applicant)
    data = form_data(**{"changes-TOTAL_FORMS": "5000"})

    response = client.post(reverse("annual_report", args=[application.pk, 2026]), data)

    assert response.status_code == 400
    assert not AnnualReport.objects.filter(application=application).exists()


def test_a_scan_that_is_not_a_pdf_is_refused(world, client):
    application = alliance(world)
    client.force_login(world.applicant)

    client.post(
        reverse("annual_report_scan", args=[application.pk, 2026]),
        {"scan": SimpleUploadedFile("年度材料.pdf", b"MZ not a pdf at all")},
    )

    assert not AnnualReport.objects.get(application=application, year=2026).scans.exists()


def test_another_lead_unit_gets_404(world, client):
    application = alliance(world)
    client.force_login(world.other_applicant)

    assert client.get(reverse("annual_report", args=[application.pk, 2026])).status_code == 404


def test_a_year_before_recognition_is_not_offered(world, client):
    application = alliance(world, datetime.date(2027, 1, 10))
    client.force_login(world.applicant)

    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        client.force_login(world.applicant)
        response = client.get(reverse("annual_report", args=[application.pk, 2026]))

    assert response.status_code == 404


def submitted(world, application, **fields):
    report = annual.report_for(application, 2026)
    report.work_done, report.plan_tasks = "联合攻关。", "建设中试基地。"
    for name, value in fields.items():
        setattr(report, name, value)
    report.save()
    annual.upload_scan(report, SimpleUploadedFile("年度材料.pdf", sample_pdf()), world.applicant)
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        annual.submit(report, world.applicant)
    return report


def test_board_counts_and_who_would_lapse(world, client):
    reported = alliance(world)
    submitted(world, reported)
    silent = alliance(world)

    with time_machine.travel(at(2027, 2, 1, 9), tick=False):
        client.force_login(world.staff)
        page = client.get(reverse("review:annual_reports"), {"year": 2026}).content.decode()
        lapsing = client.get(
            reverse("review:annual_reports"), {"year": 2026, "lapsing": "1"}
        ).content.decode()

    assert "应报送 2 个联盟" in page
    assert "如此刻截止，1 个联盟将视为自动放弃" in page
    assert "还剩 28 天" in page
    assert silent.name in lapsing and reported.name not in lapsing


def test_board_export_lists_the_rows(world, client):
    reported = alliance(world)
    submitted(world, reported)
    client.force_login(world.staff)

    with time_machine.travel(at(2027, 2, 1, 9), tick=False):
        client.force_login(world.staff)
        response = client.get(reverse("review:annual_reports_xlsx"), {"year": 2026})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "联盟名称"
    assert rows[1][1] == reported.name and rows[1][4] == "已报送待审核" and rows[1][6] == "是"


def test_board_query_count_does_not_grow_with_rows(world, client):
    client.force_login(world.staff)
    first = submitted(world, alliance(world))
    first.member_changes.create(kind="left", name="退出单位", is_core=True, reason="转产")
    url = reverse("review:annual_reports")

    with CaptureQueriesContext(connection) as one:
        client.get(url, {"year": 2026})
    for _ in range(3):
        more = submitted(world, alliance(world))
        more.member_changes.create(kind="left", name="退出单位", is_core=True, reason="转产")
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"year": 2026})

    assert len(many) == len(one)


def test_staff_return_with_reasons_and_accept(world, client):
    report = submitted(world, alliance(world))
    client.force_login(world.staff)
    decide = reverse("review:annual_report_decide", args=[report.pk])

    refused = client.post(decide, {"decision": "return", "reasons": ""})
    assert refused.status_code == 400
    client.post(decide, {"decision": "return", "reasons": "请补充签章页。"})
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.RETURNED and report.return_reasons == "请补充签章页。"

    client.force_login(world.applicant)
    page = client.get(reverse("annual_report", args=[report.application_id, 2026])).content.decode()
    assert "请补充签章页。" in page


def test_member_breach_is_flagged_on_the_staff_page(world, client):
    application = alliance(world)
    report = annual.report_for(application, 2026)
    core = application.members.filter(is_core=True).count()
    for n in range(core - 5):
        report.member_changes.create(kind="left", name=f"退出单位{n}", is_core=True, reason="转产")
    report = submitted(world, application)
    client.force_login(world.staff)

    page = client.get(reverse("review:annual_report", args=[report.pk])).content.decode()

    assert "少于 6 家" in page
    assert report.status == AnnualReportStatus.SUBMITTED


def test_report_pdf_is_in_chinese(world, client):
    application = alliance(world)
    report = submitted(world, application, rd_spending="888000.00")
    client.force_login(world.staff)

    response = client.get(reverse("review:annual_report_pdf", args=[report.pk]))

    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert application.name in text.replace("\n", "")
    assert "2026 年度工作总结" in text
    assert "888000.00" in text


# Only while the alliance holds its status; a save never undoes a submission -----------------


def test_a_lapsed_alliance_can_read_but_no_longer_change_its_draft_nor_upload_scans(world, client):
    from .test_annual_reports import filled

    application = alliance(world)
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        filled(application, scan=False)
    with time_machine.travel(at(2027, 3, 1, 1), tick=False):
        annual.enforce()
    application.refresh_from_db()
    assert application.state == State.LAPSED

    with time_machine.travel(at(2027, 3, 2, 9), tick=False):
        client.force_login(world.applicant)
        url = reverse("annual_report", args=[application.pk, 2026])
        saved = client.post(url, form_data(work_done="失效后改写的内容"))
        scanned = client.post(
            reverse("annual_report_scan", args=[application.pk, 2026]),
            {"scan": SimpleUploadedFile("扫描件.pdf", sample_pdf())},
        )
        submitted = client.post(reverse("annual_report_submit", args=[application.pk, 2026]))
        page = client.get(url)

    report = AnnualReport.objects.get(application=application, year=2026)
    assert (saved.status_code, scanned.status_code, submitted.status_code) == (404, 404, 404)
    assert report.work_done == "组织成员单位联合攻关煤矸石综合利用技术。"
    assert report.scans.count() == 0
    assert page.status_code == 200 and "保存草稿" not in page.content.decode()


def test_a_draft_save_racing_a_submission_does_not_undo_it(world, client, monkeypatch):
    """Two contacts: one saves the draft while the other submits. The save writes only the
    form's fields, on the report locked and checked again."""
    from review.forms import annual as forms

    from .test_annual_reports import filled

    application = alliance(world)
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        report = filled(application, user=world.applicant)
    real = forms.PlatformFormSet.is_valid

    def submit_meanwhile(self):
        if AnnualReport.objects.get(pk=report.pk).status == AnnualReportStatus.DRAFT:
            annual.submit(AnnualReport.objects.get(pk=report.pk), world.applicant)
        return real(self)

    monkeypatch.setattr(forms.PlatformFormSet, "is_valid", submit_meanwhile)
    with time_machine.travel(at(2027, 1, 21, 9), tick=False):
        client.force_login(world.applicant)
        url = reverse("annual_report", args=[application.pk, 2026])
        response = client.post(url, form_data(work_done="覆盖的内容"), follow=True)
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.SUBMITTED and report.submitted_at is not None
    assert report.work_done == "组织成员单位联合攻关煤矸石综合利用技术。"
    assert "该年度材料已报送，不能修改。" in response.content.decode()


def test_dashboard_shows_a_returned_report_during_its_grace_period(world, client):
    from review.templatetags.annual_reports import annual_reports_due

    from .test_annual_reports import filled

    application = alliance(world)
    with time_machine.travel(at(2027, 2, 10, 9), tick=False):
        report = filled(application, user=world.applicant)
        annual.submit(report, world.applicant)
    with time_machine.travel(at(2027, 2, 27, 9), tick=False):
        annual.return_report(report, world.staff, "请补充签章页。")
    grace_end = datetime.date(2027, 2, 28) + datetime.timedelta(days=world.edition.annual_report_grace_days)

    with time_machine.travel(at(2027, 3, 1, 9), tick=False):
        shown = annual_reports_due(world.applicant)
        client.force_login(world.applicant)
        page = client.get(reverse("applications:dashboard")).content.decode()
    with time_machine.travel(annual.closes_at(grace_end), tick=False):
        after = annual_reports_due(world.applicant)

    assert (shown[0].year, shown[0].standing, shown[0].owed) == (2026, "returned", True)
    assert shown[0].due_at == annual.end_of(grace_end)
    assert f"{grace_end:%Y-%m-%d} 23:59" in page and "已退回修改" in page
    assert reverse("annual_report", args=[application.pk, 2026]) in page
    assert 2026 not in [item.year for item in after]


def test_board_does_not_flag_a_returned_report_in_its_grace_period_as_lapsing(world):
    from .test_annual_reports import filled

    application = alliance(world)
    with time_machine.travel(at(2027, 2, 10, 9), tick=False):
        report = filled(application, user=world.applicant)
        annual.submit(report, world.applicant)
    with time_machine.travel(at(2027, 2, 20, 9), tick=False):
        annual.return_report(report, world.staff, "请补充签章页。")
        before_deadline = annual.board(2026)
    grace_end = datetime.date(2027, 2, 28) + datetime.timedelta(days=world.edition.annual_report_grace_days)
    with time_machine.travel(at(2027, 3, 1, 9), tick=False):
        in_grace = annual.board(2026)
    with time_machine.travel(annual.closes_at(grace_end), tick=False):
        after_grace = annual.board(2026)

    def flag(rows):
        return [row.would_lapse for row in rows if row.application.pk == application.pk]

    assert (flag(before_deadline), flag(in_grace), flag(after_grace)) == ([False], [False], [True])


def test_report_texts_refuse_invisible_characters_but_keep_line_breaks(world, client):
    application = alliance(world)
    url = reverse("annual_report", args=[application.pk, 2026])
    typed = "一、联合攻关。\r\n二、标准制定\u202e。"

    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        client.force_login(world.applicant)
        refused = client.post(url, form_data(plan_measures=typed))
        kept = client.post(
            url, form_data(work_done="一、联合攻关。\r\n\t二、标准制定。", ceiling_justification="甲\r\n乙")
        )

    assert refused.status_code == 400
    assert "U+202E" in refused.content.decode() and "二、标准制定" in refused.content.decode()
    assert kept.status_code == 302
    report = AnnualReport.objects.get(application=application, year=2026)
    assert report.work_done == "一、联合攻关。\r\n\t二、标准制定。"
    assert report.ceiling_justification == "甲\r\n乙"


def test_the_submit_button_saves_what_was_typed_then_submits(world, client):
    application = alliance(world)
    url = reverse("annual_report", args=[application.pk, 2026])
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        client.force_login(world.applicant)
        client.post(url, form_data())
        upload = SimpleUploadedFile("年度材料.pdf", sample_pdf())
        client.post(reverse("annual_report_scan", args=[application.pk, 2026]), {"scan": upload})
        page = client.get(url).content.decode()
        submitted = client.post(
            url, form_data(work_done="报送前最后修改的内容。", op="submit", **{"changes-TOTAL_FORMS": "0"})
        )
        shown = client.get(url).content.decode()

    assert 'name="op" value="submit"' in page and 'form="annual-report-form"' in page
    assert "上传扫描件前请先保存草稿" in page
    assert submitted.status_code == 302
    report = AnnualReport.objects.get(application=application, year=2026)
    assert report.status == AnnualReportStatus.SUBMITTED and report.on_time
    assert report.work_done == "报送前最后修改的内容。"
    assert "已报送待审核" in shown and "报送前最后修改的内容。" in shown


def test_a_refused_submission_keeps_the_saved_draft(world, client):
    application = alliance(world)
    url = reverse("annual_report", args=[application.pk, 2026])
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        client.force_login(world.applicant)
        response = client.post(url, form_data(work_done="尚未上传扫描件。", op="submit"), follow=True)

    report = AnnualReport.objects.get(application=application, year=2026)
    assert report.status == AnnualReportStatus.DRAFT and report.work_done == "尚未上传扫描件。"
    assert "请上传签字盖章的年度材料扫描件。" in response.content.decode()


def test_odd_file_ids_answer_404(world, client):
    from .test_annual_reports import filled

    application = alliance(world)
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        filled(application, user=world.applicant)
        client.force_login(world.applicant)
        response = client.get(reverse("annual_report_file", args=[application.pk, 2026, 2**70]))
    assert response.status_code == 404
