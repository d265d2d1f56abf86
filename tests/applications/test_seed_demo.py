import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from applications.enums import Action, Role, State
from applications.management.commands.seed_demo import DEMO_UNREAD_MESSAGES, demo_route
from applications.models import Application, Notification, User
from applications.permissions import applications_for_user

from ..factories import log_in, signed_in


def row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def unread_messages():
    return set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))


def test_seed_demo_twice_leaves_the_same_row_counts(demo, capsys):
    # The `demo` fixture made the first run (once for the tests of this module); this is the second.
    first, unread = row_counts(), unread_messages()
    call_command("seed_demo")
    assert row_counts() == first
    assert unread_messages() == unread
    # Every state in each of the two worlds, and the pending registration's one draft.
    assert first["applications.Application"] == 2 * len(State) + 1
    assert "shuozhou-demo" in capsys.readouterr().out


def test_seed_demo_has_every_role_and_every_state_in_both_worlds(demo):
    for username, role in [
        ("applicant", Role.APPLICANT),
        ("applicant2", Role.APPLICANT),
        ("unit-shuocheng", Role.UNIT_REVIEWER),
        ("unit-pinglu", Role.UNIT_REVIEWER),
        ("staff", Role.STAFF),
        ("expert1", Role.EXPERT),
        ("expert2", Role.EXPERT),
        ("expert3", Role.EXPERT),
        ("expert4", Role.EXPERT),
        ("admin", Role.ADMIN),
    ]:
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.check_password("shuozhou-demo")
    applicant, applicant2 = User.objects.get(username="applicant"), User.objects.get(username="applicant2")
    assert applicant.organisation != applicant2.organisation
    for user, unit in [(applicant, "shuocheng"), (applicant2, "pinglu")]:
        files = Application.objects.filter(lead_unit=user.organisation)
        # The first world's approved file went on the notice opened today (open_notice).
        moved = {State.APPROVED} if user == applicant else set()
        assert set(files.values_list("state", flat=True)) == set(State.values) - moved
        assert set(files.values_list("organising_unit__code", flat=True)) == {unit}
        # Each file got to its state through transition(): one audit event per step (and
        # the bureau's internal records beside them).
        for application in files:
            moves = application.events.filter(action__in=Action.values)
            assert moves.count() == len(demo_route(application.state))
        # A handful of messages unread, the newest; the older ones read when they came.
        messages = list(user.notifications.order_by("-created_at", "-pk"))
        assert len(messages) > 20
        assert [m.read_at is None for m in messages] == [
            n < DEMO_UNREAD_MESSAGES for n in range(len(messages))
        ]
        assert all(m.read_at == m.created_at for m in messages[DEMO_UNREAD_MESSAGES:])


def test_seed_demo_applicants_are_approved_and_shuocheng_has_one_registration_to_decide(demo, client):
    from applications.enums import RegistrationAction, RegistrationStatus

    for username in ("applicant", "applicant2"):
        organisation = User.objects.get(username=username).organisation
        assert organisation.registration_status == RegistrationStatus.APPROVED
        # Approved through the real steps: sent with its two files, decided by its unit.
        actions = list(organisation.registration_events.values_list("action", "actor__role"))
        assert actions == [
            (RegistrationAction.SEND, Role.APPLICANT),
            (RegistrationAction.APPROVE, Role.UNIT_REVIEWER),
        ]
        assert organisation.registration_documents.filter(sent_with__isnull=False).count() == 2
    pending = User.objects.get(username="applicant3").organisation
    assert pending.registration_status == RegistrationStatus.PENDING
    assert pending.reviewing_unit.code == "shuocheng"

    log_in(client, "unit-shuocheng", "shuozhou-demo")
    assert signed_in(client)
    page = client.get("/review/").content.decode()
    assert "单位注册待审核：<strong>1</strong> 家" in page


def test_seed_demo_worlds_are_separate(demo):
    shuocheng = applications_for_user(User.objects.get(username="unit-shuocheng"))
    pinglu = applications_for_user(User.objects.get(username="unit-pinglu"))
    assert shuocheng.exists() and pinglu.exists()
    assert set(shuocheng.values_list("lead_unit__users__username", flat=True)) == {"applicant"}
    assert set(pinglu.values_list("lead_unit__users__username", flat=True)) == {"applicant2"}


@pytest.mark.django_db
def test_seed_demo_refuses_production_mode(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not Application.objects.exists()


def test_seed_demo_gives_reviewers_a_resubmitted_file_with_its_changes(demo):
    from applications.submissions import latest_changes

    for application in Application.objects.filter(state=State.FORWARDED):
        # Round 3, after the formal check of round 2 failed the charter and the qualification.
        changes = latest_changes(application)["changes"]
        assert [label for label, _old, _new in changes["fields"]] == ["牵头单位资质说明"]
        assert [d["kind"] for d in changes["documents"]["new_versions"]] == ["charter"]


def test_seed_demo_has_a_formal_check_under_way_and_a_file_returned_with_its_failed_items(demo, client):
    from review import checks

    forwarded = Application.objects.filter(state=State.FORWARDED)
    returned = Application.objects.filter(state=State.RETURNED)
    assert forwarded.count() == returned.count() == 2  # one in each world
    for application in forwarded:
        standing = checks.standing(checks.FORMAL, application)
        assert len(standing) == 4 and all(check.passed for check in standing.values())
        before, previous = checks.previous_round(
            checks.FORMAL, application, checks.current_round(application)
        )
        assert before.number == 2
        assert sorted(item for item, check in previous.items() if not check.passed) == [
            "charter",
            "lead_qualification",
        ]
    log_in(client, "staff", "shuozhou-demo")
    page = client.get(reverse("review:detail", args=[forwarded.first().pk])).content.decode()
    assert "各项下方列出上一轮（第 2 轮）形式审查的结果" in page
    assert "已保存：通过" in page
    for application in returned:
        event = application.events.get(action=Action.RETURN)
        assert event.from_state == State.FORWARDED
        assert [entry["item"] for entry in event.data["failed_items"]] == ["charter", "lead_qualification"]
    client.logout()
    log_in(client, "applicant", "shuozhou-demo")
    mine = returned.get(lead_unit__users__username="applicant")
    page = client.get(reverse("applications:detail", args=[mine.pk])).content.decode()
    assert "<strong>联盟章程齐全</strong>：联盟章程未写明理事会的组成和议事规则。" in page


def test_seed_demo_texts_fit_their_lengths(demo):
    """The demo's texts are within the lengths the forms allow (issue 8)."""
    from applications.models import Application, Member

    for model in (Application, Member):
        bounded = [f for f in model._meta.get_fields() if getattr(f, "max_length", None) and f.concrete]
        for row in model.objects.all():
            for field in bounded:
                assert len(str(getattr(row, field.attname) or "")) <= field.max_length, (row, field.name)


def test_demo_users_log_in_with_the_demo_password_and_no_second_factor(demo, client):
    """The log-in page (django-axes counts it) with `shuozhou-demo`: no demo user has an authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not TOTPDevice.objects.exists()
    for username, landing in [("staff", "/review/"), ("unit-shuocheng", "/review/"), ("admin", "/admin/")]:
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": username, "password": "shuozhou-demo"}, follow=True
        )
        assert response.redirect_chain[-1][0] == landing, username
        assert response.status_code == 200


def test_seed_demo_has_a_meeting_with_an_approval_a_rejection_a_deferral_and_letters_to_read(demo):
    from applications.enums import OutboxKind, OutboxStatus
    from applications.models import OutboxMessage
    from review.models import Decision, Meeting, MeetingStatus

    decided = Meeting.objects.get(status=MeetingStatus.RECORDED)
    decisions = set(decided.items.values_list("decision", flat=True))
    assert decisions == {Decision.APPROVE, Decision.REJECT, Decision.DEFER}
    assert decided.minutes.exists()
    letters = OutboxMessage.objects.filter(kind=OutboxKind.LETTER, status=OutboxStatus.DRAFT)
    assert letters.count() == decided.items.exclude(decision=Decision.DEFER).count()
    assert Meeting.objects.filter(status=MeetingStatus.DRAFT).get().items.exists()


def test_seed_demo_shows_eligibility_changed_since_submission_and_a_flagged_alliance(demo, client):
    """Issue 12: one file in progress whose member the registry now records as a branch, and one
    recognised alliance whose accepted annual report left five core members."""
    from applications.demo import CORRECTED_MEMBER

    changed = Application.objects.get(members__name=CORRECTED_MEMBER[0])
    assert changed.state == State.AWAITING_DECISION
    client.force_login(demo.users["staff"])
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    listed = dashboard.split('id="eligibility-changed"')[1].split("</section>")[0]
    assert changed.name in listed and f"成员“{CORRECTED_MEMBER[0]}”为分支机构" in listed
    assert listed.count('class="mb-2 eligibility-changed-file"') == 1
    flags = dashboard.split('id="member-flags"')[1].split("</section>")[0]
    assert "变动后核心成员为 5 家，少于 6 家" in flags
    page = client.get(reverse("review:detail", args=[changed.pk])).content.decode()
    assert "单位库已更正" in page and "科技中介 → 分支机构" in page
