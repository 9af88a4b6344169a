"""A chosen time the engine never offered is refused at every step, saying why (issue 9 item
12), and absurd years are a 4xx there, not a 500 (item 11)."""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from physiofit.booking import services
from physiofit.booking import slots as engine
from physiofit.booking.models import Appointment, BookingPolicy
from physiofit.booking.tokens import manage_link_create
from physiofit.intake.triage import red_flags
from tests.factories import patient_details

from .conftest import NOW, bend
from .test_slots import ALL_DAY, BEND, CLINIC, HOUR, MONDAY, NO_NOTICE, calendar, local, scenarios

UTC = ZoneInfo("UTC")
PATIENT = {
    "first_name": "Sam",
    "last_name": "Patient",
    "email": "sam@example.com",
    "phone": "541 555 0100",
    "date_of_birth": "1980-05-06",
}
FREE = bend(2026, 12, 1, 9)  # Tuesday 9:00, offered (11:00 is taken below)
# (case, start, status, what the page says). The clinic is open Monday to Friday 7-19, the
# practitioners work 9-17, starts are every 15 minutes, notice is raised to four hours below.
CASES = [
    ("last year", bend(2025, 12, 1, 10), 400, "That time is in the past"),
    ("year 1", datetime(1, 1, 1, tzinfo=UTC), 400, "That time is in the past"),
    ("a Saturday", bend(2026, 12, 5, 10), 400, "outside our opening hours"),
    ("8 PM", bend(2026, 12, 1, 20), 400, "outside our opening hours"),
    ("10:07", bend(2026, 12, 1, 10, 7), 400, "appointments start every 15 minutes"),
    ("inside the notice", bend(2026, 11, 30, 9), 400, "at least 4 hours notice"),
    ("past the horizon", bend(2027, 3, 1, 10), 400, "up to 60 days in advance"),
    ("year 9999", bend(9999, 12, 31, 23), 400, "up to 60 days in advance"),
    ("taken", bend(2026, 12, 1, 11), 409, "that time was just taken"),
]


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def world(booking, site, client):
    policy = BookingPolicy.for_site(site["site"])
    policy.min_notice_minutes = 240
    policy.save()
    services.appointment_book(  # makes 11:00 on Tuesday taken for Alex
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 1, 11),
        patient=patient_details(email="other@example.com"),
        now=NOW,
    )
    screen(client)
    return booking


def screen(client):
    answers = dict.fromkeys(red_flags().keys, "no")
    return client.post("/book/initial-evaluation/screening/", answers)


def details_get(client, start):
    return client.get("/book/initial-evaluation/alex/details/", {"start": start.isoformat()})


def details_post(client, start):
    return client.post(
        "/book/initial-evaluation/alex/details/", {**PATIENT, "start": start.isoformat()}
    )


def confirm(client, start):
    return client.post(
        "/book/initial-evaluation/alex/confirm/",
        {**PATIENT, "start": start.isoformat(), "idempotency_key": "k1"},
    )


def confirm_with_bad_details(client, start):
    return client.post(
        "/book/initial-evaluation/alex/confirm/",
        {**PATIENT, "email": "nope", "start": start.isoformat(), "idempotency_key": "k1"},
    )


def reschedule(client, start):
    appointment = services.appointment_book(
        service=Appointment.objects.get().service,
        practitioner=Appointment.objects.get().practitioner,
        start=bend(2026, 12, 3, 10),
        patient=patient_details(),
        now=NOW,
    )
    token = manage_link_create(appointment=appointment)
    return client.post(f"/appointments/{token}/reschedule/", {"start": start.isoformat()})


STEPS = [details_get, details_post, confirm, confirm_with_bad_details, reschedule]


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.__name__)
@pytest.mark.parametrize(("case", "start", "status", "text"), CASES, ids=[c[0] for c in CASES])
def test_each_step_says_why_a_time_is_not_offered(world, client, step, case, start, status, text):
    before = Appointment.objects.count()
    response = step(client, start)
    assert response.status_code == status, case
    assert text.lower() in response.content.decode().lower()
    assert Appointment.objects.count() == before + (step is reschedule)


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.__name__)
def test_an_offered_time_passes_every_step(world, client, step):
    response = step(client, FREE)
    # Bad details with a good time: the details page again, asking only about the details.
    assert response.status_code == (400 if step is confirm_with_bad_details else 200) or (
        # The details step redirects to the review (POST-redirect-GET).
        response.status_code == 302 and step in (details_post, confirm, reschedule)
    )
    assert "cannot be booked" not in response.content.decode()


def test_refused_times_offer_the_nearest_free_ones(world, client):
    page = details_get(client, bend(2026, 12, 1, 10, 7)).content.decode()
    assert "That time cannot be booked" in page
    assert "The nearest free times" in page


def test_any_practitioner_gives_the_most_specific_reason(world, client):
    # 11:00 is taken for Alex, free for Jordan: fine with anyone.
    response = client.get(
        "/book/initial-evaluation/any/details/", {"start": bend(2026, 12, 1, 11).isoformat()}
    )
    assert response.status_code == 200
    saturday = client.get(
        "/book/initial-evaluation/any/details/", {"start": bend(2026, 12, 5, 10).isoformat()}
    )
    assert "outside our opening hours" in saturday.content.decode()


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("9999-12-31T23:00:00+00:00", "beyond_horizon"),
        ("9999-12-31T23:00:00-08:00", "beyond_horizon"),
        ("0001-01-01T00:00:00+00:00", "start_in_past"),
        (bend(2026, 12, 1, 10, 7).isoformat(), "off_grid"),
        (bend(2026, 12, 5, 10).isoformat(), "outside_hours"),
    ],
)
def test_the_api_says_why_a_time_is_not_offered(world, client, start, code):
    body = {
        "service": "initial-evaluation",
        "practitioner": "alex",
        "start": start,
        "patient": PATIENT,
        "screening": dict.fromkeys(red_flags().keys, False),
    }
    response = client.post("/api/v1/appointments", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert response.json()["message"] == services.BookingError.messages[code].format(
        days=60, step=15, notice="4 hours"
    )
    assert Appointment.objects.count() == 1


# --- the engine's reasons agree with its offers ------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.integers(0, 3 * 24 * 12))
def test_refusal_is_none_exactly_for_offered_starts(scenario, five_minutes):
    calendar, service, first = scenario
    now = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    start = now + timedelta(minutes=5 * five_minutes)
    arguments = {
        "calendar": calendar,
        "clinic_hours": ALL_DAY,
        "service": service,
        "policy": NO_NOTICE,
        "now": now,
        "zone": ZoneInfo("America/Los_Angeles"),
    }
    reason = engine.refusal(start=start, **arguments)
    assert (reason is None) == engine.is_bookable(start=start, **arguments)
    assert reason in (None, *engine.REFUSALS)


def test_refusal_names_each_reason():
    now = datetime(2026, 11, 30, 6, tzinfo=BEND)
    policy = engine.PolicySpec(
        min_notice=timedelta(hours=4), horizon=timedelta(days=60), step=timedelta(minutes=15)
    )
    busy = engine.Interval(local(MONDAY, 11), local(MONDAY, 12))
    cal = calendar(working=((0, 9, 17),), unavailable=[busy])

    def why(start):
        return engine.refusal(
            start=start,
            calendar=cal,
            clinic_hours=CLINIC,
            service=HOUR,
            policy=policy,
            now=now,
            zone=BEND,
        )

    assert why(local(MONDAY, 5)) == engine.PAST
    assert why(datetime(9999, 12, 31, 23, tzinfo=ZoneInfo("Etc/GMT+8"))) == engine.BEYOND_HORIZON
    assert why(local(MONDAY, 16, 30)) == engine.OUTSIDE_HOURS  # ends after 17:00
    assert why(local(MONDAY + timedelta(days=1), 10)) == engine.OUTSIDE_HOURS  # not working
    assert why(local(MONDAY, 13, 7)) == engine.OFF_GRID
    assert why(local(MONDAY, 9)) == engine.TOO_SOON
    assert why(local(MONDAY, 11, 30)) == engine.TAKEN
    assert why(local(MONDAY, 13)) is None
