"""The staff's panel of the experts' scores (Art. 6) and its frozen result; what experts and
applicants do not see; the demo's expert stage."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.enums import Action, Activity, State
from applications.models import Notification, OutboxMessage
from applications.workflow import transition
from review.enums import AssignmentStatus, Recommendation, ReviewProgress, ReviewStatus
from review.models import AspectScore, Assignment, ExpertReview, PanelResult
from review.panel import panel
from review.rubric import rubric
from review.scoring import progress_of

from ..factories import expert, log_in
from .helpers import panel_of, submit

# Three experts' scores on 创新活动, 创新绩效, 服务产业, 运行管理 (each out of 25).
SCORES = {
    "A": ([20, 18.5, 15, 22], Recommendation.RECOMMEND),  # total 75.5
    "B": ([24, 22, 20, 23], Recommendation.RECOMMEND),  # total 89
    "C": ([10, 12, 9.5, 14], Recommendation.NOT_RECOMMEND),  # total 45.5
}


def scored(world):
    application, assignments = panel_of(world)
    for assignment, (values, recommendation) in zip(assignments, SCORES.values(), strict=True):
        submit(assignment, values, recommendation, opinion=f"{assignment.expert.name}的综合意见")
    application.refresh_from_db()
    return application, assignments


def d(text):
    return Decimal(text)


def test_the_panels_numbers_are_the_ones_computed_by_hand(world):
    application, _assignments = scored(world)

    result = panel(application)

    stats = {aspect.name: s for aspect, s in result.aspect_stats}
    # 创新活动: (20 + 24 + 10) / 3 = 18; median 20; 10–24.
    assert (stats["创新活动"].mean, stats["创新活动"].median) == (d("18.00"), d("20.00"))
    assert (stats["创新活动"].minimum, stats["创新活动"].maximum) == (d("10"), d("24"))
    # 创新绩效: 52.5 / 3 = 17.5; 服务产业: 44.5 / 3 = 14.833… → 14.83; 运行管理: 59 / 3 = 19.666… → 19.67.
    assert stats["创新绩效"].mean == d("17.50") and stats["创新绩效"].median == d("18.50")
    assert stats["服务产业"].mean == d("14.83") and stats["服务产业"].minimum == d("9.5")
    assert stats["运行管理"].mean == d("19.67") and stats["运行管理"].maximum == d("23")
    # Totals 75.5, 89, 45.5: mean 210 / 3 = 70, median 75.5, spread 43.5 > 15.
    assert [row.total for row in result.rows] == [d("75.5"), d("89.0"), d("45.5")]
    assert (result.total_stats.mean, result.total_stats.median) == (d("70.00"), d("75.50"))
    assert (result.total_stats.minimum, result.total_stats.maximum, result.total_stats.spread) == (
        d("45.5"),
        d("89.0"),
        d("43.5"),
    )
    assert result.max_total == 100
    assert result.disagreement
    assert (result.recommend_count, result.not_recommend_count) == (2, 1)


def test_an_even_panel_takes_the_middle_two_for_its_median(world):
    application, assignments = panel_of(world, count=4)
    totals = {60: [15] * 4, 70: [17.5] * 4, 71: [17.5, 17.5, 18, 18], 90: [22.5] * 4}
    for assignment, values in zip(assignments, totals.values(), strict=True):
        submit(assignment, values)

    result = panel(application)

    assert result.total_stats.median == d("70.50")  # (70 + 71) / 2
    assert result.total_stats.mean == d("72.75")  # 291 / 4


@pytest.mark.parametrize(("low", "flagged"), [(65, False), (64.9, True)])
def test_disagreement_is_a_spread_beyond_the_editions_threshold(world, low, flagged):
    application, (first, second, third) = panel_of(world)
    world.edition.disagreement_threshold = 15
    world.edition.save()
    application.refresh_from_db()
    submit(first, [20, 20, 20, 20])  # 80
    submit(second, [20, 20, 20, 20])
    submit(third, [20, 20, 20, Decimal(str(low)) - 60])  # 65 (spread 15) or 64.9 (15.1)

    assert panel(application).disagreement == flagged


def test_drafts_are_not_counted_in_the_panel(world):
    application, (first, second, _third) = panel_of(world)
    submit(first, [20, 20, 20, 20])
    submit(second, [5, 5, 5, 5], draft=True)

    result = panel(application)

    assert [row.submitted for row in result.rows] == [True, False, False]
    assert result.total_stats.mean == d("80.00") and not result.disagreement


def test_closing_the_review_freezes_the_panel_into_the_file(world):
    application, _assignments = scored(world)

    event = transition(application, Action.CLOSE_REVIEW, world.staff)

    frozen = PanelResult.objects.get(application=application)
    assert frozen.event == event and application.panel_results.get() == frozen
    assert [(a["name"], a["mean"], a["median"], a["min"], a["max"]) for a in frozen.aspects] == [
        ("创新活动", "18.00", "20.00", "10.0", "24.0"),
        ("创新绩效", "17.50", "18.50", "12.0", "22.0"),
        ("服务产业", "14.83", "15.00", "9.5", "20.0"),
        ("运行管理", "19.67", "22.00", "14.0", "23.0"),
    ]
    assert frozen.total == {
        "mean": "70.00",
        "median": "75.50",
        "min": "45.5",
        "max": "89.0",
        "spread": "43.5",
    }
    assert (frozen.expert_count, frozen.recommend_count, frozen.not_recommend_count) == (3, 2, 1)
    assert frozen.disagreement and frozen.disagreement_threshold == 15 and frozen.max_total == 100
    # Numbered, never named: the Party group's papers carry no expert's identity.
    assert [review["total"] for review in frozen.reviews] == ["75.5", "89.0", "45.5"]
    assert "专家reviewer" not in str(frozen.reviews)
    with pytest.raises(PermissionError):
        frozen.save()


def test_staff_see_the_panel_on_the_file_and_on_its_own_page(world, client):
    application, _assignments = scored(world)
    log_in(client, "staff")

    detail = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    page = client.get(reverse("review:panel", args=[application.pk])).content.decode()

    for text in ("专家reviewer1", "专家reviewer3", "75.5", "45.5", "70.00", "意见分歧较大", "45.5–89.0"):
        assert text in detail and text in page, text
    assert "专家reviewer3的综合意见" in page  # the opinions, on the panel's page


@pytest.mark.parametrize("rows", [1, 50])
def test_the_panel_takes_the_same_queries_for_1_and_50_experts(
    world, client, django_assert_num_queries, rows
):
    application = world.application(State.FORWARDED)
    aspects = rubric(application.edition)
    reviewers = [expert(f"panel{n}") for n in range(rows)]
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                application=application,
                expert=reviewer,
                due_on=timezone.localdate(),
                assigned_by=world.staff,
                status=AssignmentStatus.DECLARED,
            )
            for reviewer in reviewers
        ]
    )
    reviews = ExpertReview.objects.bulk_create(
        [
            ExpertReview(assignment=a, status=ReviewStatus.SUBMITTED, recommendation=Recommendation.RECOMMEND)
            for a in assignments
        ]
    )
    AspectScore.objects.bulk_create(
        [
            AspectScore(review=review, aspect=aspect, score=Decimal(20))
            for review in reviews
            for aspect in aspects
        ]
    )
    log_in(client, "staff")

    with django_assert_num_queries(QUERIES_FOR_PANEL):
        page = client.get(reverse("review:panel", args=[application.pk])).content.decode()

    assert page.count('class="panel-row"') == rows
    assert "80.00" in page


# Session, user, the staff's two-factor device and policy, the file, unread messages; the
# rubric, the assignments with experts and reviews, the scores, the frozen result.
QUERIES_FOR_PANEL = 10


# Who does not see it --------------------------------------------------------------------------------


def test_an_expert_sees_neither_another_experts_scores_nor_their_name(world, client):
    application, (first, second, _third) = panel_of(world)
    submit(second, [11.5, 12.5, 13.5, 14.5], opinion="第二位专家的意见")
    log_in(client, first.expert.user.username)

    pages = [
        client.get(reverse("review:detail", args=[application.pk])).content.decode(),
        client.get(reverse("review:score", args=[application.pk])).content.decode(),
        client.get(reverse("review:dashboard")).content.decode(),
    ]

    for page in pages:
        for text in ("专家reviewer2", "专家reviewer3", "12.5", "14.5", "第二位专家的意见", "办理记录"):
            assert text not in page, text
    assert client.get(reverse("review:panel", args=[application.pk])).status_code == 403


def test_the_applicant_sees_none_of_the_expert_stage(world, client):
    application, assignments = scored(world)
    transition(application, Action.CLOSE_REVIEW, world.staff)
    log_in(client, "applicant")

    pages = [
        client.get(reverse("applications:detail", args=[application.pk])).content.decode(),
        client.get(reverse("applications:dashboard")).content.decode(),
        client.get(reverse("accounts:notifications")).content.decode(),
    ]
    messages = Notification.objects.filter(recipient=world.applicant)

    names = [assignment.expert.name for assignment in assignments]
    for page in pages:
        for text in [*names, "75.5", "70.00", "回避", "指派评审专家", "评审意见", "推荐"]:
            assert text not in page, text
    assert application.events.filter(internal=True, action=Activity.REVIEW_SUBMITTED).count() == 3
    assert not messages.filter(event__internal=True).exists()
    assert all(name not in message.body for message in messages for name in names)
    mails = OutboxMessage.objects.filter(recipient=world.applicant)
    assert mails.exists() and all(name not in mail.body for mail in mails for name in names)
    assert not mails.filter(subject__contains="评审邀请").exists()
    assert client.get(reverse("review:panel", args=[application.pk])).status_code == 403
    assert client.get(reverse("review:assignments", args=[application.pk])).status_code == 403


# The demo ------------------------------------------------------------------------------------------------


def test_the_demo_has_experts_at_every_point_and_expert1_has_something_to_score(demo, client):
    points = {progress_of(a) for a in Assignment.objects.select_related("review", "application")}
    log_in(client, "expert1", "shuozhou-demo")
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    to_score = Assignment.objects.get(
        expert__user__username="expert1",
        application__state=State.UNDER_REVIEW,
        application__lead_unit__name="朔州市晋北新材料科技有限公司",
    )
    sheet = client.get(reverse("review:score", args=[to_score.application_id])).content.decode()

    assert {
        ReviewProgress.NOT_DECLARED,
        ReviewProgress.DECLARED,
        ReviewProgress.DRAFT,
        ReviewProgress.SUBMITTED,
    } <= points
    assert progress_of(to_score) == ReviewProgress.DECLARED
    assert to_score.application.name in dashboard and "已声明，待评分" in dashboard
    assert "提交评审意见</button>" in sheet
    # expert1–3 review 朔城区's files, expert4 平鲁区's.
    assert set(
        Assignment.objects.filter(application__organising_unit__code="shuocheng").values_list(
            "expert__user__username", flat=True
        )
    ) == {"expert1", "expert2", "expert3"}
    assert "expert4" in Assignment.objects.filter(application__organising_unit__code="pinglu").values_list(
        "expert__user__username", flat=True
    )
    # A closed panel whose experts disagree, frozen for the Party group.
    assert PanelResult.objects.filter(disagreement=True, application__state=State.AWAITING_DECISION).exists()
