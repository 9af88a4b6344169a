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
