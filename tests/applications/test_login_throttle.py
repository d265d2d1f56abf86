"""Issue 8: failed log-ins lock the account and the address (django-axes), account mails are
limited per address and per client (django-ratelimit), and a new password ends other sessions."""

import datetime
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from alliance_portal.cache import AtomicDatabaseCache
from applications.enums import Role
from applications.models import Organisation, User
from applications.throttles import client_ip

from ..factories import PASSWORD, CommittingClient, UserFactory, log_in, signed_in

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def client():
    """The mails a request queues go out when it ends, as in production (CommittingClient)."""
    return CommittingClient()


# Failed log-ins -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sixth_log_in_is_refused_even_with_the_right_password_until_the_lock_ends(client, settings):
    UserFactory(username="staff", role=Role.STAFF)
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert "请输入一个正确的" in log_in(client, "staff", "guess").content.decode()
        # The fifth failure locks the account: the answer is already the lock page.
        assert log_in(client, "staff", "guess").status_code == 429

        refused = log_in(client, "staff")
        page = refused.content.decode()
        assert refused.status_code == 429
        assert not signed_in(client)
        assert "账号“staff”登录失败次数过多，已被暂时锁定" in page
        # Until when (30 minutes after the last failure, Beijing time) and whom to call.
        assert "锁定将于 2026-06-01 09:30 自动解除" in page
        assert settings.PORTAL_CONTACT_PHONE in page
        assert '<header class="portal-header">' in page  # in the portal's frame

        traveller.shift(datetime.timedelta(minutes=29))
        assert log_in(client, "staff").status_code == 429
        # Trying during the lock restarts it: 30 minutes from 09:29.
        assert "锁定将于 2026-06-01 09:59" in log_in(client, "staff").content.decode()

        traveller.shift(datetime.timedelta(minutes=31))
        landed = log_in(client, "staff")
        assert landed.status_code == 302
        assert signed_in(client)


@pytest.mark.django_db
def test_the_administrator_lifts_a_lock_in_the_admin(client, settings):
    UserFactory(username="staff", role=Role.STAFF)
    administrator = UserFactory(username="admin", role=Role.ADMIN)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "staff", "guess")
    assert log_in(client, "staff").status_code == 429

    it = Client()
    it.force_login(administrator)
    listing = it.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "staff" in listing
    attempt = AccessAttempt.objects.get(username="staff")
    it.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()

    assert log_in(client, "staff").status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_the_administrator_lifts_a_lock_with_manage_py(client, settings):
    UserFactory(username="staff", role=Role.STAFF)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "staff", "guess")
    assert log_in(client, "staff").status_code == 429
    call_command("axes_reset_username", "staff", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert log_in(client, "staff").status_code == 302


@pytest.mark.django_db
def test_one_address_guessing_under_many_user_names_is_locked(client, settings):
    UserFactory(username="staff", role=Role.STAFF)
    # Under the account limit for every name, and over the address's limit in all.
    for number in range(settings.PORTAL_LOGIN_FAILURES_PER_ADDRESS):
        log_in(client, f"name{number % 4}", "guess", address="203.0.113.7")
    refused = log_in(client, "staff", address="203.0.113.7")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "您所在的网络地址 203.0.113.7 登录失败次数过多" in page
    assert "账号“staff”" not in page  # the account itself has no failure
    assert not signed_in(client)

    # The same account from another address is not locked.
    assert log_in(Client(), "staff", address="198.51.100.2").status_code == 302


@pytest.mark.django_db
def test_a_lock_page_says_the_same_for_an_account_that_does_not_exist(client, settings):
    UserFactory(username="staff", role=Role.STAFF)
    pages = {}
    for name, address in (("staff", "192.0.2.1"), ("nobody", "192.0.2.2")):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = log_in(client, name, "guess", address=address)
        pages[name] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    assert response.status_code == 429
    assert pages["staff"].replace("staff", "NAME") == pages["nobody"].replace("nobody", "NAME")


@pytest.mark.django_db
def test_every_spelling_of_an_account_counts_towards_its_lock(client, settings):
    """The backend lets "staff" in under its address in any case: each spelling, from a new
    address every time, counts for the one account (issue 8 review)."""
    UserFactory(username="staff", email="staff@example.cn", role=Role.STAFF)
    spellings = ["staff@example.cn", "Staff@example.cn", "sTaff@EXAMPLE.cn", " stAff@example.cn ", "staff"]
    assert len(spellings) == settings.AXES_FAILURE_LIMIT
    for number, spelling in enumerate(spellings):
        log_in(client, spelling, "guess", address=f"10.0.{number}.1")

    refused = log_in(client, "STAFF@example.cn", address="10.9.9.9")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert not signed_in(client)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"staff"}
    # The lock page names what was typed: an address typed there never shows its user name.
    assert "账号“STAFF@example.cn”登录失败次数过多" in page
    assert "“staff”" not in page


@pytest.mark.django_db
def test_guesses_at_an_unknown_name_count_together_whatever_the_case(client, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(
            client, ["Nobody", "NOBODY", "nobody", " noBody"][number % 4], "guess", address=f"10.1.{number}.1"
        )
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"nobody"}
    assert log_in(client, "nobody", address="10.9.9.9").status_code == 429


@pytest.mark.django_db
def test_a_lockout_parameter_without_a_limit_is_refused(client, settings):
    settings.AXES_LOCKOUT_PARAMETERS = ["username", ["username", "user_agent"]]
    with pytest.raises(ImproperlyConfigured, match="no limit"):
        log_in(client, "staff", "guess")


def test_the_client_address_is_remote_addr_unless_behind_the_proxy(settings):
    factory = RequestFactory()
    forwarded = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.BEHIND_PROXY = False
    assert client_ip(forwarded) == "10.0.0.2"  # a client's own header is not believed
    settings.BEHIND_PROXY = True
    # The proxy appended the address it saw; whatever the client wrote before it is ignored.
    assert client_ip(forwarded) == "203.0.113.9"
    settings.PORTAL_TRUSTED_PROXY_COUNT = 2
    assert client_ip(forwarded) == "6.6.6.6"
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk")) == "10.0.0.2"


@pytest.mark.django_db
def test_behind_the_proxy_failures_are_counted_for_the_client_not_the_proxy(client, settings):
    settings.BEHIND_PROXY = True
    UserFactory(username="staff", role=Role.STAFF)
    for number in range(settings.PORTAL_LOGIN_FAILURES_PER_ADDRESS):
        log_in(client, f"name{number}", "guess", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Everyone else comes through the same proxy and is not locked with the guesser.
    assert (
        log_in(Client(), "staff", address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    )


# Account mails ------------------------------------------------------------------------------


def without_tokens(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.django_db
def test_the_fourth_reset_mail_for_one_address_is_not_sent_and_the_page_says_nothing(client, settings):
    assert settings.PORTAL_MAIL_RATE_PER_ADDRESS == "3/h"
    UserFactory(username="staff", role=Role.STAFF, email="staff@example.com")
    url = reverse("accounts:password_reset")
    answers = [
        client.post(url, {"email": "Staff@Example.com "}, REMOTE_ADDR=f"192.0.2.{n}") for n in range(4)
    ]
    assert len(mail.outbox) == 3
    # The fourth answers as the first three did, and as an unknown address does.
    unknown = client.post(url, {"email": "nobody@example.com"}, REMOTE_ADDR="192.0.2.9")
    assert {(a.status_code, a["Location"]) for a in [*answers, unknown]} == {
        (302, reverse("accounts:password_reset_done"))
    }
    # Another address is counted apart.
    client.post(url, {"email": "other@example.com"})
    UserFactory(username="other", email="other@example.com")
    client.post(url, {"email": "other@example.com"})
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_too_many_mail_requests_from_one_client_are_refused_with_when_to_retry(client, settings):
    UserFactory(username="staff", role=Role.STAFF, email="staff@example.com")
    url = reverse("accounts:password_reset")
    with time_machine.travel(START, tick=False):
        for number in range(10):
            assert client.post(url, {"email": f"someone{number}@example.com"}).status_code == 302
        refused = client.post(url, {"email": "staff@example.com"})
    page = refused.content.decode()
    assert refused.status_code == 429
    assert "邮件请求过多" in page and "分钟后再试" in page
    assert mail.outbox == []
    # Another client is not refused.
    assert client.post(url, {"email": "staff@example.com"}, REMOTE_ADDR="198.51.100.2").status_code == 302
    assert len(mail.outbox) == 1


def register(client, email="qian@example.com"):
    from .test_accounts import registration

    return client.post(reverse("accounts:register"), registration(email=email))


@pytest.mark.django_db
def test_resending_the_confirmation_mail_is_limited_and_answers_the_same_for_any_address(client):
    register(client)
    assert len(mail.outbox) == 1
    url = reverse("accounts:resend_confirmation")
    first = client.post(url, {"email": "QIAN@example.com"}, REMOTE_ADDR="192.0.2.1")
    client.post(url, {"email": "qian@example.com"}, REMOTE_ADDR="192.0.2.2")
    assert len(mail.outbox) == 3
    assert mail.outbox[2].to == ["qian@example.com"]
    assert "/accounts/confirm/" in mail.outbox[2].body
    # The fourth mail to the address (registration counted) is not sent …
    over = client.post(url, {"email": "qian@example.com"}, REMOTE_ADDR="192.0.2.3")
    assert len(mail.outbox) == 3
    # … and the page is the one an unknown or a confirmed address gets.
    unknown = client.post(url, {"email": "nobody@example.com"}, REMOTE_ADDR="192.0.2.4")
    UserFactory(username="confirmed", email="done@example.com", role=Role.APPLICANT, organisation=None)
    confirmed = client.post(url, {"email": "done@example.com"}, REMOTE_ADDR="192.0.2.5")
    assert len(mail.outbox) == 3
    pages = {
        without_tokens(response).replace(address, "ADDRESS")
        for response, address in (
            (first, "QIAN@example.com"),
            (over, "qian@example.com"),
            (unknown, "nobody@example.com"),
            (confirmed, "done@example.com"),
        )
    }
    assert len(pages) == 1
    assert "我们已向它发送新的确认链接" in pages.pop()


@pytest.mark.django_db
def test_resend_is_linked_from_the_register_done_page_and_the_log_in_page(client):
    link = f'href="{reverse("accounts:resend_confirmation")}"'
    assert link in register(client).content.decode()
    assert link in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_sign_ups_past_the_clients_limit_are_refused_before_anything_is_made(client, settings):
    settings.PORTAL_SIGNUP_RATE = "3/h"
    for number in range(3):
        assert register(client, f"person{number}@example.com").status_code == 200
    users, organisations, mails = User.objects.count(), Organisation.objects.count(), len(mail.outbox)

    refused = register(client, "one-more@example.com")
    page = refused.content.decode()
    assert refused.status_code == 429
    assert re.search(
        r"从您所在的网络地址提交的注册过多，本次注册未处理，未保存任何信息。请 \d+ 分钟后再试。", page
    )
    assert (User.objects.count(), Organisation.objects.count(), len(mail.outbox)) == (
        users,
        organisations,
        mails,
    )
    # An invalid form counts too (it is refused before it is read); GET still shows the form.
    assert client.post(reverse("accounts:register"), {}).status_code == 429
    assert client.get(reverse("accounts:register")).status_code == 200
    # Another client is not refused.
    assert register(Client(REMOTE_ADDR="198.51.100.9"), "other@example.com").status_code == 200
    assert User.objects.filter(email="other@example.com").exists()


@pytest.mark.django_db
def test_the_mail_counts_live_in_the_database_cache_and_keep_their_expiry():
    """Shared by every worker (a table of the portal's database), and django-ratelimit's
    incr() must neither lose a count nor give the row a fresh, shorter timeout."""
    cache = caches["default"]
    assert isinstance(cache, AtomicDatabaseCache)
    assert cache.add("count", 1, 3600)
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM portal_cache")
        (expires,) = cursor.fetchone()
    assert [cache.incr("count") for _ in range(3)] == [2, 3, 4]
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM portal_cache")
        assert cursor.fetchone() == (expires,)
    with pytest.raises(ValueError):
        cache.incr("missing")


# New passwords end other sessions ------------------------------------------------------------


@pytest.mark.django_db
def test_a_password_change_ends_the_other_sessions_and_keeps_this_one():
    UserFactory(username="staff", role=Role.STAFF)
    here, elsewhere = Client(), Client()
    log_in(here, "staff")
    log_in(elsewhere, "staff")
    assert elsewhere.get(reverse("review:dashboard")).status_code == 200

    changed = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Xinmima#2026-ok", "new_password2": "Xinmima#2026-ok"},
    )
    assert changed["Location"] == reverse("accounts:password_change_done")
    assert here.get(reverse("review:dashboard")).status_code == 200
    ended = elsewhere.get(reverse("review:dashboard"))
    assert ended.status_code == 302
    assert ended["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_password_reset_ends_every_session():
    UserFactory(username="staff", role=Role.STAFF, email="staff@example.com")
    signed_in_elsewhere = Client()
    log_in(signed_in_elsewhere, "staff")
    resetter = CommittingClient()
    resetter.post(reverse("accounts:password_reset"), {"email": "staff@example.com"})
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    set_url = resetter.get(link, follow=True).redirect_chain[-1][0]
    resetter.post(set_url, {"new_password1": "Xinmima#2026-ok", "new_password2": "Xinmima#2026-ok"})

    assert signed_in_elsewhere.get(reverse("review:dashboard"))["Location"].startswith(
        reverse("accounts:login")
    )
    assert not signed_in(resetter)  # a reset logs nobody in: the new password (and code) does
    assert log_in(resetter, "staff", "Xinmima#2026-ok").status_code == 302
