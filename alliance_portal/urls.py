from django.contrib import admin
from django.urls import include, path

from review.views import annual, directory, objections, public, recognition, rectification

from . import errors, views

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

urlpatterns = [
    path("", views.home, name="home"),
    path("policy/", views.policy, name="policy"),
    path("policy/<int:pk>/", views.policy, name="policy_edition"),
    # 公示 (Art. 6): the public's pages.
    path("notices/", public.notice_list, name="notices"),
    path("notices/<int:pk>/", public.notice_detail, name="notice"),
    path("notices/<int:pk>.pdf", public.notice_pdf, name="notice_pdf"),
    path("notices/feed/", public.notice_feed, name="notices_feed"),
    # 公示异议 (Art. 6): in real name, to one alliance of an open notice; never shown publicly.
    path("notices/<int:pk>/items/<int:item_pk>/objection/", public.objection, name="objection"),
    path(
        "notices/<int:pk>/items/<int:item_pk>/objection/receipt/",
        public.objection_receipt,
        name="objection_receipt",
    ),
    # 认定 (Art. 6): the announcement of a notice's batch; the directory (Art. 7) and its open data.
    path("notices/<int:pk>/recognition/", recognition.announcement, name="notice_recognition"),
    path("alliances/", directory.alliance_list, name="alliances"),
    path("alliances/<int:pk>/", directory.alliance_detail, name="alliance"),
    path("alliances.csv", directory.alliances_csv, name="alliances_csv"),
    path("alliances.json", directory.alliances_json, name="alliances_json"),
    # The lead unit's certificate (review owns recognition; applications never imports it).
    path("apply/<int:pk>/certificate.pdf", recognition.applicant_certificate, name="applicant_certificate"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("applications.account_urls")),
    # The lead unit answers an objection to its file from the file's page (review owns
    # objections; applications never imports review).
    path(
        "apply/<int:pk>/objections/<int:objection_pk>/answer/",
        objections.lead_answer,
        name="objection_answer",
    ),
    # The lead unit reports on a rectification order (Art. 9) from its file's page.
    path("apply/<int:pk>/rectification/answer/", rectification.lead_answer, name="rectification_answer"),
    path(
        "apply/<int:pk>/rectification/files/<int:file_pk>/",
        rectification.lead_file,
        name="applicant_rectification_file",
    ),
    # 年度材料 (Art. 8): the lead unit's annual reports (review owns them; applications never
    # imports review).
    path("apply/<int:pk>/annual-reports/<int:year>/", annual.applicant_report, name="annual_report"),
    path("apply/<int:pk>/annual-reports/<int:year>/scan/", annual.applicant_scan, name="annual_report_scan"),
    path(
        "apply/<int:pk>/annual-reports/<int:year>/submit/",
        annual.applicant_submit,
        name="annual_report_submit",
    ),
    path(
        "apply/<int:pk>/annual-reports/<int:year>/files/<int:file_pk>/",
        annual.applicant_scan_file,
        name="annual_report_file",
    ),
    path("apply/<int:pk>/annual-reports/<int:year>.pdf", annual.applicant_pdf, name="annual_report_pdf"),
    path("apply/", include("applications.urls")),
    path("review/", include("review.urls")),
    # Django's switcher (django.conf.urls.i18n), which also keeps a signed-in user's language.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
