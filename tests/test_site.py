import datetime

import pytest
import time_machine
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.enums import Action, State
from applications.workflow import TRANSITIONS

# A day after the 2021 edition lapsed (2026-05-27), in Shuozhou's time.
AFTER_THE_2021_EDITION = time_machine.travel(
    datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
)


@pytest.mark.django_db
def test_healthz_answers_ok_after_a_database_round_trip(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def unreachable(self, sql, params=None):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert b"database unavailable" in response.content


@AFTER_THE_2021_EDITION
@pytest.mark.django_db
def test_home_names_the_bureau_and_the_measure_in_chinese_by_default(client):
    page = client.get("/").content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "朔州市科学技术局" in page
    assert "朔科发〔2021〕5号" in page
    # The 2021 edition lapsed on 2026-05-27 and the test database has no renewal.
    assert "已于 2026-05-27 到期" in page


def test_home_offers_to_apply_while_an_edition_is_in_force(edition, client):
    page = client.get("/").content.decode()
    assert edition.name in page
    assert reverse("applications:dashboard") in page


@pytest.mark.django_db
def test_language_switcher_on_every_page_switches_to_english(client):
    page = client.get("/policy/").content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'value="en"' in page
    response = client.post(reverse("set_language"), {"language": "en", "next": "/policy/"}, follow=True)
    english = response.content.decode()
    assert '<html lang="en">' in english
    assert "Municipal Science and Technology Bureau" in english
    # The measure itself stays in its official Chinese.
    assert "本办法由市科技局负责解释" in english
    assert 'id="art-10"' in english


@AFTER_THE_2021_EDITION
@pytest.mark.django_db
def test_policy_page_shows_the_measure_and_its_numbers(client):
    page = client.get("/policy/").content.decode()
    assert "第四条</a></h2>\n            <p>申报市级联盟应具备以下条件：</p>" in page
    assert "联盟核心成员不能少于6家" in page
    assert "不在有效期内" in page


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    page = response.content.decode()
    assert "<script>" not in page and " style=" not in page and "<style" not in page


def test_signed_in_pages_are_never_cached_and_public_ones_may_be(world, client):
    assert not client.get("/").has_header("Cache-Control")
    client.force_login(world.applicant)
    for url in ("/", reverse("dashboard"), reverse("applications:dashboard"), reverse("policy")):
        cache_control = client.get(url, follow=True)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url


def test_lifecycle_page_is_drawn_from_the_transition_table(world, client):
    client.force_login(world.staff)
    page = client.get(reverse("review:lifecycle")).content.decode()
    for state in State:
        assert f'data-state="{state.value}"' in page
    # One edge per pair of states, but the six withdrawals are one bracket, and the three
    # returns (organising unit, formal check, expert review) another.
    brackets = {Action.WITHDRAW, Action.RETURN}
    pairs = {(row.source, row.target) for row in TRANSITIONS if row.action not in brackets}
    assert page.count('class="edge ') == len(pairs) + len(brackets)
    assert page.count('class="edge bus"') == len(brackets)
    assert "撤回申报（草稿至待党组会研究均可）" in page
    assert "退回修改（待组织单位审核至专家评审中均可）" in page
    for row in TRANSITIONS:
        assert str(row.action.label) in page


@pytest.mark.parametrize("role", ["applicant", "expert", "unit", "staff"])
def test_every_signed_in_role_finds_the_lifecycle_in_its_menu(world, client, role):
    client.force_login(getattr(world, role))
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("review:lifecycle")}">办理流程</a>' in home
    page = client.get(reverse("review:lifecycle"))
    assert page.status_code == 200
    assert 'class="lifecycle-svg"' in page.content.decode()


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_log_in_for_the_lifecycle(client):
    response = client.get(reverse("review:lifecycle"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_review_detail_offers_the_units_actions_and_forwards(world, client):
    application = world.application(State.SUBMITTED)
    confirm_unit_checks(application, world.unit)
    client.force_login(world.unit)
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    assert "审核通过，报市科技局" in page
    assert "组织单位审核意见" in page

    refused = client.post(
        reverse("review:act", args=[application.pk, "forward"]), {"forward-comment": ""}, follow=True
    )
    assert "请填写组织单位审核意见" in refused.content.decode()
    application.refresh_from_db()
    assert application.state == State.SUBMITTED

    done = client.post(
        reverse("review:act", args=[application.pk, "forward"]),
        {"forward-comment": "同意报市科技局"},
        follow=True,
    )
    assert "当前状态：待市科技局形式审查" in done.content.decode()
    application.refresh_from_db()
    assert application.state == State.FORWARDED
    assert application.events.last().comment == "同意报市科技局"
    assert application.events.last().ip_address == "127.0.0.1"


def test_applicant_sees_return_reasons_and_timeline(world, client):
    application = world.application(State.RETURNED)
    client.force_login(world.applicant)
    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "退回理由" in page
    assert "测试意见" in page
    assert "（“待组织单位审核”→“退回修改”）" in page
    assert "修改后重新提交组织单位" in page


def test_stale_click_gets_a_clear_message(world, client):
    application = world.application(State.SUBMITTED)
    confirm_unit_checks(application, world.unit)
    client.force_login(world.unit)
    url = reverse("review:act", args=[application.pk, "forward"])
    client.post(url, {"forward-comment": "同意"})
    again = client.post(url, {"forward-comment": "同意"}, follow=True).content.decode()
    assert "可能已由他人处理" in again
    assert application.events.filter(action="forward").count() == 1


@pytest.mark.parametrize(
    ("user_name", "url_name"),
    [("applicant", "applications:dashboard"), ("staff", "review:dashboard"), ("unit", "review:dashboard")],
)
def test_list_pages_query_count_does_not_grow_with_rows(world, client, user_name, url_name):
    client.force_login(getattr(world, user_name))
    world.application(State.SUBMITTED)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(url_name)).status_code == 200
    for _ in range(5):
        world.application(State.SUBMITTED)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse(url_name)).content.decode()
    assert page.count("产业技术创新战略联盟</a>") == 6
    assert len(many) == len(one)


@pytest.mark.django_db
def test_chinese_is_the_default_whatever_the_browser_asks(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans">' in page
    assert 'value="zh-hans" class="btn btn-sm btn-light" aria-current="true"' in page


def confirm_unit_checks(application, unit):
    """The organising unit's item-by-item confirmations, which forwarding needs (Art. 5)."""
    from review.checks import confirm_every_item

    confirm_every_item(application, None, unit)
