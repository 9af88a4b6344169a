"""PostgreSQL only: two active appointments of one practitioner can never overlap.

An exclusion constraint over the blocked range (buffers included) for the statuses that occupy
time. SQLite has no such constraint; there the booking service serialises check and insert in
one immediate write transaction (see docs/booking.md).
"""

from django.db import migrations

CONSTRAINT = "appointment_no_overlap"
ADD = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE booking_appointment ADD CONSTRAINT {CONSTRAINT}
  EXCLUDE USING gist (
    practitioner_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
  ) WHERE (status IN ('held', 'booked', 'completed', 'no_show'));
"""
DROP = f"ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS {CONSTRAINT};"


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(add, drop)]
