"""The portal's own error pages (400, 403, 404, 500 and a refused CSRF token).

Each answers in the site frame, in the visitor's language, with a way back; none says more
than the visitor may know. A denied object answers 404 elsewhere in the portal, so that its
existence does not leak; the 404 page says so in the same words for both cases.
"""

import logging

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from .context_processors import frame_constants

logger = logging.getLogger(__name__)


def _texts(kind):
    return {
        "csrf": (
            _("提交未被接受"),
            _("页面已过期或登录状态已变化，这次提交没有被接受。请返回上一页，刷新后重新提交。"),
        ),
        400: (_("请求有误"), _("请求无法处理：地址或提交的内容不完整或格式不对。请返回上一页检查后重试。")),
        403: (
            _("无权进行此项操作"),
            _("您的账号没有办理这一事项的权限。请确认已用正确的账号登录；如有疑问，请联系市科技局。"),
        ),
        404: (
            _("页面不存在"),
            _("您要找的页面不存在，或您无权查看。请检查地址是否正确，或从首页、我的工作台进入。"),
        ),
        500: (
            _("系统暂时出错"),
            _("处理您的请求时出错，错误已记录。您此前保存的内容不会丢失，请稍后再试。"),
        ),
    }[kind]


def error_page(request, status, detail="", template=None, kind=None):
    title, text = _texts(kind or status)
    context = {"status_code": status, "error_title": title, "error_text": text, "detail": detail}
    response = render(request, template or f"{status}.html", context, status=status)
    response.portal_error_page = True
    return response


def bad_request(request, exception=None):
    # A body Django cannot decode (UTF-16, say) is one cause: the page must not read it again.
    return _framed_or_bare(request, 400)


def permission_denied(request, exception=None):
    # Our own refusals (NotPermitted, role checks) carry a message written for the user.
    detail = str(exception) if exception is not None and exception.args else ""
    return error_page(request, 403, detail)


def page_not_found(request, exception=None):
    # Http404's own message names models and lookups: never shown.
    return error_page(request, 404)


def csrf_failure(request, reason=""):
    return error_page(request, 403, template="403_csrf.html", kind="csrf")


def server_error(request):
    return _framed_or_bare(request, 500)


def _framed_or_bare(request, status):
    """The page in the frame; if the frame itself fails (the database is down, the request
    cannot be read), the same page without the request, which cannot fail the same way."""
    try:
        return error_page(request, status)
    except Exception:
        logger.exception("The %s page could not be rendered with the request; rendering it without.", status)
    title, text = _texts(status)
    html = loader.get_template(f"{status}.html").render(
        {"status_code": status, "error_title": title, "error_text": text, **frame_constants()}
    )
    return HttpResponse(html, status=status)


class DebugNotFoundMiddleware:
    """With DEBUG on (``make run``), a 404 still shows the portal's page.

    Django's debug 404 lists every URL pattern of the site; nothing a visitor can reach
    should. Tracebacks of real errors (500) stay, which is what DEBUG is asked for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        ours = getattr(response, "portal_error_page", False)
        if settings.DEBUG and response.status_code == 404 and not ours:
            response.close()
            return page_not_found(request)
        return response
