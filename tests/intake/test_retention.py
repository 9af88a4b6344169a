"""Retention: the period boundary in clinic time, `purge_expired` (dry run and real), and
erasure on the patient's request from the admin."""

import io
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from physiofit.booking.models import (
    Appointment,
    Notification,
    Patient,
    WaitlistEntry,
    new_reference,
)
from physiofit.core.models import AuditEvent
from physiofit.intake import retention
from physiofit.intake.models import PortalLink, Questionnaire, Screening
from tests.booking.conftest import BEND
from tests.staff import login_staff

from .conftest import staff_user

# 11:30 PM in Bend on March 1, 2016 is already March 2 in UTC: the clinic's day is the 1st.
LATE_VISIT = datetime(2016, 3, 1, 23, 30, tzinfo=BEND)


def at(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEND)


def make_patient(
    booking, *, visit=None, status="completed", email="olive@example.com", created=None
) -> Patient:
    """A patient with, if `visit` is given, one appointment then, its screening, a submitted
    measure, a booking email, a waitlist entry and a sign-in link: every row purge must take."""
    patient = Patient.objects.create(
        first_name="Olive",
        last_name="Oldrecord",
        email=email,
        phone="541 555 0199",
        date_of_birth=date(1950, 1, 2),
    )
    created = created or (visit - timedelta(days=1) if visit else None)
    if created:
        Patient.objects.filter(pk=patient.pk).update(created_at=created)
    if visit is None:
        return patient
    appointment = Appointment.objects.create(
        practitioner=booking["alex"],
        service=booking["evaluation"],
        patient=patient,
        start=visit,
        end=visit + timedelta(hours=1),
        blocked_start=visit,
        blocked_end=visit + timedelta(hours=1, minutes=15),
        status=status,
        reference=new_reference(),
    )
    Screening.objects.create(appointment=appointment, tier="clear", answers={"night_pain": False})
    Questionnaire.objects.create(
        patient=patient,
        instrument="nprs",
        status="submitted",
        answers={"pain": 3},
        submitted_at=visit,
    )
    Notification.objects.create(kind="confirmation", appointment=appointment, recipient=email)
    WaitlistEntry.objects.create(
        service=booking["evaluation"],
        patient=patient,
        first_day=visit.date(),
        last_day=visit.date(),
    )
    PortalLink.objects.create(patient=patient, token_hash=email, expires_at=visit)
    return patient


@pytest.fixture
def clinic(site):
    return site["clinic"]


# --- The boundary ----------------------------------------------------------------------


def test_the_period_runs_to_the_anniversary_of_the_clinic_day_not_the_utc_day():
    state = retention.retention_for(last_activity=LATE_VISIT, source="visit", years=10, zone=BEND)
    assert state.keep_until == date(2026, 3, 1)
    assert state.erasable_from == date(2026, 3, 2)
    assert not state.expired(date(2026, 3, 1))
    assert state.expired(date(2026, 3, 2))


def test_a_leap_day_is_kept_until_the_first_of_march():
    state = retention.retention_for(
        last_activity=at(2016, 2, 29), source="visit", years=10, zone=BEND
    )
    assert state.keep_until == date(2026, 3, 1)


def test_expired_records_follow_the_clinic_clock(booking, clinic):
    patient = make_patient(booking, visit=LATE_VISIT)
    # 11:59 PM on March 1 in Bend (already March 2 in UTC): still the last day it is kept.
    assert retention.expired_records(clinic=clinic, now=at(2026, 3, 1, 23, 59)) == []
    # Half past midnight in Bend on March 2: past it.
    (found,) = retention.expired_records(clinic=clinic, now=at(2026, 3, 2, 0, 30))
    assert found.patient_id == patient.pk
    assert found.retention.keep_until == date(2026, 3, 1)


def test_the_period_is_the_clinics_setting(booking, clinic):
    make_patient(booking, visit=at(2019, 6, 1))
    now = at(2026, 11, 30)
    assert retention.expired_records(clinic=clinic, now=now) == []  # default: 10 years
    clinic.record_retention_years = 7
    clinic.save()
    assert len(retention.expired_records(clinic=clinic, now=now)) == 1


def test_cancelled_visits_do_not_count_but_later_answers_and_bookings_do(booking, clinic):
    now = at(2026, 11, 30)
    cancelled = make_patient(booking, visit=at(2024, 1, 10), status="cancelled", email="c@x.org")
    Patient.objects.filter(pk=cancelled.pk).update(created_at=at(2012, 1, 1))
    Questionnaire.objects.filter(patient=cancelled).delete()
    answered = make_patient(booking, visit=at(2012, 1, 10), email="a@x.org")
    Questionnaire.objects.filter(patient=answered).update(submitted_at=at(2020, 5, 5))
    # Another hour: PostgreSQL's exclusion constraint refuses two visits of one practitioner at once.
    booked = make_patient(booking, visit=at(2012, 1, 10, 15), email="b@x.org")
    Appointment.objects.create(
        practitioner=booking["jordan"],
        service=booking["follow_up"],
        patient=booked,
        start=at(2026, 12, 7, 10),
        end=at(2026, 12, 7, 11),
        blocked_start=at(2026, 12, 7, 10),
        blocked_end=at(2026, 12, 7, 11),
        status="booked",
        reference=new_reference(),
    )
    expired = {e.patient_id for e in retention.expired_records(clinic=clinic, now=now)}
    assert expired == {cancelled.pk}
    states = {
        p.pk: retention.patient_retention(patient=p, clinic=clinic, now=now)
        for p in (cancelled, answered, booked)
    }
    assert states[cancelled.pk].source == "record created"
    assert states[answered.pk].source == "questionnaire"
    assert states[booked.pk].source == "upcoming visit"


# --- purge_expired -----------------------------------------------------------------------


def run(*args, now) -> str:
    out = io.StringIO()
    with mock.patch("django.utils.timezone.now", return_value=now.astimezone(UTC)):
        call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_counts_and_references_and_writes_nothing(booking, clinic):
    old = make_patient(booking, visit=at(2014, 5, 5))
    make_patient(booking, visit=at(2025, 5, 5), email="recent@example.com")
    output = run("--dry-run", now=at(2026, 11, 30))
    assert "1 record(s)" in output
    assert old.reference in output
    assert "Olive" not in output
    assert "olive@example.com" not in output
    assert Patient.objects.count() == 2
    assert Appointment.objects.count() == 2
    assert not AuditEvent.objects.exists()


def test_purge_removes_every_row_of_an_expired_record_and_audits_it_without_personal_data(
    booking, clinic
):
    old = make_patient(booking, visit=at(2014, 5, 5))
    recent = make_patient(booking, visit=at(2025, 5, 5), email="recent@example.com")
    log(old, "wagtail.edit")  # Wagtail's edit history labels the row with the patient's name
    output = run(now=at(2026, 11, 30))
    assert f"purged {old.reference}" in output
    assert "1 record(s)" in output
    assert list(Patient.objects.all()) == [recent]
    for model in (Appointment, Screening, Questionnaire, Notification, WaitlistEntry, PortalLink):
        assert model.objects.count() == 1, model  # the recent patient's row only
    assert not ModelLogEntry.objects.filter(object_id=str(old.pk)).exists()
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.PURGE
    assert event.actor_name == "system"
    assert event.patient_id == old.pk
    assert event.patient_reference == old.reference
    assert "1 appointments, 1 screenings, 1 questionnaires removed" in event.summary
    for personal in ("Olive", "Oldrecord", "olive@example.com", "1950", "541"):
        assert personal not in event.summary
    # Run again: nothing left to do.
    assert "0 record(s)" in run(now=at(2026, 11, 30))


def test_a_visit_booked_after_the_list_was_made_keeps_the_record(booking, clinic):
    now = at(2026, 11, 30)
    patient = make_patient(booking, visit=at(2014, 5, 5))
    (found,) = retention.expired_records(clinic=clinic, now=now)
    Appointment.objects.create(
        practitioner=booking["jordan"],
        service=booking["follow_up"],
        patient=patient,
        start=at(2026, 12, 1, 10),
        end=at(2026, 12, 1, 11),
        blocked_start=at(2026, 12, 1, 10),
        blocked_end=at(2026, 12, 1, 11),
        status="booked",
        reference=new_reference(),
    )
    assert retention.record_purge(patient_id=found.patient_id, clinic=clinic, now=now) == {}
    assert Patient.objects.filter(pk=patient.pk).exists()


# --- Erase on request ----------------------------------------------------------------------


@pytest.fixture
def manager(django_user_model):
    return staff_user(
        django_user_model,
        "manager",
        ("booking", "view_patient_record"),
        ("booking", "view_patient"),
        ("booking", "delete_patient"),
    )


def test_erase_is_refused_within_retention_with_the_reason_and_the_date(
    client, manager, booking, clinic
):
    patient = make_patient(booking, visit=at(2020, 4, 14))
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 30)):
        login_staff(client, manager)  # on the moved clock, or the session has long expired
        page = client.get(f"/admin/clinical/patient/{patient.pk}/erase/").content.decode()
        response = client.post(f"/admin/clinical/patient/{patient.pk}/erase/")
    assert "cannot be erased yet" in page
    assert "April 14, 2030" in page
    assert "Erase this record now" not in page
    assert response.status_code == 409
    html = response.content.decode()
    assert "the last visit was on April 14, 2020" in html
    assert "It can be erased from April 15, 2030" in html
    assert Patient.objects.filter(pk=patient.pk).exists()
    assert Appointment.objects.filter(patient=patient).exists()
    refusal = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert refusal.actor == manager
    assert refusal.patient_id == patient.pk


def test_erase_is_refused_while_a_visit_is_booked(client, manager, booking, clinic):
    patient = make_patient(booking, visit=at(2026, 12, 2, 10), status="booked")
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 30)):
        login_staff(client, manager)  # on the moved clock, or the session has long expired
        response = client.post(f"/admin/clinical/patient/{patient.pk}/erase/")
    assert response.status_code == 409
    assert "has a visit booked on December 2, 2026" in response.content.decode()
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_erase_on_request_removes_a_record_past_retention_audited(client, manager, booking, clinic):
    patient = make_patient(booking, visit=at(2014, 5, 5))
    login_staff(client, manager)
    inspect = client.get(f"/admin/patients/inspect/{patient.pk}/").content.decode()
    assert f"/admin/clinical/patient/{patient.pk}/erase/" in inspect
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 30)):
        login_staff(client, manager)  # on the moved clock, or the session has long expired
        page = client.get(f"/admin/clinical/patient/{patient.pk}/erase/").content.decode()
        response = client.post(f"/admin/clinical/patient/{patient.pk}/erase/")
    assert "Erase this record now" in page
    assert response.status_code == 302
    assert not Patient.objects.filter(pk=patient.pk).exists()
    assert not Appointment.objects.exists()
    assert not Questionnaire.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert event.actor == manager
    assert event.patient_reference == patient.reference
    assert "Olive" not in event.summary


def test_erase_needs_the_delete_permission(client, therapist, booking, clinic):
    patient = make_patient(booking, visit=at(2014, 5, 5))
    login_staff(client, therapist)
    response = client.post(f"/admin/clinical/patient/{patient.pk}/erase/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert Patient.objects.filter(pk=patient.pk).exists()
    inspect = client.get(f"/admin/patients/inspect/{patient.pk}/").content.decode()
    assert "/erase/" not in inspect
