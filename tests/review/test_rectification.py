"""Rectification and revocation (Art. 9): an order with its articles, requirements and
deadline; the lead unit's report before the deadline; acceptance or revocation, each on the
alliance's timeline and in the public directory."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.demo import sample_pdf
from applications.enums import Action, Activity, OutboxKind, State
from applications.models import AuditEvent, Notification, OutboxMessage
from applications.workflow import GuardFailed, transition
from review import rectification
from review.models import RectificationFile, RectificationOrder

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MARCH_1 = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI)
GROUNDS = "联盟协议约定的联合攻关项目两年未开展，成员单位实际退出未报告。"
REQUIREMENTS = "补充签订联盟协议，报送成员变更情况及联合攻关项目计划。"


def order_data(deadline="2027-03-31", articles=("3", "4")):
    return {
        "order_rectification-comment": GROUNDS,
        "order_rectification-articles": list(articles),
        "order_rectification-requirements": REQUIREMENTS,
        "order_rectification-deadline": deadline,
    }


def act(client, user, application, action, data):
    client.force_login(user)
    return client.post(reverse("review:act", args=[application.pk, action]), data)


def answer(client, world, application, text="已补充签订协议，报送成员变更情况。", files=()):
    client.force_login(world.applicant)
    return client.post(
        reverse("rectification_answer", args=[application.pk]),
        {"answer": text, "files": list(files)},
    )


def public_page(client, application):
    client.logout()
    cache.clear()
    return client.get(reverse("alliance", args=[application.pk])).content.decode()


@pytest.fixture
def recognised(world):
    with time_machine.travel(MARCH_1):
        return world.application(State.RECOGNIZED)


def test_order_answer_accept_with_audit_events_and_data(world, client, recognised):
    alliance = recognised
    with time_machine.travel(MARCH_1):
        response = act(client, world.staff, alliance, "order_rectification", order_data())
        assert response.status_code == 302
        alliance.refresh_from_db()
        assert alliance.state == State.RECTIFYING

        ordered = AuditEvent.objects.get(application=alliance, action=Action.ORDER_RECTIFICATION)
        assert ordered.comment == GROUNDS
        assert ordered.data == {
            "articles": ["3", "4"],
            "requirements": REQUIREMENTS,
            "deadline": "2027-03-31",
        }
        order = RectificationOrder.objects.get(application=alliance)
        assert (order.deadline, order.event, order.is_open) == (datetime.date(2027, 3, 31), ordered, True)
        # The lead unit is told, with the order's details, in its messages.
        told = Notification.objects.get(recipient=world.applicant, event=ordered)
        assert "2027-03-31" in told.body and REQUIREMENTS in told.body

        # Its page shows the order, with the deadline and the articles in words.
        client.force_login(world.applicant)
        page = client.get(reverse("applications:detail", args=[alliance.pk])).content.decode()
        assert "限期整改通知" in page and "2027-03-31" in page and "第三条（联盟的主要任务）" in page
        assert "还剩 31 天" in page
        # The public directory marks it, with the date of the order.
        public = public_page(client, alliance)
        assert "限期整改中" in public and "2027-03-01" in public
        listed = client.get(reverse("alliances_json")).json()["alliances"]
        assert [(row["status"], row["status_since"]) for row in listed if row["id"] == alliance.pk] == [
            ("rectifying", "2027-03-01")
        ]

        # Staff cannot accept before the alliance has reported.
        response = act(
            client, world.staff, alliance, "accept_rectification", {"accept_rectification-comment": "合格"}
        )
        alliance.refresh_from_db()
        assert alliance.state == State.RECTIFYING

        response = answer(client, world, alliance, files=[SimpleUploadedFile("协议.pdf", sample_pdf())])
        assert response.status_code == 302
    order.refresh_from_db()
    assert order.answer.startswith("已补充签订协议") and order.answered_by == world.applicant
    answered = AuditEvent.objects.get(application=alliance, action=Activity.RECTIFICATION_ANSWERED)
    assert not answered.internal
    assert answered.data["files"] == ["协议.pdf"] and answered.data["deadline"] == "2027-03-31"
    stored = RectificationFile.objects.get(order=order)

    # Staff read the report and open its file from the file's page.
    client.force_login(world.staff)
    page = client.get(reverse("review:detail", args=[alliance.pk])).content.decode()
    assert "已补充签订协议" in page
    assert reverse("review:rectification_file", args=[alliance.pk, stored.pk]) in page
    assert client.get(reverse("review:rectification_file", args=[alliance.pk, stored.pk])).status_code == 200
    listing = client.get(reverse("review:rectifications")).content.decode()
    assert alliance.name in listing and "已报送" in listing

    with time_machine.travel(MARCH_1 + datetime.timedelta(days=10)):
        response = act(
            client,
            world.staff,
            alliance,
            "accept_rectification",
            {"accept_rectification-comment": "整改到位。"},
        )
    alliance.refresh_from_db()
    assert alliance.state == State.RECOGNIZED
    accepted = AuditEvent.objects.get(application=alliance, action=Action.ACCEPT_RECTIFICATION)
    assert accepted.comment == "整改到位。"
    order.refresh_from_db()
    assert order.outcome == "accepted" and order.closed_at == accepted.created_at

    # Every step is on the lead unit's timeline.
    client.force_login(world.applicant)
    page = client.get(reverse("applications:detail", args=[alliance.pk])).content.decode()
    for words in ("责令限期整改", "提交整改情况报告", "整改合格", "整改到位。", "协议.pdf"):
        assert words in page, words
    public = public_page(client, alliance)
    assert "已认定" in public and "限期整改中" not in public


def test_order_then_revoke_with_a_letter(world, client, recognised):
    alliance = recognised
    with time_machine.travel(MARCH_1):
        act(client, world.staff, alliance, "order_rectification", order_data())
    with time_machine.travel(datetime.datetime(2027, 4, 2, 9, 0, tzinfo=SHANGHAI)):
        response = act(
            client,
            world.staff,
            alliance,
            "revoke",
            {
                "revoke-comment": "逾期未报送整改情况。",
                "revoke-basis": "not_answered",
                "revoke-articles": ["9"],
            },
        )
    assert response.status_code == 302
    alliance.refresh_from_db()
    assert alliance.state == State.REVOKED
    revoked = AuditEvent.objects.get(application=alliance, action=Action.REVOKE)
    assert revoked.from_state == State.RECTIFYING
    assert revoked.data == {"basis": "not_answered", "articles": ["9"]}
    assert RectificationOrder.objects.get(application=alliance).outcome == "revoked"

    # A letter, not the usual message of a step.
    letter = OutboxMessage.objects.get(recipient=world.applicant, kind=OutboxKind.REVOCATION)
    assert "取消朔州市市级产业技术创新战略联盟资格" in letter.body and "2027-04-02" in letter.body
    assert "逾期未报送整改情况" in letter.body and "第九条（合法守信）" in letter.body
    assert (
        not OutboxMessage.objects.filter(recipient=world.applicant, kind=OutboxKind.TRANSITION)
        .filter(subject__contains=State.REVOKED.label)
        .exists()
    )

    client.force_login(world.applicant)
    page = client.get(reverse("applications:detail", args=[alliance.pk])).content.decode()
    assert "取消市级联盟资格" in page and "逾期未报送整改情况" in page
    public = public_page(client, alliance)
    assert "取消资格" in public and "2027-04-02" in public


def test_direct_revocation_is_for_serious_cases(world, client, recognised):
    alliance = recognised
    with time_machine.travel(MARCH_1):
        # Failing a rectification is no ground without an order.
        with pytest.raises(GuardFailed):
            transition(
                alliance, Action.REVOKE, world.staff, comment="—", data={"basis": "failed", "articles": ["5"]}
            )
        event = transition(
            alliance,
            Action.REVOKE,
            world.staff,
            comment="申报材料中的成员协议系伪造。",
            data={"basis": "false_materials", "articles": ["5", "9"]},
        )
    assert alliance.state == State.REVOKED and event.from_state == State.RECOGNIZED
    assert event.data == {"basis": "false_materials", "articles": ["5", "9"]}
    assert OutboxMessage.objects.filter(recipient=world.applicant, kind=OutboxKind.REVOCATION).count() == 1
    public = public_page(client, alliance)
    assert "取消资格" in public and "2027-03-01" in public
    # Staff read the grounds on the timeline, with the basis in words.
    client.force_login(world.staff)
    page = client.get(reverse("review:detail", args=[alliance.pk])).content.decode()
    assert "提供虚假材料（情节严重）" in page and "第五条（申报材料，含协议和章程）" in page


@pytest.mark.parametrize(
    ("deadline", "problem"), [("2027-03-01", "整改期限须晚于今天"), ("2028-03-02", "整改期限不能超过 365 天")]
)
def test_order_deadline_after_today_and_bounded(world, recognised, deadline, problem):
    with time_machine.travel(MARCH_1), pytest.raises(GuardFailed) as refused:
        data = {"articles": ["3"], "requirements": REQUIREMENTS, "deadline": deadline}
        transition(recognised, Action.ORDER_RECTIFICATION, world.staff, comment=GROUNDS, data=data)
    assert any(problem in message for message in refused.value.messages)
    recognised.refresh_from_db()
    assert recognised.state == State.RECOGNIZED


def test_answer_after_the_deadline_is_refused(world, client, recognised):
    with time_machine.travel(MARCH_1):
        act(client, world.staff, recognised, "order_rectification", order_data())
    order = RectificationOrder.objects.get(application=recognised)
    last_moment = datetime.datetime(2027, 3, 31, 23, 59, 0, tzinfo=SHANGHAI)
    with time_machine.travel(last_moment):
        rectification.answer(order, world.applicant, "第一次报送。", [])
    with time_machine.travel(datetime.datetime(2027, 4, 1, 0, 0, 0, tzinfo=SHANGHAI)):
        response = answer(client, world, recognised, text="逾期报送。")
        assert response.status_code == 302
        page = client.get(response.url).content.decode()
    assert "整改期限已于 2027-03-31 23:59 届满" in page
    assert "已逾期" in page and "rectification-answer" not in page
    order.refresh_from_db()
    assert order.answer == "第一次报送。"
    assert (
        AuditEvent.objects.filter(application=recognised, action=Activity.RECTIFICATION_ANSWERED).count() == 1
    )


def test_an_answer_within_the_last_second_of_the_deadline_is_taken(world, client, recognised):
    with time_machine.travel(MARCH_1):
        act(client, world.staff, recognised, "order_rectification", order_data())
    order = RectificationOrder.objects.get(application=recognised)
    last_second = datetime.datetime(2027, 3, 31, 23, 59, 59, 500000, tzinfo=SHANGHAI)

    assert not rectification.is_overdue(order, last_second)
    assert rectification.days_left(order, last_second) == 1
    with time_machine.travel(last_second, tick=False):
        rectification.answer(order, world.applicant, "最后一秒报送。", [])

    order.refresh_from_db()
    assert order.answer == "最后一秒报送。"
    assert rectification.is_overdue(order, datetime.datetime(2027, 4, 1, tzinfo=SHANGHAI))


def test_a_refused_answer_keeps_the_text_and_checks_files_by_content(world, client, recognised):
    with time_machine.travel(MARCH_1):
        act(client, world.staff, recognised, "order_rectification", order_data())
        fake = SimpleUploadedFile("报告.pdf", b"this is not a pdf at all")
        response = answer(client, world, recognised, text="报告正文。", files=[fake])
        page = client.get(response.url).content.decode()
    assert "报告正文。" in page and "报告.pdf" in page
    assert not RectificationOrder.objects.get(application=recognised).answered_at
    assert not RectificationFile.objects.exists()


def test_answer_files_answer_404_to_everyone_else(world, client, recognised):
    with time_machine.travel(MARCH_1):
        act(client, world.staff, recognised, "order_rectification", order_data())
        answer(client, world, recognised, files=[SimpleUploadedFile("报告.pdf", sample_pdf())])
    stored = RectificationFile.objects.get()
    own = reverse("applicant_rectification_file", args=[recognised.pk, stored.pk])
    bureau = reverse("review:rectification_file", args=[recognised.pk, stored.pk])
    for user in (world.other_applicant, world.unit, world.expert, world.admin, None):
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(own).status_code == 404, user
        assert client.get(bureau).status_code == 404, user
    client.force_login(world.applicant)
    assert client.get(own).status_code == 200
    assert client.get(bureau).status_code == 404
    # Another alliance's address does not serve it either.
    other = world.application(State.SUBMITTED)
    client.force_login(world.staff)
    assert client.get(reverse("review:rectification_file", args=[other.pk, stored.pk])).status_code == 404


def test_another_lead_unit_cannot_answer(world, client, recognised):
    with time_machine.travel(MARCH_1):
        act(client, world.staff, recognised, "order_rectification", order_data())
        client.force_login(world.other_applicant)
        response = client.post(
            reverse("rectification_answer", args=[recognised.pk]), {"answer": "冒名报送。"}
        )
    assert response.status_code == 404
    assert not RectificationOrder.objects.get(application=recognised).answered_at


# Session, user, the two-factor policy, unread messages, the footer's edition, the edition
# warning (the edition in force, its successor), the open orders, the closed ones.
LIST_QUERIES = 9


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_takes_the_same_queries_for_1_and_3_alliances(
    world, client, django_assert_num_queries, rows
):
    with time_machine.travel(MARCH_1):
        for _ in range(rows):
            revoked, open_ = world.application(State.RECOGNIZED), world.application(State.RECOGNIZED)
            act(client, world.staff, open_, "order_rectification", order_data())
            act(client, world.staff, revoked, "order_rectification", order_data())
            transition(
                revoked, Action.REVOKE, world.staff, comment="—", data={"basis": "failed", "articles": ["9"]}
            )
        client.force_login(world.staff)
        url = reverse("review:rectifications")
        client.get(url)  # the session's first use
        with django_assert_num_queries(LIST_QUERIES):
            page = client.get(url).content.decode()
    assert page.count("未报送") == rows and page.count("取消资格 2027-03-01") == rows


def test_a_lapse_under_rectification_closes_the_open_order(world, client):
    from review import annual

    from .test_annual_reports import alliance, at

    application = alliance(world)
    with time_machine.travel(at(2027, 2, 1, 9), tick=False):
        act(client, world.staff, application, "order_rectification", order_data())
    application.refresh_from_db()
    assert application.state == State.RECTIFYING

    with time_machine.travel(at(2027, 3, 1, 1), tick=False):
        annual.enforce()

    application.refresh_from_db()
    order = RectificationOrder.objects.get(application=application)
    lapse = AuditEvent.objects.get(application=application, action=Action.LAPSE)
    assert application.state == State.LAPSED
    assert (order.outcome, order.closed_at) == ("lapsed", lapse.created_at)
    assert rectification.current_order(application) is None
    with time_machine.travel(at(2027, 3, 2, 9), tick=False):
        client.force_login(world.staff)
        page = client.get(reverse("review:rectifications")).content.decode()
    assert "视为自动放弃（第八条）" in page
