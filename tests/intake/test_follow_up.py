"""Follow-up visits online: only for a patient signed in to the portal (booking learns who
through the patient resolver intake registers), never after a "call 911" answer."""

import pytest
from django.core import mail

from physiofit.booking import identity
from physiofit.booking.models import Appointment, Patient, WaitlistEntry
from physiofit.intake import portal
from tests.booking.conftest import bend

from .conftest import NO

START = bend(2026, 11, 30, 10)
PATIENT = {
    "first_name": "Mallory",
    "last_name": "Other",
    "email": "mallory@example.com",
    "phone": "541 555 0199",
    "date_of_birth": "1990-01-01",
}
STEPS = [
    ("get", "/book/follow-up-visit/", {}),
    ("get", "/book/follow-up-visit/any/", {}),
    ("get", "/book/follow-up-visit/alex/", {}),
    ("get", "/book/follow-up-visit/alex/details/", {"start": START.isoformat()}),
    ("post", "/book/follow-up-visit/alex/details/", {"start": START.isoformat(), **PATIENT}),
    (
        "post",
        "/book/follow-up-visit/alex/confirm/",
        {"start": START.isoformat(), "idempotency_key": "k1", **PATIENT},
    ),
    ("get", "/book/follow-up-visit/any/waitlist/", {}),
]


@pytest.fixture(autouse=True)
def frozen(frozen_now):
    return frozen_now


def sign_in(client, patient: Patient) -> None:
    token = portal.portal_link_create(patient=patient)
    assert client.post(f"/portal/sign-in/{token}/").status_code == 302


def emergency_in_this_browser(client) -> None:
    answers = {key: "no" for key in NO}
    answers["bladder_bowel"] = "yes"
    client.post("/book/initial-evaluation/screening/", answers)


def test_an_anonymous_browser_reaches_no_follow_up_step(booking, client):
    for method, url, data in STEPS:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        html = response.content.decode()
        assert "Follow-up visits are for current patients" in html, url
    assert not Appointment.objects.exists()
    assert not Patient.objects.exists()


def test_the_explanation_offers_a_sign_in_link_and_an_evaluation(booking, client):
    html = client.get("/book/follow-up-visit/").content.decode()
    assert 'action="/portal/"' in html  # the portal's own request-link form
    assert 'href="/book/initial-evaluation/"' in html
    assert html.count("<h1") == 1


def test_the_sign_in_link_form_answers_the_same_for_any_email(
    booking, client, appointment, django_capture_on_commit_callbacks
):
    html = client.get("/book/follow-up-visit/").content.decode()
    assert 'name="email"' in html
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/portal/", {"email": appointment.patient.email})
        unknown = client.post("/portal/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert len(mail.outbox) == 1  # only the known address gets a link


def test_a_signed_in_patient_books_a_follow_up_on_their_own_record(booking, client, appointment):
    patient = appointment.patient
    sign_in(client, patient)
    # The portal is where a follow-up starts.
    assert 'href="/book/follow-up-visit/"' in client.get("/portal/").content.decode()
    assert identity.known_patient(client.get("/book/").wsgi_request) == patient
    assert client.get("/book/follow-up-visit/alex/").status_code == 200
    review = client.get(
        "/book/follow-up-visit/alex/details/", {"start": START.isoformat()}, follow=True
    )
    assert review.redirect_chain[0][0].startswith("/book/follow-up-visit/alex/review/")
    assert review.status_code == 200
    html = review.content.decode()
    assert f"{patient.first_name} {patient.last_name}" in html
    assert patient.email in html
    assert 'name="first_name"' not in html  # details on file, not editable here
    # Typed-in details are ignored: the visit joins the signed-in patient's chart.
    response = client.post(
        "/book/follow-up-visit/alex/confirm/",
        {"start": START.isoformat(), "idempotency_key": "k1", **PATIENT},
    )
    assert response.status_code == 302
    follow_up = Appointment.objects.get(service=booking["follow_up"])
    assert follow_up.patient == patient
    assert Patient.objects.count() == 1


def test_a_signed_in_patient_joins_the_follow_up_waitlist_as_themselves(
    booking, client, appointment
):
    sign_in(client, appointment.patient)
    response = client.post(
        "/book/follow-up-visit/any/waitlist/",
        {"first_day": "2026-11-30", "last_day": "2026-12-10", "mornings": "on"},
    )
    assert response.status_code == 200
    assert WaitlistEntry.objects.get().patient == appointment.patient


def test_an_emergency_answer_in_this_browser_stops_the_follow_up_path_too(
    booking, client, appointment
):
    sign_in(client, appointment.patient)
    emergency_in_this_browser(client)
    for method, url, data in STEPS:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url
        assert "911" in response.content.decode(), url
    assert Appointment.objects.filter(service=booking["follow_up"]).count() == 0


def test_the_api_refuses_follow_ups_even_with_a_portal_session(booking, client, appointment):
    sign_in(client, appointment.patient)
    response = client.post(
        "/api/v1/appointments",
        {
            "service": "follow-up-visit",
            "start": START.isoformat(),
            "patient": {**PATIENT, "date_of_birth": "1990-01-01"},
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "returning_patients_only"
