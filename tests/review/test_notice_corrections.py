"""A published notice is never edited (Art. 6): it is corrected by a linked correction notice
(更正公示) that says what changed, or withdrawn, and stays public marked as withdrawn."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications.enums import Action, Activity, State
from applications.models import AuditEvent, Organisation
from applications.workflow import TABLE, GuardFailed, TransitionError, drive, transition
from review import notices, objections
from review.models import Notice, NoticeItem, NoticeStatus, Objection
from review.objections import UpholdForm

from ..conftest import World
from ..factories import PolicyEditionFactory, log_in

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def noticed(db):
    """Two approved files on a notice published 2026-12-01 09:30 (Shanghai)."""
    world = World(PolicyEditionFactory())
    world.files = [world.application(State.APPROVED) for _ in range(2)]
    with at(2026, 12, 1, 9, 30):
        world.notice = notices.create(world.staff, world.files)
        notices.publish(world.notice, world.staff)
    return world


def fill_in(correction, text="原公示中第1项联盟的组织单位有误，现更正为朔城区科技局。"):
    body = correction.body.replace(str(notices.CORRECTION_PLACEHOLDER), text)
    notices.edit(correction, title=correction.title, body=body)


def test_what_was_noticed_stays_as_published_when_an_organisation_is_renamed_later(noticed, client):
    world = noticed
    lead = Organisation.objects.get(pk=world.files[0].lead_unit_id)
    published_name = lead.name
    lead.name = "改名后的牵头单位有限公司"
    lead.save()

    with at(2026, 12, 2, 10, 0):
        page = client.get(reverse("notice", args=[world.notice.pk])).content.decode()

    assert published_name in page and "改名后的牵头单位有限公司" not in page


def test_a_correction_naming_a_file_restarts_its_period_and_links_both_ways(noticed, client):
    world = noticed
    with at(2026, 12, 5, 9, 0):
        correction = notices.create_correction(world.notice, world.staff, [world.files[0]])
        # The body must say what changed: the placeholder left in refuses the publication.
        with pytest.raises(notices.NoticeRefused, match="请写明更正事项"):
            notices.publish(correction, world.staff)
        fill_in(correction)
        events = notices.publish(correction, world.staff)
        correction.refresh_from_db()

    assert correction.corrects == world.notice and correction.status == NoticeStatus.PUBLISHED
    assert (correction.starts_on, correction.ends_at.astimezone(SHANGHAI).date()) == (
        datetime.date(2026, 12, 5),
        datetime.date(2026, 12, 11),
    )
    # The named file is told on its timeline (visible to the applicant); no state changed.
    assert [(e.action, e.internal, e.to_state) for e in events] == [
        (Activity.NOTICE_CORRECTED, False, State.IN_NOTICE)
    ]
    with at(2026, 12, 6, 9, 0):
        original_page = client.get(reverse("notice", args=[world.notice.pk])).content.decode()
        correction_page = client.get(reverse("notice", args=[correction.pk])).content.decode()
    assert correction.title in original_page and "本公示已于 2026-12-05 更正" in original_page
    assert world.notice.title in correction_page and "朔城区科技局" in correction_page
    assert world.files[0].name in correction_page and world.files[1].name not in correction_page

    # The original's period is over on the 8th, but the corrected file waits for the 11th.
    with at(2026, 12, 8, 9, 0):
        transition(world.files[1], Action.RECOGNIZE, world.staff)
        with pytest.raises(GuardFailed, match="公示期满后方可认定"):
            transition(world.files[0], Action.RECOGNIZE, world.staff)
    with at(2026, 12, 12, 0, 0):
        transition(world.files[0], Action.RECOGNIZE, world.staff)


def test_a_text_only_correction_leaves_the_period_as_it_was(noticed):
    world = noticed
    with at(2026, 12, 3, 9, 0):
        correction = notices.create_correction(world.notice, world.staff)
        fill_in(correction, "原公示正文中的联系电话有误，现更正为0349-0000000。")
        assert notices.publish(correction, world.staff) == []
    with at(2026, 12, 8, 0, 0):
        for application in world.files:
            transition(application, Action.RECOGNIZE, world.staff)


def test_a_correction_may_name_only_files_of_its_notice_still_in_notice(noticed):
    world = noticed
    stranger = world.application(State.APPROVED)
    with pytest.raises(notices.NoticeRefused, match="只能列入原公示名单中"):
        notices.create_correction(world.notice, world.staff, [stranger])
    correction = notices.create_correction(world.notice, world.staff)
    with pytest.raises(notices.NoticeRefused, match="更正公示不能再更正"):
        fill_in(correction)
        notices.publish(correction, world.staff)
        notices.create_correction(correction, world.staff)


def test_withdrawing_a_notice_gives_its_files_back_and_keeps_it_public_as_withdrawn(noticed, client):
    world = noticed
    with at(2026, 12, 2, 9, 0):
        correction = notices.create_correction(world.notice, world.staff, [world.files[0]])
        fill_in(correction)
        notices.publish(correction, world.staff)
    with pytest.raises(notices.NoticeRefused, match="请填写撤回理由"):
        notices.withdraw(world.notice, world.staff, reason="  ")
    with pytest.raises(notices.NoticeRefused, match="最多 500 字"):
        notices.withdraw(world.notice, world.staff, reason="理" * 501)
    with at(2026, 12, 3, 9, 0):
        events = notices.withdraw(world.notice, world.staff, reason="名单中一家成员单位已注销，需重新审核。")

    for application in world.files:
        application.refresh_from_db()
        assert application.state == State.APPROVED
    assert [e.action for e in events] == [Action.WITHDRAW_NOTICE] * 2
    assert all(e.comment == "名单中一家成员单位已注销，需重新审核。" for e in events)
    assert all(e.data["notice"] == world.notice.pk for e in events)
    correction.refresh_from_db()
    assert correction.status == NoticeStatus.WITHDRAWN  # it goes with its original
    with at(2026, 12, 3, 10, 0):
        page = client.get(reverse("notice", args=[world.notice.pk])).content.decode()
        listing = client.get(reverse("notices")).content.decode()
    assert "本公示已于 2026-12-03 撤回" in page and "名单中一家成员单位已注销" in page
    assert world.notice.title in listing and "已撤回" in listing
    # The files can be listed on a new notice.
    assert set(notices.notice_candidates()) >= set(world.files)


def test_a_notice_with_a_recognised_alliance_cannot_be_withdrawn(noticed):
    world = noticed
    with at(2026, 12, 8, 9, 0):
        transition(world.files[0], Action.RECOGNIZE, world.staff)
        with pytest.raises(notices.NoticeRefused, match="已认定，不能撤回公示"):
            notices.withdraw(world.notice, world.staff, reason="误发")

    world.files[1].refresh_from_db()
    assert world.files[1].state == State.IN_NOTICE
    assert Notice.objects.get(pk=world.notice.pk).status == NoticeStatus.PUBLISHED
    assert not AuditEvent.objects.filter(action=Action.WITHDRAW_NOTICE).exists()


def test_the_file_page_does_not_withdraw_a_file_from_its_notice_on_its_own(noticed, client):
    world = noticed
    log_in(client, world.staff.username)
    page = client.get(reverse("review:detail", args=[world.files[0].pk])).content.decode()
    response = client.post(
        reverse("review:act", args=[world.files[0].pk, Action.WITHDRAW_NOTICE]),
        {"comment": "试图单独撤回", "notice": world.notice.pk},
    )

    assert f'value="{Action.WITHDRAW_NOTICE}"' not in page
    assert response.status_code in (302, 404)
    world.files[0].refresh_from_db()
    assert world.files[0].state == State.IN_NOTICE


def test_staff_correct_and_withdraw_through_the_notice_page(noticed, client):
    world = noticed
    log_in(client, world.staff.username)
    url = reverse("review:notice", args=[world.notice.pk])
    with at(2026, 12, 2, 9, 0):
        response = client.post(url, {"op": "correct", "application": [world.files[1].pk]})
        correction = Notice.objects.get(corrects=world.notice)
        assert response.url == reverse("review:notice", args=[correction.pk])
        assert [item.application for item in correction.items.all()] == [world.files[1]]

        # Unconfirmed: nothing happens, and the reason typed comes back.
        client.post(url, {"op": "withdraw", "reason": "需要重新审核成员资格"})
        page = client.get(url).content.decode()
        assert "尚未撤回" in page and "需要重新审核成员资格" in page
        assert Notice.objects.get(pk=world.notice.pk).status == NoticeStatus.PUBLISHED

        client.post(url, {"op": "withdraw", "reason": "需要重新审核成员资格", "confirmed": "1"})
    assert Notice.objects.get(pk=world.notice.pk).status == NoticeStatus.WITHDRAWN
    # The draft correction goes with it.
    assert not Notice.objects.filter(pk=correction.pk).exists()


# A file noticed anew: only its current notice moves it ------------------------------------------


def noticed_anew(world):
    """``world.files[0]`` objected to on ``world.notice``, the objection upheld (back to the
    Party group), approved again and published on a newer notice on 2026-12-10."""
    application = world.files[0]
    with at(2026, 12, 3, 10, 0):
        objection = Objection.objects.get(pk=UpholdForm.example(application, None)["objection"])
        objections.uphold(objection, world.staff, "经核实异议成立。", "合作协议未签署。")
        application.refresh_from_db()
        drive(application, [TABLE[(State.AWAITING_DECISION, Action.APPROVE)]], lambda row: world.staff)
    with at(2026, 12, 10, 9, 30):
        newer = notices.create(world.staff, [application])
        notices.publish(newer, world.staff)
    application.refresh_from_db()
    assert application.state == State.IN_NOTICE
    return newer


def test_withdrawing_an_older_notice_leaves_a_file_noticed_anew_on_its_newer_notice(noticed, client):
    world = noticed
    newer = noticed_anew(world)

    # Naming the older notice in WITHDRAW_NOTICE's data does not move the file either.
    with pytest.raises(TransitionError, match="已列入另一份公示"):
        transition(
            world.files[0],
            Action.WITHDRAW_NOTICE,
            world.staff,
            comment="旧公示",
            data={"notice": world.notice.pk},
        )
    with at(2026, 12, 11, 9, 0):
        events = notices.withdraw(world.notice, world.staff, reason="旧公示撤回")
        page = client.get(reverse("notice", args=[newer.pk])).content.decode()

    world.files[0].refresh_from_db()
    world.files[1].refresh_from_db()
    assert world.files[0].state == State.IN_NOTICE
    assert world.files[1].state == State.APPROVED  # the older notice still held this one
    assert [event.application_id for event in events] == [world.files[1].pk]
    assert Notice.objects.get(pk=newer.pk).status == NoticeStatus.PUBLISHED
    assert "提出异议" in page


def test_a_file_recognised_on_a_newer_notice_does_not_stop_withdrawing_the_older_one(noticed):
    world = noticed
    noticed_anew(world)
    with at(2026, 12, 17, 9, 0):
        transition(world.files[0], Action.RECOGNIZE, world.staff)

        notices.withdraw(world.notice, world.staff, reason="旧公示撤回")

    world.files[0].refresh_from_db()
    assert world.files[0].state == State.RECOGNIZED
    assert Notice.objects.get(pk=world.notice.pk).status == NoticeStatus.WITHDRAWN


def test_a_correction_of_an_older_notice_cannot_name_a_file_noticed_anew(noticed):
    world = noticed
    noticed_anew(world)

    with at(2026, 12, 11, 9, 0):
        assert [item.application for item in notices.correctable_items(world.notice)] == [world.files[1]]
        with pytest.raises(notices.NoticeRefused, match="只能列入原公示名单中"):
            notices.create_correction(world.notice, world.staff, [world.files[0]])


def test_a_draft_correction_naming_a_file_since_noticed_anew_is_not_published(noticed):
    """A draft correction keeps its files off a new notice (notice_candidates), so only a
    draft changed by hand could name one: publishing it is refused all the same."""
    world = noticed
    noticed_anew(world)
    with at(2026, 12, 11, 9, 0):
        correction = notices.create_correction(world.notice, world.staff)
        fill_in(correction)
        NoticeItem.objects.create(notice=correction, application=world.files[0], position=1)

    with at(2026, 12, 11, 9, 0), pytest.raises(notices.NoticeRefused, match="已列入另一份公示"):
        notices.publish(correction, world.staff)
