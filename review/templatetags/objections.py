"""The lead unit's view of the objections to its file, for its own file's page.

``applications`` never imports ``review``: the applicant's page loads this tag library,
which reads the objections here. What it gives holds the grounds, the status and the lead
unit's own answer, never who objected (name, employer, phone, address, unit, files).
"""

from dataclasses import dataclass

from django import template

from applications.pages import typed, typed_text

from ..models.objections import OBJECTION_TEXT_MAX_CHARS
from ..objections import objections_to

register = template.Library()


@dataclass(frozen=True)
class SeenByLeadUnit:
    pk: int
    number: int
    notice_title: str
    created_at: object
    grounds: str
    status: str
    pending: bool
    answer: str
    typed: str


@register.simple_tag(takes_context=True)
def lead_unit_objections(context, application):
    """``[SeenByLeadUnit]``: the objections to ``application``, numbered 1, 2… (not by their
    receipt numbers, which are the objectors')."""
    request = context.get("request")
    seen = []
    for number, objection in enumerate(objections_to(application).select_related("item__notice"), start=1):
        kept = typed(request, f"objection-answer:{objection.pk}")
        seen.append(
            SeenByLeadUnit(
                pk=objection.pk,
                number=number,
                notice_title=objection.item.notice.title,
                created_at=objection.created_at,
                grounds=objection.grounds,
                status=objection.get_status_display(),
                pending=objection.is_pending,
                answer=objection.lead_answer,
                typed=typed_text(kept, "answer"),
            )
        )
    return seen


@register.simple_tag
def objection_answer_max():
    return OBJECTION_TEXT_MAX_CHARS
