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
