"""Handout PDF benchmark: a program of 10 exercises, each with two pictures, rendered with
WeasyPrint as the portal and the admin do. Goal (issue 10): under 2 seconds.

Builds the demo clinic in a fresh database (SQLite in a temporary folder), then times
`handout.render_pdf` over a few runs after one warm-up.

    .venv/bin/python bench/handout_pdf.py
"""

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
workdir = tempfile.mkdtemp(prefix="physiofit-handout-")
os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "physiofit.settings.dev"
os.environ["PHYSIOFIT_VAR_DIR"] = workdir

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from physiofit.booking.models import Patient  # noqa: E402
from physiofit.core.models import clinic_today  # noqa: E402
from physiofit.exercises import handout, services  # noqa: E402
from physiofit.exercises.models import Exercise  # noqa: E402

RUNS, EXERCISES, GOAL_SECONDS = 8, 10, 2.0


def main() -> int:
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    patient = Patient.objects.create(
        first_name="Bench",
        last_name="Patient",
        email="bench@example.com",
        phone="541 555 0199",
        date_of_birth="1980-01-01",
    )
    exercises = list(Exercise.objects.order_by("name")[:EXERCISES])
    pictures = sum(e.images.count() for e in exercises)
    today = clinic_today()
    program = services.program_assign(
        patient=patient,
        user=None,
        starts_on=today,
        phases=[services.PhaseData("Weeks 1-4", today, today + timedelta(days=27))],
        prescriptions=[services.PrescriptionData(e, 0) for e in exercises],
    )
    handout.render_pdf(program)  # warm-up: fonts, renditions
    times = []
    size = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        size = len(handout.render_pdf(program))
        times.append(time.perf_counter() - started)
    p50, worst = statistics.median(times), max(times)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"{len(exercises)} exercises, {pictures} pictures, {size / 1024:.0f} KiB PDF, {RUNS} runs"
    )
    print(f"p50 {p50:.2f} s, slowest {worst:.2f} s (goal: under {GOAL_SECONDS:.0f} s)")
    return 0 if worst < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
