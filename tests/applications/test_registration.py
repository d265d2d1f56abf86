"""单位注册审核: who may act for an organisation (issue 8, item 4; DESIGN.md "People")."""

import datetime
import io
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications import registration
from applications.demo import complete_application, sample_pdf
from applications.drafts import lead_member
from applications.enums import RegistrationAction, RegistrationStatus, Role, State
from applications.models import Notification, Organisation, RegistrationEvent, User
from applications.uscc import make_uscc
from applications.workflow import GuardFailed, transition

from ..factories import (
    ApplicationFactory,
    CommittingClient,
    OrganisationFactory,
    UserFactory,
    log_in,
    signed_in,
)

CLAIMED_CODE = make_uscc("91140602", "MA0K9E3F")
PASSWORD = "Shuozhou#2026-alliance"


@pytest.fixture
def client():
    """The mails a request queues go out when it ends, as in production (CommittingClient)."""
    return CommittingClient()


def sign_up(**changes):
    data = {
        "uscc": make_uscc("91140602", "MA0TW5T1"),
        "organisation_name": "朔州市新注册科技有限公司",
        "org_type": "enterprise",
        "registered_address": "山西省朔州市朔城区开发南路 3 号",
        "full_name": "钱文华",
        "phone": "0349-1234567",
        "email": "qian@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(changes)
    return data


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def claimant_draft(world, claimant):
    application = ApplicationFactory(edition=world.edition, lead_unit=claimant.organisation)
    lead_member(application, claimant)
    return complete_application(application, claimant)


# The submit guard ---------------------------------------------------------------------------


def test_unapproved_account_drafts_but_cannot_submit_and_is_told_which_unit(world, client):
    claimant = world.claimant()
    application = claimant_draft(world, claimant)

    with pytest.raises(GuardFailed) as refused:
        transition(application, "submit", claimant, declared=True)
    assert "单位注册尚待朔城区科技局审核通过" in str(refused.value)

    client.force_login(claimant)
    response = client.post(
        reverse("applications:act", args=[application.pk, "submit"]), {"submit-declared": "on"}, follow=True
    )
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert any(
        "单位注册尚待朔城区科技局审核通过，审核通过前可以填写草稿，但不能提交申报" in m
        for m in messages_of(response)
    )
    # The dashboard gives the registration as the next step, held by the unit.
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert "<strong>朔城区科技局</strong>" in dashboard
    assert "审核本单位注册（营业执照、法人授权委托书）；通过后即可提交申报。" in dashboard


def test_right_unit_approves_and_the_applicant_is_told_and_can_then_submit(world, client):
    claimant = world.claimant()
    application = claimant_draft(world, claimant)
    mail.outbox.clear()

    client.force_login(world.unit)
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    assert "单位注册待审核：<strong>1</strong> 家" in dashboard
    listing = client.get(reverse("review:registrations")).content.decode()
    assert claimant.organisation.name in listing
    page = client.get(reverse("review:registration", args=[claimant.organisation_id])).content.decode()
    # The data and both files as sent, with approve and reject.
    assert CLAIMED_CODE in page and "licence.pdf" in page and "authorisation.pdf" in page
    assert "审核通过" in page and "不予通过" in page
    document = claimant.organisation.registration_documents.first()
    file = client.get(reverse("review:registration_file", args=[claimant.organisation_id, document.pk]))
    assert file.status_code == 200 and file["Cache-Control"] == "private, no-store"

    client.post(
        reverse("review:registration_decide", args=[claimant.organisation_id, "approve"]),
        {"comment": "执照与委托书核对无误。"},
        REMOTE_ADDR="10.1.2.3",
    )
    organisation = Organisation.objects.get(pk=claimant.organisation_id)
    assert organisation.registration_status == RegistrationStatus.APPROVED
    decision = organisation.registration_events.get(action=RegistrationAction.APPROVE)
    assert (decision.actor, decision.comment, decision.ip_address) == (
        world.unit,
        "执照与委托书核对无误。",
        "10.1.2.3",
    )
    assert decision.created_at is not None
    # Told in the portal and by e-mail.
    message = Notification.objects.get(recipient=claimant, registration_event=decision)
    assert message.subject.endswith("单位注册审核通过")
    assert [m.to for m in mail.outbox] == [[claimant.email]]
    assert "已经朔城区科技局审核通过" in mail.outbox[0].body
    client.force_login(claimant)
    messages_page = client.get(reverse("accounts:notifications")).content.decode()
    assert "单位注册审核通过" in messages_page and reverse("applications:registration") in messages_page
    opened = client.get(reverse("accounts:notification", args=[message.pk])).content.decode()
    assert "执照与委托书核对无误。" in opened

    transition(application, "submit", claimant, declared=True)
    assert application.state == State.SUBMITTED
    # The approved dashboard no longer asks for anything.
    assert "registration-step" not in client.get(reverse("applications:dashboard")).content.decode()


def test_unit_of_another_district_cannot_see_or_approve(world, client):
    claimant = world.claimant()
    client.force_login(world.other_unit)
    pk = claimant.organisation_id
    assert client.get(reverse("review:registration", args=[pk])).status_code == 404
    assert client.post(reverse("review:registration_decide", args=[pk, "approve"])).status_code == 404
    document = claimant.organisation.registration_documents.first()
    assert client.get(reverse("review:registration_file", args=[pk, document.pk])).status_code == 404
    assert (
        claimant.organisation.name
        not in client.get(reverse("review:registrations") + "?status=all").content.decode()
    )
    assert "单位注册待审核：<strong>0</strong> 家" in client.get(reverse("review:dashboard")).content.decode()
    # Nor can the bureau decide what is routed to the unit: it reads it, and is refused.
    client.force_login(world.staff)
    assert client.get(reverse("review:registration", args=[pk])).status_code == 200
    assert client.post(reverse("review:registration_decide", args=[pk, "approve"])).status_code == 403
    assert Organisation.objects.get(pk=pk).registration_status == RegistrationStatus.PENDING


def test_code_outside_shuozhou_goes_to_the_bureau(world, client):
    claimant = world.claimant(uscc=make_uscc("91140000", "MA0K1X2Y"), name="山西省晋能新材料有限公司")
    organisation = claimant.organisation
    assert organisation.reviewing_unit is None
    client.force_login(world.unit)
    assert client.get(reverse("review:registration", args=[organisation.pk])).status_code == 404
    client.force_login(world.staff)
    assert "单位注册待审核：<strong>1</strong> 家" in client.get(reverse("review:dashboard")).content.decode()
    client.post(reverse("review:registration_decide", args=[organisation.pk, "approve"]))
    organisation.refresh_from_db()
    assert organisation.registration_status == RegistrationStatus.APPROVED


def test_rejection_reaches_the_applicant_with_reasons_who_corrects_and_sends_again(world, client):
    claimant = world.claimant()
    pk = claimant.organisation_id
    mail.outbox.clear()
    client.force_login(world.unit)
    refused = client.post(reverse("review:registration_decide", args=[pk, "reject"]), follow=True)
    assert "请填写不通过的理由" in " ".join(messages_of(refused))
    assert Organisation.objects.get(pk=pk).registration_status == RegistrationStatus.PENDING

    reason = "授权委托书未加盖单位公章，请盖章后重新上传。"
    client.post(reverse("review:registration_decide", args=[pk, "reject"]), {"comment": reason})
    assert Organisation.objects.get(pk=pk).registration_status == RegistrationStatus.REJECTED
    assert reason in mail.outbox[-1].body and mail.outbox[-1].to == [claimant.email]
    assert Notification.objects.filter(recipient=claimant, registration_event__comment=reason).exists()

    client.force_login(claimant)
    page = client.get(reverse("applications:registration")).content.decode()
    assert reason in page and "注册审核未通过" in page
    client.post(
        reverse("applications:registration_upload"),
        {"kind": "authorisation", "file": SimpleUploadedFile("委托书（已盖章）.pdf", sample_pdf(2))},
    )
    sent = client.post(reverse("applications:registration_send"), follow=True)
    assert "本单位注册已提交朔城区科技局审核" in " ".join(messages_of(sent))
    organisation = Organisation.objects.get(pk=pk)
    assert organisation.registration_status == RegistrationStatus.PENDING
    assert list(organisation.registration_events.values_list("action", flat=True)) == [
        "send",
        "reject",
        "send",
    ]
    # The unit reads the corrected letter; the first one stays on record.
    assert {d.original_name for d in registration.sent_documents(organisation)} == {
        "licence.pdf",
        "委托书（已盖章）.pdf",
    }
    assert organisation.registration_documents.count() == 3


def test_decision_record_is_append_only(world):
    claimant = world.claimant()
    event = RegistrationEvent.objects.filter(organisation=claimant.organisation).first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        RegistrationEvent.objects.filter(pk=event.pk).update(comment="改")
    with pytest.raises(PermissionError):
        event.delete()


def test_registration_files_are_private(world, client):
    claimant = world.claimant(send=False)
    document = claimant.organisation.registration_documents.first()
    url = reverse("applications:registration_file", args=[document.pk])
    client.force_login(claimant)
    assert client.get(url).status_code == 200
    for user in (world.applicant, world.unit, world.staff):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    # Not sent yet: no reviewer sees it.
    client.force_login(world.unit)
    assert client.get(reverse("review:registration", args=[claimant.organisation_id])).status_code == 404


def test_upload_is_checked_like_any_document(world, client):
    claimant = world.claimant(send=False)
    client.force_login(claimant)
    response = client.post(
        reverse("applications:registration_upload"),
        {"kind": "licence", "file": SimpleUploadedFile("执照.pdf", b"MZ\x90\x00 not a pdf")},
        follow=True,
    )
    assert "内容不是 PDF、JPEG 或 PNG" in " ".join(messages_of(response))
    assert claimant.organisation.registration_documents.count() == 2  # the two from claimant()


def test_sending_without_both_files_says_what_is_missing(world, client):
    organisation = OrganisationFactory(registration_status=RegistrationStatus.UNSENT)
    user = UserFactory(role=Role.APPLICANT, organisation=organisation)
    client.force_login(user)
    response = client.post(reverse("applications:registration_send"), follow=True)
    assert "请先上传：营业执照或法人证书（加盖公章）、法人授权委托书（签字盖章）。" in messages_of(response)
    organisation.refresh_from_db()
    assert organisation.registration_status == RegistrationStatus.UNSENT


def test_authorisation_letter_is_a_pdf_with_extractable_chinese(world, client):
    claimant = world.claimant(send=False)
    client.force_login(claimant)
    response = client.get(reverse("applications:authorisation_letter"))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = re.sub(r"\s+", "", text)
    assert "法人授权委托书" in text
    assert "朔城区科技局" in text  # addressed to the unit that decides
    assert claimant.organisation.name in text and CLAIMED_CODE in text
    assert "被委托人无转委托权" in text


# Who holds what -----------------------------------------------------------------------------


def test_second_claim_of_an_approved_organisation_is_refused_with_whom_to_contact(world, client):
    code = world.organisation.uscc  # approved, decided by 朔城区
    Organisation.objects.filter(pk=world.organisation.pk).update(reviewing_unit=world.unit.organising_unit)
    page = client.post(reverse("accounts:register"), sign_up(uscc=code)).content.decode()
    assert f"统一社会信用代码为 {code} 的单位已在本平台注册并通过审核，不能重复注册" in page
    assert "请联系朔城区科技局，或市科技局（电话 0349-0000000）" in page
    # Under the approved organisation's name with another valid code: refused likewise.
    page = client.post(
        reverse("accounts:register"), sign_up(organisation_name=world.organisation.name)
    ).content.decode()
    assert f"“{world.organisation.name}”已以另一统一社会信用代码在本平台注册并通过审核" in page
    assert "请联系朔城区科技局" in page
    assert not User.objects.filter(email="qian@example.com").exists()
    assert not mail.outbox


def test_two_pending_claims_of_one_code_wait_side_by_side_until_one_is_approved(world, client):
    first = world.claimant(username="first")
    second = world.claimant(username="second")
    assert first.organisation_id != second.organisation_id
    client.force_login(world.unit)
    page = client.get(reverse("review:registration", args=[first.organisation_id])).content.decode()
    assert "同一单位另有注册申请" in page
    assert reverse("review:registration", args=[second.organisation_id]) in page

    client.post(reverse("review:registration_decide", args=[first.organisation_id, "approve"]))
    second.organisation.refresh_from_db()
    assert second.organisation.registration_status == RegistrationStatus.REJECTED
    event = second.organisation.registration_events.last()
    assert event.actor is None and "已由另一账号注册并通过审核" in event.comment
    assert "请联系朔城区科技局" in event.comment
    assert Notification.objects.filter(recipient=second, registration_event=event).exists()
    # The other cannot send again under that code.
    client.force_login(second)
    refused = client.post(reverse("applications:registration_send"), follow=True)
    assert any("已在本平台注册并通过审核，不能重复注册" in m for m in messages_of(refused))


# Unconfirmed sign-ups ------------------------------------------------------------------------


def test_unconfirmed_sign_up_holds_nothing_and_expires(world, client, settings):
    settings.PORTAL_UNCONFIRMED_SIGNUP_DAYS = 7
    start = timezone.now()
    client.post(reverse("accounts:register"), sign_up(uscc=CLAIMED_CODE))
    stale = User.objects.get(email="qian@example.com")
    # The code is not held, even before the sign-up expires: another contact signs up for it.
    client.post(reverse("accounts:register"), sign_up(uscc=CLAIMED_CODE, email="other@example.com"))
    assert Organisation.objects.filter(uscc=CLAIMED_CODE).count() == 2

    with time_machine.travel(start + datetime.timedelta(days=7, hours=1), tick=False):
        out = io.StringIO()
        call_command("expire_signups", "--dry-run", stdout=out)
        assert "would delete 2 sign-up(s)" in out.getvalue() and stale.username in out.getvalue()
        assert User.objects.filter(pk=stale.pk).exists()
        call_command("expire_signups", stdout=io.StringIO())
        assert not User.objects.filter(pk=stale.pk).exists()
        assert not Organisation.objects.filter(uscc=CLAIMED_CODE).exists()
        out = io.StringIO()
        call_command("expire_signups", stdout=out)  # idempotent
        assert "deleted 0 sign-up(s)" in out.getvalue()
        # Address, user name and code are free again: the same sign-up makes a new account.
        mail.outbox.clear()
        client.post(reverse("accounts:register"), sign_up(uscc=CLAIMED_CODE))
        fresh = User.objects.get(email="qian@example.com")
        assert fresh.username == stale.username and fresh.pk != stale.pk
        assert "请打开以下链接确认您的邮箱" in mail.outbox[0].body


def test_registration_clears_expired_sign_ups_itself(world, client):
    client.post(reverse("accounts:register"), sign_up())
    stale = User.objects.get(email="qian@example.com")
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    later = timezone.now() + datetime.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        # Its link no longer confirms anything.
        assert client.post(link, {"password": PASSWORD}).status_code == 400
        mail.outbox.clear()
        client.post(reverse("accounts:register"), sign_up())
    assert not User.objects.filter(pk=stale.pk).exists()
    assert User.objects.get(email="qian@example.com").pk != stale.pk
    assert "请打开以下链接确认您的邮箱" in mail.outbox[0].body


def test_a_confirmed_account_does_not_expire(world):
    confirmed = world.claimant(send=False)
    User.objects.filter(pk=confirmed.pk).update(date_joined=timezone.now() - datetime.timedelta(days=365))
    assert registration.delete_expired_signups() == []
    assert User.objects.filter(pk=confirmed.pk).exists()


# Enumeration ---------------------------------------------------------------------------------


def test_registration_does_not_reveal_taken_addresses(world, client):
    UserFactory(username="zhou", email="zhou@example.com", role=Role.STAFF)
    fresh = client.post(reverse("accounts:register"), sign_up(email="new@example.com"))
    taken = client.post(reverse("accounts:register"), sign_up(email="Zhou@Example.com", uscc=CLAIMED_CODE))
    assert fresh.status_code == taken.status_code == 200

    # The same page, but for the address it names (and the form's own CSRF token).
    def page(response, address):
        text = response.content.decode().replace(address, "ADDRESS")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert page(taken, "zhou@example.com") == page(fresh, "new@example.com")
    # Nothing was created for the taken address; the address itself is told what to do.
    assert User.objects.filter(email__iexact="zhou@example.com").count() == 1
    assert not Organisation.objects.filter(uscc=CLAIMED_CODE).exists()
    told = [m for m in mail.outbox if m.to == ["zhou@example.com"]]
    assert len(told) == 1
    assert "本邮箱已有账号" in told[0].body and "/accounts/password-reset/" in told[0].body


def test_registration_asks_for_no_user_name_and_the_address_logs_in(world, client):
    # The address is the user name, unless an older account already has that name.
    UserFactory(username="qian@example.com", email="", role=Role.STAFF)
    client.post(reverse("accounts:register"), sign_up())
    user = User.objects.get(email="qian@example.com")
    assert user.username != "qian@example.com" and user.username.startswith("qian-")
    User.objects.filter(pk=user.pk).update(is_active=True, email_confirmed_at=timezone.now())
    log_in(client, "QIAN@example.com", PASSWORD)
    assert signed_in(client)
    client.logout()
    log_in(client, "qian@example.com", "wrong")
    assert not signed_in(client)


def test_registration_list_queries_do_not_grow_with_its_rows(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world.claimant(username="first")
    client.force_login(world.unit)
    url = reverse("review:registrations") + "?status=all"
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(4):
        world.claimant(
            username=f"more{n}", uscc=make_uscc("91140602", f"MB0K{n:04d}"), name=f"朔州市测试{n}有限公司"
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('href="/review/registrations/') == 5
    assert len(many) == len(one)


# A sign-up of someone else's address ------------------------------------------------------


def confirmation_link(message):
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


def test_a_new_sign_up_replaces_an_unconfirmed_one_of_the_same_address(world, client):
    """A stranger who signs up first with the owner's address leaves the owner nothing of theirs:
    the owner's own sign-up replaces it, and the owner confirms the account they registered."""
    stranger_password = "Stranger#2026-password"
    stranger_code = make_uscc("91140602", "MA0K7R2C")
    client.post(
        reverse("accounts:register"),
        sign_up(
            uscc=stranger_code,
            organisation_name="朔州市冒名科技有限公司",
            full_name="冒名者",
            password1=stranger_password,
            password2=stranger_password,
        ),
    )
    stranger_link = confirmation_link(mail.outbox[-1])
    stranger_account = User.objects.get(email="qian@example.com")

    client.post(reverse("accounts:register"), sign_up())
    owner_link = confirmation_link(mail.outbox[-1])

    # The stranger's account and its claim are gone, and its link with them.
    assert not User.objects.filter(pk=stranger_account.pk).exists()
    assert not Organisation.objects.filter(uscc=stranger_code).exists()
    assert client.get(stranger_link).status_code == 400
    # The page behind the owner's link names the claim the owner is about to activate.
    page = client.get(owner_link).content.decode()
    assert "朔州市新注册科技有限公司" in page and make_uscc("91140602", "MA0TW5T1") in page
    assert "钱文华" in page and "冒名" not in page
    assert "朔州市新注册科技有限公司" in mail.outbox[-1].body
    client.post(owner_link, {"password": PASSWORD})

    account = User.objects.get(email="qian@example.com")
    assert account.is_active and account.organisation.name == "朔州市新注册科技有限公司"
    log_in(client, "qian@example.com", stranger_password)
    assert not signed_in(client)
    log_in(client, "qian@example.com", PASSWORD)
    assert signed_in(client)


def test_a_sign_up_copying_the_owners_data_cannot_be_confirmed_with_the_owners_password(world, client):
    """The owner signs up; a stranger signs up again with the owner's address, organisation,
    code and name, and a password of its own. The page behind the new link shows exactly the
    owner's data, but confirming takes the password chosen at sign-up: the owner's is refused
    and activates nothing; the owner registers again and gets an account of their own."""
    owner = CommittingClient()
    owner.post(reverse("accounts:register"), sign_up(), REMOTE_ADDR="192.0.2.1")
    owner_link = confirmation_link(mail.outbox[-1])
    stranger_password = "Stranger#2026-password"
    CommittingClient().post(
        reverse("accounts:register"),
        sign_up(password1=stranger_password, password2=stranger_password),
        REMOTE_ADDR="198.51.100.6",
    )
    stranger_account = User.objects.get(email="qian@example.com")
    assert owner.get(owner_link).status_code == 400  # replaced
    link = confirmation_link(mail.outbox[-1])
    assert "朔州市新注册科技有限公司" in owner.get(link).content.decode()

    refused = owner.post(link, {"password": PASSWORD})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "密码与注册时设置的密码不一致，账号未启用" in page
    assert "请不要确认，用本邮箱重新注册，即以您的注册取代这次注册" in page
    assert "此链接还可再输入 4 次密码" in page
    stranger_account.refresh_from_db()
    assert not stranger_account.is_active and stranger_account.email_confirmed_at is None

    # The owner registers again, as the page says: the stranger's sign-up is gone.
    owner.post(reverse("accounts:register"), sign_up(), REMOTE_ADDR="192.0.2.1")
    assert not User.objects.filter(pk=stranger_account.pk).exists()
    assert owner.post(link, {"password": stranger_password}).status_code == 400
    confirmed = owner.post(confirmation_link(mail.outbox[-1]), {"password": PASSWORD}, follow=True)
    assert "邮箱已确认" in confirmed.content.decode()
    assert "_auth_user_id" not in owner.session  # nobody is logged in by a link

    account = User.objects.get(email="qian@example.com")
    assert account.is_active and account.check_password(PASSWORD)
    stranger = CommittingClient()
    log_in(stranger, "qian@example.com", stranger_password, address="198.51.100.6")
    assert not signed_in(stranger)
    log_in(owner, "qian@example.com", PASSWORD, address="192.0.2.1")
    assert signed_in(owner)


def test_a_confirmation_link_takes_five_passwords_at_most(world, client):
    client.post(reverse("accounts:register"), sign_up())
    link = confirmation_link(mail.outbox[-1])
    account = User.objects.get(email="qian@example.com")
    # No password is no try: the field asks for one.
    empty = client.post(link, {"password": ""})
    assert empty.status_code == 200 and "这个字段是必填项" in empty.content.decode()
    for left in (4, 3, 2, 1):
        page = client.post(link, {"password": f"guess-{left}"}).content.decode()
        assert f"此链接还可再输入 {left} 次密码" in page
    fifth = client.post(link, {"password": "guess-0"})
    assert fifth.status_code == 429
    assert "此链接输入错误密码的次数过多，已不能再用于确认" in fifth.content.decode()
    # Now not even the right password confirms, and the page asks for none.
    for response in (client.post(link, {"password": PASSWORD}), client.get(link)):
        assert response.status_code == 429
        assert 'name="password"' not in response.content.decode()
    account.refresh_from_db()
    assert not account.is_active and account.confirmation_tries == registration.CONFIRMATION_TRIES
    # Registering again starts a sign-up with its own tries.
    client.post(reverse("accounts:register"), sign_up())
    client.post(confirmation_link(mail.outbox[-1]), {"password": PASSWORD})
    assert User.objects.get(email="qian@example.com").is_active


def test_a_sign_up_does_not_replace_a_confirmed_account(world, client):
    client.post(reverse("accounts:register"), sign_up())
    first = User.objects.get(email="qian@example.com")
    client.post(confirmation_link(mail.outbox[-1]), {"password": PASSWORD})
    mail.outbox.clear()
    client.post(reverse("accounts:register"), sign_up(organisation_name="朔州市另一科技有限公司"))
    assert User.objects.get(email="qian@example.com").pk == first.pk
    assert not Organisation.objects.filter(name="朔州市另一科技有限公司").exists()
    assert "本邮箱已有账号" in mail.outbox[-1].body


def test_sign_up_refuses_invisible_characters_in_names_and_telephone(world, client):
    response = client.post(
        reverse("accounts:register"),
        sign_up(
            organisation_name="朔州\u202efdp.exe有限公司",
            registered_address="朔州市\u2066开发南路\u2069 3 号",
            full_name="钱\u200b文华",
            phone="0349\u202d1234567",
        ),
    )
    form = response.context["form"]
    for field, character in (
        ("organisation_name", "U+202E"),
        ("registered_address", "U+2066"),
        ("full_name", "U+200B"),
        ("phone", "U+202D"),
    ):
        assert any(f"含有不可见的控制字符（{character}" in error for error in form.errors[field])
    # What was typed comes back to be corrected; nothing was stored.
    assert "钱\u200b文华" in response.content.decode()
    assert not User.objects.filter(email="qian@example.com").exists()
    assert not Organisation.objects.filter(name__contains="\u202e").exists()


def test_a_document_title_refuses_invisible_characters(world, client):
    application = world.application(complete=False)
    client.force_login(world.applicant)
    response = client.post(
        reverse("applications:upload", args=[application.pk]),
        {"kind": "other", "title": "纪要\u202efdp.exe", "file": SimpleUploadedFile("纪要.pdf", sample_pdf())},
        follow=True,
    )
    assert any("含有不可见的控制字符（U+202E" in m for m in messages_of(response))
    assert not application.documents.filter(title__contains="\u202e").exists()


# What a registration keeps ------------------------------------------------------------------


def stored_names(document):
    return [f.name for f in (document.file, document.cleaned, document.preview) if f]


def test_a_new_upload_replaces_the_unsent_file_of_its_kind_and_keeps_those_sent(world, client):
    claimant = world.claimant(send=False)
    organisation = claimant.organisation
    first = organisation.registration_documents.get(kind="licence")
    storage = first.file.storage
    assert all(storage.exists(name) for name in stored_names(first))
    client.force_login(claimant)

    def upload_licence(name):
        # (The earlier file is removed once the request commits: CommittingClient.)
        client.post(
            reverse("applications:registration_upload"),
            {"kind": "licence", "file": SimpleUploadedFile(name, sample_pdf())},
        )

    upload_licence("执照第二版.pdf")
    # One unsent file of each kind: the earlier licence and its files are gone.
    assert organisation.registration_documents.count() == 2
    assert not organisation.registration_documents.filter(pk=first.pk).exists()
    assert not any(storage.exists(name) for name in stored_names(first))

    client.post(reverse("applications:registration_send"))
    sent = organisation.registration_documents.get(kind="licence", original_name="执照第二版.pdf")
    client.force_login(world.unit)
    client.post(
        reverse("review:registration_decide", args=[organisation.pk, "reject"]), {"comment": "执照不清晰。"}
    )
    client.force_login(claimant)
    upload_licence("执照第三版.pdf")
    upload_licence("执照第四版.pdf")
    # The licence sent with the decision stays on record beside the one newest upload.
    assert sorted(
        organisation.registration_documents.filter(kind="licence").values_list("original_name", flat=True)
    ) == [
        "执照第二版.pdf",
        "执照第四版.pdf",
    ]
    assert all(storage.exists(name) for name in stored_names(sent))
    newest = {slot.kind: slot.document for slot in registration.current_documents(organisation)}
    assert newest["licence"].original_name == "执照第四版.pdf"


def test_the_registration_guard_belongs_to_the_rows_that_submit(world):
    from applications import workflow

    rows = {
        (row.source, row.action)
        for row in workflow.TRANSITIONS
        if registration.registration_guard in row.guards
    }
    assert rows == {
        (State.DRAFT, "submit"),
        (State.RETURNED, "resubmit"),
        (State.RETURNED, "resubmit_to_bureau"),
    }


def test_a_decision_comment_has_the_same_limit_as_any_opinion(world, client):
    from applications.models import COMMENT_MAX_CHARS

    claimant = world.claimant()
    client.force_login(world.unit)
    url = reverse("review:registration_decide", args=[claimant.organisation_id, "reject"])
    response = client.post(url, {"comment": "理" * (COMMENT_MAX_CHARS + 1)}, follow=True)
    assert f"最多 {COMMENT_MAX_CHARS} 字，现为 {COMMENT_MAX_CHARS + 1} 字" in " ".join(messages_of(response))
    assert (
        Organisation.objects.get(pk=claimant.organisation_id).registration_status
        == RegistrationStatus.PENDING
    )
    assert RegistrationEvent._meta.get_field("comment").max_length == COMMENT_MAX_CHARS == 1000
