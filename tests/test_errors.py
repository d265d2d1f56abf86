"""Error pages: the portal's own frame, both languages, a way back, nothing internal."""

import pytest
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from alliance_portal.errors import bad_request, server_error
from applications.enums import State

from .test_settings import run_django

# What Django's debug pages show and a visitor must never see.
INTERNALS = ("URLconf", "urlpatterns", "Traceback", "Request Method", "Django Version")


def assert_portal_error_page(response, status, title):
    page = response.content.decode()
    assert response.status_code == status
    assert 'class="portal-header"' in page, "the site frame"
    assert f'<h1 id="error-title" class="h3 mb-3">{title}</h1>' in page
    assert 'href="/"' in page, "a way back home"
    for word in INTERNALS:
        assert word not in page
    return page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title", "home"),
    [("zh-hans", "页面不存在", "返回首页"), ("en", "Page not found", "Back to the home page")],
)
def test_unknown_address_answers_the_portals_404_in_both_languages(client, language, title, home):
    client.cookies["django_language"] = language
    page = assert_portal_error_page(client.get("/no-such-page/"), 404, title)
    assert home in page


@pytest.mark.django_db
def test_404_lists_no_url_patterns_even_with_debug_on(client, settings):
    settings.DEBUG = True
    page = assert_portal_error_page(client.get("/apply/no-such-page/"), 404, "页面不存在")
    assert "applications:dashboard" not in page and "admin/" not in page


def test_another_applicants_file_is_the_same_404_page(world, client):
    application = world.application(State.DRAFT)
    client.force_login(world.other_applicant)
    page = assert_portal_error_page(
        client.get(reverse("applications:detail", args=[application.pk])), 404, "页面不存在"
    )
    assert "我的工作台" in page, "a signed-in visitor is offered the way to their dashboard"
    assert "Application" not in page, "Http404's own message is never shown"


@pytest.mark.parametrize(
    ("language", "title", "reason"),
    [
        ("zh-hans", "无权进行此项操作", "您的角色不能对该申报执行“审核通过，报市科技局”。"),
        ("en", "Not allowed", "Your role"),
    ],
)
def test_refused_action_answers_403_in_the_frame_with_the_reason(world, client, language, title, reason):
    application = world.application(State.SUBMITTED)
    client.force_login(world.applicant)
    client.cookies["django_language"] = language
    response = client.post(reverse("applications:act", args=[application.pk, "forward"]))
    page = assert_portal_error_page(response, 403, title)
    assert f'<p class="text-secondary">{reason}' in page, "the refusal says why"
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


@pytest.mark.django_db
def test_refused_csrf_token_says_to_reload_and_submit_again():
    client = Client(enforce_csrf_checks=True)
    page = assert_portal_error_page(client.post(reverse("accounts:login")), 403, "提交未被接受")
    assert "刷新后重新提交" in page


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize(("language", "title"), [("zh-hans", "系统暂时出错"), ("en", "Something went wrong")])
def test_a_failing_view_answers_the_portals_500(language, title):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language
    page = assert_portal_error_page(client.get("/broken/"), 500, title)
    assert "a bug in a view" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("handler", "status", "title"), [(server_error, 500, "系统暂时出错"), (bad_request, 400, "请求有误")]
)
def test_500_and_400_pages_render_even_when_the_database_is_down(handler, status, title):
    def unreachable(*args, **kwargs):
        raise DatabaseError("the database is down")

    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(unreachable)
    # Every query fails: the session's user, the unread count, the footer's edition.
    with translation.override("zh-hans"), connection.execute_wrapper(unreachable):
        response = handler(request)
    assert response.status_code == status
    page = response.content.decode()
    assert title in page and 'class="portal-header"' in page
    assert "the database is down" not in page


@pytest.mark.django_db
def test_bad_request_answers_the_portals_400(client):
    # A host outside ALLOWED_HOSTS is refused with 400 by Django itself.
    assert_portal_error_page(client.get("/", HTTP_HOST="evil.example"), 400, "请求有误")


def test_debug_is_off_unless_asked_for():
    assert run_django("from django.conf import settings; print(settings.DEBUG)").stdout.strip() == "False"
    asked = run_django("from django.conf import settings; print(settings.DEBUG)", DJANGO_DEBUG="1")
    assert asked.stdout.strip() == "True"


def test_route_numbers_are_ascii_digits_only(shared_world, client):
    """``/apply/٢/…`` is no address of file 2 (a ``\\d`` route would take any Unicode digit)."""
    application = shared_world.submitted
    client.force_login(shared_world.applicant)
    ascii_url = reverse("applications:submission_pdf", args=[application.pk, 1, "form"])
    assert client.get(ascii_url).status_code == 200
    arabic_indic = str(application.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert_portal_error_page(client.get(f"/apply/{arabic_indic}/rounds/١/form.pdf"), 404, "页面不存在")
    assert_portal_error_page(
        client.get(f"/review/applications/{arabic_indic}/rounds/1/dossier.pdf"), 404, "页面不存在"
    )


def test_a_body_in_utf16_answers_400_on_every_post_view_never_500(shared_world):
    """Django refuses to decode a form that is not UTF-8; each view the public may post to
    answers with the portal's 400 page, and no view of the site answers 500."""
    from .test_permissions import MATRIX, url_names

    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(reverse("accounts:login"))  # the CSRF cookie, as a browser would have it
    token = client.cookies["csrftoken"].value
    body = f"csrfmiddlewaretoken={token}&username=staff&password=x&email=a@example.com".encode("utf-16")
    anonymous_posts, answers = [], {}
    for name in url_names():
        _method, kwargs, expected = MATRIX[name]
        url = reverse(name, kwargs=kwargs(shared_world.submitted) if kwargs else None)
        response = client.generic(
            "POST", url, body, content_type="application/x-www-form-urlencoded; charset=utf-16"
        )
        answers[name] = response.status_code
        # What a visitor may reach without signing in reads the body; the rest sends to log-in.
        if expected["anonymous"] in (200, 400) or name in ("set_language", "accounts:logout"):
            anonymous_posts.append(name)
            assert_portal_error_page(response, 400, "请求有误")
    assert {"accounts:login", "accounts:register", "accounts:password_reset"} <= set(anonymous_posts)
    assert 500 not in answers.values(), answers
