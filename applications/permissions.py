"""Who may see and do what on the applicant's side, and who holds a role for a file: the one
policy module of ``applications`` (django-rules predicates and per-role querysets).

A denied object answers 404 in the views, so that its existence does not leak: views fetch
through :func:`applications_for_user`, whose rules are the same as the predicates here.
The bureau side's own rules (experts, the review area) are in ``review.permissions``, built
on these.
"""

import rules

from .enums import Role
from .models import Application, AuditEvent, User


@rules.predicate
def is_applicant(user):
    return user.is_authenticated and user.is_active and user.role == Role.APPLICANT


@rules.predicate
def is_unit_reviewer(user):
    return user.is_authenticated and user.is_active and user.role == Role.UNIT_REVIEWER


@rules.predicate
def is_bureau_staff(user):
    return user.is_authenticated and user.is_active and user.role == Role.STAFF


@rules.predicate
def is_expert(user):
    return user.is_authenticated and user.is_active and user.role == Role.EXPERT


@rules.predicate
def is_lead_unit_contact(user, application):
    """A contact of the lead unit: sees and acts on its own organisation's files only."""
    return is_applicant(user) and application.lead_unit_id == user.organisation_id


@rules.predicate
def is_submitted(user, application):
    """A draft is the applicant's own until its first submission (DESIGN.md "People");
    a draft withdrawn before it was ever submitted stays so."""
    return application.submitted_at is not None


@rules.predicate
def is_routed_unit_reviewer(user, application):
    """Art. 5: the organising unit the file was routed to, once it has been submitted."""
    return (
        is_unit_reviewer(user)
        and application.organising_unit_id == user.organising_unit_id
        and is_submitted(user, application)
    )


# Views call the predicates themselves rather than ``user.has_perm``: Django grants every
# permission to a superuser, and the administrator is no reviewer.
can_view_application = is_lead_unit_contact | is_routed_unit_reviewer | (is_bureau_staff & is_submitted)
# The procedure is no secret: every signed-in role may read how a file moves (issue 7).
can_view_lifecycle = rules.is_authenticated & rules.is_active


# One queryset per role: the same rules as the predicates above, for lists and lookups.


def applicant_applications(user):
    return Application.objects.filter(lead_unit_id=user.organisation_id)


def applicant_events(application=None):
    """What the lead unit reads of a file's audit trail: never the bureau's internal events
    (expert assignments, staff notes); their internal fields are left out by the timeline."""
    events = AuditEvent.objects.filter(internal=False)
    return events.filter(application=application) if application is not None else events


def lead_unit_contacts(organisation_id):
    """The active accounts that act for a lead unit: who is told of its registration and its
    files, and who receives the bureau's letters."""
    return User.objects.filter(is_active=True, role=Role.APPLICANT, organisation_id=organisation_id)


def submitted_applications():
    """Files submitted at least once: the only ones a reviewer may see."""
    return Application.objects.filter(submitted_at__isnull=False)


def unit_applications(user):
    return submitted_applications().filter(organising_unit_id=user.organising_unit_id)


def staff_applications(user):
    return submitted_applications()


def expert_applications(user):
    # Experts see only files assigned to them; assignments come with the review module.
    return Application.objects.none()


_QUERYSETS = {
    Role.APPLICANT: applicant_applications,
    Role.UNIT_REVIEWER: unit_applications,
    Role.STAFF: staff_applications,
    Role.EXPERT: expert_applications,
}


def applications_for_user(user):
    """Every application ``user`` may see; empty for anonymous users and administrators."""
    if not (user.is_authenticated and user.is_active):
        return Application.objects.none()
    scope = _QUERYSETS.get(user.role)
    return scope(user) if scope else Application.objects.none()


# Who holds a role *for this file*: the same rules as the querysets above, per object.
ACTS_AS = {
    Role.APPLICANT: is_lead_unit_contact,
    Role.UNIT_REVIEWER: is_routed_unit_reviewer,
    Role.STAFF: is_bureau_staff & is_submitted,
}


def acts_as(user, application, role):
    """Whether ``user`` holds ``role`` for ``application`` (its own unit, its own file): what
    ``workflow.may_act`` asks of each role of a row."""
    predicate = ACTS_AS.get(role)
    return bool(predicate and predicate(user, application))
