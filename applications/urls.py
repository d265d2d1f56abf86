from django.urls import path, re_path

from .views import applicant, filling

app_name = "applications"

urlpatterns = [
    path("", applicant.dashboard, name="dashboard"),
    path("new/", applicant.new_application, name="new"),
    re_path(
        r"^members-template\.(?P<extension>xlsx|csv)$", filling.members_template, name="members_template"
    ),
    path("<int:pk>/", applicant.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", applicant.act, name="act"),
    path("<int:pk>/edit/<slug:step>/", filling.step, name="step"),
    path("<int:pk>/members/add/", filling.member_add, name="member_add"),
    path("<int:pk>/members/import/", filling.member_import, name="member_import"),
    path("<int:pk>/members/justification/", filling.ceiling, name="ceiling"),
    path("<int:pk>/members/<int:member_pk>/", filling.member_edit, name="member_edit"),
    path("<int:pk>/members/<int:member_pk>/delete/", filling.member_delete, name="member_delete"),
    path("<int:pk>/documents/upload/", filling.upload, name="upload"),
    path("<int:pk>/documents/<int:document_pk>/remove/", filling.document_remove, name="document_remove"),
    path("<int:pk>/files/<int:version_pk>/", applicant.file, name="file"),
    path("<int:pk>/files/<int:version_pk>/delete/", filling.version_delete, name="version_delete"),
    path("<int:pk>/files/<int:version_pk>/preview/", applicant.file, {"preview": True}, name="preview"),
    path("<int:pk>/files/<int:version_pk>/original/", applicant.file, {"original": True}, name="original"),
    path("<int:pk>/form.pdf", applicant.form_pdf, name="form_pdf"),
    path("<int:pk>/dossier.pdf", applicant.dossier_pdf, name="dossier_pdf"),
    re_path(
        r"^(?P<pk>[0-9]+)/rounds/(?P<number>[0-9]+)/(?P<kind>form|dossier)\.pdf$",
        applicant.submission_pdf,
        name="submission_pdf",
    ),
]
