"""A patient's record as PDF and JSON: from the portal (their own only) and from the chart
(clinical staff only), audited either way."""

import json
import re

import pytest

from physiofit.core.models import AuditEvent
from physiofit.intake import record_export, services
from tests.booking.conftest import NOW, bend
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import INTAKE_ANSWERS
from .pdftext import pdf_text
from .test_views import portal_sign_in

TOP_KEYS = {
    "format",
    "format_version",
    "generated_at",
    "time_zone",
    "clinic",
    "patient",
    "appointments",
    "screenings",
    "questionnaires",
    "waitlist",
    "emails",
    "exercise_programs",
}


def documented_keys() -> set[str]:
    """The first column of docs/patient-data.md's record-export table."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "patient-data.md").read_text()
    table = docs.split("| key | content |", 1)[1].split("\n\n", 1)[0]
    keys = set()
    for line in table.splitlines()[2:]:
        keys |= {k.removesuffix("[]") for k in re.findall(r"`([a-z_\[\]]+)`", line.split("|")[1])}
    return keys


@pytest.fixture(autouse=True)
def frozen(frozen_now):
    return frozen_now


@pytest.fixture
def filled(appointment):
    """Sam's record: a screened booking, a submitted intake and a scored pain rating."""
    intake = services.intake_for(appointment)
    services.questionnaire_save(
        questionnaire=intake, answers=INTAKE_ANSWERS, submit=True, today=NOW.date()
    )
    pain = services.questionnaire_send(
        patient=appointment.patient, instrument="nprs", label="Visit 1"
    )
    services.questionnaire_save(
        questionnaire=pain, answers={"pain": 7}, submit=True, today=NOW.date()
    )
    return appointment


@pytest.fixture
def other(booking):
    """Another patient with answers of their own, which must never reach Sam."""
    appointment = services.appointment_book_screened(
        screening=services.screening_record(
            answers={"night_pain": False}, service=booking["evaluation"]
        ),
        service=booking["evaluation"],
        practitioner=booking["jordan"],
        start=bend(2026, 12, 3, 10),
        patient=patient_details(
            email="robin@example.com", first_name="Robin", last_name="Otherperson"
        ),
        now=NOW,
    )
    q = services.questionnaire_send(patient=appointment.patient, instrument="nprs")
    services.questionnaire_save(questionnaire=q, answers={"pain": 2}, submit=True, today=NOW.date())
    return appointment


def test_the_json_has_every_documented_key_with_iso_dates(filled, site):
    record = record_export.patient_record(patient=filled.patient, clinic=site["clinic"], now=NOW)
    assert set(record) == TOP_KEYS
    assert documented_keys() == TOP_KEYS
    assert record["format"] == "physiofit-patient-record"
    assert record["format_version"] == 1
    assert record["clinic"] == {
        "name": "Testclinic",
        "address": "1 Main St, Bend, OR 97701",
        "phone": "(541) 555-0100",
        "email": "clinic@example.com",
    }
    assert record["patient"]["date_of_birth"] == "1980-05-06"
    (visit,) = record["appointments"]
    assert visit["start"] == "2026-12-02T10:00:00-08:00"  # clinic time, with its offset
    assert visit["reference"] == filled.reference
    # What the desk recorded about the visit is the patient's too.
    assert {"cancel_reason", "late_cancellation", "checked_in_at", "reason_for_visit"} <= set(visit)
    (screening,) = record["screenings"]
    assert screening["result"] == "clear"
    assert {"key", "question", "answer"} == set(screening["answers"][0])
    intake, pain = record["questionnaires"]
    assert intake["instrument"] == "intake"
    assert intake["status"] == "submitted"
    assert any(a["answer"] == "Swing a kettlebell without pain." for a in intake["answers"])
    assert intake["answer_values"]["pain_now"] == 6
    assert pain["score"]["value"] == 7
    assert pain["score_summary"].startswith("7 of 10")
    json.loads(record_export.record_json(record))  # serialisable as it stands


def test_portal_json_download_is_the_patients_own_no_store_attachment_and_audited(
    filled, other, client
):
    portal_sign_in(client, filled.patient)
    response = client.post("/portal/record.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Sam" not in disposition
    assert "Patient" not in disposition
    assert filled.patient.reference in disposition
    data = json.loads(response.content)
    assert data["patient"]["first_name"] == "Sam"
    assert "Robin" not in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor is None
    assert event.actor_name == "patient"
    assert event.patient_id == filled.patient.pk
    assert "Sam" not in event.summary


def test_no_parameter_can_fetch_another_patients_record(filled, other, client):
    portal_sign_in(client, filled.patient)
    theirs = other.patient
    tampered = [
        client.get("/portal/record.json", {"patient": theirs.pk, "pk": theirs.pk}),
        client.post("/portal/record.json", {"patient": theirs.pk, "patient_id": theirs.pk}),
        client.post(
            f"/portal/record.json?patient={theirs.pk}&reference={theirs.reference}",
            {"email": theirs.email},
        ),
    ]
    for response in tampered:
        assert response.status_code == 200
        assert json.loads(response.content)["patient"]["reference"] == filled.patient.reference
        assert "Robin" not in response.content.decode()


def test_signed_out_visitors_get_no_record(filled, client):
    for url in ("/portal/record.json", "/portal/record.pdf"):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"] == "/portal/"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_portal_pdf_is_a_pdf_with_the_patients_name(filled, client):
    portal_sign_in(client, filled.patient)
    response = client.get("/portal/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")
    assert "Sam" not in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Sam Patient" in text
    assert "Testclinic" in text
    assert "(541) 555-0100" in text
    assert "Swing a kettlebell without pain." in text


def test_the_portal_page_offers_both_downloads(filled, client):
    portal_sign_in(client, filled.patient)
    html = client.get("/portal/").content.decode()
    assert 'action="/portal/record.pdf"' in html
    assert 'action="/portal/record.json"' in html


def test_staff_with_the_clinical_permission_export_a_record_audited(client, therapist, filled):
    login_staff(client, therapist)
    pk = filled.patient.pk
    response = client.get(f"/admin/clinical/patient/{pk}/record.json")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # the admin adds its own no-cache parts
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["patient"]["last_name"] == "Patient"
    pdf = client.get(f"/admin/clinical/patient/{pk}/record.pdf")
    assert pdf.content.startswith(b"%PDF")
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=therapist)
    assert events.count() == 2
    assert {e.patient_id for e in events} == {pk}
    inspect = client.get(f"/admin/patients/inspect/{pk}/").content.decode()
    assert f"/admin/clinical/patient/{pk}/record.pdf" in inspect


def test_staff_without_the_clinical_permission_are_refused(client, front_desk, filled):
    login_staff(client, front_desk)
    pk = filled.patient.pk
    for fmt in ("pdf", "json"):
        response = client.get(f"/admin/clinical/patient/{pk}/record.{fmt}")
        assert response.status_code == 302  # Wagtail sends a refused user to the dashboard
        assert response["Location"] == "/admin/"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    inspect = client.get(f"/admin/patients/inspect/{pk}/").content.decode()
    assert "record.pdf" not in inspect


def test_an_unknown_patient_is_a_404(client, therapist, site):
    login_staff(client, therapist)
    assert client.get("/admin/clinical/patient/999999/record.json").status_code == 404
