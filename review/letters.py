"""Decision letters (决定通知书, Art. 6): what the lead unit is told of the Party group's decision.

Recording a meeting writes one letter per approval or rejection to each contact of the lead
unit, in the contact's language, as a draft in the outbox. Staff read the drafts and send
them in bulk (:func:`send`); nothing goes out unread. A letter says the decision, the meeting
and the reasons; it never names the experts or gives their scores.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from applications.enums import Action, OutboxKind, OutboxStatus
from applications.models import Notification, OutboxMessage
from applications.outbox import notify, release
from applications.permissions import lead_unit_contacts

from .models import Decision

DECISIONS = (Action.APPROVE, Action.REJECT)
SUBJECTS = {
    Decision.APPROVE: gettext_lazy("【朔州市科学技术局】“%(name)s”认定申请研究结果通知：拟认定"),
    Decision.REJECT: gettext_lazy("【朔州市科学技术局】“%(name)s”认定申请研究结果通知：不予认定"),
}


def contacts(application):
    """Who receives the letter: the lead unit's active contacts."""
    return list(lead_unit_contacts(application.lead_unit_id))


def queue(item, actor):
    """The draft letters of one decision of a meeting being recorded (``item``)."""
    application = item.application
    decision = Decision(item.decision)
    return notify(
        contacts(application),
        kind=OutboxKind.LETTER,
        subject=lambda context: SUBJECTS[decision] % {"name": application.name},
        template="email/decision_letter.txt",
        context={
            "application": application,
            "meeting": item.meeting,
            "approved": decision == Decision.APPROVE,
            "reasons": item.reasons.strip(),
            "notice_days": application.edition.notice_days if application.edition_id else 7,
            "dated": timezone.localdate(),
        },
        application=application,
        created_by=actor,
        status=OutboxStatus.DRAFT,
    )


def letters():
    """Every decision letter, newest first, with what the list shows of it."""
    return (
        OutboxMessage.objects.filter(kind=OutboxKind.LETTER)
        .select_related("application", "recipient", "released_by")
        .order_by("-created_at", "-pk")
    )


def drafts():
    return letters().filter(status=OutboxStatus.DRAFT)


def send(pks, by):
    """Release the draft letters ``pks`` (others are ignored); returns how many go out.

    Each contact of the lead unit then also finds the letter among their in-portal messages,
    linked to the decision on the file's audit trail (those without an address too)."""
    with transaction.atomic():
        chosen = list(drafts().select_for_update(of=("self",)).filter(pk__in=pks))
        count = release(chosen, by=by)
        notices, told = [], set()
        for letter in chosen:
            application = letter.application
            decision = application.events.filter(action__in=DECISIONS).order_by("-created_at", "-pk").first()
            people = [letter.recipient] if letter.recipient_id else []
            if application.pk not in told:
                told.add(application.pk)
                people += [person for person in contacts(application) if not person.email]
            notices += [
                Notification(
                    recipient=person,
                    application=application,
                    event=decision,
                    subject=letter.subject,
                    body=letter.body,
                )
                for person in people
            ]
        Notification.objects.bulk_create(notices)
    return count
