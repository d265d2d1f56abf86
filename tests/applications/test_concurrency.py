import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections

from applications import outbox
from applications.enums import Action, OutboxStatus, State
from applications.models import Application, AuditEvent, OutboxMessage
from applications.workflow import StateConflict, transition


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_forwards_apply_exactly_once(world):
    """PostgreSQL: the row lock. SQLite: BEGIN IMMEDIATE, the write lock at the start."""
    from review.checks import confirm_every_item

    application = world.application(State.SUBMITTED)
    confirm_every_item(application, None, world.unit)  # forwarding needs them (Art. 5)
    start = threading.Barrier(2)
    outcomes = []

    def clerk():
        try:
            mine = Application.objects.get(pk=application.pk)
            start.wait(timeout=10)
            transition(mine, Action.FORWARD, world.unit, comment="同意报市科技局")
            outcomes.append("applied")
        except StateConflict as refusal:
            outcomes.append(str(refusal))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes)[0] == "applied"
    assert outcomes.count("applied") == 1
    assert any("可能已由他人处理" in outcome for outcome in outcomes)
    application.refresh_from_db()
    assert application.state == State.FORWARDED
    assert AuditEvent.objects.filter(application=application, action=Action.FORWARD).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_in_progress_is_in_the_snapshot_of_a_submission_made_meanwhile(world):
    """The edit holds the lock; the submission waits for it, then freezes the edited data."""
    import time

    from applications import drafts
    from applications.models import Submission

    application = world.application(complete=True)
    locked = threading.Event()
    errors = []

    def editor():
        try:
            with drafts.editing(application) as row:
                locked.set()
                time.sleep(0.5)
                row.innovation_goals = "编辑中保存的目标"
                row.save(update_fields=["innovation_goals"])
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    def submitter():
        try:
            locked.wait(timeout=10)
            transition(
                Application.objects.get(pk=application.pk), Action.SUBMIT, world.applicant, declared=True
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=editor), threading.Thread(target=submitter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Submission.objects.get(application=application).data["innovation_goals"] == "编辑中保存的目标"
    # And once submitted, the next edit is refused.
    with pytest.raises(drafts.NotEditable), drafts.editing(application):
        pass


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_of_one_code_at_once_approve_exactly_one(world):
    """单位注册审核: two reviewers approve the two pending claims of one code at the same moment.
    PostgreSQL: both claims are locked in one order, so the second waits and finds its claim
    rejected, never a deadlock or the unique constraint. SQLite: BEGIN IMMEDIATE."""
    from applications import registration
    from applications.enums import RegistrationAction, RegistrationStatus
    from applications.models import Organisation, RegistrationEvent

    claims = [world.claimant(username="first").organisation, world.claimant(username="second").organisation]
    start = threading.Barrier(2)
    outcomes = {}

    def reviewer(claim):
        try:
            mine = Organisation.objects.get(pk=claim.pk)
            start.wait(timeout=10)
            registration.decide(mine, world.unit, approve=True, comment="核对无误")
            outcomes[claim.pk] = "approved"
        except registration.RegistrationRefused as refusal:
            outcomes[claim.pk] = str(refusal)
        except Exception as error:  # a 500: reported below
            outcomes[claim.pk] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reviewer, args=(claim,)) for claim in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert list(outcomes.values()).count("approved") == 1, outcomes
    refused = next(outcome for outcome in outcomes.values() if outcome != "approved")
    assert "当前状态为“注册审核未通过”，可能已由他人处理" in refused, refused
    statuses = dict(Organisation.objects.filter(uscc=claims[0].uscc).values_list("pk", "registration_status"))
    approved = next(pk for pk, outcome in outcomes.items() if outcome == "approved")
    assert statuses == {
        claim.pk: RegistrationStatus.APPROVED if claim.pk == approved else RegistrationStatus.REJECTED
        for claim in claims
    }
    events = RegistrationEvent.objects.filter(organisation__in=claims).exclude(action=RegistrationAction.SEND)
    assert sorted((e.organisation_id == approved, e.action, e.actor_id) for e in events) == [
        (False, RegistrationAction.REJECT, None),
        (True, RegistrationAction.APPROVE, world.unit.pk),
    ]


class SlowServer(LocmemBackend):
    """A server that takes its time, so that two runs of send_outbox overlap."""

    def send_messages(self, email_messages):
        time.sleep(0.2)
        return super().send_messages(email_messages)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_each_mail_once(settings):
    """PostgreSQL: the second run skips the rows the first holds (SKIP LOCKED). SQLite: the
    second waits for the first's write lock, then finds them sent."""
    settings.EMAIL_BACKEND = f"{__name__}.SlowServer"
    for number in range(4):
        OutboxMessage.objects.create(
            to_address=f"p{number}@example.com", language="zh-hans", subject="s", body="b", kind="transition"
        )
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(outbox.send_pending())
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(result.sent for result in results) == 4
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"p{number}@example.com" for number in range(4)
    ]
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}
