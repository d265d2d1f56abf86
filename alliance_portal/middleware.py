from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers


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
