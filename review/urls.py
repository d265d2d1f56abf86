from django.urls import path, re_path

from .views import (
    annual,
    bureau,
    checks,
    dashboard,
    expert,
    experts,
    letters,
    meetings,
    notices,
    objections,
    platforms,
    recognition,
    rectification,
    registrations,
    statistics,
)

app_name = "review"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # The work list as filtered on the page (its query string), as a spreadsheet.
    path("export.csv", dashboard.export_csv, name="export_csv"),
    path("export.xlsx", dashboard.export_xlsx, name="export_xlsx"),
    path("applications/<int:pk>/", bureau.detail, name="detail"),
    path("applications/<int:pk>/act/<slug:action>/", bureau.act, name="act"),
    # Art. 5–6: the unit's confirmations and the bureau's formal checklist, saved as drafts.
    path("applications/<int:pk>/unit-checks/", checks.save, {"checklist": "unit"}, name="unit_checks"),
    path("applications/<int:pk>/formal-checks/", checks.save, {"checklist": "formal"}, name="formal_checks"),
    path("applications/<int:pk>/files/<int:version_pk>/", bureau.file, name="file"),
    path(
        "applications/<int:pk>/files/<int:version_pk>/preview/",
        bureau.file,
        {"preview": True},
        name="preview",
    ),
    path(
        "applications/<int:pk>/files/<int:version_pk>/original/",
        bureau.file,
        {"original": True},
        name="original",
    ),
    re_path(
        r"^applications/(?P<pk>[0-9]+)/rounds/(?P<number>[0-9]+)/(?P<kind>form|dossier)\.pdf$",
        bureau.submission_pdf,
        name="submission_pdf",
    ),
    path("lifecycle/", bureau.lifecycle, name="lifecycle"),
    # The bureau's statistics (issue 11, part 7), and all their tables as a spreadsheet.
    path("statistics/", statistics.page, name="statistics"),
    path("statistics/statistics.xlsx", statistics.export_xlsx, name="statistics_xlsx"),
    # The expert stage (Art. 6): the bureau's pool, assignments and panel.
    path("experts/", experts.pool, name="experts"),
    path("experts/new/", experts.expert_new, name="expert_new"),
    path("experts/<int:pk>/", experts.expert_edit, name="expert_edit"),
    path("applications/<int:pk>/experts/", experts.assignments, name="assignments"),
    path("applications/<int:pk>/experts/assign/", experts.assign, name="assign"),
    path(
        "applications/<int:pk>/experts/<int:assignment_pk>/withdraw/",
        experts.withdraw,
        name="assignment_withdraw",
    ),
    path("applications/<int:pk>/experts/<int:assignment_pk>/reopen/", experts.reopen, name="review_reopen"),
    path("applications/<int:pk>/panel/", experts.panel_page, name="panel"),
    # The expert's own: the 回避声明 and the review.
    path("applications/<int:pk>/declaration/", expert.declaration, name="declaration"),
    path("applications/<int:pk>/score/", expert.score, name="score"),
    # 党组会 (Art. 6)
    path("meetings/", meetings.listing, name="meetings"),
    path("meetings/<int:pk>/", meetings.detail, name="meeting"),
    path("meetings/<int:pk>/minutes/", meetings.upload_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/minutes/<int:minutes_pk>/", meetings.minutes_file, name="meeting_minutes_file"),
    path("meetings/<int:pk>/agenda.pdf", meetings.agenda_pdf, name="meeting_pdf"),
    path("letters/", letters.listing, name="letters"),
    # 公示 (Art. 6)
    path("notices/", notices.listing, name="notices"),
    path("notices/<int:pk>/", notices.detail, name="notice"),
    path("notices/<int:pk>/close/", objections.close_notice, name="notice_close"),
    # 公示异议 (Art. 6): the bureau's only.
    path("objections/", objections.listing, name="objections"),
    path("objections/<int:pk>/", objections.detail, name="objection"),
    path("objections/<int:pk>/files/<int:file_pk>/", objections.objection_file, name="objection_file"),
    # 认定 (Art. 6–7): the certificate, and the platforms of a recognised alliance.
    path("applications/<int:pk>/certificate.pdf", recognition.bureau_certificate, name="certificate"),
    path("applications/<int:pk>/platforms/", platforms.listing, name="platforms"),
    path("applications/<int:pk>/platforms/<int:platform_pk>/", platforms.edit, name="platform_edit"),
    path(
        "applications/<int:pk>/platforms/<int:platform_pk>/delete/", platforms.remove, name="platform_remove"
    ),
    # 限期整改 (Art. 9): the alliances under rectification; the reports' files.
    path("rectifications/", rectification.listing, name="rectifications"),
    path(
        "applications/<int:pk>/rectification/files/<int:file_pk>/",
        rectification.bureau_file,
        name="rectification_file",
    ),
    # 年度材料 (Art. 8): the board per year, its export, and each report.
    path("annual-reports/", annual.board, name="annual_reports"),
    path("annual-reports/export.xlsx", annual.board_xlsx, name="annual_reports_xlsx"),
    path("annual-reports/<int:report_pk>/", annual.staff_report, name="annual_report"),
    path("annual-reports/<int:report_pk>/decide/", annual.staff_decide, name="annual_report_decide"),
    path(
        "annual-reports/<int:report_pk>/files/<int:file_pk>/",
        annual.staff_scan_file,
        name="annual_report_file",
    ),
    path("annual-reports/<int:report_pk>.pdf", annual.staff_pdf, name="annual_report_pdf"),
    # 单位注册审核
    path("registrations/", registrations.listing, name="registrations"),
    path("registrations/<int:pk>/", registrations.detail, name="registration"),
    path("registrations/<int:pk>/<slug:decision>/", registrations.decide, name="registration_decide"),
    path("registrations/<int:pk>/files/<int:document_pk>/", registrations.file, name="registration_file"),
]
