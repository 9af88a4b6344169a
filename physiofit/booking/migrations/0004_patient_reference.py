from django.db import migrations, models

import physiofit.booking.models


def give_references(apps, schema_editor):
    Patient = apps.get_model("booking", "Patient")
    taken = set()
    for patient in Patient.objects.filter(reference__isnull=True).only("pk"):
        reference = physiofit.booking.models.new_reference()
        while reference in taken:
            reference = physiofit.booking.models.new_reference()
        taken.add(reference)
        Patient.objects.filter(pk=patient.pk).update(reference=reference)


class Migration(migrations.Migration):
    dependencies = [("booking", "0003_alter_notification_kind")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="reference",
            field=models.CharField(editable=False, max_length=12, null=True),
        ),
        migrations.RunPython(give_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="patient",
            name="reference",
            field=models.CharField(
                default=physiofit.booking.models.new_reference,
                editable=False,
                max_length=12,
                unique=True,
            ),
        ),
    ]
