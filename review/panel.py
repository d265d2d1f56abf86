"""The staff's view of the expert panel (Art. 6): every expert's scores side by side, per
aspect and in total the mean, median, minimum and maximum, and a flag where the experts'
totals lie further apart than the edition's ``disagreement_threshold``.

Only submitted reviews are counted: a draft is the expert's own until submitted. When the
review closes, the panel is frozen into the file (``freeze_panel``, a record of the
CLOSE_REVIEW row): the Party group decides on that result.
"""

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from .enums import ACTIVE_ASSIGNMENT, Recommendation
from .experts import is_overdue
from .models import AspectScore, PanelResult
from .rubric import max_total, rubric
from .scoring import total_of

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Stats:
    """Mean and median to two decimals (half up); minimum and maximum as scored."""

    mean: Decimal
    median: Decimal
    minimum: Decimal
    maximum: Decimal

    @property
    def spread(self):
        return self.maximum - self.minimum

    def as_json(self):
        return {
            "mean": str(self.mean),
            "median": str(self.median),
            "min": str(self.minimum),
            "max": str(self.maximum),
            "spread": str(self.spread),
        }


def stats_of(values):
    """``Stats`` of decimal ``values``; None when there are none."""
    values = [Decimal(value) for value in values]
    if not values:
        return None
    mean = (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)
    median = Decimal(statistics.median(values)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Stats(mean=mean, median=median, minimum=min(values), maximum=max(values))


@dataclass
class PanelRow:
    """One expert of the panel (``number`` from 1, in assignment order)."""

    number: int
    assignment: object
    review: object
    scores: list = field(default_factory=list)  # aligned with the panel's aspects
    total: Decimal | None = None
    overdue: bool = False

    @property
    def submitted(self):
        return self.review is not None and self.review.is_submitted


@dataclass
class Panel:
    aspects: list
    rows: list
    aspect_stats: list  # [(aspect, Stats or None)]
    total_stats: Stats | None
    max_total: Decimal
    threshold: int
    recommend_count: int
    not_recommend_count: int

    @property
    def submitted_rows(self):
        return [row for row in self.rows if row.submitted]

    @property
    def disagreement(self):
        """Art. 6 asks the bureau to weigh the experts' views: a spread of the totals
        beyond the edition's threshold is flagged for the Party group."""
        return self.total_stats is not None and self.total_stats.spread > self.threshold


def panel(application, today=None):
    """The panel of ``application`` (its edition selected with it): three queries whatever
    the number of experts — the rubric, the assignments with their experts and reviews,
    and the scores."""
    today = today or timezone.localdate()
    aspects = rubric(application.edition)
    assignments = list(
        application.assignments.filter(status__in=ACTIVE_ASSIGNMENT)
        .select_related("expert", "review")
        .order_by("assigned_at", "pk")
    )
    scores = {}
    for score in AspectScore.objects.filter(
        review__assignment__application=application, review__assignment__status__in=ACTIVE_ASSIGNMENT
    ):
        scores[(score.review_id, score.aspect_id)] = score.score
    rows = []
    for number, assignment in enumerate(assignments, start=1):
        assignment.application = application  # is_overdue reads its state
        review = getattr(assignment, "review", None)
        row = PanelRow(
            number=number, assignment=assignment, review=review, overdue=is_overdue(assignment, today)
        )
        if row.submitted:
            row.scores = [scores.get((review.pk, aspect.pk)) for aspect in aspects]
            row.total = total_of(row.scores)
        rows.append(row)
    submitted = [row for row in rows if row.submitted]
    recommendations = [row.review.recommendation for row in submitted]
    return Panel(
        aspects=aspects,
        rows=rows,
        aspect_stats=[
            (aspect, stats_of(row.scores[index] for row in submitted if row.scores[index] is not None))
            for index, aspect in enumerate(aspects)
        ],
        total_stats=stats_of(row.total for row in submitted if row.total is not None),
        max_total=max_total(aspects),
        threshold=application.edition.disagreement_threshold,
        recommend_count=recommendations.count(Recommendation.RECOMMEND),
        not_recommend_count=recommendations.count(Recommendation.NOT_RECOMMEND),
    )


def freeze_panel(application, event, actor):
    """The CLOSE_REVIEW row's record: the panel's result, frozen into the file with the
    event that closed the review. The experts are numbered, not named."""
    result = panel(application)
    submitted = result.submitted_rows
    return PanelResult.objects.create(
        application=application,
        event=event,
        aspects=[
            {"code": aspect.code, "name": aspect.name, "max_score": aspect.max_score, **stats.as_json()}
            if stats is not None
            else {"code": aspect.code, "name": aspect.name, "max_score": aspect.max_score}
            for aspect, stats in result.aspect_stats
        ],
        total=result.total_stats.as_json() if result.total_stats is not None else {},
        reviews=[
            {
                "number": number,
                "scores": {
                    aspect.code: None if score is None else str(score)
                    for aspect, score in zip(result.aspects, row.scores, strict=True)
                },
                "total": None if row.total is None else str(row.total),
                "recommendation": row.review.recommendation,
            }
            for number, row in enumerate(submitted, start=1)
        ],
        expert_count=len(submitted),
        recommend_count=result.recommend_count,
        not_recommend_count=result.not_recommend_count,
        max_total=result.max_total,
        disagreement_threshold=result.threshold,
        disagreement=result.disagreement,
    )


def latest_result(application):
    """The panel's result frozen when the file's review last closed (None before)."""
    return application.panel_results.order_by("-created_at", "-pk").first()
