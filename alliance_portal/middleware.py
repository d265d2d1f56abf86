from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

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

    On every request of a signed-in user of the roles concerned, ``two_factor.step_owed`` says
    whether the session still owes a code (the user has an authenticator) or an enrolment (the
    administrator requires one): every other page redirects there, GET or POST, until it is
    done, also for a session opened before the requirement or the authenticator. A session
    whose log-in was never asked for the code of an authenticator confirmed since then ends,
    as after a new password. Log-out and the language switch stay open.
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
        # Only a session cookie can sign a user in: anonymous visitors cost no session query.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated:
            return None
        step = two_factor.step_owed(request)
        if step is None:
            if two_factor.pending_step(request) is not None:
                request.session.pop(two_factor.SESSION_KEY, None)
            return None
        if two_factor.began_before_the_authenticator(request, step):
            logout(request)
            messages.info(
                request,
                _("您的账号已启用两步验证，此前的登录已结束。请重新登录，并输入身份验证器上的验证码。"),
            )
            return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")
        if two_factor.pending_step(request) != step:
            request.session[two_factor.SESSION_KEY] = step
        if request.resolver_match.view_name in self.OPEN[step]:
            return None
        target = reverse(self.STEP_PAGE[step])
        if request.method == "GET":
            target += "?" + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return redirect(target)
