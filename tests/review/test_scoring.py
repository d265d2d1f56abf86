"""The experts' reviews (Art. 6): the rubric on the edition, drafts, submission that locks,
staff reopening with a reason, and CLOSE_REVIEW waiting for every review."""

from decimal import Decimal

import pytest
from django.urls import reverse

from applications.enums import Action, Activity, State
from applications.models import OutboxMessage, PolicyEdition
from applications.workflow import GuardFailed, transition
from review import experts as pool
from review import scoring
from review.enums import Recommendation, ReviewStatus
from review.models import AspectScore, ExpertReview, RubricAspect
from review.rubric import rubric
from review.scoring import ScoringRefused

from ..factories import PolicyEditionFactory, expert, log_in
from .helpers import panel_of, submit


def as_user(client, username):
    client.logout()
    log_in(client, username)
    return client


def sheet(
    values, *, opinion="成员结构合理，建议认定。", recommendation="recommend", intent="submit", comments=True
):
    """The score sheet as posted: the four aspects of Art. 6 in order."""
    codes = ["innovation_activity", "innovation_performance", "industry_service", "operation"]
    data = {"opinion": opinion, "recommendation": recommendation, "intent": intent}
    for code, value in zip(codes, values, strict=True):
        data[f"score_{code}"] = "" if value is None else str(value)
        data[f"comment_{code}"] = f"{code}评语" if comments else ""
    return data


# The rubric ---------------------------------------------------------------------------------------


def test_every_edition_has_the_four_aspects_of_article_6(db):
    from ..conftest import restore_reference_data

    restore_reference_data()
    first = PolicyEdition.objects.get(document_number="朔科发〔2021〕5号")  # made by a migration
    renewed = PolicyEditionFactory(document_number="测试〔2027〕1号", score_max_per_aspect=30)

    assert [(a.name, a.max_score) for a in rubric(first)] == [
        ("创新活动", 25),
        ("创新绩效", 25),
        ("服务产业", 25),
        ("运行管理", 25),
    ]
    assert [a.max_score for a in rubric(renewed)] == [30, 30, 30, 30]
    assert rubric(first)[0].guidance.startswith("第六条（一）：履行合作协议")


# Drafts, submission, locking --------------------------------------------------------------------------


def test_a_draft_saves_what_is_filled_in_and_comes_back(world, client):
    application, (assignment, *_rest) = panel_of(world)
    as_user(client, "reviewer1")
    url = reverse("review:score", args=[application.pk])

    client.post(url, sheet([20, None, 18.5, None], opinion="", recommendation="", intent="save"))
    page = client.get(url).content.decode()

    review = ExpertReview.objects.get(assignment=assignment)
    assert review.status == ReviewStatus.DRAFT
    assert 'value="20.0"' in page and 'value="18.5"' in page
    assert scoring.progress_of(assignment).label == "评分草稿"


def test_submitting_needs_every_aspect_a_comment_an_opinion_and_a_conclusion(world, client):
    application, (assignment, *_rest) = panel_of(world)
    as_user(client, "reviewer1")

    response = client.post(
        reverse("review:score", args=[application.pk]),
        sheet([20, None, 18, 22], opinion="", recommendation="", comments=False),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "请为“创新绩效”评分。" in page
    assert "请填写“创新活动”的评语。" in page
    assert "请填写综合评审意见。" in page and "请选择评审结论（推荐或不推荐）。" in page
    assert 'value="22"' in page  # what was typed stays
    assert not ExpertReview.objects.filter(assignment=assignment, status=ReviewStatus.SUBMITTED).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("26", "“创新活动”的得分应在 0 至 25 分之间。"),
        ("-1", "“创新活动”的得分应在 0 至 25 分之间。"),
        ("12.25", "“创新活动”的得分最多保留一位小数。"),
        ("十二", "“创新活动”的得分应为数字，最多一位小数。"),
    ],
)
def test_a_bad_score_is_refused_with_the_typed_value_kept(world, client, typed, message):
    application, (assignment, *_rest) = panel_of(world)
    as_user(client, "reviewer1")
    data = sheet([0, 20, 20, 20])
    data["score_innovation_activity"] = typed

    response = client.post(reverse("review:score", args=[application.pk]), data)

    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page
    assert not ExpertReview.objects.filter(assignment=assignment).exists()


def test_submission_locks_the_review(world, client):
    application, (assignment, *_rest) = panel_of(world)
    as_user(client, "reviewer1")
    url = reverse("review:score", args=[application.pk])

    client.post(url, sheet([20, 21, 18.5, 22]))
    again = client.post(url, sheet([1, 1, 1, 1]))
    page = client.get(url).content.decode()

    review = ExpertReview.objects.get(assignment=assignment)
    assert review.status == ReviewStatus.SUBMITTED and review.submitted_at is not None
    assert "评审意见已提交并锁定；如需修改，请联系市科技局重新开放。" in again.content.decode()
    assert sorted(AspectScore.objects.filter(review=review).values_list("score", flat=True)) == [
        Decimal("18.5"),
        Decimal("20.0"),
        Decimal("21.0"),
        Decimal("22.0"),
    ]
    assert "评审意见已于" in page and "disabled" in page and "提交评审意见</button>" not in page
    event = application.events.get(action=Activity.REVIEW_SUBMITTED)
    assert event.internal and event.data == {"total": "81.5", "recommendation": "recommend"}
    with pytest.raises(ScoringRefused):
        submit(assignment, [1, 1, 1, 1])


def test_an_expert_cannot_score_before_the_review_starts(world):
    _application, (assignment, *_rest) = panel_of(world, state=State.FORWARDED)

    with pytest.raises(ScoringRefused) as refused:
        submit(assignment, [20, 20, 20, 20])

    assert "不在专家评审阶段" in refused.value.messages[0]


# Reopening ---------------------------------------------------------------------------------------------


def test_only_staff_reopen_a_submitted_review_with_a_reason_on_the_record(world, client):
    application, (assignment, *_rest) = panel_of(world)
    review = submit(assignment, [20, 21, 18.5, 22])
    url = reverse("review:review_reopen", args=[application.pk, assignment.pk])

    as_user(client, "reviewer1")
    by_expert = client.post(url, {"reason": "想改分"})
    as_user(client, "staff")
    without_reason = client.post(url, {"reason": " "}, follow=True).content.decode()
    review.refresh_from_db()
    still_locked = review.status
    client.post(url, {"reason": "创新绩效评语与分数不一致，请专家核实。"})

    review.refresh_from_db()
    assert by_expert.status_code == 403
    assert "请填写理由。" in without_reason and still_locked == ReviewStatus.SUBMITTED
    assert review.status == ReviewStatus.DRAFT and review.submitted_at is None
    event = application.events.get(action=Activity.REVIEW_REOPENED)
    assert event.internal and event.actor == world.staff
    assert event.comment == "创新绩效评语与分数不一致，请专家核实。"
    assert event.data == {"expert": "专家reviewer1"}
    told = OutboxMessage.objects.get(recipient=assignment.expert.user, subject__contains="重新开放")
    assert "创新绩效评语与分数不一致，请专家核实。" in told.body
    # The expert changes the review and submits it again.
    submit(assignment, [20, 15, 18.5, 22])
    assert application.events.filter(action=Activity.REVIEW_SUBMITTED).count() == 2


# CLOSE_REVIEW's guard ------------------------------------------------------------------------------------


def test_close_review_is_refused_while_a_review_is_open(world, client):
    application, (first, second, third) = panel_of(world)
    submit(first, [20, 20, 20, 20])
    submit(second, [18, 18, 18, 18], draft=True)

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.CLOSE_REVIEW, world.staff)
    as_user(client, "staff")
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    submit(second, [18, 18, 18, 18])
    submit(third, [22, 22, 22, 22], Recommendation.NOT_RECOMMEND)
    transition(application, Action.CLOSE_REVIEW, world.staff)

    assert refused.value.messages == ["还有 2 位专家的评审意见未提交：专家reviewer2、专家reviewer3。"]
    assert "还有 2 位专家的评审意见未提交" in page
    assert application.state == State.AWAITING_DECISION


def test_a_declined_expert_does_not_hold_the_review_but_must_be_replaced(world):
    application, (first, second, third) = panel_of(world)
    submit(first, [20, 20, 20, 20])
    submit(second, [20, 20, 20, 20])
    pool.decline(third, third.expert.user, "与成员单位有合作项目")

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.CLOSE_REVIEW, world.staff)
    replacement = pool.assign(application, expert("replacement"), world.staff)
    submit(pool.declare(replacement, replacement.expert.user), [19, 19, 19, 19])
    transition(application, Action.CLOSE_REVIEW, world.staff)

    assert "有效指派的评审专家 2 位，每件申报至少需要 3 位（第六条）" in refused.value.messages[0]
    assert application.state == State.AWAITING_DECISION


def test_driving_a_file_past_the_review_submits_every_experts_review(world):
    application = world.application(State.AWAITING_DECISION)

    reviews = ExpertReview.objects.filter(assignment__application=application)
    assert reviews.count() == world.edition.experts_per_file
    assert set(reviews.values_list("status", flat=True)) == {ReviewStatus.SUBMITTED}
    assert RubricAspect.objects.filter(edition=world.edition).count() == 4


def test_the_administrator_adjusts_an_aspects_maximum_and_guidance(world, client):
    aspect = rubric(world.edition)[0]
    client.force_login(world.admin)
    url = reverse("admin:review_rubricaspect_change", args=[aspect.pk])

    client.post(
        url,
        {
            "order": 1,
            "name": "创新活动",
            "name_en": "Innovation activities",
            "max_score": 30,
            "guidance": "第六条（一）：重点看联合攻关项目。",
            "guidance_en": "",
        },
    )
    listing = client.get(reverse("admin:review_rubricaspect_changelist")).content.decode()

    aspect.refresh_from_db()
    assert (aspect.max_score, aspect.guidance) == (30, "第六条（一）：重点看联合攻关项目。")
    assert "创新活动" in listing
    assert client.get(reverse("admin:review_rubricaspect_add")).status_code == 403


@pytest.mark.parametrize(("typed", "score"), [("8.50", "8.5"), ("20.0", "20"), ("7", "7")])
def test_zeros_after_the_last_digit_are_no_decimal_places(typed, score):
    from decimal import Decimal

    from review.forms.experts import ScoreField

    field = ScoreField(min_value=0, max_value=20, max_digits=4, decimal_places=1)

    assert field.clean(typed) == Decimal(score)
