"""What the applicant's and the reviewers' pages share: the role check of an area, making a
transition from a form, and serving documents and generated PDFs once the area has checked
access.

Both sides import it (``review`` never imports ``applications.views``). The applicant's pages
and the reviewers' pages each look the application (or the registration) up in their own
scope (404 outside it) and then call these. Reviewers see only versions that a submission
froze; the lead unit also sees the versions of a round it has not submitted yet.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import documents
from .enums import Action
from .forms import TransitionForm
from .models import COMMENT_MAX_CHARS
from .pdf import dossier_file, form_file
from .plain_text import download_name
from .throttles import client_ip
from .workflow import TABLE, TRANSITIONS, NotPermitted, TransitionError, available_transitions, transition


def tell(request, refusal):
    """Each message of a refusal (``refusals.Refused``) as an error on the next page."""
    for message in refusal.messages:
        messages.error(request, message)


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


# What a user typed into a form that was refused comes back in its boxes on the next page,
# once (issue 8: nothing typed is lost): one slot in the session for every such form, named
# by the form and its object (a transition of a file, a check list, a reason).
KEPT_TYPED = "portal_kept_typed"


# The actions made on their own page (a Party-group decision, with the rest of its meeting),
# whatever the state the file is in when the request comes.
ELSEWHERE = frozenset(row.action for row in TRANSITIONS if row.elsewhere)
# What is kept of a refused form's data: enough for every field of a row's form, no more.
KEPT_FIELDS, KEPT_VALUE_CHARS = 40, 2 * COMMENT_MAX_CHARS


def keep_typed(request, where, values, *, max_chars=None):
    """Keep ``values`` (``{field: [texts]}``) typed into the refused form ``where`` for the
    next page, bounded: so many fields and values, each cut to ``max_chars``."""
    limit = max_chars or KEPT_VALUE_CHARS
    request.session[KEPT_TYPED] = {
        "where": where,
        "values": {
            str(name): [str(value)[:limit] for value in items[:KEPT_FIELDS]]
            for name, items in list(values.items())[:KEPT_FIELDS]
        },
    }


def typed(request, where):
    """What was kept for the form ``where`` (then forgotten), or ``{}``. What was kept for
    another form stays for that form's page."""
    kept = request.session.get(KEPT_TYPED) if request is not None else None
    if not kept or kept.get("where") != where:
        return {}
    del request.session[KEPT_TYPED]
    return kept["values"]


def typed_text(kept, name):
    """One text of what ``typed()`` returned (the first value of ``name``), or ``""``."""
    return (kept.get(name) or [""])[0]


def offered_actions(application, user, request=None):
    """The transitions ``user`` may make now, each with what still blocks it, its form (if
    the row records data) and what was typed for it and refused (once, from the
    ``request``'s session)."""
    kept = typed(request, f"transition:{application.pk}")
    offered = []
    for row, problems in available_transitions(application, user):
        mine = typed_text(kept, "action") == row.action
        form_class = row.form_class
        form = None
        if form_class is not None:
            data = row_data(
                {k: v for k, v in kept.items() if k not in ("action", "comment")}, prefix=row.action
            )
            form = form_class(data if mine else None, application=application, actor=user, prefix=row.action)
        offered.append(
            {
                "row": row,
                "problems": problems,
                "comment": typed_text(kept, "comment") if mine else "",
                "comment_max": COMMENT_MAX_CHARS,
                "form": form,
            }
        )
    return offered


def is_object_id(value):
    """Whether a posted value is an object id: ASCII digits, and short (``"²".isdigit()`` is
    true, and a 5,000-digit number is over Python's limit for int())."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def posted_ids(request, name, limit):
    """The object ids posted under ``name`` (at most ``limit``), ignoring anything else."""
    return [int(value) for value in request.POST.getlist(name)[:limit] if is_object_id(value)]


def posted_id(request, name):
    """A posted object id, or 404 for anything that is not one."""
    value = request.POST.get(name, "")
    if not is_object_id(value):
        raise Http404
    return int(value)


def row_data(values, prefix=""):
    """``{field: [values]}`` as the form data a row's form reads (a QueryDict), its names
    prefixed as the page's form names them."""
    data = QueryDict(mutable=True)
    for name, items in values.items():
        data.setlist(f"{prefix}-{name}" if prefix else name, items)
    return data


def posted_row_data(request, row):
    """The fields of ``row``'s form posted for it (named ``<action>-<field>``), without the
    prefix: what ``transition()`` validates. Nothing for a row without a form."""
    form_class = row.form_class if row is not None else None
    if form_class is None:
        return {}
    prefix = f"{row.action}-"
    return {
        name: request.POST.getlist(prefix + name)[:KEPT_FIELDS]
        for name in form_class.base_fields
        if prefix + name in request.POST
    }


@require_POST
def perform_transition(request, scope, pk, action, *, success_url):
    """Make ``action`` on the application ``pk`` as the logged-in user, then go back.

    The application is looked up in ``scope``, the user's own queryset for the area: an
    application outside it answers 404 whatever the action.
    """
    application = get_object_or_404(scope, pk=pk)
    if action not in Action.values:
        raise Http404
    row = TABLE.get((application.state, action))
    if action in ELSEWHERE:
        # Made on its own page (a Party-group decision, with the rest of its meeting).
        messages.error(request, _("“%(action)s”须在专门页面办理。") % {"action": Action(action).label})
        return redirect(success_url, pk=application.pk)
    form = TransitionForm(request.POST, prefix=action)
    data = posted_row_data(request, row)

    def keep():
        # Nothing is done; what was typed comes back in its boxes, with what to change (a
        # comment too long is shown back whole, up to ten times its limit).
        comment = request.POST.get(f"{action}-comment", "")
        keep_typed(
            request,
            f"transition:{application.pk}",
            {**data, "action": [action], "comment": [comment]},
            max_chars=10 * COMMENT_MAX_CHARS,
        )

    if not form.is_valid():
        for error in form.errors.get("comment", []):
            messages.error(request, _("意见未提交：%(error)s") % {"error": error})
        keep()
        return redirect(success_url, pk=application.pk)
    try:
        transition(
            application,
            action,
            request.user,
            comment=form.cleaned_data.get("comment", ""),
            declared=form.cleaned_data.get("declared", False),
            ip_address=client_ip(request),
            data=row_data(data),
        )
    except NotPermitted as refusal:
        # The user sees the file but this action is not theirs to make.
        raise PermissionDenied(str(refusal)) from refusal
    except TransitionError as refusal:
        tell(request, refusal)
        keep()
    else:
        messages.success(
            request,
            _("已完成“%(action)s”，当前状态：%(state)s。")
            % {"action": Action(action).label, "state": application.get_state_display()},
        )
    return redirect(success_url, pk=application.pk)


def serve_version(versions, version_pk, *, preview=False, original=False):
    """A version to open (an image, a PDF's cleaned copy), its preview, or the upload as it
    is (``original``), as a download only. ``versions`` is any scope of checked files the
    caller may read: a document's versions, or a registration's licence and letter."""
    try:
        version = versions.get(pk=version_pk)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    try:
        return documents.file_response(version, preview=preview, original=original)
    except FileNotFoundError as missing:
        raise Http404 from missing


def _filename(data, suffix, submission=None):
    name = download_name(data.get("name") or "", fallback="application")
    round_part = f"-第{submission.number}轮" if submission else ""
    return f"{name}{round_part}-{suffix}.pdf"


def serve_form(application_pk, data, *, submission=None):
    """The generated application form, inline, so that it opens in the browser's viewer."""
    output = form_file(application_pk, data, submission=submission)
    response = FileResponse(
        output, content_type="application/pdf", filename=_filename(data, "申请书", submission)
    )
    return documents.private(response)


def serve_dossier(application_pk, data, *, submission=None):
    """The full dossier, built once per content version (a draft's, or a round's)."""
    output = dossier_file(application_pk, data, submission=submission)
    response = FileResponse(
        output, content_type="application/pdf", filename=_filename(data, "全套材料", submission)
    )
    return documents.private(response)


def serve_submission(application, number, kind):
    """A submitted round as the reviewers read it: its form or its full dossier."""
    submission = get_object_or_404(application.submissions, number=number)
    serve = serve_dossier if kind == "dossier" else serve_form
    return serve(application.pk, submission.data, submission=submission)
