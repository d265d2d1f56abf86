from django import template
from django.db import DatabaseError
from django.utils.translation import pgettext

from ..editions import NoEditionInForce, edition_in_force
from ..enums import DocumentKind, OrganisationType, State
from ..steps import grouped_by_step
from ..submissions import edition_cited

register = template.Library()

# Bootstrap colour of each state's badge: done well, ended otherwise, waiting on the
# applicant, in progress.
_TONES = {
    State.DRAFT: "light border",
    State.RETURNED: "warning",
    State.RECTIFYING: "warning",
    State.RECOGNIZED: "success",
    State.REJECTED: "secondary",
    State.REVOKED: "danger",
    State.LAPSED: "secondary",
    State.WITHDRAWN: "secondary",
}


@register.inclusion_tag("includes/state_badge.html")
def state_badge(state):
    state = State(state)
    return {"label": state.label, "tone": _TONES.get(state, "primary")}


@register.simple_tag(takes_context=True)
def policy_basis(context):
    """The edition a page cites: on a file's pages the file's own (for a draft, the one it
    will be submitted under); elsewhere the edition in force. None where there is none, or
    where the database cannot say (the 500 page must render without it)."""
    application = context.get("application")
    # The footer and the findings panel both ask: look it up once per request.
    request = context.get("request")
    cache = request.__dict__.setdefault("_policy_basis", {}) if request is not None else {}
    key = getattr(application, "pk", None)
    if key not in cache:
        try:
            cache[key] = edition_cited(application) if application is not None else edition_in_force()
        except (NoEditionInForce, DatabaseError):
            cache[key] = None
    return cache[key]


@register.filter
def by_step(findings):
    """Eligibility findings grouped by the step of the form where they are fixed."""
    return grouped_by_step(findings)


@register.simple_tag
def count_findings(findings):
    """``{"blocking": n, "warning": m}`` of a list of findings."""
    blocking = sum(1 for finding in findings if finding.is_blocking)
    return {"blocking": blocking, "warning": len(findings) - blocking}


# Punctuation around values is the language's own: full-width in Chinese, ASCII in English.


@register.simple_tag
def colon():
    """The separator after a label: "：", or ": " in English."""
    return pgettext("label separator", "：")


@register.simple_tag
def paren(value):
    """A value in brackets after a name: "（…）", or " (…)" in English."""
    return pgettext("parenthesis", "（%(text)s）") % {"text": value}


@register.filter
def join_list(values):
    """Items joined by the language's list separator: "、", or ", " in English."""
    return pgettext("list separator", "、").join(str(value) for value in values)


@register.filter
def first_items(rows):
    """The first item of each row: ``[(label, old, new), …]`` → ``[label, …]``."""
    return [row[0] for row in rows]


# A snapshot keeps codes; their labels are shown in the reader's language.
@register.filter
def document_kind(code):
    return DocumentKind(code).label if code in DocumentKind.values else code


@register.filter
def organisation_type(code):
    return OrganisationType(code).label if code in OrganisationType.values else (code or "")


@register.inclusion_tag("includes/pagination.html", takes_context=True)
def pagination(context, page):
    """The page links of a list: the first and last pages, two on each side of this one, and
    the list's other query parameters (its filters) kept in every link."""
    return {
        "request": context.get("request"),
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
    }
