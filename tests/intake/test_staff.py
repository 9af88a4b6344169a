"""Staff side: clinical permission, audit, screening review, outcomes with MCID, sending."""

from datetime import timedelta

import pytest

from physiofit.core.models import AuditEvent, clinic_today
from physiofit.intake import services
from physiofit.intake.models import Questionnaire, Screening
from tests.booking.conftest import NOW
from tests.staff import login_staff

from .conftest import INTAKE_ANSWERS, NO


@pytest.fixture
def same_day_appointment(booking):
    screening = services.screening_record(
        answers={**NO, "night_pain": True, "pregnancy": True}, service=booking["evaluation"]
    )
    from tests.booking.conftest import bend
    from tests.factories import patient_details

    return services.appointment_book_screened(
        screening=screening,
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 3, 10),
        patient=patient_details(),
        now=NOW,
    )


def submit_intake(appointment):
    intake = services.intake_for(appointment)
    return services.questionnaire_save(
        questionnaire=intake, answers=INTAKE_ANSWERS, submit=True, today=NOW.date()
    )


def test_therapist_sees_screening_and_intake_with_duration_class_and_it_is_audited(
    client, therapist, same_day_appointment
):
    submit_intake(same_day_appointment)
    login_staff(client, therapist)
    html = client.get(f"/admin/calendar/appointment/{same_day_appointment.pk}/").content.decode()
    assert "Same-day medical review" in html
    assert "Severe night pain that nothing eases; Pregnancy" in html
    assert "Pending clinician review" in html
    assert "Subacute" in html
    assert "Swing a kettlebell without pain." in html
    assert "Kettlebell swings: 3/10" in html
    assert AuditEvent.objects.filter(
        actor=therapist, summary__startswith="screening and intake"
    ).exists()


def test_front_desk_without_clinical_permission_sees_no_answers(
    client, front_desk, same_day_appointment
):
    submit_intake(same_day_appointment)
    login_staff(client, front_desk)
    html = client.get(f"/admin/calendar/appointment/{same_day_appointment.pk}/").content.decode()
    assert "Sam Patient" in html
    assert "night pain" not in html
    assert "kettlebell" not in html.lower()
    patient = same_day_appointment.patient
    questionnaire = Questionnaire.objects.get()
    for url in (
        f"/admin/clinical/patient/{patient.pk}/",
        f"/admin/clinical/questionnaire/{questionnaire.pk}/",
        "/admin/clinical/screenings/",
    ):
        # Wagtail's admin answers a permission refusal by sending the user back to the dashboard.
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/admin/"
    client.post(f"/admin/clinical/screenings/{Screening.objects.get().pk}/reviewed/")
    assert Screening.objects.get().review == Screening.Review.PENDING


def test_review_clears_the_alert(client, therapist, same_day_appointment):
    login_staff(client, therapist)
    dashboard = client.get("/admin/").content.decode()
    assert "need clinician review" in dashboard or "needs clinician review" in dashboard
    assert "Thu, Dec 3, 10:00 AM" in dashboard  # clinic time, not the server's UTC
    alerts = client.get("/admin/clinical/screenings/").content.decode()
    assert same_day_appointment.reference in alerts
    assert "Thu, Dec 3, 10:00 AM" in alerts
    screening = Screening.objects.get()
    response = client.post(f"/admin/clinical/screenings/{screening.pk}/reviewed/")
    assert response.status_code == 302
    screening.refresh_from_db()
    assert screening.review == Screening.Review.REVIEWED
    assert screening.reviewed_by == therapist
    assert AuditEvent.objects.filter(action="change", object_id=str(screening.pk)).exists()
    assert "clinician review" not in client.get("/admin/").content.decode()


def test_emergency_results_are_listed_without_a_patient(client, therapist, booking):
    services.screening_record(answers={**NO, "walking": True}, service=booking["evaluation"])
    login_staff(client, therapist)
    html = client.get("/admin/clinical/screenings/").content.decode()
    assert "Difficulty walking" in html
    assert "The screening questions and what they lead to" in html


def test_outcomes_chart_change_from_baseline_and_mcid(client, therapist, same_day_appointment):
    patient = same_day_appointment.patient
    for label, pain in (("Intake", 8), ("Visit 4", 7), ("Visit 8", 5)):
        q = services.questionnaire_send(patient=patient, instrument="nprs", label=label)
        services.questionnaire_save(
            questionnaire=q, answers={"pain": pain}, submit=True, today=NOW.date()
        )
    login_staff(client, therapist)
    html = client.get(f"/admin/clinical/patient/{patient.pk}/").content.decode()
    assert "<svg" in html
    assert "Baseline" in html
    assert "−1.0 (−12 %)" in html
    assert "Improved, not yet by the MCID" in html
    assert "−3.0 (−38 %)" in html
    assert "Yes, improved" in html
    assert "Oswestry" in html  # listed as needing its licensed wording
    assert AuditEvent.objects.filter(summary="outcome measures", actor=therapist).exists()


def test_staff_send_a_measure_and_bad_input_is_a_400(
    client, therapist, same_day_appointment, django_capture_on_commit_callbacks
):
    patient = same_day_appointment.patient
    login_staff(client, therapist)
    refused = client.post(f"/admin/clinical/patient/{patient.pk}/send/", {"instrument": "odi"})
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/admin/clinical/patient/{patient.pk}/send/",
            {"instrument": "psfs", "label": "Visit 2"},
        )
    assert sent.status_code == 302
    q = Questionnaire.objects.get(instrument="psfs")
    assert (q.label, q.sent_by, q.email_status) == ("Visit 2", therapist, "sent")
    bad = client.post(
        f"/admin/clinical/patient/{patient.pk}/schedule/",
        {"instrument": "nprs", "every_days": "2", "last_day": "2020-01-01"},
    )
    assert bad.status_code == 400
    assert "Choose a day after today" in bad.content.decode()
    # A schedule's last day must be after today: the real one, which the views read.
    last_day = (clinic_today() + timedelta(days=90)).isoformat()
    neither = client.post(
        f"/admin/clinical/patient/{patient.pk}/schedule/",
        {"instrument": "nprs", "last_day": last_day},
    )
    assert neither.status_code == 400
    assert "one of the two" in neither.content.decode()
    by_visits = client.post(
        f"/admin/clinical/patient/{patient.pk}/schedule/",
        {"instrument": "nprs", "every_visits": "4", "last_day": last_day},
    )
    assert by_visits.status_code == 302
    assert (
        "after every 4 visits"
        in client.get(f"/admin/clinical/patient/{patient.pk}/").content.decode()
    )


def test_patient_record_links_to_outcomes_for_clinical_staff_only(
    client, therapist, front_desk, same_day_appointment
):
    patient = same_day_appointment.patient
    login_staff(client, therapist)
    url = f"/admin/patients/inspect/{patient.pk}/"
    assert f"/admin/clinical/patient/{patient.pk}/" in client.get(url).content.decode()
    login_staff(client, front_desk)
    assert "/admin/clinical/" not in client.get(url).content.decode()


def test_calendar_marks_bookings_waiting_for_review_for_clinical_staff_only(
    client, therapist, front_desk, same_day_appointment
):
    login_staff(client, therapist)
    assert (
        "Screening review needed"
        in client.get("/admin/calendar/", {"date": "2026-12-03"}).content.decode()
    )
    login_staff(client, front_desk)
    assert (
        "Screening review needed"
        not in client.get("/admin/calendar/", {"date": "2026-12-03"}).content.decode()
    )


def test_admins_can_grant_the_clinical_permission_to_a_group(client, django_user_model, booking):
    admin = django_user_model.objects.create_superuser("root", password="x" * 16)
    login_staff(client, admin)
    html = client.get("/admin/groups/new/").content.decode()
    assert "Can see screening results, intake answers and outcome measures" in html
    assert "Can see patients and their appointments" in html


def test_menu_shows_screening_alerts_to_clinical_staff_only(client, therapist, front_desk, db):
    login_staff(client, therapist)
    menu = client.get("/admin/").content.decode()
    assert "Screening alerts" in menu
    assert "Calendar" in menu
    login_staff(client, front_desk)
    menu = client.get("/admin/").content.decode()
    assert "Screening alerts" not in menu
    assert "Calendar" in menu
