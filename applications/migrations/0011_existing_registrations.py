"""Registrations of organisations that signed up before 单位注册审核 existed.

An organisation that has already submitted a file had its business licence checked by its
organising unit with that file (Art. 5): it is recorded as approved, by the system, with
that reason. Any other stays unsent and, like a new sign-up, sends its licence and
authorisation letter for approval before it submits.
"""

from django.db import migrations

REASON = "本规则施行前已有申报经组织单位审核（含牵头单位营业执照，第五条），视为注册审核通过。"


def approve_organisations_with_submitted_files(apps, schema_editor):
    Organisation = apps.get_model("applications", "Organisation")
    Application = apps.get_model("applications", "Application")
    RegistrationEvent = apps.get_model("applications", "RegistrationEvent")
    submitted = Application.objects.filter(submitted_at__isnull=False).order_by("submitted_at", "pk")
    for organisation in Organisation.objects.filter(pk__in=submitted.values("lead_unit_id")):
        first = submitted.filter(lead_unit_id=organisation.pk).first()
        Organisation.objects.filter(pk=organisation.pk).update(
            registration_status="approved",
            reviewing_unit_id=first.organising_unit_id,
            registration_sent_at=first.submitted_at,
        )
        RegistrationEvent.objects.create(
            organisation=organisation,
            actor=None,
            actor_role="system",
            action="approve",
            from_status="unsent",
            to_status="approved",
            reviewing_unit_id=first.organising_unit_id,
            comment=REASON,
        )


class Migration(migrations.Migration):
    dependencies = [("applications", "0010_registration_approval")]

    operations = [migrations.RunPython(approve_organisations_with_submitted_files, migrations.RunPython.noop)]
