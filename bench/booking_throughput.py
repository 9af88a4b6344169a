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
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from common import ROOT, build_clinic, free_port, production_env, start_gunicorn

from physiofit.intake.triage import red_flags

NO_RED_FLAGS = dict.fromkeys(red_flags().keys, False)

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/physiofit_bench"
)
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
THREADS, PRACTITIONERS, WORKERS = 32, 20, int(os.environ.get("BENCH_WORKERS", "4"))
ZONE = ZoneInfo("America/Los_Angeles")


def environment() -> dict:
    return production_env(
        tempfile.mkdtemp(prefix="physiofit-bench-"),
        DATABASE_URL,
        EMAIL_URL="locmem://",
        BOOKING_RATE_LIMIT="100000000",
    )


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

    call_command("migrate", verbosity=0)
    build_clinic(
        opens=clock(0),
        closes=clock(23, 59),
        practitioners=PRACTITIONERS,
        service_fields={"name": "Follow-up", "slug": "follow-up", "duration_minutes": 45},
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
                    # A first visit: the red-flag answers are recorded with every booking.
                    "screening": NO_RED_FLAGS,
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
    port = free_port()
    server = start_gunicorn(env, port, WORKERS)
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
