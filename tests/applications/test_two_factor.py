"""Issue 8: two-factor log-in with TOTP (django-otp) for staff, organising units and administrators."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from applications.enums import Role
from applications.models import OrganisingUnit, TwoFactorPolicy

from ..factories import UserFactory
from .test_login_throttle import log_in, signed_in

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
# Codes are accepted once per 30-second step: each use below moves the clock on a step.
STEP = datetime.timedelta(seconds=30)


def code(device):
    device.refresh_from_db()
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)


def wrong(device):
    right = code(device)
    return f"{(int(right) + 500000) % 1000000:06d}"


def with_device(user):
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def verify(client, token, next_url=""):
    return client.post(reverse("accounts:two_factor_verify"), {"otp_token": token, "next": next_url})


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_staff_turns_on_two_factor_with_a_qr_code_and_a_confirming_code(client, clock):
    staff = UserFactory(username="staff", role=Role.STAFF)
    log_in(client, "staff")
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "未启用" in page
    client.post(reverse("accounts:two_factor"), {"action": "start"})
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed  # not counted until confirmed

    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    assert (
        "two-factor-secret" in page and "<script" not in page.split("</main>")[0].split('<main id="main"')[1]
    )

    refused = client.post(reverse("accounts:two_factor"), {"action": "confirm", "otp_token": wrong(device)})
    assert "验证码不正确" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    clock.shift(STEP)
    client.post(reverse("accounts:two_factor"), {"action": "confirm", "otp_token": code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert "已启用" in client.get(reverse("accounts:two_factor")).content.decode()


@pytest.mark.django_db
def test_log_in_with_a_device_asks_for_a_code_before_anything_else(client, clock):
    staff = UserFactory(username="staff", role=Role.STAFF)
    device = with_device(staff)
    landed = log_in(client, "staff")
    assert landed.status_code == 302
    step = client.get(landed["Location"])
    assert step["Location"] == f"{reverse('accounts:two_factor_verify')}?next=%2Fdashboard%2F"

    # Half signed in: every other page sends back to the code, GET or POST, admin included.
    for url in ["/review/", "/dashboard/", "/accounts/messages/", "/accounts/password-change/", "/admin/"]:
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith(reverse("accounts:two_factor_verify")), url
    assert client.post(reverse("accounts:notifications_read_all"))["Location"] == reverse(
        "accounts:two_factor_verify"
    )
    page = client.get(reverse("accounts:two_factor_verify")).content.decode()
    assert "请输入手机身份验证器应用上显示的验证码" in page
    assert reverse("accounts:notifications") not in page  # no account menu yet

    refused = verify(client, wrong(device), "/review/")
    assert "验证码不正确" in refused.content.decode()
    assert client.get("/review/").status_code == 302
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 1

    clock.shift(STEP)
    passed = verify(client, code(device), "/review/")
    assert passed["Location"] == "/review/"
    assert client.get("/review/").status_code == 200
    # A code is good once.
    client.logout()
    log_in(client, "staff")
    assert "验证码不正确" in verify(client, code(device)).content.decode()


@pytest.mark.django_db
def test_wrong_codes_count_as_failed_log_ins_and_lock_the_account(client, clock, settings):
    staff = UserFactory(username="staff", role=Role.STAFF)
    device = with_device(staff)
    log_in(client, "staff")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        clock.shift(datetime.timedelta(minutes=1))  # past django-otp's own 1, 2, 4 … second waits
        assert verify(client, wrong(device)).status_code == 200
    clock.shift(datetime.timedelta(minutes=1))
    locked = verify(client, wrong(device))
    assert locked.status_code == 429
    assert "账号“staff”登录失败次数过多" in locked.content.decode()
    assert not signed_in(client)  # the half-done log-in is over

    # Neither the password nor a right code gets in until the lock ends.
    clock.shift(STEP)
    assert log_in(client, "staff").status_code == 429
    clock.shift(datetime.timedelta(minutes=31))
    log_in(client, "staff")
    assert verify(client, code(device))["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_codes_typed_too_fast_wait_as_django_otp_says(client, clock):
    staff = UserFactory(username="staff", role=Role.STAFF)
    device = with_device(staff)
    log_in(client, "staff")
    verify(client, wrong(device))
    verify(client, wrong(device))
    too_soon = verify(client, code(device))
    assert "秒后再试" in too_soon.content.decode()
    # Not even the right code is checked while it must wait: still half signed in.
    assert client.get("/review/")["Location"].startswith(reverse("accounts:two_factor_verify"))


@pytest.mark.django_db
def test_a_role_that_requires_two_factor_enrols_right_after_the_password(client, clock):
    TwoFactorPolicy.objects.update_or_create(pk=1, defaults={"staff_required": True})
    staff = UserFactory(username="staff", role=Role.STAFF)
    log_in(client, "staff")
    answer = client.get("/review/")
    assert answer["Location"] == f"{reverse('accounts:two_factor')}?next=%2Freview%2F"
    page = client.get(answer["Location"]).content.decode()
    assert "系统管理员要求您的账号使用两步验证" in page
    assert client.get(reverse("accounts:two_factor_verify"))["Location"].startswith(
        reverse("accounts:two_factor")
    )

    client.post(f"{reverse('accounts:two_factor')}?next=%2Freview%2F", {"action": "start"})
    device = TOTPDevice.objects.get(user=staff)
    assert client.get("/review/").status_code == 302  # scanned, not confirmed: still nothing else
    clock.shift(STEP)
    enrolled = client.post(
        reverse("accounts:two_factor"), {"action": "confirm", "otp_token": code(device), "next": "/review/"}
    )
    assert enrolled["Location"] == "/review/"
    assert client.get("/review/").status_code == 200

    # Required: it cannot be turned off, not even with a right code.
    clock.shift(STEP)
    kept = client.post(reverse("accounts:two_factor"), {"action": "disable", "otp_token": code(device)})
    assert "不能关闭" in kept.content.decode()
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "switch", "page"),
    [
        (Role.STAFF, "staff_required", "review:dashboard"),
        (Role.UNIT_REVIEWER, "unit_reviewer_required", "review:dashboard"),
    ],
)
def test_a_requirement_reaches_sessions_already_open(role, switch, page, clock):
    """Ticked while the user is signed in: the next page, GET or POST, is the enrolment."""
    user = UserFactory(
        username="someone",
        role=role,
        **({"organising_unit": OrganisingUnit.objects.first()} if role == Role.UNIT_REVIEWER else {}),
    )
    client = Client()
    log_in(client, "someone")
    assert client.get(reverse(page)).status_code == 200

    TwoFactorPolicy.objects.update_or_create(pk=1, defaults={switch: True})
    sent = client.get(reverse(page))
    assert sent["Location"] == f"{reverse('accounts:two_factor')}?next={reverse(page).replace('/', '%2F')}"
    assert client.post(reverse("accounts:notifications_read_all"))["Location"] == reverse(
        "accounts:two_factor"
    )
    assert "系统管理员要求您的账号使用两步验证" in client.get(sent["Location"]).content.decode()

    client.post(reverse("accounts:two_factor"), {"action": "start"})
    clock.shift(STEP)
    device = TOTPDevice.objects.get(user=user)
    client.post(reverse("accounts:two_factor"), {"action": "confirm", "otp_token": code(device)})
    assert client.get(reverse(page)).status_code == 200


@pytest.mark.django_db
def test_an_authenticator_confirmed_elsewhere_ends_the_other_sessions(clock):
    UserFactory(username="staff", role=Role.STAFF)
    here, elsewhere = Client(), Client()
    log_in(here, "staff")
    log_in(elsewhere, "staff")
    assert elsewhere.get(reverse("review:dashboard")).status_code == 200

    here.post(reverse("accounts:two_factor"), {"action": "start"})
    device = TOTPDevice.objects.get(confirmed=False)
    clock.shift(STEP)
    here.post(reverse("accounts:two_factor"), {"action": "confirm", "otp_token": code(device)})
    assert here.get(reverse("review:dashboard")).status_code == 200  # this one is verified

    ended = elsewhere.get(reverse("review:dashboard"), follow=True)
    assert ended.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert not signed_in(elsewhere)
    assert "您的账号已启用两步验证，此前的登录已结束" in ended.content.decode()

    # Signing in again asks for the code, and then the session is whole.
    log_in(elsewhere, "staff")
    assert elsewhere.get(reverse("review:dashboard"))["Location"].startswith(
        reverse("accounts:two_factor_verify")
    )
    clock.shift(STEP)
    verify(elsewhere, code(device))
    assert elsewhere.get(reverse("review:dashboard")).status_code == 200


@pytest.mark.django_db
def test_an_authenticator_added_in_the_admin_ends_the_open_sessions(clock):
    """A device the session was never asked for: whichever way it came, that session ends."""
    staff = UserFactory(username="staff", role=Role.STAFF)
    client = Client()
    log_in(client, "staff")
    with_device(staff)
    assert client.get(reverse("review:dashboard"))["Location"].startswith(reverse("accounts:login"))
    assert not signed_in(client)


@pytest.mark.django_db
def test_a_verified_session_stays_verified_until_its_authenticator_is_removed(client, clock):
    staff = UserFactory(username="staff", role=Role.STAFF)
    device = with_device(staff)
    log_in(client, "staff")
    clock.shift(STEP)
    verify(client, code(device))
    TwoFactorPolicy.objects.update_or_create(pk=1, defaults={"staff_required": True})
    assert client.get(reverse("review:dashboard")).status_code == 200
    # The administrator removes the (lost) authenticator: the session owes an enrolment.
    device.delete()
    assert client.get(reverse("review:dashboard"))["Location"].startswith(reverse("accounts:two_factor"))


@pytest.mark.django_db
def test_roles_not_required_log_in_with_the_password_alone(client):
    TwoFactorPolicy.objects.update_or_create(pk=1, defaults={"staff_required": True})
    UserFactory(username="expert", role=Role.EXPERT)
    log_in(client, "expert")
    assert client.get("/review/").status_code == 200


@pytest.mark.django_db
def test_two_factor_is_turned_off_with_a_code(client, clock):
    staff = UserFactory(username="staff", role=Role.STAFF)
    device = with_device(staff)
    log_in(client, "staff")
    verify(client, code(device))
    clock.shift(STEP)
    refused = client.post(reverse("accounts:two_factor"), {"action": "disable", "otp_token": wrong(device)})
    assert "验证码不正确" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()
    clock.shift(datetime.timedelta(minutes=1))
    client.post(reverse("accounts:two_factor"), {"action": "disable", "otp_token": code(device)})
    assert not TOTPDevice.objects.filter(user=staff).exists()
    client.logout()
    log_in(client, "staff")
    assert client.get("/review/").status_code == 200


@pytest.mark.django_db
def test_the_admin_site_asks_an_administrator_for_the_code_when_required(clock):
    administrator = UserFactory(username="admin", role=Role.ADMIN)
    client = Client()
    log_in(client, "admin")
    assert client.get(reverse("admin:index")).status_code == 200

    # Required while the administrator is signed in: the admin asks for enrolment at once.
    TwoFactorPolicy.objects.update_or_create(pk=1, defaults={"admin_required": True})
    to_enrol = client.get(reverse("admin:index"))
    assert to_enrol["Location"] == f"{reverse('accounts:two_factor')}?next=%2Fadmin%2F"
    client.post(reverse("accounts:two_factor"), {"action": "start"})
    device = TOTPDevice.objects.get(user=administrator)
    clock.shift(STEP)
    client.post(reverse("accounts:two_factor"), {"action": "confirm", "otp_token": code(device)})
    assert client.get(reverse("admin:index")).status_code == 200

    # The next log-in asks for the code before the admin opens.
    client.logout()
    log_in(client, "admin")
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    clock.shift(STEP)
    verify(client, code(device))
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_the_administrator_sets_the_requirement_and_removes_a_lost_device_in_the_admin(clock):
    administrator = UserFactory(username="admin", role=Role.ADMIN)
    staff = UserFactory(username="staff", role=Role.STAFF)
    with_device(staff)
    it = Client()
    it.force_login(administrator)
    policy = TwoFactorPolicy.current()
    it.post(
        reverse("admin:applications_twofactorpolicy_change", args=[policy.pk]),
        {"staff_required": "on", "unit_reviewer_required": "on"},
    )
    policy.refresh_from_db()
    assert policy.staff_required and policy.unit_reviewer_required and not policy.admin_required

    device = TOTPDevice.objects.get(user=staff)
    it.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert not TOTPDevice.objects.exists()
    # The staff member sets up a new phone right after the password.
    client = Client()
    log_in(client, "staff")
    assert client.get("/review/")["Location"].startswith(reverse("accounts:two_factor"))


@pytest.mark.django_db
def test_the_admin_never_shows_a_users_secret(client):
    administrator = UserFactory(username="admin", role=Role.ADMIN)
    device = with_device(UserFactory(username="staff", role=Role.STAFF))
    client.force_login(administrator)
    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert str(device.user) in page
    assert device.key not in page
    assert "otpauth://" not in page
