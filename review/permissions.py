"""Who may see and do what on the bureau side: the one policy module of ``review``.

Built on ``applications.permissions`` (the roles, and the files each role may see); the
review area's views and querysets both use these. A file outside a user's scope answers 404.
"""

from applications.enums import Role
from applications.models import Application
from applications.permissions import applications_for_user, is_bureau_staff, is_expert, is_unit_reviewer


def is_reviewer(user):
    """Organising units, bureau staff and experts: the review area's people."""
    return is_unit_reviewer(user) or is_bureau_staff(user) or is_expert(user)


def is_unit_or_bureau(user):
    """Organising units and bureau staff: who work through the list of files, and who decide
    registrations (单位注册审核)."""
    return is_unit_reviewer(user) or is_bureau_staff(user)


def internal_records_seen_by(user):
    """Which internal records of a file's audit trail ``user`` reads (``workflow.timeline``):
    the bureau all of them; an organising unit only its own (its checks), not the bureau's
    notes, checklists or the Party group's deferrals; anyone else none."""
    if is_bureau_staff(user):
        return True
    if is_unit_reviewer(user):
        return frozenset({Role.UNIT_REVIEWER})
    return False


def reviewed_applications(user):
    """The review area's scope; nothing for applicants and anonymous users (404)."""
    return applications_for_user(user) if is_reviewer(user) else Application.objects.none()
