"""Booking throughput on PostgreSQL under concurrent load, through gunicorn and the JSON API.

Creates a fresh database (BENCH_DATABASE_URL, default physiofit_bench on 127.0.0.1), 20
practitioners open every day, then 32 client threads book random practitioner/time pairs for
BENCH_SECONDS (default 15). Reports bookings/s, refusals (409: taken), errors, latency, and
checks that no two active appointments of one practitioner overlap. Goal (issue 3): over 100
bookings/s, zero overlaps.
"""

import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/physiofit_bench"
)
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
THREADS, PRACTITIONERS, WORKERS = 32, 20, int(os.environ.get("BENCH_WORKERS", "4"))
ZONE = ZoneInfo("America/Los_Angeles")


def environment() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "physiofit.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": DATABASE_URL,
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_URL": "locmem://",
        "BOOKING_RATE_LIMIT": "100000000",
        "PHYSIOFIT_VAR_DIR": tempfile.mkdtemp(prefix="physiofit-bench-"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    """Run in a child process with the production settings: schema and data."""
    import django

    django.setup()
    from datetime import time as clock

    from django.core.management import call_command
    from wagtail.models import Site

    from physiofit.booking.models import BookingPolicy, Practitioner, Service, WorkingHours
    from physiofit.core.models import ClinicSettings, OpeningHours

    call_command("migrate", verbosity=0)
    site = Site.objects.get(is_default_site=True)
    clinic = ClinicSettings.for_site(site)
    clinic.phone, clinic.email = "(541) 555-0100", "clinic@example.com"
    clinic.street_address, clinic.locality, clinic.region, clinic.postal_code = (
        "1 Main St",
        "Bend",
        "OR",
        "97701",
    )
    clinic.save()
    for weekday in range(7):
        OpeningHours.objects.create(
            clinic=clinic, weekday=weekday, opens=clock(0), closes=clock(23, 59)
        )
    BookingPolicy.for_site(site)
    service = Service.objects.create(name="Follow-up", slug="follow-up", duration_minutes=45)
    for index in range(PRACTITIONERS):
        practitioner = Practitioner.objects.create(name=f"Therapist {index}", slug=f"t{index}")
        practitioner.services.set([service])
        practitioner.save()
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, weekday=w, starts=clock(7), ends=clock(19))
            for w in range(7)
        )


def overlaps() -> int:
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        return connection.execute("""
            SELECT count(*) FROM booking_appointment a JOIN booking_appointment b
              ON a.practitioner_id = b.practitioner_id AND a.id < b.id
             AND tstzrange(a.blocked_start, a.blocked_end) && tstzrange(b.blocked_start, b.blocked_end)
             WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
        """).fetchone()[0]


def load(port: int) -> dict:
    first_day = datetime.now(ZONE).date() + timedelta(days=1)
    statuses: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            day = first_day + timedelta(days=rng.randrange(30))
            start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(
                hours=7, minutes=15 * rng.randrange(45)
            )
            body = json.dumps(
                {
                    "service": "follow-up",
                    "practitioner": f"t{rng.randrange(PRACTITIONERS)}",
                    "start": start.isoformat(),
                    "patient": {
                        "first_name": "Load",
                        "last_name": f"Test{seed}",
                        "email": f"load{seed}-{rng.randrange(10**9)}@example.com",
                        "phone": "541 555 0100",
                        "date_of_birth": "1980-01-01",
                    },
                }
            )
            began = time.perf_counter()
            connection.request(
                "POST",
                "/api/v1/appointments",
                body,
                {"Content-Type": "application/json", "Host": "127.0.0.1"},
            )
            response = connection.getresponse()
            response.read()
            with lock:
                statuses.append(response.status)
                latencies.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "elapsed": elapsed,
        "booked": statuses.count(201),
        "taken": statuses.count(409),
        "errors": len([s for s in statuses if s not in (201, 409)]),
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
    }


def main() -> None:
    if sys.argv[1:] == ["setup"]:
        setup()
        return
    recreate_database()
    env = environment()
    subprocess.run([sys.executable, __file__, "setup"], cwd=ROOT, env=env, check=True)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "physiofit.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--keep-alive",
            "30",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)
        result = load(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    found = overlaps()
    print(
        f"PostgreSQL, gunicorn {WORKERS} sync workers, {THREADS} client threads, "
        f"{PRACTITIONERS} practitioners, {SECONDS:.0f} s"
    )
    print(
        f"booked {result['booked']} ({result['booked'] / result['elapsed']:.0f}/s), "
        f"refused as taken {result['taken']}, errors {result['errors']}, "
        f"p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, overlapping pairs {found}"
    )


if __name__ == "__main__":
    main()
