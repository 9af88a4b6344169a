"""The patient's booking flow over HTTP: every step, bad input, the manage link."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from icalendar import Calendar

from physiofit.booking.models import Appointment, Patient
from physiofit.booking.tokens import manage_link_appointment, manage_link_create
from physiofit.intake.triage import red_flags

from .conftest import NOW, bend

PATIENT = {
    "first_name": "Sam",
    "last_name": "Patient",
    "email": "sam@example.com",
    "phone": "541 555 0100",
    "date_of_birth": "1980-05-06",
}
START = bend(2026, 11, 30, 10)


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture(autouse=True)
def screened(request, client):
    """New-patient visits need the red-flag questions answered first: answer them all "no"."""
    if "booking" in request.fixturenames:
        request.getfixturevalue("booking")
        screen(client)


def screen(client, **yes):
    answers = {key: "yes" if yes.get(key) else "no" for key in red_flags().keys}
    return client.post("/book/initial-evaluation/screening/", answers)


def confirm(client, key="key-1", start=START, who="alex", **changes):
    if key != "key-1" or changes:
        screen(client)  # each new booking answers the questions again
    return client.post(
        f"/book/initial-evaluation/{who}/confirm/",
        {**PATIENT, **changes, "start": start.isoformat(), "idempotency_key": key},
    )


def test_steps_render_with_the_zone_named(booking, client):
    assert "Initial evaluation" in client.get("/book/").content.decode()
    assert "First available" in client.get("/book/initial-evaluation/").content.decode()
    week = client.get("/book/initial-evaluation/any/", {"week": "2026-11-30"}).content.decode()
    assert "America/Los_Angeles" in week
    assert "10:00 AM" in week
    details = client.get("/book/initial-evaluation/alex/details/", {"start": START.isoformat()})
    assert "Monday, November 30, 2026 at 10:00 AM PST" in details.content.decode()


def test_review_then_confirm_books_once_even_when_double_clicked(
    booking, client, django_capture_on_commit_callbacks
):
    details = client.post(
        "/book/initial-evaluation/alex/details/", {**PATIENT, "start": START.isoformat()}
    )
    assert details.status_code == 302  # POST-redirect-GET: back from the review resubmits nothing
    assert "Sam" not in details["Location"]
    assert "example" not in details["Location"]
    review = client.get(details["Location"])
    assert review.status_code == 200
    assert "Confirm booking" in review.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        first = confirm(client)
        second = confirm(client)
    assert first.status_code == second.status_code == 302
    # Both go to the one appointment (each redirect makes its own link).
    tokens = [response["Location"].split("/")[2] for response in (first, second)]
    assert manage_link_appointment(tokens[0]) == manage_link_appointment(tokens[1]) is not None
    assert Appointment.objects.count() == 1
    page = client.get(first["Location"]).content.decode()
    assert "You are booked." in page
    confirmation = next(m for m in mail.outbox if m.to == ["sam@example.com"])
    [(_name, content, mimetype)] = confirmation.attachments
    assert mimetype.startswith("text/calendar; method=REQUEST")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert Calendar.from_ical(content)["METHOD"] == "REQUEST"
    assert event["DTSTART"].dt == START
    assert "1 Main St" in str(event["LOCATION"])
    assert str(event["UID"]) == f"appointment-{Appointment.objects.get().reference}@physiofit"


def test_taken_time_answers_409_with_alternatives(booking, client):
    assert confirm(client, key="a").status_code == 302
    response = confirm(client, key="b", email="other@example.com")
    assert response.status_code == 409
    content = response.content.decode()
    assert "That time was just taken" in content
    assert "The nearest free times" in content


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"date_of_birth": "2030-01-01"}, "must be in the past"),
        ({"date_of_birth": "not a date"}, "Enter a valid date."),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"first_name": ""}, "This field is required."),
        ({"last_name": "x" * 81}, "at most 80 characters"),
        ({"first_name": "<script>alert(1)</script>"}, "plain text"),
    ],
)
def test_bad_details_get_a_clear_400_and_store_nothing(booking, client, changes, error):
    response = confirm(client, **changes)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Appointment.objects.count() == Patient.objects.count() == 0


@pytest.mark.parametrize("start", ["", "garbage", "2026-11-30T10:00:00", "2026-13-45T99:00+00:00"])
def test_malformed_times_get_a_400(booking, client, start):
    response = client.get("/book/initial-evaluation/alex/details/", {"start": start})
    assert response.status_code == 400
    assert "Choose a time first" in response.content.decode()


@pytest.mark.parametrize("start", ["", "garbage", "2026-11-30T10:00:00"])
def test_confirm_without_a_valid_time_gets_a_400_and_stores_nothing(booking, client, start):
    response = client.post("/book/initial-evaluation/alex/confirm/", {**PATIENT, "start": start})
    assert response.status_code == 400
    assert "Choose a time first" in response.content.decode()
    assert Appointment.objects.count() == Patient.objects.count() == 0


def test_unknown_service_or_practitioner_is_404(booking, client):
    assert client.get("/book/no-such-service/").status_code == 404
    assert client.get("/book/initial-evaluation/no-such-person/").status_code == 404


def test_week_navigation_survives_bad_input(booking, client):
    for week in ["", "garbage", "1999-01-01", "2999-01-01"]:
        assert client.get("/book/initial-evaluation/any/", {"week": week}).status_code == 200


def test_manage_link_views_downloads_reschedules_and_cancels(booking, client):
    confirm(client)
    appointment = Appointment.objects.get()
    token = manage_link_create(appointment=appointment)
    with mock.patch("django.utils.timezone.now", return_value=NOW - timedelta(days=3)):
        page = client.get(f"/appointments/{token}/").content.decode()
        assert appointment.reference in page
        assert "Reschedule" in page
        ics = client.get(f"/appointments/{token}/calendar.ics")
        assert ics["Content-Type"].startswith("text/calendar")
        Calendar.from_ical(ics.content)
        week = client.get(f"/appointments/{token}/reschedule/", {"week": "2026-11-30"})
        assert "Your current time stays booked" in week.content.decode()
        moved = client.post(
            f"/appointments/{token}/reschedule/", {"start": bend(2026, 12, 1, 9).isoformat()}
        )
        assert moved.status_code == 302
        assert Appointment.objects.get().start == bend(2026, 12, 1, 9)
        assert client.post(f"/appointments/{token}/cancel/").status_code == 302
    assert Appointment.objects.get().status == "cancelled"


def test_manage_inside_cutoff_shows_the_phone_and_refuses_changes(booking, client):
    confirm(client)
    token = manage_link_create(appointment=Appointment.objects.get())
    page = client.get(f"/appointments/{token}/").content.decode()
    assert "can no longer be changed online" in page
    response = client.post(f"/appointments/{token}/cancel/")
    assert response.status_code == 409
    assert "(541) 555-0100" in response.content.decode()
    assert Appointment.objects.get().status == "booked"


def test_manage_link_must_be_known_and_expires_after_the_visit(booking, client):
    assert client.get("/appointments/not-a-token/").status_code == 404
    assert client.get(f"/appointments/{'x' * 43}/").status_code == 404
    confirm(client)
    token = manage_link_create(appointment=Appointment.objects.get())
    with mock.patch("django.utils.timezone.now", return_value=START + timedelta(hours=2)):
        response = client.get(f"/appointments/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_booking_pages_are_never_cached_or_indexed(booking, client):
    confirm(client)
    response = client.get(
        f"/appointments/{manage_link_create(appointment=Appointment.objects.get())}/"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert "X-Page-Cache" not in response
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_waitlist_form_validates_and_records(booking, client):
    url = "/book/initial-evaluation/any/waitlist/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {**PATIENT, "first_day": "2026-12-10", "last_day": "2026-12-01"})
    assert bad.status_code == 400
    assert "cannot be before" in bad.content.decode()
    good = client.post(
        url, {**PATIENT, "first_day": "2026-12-01", "last_day": "2026-12-10", "mornings": "on"}
    )
    assert good.status_code == 200
    assert "You are on the waiting list" in good.content.decode()


def test_slot_search_runs_a_fixed_number_of_queries(booking, django_assert_max_num_queries):
    from physiofit.booking import selectors
    from physiofit.booking.models import Practitioner, WorkingHours

    for index in range(10):
        p = Practitioner.objects.create(name=f"P{index}", slug=f"p{index}")
        p.services.set([booking["evaluation"]])
        for weekday in range(5):
            WorkingHours.objects.create(
                practitioner=p,
                weekday=weekday,
                starts=START.time(),
                ends=bend(2026, 1, 1, 16).time(),
            )
    selectors.booking_context()  # the first use on a new site creates the booking policy row
    # Clinic settings, opening hours, closures, policy; practitioners with hours, time off,
    # appointments.
    with django_assert_max_num_queries(7):
        found = selectors.slot_search(
            service=booking["evaluation"],
            practitioner=None,
            first_day=START.date(),
            last_day=START.date() + timedelta(days=30),
            now=NOW,
        )
    assert len(found) > 100
