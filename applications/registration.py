"""单位注册审核: who may act for an organisation (DESIGN.md "People").

A lead unit's contact signs up naming the organisation by its USCC; once the e-mail address
is confirmed and they have logged in, they upload the business licence and an authorisation
letter (法人授权委托书) and send them for approval. The organising unit of the district in
the USCC's division code (characters 3–8, as the applicant side suggests a unit for Art. 5)
approves or rejects it with reasons; a code no organising unit covers (registered outside
Shuozhou, or with the city itself) goes to the bureau. Until then the account may fill in
drafts but not submit them (:func:`registration_guard`, a guard of the submitting rows of
``workflow.TRANSITIONS``).

An organisation exists for others only once approved: only then does it hold its USCC (a
conditional unique constraint) and its name. An unconfirmed sign-up holds nothing: it is
deleted after ``PORTAL_UNCONFIRMED_SIGNUP_DAYS`` (:func:`delete_expired_signups`), or at once
when the address signs up again (:func:`sign_up`), so that whoever confirms the address gets
the account and the claim they registered themselves. Two
pending claims of one code may wait side by side; the approver sees both, and approving one
rejects the other with a message saying whom to contact.
"""

import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import documents as document_store
from .editions import suggested_organising_unit
from .enums import SYSTEM, OutboxKind, RegistrationAction, RegistrationDocumentKind, RegistrationStatus, Role
from .guards import Guard
from .models import (
    COMMENT_MAX_CHARS,
    Organisation,
    RegistrationDocument,
    RegistrationEvent,
    User,
)
from .outbox import active_language, notify
from .permissions import lead_unit_contacts
from .refusals import Refused

UNSENT, PENDING = RegistrationStatus.UNSENT, RegistrationStatus.PENDING
REJECTED, APPROVED = RegistrationStatus.REJECTED, RegistrationStatus.APPROVED
# The applicant may change and send its materials in these; in the others they are fixed.
SENDABLE = (UNSENT, REJECTED)
# What a reviewer's list shows: registrations once sent.
SENT_STATUSES = (PENDING, REJECTED, APPROVED)


class RegistrationRefused(Refused):
    """A step of a registration that cannot be made; ``messages`` say why and what to do."""


class NotReviewer(RegistrationRefused):
    """The user sees the registration but deciding it is another unit's (or the bureau's)."""


# Who decides --------------------------------------------------------------------------------


def approver_unit(uscc):
    """The organising unit of the USCC's division code; None for the bureau."""
    return suggested_organising_unit(uscc)


def deciding_unit(organisation):
    """The unit that decides (or will decide) ``organisation``'s registration; None: the bureau."""
    if organisation.registration_status != UNSENT:
        return organisation.reviewing_unit
    return approver_unit(organisation.uscc)


def approver_name(unit):
    return unit.display_name if unit is not None else str(settings.PORTAL_BUREAU_NAME)


def contact_text(unit):
    """Whom to ask, in words: the organising unit, and the bureau's telephone."""
    if unit is not None:
        return _("请联系%(unit)s，或市科技局（电话 %(phone)s）") % {
            "unit": unit.display_name,
            "phone": settings.PORTAL_CONTACT_PHONE,
        }
    return _("请联系%(bureau)s（电话 %(phone)s）") % {
        "bureau": settings.PORTAL_BUREAU_NAME,
        "phone": settings.PORTAL_CONTACT_PHONE,
    }


def may_decide(user, organisation):
    """The reviewing unit's reviewers decide; the bureau's staff decide what is routed to it."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role == Role.UNIT_REVIEWER:
        return organisation.reviewing_unit_id is not None and (
            organisation.reviewing_unit_id == user.organising_unit_id
        )
    if user.role == Role.STAFF:
        return organisation.reviewing_unit_id is None
    return False


def registrations_for_reviewer(user):
    """Registrations sent for approval that ``user`` may read: a unit its own district's, the
    bureau all of them (it decides those routed to it). Nothing for anyone else (404)."""
    sent = Organisation.objects.exclude(registration_status=UNSENT)
    if not (user.is_authenticated and user.is_active):
        return Organisation.objects.none()
    if user.role == Role.UNIT_REVIEWER:
        return sent.filter(reviewing_unit_id=user.organising_unit_id)
    if user.role == Role.STAFF:
        return sent
    return Organisation.objects.none()


def awaiting(user):
    """Registrations waiting for ``user``'s own decision: the dashboard's count."""
    pending = registrations_for_reviewer(user).filter(registration_status=PENDING)
    if user.is_authenticated and user.role == Role.STAFF:
        return pending.filter(reviewing_unit__isnull=True)
    return pending


# Claims -------------------------------------------------------------------------------------


def _same_name(a, b):
    """Names as a licence spells them, whatever the width of brackets or stray spaces."""

    def key(name):
        return "".join(unicodedata.normalize("NFKC", name or "").split())

    return key(a) == key(b)


def claim_refusal(uscc, name, *, exclude=None):
    """Why a claim of ``uscc`` and ``name`` cannot go on, or "": an approved organisation
    already holds the code, or the name under another code."""
    approved = Organisation.objects.filter(registration_status=APPROVED)
    if exclude is not None:
        approved = approved.exclude(pk=exclude.pk)
    holder = approved.filter(uscc=uscc).first()
    if holder is not None:
        return _(
            "统一社会信用代码为 %(code)s 的单位已在本平台注册并通过审核，不能重复注册。"
            "如需作为本单位联系人使用本平台，请与本单位已注册的联系人联系；如认为有误，%(contact)s。"
        ) % {"code": uscc, "contact": contact_text(holder.reviewing_unit)}
    # Approved names are a few hundred at most: compared here, width-insensitively.
    for other in approved.exclude(uscc=uscc).only("name", "uscc", "reviewing_unit"):
        if _same_name(other.name, name):
            return _(
                "“%(name)s”已以另一统一社会信用代码在本平台注册并通过审核。请核对营业执照上的"
                "名称和代码；如认为有误，%(contact)s。"
            ) % {"name": other.name, "contact": contact_text(other.reviewing_unit)}
    return ""


def competing_claims(organisation):
    """Other registrations of the same code or name that were sent for approval."""
    others = (
        Organisation.objects.exclude(pk=organisation.pk)
        .exclude(registration_status=UNSENT)
        .select_related("reviewing_unit")
    )
    same_code = list(others.filter(uscc=organisation.uscc))
    same_name = [o for o in others.exclude(uscc=organisation.uscc) if _same_name(o.name, organisation.name)]
    return same_code + same_name


def _free_username(email):
    """The address itself (the account logs in with it), or a name made from it if taken."""
    if len(email) <= 150 and not User.objects.filter(username__iexact=email).exists():
        return email
    local = email.split("@", 1)[0][:60]
    return f"{local}-{secrets.token_hex(4)}"


def sign_up(data):
    """Create an inactive applicant and its organisation's claim; ``(user, None)``.

    If the address already has an account, nothing is created: ``(None, that account)``,
    and the caller tells the address by e-mail, not the person at the form. An account that
    was never confirmed is no one's yet: it and its unsent claim are deleted and this sign-up
    takes its place, so a stranger who signed up with someone else's address first leaves
    neither a password nor an organisation behind for the owner to confirm by mistake.
    """
    email = data["email"]
    for _attempt in range(2):
        try:
            with transaction.atomic():
                taken = User.objects.select_for_update().filter(email__iexact=email).first()
                if taken is not None:
                    if not is_unconfirmed(taken):
                        return None, taken
                    _delete_signups([taken])
                return _create_signup(data), None
        except IntegrityError:
            # A sign-up for the same address committed meanwhile: once more, against it.
            continue
    # Sign-ups for one address racing each other: the last one stands; this one made nothing.
    return None, None


def _create_signup(data):
    organisation = Organisation.objects.create(
        uscc=data["uscc"],
        name=data["organisation_name"],
        org_type=data["org_type"],
        registered_address=data["registered_address"],
    )
    email = data["email"]
    user = User(
        username=_free_username(email),
        email=email,
        full_name=data["full_name"],
        phone=data["phone"],
        role=Role.APPLICANT,
        organisation=organisation,
        is_active=False,  # until the address is confirmed
        # The language the form was filled in: its mails (the confirmation first) speak it.
        language=active_language(),
    )
    user.set_password(data["password1"])
    user.save()
    return user


# Confirmation -------------------------------------------------------------------------------

# Passwords a sign-up's confirmation page takes, right or wrong, before it refuses for good.
CONFIRMATION_TRIES = 5


def confirmation_tries_left(user):
    return max(0, CONFIRMATION_TRIES - user.confirmation_tries)


def confirm_signup(user, password):
    """Activate ``user``'s sign-up if ``password`` is the one chosen when signing up; True if so.

    The link proves the mailbox, the password proves that its owner made this sign-up: a
    stranger who signed up again with the owner's address and the owner's public data (name,
    organisation, code) cannot have the owner confirm the stranger's account. Each password
    typed uses up one of CONFIRMATION_TRIES, counted before it is checked (an update that
    only succeeds below the limit), so that even requests at the same time get no more; past
    them the sign-up is only replaced by registering again. Nobody is logged in by this.
    """
    reserved = User.objects.filter(
        pk=user.pk, is_active=False, confirmation_tries__lt=CONFIRMATION_TRIES
    ).update(confirmation_tries=F("confirmation_tries") + 1)
    # (Read again, not refresh_from_db(): a sign-up replaced meanwhile has no row any more.)
    tries = User.objects.filter(pk=user.pk).values_list("confirmation_tries", flat=True).first()
    user.confirmation_tries = CONFIRMATION_TRIES if tries is None else tries
    if not reserved or not user.check_password(password):
        return False
    return bool(
        User.objects.filter(pk=user.pk, is_active=False).update(
            is_active=True, email_confirmed_at=timezone.now()
        )
    )


# Expiry -------------------------------------------------------------------------------------


def unconfirmed_signups():
    """Applicants who signed up and never confirmed their address: never logged in either, so
    not an account an administrator deactivated."""
    return User.objects.filter(
        role=Role.APPLICANT, is_active=False, email_confirmed_at__isnull=True, last_login__isnull=True
    )


def is_unconfirmed(user):
    return unconfirmed_signups().filter(pk=user.pk).exists()


def expired_signups(now=None):
    """Applicants who never confirmed their address within the set number of days."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(days=settings.PORTAL_UNCONFIRMED_SIGNUP_DAYS)
    return unconfirmed_signups().filter(date_joined__lt=cutoff)


def pending_signup(email):
    """The sign-up waiting for this address's confirmation, or None (an address has one
    account at most); an expired one holds nothing and gets no new link."""
    return unconfirmed_signups().filter(email__iexact=email).exclude(pk__in=expired_signups()).first()


def is_expired(user, now=None):
    return expired_signups(now).filter(pk=user.pk).exists()


def delete_expired_signups(*, dry_run=False, now=None):
    """Delete expired sign-ups and the claims only they made (:func:`_delete_signups`);
    returns the usernames. Idempotent."""
    with transaction.atomic():
        users = list(expired_signups(now).select_related("organisation").select_for_update(of=("self",)))
        if dry_run:
            return [user.username for user in users]
        _delete_signups(users)
    return [user.username for user in users]


def _delete_signups(users):
    """Delete unconfirmed ``users`` and the claims only they made, in the caller's transaction.

    An organisation goes with them only if it was never sent for approval and nothing else
    refers to it (another account, a draft).
    """
    organisation_ids = {user.organisation_id for user in users if user.organisation_id}
    User.objects.filter(pk__in=[user.pk for user in users]).delete()
    Organisation.objects.filter(
        pk__in=organisation_ids, registration_status=UNSENT, users__isnull=True, applications__isnull=True
    ).delete()


# The applicant's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    kind: RegistrationDocumentKind
    document: RegistrationDocument | None


def current_documents(organisation):
    """The newest upload of each kind: what is sent next (or was sent last)."""
    newest = {}
    for document in organisation.registration_documents.order_by("pk"):
        newest[document.kind] = document
    return [Slot(kind, newest.get(kind.value)) for kind in RegistrationDocumentKind]


def upload(organisation, uploaded, user, kind):
    """Store a licence or authorisation letter for the next sending; refused files change nothing.

    It replaces the earlier upload of its kind that was not sent (its files are deleted once
    this commits), so a registration holds one unsent file of each kind besides those it
    sent, which stay on record with their decision.
    """
    if organisation.registration_status not in SENDABLE:
        raise RegistrationRefused(_("注册审核材料已提交，审核期间和审核通过后不能更换。"))
    inspection = document_store.inspect(uploaded, kind)
    with transaction.atomic():
        # Against a sending at the same time: it must not lose the file it sends.
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.registration_status not in SENDABLE:
            raise RegistrationRefused(_("注册审核材料已提交，审核期间和审核通过后不能更换。"))
        kind = RegistrationDocumentKind(kind)
        earlier = list(locked.registration_documents.filter(kind=kind, sent_with__isnull=True))
        record = RegistrationDocument(organisation=locked, kind=kind)
        stored = document_store.save_checked(record, uploaded, user, inspection)
        for document in earlier:
            document_store.discard_version(document)
    return stored


def status_message(organisation):
    """What the registration waits for, in a sentence naming the unit that decides."""
    status = organisation.registration_status
    unit = approver_name(deciding_unit(organisation))
    if status == UNSENT:
        return _("本单位注册尚未审核：请上传营业执照和法人授权委托书，提交%(unit)s审核（单位注册审核）。") % {
            "unit": unit
        }
    if status == PENDING:
        return _("本单位注册已提交%(unit)s审核，审核通过后即可提交申报。") % {"unit": unit}
    if status == REJECTED:
        return _("本单位注册未通过%(unit)s审核：请按审核意见修改材料后重新提交审核。") % {"unit": unit}
    return _("本单位注册已经%(unit)s审核通过。") % {"unit": unit}


def _registered(application, row, actor):
    """单位注册审核: only an approved lead unit submits (DESIGN.md "People"); drafts are fine.

    A guard of the rows that submit or resubmit a file (``workflow.SUBMISSION``)."""
    organisation = application.lead_unit
    if organisation.is_approved:
        return []
    waiting = _("单位注册尚待%(unit)s审核通过，审核通过前可以填写草稿，但不能提交申报。") % {
        "unit": approver_name(deciding_unit(organisation))
    }
    if organisation.registration_status == PENDING:
        return [waiting]
    # Not sent, or rejected: also what to do about it.
    return [f"{waiting} {status_message(organisation)}"]


# An approval is a reviewer's decision on documents: no data satisfies it by itself.
registration_guard = Guard(_registered)


def _event(organisation, actor, action, source, target, *, comment="", ip_address=None):
    return RegistrationEvent.objects.create(
        organisation=organisation,
        actor=actor,
        actor_role=SYSTEM if actor is None else actor.role,
        action=action,
        from_status=source,
        to_status=target,
        reviewing_unit=organisation.reviewing_unit,
        comment=comment,
        ip_address=ip_address,
    )


def send(organisation, user, *, ip_address=None):
    """Send the newest licence and authorisation letter to the unit that decides."""
    with transaction.atomic():
        locked = _lock_claims(organisation)
        if locked.registration_status not in SENDABLE:
            raise RegistrationRefused(
                _("本单位注册当前状态为“%(status)s”，不能再次提交审核。")
                % {"status": locked.get_registration_status_display()}
            )
        slots = current_documents(locked)
        missing = [str(slot.kind.label) for slot in slots if slot.document is None]
        if missing:
            raise RegistrationRefused(
                _("请先上传：%(missing)s。") % {"missing": pgettext("list separator", "、").join(missing)}
            )
        refusal = claim_refusal(locked.uscc, locked.name, exclude=locked)
        if refusal:
            raise RegistrationRefused(refusal)
        source = locked.registration_status
        locked.registration_status = PENDING
        locked.reviewing_unit = approver_unit(locked.uscc)
        locked.registration_sent_at = timezone.now()
        locked.save(update_fields=["registration_status", "reviewing_unit", "registration_sent_at"])
        event = _event(locked, user, RegistrationAction.SEND, source, PENDING, ip_address=ip_address)
        RegistrationDocument.objects.filter(pk__in=[slot.document.pk for slot in slots]).update(
            sent_with=event
        )
        _notify(event, _reviewers(locked))
    organisation.refresh_from_db()
    return event


def sent_documents(organisation):
    """What the reviewer reads: the documents of the latest sending."""
    latest = organisation.registration_events.filter(action=RegistrationAction.SEND).last()
    if latest is None:
        return RegistrationDocument.objects.none()
    return latest.documents.order_by("-kind")  # the licence, then the letter


# The reviewer's side ------------------------------------------------------------------------


def _lock_claims(organisation):
    """Lock every claim of ``organisation``'s code, in the order of their keys, and return
    ``organisation``'s own row, read again under the lock.

    Sending and deciding lock the same rows in the same order, so two approvals of one code
    at once run one after the other: the second finds its claim rejected by the first, never
    a deadlock or the unique constraint (PostgreSQL; SQLite writes one at a time anyway).
    """
    code = Organisation.objects.filter(pk=organisation.pk).values_list("uscc", flat=True).get()
    claims = Organisation.objects.select_for_update().filter(Q(uscc=code) | Q(pk=organisation.pk))
    return next(claim for claim in claims.order_by("pk") if claim.pk == organisation.pk)


def decide(organisation, actor, *, approve, comment="", ip_address=None):
    """Approve or reject a pending registration; a rejection carries its reasons.

    Approving one claim rejects the other pending claims of the same code, whose contacts
    are told whom to ask.
    """
    comment = (comment or "").strip()
    try:
        with transaction.atomic():
            event = _decide(organisation, actor, approve, comment, ip_address)
    except IntegrityError as conflict:
        # Only if a claim of this code was approved by a way that takes no lock (the admin).
        raise RegistrationRefused(
            _(
                "统一社会信用代码为 %(code)s 的单位已有另一注册审核通过，本次审核未生效。"
                "请刷新页面，查看该代码的其他注册申请。"
            )
            % {"code": organisation.uscc}
        ) from conflict
    organisation.refresh_from_db()
    return event


def _decide(organisation, actor, approve, comment, ip_address):
    locked = _lock_claims(organisation)
    if not may_decide(actor, locked):
        raise NotReviewer(_("该单位的注册由%(unit)s审核。") % {"unit": approver_name(locked.reviewing_unit)})
    if locked.registration_status != PENDING:
        raise RegistrationRefused(
            _("该单位注册当前状态为“%(status)s”，可能已由他人处理，请刷新页面后查看。")
            % {"status": locked.get_registration_status_display()}
        )
    if len(comment) > COMMENT_MAX_CHARS:
        raise RegistrationRefused(
            _("审核意见不能超过 %(limit)s 字，现为 %(length)s 字。")
            % {"limit": COMMENT_MAX_CHARS, "length": len(comment)}
        )
    if not approve and not comment:
        raise RegistrationRefused(_("请填写不通过的理由，申报单位将按理由修改后重新提交。"))
    if approve:
        refusal = claim_refusal(locked.uscc, locked.name, exclude=locked)
        if refusal:
            raise RegistrationRefused(refusal)
    target = APPROVED if approve else REJECTED
    action = RegistrationAction.APPROVE if approve else RegistrationAction.REJECT
    locked.registration_status = target
    locked.save(update_fields=["registration_status"])
    event = _event(locked, actor, action, PENDING, target, comment=comment, ip_address=ip_address)
    _notify(event, _contacts(locked))
    if approve:
        _reject_competitors(locked)
    return event


def _reject_competitors(approved):
    reason = _(
        "统一社会信用代码为 %(code)s 的单位已由另一账号注册并通过审核。如需作为本单位联系人使用本平台，"
        "请与本单位已注册的联系人联系；如认为有误，%(contact)s。"
    ) % {"code": approved.uscc, "contact": contact_text(approved.reviewing_unit)}
    # Locked already (_lock_claims).
    competitors = Organisation.objects.filter(uscc=approved.uscc, registration_status=PENDING)
    for competitor in competitors.exclude(pk=approved.pk).order_by("pk"):
        competitor.registration_status = REJECTED
        competitor.save(update_fields=["registration_status"])
        event = _event(competitor, None, RegistrationAction.REJECT, PENDING, REJECTED, comment=reason)
        _notify(event, _contacts(competitor))


# Telling people -----------------------------------------------------------------------------


def _reviewers(organisation):
    users = User.objects.filter(is_active=True)
    if organisation.reviewing_unit_id is None:
        return list(users.filter(role=Role.STAFF))
    return list(users.filter(role=Role.UNIT_REVIEWER, organising_unit_id=organisation.reviewing_unit_id))


def _contacts(organisation):
    return list(lead_unit_contacts(organisation.pk))


def subject(event):
    """The mail's subject, in the active language (``outbox.notify`` renders it per recipient)."""
    templates = {
        RegistrationAction.SEND: _("【朔州市联盟申报】%(name)s：单位注册待审核"),
        RegistrationAction.APPROVE: _("【朔州市联盟申报】%(name)s：单位注册审核通过"),
        RegistrationAction.REJECT: _("【朔州市联盟申报】%(name)s：单位注册审核未通过"),
    }
    # One header line: a line break typed into a name must not break the mail.
    return " ".join((templates[RegistrationAction(event.action)] % {"name": event.organisation.name}).split())


def _notify(event, people):
    """Tell ``people`` (but not whoever acted), each in their own language, as ``transition()``
    does: the in-portal message now, in the transaction; the e-mail once it commits."""
    people = [person for person in people if person.pk != event.actor_id]
    notify(
        people,
        kind=OutboxKind.REGISTRATION,
        subject=lambda context: subject(event),
        template="email/registration.txt",
        context={
            "event": event,
            "organisation": event.organisation,
            # Lazy (the bureau's name, the status): each recipient reads them in their language.
            "unit": lazy(approver_name, str)(event.reviewing_unit),
            "status_label": RegistrationStatus(event.to_status).label,
        },
        in_portal={"registration_event": event},
        created_by=event.actor,
    )
