from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from applications import two_factor


class PortalLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the visitor chose English with the switcher (the language cookie).

    The browser's Accept-Language is not followed: this is a Chinese government portal,
    and zh-hans is its language whatever the browser was set up with.
    """

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


class PrivatePagesMiddleware:
    """Pages shown to a signed-in user are never stored by a browser or a proxy.

    A shared office computer's back button or cache must not show the next person someone
    else's file. Files and PDFs already say so themselves (``documents.private``); every
    other response to a signed-in user gets Django's never-cache headers unless it set its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class TwoFactorMiddleware:
    """Between the password and the second factor a session reaches only that step's page.

    ``applications.two_factor`` puts the step still owed (a code to enter, or an authenticator
    to set up) into the session at log-in; every other page redirects there, GET or POST,
    until it is done. Log-out and the language switch stay open.
    """

    OPEN = {
        two_factor.VERIFY: {"accounts:two_factor_verify", "accounts:logout", "set_language"},
        two_factor.ENROL: {"accounts:two_factor", "accounts:logout", "set_language"},
    }
    STEP_PAGE = {two_factor.VERIFY: "accounts:two_factor_verify", two_factor.ENROL: "accounts:two_factor"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only a session cookie can hold a step: anonymous visitors cost no session query.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        step = two_factor.pending_step(request)
        if step not in self.OPEN or not request.user.is_authenticated:
            return None
        if request.resolver_match.view_name in self.OPEN[step]:
            return None
        target = reverse(self.STEP_PAGE[step])
        if request.method == "GET":
            target += "?" + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return redirect(target)
