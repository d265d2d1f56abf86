import pytest
from django.urls import reverse

from applications.enums import Action, State
from applications.models import AuditEvent


def test_audit_event_cannot_be_changed_or_deleted(world):
    application = world.application(State.SUBMITTED)
    event = application.events.get()
    event.comment = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(comment="篡改")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).comment == "测试意见"


def test_admin_shows_audit_events_read_only(world, client):
    application = world.application(State.SUBMITTED)
    event = application.events.get()
    client.force_login(world.admin)
    change_url = reverse("admin:applications_auditevent_change", args=[event.pk])

    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"comment": "篡改"}).status_code == 403
    delete_url = reverse("admin:applications_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:applications_auditevent_add")).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).comment == "测试意见"
    assert AuditEvent.objects.filter(action=Action.SUBMIT).count() == 1


def test_audit_event_with_an_existing_pk_cannot_overwrite_it(world):
    from django.db import IntegrityError, transaction

    event = world.application(State.SUBMITTED).events.get()
    forged = AuditEvent(
        pk=event.pk,
        application=event.application,
        actor_role="staff",
        action="submit",
        from_state="draft",
        to_state="submitted",
        comment="篡改",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert AuditEvent.objects.get(pk=event.pk).comment == "测试意见"
