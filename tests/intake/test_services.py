"""Intake services: the screening gate on booking, questionnaires, sending, wording, links."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from physiofit.booking import services as booking_services
from physiofit.booking.models import Appointment, Notification
from physiofit.core.models import clinic_today
from physiofit.intake import portal, schedules, services
from physiofit.intake.models import InstrumentWording, MeasureSchedule, Questionnaire, Screening
from tests.booking.conftest import NOW, bend
from tests.factories import patient_details

from .conftest import INTAKE_ANSWERS, NO

TODAY = date(2026, 11, 30)


def book(booking, screening, *, service=None, key=None):
    return services.appointment_book_screened(
        screening=screening,
        service=service or booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(),
        now=NOW,
        idempotency_key=key,
    )


def test_a_new_patient_visit_needs_a_screening(booking):
    with pytest.raises(services.IntakeError, match="health questions"):
        book(booking, None)
    assert not Appointment.objects.exists()


def test_an_emergency_result_books_nothing_but_is_kept_for_staff(booking):
    screening = services.screening_record(
        answers={**NO, "bladder_bowel": True}, service=booking["evaluation"]
    )
    with pytest.raises(services.IntakeError) as caught:
        book(booking, screening)
    assert caught.value.code == "seek_emergency_care"
    assert "911" in caught.value.message
    assert not Appointment.objects.exists()
    kept = Screening.objects.get()
    assert kept.tier == "emergency"
    assert kept.appointment is None
    assert kept.reasons == [
        "New bladder or bowel control problems (possible cauda equina syndrome)"
    ]


def test_same_day_result_books_pending_review_and_alerts_staff(
    booking, django_capture_on_commit_callbacks
):
    screening = services.screening_record(
        answers={**NO, "fever_unwell": True}, service=booking["evaluation"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(booking, screening)
    screening.refresh_from_db()
    assert screening.appointment == appointment
    assert screening.review == Screening.Review.PENDING
    review = Notification.objects.get(kind=Notification.Kind.STAFF_REVIEW)
    assert review.status == Notification.Status.SENT
    staff_mail = next(m for m in mail.outbox if "Clinician review needed" in m.subject)
    assert "Sam" not in staff_mail.body  # staff emails carry no patient name
    assert "urgent care today" in staff_mail.body


def test_returning_patient_services_need_no_screening_for_a_known_patient(booking, appointment):
    follow_up = services.appointment_book_screened(
        screening=None,
        service=booking["follow_up"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 3, 10),
        patient=appointment.patient,
        now=NOW,
    )
    assert follow_up.patient == appointment.patient


def test_returning_patient_services_refuse_typed_in_details_online(booking):
    with pytest.raises(booking_services.BookingError) as caught:
        book(booking, None, service=booking["follow_up"])
    assert caught.value.code == "returning_patients_only"
    assert not Appointment.objects.exists()


def test_a_repeated_submit_replays_even_after_the_screening_was_used(booking):
    screening = services.screening_record(answers=NO, service=booking["evaluation"])
    first = book(booking, screening, key="k1")
    again = book(booking, None, key="k1")
    assert again == first


def test_invalid_screening_answers_are_refused(booking):
    with pytest.raises(services.IntakeError, match="yes or no"):
        services.screening_record(answers={"bladder_bowel": "yes"}, service=None)
    assert not Screening.objects.exists()


def test_questionnaire_drafts_then_submits_once(appointment):
    intake = services.intake_for(appointment)
    assert services.intake_for(appointment) == intake
    services.questionnaire_save(
        questionnaire=intake, answers={"goals": "Run again"}, submit=False, today=TODAY
    )
    intake.refresh_from_db()
    assert intake.status == Questionnaire.Status.DRAFT
    rest = {k: v for k, v in INTAKE_ANSWERS.items() if k != "goals"}
    services.questionnaire_save(questionnaire=intake, answers=rest, submit=True, today=TODAY)
    intake.refresh_from_db()
    assert intake.status == Questionnaire.Status.SUBMITTED
    assert intake.answers["goals"] == "Run again"
    assert intake.score["duration_class"] == "subacute"
    assert intake.score["pain_band"] == "moderate"
    with pytest.raises(services.IntakeError, match="already been submitted"):
        services.questionnaire_save(
            questionnaire=intake, answers={"goals": "changed"}, submit=False, today=TODAY
        )
    intake.refresh_from_db()
    assert intake.answers["goals"] == "Run again"


def test_an_incomplete_submit_changes_nothing(appointment):
    intake = services.intake_for(appointment)
    with pytest.raises(services.IntakeError, match="need an answer"):
        services.questionnaire_save(
            questionnaire=intake, answers={"goals": "x"}, submit=True, today=TODAY
        )
    intake.refresh_from_db()
    assert intake.status == Questionnaire.Status.SENT
    assert intake.answers == {}


def test_copyrighted_measures_cannot_be_sent_until_their_wording_is_imported(
    appointment, wording_file, django_capture_on_commit_callbacks
):
    patient = appointment.patient
    with pytest.raises(services.IntakeError, match="licensed wording"):
        services.questionnaire_send(patient=patient, instrument="odi")
    assert "odi" not in services.available()
    call_command("import_instrument_wording", "odi", wording_file("odi"))
    assert "odi" in services.available()
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.questionnaire_send(patient=patient, instrument="odi", label="Visit 4")
    sent.refresh_from_db()
    assert sent.email_status == Questionnaire.Email.SENT
    message = mail.outbox[-1]
    assert "/portal/sign-in/" in message.body
    assert "Oswestry" not in message.body  # the email names no instrument or condition


def test_the_intake_is_not_a_measure(appointment):
    with pytest.raises(services.IntakeError, match="not an outcome measure"):
        services.questionnaire_send(patient=appointment.patient, instrument="intake")


def test_import_command_refuses_bad_files(db, wording_file, tmp_path):
    bad = wording_file("rmdq", {"items": {"statement_1": {"text": "only one"}}})
    with pytest.raises(CommandError, match="no text for item 'statement_2'"):
        call_command("import_instrument_wording", "rmdq", bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_instrument_wording", "rmdq", str(broken))
    with pytest.raises(CommandError, match="ships with its own wording"):
        call_command("import_instrument_wording", "nprs", wording_file("nprs", {"items": {}}))
    with pytest.raises(CommandError, match="no instrument"):
        call_command("import_instrument_wording", "sf36", str(broken))
    assert not InstrumentWording.objects.exists()


def test_import_command_prints_a_template(db, capsys):
    call_command("import_instrument_wording", "start_back", "--template")
    out = capsys.readouterr().out
    assert '"item_9"' in out
    assert out.count('"options"') == 1


def test_portal_links_work_once_and_expire(appointment):
    token = portal.portal_link_create(patient=appointment.patient, now=NOW)
    assert portal.portal_link_use(token=token, now=NOW).patient == appointment.patient
    with pytest.raises(services.IntakeError, match="already been used"):
        portal.portal_link_use(token=token, now=NOW)
    old = portal.portal_link_create(patient=appointment.patient, now=NOW)
    with pytest.raises(services.IntakeError, match="expired"):
        portal.portal_link_use(token=old, now=NOW + timedelta(days=8))
    with pytest.raises(services.IntakeError, match="not valid"):
        portal.portal_link_use(token="nonsense", now=NOW)


def test_schedules_send_when_due_once_and_stop_after_the_last_day(
    appointment, django_capture_on_commit_callbacks
):
    patient = appointment.patient
    with django_capture_on_commit_callbacks(execute=True):
        schedule = schedules.schedule_create(
            patient=patient,
            instrument="nprs",
            every_days=14,
            last_day=TODAY + timedelta(days=20),
            created_by=None,
            today=TODAY,
        )
    assert patient.questionnaires.count() == 1
    assert schedules.schedules_send_due(today=TODAY + timedelta(days=13)) == 0
    assert schedules.schedules_send_due(today=TODAY + timedelta(days=14)) == 1
    assert schedules.schedules_send_due(today=TODAY + timedelta(days=14)) == 0
    assert patient.questionnaires.count() == 2
    assert schedules.schedules_send_due(today=TODAY + timedelta(days=28)) == 0
    schedule.refresh_from_db()
    assert not schedule.active
    assert MeasureSchedule.objects.filter(active=True).count() == 0


def test_confirmation_links_the_intake_and_the_reminder_only_until_it_is_submitted(
    appointment, django_capture_on_commit_callbacks
):
    from physiofit.booking.emails import build

    confirmation = Notification(
        kind=Notification.Kind.CONFIRMATION, appointment=appointment, recipient="x@example.com"
    )
    reminder = Notification(
        kind=Notification.Kind.REMINDER, appointment=appointment, recipient="x@example.com"
    )
    assert "/intake/" in build(confirmation).body
    assert "/intake/" in build(reminder).body
    intake = services.intake_for(appointment)
    services.questionnaire_save(
        questionnaire=intake, answers=INTAKE_ANSWERS, submit=True, today=TODAY
    )
    assert "/intake/" not in build(reminder).body


# After the visits above have started: completed and no-show are marked from the start on.
LATER = bend(2026, 12, 7, 12)


def test_visit_schedules_send_after_every_nth_completed_visit(booking, appointment):
    patient = appointment.patient
    schedules.schedule_create(
        patient=patient,
        instrument="nprs",
        every_visits=2,
        # Completing a visit checks the schedule against the real clinic day.
        last_day=clinic_today() + timedelta(days=90),
        created_by=None,
        today=TODAY,
    )
    assert patient.questionnaires.count() == 1  # sent now, as a baseline
    follow_ups = [
        booking_services.appointment_book(
            service=booking["follow_up"],
            practitioner=booking["alex"],
            start=bend(2026, 12, day, 10),
            patient=patient,
            now=NOW,
        )
        for day in (3, 4, 7)
    ]
    booking_services.appointment_set_status(appointment=appointment, status="completed", now=LATER)
    assert patient.questionnaires.count() == 1  # first visit
    booking_services.appointment_set_status(
        appointment=follow_ups[0], status="completed", now=LATER
    )
    assert list(patient.questionnaires.values_list("label", flat=True)) == ["Visit 2", "Scheduled"]
    booking_services.appointment_set_status(
        appointment=follow_ups[0], status="completed", now=LATER
    )
    assert patient.questionnaires.count() == 2  # a repeated click sends nothing twice
    booking_services.appointment_set_status(appointment=follow_ups[1], status="no_show", now=LATER)
    booking_services.appointment_set_status(
        appointment=follow_ups[2], status="completed", now=LATER
    )
    assert patient.questionnaires.count() == 2  # third completed visit: not its turn


def test_a_schedule_is_by_days_or_by_visits(appointment):
    with pytest.raises(ValueError, match="not both"):
        schedules.schedule_create(
            patient=appointment.patient,
            instrument="nprs",
            every_days=14,
            every_visits=2,
            last_day=TODAY + timedelta(days=30),
            created_by=None,
            today=TODAY,
        )
