"""Who may see and do what on the bureau side: the one policy module of ``review``.

Built on ``applications.permissions`` (the roles, and the files each role may see); the
review area's views and querysets both use these. A file outside a user's scope answers 404.

Experts' scope lives here, not in ``applications`` (which never imports ``review``): an
expert sees a file assigned to them, and its dossier only once they have declared no
conflict of interest (回避声明, Art. 6); never a file they declined or were withdrawn from.
"""

from django.db.models import Q

from applications.enums import Role
from applications.models import Application
from applications.permissions import applications_for_user, is_bureau_staff, is_expert, is_unit_reviewer

from .enums import AssignmentStatus
from .experts import ASSIGNABLE_STATES
from .models import Assignment


def is_reviewer(user):
    """Organising units, bureau staff and experts: the review area's people."""
    return is_unit_reviewer(user) or is_bureau_staff(user) or is_expert(user)


def is_unit_or_bureau(user):
    """Organising units and bureau staff: who work through the list of files, and who decide
    registrations (单位注册审核)."""
    return is_unit_reviewer(user) or is_bureau_staff(user)


def manages_experts(user):
    """The expert pool, assignments and the panel are the bureau's (Art. 6)."""
    return is_bureau_staff(user)


def internal_records_seen_by(user):
    """Which internal records of a file's audit trail ``user`` reads (``workflow.timeline``):
    the bureau all of them; an organising unit only its own (its checks), not the bureau's
    notes, checklists, expert assignments or the Party group's deferrals; anyone else none."""
    if is_bureau_staff(user):
        return True
    if is_unit_reviewer(user):
        return frozenset({Role.UNIT_REVIEWER})
    return False


def expert_assignments(user, *, declared=False):
    """The expert's own assignments that are still theirs: declared ones, and those still to
    declare while the file is at the expert stage (not on a file withdrawn meanwhile);
    ``declared`` keeps the declared ones only. Nothing for anyone else."""
    if not is_expert(user):
        return Assignment.objects.none()
    mine = Assignment.objects.filter(expert__user=user)
    if declared:
        return mine.filter(status=AssignmentStatus.DECLARED)
    return mine.filter(
        Q(status=AssignmentStatus.DECLARED)
        | Q(status=AssignmentStatus.ASSIGNED, application__state__in=ASSIGNABLE_STATES)
    )


def assigned_applications(user):
    """The files an expert may see the cover of, to declare or decline: assigned to them."""
    return Application.objects.filter(pk__in=expert_assignments(user).values("application_id"))


def declared_applications(user):
    """The files whose dossier an expert may open and score: assigned and declared."""
    return Application.objects.filter(pk__in=expert_assignments(user, declared=True).values("application_id"))


def reviewed_applications(user):
    """The review area's scope, for the files' pages, their documents and PDFs: an expert's
    declared files; an organising unit's and the bureau's as ``applications_for_user``;
    nothing for applicants and anonymous users (404)."""
    if is_expert(user):
        return declared_applications(user)
    return applications_for_user(user) if is_reviewer(user) else Application.objects.none()
