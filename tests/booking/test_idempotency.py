"""Idempotency keys replay only the request they were first sent with, for 24 hours (issue 9
item 1), and the API reads only JSON, of a sane size (items 14 and 11)."""

import json
from datetime import timedelta
from unittest import mock

import pytest

from physiofit.booking import services
from physiofit.booking.models import Appointment
from physiofit.intake.triage import red_flags
from tests.factories import patient_details

from .conftest import NOW, bend

START = bend(2026, 11, 30, 10)
PATIENT_A = {
    "first_name": "Alice",
    "last_name": "First",
    "email": "alice@example.com",
    "phone": "541 555 0100",
    "date_of_birth": "1980-05-06",
}
PATIENT_B = {**PATIENT_A, "first_name": "Bob", "email": "bob@example.com"}


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW) as now:
        yield now


def body(patient=PATIENT_A, start=START):
    return {
        "service": "initial-evaluation",
        "practitioner": "alex",
        "start": start.isoformat(),
        "patient": patient,
        "screening": dict.fromkeys(red_flags().keys, False),
    }


def post(client, data, key="order-1001", content_type="application/json"):
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        "/api/v1/appointments", raw, content_type=content_type, headers={"Idempotency-Key": key}
    )


def test_a_key_reused_for_another_patient_reveals_nothing(booking, client):
    first = post(client, body(PATIENT_A))
    assert first.status_code == 201
    second = post(client, body(PATIENT_B))
    assert second.status_code == 422
    answer = second.json()
    assert answer["code"] == answer["error"] == "idempotency_key_reused"
    assert set(answer) == {"error", "code", "message"}
    assert first.json()["reference"] not in second.content.decode()
    assert Appointment.objects.count() == 1


def test_the_same_request_replays_however_its_json_is_written(booking, client):
    first = post(client, body())
    reordered = json.dumps(dict(reversed(list(body().items()))), indent=2)
    again = post(client, reordered)
    assert again.status_code == 201
    assert again.json()["reference"] == first.json()["reference"]
    assert Appointment.objects.count() == 1


def test_a_key_expires_after_24_hours_and_is_new_again(booking, client, frozen_now):
    first = post(client, body(PATIENT_A))
    frozen_now.return_value = NOW + timedelta(hours=24, minutes=1)
    later = bend(2026, 12, 1, 14)
    second = post(client, body(PATIENT_B, start=later))
    assert second.status_code == 201
    assert second.json()["reference"] != first.json()["reference"]
    old, new = Appointment.objects.order_by("pk")
    assert old.idempotency_key is None  # freed: the unique key now names the new booking
    assert new.idempotency_key == "api-order-1001"
    assert new.patient.email == "bob@example.com"


def test_a_key_still_replays_just_before_it_expires(booking, client, frozen_now):
    first = post(client, body())
    frozen_now.return_value = NOW + timedelta(hours=23, minutes=59)
    assert post(client, body()).json()["reference"] == first.json()["reference"]
    assert post(client, body(PATIENT_B)).status_code == 422


def test_the_service_refuses_a_reused_fingerprint(booking):
    def book(fingerprint):
        return services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=START,
            patient=patient_details(),
            idempotency_key="k",
            idempotency_fingerprint=fingerprint,
            now=NOW,
        )

    assert book("a" * 64).pk == book("a" * 64).pk
    with pytest.raises(services.BookingError) as refused:
        book("b" * 64)
    assert refused.value.code == "idempotency_key_reused"


def test_the_web_flow_binds_its_key_to_the_form(booking, client):
    client.post("/book/initial-evaluation/screening/", dict.fromkeys(red_flags().keys, "no"))
    form = {**PATIENT_A, "start": START.isoformat(), "idempotency_key": "web-key-1"}
    assert client.post("/book/initial-evaluation/alex/confirm/", form).status_code == 302
    # A double click replays; the same key with someone else's details does not.
    assert client.post("/book/initial-evaluation/alex/confirm/", form).status_code == 302
    other = client.post(
        "/book/initial-evaluation/alex/confirm/", {**form, **PATIENT_B, "start": START.isoformat()}
    )
    assert other.status_code == 400
    assert "already used" in other.content.decode()
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_the_api_reads_only_json(booking, client, content_type):
    response = post(client, json.dumps(body()), content_type=content_type)
    assert response.status_code == 415
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "application/json" in response.json()["message"]
    assert not Appointment.objects.exists()


def test_json_with_a_charset_is_json(booking, client):
    response = post(client, body(), content_type="application/json; charset=utf-8")
    assert response.status_code == 201


def test_an_oversized_api_body_is_a_413_in_json(booking, client):
    huge = json.dumps({**body(), "padding": "x" * 3_000_000})
    response = post(client, huge)
    assert response.status_code == 413
    assert "too large" in response.json()["message"]
    assert not Appointment.objects.exists()


def test_an_oversized_form_is_a_413_page(booking, client):
    client.post("/book/initial-evaluation/screening/", dict.fromkeys(red_flags().keys, "no"))
    response = client.post(
        "/book/initial-evaluation/alex/details/", {**PATIENT_A, "notes": "x" * 3_000_000}
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
