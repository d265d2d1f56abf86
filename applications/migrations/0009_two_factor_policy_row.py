"""The one TwoFactorPolicy row, nothing required, for the administrator to switch on (issue 8)."""

from django.db import migrations


def create(apps, schema_editor):
    apps.get_model("applications", "TwoFactorPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("applications", "0008_two_factor_policy")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
