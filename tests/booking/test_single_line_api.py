"""The booking API refuses a name or phone number with a line break, as the form does."""

import json
from unittest import mock

import pytest

from physiofit.booking.models import Appointment
from physiofit.core.text import SINGLE_LINE_MESSAGE
from physiofit.intake.triage import red_flags

from .conftest import NOW, bend

PATIENT = {
    "first_name": "Sam",
    "last_name": "Patient",
    "email": "sam@example.com",
    "phone": "541 555 0100",
    "date_of_birth": "1980-05-06",
}


@pytest.mark.parametrize("field", ["first_name", "last_name", "phone"])
def test_a_second_line_in_the_patient_is_a_422_with_the_reason(booking, client, field):
    payload = {
        "service": "initial-evaluation",
        "practitioner": "alex",
        "start": bend(2026, 11, 30, 10).isoformat(),
        "patient": {**PATIENT, field: "Sam\r\nBcc: x@y"},
        "screening": dict.fromkeys(red_flags().keys, False),
    }
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        response = client.post(
            "/api/v1/appointments", data=json.dumps(payload), content_type="application/json"
        )
    assert response.status_code == 422
    assert SINGLE_LINE_MESSAGE in response.json()["fields"][f"patient.{field}"]
    assert Appointment.objects.count() == 0


def _book(client, **extra):
    payload = {
        "service": "initial-evaluation",
        "practitioner": "alex",
        "start": bend(2026, 11, 30, 10).isoformat(),
        "patient": PATIENT,
        "screening": dict.fromkeys(red_flags().keys, False),
        **extra,
    }
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return client.post(
            "/api/v1/appointments", data=json.dumps(payload), content_type="application/json"
        )


def test_the_api_takes_a_reason_for_visit_as_the_form_does(booking, client):
    response = _book(client, reason_for_visit="  Low back ache\nafter cycling ")
    assert response.status_code == 201
    assert Appointment.objects.get().reason_for_visit == "Low back ache after cycling"


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("<b>sore</b>", "plain text"),
        ("sore\x07back", "cannot accept"),
        ("sore\x00back", "Null characters"),
        ("x" * 301, "at most 300"),
    ],
)
def test_a_hostile_or_long_reason_is_a_422_and_books_nothing(booking, client, reason, words):
    response = _book(client, reason_for_visit=reason)
    assert response.status_code == 422
    assert words in json.dumps(response.json())
    assert Appointment.objects.count() == 0
