"""Slot search benchmark: 20 practitioners x 30 days, 10 appointments per practitioner-day.

Builds the data in a fresh database (SQLite in a temporary folder, or DATABASE_URL), then
times `selectors.slot_search` for "any practitioner" over 30 days and counts its queries.
Goal (issue 3): p50 and p95 under 50 ms, at most 6 queries.

    make bench-slots          # or: .venv/bin/python bench/slot_search.py
"""

import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="physiofit-slots-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ["DJANGO_SETTINGS_MODULE"] = "physiofit.settings.dev"
os.environ["PHYSIOFIT_VAR_DIR"] = workdir

import django  # noqa: E402

django.setup()

from common import build_clinic  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from physiofit.booking import selectors  # noqa: E402
from physiofit.booking.models import Appointment, Patient, Service, new_reference  # noqa: E402

PRACTITIONERS, DAYS, PER_DAY, RUNS = 20, 30, 10, 60
ZONE = ZoneInfo("America/Los_Angeles")


def build(first_day: date) -> Service:
    service, practitioners = build_clinic(
        opens=clock(7),
        closes=clock(19),
        practitioners=PRACTITIONERS,
        service_fields={
            "name": "Follow-up",
            "slug": "follow-up",
            "duration_minutes": 45,
            "buffer_after_minutes": 15,
        },
    )
    patient = Patient.objects.create(
        first_name="B",
        last_name="Ench",
        email="b@example.com",
        phone="5415550100",
        date_of_birth=date(1980, 1, 1),
    )
    appointments = []
    for practitioner in practitioners:
        for offset in range(DAYS):
            day = first_day + timedelta(days=offset)
            for slot in range(PER_DAY):  # every hour from 7:00, 45 minutes + 15 buffer
                start = datetime.combine(day, clock(7 + slot), tzinfo=ZONE)
                appointments.append(
                    Appointment(
                        practitioner=practitioner,
                        service=service,
                        patient=patient,
                        start=start,
                        end=start + timedelta(minutes=45),
                        blocked_start=start,
                        blocked_end=start + timedelta(minutes=60),
                        reference=new_reference(),
                    )
                )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    return service


def main() -> None:
    call_command("migrate", verbosity=0)
    now = datetime.now(ZONE)
    first_day = now.date() + timedelta(days=1)
    service = build(first_day)
    gc.freeze()  # as physiofit/wsgi.py does once the application is loaded
    last_day = first_day + timedelta(days=DAYS - 1)
    timings, queries, found = [], 0, 0
    for run in range(RUNS + 3):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            slots = selectors.slot_search(
                service=service, practitioner=None, first_day=first_day, last_day=last_day, now=now
            )
            elapsed = (time.perf_counter() - started) * 1000
        if run >= 3:  # the first runs warm caches and connections
            timings.append(elapsed)
            queries, found = len(captured.captured_queries), len(slots)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"database: {connection.vendor}; {PRACTITIONERS} practitioners x {DAYS} days, "
        f"{PER_DAY} appointments per practitioner-day ({Appointment.objects.count()} in all)"
    )
    print(
        f"slot search, any practitioner, {DAYS} days: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms, {queries} queries, {found} slots ({RUNS} runs)"
    )


if __name__ == "__main__":
    main()
