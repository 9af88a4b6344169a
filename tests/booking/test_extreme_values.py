"""Years 1 and 9999 in the booking pages, the API and the staff calendar: a clear 4xx (or the
nearest sensible page), never a 500 (issue 9 item 11)."""

from unittest import mock

import pytest

from physiofit.booking import services
from physiofit.booking.tokens import manage_link_create
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import NOW, bend


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_slot_search_outside_the_bookable_days_is_a_400(booking, client, day):
    response = client.get(
        "/api/v1/slots", {"service": "initial-evaluation", "start": day, "end": day}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "bad_range",
        "message": "Times are offered from 2026-11-30 to 2027-01-29: search within those days.",
    }


def test_slot_search_is_cut_to_the_bookable_days(booking, client):
    response = client.get(
        "/api/v1/slots",
        {
            "service": "initial-evaluation",
            "practitioner": "alex",
            "start": "2026-11-25",
            "end": "2026-11-30",
        },
    )
    assert response.status_code == 200
    assert response.json()["slots"][0]["start"] == "2026-11-30T09:00:00-08:00"


@pytest.mark.parametrize(
    "query", [{"month": "9999-12"}, {"month": "0001-01"}, {"day": "9999-12-31"}, {"week": "x"}]
)
def test_reschedule_months_stay_between_today_and_the_horizon(booking, client, query):
    appointment = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(),
        now=NOW,
    )
    token = manage_link_create(appointment=appointment)
    response = client.get(f"/appointments/{token}/reschedule/", query)
    assert response.status_code == 200
    # From today's month to the horizon's (60 days from Monday 2026-11-30).
    assert response.context["picker"].month.isoformat() in ("2026-11-01", "2027-01-01")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_staff_calendar_refuses_absurd_dates_with_a_message(
    booking, client, django_user_model, day
):
    login_staff(client, django_user_model.objects.create_superuser("s", "s@example.com", "pw"))
    response = client.get("/admin/calendar/", {"date": day})
    assert response.status_code == 400
    assert "Choose a date between 1900 and 2999" in response.content.decode()
    assert client.get("/admin/calendar/", {"date": "2026-12-01"}).status_code == 200
