from django.urls import path, re_path

from .views import bureau

app_name = "review"

urlpatterns = [
    path("", bureau.dashboard, name="dashboard"),
    path("applications/<int:pk>/", bureau.detail, name="detail"),
    path("applications/<int:pk>/act/<slug:action>/", bureau.act, name="act"),
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
]
