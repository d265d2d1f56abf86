from django.urls import path

from .views import bureau

app_name = "review"

urlpatterns = [
    path("", bureau.dashboard, name="dashboard"),
    path("applications/<int:pk>/", bureau.detail, name="detail"),
    path("applications/<int:pk>/act/<slug:action>/", bureau.act, name="act"),
    path("lifecycle/", bureau.lifecycle, name="lifecycle"),
]
