"""The groundwork of the bureau side (issue 9, part 1): guards and forms belong to rows, the
audit event keeps what a row's form validated, and internal events stay with the bureau."""

import dataclasses

import pytest
from django import forms
from django.urls import reverse

from applications import workflow
from applications.enums import Action, Activity, State
from applications.event_data import EventDataForm
from applications.guards import Guard
from applications.models import AuditEvent, Notification
from applications.workflow import TABLE, GuardFailed, prepare, record, transition

from ..factories import log_in


class ChecklistForm(EventDataForm):
    """A row's data as the formal check would record it: items, a remark, a staff note."""

    internal_fields = frozenset({"staff_note"})

    failed = forms.MultipleChoiceField(
        label="未通过的事项",
        choices=[("seals", "印章齐全"), ("charter", "联盟章程")],
        required=False,
    )
    materials_complete = forms.BooleanField(label="材料齐全", required=True)
    staff_note = forms.CharField(label="内部备注", max_length=50, required=False)

    @classmethod
    def example(cls, application, actor):
        return {"materials_complete": "on", "staff_note": "演示备注"}


def with_row(monkeypatch, source, action, **changes):
    """The table with the row (``source``, ``action``) changed as given, for this test."""
    row = workflow.TABLE[(source, action)]
    changed = dataclasses.replace(row, **changes)
    monkeypatch.setitem(workflow.TABLE, (source, action), changed)
    monkeypatch.setattr(
        workflow, "TRANSITIONS", tuple(changed if item is row else item for item in workflow.TRANSITIONS)
    )
    return changed


def refuse(message):
    return Guard(lambda application, row, actor: [message])


def test_a_guard_on_recognize_does_not_fire_on_accept_rectification(world, monkeypatch):
    """Both rows lead to RECOGNIZED: a guard belongs to its row, not to the target state."""
    in_notice = world.application(State.IN_NOTICE)
    rectifying = world.application(State.RECTIFYING)
    with_row(monkeypatch, State.IN_NOTICE, Action.RECOGNIZE, guards=(refuse("公示期未满"),))

    # The alliance has reported on its rectification (review.rectification's own satisfy).
    accept = TABLE[(State.RECTIFYING, Action.ACCEPT_RECTIFICATION)]
    prepare(rectifying, accept, world.staff)
    transition(rectifying, Action.ACCEPT_RECTIFICATION, world.staff, comment="整改合格。")
    with pytest.raises(GuardFailed) as refused:
        transition(in_notice, Action.RECOGNIZE, world.staff)

    assert rectifying.state == State.RECOGNIZED
    assert refused.value.messages == ["公示期未满"]
    assert in_notice.state == State.IN_NOTICE
    assert not in_notice.events.filter(action=Action.RECOGNIZE).exists()


def test_a_guard_named_by_its_path_is_imported_when_first_used(world, monkeypatch):
    application = world.application(State.FORWARDED)
    with_row(
        monkeypatch,
        State.FORWARDED,
        Action.START_REVIEW,
        guards=("tests.applications.test_event_data.NOT_YET",),
    )

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.START_REVIEW, world.staff)

    assert refused.value.messages == ["尚未指派专家"]


NOT_YET = refuse("尚未指派专家")


def test_driving_a_file_satisfies_a_new_guard_through_its_module(world, monkeypatch):
    """The test world drives along the table: a guard that data can satisfy does not break it."""

    def named(application, row, actor):
        return [] if application.name.endswith("（已核）") else ["名称未核对"]

    def rename(application, row, actor):
        application.name += "（已核）"
        application.save(update_fields=["name"])

    with_row(monkeypatch, State.FORWARDED, Action.START_REVIEW, guards=(Guard(named, satisfy=rename),))

    application = world.application(State.UNDER_REVIEW)

    assert application.state == State.UNDER_REVIEW
    assert application.name.endswith("（已核）")


def test_a_rows_form_validates_the_data_and_the_event_keeps_it(world, monkeypatch):
    application = world.application(State.FORWARDED)
    with_row(monkeypatch, State.FORWARDED, Action.START_REVIEW, form=ChecklistForm, guards=())

    with pytest.raises(GuardFailed) as refused:
        transition(application, Action.START_REVIEW, world.staff, data={"failed": ["nonsense"]})
    event = transition(
        application,
        Action.START_REVIEW,
        world.staff,
        data={"materials_complete": "on", "failed": ["seals"], "staff_note": "已电话核实"},
    )

    assert any(message.startswith("材料齐全：") for message in refused.value.messages)
    assert any(message.startswith("未通过的事项：") for message in refused.value.messages)
    assert AuditEvent.objects.filter(application=application, action=Action.START_REVIEW).count() == 1
    assert event.data == {"failed": ["seals"], "materials_complete": True, "staff_note": "已电话核实"}
    assert event.application.state == State.UNDER_REVIEW


def test_the_form_is_offered_and_what_was_typed_comes_back_when_refused(world, client, monkeypatch):
    application = world.application(State.FORWARDED)
    with_row(monkeypatch, State.FORWARDED, Action.START_REVIEW, form=ChecklistForm, guards=())
    log_in(client, "staff")
    url = reverse("review:act", args=[application.pk, Action.START_REVIEW])

    client.post(url, {"start_review-failed": ["charter"], "start_review-staff_note": "待补章程"})
    page = client.get(reverse("review:detail", args=[application.pk])).content.decode()

    application.refresh_from_db()
    assert application.state == State.FORWARDED
    assert "材料齐全：这个字段是必填项。" in page  # the message above the page
    assert 'value="待补章程"' in page
    assert '<option value="charter" selected>' in page

    client.post(url, {"start_review-materials_complete": "on", "start_review-staff_note": "已核"})
    application.refresh_from_db()
    assert application.state == State.UNDER_REVIEW
    assert application.events.get(action=Action.START_REVIEW).data["staff_note"] == "已核"


def test_the_applicant_sees_neither_internal_events_nor_internal_fields(world, client, monkeypatch):
    application = world.application(State.FORWARDED)
    with_row(monkeypatch, State.FORWARDED, Action.START_REVIEW, form=ChecklistForm, guards=())
    record(application, Activity.NOTE, world.staff, comment="专家甲与成员单位有合作，另行安排")
    transition(
        application,
        Action.START_REVIEW,
        world.staff,
        data={"materials_complete": "on", "staff_note": "牵头单位电话已核实"},
    )

    log_in(client, "staff")
    staff_page = client.get(reverse("review:detail", args=[application.pk])).content.decode()
    client.logout()
    log_in(client, "applicant")
    own_page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    messages = Notification.objects.filter(recipient=world.applicant)

    assert "专家甲与成员单位有合作" in staff_page and "牵头单位电话已核实" in staff_page
    assert "材料齐全" in own_page  # the event itself, and its external field, are the applicant's
    for text in ("专家甲与成员单位有合作", "牵头单位电话已核实", "内部备注", "工作备注"):
        assert text not in own_page
        assert text not in dashboard
    assert messages.exists()
    assert not messages.filter(event__internal=True).exists()
    assert all("专家甲" not in message.body for message in messages)


def test_an_internal_event_never_reaches_the_applicants_pdf(rendered_pdfs):
    from ..test_policy import pdf_text

    world = rendered_pdfs.world
    record(rendered_pdfs.draft, Activity.NOTE, world.staff, comment="内部核查：成员单位执照待复核")
    client = world_client(world)

    body = b"".join(
        client.get(reverse("applications:form_pdf", args=[rendered_pdfs.draft.pk])).streaming_content
    )

    text = pdf_text(body)
    assert "联盟" in text
    assert "内部核查" not in text and "待复核" not in text


def world_client(world):
    from django.test import Client

    client = Client()
    log_in(client, "applicant")
    return client
