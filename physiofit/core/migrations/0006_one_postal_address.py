"""One postal address: `visit_location` goes, an optional second line comes.

The old "visit location" was shown as a second address beside the street address (the demo had
"1332 NE 2nd St" and "Location: 1334 Northeast 2nd Street"). The street address stays the one
postal address. A visit location that was a detail of it ("Suite 100", "Entrance at the back")
becomes the second line; one that is a street address of its own (a house number and a street)
is dropped, since keeping it would show two addresses again.
"""

import re

import django.core.validators
from django.db import migrations, models

import physiofit.core.text

# As physiofit.core.models.STREET_NUMBER at the time of writing (a migration keeps its own copy).
STREET_NUMBER = re.compile(r"^\s*\d+[A-Za-z]?\s+\w")


def second_line(visit_location: str, street_address: str) -> str:
    """The second line an old visit location becomes: "" for a street address of its own."""
    location = " ".join(visit_location.split())
    if STREET_NUMBER.match(location) or location.lower() == street_address.strip().lower():
        return ""
    return location[:100]


def second_line_from_visit_location(apps, schema_editor):
    ClinicSettings = apps.get_model("core", "ClinicSettings")
    for clinic in ClinicSettings.objects.exclude(visit_location=""):
        clinic.address_second_line = second_line(clinic.visit_location, clinic.street_address)
        clinic.save(update_fields=["address_second_line"])


def visit_location_from_second_line(apps, schema_editor):
    ClinicSettings = apps.get_model("core", "ClinicSettings")
    for clinic in ClinicSettings.objects.exclude(address_second_line=""):
        clinic.visit_location = clinic.address_second_line
        clinic.save(update_fields=["visit_location"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_phone_ends_without_newline"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinicsettings",
            name="address_second_line",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Optional, shown under the street, e.g. “Suite 100” or “Entrance at the "
                    "back”. Not a second address."
                ),
                max_length=100,
                validators=[
                    physiofit.core.text.validate_single_line,
                    django.core.validators.RegexValidator(
                        "^\\s*\\d+[A-Za-z]?\\s+\\w",
                        "This looks like a street address of its own. The clinic has one "
                        "address: put it in “Street address”, and use this line only for a "
                        "suite, floor or entrance.",
                        inverse_match=True,
                    ),
                ],
                verbose_name="second address line",
            ),
        ),
        migrations.RunPython(second_line_from_visit_location, visit_location_from_second_line),
        migrations.RemoveField(model_name="clinicsettings", name="visit_location"),
        migrations.AlterField(
            model_name="clinicsettings",
            name="street_address",
            field=models.CharField(
                help_text="Street and number, e.g. 1332 NE 2nd St.", max_length=200
            ),
        ),
    ]
