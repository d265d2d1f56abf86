from django.urls import path

from .views import applicant

app_name = "applications"

urlpatterns = [
    path("", applicant.dashboard, name="dashboard"),
    path("new/", applicant.new_application, name="new"),
    path("<int:pk>/", applicant.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", applicant.act, name="act"),
]
