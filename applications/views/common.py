"""What the applicant's and the reviewers' pages share: making a transition from a form."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..enums import Action
from ..forms import TransitionForm
from ..models import COMMENT_MAX_CHARS
from ..workflow import NotPermitted, TransitionError, available_transitions, transition


def role_required(predicate):
    """Pages of one area (the applicant's, the reviewers'): log-in required, other roles 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def client_ip(request):
    """The address recorded in the audit trail (REMOTE_ADDR; the proxy must set it)."""
    return request.META.get("REMOTE_ADDR") or None


# A comment refused for its length comes back in its box on the next page (issue 8).
KEPT_COMMENT = "portal_kept_transition_comment"


def offered_actions(application, user, request=None):
    """The transitions ``user`` may make now, each with what still blocks it, and the comment
    typed for it that was refused (once, from the ``request``'s session)."""
    kept = request.session.pop(KEPT_COMMENT, None) if request is not None else None
    if not kept or kept.get("application") != application.pk:
        kept = {}
    return [
        {
            "row": row,
            "problems": problems,
            "comment": kept.get("comment", "") if kept.get("action") == row.action else "",
            "comment_max": COMMENT_MAX_CHARS,
        }
        for row, problems in available_transitions(application, user)
    ]


@require_POST
def perform_transition(request, scope, pk, action, *, success_url):
    """Make ``action`` on the application ``pk`` as the logged-in user, then go back.

    The application is looked up in ``scope``, the user's own queryset for the area: an
    application outside it answers 404 whatever the action.
    """
    application = get_object_or_404(scope, pk=pk)
    if action not in Action.values:
        raise Http404
    form = TransitionForm(request.POST, prefix=action)
    if not form.is_valid():
        # Nothing is done; the comment comes back in its box, with what to change.
        for error in form.errors.get("comment", []):
            messages.error(request, _("意见未提交：%(error)s") % {"error": error})
        typed = request.POST.get(f"{action}-comment", "")
        request.session[KEPT_COMMENT] = {
            "application": application.pk,
            "action": action,
            "comment": typed[: 10 * COMMENT_MAX_CHARS],
        }
        return redirect(success_url, pk=application.pk)
    try:
        transition(
            application,
            action,
            request.user,
            comment=form.cleaned_data.get("comment", ""),
            declared=form.cleaned_data.get("declared", False),
            ip_address=client_ip(request),
        )
    except NotPermitted as refusal:
        # The user sees the file but this action is not theirs to make.
        raise PermissionDenied(str(refusal)) from refusal
    except TransitionError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("已完成“%(action)s”，当前状态：%(state)s。")
            % {"action": Action(action).label, "state": application.get_state_display()},
        )
    return redirect(success_url, pk=application.pk)
