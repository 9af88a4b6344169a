"""A series of visits booked in one step (twice a week for six weeks): each through the same
guard as any booking, clashes listed with their nearest free times and never skipped in
silence, clinic time kept across a daylight-saving change, one confirmation email for all."""

from datetime import date, time

import pytest
from django.core import mail

from physiofit.booking import services
from physiofit.booking.models import Appointment, Notification
from physiofit.core.models import AuditEvent
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import BEND, NOW, bend

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def patient(booking):
    first = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 1, 9),
        patient=patient_details(),
        now=NOW,
    )
    return first.patient


def test_series_starts_fall_on_the_chosen_weekdays_at_the_same_clinic_time_across_dst():
    # Daylight saving time ends in Bend on Sunday 2026-11-01.
    starts = services.series_starts(
        first_day=date(2026, 10, 26), weekdays=[0, 3], at=time(9), count=4, zone=BEND
    )
    assert [s.date() for s in starts] == [
        date(2026, 10, 26),
        date(2026, 10, 29),
        date(2026, 11, 2),
        date(2026, 11, 5),
    ]
    assert {s.time() for s in starts} == {time(9)}
    assert [s.utcoffset().total_seconds() / 3600 for s in starts] == [-7, -7, -8, -8]
    assert (
        services.series_starts(
            first_day=date(2026, 10, 26), weekdays=[], at=time(9), count=4, zone=BEND
        )
        == []
    )


def test_a_series_books_the_free_times_and_lists_each_clash_with_alternatives(
    booking, patient, django_capture_on_commit_callbacks
):
    other = services.appointment_book(
        service=booking["follow_up"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 10, 9),
        patient=patient_details(first_name="Kim", email="kim@example.com"),
        source=Appointment.Source.STAFF,
        now=NOW,
    )
    mail.outbox.clear()
    starts = services.series_starts(
        first_day=date(2026, 12, 7), weekdays=[0, 3], at=time(9), count=4, zone=BEND
    )
    with django_capture_on_commit_callbacks(execute=True):
        booked, clashes = services.appointment_series_book(
            service=booking["follow_up"],
            practitioner=booking["alex"],
            patient=patient,
            starts=starts,
            now=NOW,
        )
    assert [a.start for a in booked] == [
        bend(2026, 12, 7, 9),
        bend(2026, 12, 14, 9),
        bend(2026, 12, 17, 9),
    ]
    assert len({a.series for a in booked}) == 1
    assert booked[0].series
    assert [c.start for c in clashes] == [bend(2026, 12, 10, 9)]
    assert clashes[0].message == "Alex Demo is booked or away then."
    assert clashes[0].alternatives
    assert all(s.start != other.start for s in clashes[0].alternatives)
    # One confirmation for the series, listing the visits after the first.
    confirmations = Notification.objects.filter(kind="confirmation", appointment__in=booked)
    assert [n.appointment for n in confirmations] == [booked[0]]
    email = next(m for m in mail.outbox if m.to == ["sam@example.com"])
    assert "Monday, December 14, 2026 at 9:00 AM" in email.body
    assert "Thursday, December 17, 2026 at 9:00 AM" in email.body
    assert "December 10" not in email.body  # the clash is not claimed as booked


def test_a_series_outside_working_hours_books_nothing_and_says_why(booking, patient):
    starts = services.series_starts(
        first_day=date(2026, 12, 7), weekdays=[5], at=time(9), count=2, zone=BEND
    )
    booked, clashes = services.appointment_series_book(
        service=booking["follow_up"],
        practitioner=booking["alex"],
        patient=patient,
        starts=starts,
        now=NOW,
    )
    assert booked == []
    assert len(clashes) == 2
    assert {c.message for c in clashes} == {
        "That is outside Alex Demo's working hours or the clinic's opening hours."
    }
    # A time the patient already has is named as such, not as someone else's.
    booked, clashes = services.appointment_series_book(
        service=booking["follow_up"],
        practitioner=booking["alex"],
        patient=patient,
        starts=[bend(2026, 12, 1, 9, 15)],
        now=NOW,
    )
    assert [c.message for c in clashes] == ["Already booked: the patient has a visit then."]


def test_the_front_desk_books_a_series_from_the_patients_page(
    client,
    booking,
    patient,
    front_desk,
):
    login_staff(client, front_desk)
    url = f"/admin/calendar/patient/{patient.pk}/series/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    # Twice a week for six weeks unless a plan of care says otherwise (tests/care).
    assert form.initial["weekdays"] == [0, 3]
    assert form.initial["count"] == 12
    response = client.post(
        url,
        {
            "service": booking["follow_up"].pk,
            "practitioner": booking["alex"].pk,
            "first_day": "2026-12-07",
            "at": "10:00",
            "weekdays": ["1", "3"],
            "count": "4",
        },
    )
    assert response.status_code == 200
    assert "Booked 4 of 4 visits" in response.content.decode()
    assert patient.appointments.filter(series__gt="").count() == 4
    event = AuditEvent.objects.filter(summary__startswith="series booked").get()
    assert event.actor == front_desk


@pytest.mark.parametrize(
    "changes",
    [
        {"weekdays": []},
        {"weekdays": ["9"]},
        {"count": "1000"},
        {"count": "-1"},
        {"at": "25:00"},
        {"first_day": "not a day"},
        {"practitioner": "999999"},
    ],
)
def test_bad_series_input_is_refused_with_nothing_booked(
    client,
    booking,
    patient,
    front_desk,
    changes,
):
    login_staff(client, front_desk)
    data = {
        "service": booking["follow_up"].pk,
        "practitioner": booking["alex"].pk,
        "first_day": "2026-12-07",
        "at": "10:00",
        "weekdays": ["1", "3"],
        "count": "4",
        **changes,
    }
    before = Appointment.objects.count()
    response = client.post(f"/admin/calendar/patient/{patient.pk}/series/", data)
    assert response.status_code == 400
    assert Appointment.objects.count() == before


def test_a_series_never_gives_the_patient_two_visits_at_once(booking, patient):
    starts = services.series_starts(
        first_day=date(2026, 12, 7), weekdays=[0, 3], at=time(9), count=2, zone=BEND
    )
    first, _ = services.appointment_series_book(
        service=booking["follow_up"],
        practitioner=booking["alex"],
        patient=patient,
        starts=starts,
        now=NOW,
    )
    # The same series again, with another therapist who is free then: refused visit by visit.
    again, clashes = services.appointment_series_book(
        service=booking["follow_up"],
        practitioner=booking["jordan"],
        patient=patient,
        starts=starts,
        now=NOW,
    )
    assert len(first) == 2
    assert again == []
    assert [c.message for c in clashes] == ["Already booked: the patient has a visit then."] * 2


@pytest.mark.parametrize("day", ["9999-12-31", "2030-01-01", "2020-01-01"])
def test_a_series_starts_within_the_coming_year(client, booking, patient, front_desk, day):
    login_staff(client, front_desk)
    response = client.post(
        f"/admin/calendar/patient/{patient.pk}/series/",
        {
            "service": booking["follow_up"].pk,
            "practitioner": booking["alex"].pk,
            "first_day": day,
            "at": "10:00",
            "weekdays": ["0"],
            "count": "4",
        },
    )
    assert response.status_code == 400
    assert "within the coming year" in response.content.decode()
