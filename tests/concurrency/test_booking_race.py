"""Races through the real HTTP stack on PostgreSQL: 50 simultaneous bookings of one time.

The guard has two layers (docs/booking.md): the service locks the practitioner row before its
re-check, and the database's exclusion constraint refuses overlaps. The negative control turns
both off in a test-only way and shows that the double booking then really happens.
"""

import importlib
import json
import threading
import time as clock
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from physiofit.booking import services
from physiofit.booking.models import Appointment, Service
from physiofit.intake.triage import red_flags
from tests.factories import build_booking, build_site, restore_migration_data

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races are proven on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
BEND = ZoneInfo("America/Los_Angeles")
REQUESTS = 50


def next_weekday_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(BEND).date() + timedelta(days=3)
    while day.weekday() > 3:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=BEND)


@pytest.fixture
def clinic(settings):
    settings.BOOKING_RATE_LIMIT = 10_000
    restore_migration_data()
    build_site()
    return build_booking()


def post_all(url: str, bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def send(index: int, body: dict) -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                statuses[index] = response.status
        except urllib.error.HTTPError as error:
            statuses[index] = error.code

    threads = [threading.Thread(target=send, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def body(index: int, start: datetime, service: str = "initial-evaluation") -> dict:
    return {
        "service": service,
        "practitioner": "alex",
        "start": start.isoformat(),
        "patient": {
            "first_name": "Racer",
            "last_name": f"Number{index}",
            "email": f"racer{index}@example.com",
            "phone": "541 555 0100",
            "date_of_birth": "1980-01-01",
        },
        "screening": dict.fromkeys(red_flags().keys, False),
    }


def overlapping_pairs() -> int:
    rows = list(
        Appointment.objects.filter(status="booked").values_list(
            "practitioner_id", "blocked_start", "blocked_end"
        )
    )
    return sum(
        1
        for i, a in enumerate(rows)
        for b in rows[i + 1 :]
        if a[0] == b[0] and a[1] < b[2] and b[1] < a[2]
    )


def test_fifty_simultaneous_requests_for_one_time_book_exactly_one(live_server, clinic):
    start = next_weekday_at(10)
    statuses = post_all(
        f"{live_server.url}/api/v1/appointments", [body(i, start) for i in range(REQUESTS)]
    )
    assert Counter(statuses) == {201: 1, 409: REQUESTS - 1}
    assert Appointment.objects.filter(status="booked").count() == 1


def test_overlapping_requests_of_different_lengths_never_overlap(live_server, clinic):
    # A second new-patient length: follow-ups are not bookable through the API (no portal).
    short = Service.objects.create(
        name="Short evaluation", slug="short-evaluation", duration_minutes=45, audience="new"
    )
    clinic["alex"].services.add(short)
    clinic["alex"].save()
    bodies = []
    for index in range(REQUESTS):
        start = next_weekday_at(10) + timedelta(minutes=15 * (index % 6))
        service = "initial-evaluation" if index % 2 else "short-evaluation"
        bodies.append(body(index, start, service))
    statuses = post_all(f"{live_server.url}/api/v1/appointments", bodies)
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    assert overlapping_pairs() == 0


NO_OVERLAP = importlib.import_module("physiofit.booking.migrations.0002_no_overlap_postgres")


@pytest.fixture
def lock_disabled(clinic, monkeypatch):
    """Test-only: no practitioner lock, and a pause between the re-check and the insert so
    that every request checks before any of them inserts."""
    monkeypatch.setattr(services, "_lock_practitioners", lambda ids: None)
    original_create = services._create

    def slow_create(*args, **kwargs):
        clock.sleep(0.5)
        return original_create(*args, **kwargs)

    monkeypatch.setattr(services, "_create", slow_create)


@pytest.fixture
def constraint_dropped(lock_disabled):
    with connection.cursor() as cursor:
        cursor.execute(NO_OVERLAP.DROP)
    yield
    Appointment.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(NO_OVERLAP.ADD)


def test_the_database_constraint_alone_still_refuses_the_overlap(live_server, lock_disabled):
    start = next_weekday_at(10)
    statuses = post_all(
        f"{live_server.url}/api/v1/appointments", [body(i, start) for i in range(10)]
    )
    assert Counter(statuses) == {201: 1, 409: 9}
    assert overlapping_pairs() == 0


def test_negative_control_without_the_guard_the_race_double_books(live_server, constraint_dropped):
    start = next_weekday_at(10)
    statuses = post_all(
        f"{live_server.url}/api/v1/appointments", [body(i, start) for i in range(10)]
    )
    assert 500 not in statuses
    assert statuses.count(201) > 1  # the race is real: the guard is what prevents it
    assert overlapping_pairs() > 0
