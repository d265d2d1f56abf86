"""The experts' reviews (Art. 6): a score and a comment on each aspect of the edition's
rubric (创新活动, 创新绩效, 服务产业, 运行管理), an overall opinion and a recommendation.

A declared expert saves drafts while the file is under review; submitting locks the review,
and only staff reopen it, with a reason, on the file's audit trail. CLOSE_REVIEW waits for
every active assigned expert's submitted review (``all_reviews_submitted``).
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.enums import Activity, State
from applications.guards import Guard
from applications.models import Application
from applications.refusals import Refused
from applications.workflow import record

from . import experts
from .enums import AssignmentStatus, Recommendation, ReviewProgress, ReviewStatus
from .models import AspectScore, ExpertReview
from .rubric import rubric


class ScoringRefused(Refused):
    """A review that cannot be saved, submitted or reopened; ``messages`` say why."""


def progress_of(assignment):
    """Where the expert stands on the file (``ReviewProgress``); reads ``assignment.review``
    (select it with the assignment)."""
    if assignment.status == AssignmentStatus.DECLINED:
        return ReviewProgress.DECLINED
    if assignment.status == AssignmentStatus.WITHDRAWN:
        return ReviewProgress.WITHDRAWN
    if assignment.status == AssignmentStatus.ENDED:
        return ReviewProgress.ENDED
    if assignment.status == AssignmentStatus.ASSIGNED:
        return ReviewProgress.NOT_DECLARED
    review = getattr(assignment, "review", None)
    if review is None:
        return ReviewProgress.DECLARED
    return ReviewProgress.SUBMITTED if review.is_submitted else ReviewProgress.DRAFT


def total_of(scores):
    """The total: the sum of the aspects' scores (None while one is missing)."""
    values = list(scores)
    if not values or any(value is None for value in values):
        return None
    return sum(values, Decimal(0))


def review_of(assignment):
    """The assignment's review, or None before the expert has saved anything."""
    return ExpertReview.objects.filter(assignment=assignment).first()


def scores_of(review):
    """``{aspect_id: AspectScore}`` of ``review`` (empty for None)."""
    if review is None:
        return {}
    return {score.aspect_id: score for score in review.scores.all()}


def _locked_review(assignment):
    ExpertReview.objects.get_or_create(assignment=assignment)
    return ExpertReview.objects.select_for_update().get(assignment=assignment)


def score_problem(aspect, score):
    """What is wrong with ``score`` on ``aspect`` (None if nothing): 0 to its maximum, at
    most one decimal."""
    if score is None:
        return None
    bounds = {"aspect": aspect.display_name, "max": aspect.max_score}
    if not Decimal(0) <= score <= aspect.max_score:
        return _("“%(aspect)s”的得分应在 0 至 %(max)d 分之间。") % bounds
    if score != score.quantize(ONE_DECIMAL):
        return _("“%(aspect)s”的得分最多保留一位小数。") % bounds
    return None


ONE_DECIMAL = Decimal("0.1")


def completeness_problems(aspects, scores, opinion, recommendation):
    """What a review lacks to be submitted: every aspect scored (0 to its maximum) and
    commented, an overall opinion, a recommendation."""
    problems = []
    for aspect in aspects:
        score, comment = scores.get(aspect.code, (None, ""))
        if score is None:
            problems.append(_("请为“%(aspect)s”评分。") % {"aspect": aspect.display_name})
        elif score_problem(aspect, score):
            problems.append(score_problem(aspect, score))
        if not (comment or "").strip():
            problems.append(_("请填写“%(aspect)s”的评语。") % {"aspect": aspect.display_name})
    if not (opinion or "").strip():
        problems.append(_("请填写综合评审意见。"))
    if recommendation not in Recommendation.values:
        problems.append(_("请选择评审结论（推荐或不推荐）。"))
    return problems


def save_review(assignment, user, *, scores, opinion, recommendation, submit=False, ip_address=None):
    """Save the expert's review of the file (a draft), and lock it if ``submit``.

    ``scores`` is ``{aspect code: (score or None, comment)}``. Only the expert of a declared
    assignment, while the file is under review, and only before submitting.
    """
    with transaction.atomic():
        locked = experts._locked_assignment(assignment, "application__edition")
        application = locked.application
        if locked.expert.user_id == user.pk and locked.status == AssignmentStatus.ENDED:
            raise ScoringRefused(experts.ROUND_ENDED)
        if locked.expert.user_id != user.pk or locked.status != AssignmentStatus.DECLARED:
            raise ScoringRefused(_("这不是您的评审任务，或您尚未作出回避声明。"))
        if application.state != State.UNDER_REVIEW:
            raise ScoringRefused(
                _("该申报当前状态为“%(state)s”，不在专家评审阶段，不能评分。")
                % {"state": application.get_state_display()}
            )
        review = _locked_review(locked)
        if review.is_submitted:
            raise ScoringRefused(_("评审意见已提交并锁定；如需修改，请联系市科技局重新开放。"))
        aspects = rubric(application.edition)
        if submit:
            problems = completeness_problems(aspects, scores, opinion, recommendation)
            if problems:
                raise ScoringRefused(*problems)
        for aspect in aspects:
            score, comment = scores.get(aspect.code, (None, ""))
            problem = score_problem(aspect, score)
            if problem:
                raise ScoringRefused(problem)
            AspectScore.objects.update_or_create(
                review=review, aspect=aspect, defaults={"score": score, "comment": (comment or "").strip()}
            )
        review.opinion = (opinion or "").strip()
        review.recommendation = recommendation or ""
        if submit:
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = timezone.now()
        review.save()
        if submit:
            total = total_of(scores[aspect.code][0] for aspect in aspects)
            record(
                application,
                Activity.REVIEW_SUBMITTED,
                user,
                data={"total": str(total), "recommendation": recommendation},
                ip_address=ip_address,
            )
    return review


def reopen(review, actor, reason, *, ip_address=None):
    """Staff reopen a submitted review, with a reason (Art. 6): the expert may change it and
    submit again. Only while the file is under review; written on its audit trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ScoringRefused(_("请填写重新开放的理由。"))
    with transaction.atomic():
        # The file first, as everywhere (``experts._locked_assignment``).
        Application.objects.select_for_update(of=("self",)).only("pk").get(assignments__review=review)
        locked = (
            ExpertReview.objects.select_for_update(of=("self",))
            .select_related("assignment__application", "assignment__expert")
            .get(pk=review.pk)
        )
        application = locked.assignment.application
        if application.state != State.UNDER_REVIEW:
            raise ScoringRefused(_("专家评审已结束，评审意见不能再重新开放。"))
        if not locked.is_submitted:
            raise ScoringRefused(_("该评审意见尚未提交，无需重新开放。"))
        locked.status = ReviewStatus.DRAFT
        locked.submitted_at = None
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        record(
            application,
            Activity.REVIEW_REOPENED,
            actor,
            comment=reason,
            data={"expert": locked.assignment.expert.name},
            ip_address=ip_address,
        )
        experts.tell_expert(
            locked.assignment,
            subject=gettext_lazy("【朔州市联盟申报】评审意见已重新开放：%(name)s"),
            template="email/review_reopened.txt",
            actor=actor,
            reason=reason,
        )
    return locked


# CLOSE_REVIEW's guard ---------------------------------------------------------------------------


def open_reviews(application):
    """Active assignments of ``application`` whose review is not submitted."""
    return (
        experts.active_assignments(application)
        .exclude(review__status=ReviewStatus.SUBMITTED)
        .select_related("expert")
    )


def _all_reviews_submitted(application, row, actor):
    """Art. 6: the review closes once every active assigned expert has submitted (an expert
    who declined or was withdrawn does not count), and at least the edition's number."""
    problems = []
    waiting = list(open_reviews(application))
    if waiting:
        names = "、".join(assignment.expert.name for assignment in waiting)
        problems.append(
            _("还有 %(n)d 位专家的评审意见未提交：%(names)s。") % {"n": len(waiting), "names": names}
        )
    needed = application.edition.experts_per_file
    submitted = experts.active_assignments(application).filter(review__status=ReviewStatus.SUBMITTED).count()
    if submitted + len(waiting) < needed:
        problems.append(
            _(
                "有效指派的评审专家 %(n)d 位，每件申报至少需要 %(needed)d 位（第六条）："
                "请指派专家替换已回避或撤回的专家。"
            )
            % {"n": submitted + len(waiting), "needed": needed}
        )
    return problems


def demo_scores(aspects, number, *, spread=Decimal("0.8")):
    """A demo review's scores: ``spread`` of each maximum, a little lower for each later
    expert (``number`` from 0)."""
    scores = {}
    for aspect in aspects:
        value = (aspect.max_score * (spread - Decimal("0.04") * number)).quantize(Decimal("0.1"))
        scores[aspect.code] = (max(Decimal(0), min(value, Decimal(aspect.max_score))), DEMO_COMMENT)
    return scores


DEMO_COMMENT = "材料翔实，相关情况说明清楚。"
DEMO_OPINION = "联盟组建目标明确，成员结构合理，产学研结合紧密，建议予以认定。"


def submit_demo_reviews(application, row=None, actor=None):
    """Every active assigned expert declares and submits a demo review: for the demo data and
    the test world only (``Guard.satisfy``)."""
    experts.assign_enough(application, row, actor)
    application.refresh_from_db()
    aspects = rubric(application.edition)
    for number, assignment in enumerate(open_reviews(application).select_related("expert__user")):
        user = assignment.expert.user
        if assignment.status == AssignmentStatus.ASSIGNED:
            experts.declare(assignment, user)
        save_review(
            assignment,
            user,
            scores=demo_scores(aspects, number),
            opinion=DEMO_OPINION,
            recommendation=Recommendation.RECOMMEND,
            submit=True,
        )


all_reviews_submitted = Guard(_all_reviews_submitted, satisfy=submit_demo_reviews)
