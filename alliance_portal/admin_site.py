"""The Django admin's site: the administrator's, behind the portal's one log-in page."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from applications import two_factor


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request):
        """The role (is_staff follows it) and, when required or set up, a verified second factor.

        The log-in already asks for the code; this also holds for a session that began before
        the administrator required two-factor log-in.
        """
        return super().has_permission(request) and two_factor.satisfied(request)

    def login(self, request, extra_context=None):
        """No second log-in form: the portal's, where failed log-ins are counted and the code asked."""
        if request.user.is_authenticated and request.user.is_active and request.user.is_staff:
            # Signed in but without the second factor the admin needs: set it up or enter a code.
            step = two_factor.VERIFY if two_factor.confirmed_device(request.user) else two_factor.ENROL
            request.session[two_factor.SESSION_KEY] = step
            return redirect(
                "accounts:two_factor_verify" if step == two_factor.VERIFY else "accounts:two_factor"
            )
        if request.user.is_authenticated:
            # Another role: the admin is not theirs (and the log-in page would send them back here).
            raise PermissionDenied
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index", current_app=self.name),
            reverse("accounts:login"),
        )
