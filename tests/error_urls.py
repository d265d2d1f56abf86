"""URLs for the error-page tests: the portal's own, plus one view that fails."""

from django.urls import path

from alliance_portal.urls import urlpatterns as portal_urlpatterns


def broken(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [*portal_urlpatterns, path("broken/", broken)]
handler500 = "alliance_portal.errors.server_error"
