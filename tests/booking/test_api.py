"""The JSON API: same services as the HTML flow; clear 4xx for every bad input, never a 5xx."""

import json
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from physiofit.booking.models import Appointment
from physiofit.intake.triage import red_flags

from .conftest import NOW, bend

START = bend(2026, 11, 30, 10)
PATIENT = {
    "first_name": "Sam",
    "last_name": "Patient",
    "email": "sam@example.com",
    "phone": "541 555 0100",
    "date_of_birth": "1980-05-06",
}


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def post(client, body, **headers):
    return client.post(
        "/api/v1/appointments",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def body(**changes):
    return {
        "service": "initial-evaluation",
        "practitioner": "alex",
        "start": START.isoformat(),
        "patient": PATIENT,
        "screening": dict.fromkeys(red_flags().keys, False),
        **changes,
    }


def test_services_and_practitioners(booking, client):
    services = client.get("/api/v1/services").json()
    assert [s["slug"] for s in services] == ["follow-up-visit", "initial-evaluation"] or {
        s["slug"] for s in services
    } == {"follow-up-visit", "initial-evaluation"}
    practitioners = client.get("/api/v1/practitioners").json()
    assert {p["slug"] for p in practitioners} == {"alex", "jordan"}


def test_slots_carry_offsets_and_the_zone(booking, client):
    data = client.get(
        "/api/v1/slots",
        {
            "service": "initial-evaluation",
            "practitioner": "alex",
            "start": "2026-11-30",
            "end": "2026-11-30",
        },
    ).json()
    assert data["timezone"] == "America/Los_Angeles"
    assert data["slots"][0] == {
        "start": "2026-11-30T09:00:00-08:00",
        "end": "2026-11-30T10:00:00-08:00",
        "practitioner": "alex",
    }


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"service": "initial-evaluation", "start": "2026-12-05", "end": "2026-12-01"}, 400),
        ({"service": "initial-evaluation", "start": "2026-01-01", "end": "2026-12-31"}, 400),
        ({"service": "nope", "start": "2026-12-01", "end": "2026-12-02"}, 404),
        (
            {
                "service": "initial-evaluation",
                "practitioner": "nobody",
                "start": "2026-12-01",
                "end": "2026-12-02",
            },
            404,
        ),
        ({"service": "initial-evaluation", "start": "yesterday", "end": "2026-12-02"}, 422),
        ({"start": "2026-12-01", "end": "2026-12-02"}, 422),
    ],
)
def test_slot_search_rejects_bad_input_clearly(booking, client, params, status):
    response = client.get("/api/v1/slots", params)
    assert response.status_code == status
    assert "message" in response.json()


def test_book_then_conflict_with_alternatives(booking, client):
    created = post(client, body())
    assert created.status_code == 201
    data = created.json()
    assert data["status"] == "booked"
    assert data["start"] == "2026-11-30T10:00:00-08:00"
    assert data["manage_url"].startswith("http://testserver/appointments/")
    conflict = post(client, body(patient={**PATIENT, "email": "b@example.com"}))
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "slot_taken"
    assert conflict.json()["alternatives"]


def test_idempotency_key_header(booking, client):
    first = post(client, body(), **{"Idempotency-Key": "k1"})
    second = post(client, body(), **{"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert Appointment.objects.count() == 1


def test_invalid_patient_is_422_with_field_errors(booking, client):
    response = post(client, body(patient={**PATIENT, "email": "x", "date_of_birth": "2099-01-01"}))
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert "patient.email" in fields
    assert "patient.date_of_birth" in fields
    assert Appointment.objects.count() == 0


def test_naive_start_is_refused(booking, client):
    response = post(client, body(start="2026-11-30T10:00:00"))
    assert response.status_code == 422
    assert "offset" in response.json()["fields"]["start"][0]


def test_openapi_schema_is_published(db, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/appointments" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    service=st.one_of(st.just("initial-evaluation"), st.text(max_size=90), json_values),
    start=st.one_of(st.just(START.isoformat()), st.text(max_size=40), json_values),
    patient=st.one_of(
        st.just(PATIENT),
        json_values,
        st.fixed_dictionaries({k: st.one_of(st.text(max_size=300), json_values) for k in PATIENT}),
    ),
)
def test_fuzzed_bookings_never_cause_a_server_error(
    booking, client, settings, service, start, patient
):
    settings.BOOKING_RATE_LIMIT = 10_000
    response = post(client, {"service": service, "start": start, "patient": patient})
    assert response.status_code < 500, response.content
    assert response.status_code in {201, 400, 404, 409, 422}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_garbage_bodies_get_4xx(booking, client, raw):
    response = client.post("/api/v1/appointments", data=raw, content_type="application/json")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "changes",
    [
        {"service": "initial\x00evaluation"},
        {"practitioner": "al\x00ex"},
        {"patient": {**PATIENT, "last_name": "Pa\x00tient"}},
    ],
)
def test_nul_bytes_are_refused_before_the_database(booking, client, changes):
    assert post(client, body(**changes)).status_code == 422
    assert (
        client.get(
            "/api/v1/slots", {"service": "a\x00b", "start": "2026-12-01", "end": "2026-12-02"}
        ).status_code
        == 400  # refused before routing (physiofit.core.bad_input), in JSON under /api/
    )


def test_malformed_idempotency_key_is_a_400(booking, client):
    response = post(client, body(), **{"Idempotency-Key": "bad key!"})
    assert response.status_code == 400
    assert Appointment.objects.count() == 0


def test_screening_questions_are_listed(booking, client):
    questions = client.get("/api/v1/screening/questions").json()
    assert [q["key"] for q in questions] == list(red_flags().keys)
    assert all(q["text"].endswith("?") for q in questions)


def test_an_emergency_screening_answer_is_a_422_with_the_message(booking, client):
    screening = {**dict.fromkeys(red_flags().keys, False), "bladder_bowel": True}
    response = post(client, body(screening=screening))
    assert response.status_code == 422
    assert response.json() == {
        "error": "seek_emergency_care",
        "message": red_flags().messages["emergency"]["text"],
    }
    assert "911" in response.json()["message"]
    assert not Appointment.objects.exists()


def test_new_patient_booking_without_every_screening_answer_is_a_422(booking, client):
    missing = post(client, body(screening=None))
    assert missing.status_code == 422
    assert "screening.bladder_bowel" in missing.json()["fields"]
    partial = dict.fromkeys(list(red_flags().keys)[1:], False)
    assert list(post(client, body(screening=partial)).json()["fields"]) == [
        "screening.bladder_bowel"
    ]
    not_boolean = post(client, body(screening={**body()["screening"], "pregnancy": "yes"}))
    assert not_boolean.status_code == 422
    unknown = post(client, body(screening={**body()["screening"], "chest_pain": True}))
    assert unknown.status_code == 422
    assert unknown.json()["error"] == "invalid_screening"
    assert not Appointment.objects.exists()


def test_a_same_day_answer_books_with_the_advice(booking, client):
    screening = {**dict.fromkeys(red_flags().keys, False), "fever_unwell": True}
    response = post(client, body(screening=screening))
    assert response.status_code == 201
    assert response.json()["screening"]["tier"] == "same_day"
    assert "urgent care" in response.json()["screening"]["message"]


def test_returning_patient_services_are_refused_with_no_portal_session(booking, client):
    response = post(client, body(service="follow-up-visit", screening=None))
    assert response.status_code == 403
    assert response.json()["error"] == "returning_patients_only"
    assert "current patients" in response.json()["message"]
    assert not Appointment.objects.exists()
