"""Files in the expert stage for the tests of review.experts, review.scoring and review.panel."""

from decimal import Decimal

from applications.enums import Action, State
from applications.workflow import TABLE, prepare, transition
from review import experts as pool
from review import scoring
from review.enums import Recommendation
from review.rubric import rubric

from ..factories import expert


def panel_of(world, count=3, *, state=State.UNDER_REVIEW, declared=True, prefix="reviewer"):
    """A file of ``world`` with ``count`` new experts assigned (``reviewer1``…), declared if
    ``declared``, the review started if ``state`` is UNDER_REVIEW. Returns (file, assignments)."""
    application = world.application(State.FORWARDED)
    assignments = [
        pool.assign(application, expert(f"{prefix}{n}", name=f"专家{prefix}{n}"), world.staff)
        for n in range(1, count + 1)
    ]
    if declared:
        assignments = [pool.declare(assignment, assignment.expert.user) for assignment in assignments]
    if state == State.UNDER_REVIEW:
        # The formal check passed (review.checks' own satisfy); the experts are those above.
        row = TABLE[(State.FORWARDED, Action.START_REVIEW)]
        transition(application, Action.START_REVIEW, world.staff, data=prepare(application, row, world.staff))
    application.refresh_from_db()
    return application, assignments


def submit(assignment, values, recommendation=Recommendation.RECOMMEND, *, opinion="同意认定。", draft=False):
    """The expert of ``assignment`` scores the aspects in order with ``values`` and submits
    (or saves a draft)."""
    aspects = rubric(assignment.application.edition)
    scores = {
        aspect.code: (None if value is None else Decimal(str(value)), f"{aspect.name}评语")
        for aspect, value in zip(aspects, values, strict=True)
    }
    return scoring.save_review(
        assignment,
        assignment.expert.user,
        scores=scores,
        opinion=opinion,
        recommendation=recommendation,
        submit=not draft,
    )
