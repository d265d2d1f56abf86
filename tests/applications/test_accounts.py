import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from applications.backends import EmailOrUsernameBackend
from applications.enums import Role
from applications.models import Organisation, User
from applications.uscc import make_uscc

from ..factories import PASSWORD, CommittingClient, OrganisationFactory, UserFactory, log_in

SHUOCHENG_CODE = make_uscc("91140602", "MA0TW5T1")


@pytest.fixture
def client():
    """The mails a request queues go out when it ends, as in production (CommittingClient)."""
    return CommittingClient()


def registration(**changes):
    data = {
        "uscc": SHUOCHENG_CODE,
        "organisation_name": "朔州市新注册科技有限公司",
        "org_type": "enterprise",
        "registered_address": "山西省朔州市朔城区开发南路 3 号",
        "full_name": "钱文华",
        "phone": "0349-1234567",
        "email": "qian@example.com",
        "password1": "Shuozhou#2026-alliance",
        "password2": "Shuozhou#2026-alliance",
    }
    data.update(changes)
    return data


def link_in(message):
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


@pytest.mark.django_db
def test_applicant_registers_confirms_email_and_lands_on_own_dashboard(client):
    response = client.post(reverse("accounts:register"), registration())
    assert "qian@example.com" in response.content.decode()
    user = User.objects.get(email="qian@example.com")
    assert not user.is_active
    assert user.role == Role.APPLICANT
    assert user.organisation == Organisation.objects.get(uscc=SHUOCHENG_CODE)
    # Not before the address is confirmed. (The log-in page, not client.login(): django-axes
    # counts log-ins and needs the request that authenticate() is given.)
    refused = client.post(
        reverse("accounts:login"), {"username": "qian@example.com", "password": "Shuozhou#2026-alliance"}
    )
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session

    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0])
    # Opening the link (a mail scanner does) changes nothing; the button, with the password
    # chosen at sign-up, does.
    page = client.get(link).content.decode()
    assert "确认并启用账号" in page
    assert 'type="password" name="password" autocomplete="current-password"' in page
    user.refresh_from_db()
    assert not user.is_active and user.confirmation_tries == 0
    confirmed = client.post(link, {"password": "Shuozhou#2026-alliance"}, follow=True)
    assert confirmed.redirect_chain[-1][0] == reverse("accounts:login")
    assert "邮箱已确认" in confirmed.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.email_confirmed_at is not None

    # The account logs in with its address, in whatever case it is typed.
    landed = client.post(
        reverse("accounts:login"),
        {"username": "Qian@Example.com", "password": "Shuozhou#2026-alliance"},
        follow=True,
    )
    assert landed.redirect_chain[-1][0] == reverse("applications:dashboard")
    page = landed.content.decode()
    assert "朔州市新注册科技有限公司" in page
    # Its registration awaits approval: the dashboard says so, naming the unit, and leads to it.
    assert "提交朔城区科技局审核（单位注册审核）" in page
    assert reverse("applications:registration") in page

    # The link works once.
    client.logout()
    again = client.post(link, {"password": "Shuozhou#2026-alliance"})
    assert again.status_code == 400
    assert "无效或已过期" in again.content.decode()


@pytest.mark.django_db
def test_registration_with_a_wrong_uscc_says_which_part_and_keeps_the_input(client):
    wrong = SHUOCHENG_CODE[:17] + ("0" if SHUOCHENG_CODE[17] != "0" else "1")
    response = client.post(reverse("accounts:register"), registration(uscc=wrong))
    page = response.content.decode()
    assert response.status_code == 200
    assert "第 18 位（校验码）不符" in page
    assert 'value="朔州市新注册科技有限公司"' in page
    assert 'value="qian@example.com"' in page
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_registration_accepts_full_width_uscc(client):
    full_width = SHUOCHENG_CODE.translate(
        {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}
    )
    client.post(reverse("accounts:register"), registration(uscc=full_width))
    assert Organisation.objects.get().uscc == SHUOCHENG_CODE


@pytest.mark.django_db
def test_registration_for_an_organisation_already_registered_is_refused(client):
    OrganisationFactory(uscc=SHUOCHENG_CODE)  # approved
    page = client.post(reverse("accounts:register"), registration()).content.decode()
    assert "已在本平台注册并通过审核，不能重复注册" in page
    assert "请与本单位已注册的联系人联系" in page
    assert not User.objects.exists()


@pytest.mark.django_db
def test_registration_applies_the_password_validators(client):
    page = client.post(
        reverse("accounts:register"), registration(password1="123", password2="123")
    ).content.decode()
    assert "密码" in page
    assert not User.objects.exists()


@pytest.mark.django_db
def test_password_reset_by_email(client):
    user = UserFactory(role=Role.STAFF, email="staff@example.com")
    client.post(reverse("accounts:password_reset"), {"email": "staff@example.com"})
    assert len(mail.outbox) == 1
    assert "重设密码" in mail.outbox[0].subject
    form = client.get(link_in(mail.outbox[0]), follow=True)
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Xinmima#2026-ok", "new_password2": "Xinmima#2026-ok"}, follow=True
    )
    assert "密码已重设" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("Xinmima#2026-ok")


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.APPLICANT, "/apply/"),
        (Role.UNIT_REVIEWER, "/review/"),
        (Role.STAFF, "/review/"),
        (Role.EXPERT, "/review/"),
        (Role.ADMIN, "/admin/"),
    ],
)
def test_each_role_lands_on_its_own_dashboard_after_log_in(world, client, role, landing):
    user = {
        Role.APPLICANT: world.applicant,
        Role.UNIT_REVIEWER: world.unit,
        Role.STAFF: world.staff,
        Role.EXPERT: world.expert,
        Role.ADMIN: world.admin,
    }[role]
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200


@pytest.mark.django_db
def test_log_in_with_a_wrong_password_says_so(client):
    UserFactory(username="staff")
    page = client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"}).content.decode()
    assert "请输入一个正确的" in page or "正确的用户名和密码" in page


@pytest.mark.django_db
def test_log_out_returns_to_home(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session


def test_in_portal_messages_show_unread_in_the_menu_until_opened(world, client):
    from applications.enums import State

    application = world.application(State.SUBMITTED)
    client.force_login(world.unit)
    home = client.get("/").content.decode()
    assert '<span class="badge text-bg-warning">1<span class="visually-hidden">' in home

    page = client.get(reverse("accounts:notifications")).content.decode()
    assert application.name in page
    assert "未读" in page
    assert reverse("review:detail", args=[application.pk]) in page
    # Listing is not reading: the badge stays until the message is opened.
    assert "text-bg-warning" in client.get("/").content.decode()
    client.get(reverse("accounts:notification", args=[world.unit.notifications.get().pk]))
    assert not world.unit.notifications.filter(read_at__isnull=True).exists()
    assert "text-bg-warning" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_role_alone_decides_who_administers():
    admin = UserFactory(role=Role.ADMIN)
    assert admin.is_superuser and admin.is_staff
    superuser = User.objects.create_superuser("it", "it@example.com", PASSWORD)
    assert superuser.role == Role.ADMIN
    admin.role = Role.STAFF
    admin.save()
    assert not admin.is_superuser and not admin.is_staff


def test_administrator_creates_a_unit_reviewer_in_the_admin(world, client):
    from applications.models import OrganisingUnit

    client.force_login(world.admin)
    unit = OrganisingUnit.objects.get(code="yingxian")
    response = client.post(
        reverse("admin:applications_user_add"),
        {
            "username": "unit-yingxian",
            "full_name": "孙立新",
            "email": "yingxian@example.com",
            "role": Role.UNIT_REVIEWER,
            "organising_unit": unit.pk,
            "password1": "Kx9#pass-Shuozhou",
            "password2": "Kx9#pass-Shuozhou",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    reviewer = User.objects.get(username="unit-yingxian")
    assert reviewer.organising_unit == unit
    assert not reviewer.is_staff

    # A unit reviewer without a unit is refused with a message saying what to fix.
    refused = client.post(
        reverse("admin:applications_user_add"),
        {
            "username": "unit-nowhere",
            "role": Role.UNIT_REVIEWER,
            "password1": "Kx9#pass-Shuozhou",
            "password2": "Kx9#pass-Shuozhou",
            "usable_password": "true",
        },
    )
    assert "组织单位用户必须关联所属组织单位" in refused.content.decode()
    assert not User.objects.filter(username="unit-nowhere").exists()


# Which account an address opens (issue 8 review) ----------------------------------------------


@pytest.mark.django_db
def test_a_stranger_signing_up_with_a_user_name_that_is_an_address_does_not_lock_its_owner_out(client):
    UserFactory(username="li@kjj.gov.cn", email="li.official@example.cn", role=Role.STAFF)
    client.post(reverse("accounts:register"), registration(email="li@kjj.gov.cn"))
    assert User.objects.filter(email="li@kjj.gov.cn", is_active=False).exists()

    landed = log_in(Client(), "li@kjj.gov.cn")
    assert landed.status_code == 302
    assert landed["Location"] == reverse("dashboard")


@pytest.mark.django_db
def test_an_address_opens_its_confirmed_owner_and_then_the_account_of_that_user_name(client):
    owner = UserFactory(
        username="zhao", email="li@kjj.gov.cn", role=Role.APPLICANT, organisation=OrganisationFactory()
    )
    User.objects.filter(pk=owner.pk).update(email_confirmed_at=timezone.now())
    named = UserFactory(username="li@kjj.gov.cn", email="li.official@example.cn", role=Role.STAFF)
    named.set_password("Another#2026-password")
    named.save()

    assert authenticate(RequestFactory().post("/"), username="LI@kjj.gov.cn", password=PASSWORD) == owner
    both = authenticate(
        RequestFactory().post("/"), username="li@kjj.gov.cn", password="Another#2026-password"
    )
    assert both == named
    assert authenticate(RequestFactory().post("/"), username="li@kjj.gov.cn", password="guess") is None


@pytest.mark.django_db
def test_an_unconfirmed_sign_up_is_no_owner_of_its_address():
    UserFactory(
        username="sign-up",
        email="qian@example.com",
        role=Role.APPLICANT,
        organisation=OrganisationFactory(),
        is_active=True,
    )
    assert EmailOrUsernameBackend().authenticate(None, username="qian@example.com", password=PASSWORD) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "hashes"),
    [("nobody", 1), ("staff", 1), ("nobody@example.cn", 2), ("staff@example.cn", 2), ("li@kjj.gov.cn", 2)],
)
def test_a_failed_log_in_runs_the_hasher_as_often_whatever_exists(typed, hashes, monkeypatch):
    """The time a failure takes depends on the shape of what was typed, not on which accounts exist."""
    UserFactory(username="staff", email="staff@example.cn", role=Role.STAFF)
    UserFactory(username="li@kjj.gov.cn", email="li.official@example.cn", role=Role.STAFF)
    runs = []
    hasher = type(get_hasher())
    original = hasher.encode
    monkeypatch.setattr(
        hasher, "encode", lambda self, *args, **kwargs: runs.append(1) or original(self, *args, **kwargs)
    )
    assert EmailOrUsernameBackend().authenticate(None, username=typed, password="guess") is None
    assert len(runs) == hashes
