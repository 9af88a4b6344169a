"""The patient's chart gathers everything for those allowed to see it: details, visits past and
upcoming, emails sent, and for clinical staff the screening and measures, the episodes of care
and the exercise program. The front desk sees the first part only."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission

from physiofit.booking.models import Notification
from physiofit.care import services
from physiofit.core.models import AuditEvent
from physiofit.intake.models import Screening
from tests.exercises.conftest import group_user
from tests.staff import login_staff


@pytest.fixture
def desk(site):
    return group_user(
        "Desk",
        [
            ("booking", "view_patient_record"),
            ("booking", "view_patient"),
            ("booking", "view_notification"),
        ],
    )


@pytest.fixture
def chart(patient, therapist, appointment):
    Screening.objects.create(
        appointment=appointment, tier="flag", reasons=["Night pain"], review="pending"
    )
    Notification.objects.create(
        kind="confirmation", appointment=appointment, recipient=patient.email, status="sent"
    )
    episode = services.episode_open(
        patient=patient, user=therapist, title="Low back pain", opened_on=date(2026, 11, 2)
    )
    services.note_start(appointment=appointment, user=therapist)
    return f"/admin/patients/inspect/{patient.pk}/", episode


def test_clinical_staff_see_the_whole_chart(client, therapist, patient, chart):
    url, _ = chart
    login_staff(client, therapist)
    # The chart is the patients list's record page: the clinician may open it too.
    therapist.groups.first().permissions.add(
        *Permission.objects.filter(codename__in=["view_patient", "view_notification"])
    )
    page = client.get(url).content.decode()
    for part in (
        "Visits",
        "Book next visit",
        "Screening, intake and measures",
        "Night pain",
        "Waiting for a clinician",
        "Episodes of care",
        "Low back pain",
        "1 draft",
        "Emails sent",
        "Booking confirmation",
    ):
        assert part in page, part
    summaries = set(
        AuditEvent.objects.filter(patient_reference=patient.reference).values_list(
            "summary", flat=True
        )
    )
    assert {"screening and measures on the chart", "episodes on the chart"} <= summaries


def test_the_front_desk_sees_visits_and_emails_but_no_clinical_part(client, desk, patient, chart):
    url, _ = chart
    login_staff(client, desk)
    page = client.get(url).content.decode()
    assert "Book next visit" in page
    assert "Booking confirmation" in page
    for clinical in ("Night pain", "Episodes of care", "Low back pain", "Home exercise program"):
        assert clinical not in page, clinical


def test_book_next_visit_books_for_that_patient_without_retyping(
    client, desk, patient, appointment, booking
):
    from physiofit.booking.models import Patient

    login_staff(client, desk)
    url = f"/admin/calendar/new/?patient={patient.pk}"
    page = client.get(url)
    form = page.context["form"]
    html = page.content.decode()
    # Chosen already, shown and not retyped.
    assert f'name="patient" value="{patient.pk}" checked' in html
    assert "Sam Patient" in html
    assert form.initial["practitioner"] == appointment.practitioner_id
    response = client.post(
        url,
        {
            "service": booking["follow_up"].pk,
            "practitioner": booking["alex"].pk,
            "day": "2026-12-09",
            "start_time": "11:00",
            "patient": patient.pk,
        },
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 1
    assert patient.appointments.count() == 2
    for bad in ("abc", "999999", "-1", "1 OR 1=1"):
        response = client.get("/admin/calendar/new/", {"patient": bad})
        assert response.status_code == 200
        assert 'name="patient" value="new"' in response.content.decode()
        assert "checked" not in response.content.decode().split('id="pf-results"')[1][:200]
