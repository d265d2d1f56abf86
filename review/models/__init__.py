"""The bureau side's data, a module per part of the review (issue 9)."""

from .experts import AspectScore, Assignment, Expert, ExpertReview, PanelResult, RubricAspect  # noqa: F401
