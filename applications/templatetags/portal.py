from django import template

from ..enums import State

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
    """The edition a page cites: the file's own on its pages, else the edition in force."""
    from ..editions import NoEditionInForce, edition_in_force

    application = context.get("application")
    cited = context.get("cited_edition") or getattr(application, "edition", None)
    if cited is not None:
        return cited
    try:
        return edition_in_force()
    except NoEditionInForce:
        return None
