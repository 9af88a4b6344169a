from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from physiofit.booking import services
from physiofit.booking.models import Appointment, Notification, Patient, WaitlistEntry
from physiofit.booking.services import BookingError
from physiofit.booking.tasks import send_due_reminders
from tests.factories import patient_details

from .conftest import NOW, bend

MONDAY_10 = bend(2026, 11, 30, 10)


def book(booking, *, start=MONDAY_10, practitioner="alex", service="evaluation", **kwargs):
    return services.appointment_book(
        service=booking[service],
        practitioner=booking[practitioner] if practitioner else None,
        start=start,
        patient=kwargs.pop("patient", patient_details()),
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def test_booking_stores_visit_blocked_range_and_reference(booking):
    appointment = book(booking)
    assert appointment.status == "booked"
    assert appointment.end - appointment.start == timedelta(minutes=60)
    assert appointment.blocked_end - appointment.end == timedelta(minutes=15)  # buffer after
    assert len(appointment.reference) == 8
    assert appointment.practitioner == booking["alex"]


def test_the_same_time_twice_is_refused_with_alternatives_and_writes_nothing(booking):
    book(booking)
    with pytest.raises(BookingError) as caught:
        book(booking, patient=patient_details(email="other@example.com"))
    assert caught.value.code == "slot_taken"
    assert "just taken" in caught.value.message
    alternatives = [slot.start for slot in caught.value.alternatives]
    # The nearest free starts: the first visit blocks 10:00-11:15.
    assert alternatives[0] in (bend(2026, 11, 30, 11, 15), bend(2026, 11, 30, 8, 45))
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == 1  # the refused patient was not half-written


def test_buffer_blocks_the_next_start(booking):
    book(booking)
    with pytest.raises(BookingError):
        book(booking, start=bend(2026, 11, 30, 11), patient=patient_details(email="b@example.com"))
    assert book(
        booking, start=bend(2026, 11, 30, 11, 15), patient=patient_details(email="c@example.com")
    ).pk


def test_any_practitioner_takes_the_first_free_one(booking):
    first = book(booking, practitioner=None)
    second = book(booking, practitioner=None, patient=patient_details(email="b@example.com"))
    assert (first.practitioner, second.practitioner) == (booking["alex"], booking["jordan"])
    with pytest.raises(BookingError, match="just taken"):
        book(booking, practitioner=None, patient=patient_details(email="c@example.com"))


def test_times_off_the_grid_outside_hours_or_too_soon_are_refused(booking):
    for start in (
        bend(2026, 11, 30, 10, 5),
        bend(2026, 11, 30, 16, 30),
        bend(2026, 11, 30, 7),
        bend(2026, 11, 28, 10),
    ):
        with pytest.raises(BookingError):
            book(booking, start=start)
    with pytest.raises(BookingError):  # inside the two-hour notice
        book(booking, start=bend(2026, 11, 30, 9), now=bend(2026, 11, 30, 7, 30))
    with pytest.raises(BookingError):  # beyond the 60-day horizon
        book(booking, start=bend(2027, 2, 1, 10))
    assert Appointment.objects.count() == 0


def test_idempotency_key_returns_the_same_appointment(booking):
    first = book(booking, idempotency_key="abc")
    again = book(booking, idempotency_key="abc")
    assert first.pk == again.pk
    assert Appointment.objects.count() == 1
    with pytest.raises(BookingError, match="already used"):
        book(booking, idempotency_key="abc", start=bend(2026, 11, 30, 13))


def test_a_public_rebooking_is_a_new_record_flagged_as_a_possible_duplicate(booking):
    first = book(booking).patient
    again = book(
        booking, start=bend(2026, 12, 1, 10), patient=patient_details(email="SAM@Example.com ")
    ).patient
    assert again != first
    assert again.possible_duplicate_of == first
    assert first.possible_duplicate_of is None


def test_staff_booking_by_phone_matches_the_existing_record(booking):
    first = book(booking).patient
    by_phone = book(
        booking,
        start=bend(2026, 12, 1, 10),
        patient=patient_details(first_name="Samantha", email="SAM@Example.com "),
        source="staff",
    ).patient
    assert by_phone == first
    assert by_phone.first_name == "Sam"  # matched, never overwritten
    assert Patient.objects.count() == 1


def test_staff_can_book_by_phone_inside_the_notice_but_not_over_another(booking):
    staff = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 11, 30, 9),
        patient=patient_details(),
        source="staff",
        now=bend(2026, 11, 30, 8, 50),
    )
    assert staff.source == "staff"
    with pytest.raises(BookingError):
        services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=bend(2026, 11, 30, 9, 30),
            patient=patient_details(email="x@example.com"),
            source="staff",
            now=bend(2026, 11, 30, 8, 50),
        )


def test_cancel_outside_cutoff_frees_the_time(booking):
    appointment = book(booking)
    services.appointment_cancel(appointment=appointment, now=NOW - timedelta(days=2))
    assert Appointment.objects.get().status == "cancelled"
    assert book(booking, patient=patient_details(email="next@example.com")).pk


def test_patient_cannot_cancel_inside_cutoff_but_staff_can(booking):
    appointment = book(booking)
    with pytest.raises(BookingError) as caught:
        services.appointment_cancel(appointment=appointment, now=bend(2026, 11, 30, 8))
    assert caught.value.code == "cutoff_passed"
    assert "(541) 555-0100" in caught.value.message
    services.appointment_cancel(appointment=appointment, staff=True, now=bend(2026, 11, 30, 8))
    with pytest.raises(BookingError, match="already been cancelled"):
        services.appointment_cancel(appointment=appointment, staff=True)


def test_reschedule_moves_atomically(booking):
    early = NOW - timedelta(days=2)
    appointment = book(booking, now=early)
    blocker = book(
        booking, start=bend(2026, 12, 1, 10), patient=patient_details(email="b@example.com")
    )
    with pytest.raises(BookingError, match="just taken"):
        services.appointment_reschedule(appointment=appointment, start=blocker.start, now=early)
    appointment.refresh_from_db()
    assert appointment.start == MONDAY_10  # the old time is kept when the new one fails
    moved = services.appointment_reschedule(
        appointment=appointment, start=bend(2026, 12, 1, 13), now=early
    )
    assert moved.start == bend(2026, 12, 1, 13)
    assert moved.reference == appointment.reference
    # The old time is free again; rescheduling onto an overlapping time of one's own is allowed.
    assert services.appointment_reschedule(
        appointment=moved, start=bend(2026, 12, 1, 13, 30), now=early
    ).start == bend(2026, 12, 1, 13, 30)
    assert book(booking, patient=patient_details(email="c@example.com")).pk


def test_reschedule_inside_cutoff_is_refused_for_patients(booking):
    appointment = book(booking)
    with pytest.raises(BookingError) as caught:
        services.appointment_reschedule(
            appointment=appointment, start=bend(2026, 12, 1, 10), now=bend(2026, 11, 30, 9)
        )
    assert caught.value.code == "cutoff_passed"


def test_confirmation_and_staff_emails_go_out_after_commit(
    booking, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(booking)
    kinds = sorted(Notification.objects.values_list("kind", "status"))
    assert kinds == [("confirmation", "sent"), ("staff_new", "sent")]
    patient_mail = next(m for m in mail.outbox if m.to == ["sam@example.com"])
    assert appointment.reference in patient_mail.body
    assert "Monday, November 30, 2026 at 10:00 AM (PST)" in patient_mail.body
    assert "/appointments/" in patient_mail.body
    staff_mail = next(m for m in mail.outbox if m.to != ["sam@example.com"])
    assert "Sam" not in staff_mail.body  # staff emails carry no patient name


def test_reminders_are_sent_once_and_never_for_cancelled(
    booking, django_capture_on_commit_callbacks
):
    # Booked days ahead, outside the reminder lead (inside it the confirmation is the reminder).
    days_ahead = bend(2026, 11, 25, 12)
    with django_capture_on_commit_callbacks(execute=True):
        kept = book(booking, now=days_ahead)
        cancelled = book(
            booking,
            start=bend(2026, 11, 30, 13),
            patient=patient_details(email="c@example.com"),
            now=days_ahead,
        )
        services.appointment_cancel(appointment=cancelled, staff=True, now=days_ahead)
    mail.outbox.clear()
    day_before = bend(2026, 11, 29, 12)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(day_before) == 1
        assert send_due_reminders(day_before) == 0
        assert send_due_reminders(day_before + timedelta(hours=2)) == 0
    reminders = Notification.objects.filter(kind="reminder")
    assert [r.appointment_id for r in reminders] == [kept.pk]
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == 1
    # A reschedule earns a reminder for the new time.
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(
            appointment=kept, start=bend(2026, 11, 30, 15), staff=True, now=days_ahead
        )
        assert send_due_reminders(day_before + timedelta(hours=4)) == 1


def test_a_visit_booked_inside_the_reminder_lead_gets_no_reminder_after_its_confirmation(
    booking, frozen_now, django_capture_on_commit_callbacks
):
    # 6:00 for 10:00 the same day: the confirmation is the reminder; no email or text follows.
    with django_capture_on_commit_callbacks(execute=True):
        soon = book(booking, patient=patient_details(phone="541 555 0100", sms_reminders=True))
        later = book(
            booking, start=bend(2026, 12, 2, 10), patient=patient_details(email="b@example.com")
        )
    assert soon.reminder_sent_for == soon.start
    assert later.reminder_sent_for is None
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(NOW) == 0  # cron inside the lead finds it already reminded
        assert send_due_reminders(bend(2026, 12, 1, 12)) == 1  # the later visit's own reminder
    reminders = Notification.objects.filter(kind="reminder")
    assert {r.appointment_id for r in reminders} == {later.pk}
    kinds = sorted(Notification.objects.filter(appointment=soon).values_list("kind", flat=True))
    assert kinds == ["confirmation", "staff_new"]


def test_moving_inside_the_reminder_lead_needs_no_second_reminder(
    booking, frozen_now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(booking, start=bend(2026, 12, 3, 10))
    assert appointment.reminder_sent_for is None
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.appointment_reschedule(
            appointment=appointment, start=bend(2026, 11, 30, 15), staff=True, now=NOW
        )
        assert send_due_reminders(NOW) == 0
    assert moved.reminder_sent_for == moved.start
    assert not Notification.objects.filter(kind="reminder").exists()


def test_moving_to_the_time_it_already_has_changes_and_sends_nothing(
    booking, django_capture_on_commit_callbacks
):
    days_ahead = bend(2026, 11, 25, 12)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(booking, start=bend(2026, 12, 3, 10), now=days_ahead)
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        same = services.appointment_reschedule(
            appointment=appointment, start=appointment.start, now=days_ahead
        )
    assert same.updated_at == appointment.updated_at
    assert Notification.objects.count() == before
    assert not callbacks


def test_waitlist_offer_race_one_time_two_patients(
    booking, frozen_now, django_capture_on_commit_callbacks
):
    # Offering a freed time (a task) and taking it read the clock: it is frozen at NOW.
    from physiofit.booking.tokens import offer_from_token

    with django_capture_on_commit_callbacks(execute=True):
        taken = book(booking, start=bend(2026, 12, 1, 9))
    entries = [
        services.waitlist_join(
            service=booking["evaluation"],
            practitioner=None,
            patient=patient_details(email=f"wait{i}@example.com"),
            first_day=taken.start.date(),
            last_day=taken.start.date(),
            mornings=True,
            afternoons=False,
            evenings=False,
        )
        for i in range(2)
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=taken, now=NOW - timedelta(days=2))
    offers = list(Notification.objects.filter(kind="waitlist_offer").order_by("pk"))
    assert [o.waitlist_entry_id for o in offers] == [e.pk for e in entries]  # in order of joining
    tokens = [
        m.body.split("/waitlist/offer/")[1].split("/")[0]
        for m in mail.outbox
        if "/waitlist/offer/" in m.body
    ]
    assert len(tokens) == 2
    start = offer_from_token(tokens[0]).offered_start
    first = services.waitlist_take_offer(
        entry=entries[0], practitioner=booking["alex"], start=start
    )
    assert first.patient.email == "wait0@example.com"
    with pytest.raises(BookingError, match="just taken"):
        services.waitlist_take_offer(entry=entries[1], practitioner=booking["alex"], start=start)
    assert WaitlistEntry.objects.get(pk=entries[0].pk).status == "booked"
    assert WaitlistEntry.objects.get(pk=entries[1].pk).status == "offered"  # still open
    assert Appointment.objects.filter(start=start, status="booked").count() == 1


def test_dst_day_booking_in_clinic_time(open_every_day):
    from wagtail.models import Site

    from physiofit.booking.models import BookingPolicy

    policy = BookingPolicy.for_site(Site.objects.get(is_default_site=True))
    policy.horizon_days = 365
    policy.save()
    booking = open_every_day
    start = bend(2026, 3, 8, 3)  # the first hour after the spring-forward gap
    appointment = book(booking, start=start, now=bend(2026, 3, 1, 0))
    assert appointment.start.utcoffset() == timedelta(hours=-7) or appointment.start == start
    assert appointment.end - appointment.start == timedelta(hours=1)
    with pytest.raises(BookingError):  # 2:30 AM does not exist that night
        book(
            booking,
            start=bend(2026, 3, 8, 2, 30),
            now=bend(2026, 3, 1, 0),
            patient=patient_details(email="gap@example.com"),
        )


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
@pytest.mark.parametrize("change", ["book", "reschedule", "cancel"])
def test_a_change_and_its_notification_task_commit_together(booking, change):
    """The task row is written before the change's transaction ends: a connection lost just
    after the commit cannot leave an appointment without its emails (bench/db_outage.py)."""
    appointment = book(booking) if change != "book" else None
    with CaptureQueriesContext(connection) as queries:
        if change == "book":
            appointment = book(booking, start=bend(2026, 12, 1, 10))
        elif change == "reschedule":
            services.appointment_reschedule(
                appointment=appointment, start=bend(2026, 12, 2, 10), staff=True, now=NOW
            )
        else:
            services.appointment_cancel(appointment=appointment, staff=True, now=NOW)
    statements = [query["sql"] for query in queries.captured_queries]
    task_table = DBTaskResult._meta.db_table
    queued = [
        i for i, sql in enumerate(statements) if sql.startswith("INSERT") and task_table in sql
    ]
    # The change's own transaction is the outermost block here: its savepoint is released last.
    ends = max(i for i, sql in enumerate(statements) if sql.startswith("RELEASE SAVEPOINT"))
    assert queued
    assert max(queued) < ends


def test_an_appointment_names_its_time_in_the_clinics_zone(booking):
    # 15:00 UTC on 27 November is 7:00 AM in Bend: the admin's labels say 07:00.
    start = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    appointment = Appointment(reference="ABCDEFGH", service=booking["evaluation"], start=start)
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        assert str(appointment).endswith("2026-11-27 07:00")
