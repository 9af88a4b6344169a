"""Writes for booking: book, cancel, reschedule, change status, join the waitlist.

Each use case is one transaction. A booking locks the practitioner rows it may use (in primary
key order, so two bookings never wait on each other in a cycle), re-checks the time with the slot
engine, then writes. Underneath, PostgreSQL's exclusion constraint refuses any overlap the code
might miss; on SQLite, immediate write transactions serialise the check and the insert.
Emails are queued only after the commit.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from physiofit.core.models import ClinicSettings
from physiofit.core.tasks import enqueue_with_transaction

from . import selectors
from . import slots as engine
from .models import (
    Appointment,
    Notification,
    Patient,
    Practitioner,
    Service,
    WaitlistEntry,
    new_reference,
)
from .signals import visit_completed

STAFF_HORIZON = timedelta(days=365)


class BookingError(Exception):
    """A booking rule was broken; `message` is written for the patient."""

    messages = {
        "slot_taken": "Sorry, that time was just taken. Please choose another time.",
        "slot_unavailable": "That time is not available. Please choose one of the times shown.",
        "service_not_bookable": "This service cannot be booked online. Please call the clinic.",
        "practitioner_unavailable": "That practitioner does not offer this service.",
        "cutoff_passed": (
            "This appointment is less than {hours} hours away, so it can no longer be changed "
            "online. Please call the clinic at {phone}."
        ),
        "not_active": "This appointment has already been cancelled or has taken place.",
        "idempotency_conflict": "This request was already used for a different booking.",
        "invalid_patient": "Some of your details are not valid.",
    }

    def __init__(self, code: str, *, alternatives=(), field_errors=None, **params):
        self.code = code
        self.message = self.messages[code].format(**params)
        self.alternatives = list(alternatives)
        self.field_errors = field_errors or {}
        super().__init__(self.message)


@dataclass(frozen=True)
class PatientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    date_of_birth: date


def patient_find_or_create(*, details: PatientDetails) -> Patient:
    """The one Patient with this email and date of birth, created if new.

    Existing records are not overwritten from a public form: a booking must not let anyone who
    knows an email and a birthday change someone's name or phone.
    """
    email = details.email.strip().lower()
    patient = Patient.objects.filter(email=email, date_of_birth=details.date_of_birth).first()
    if patient:
        return patient
    patient = Patient(
        first_name=details.first_name.strip(),
        last_name=details.last_name.strip(),
        email=email,
        phone=details.phone.strip(),
        date_of_birth=details.date_of_birth,
    )
    try:
        # Uniqueness was just looked up; the database constraint catches a race.
        patient.full_clean(validate_unique=False)
    except ValidationError as error:
        raise BookingError("invalid_patient", field_errors=error.message_dict) from error
    patient.save()
    return patient


def _lock_practitioners(ids) -> None:
    """Serialise bookings per practitioner. A test can switch this off to prove the guard."""
    list(
        Practitioner.objects.select_for_update()
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _policy(context: selectors.BookingContext, *, staff: bool) -> engine.PolicySpec:
    policy = context.policy_spec
    if staff:  # staff book by phone: no notice or horizon, only the grid and the guard
        return engine.PolicySpec(min_notice=timedelta(0), horizon=STAFF_HORIZON, step=policy.step)
    return policy


def _bookable(
    *, practitioner, service, start, now, context, staff: bool, exclude: int | None = None
) -> bool:
    day = start.astimezone(context.zone).date()
    [calendar] = selectors.calendars(
        [practitioner], first_day=day, last_day=day, zone=context.zone, exclude_appointment=exclude
    )
    return engine.is_bookable(
        start=start,
        calendar=calendar,
        clinic_hours=context.clinic_hours,
        service=selectors.service_spec(service),
        policy=_policy(context, staff=staff),
        now=now,
        zone=context.zone,
    )


def nearest_alternatives(
    *,
    service: Service,
    practitioner: Practitioner | None,
    start: datetime,
    now: datetime,
    context: selectors.BookingContext,
    count: int = 3,
) -> list[engine.Slot]:
    """Free slots closest to the wanted time, within three days either side."""
    day = start.astimezone(context.zone).date()
    found = selectors.slot_search(
        service=service,
        practitioner=practitioner,
        first_day=day - timedelta(days=3),
        last_day=day + timedelta(days=3),
        now=now,
        context=context,
    )
    return sorted(found, key=lambda slot: abs(slot.start - start))[:count]


def appointment_book(
    *,
    service: Service,
    practitioner: Practitioner | None,
    start: datetime,
    patient: PatientDetails,
    source: str = Appointment.Source.ONLINE,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    context: selectors.BookingContext | None = None,
    with_booking: Callable[[Appointment], None] | None = None,
) -> Appointment:
    """Book `start` with the practitioner, or the first free one when None.

    `with_booking` runs with the new appointment inside the same transaction (another app's
    rows that must exist exactly when the appointment does, such as its screening).

    Returns the existing appointment for a repeated idempotency key. Raises BookingError
    (`slot_taken` with the nearest alternatives) and writes nothing when the time is not free.
    Does not send anything itself: the confirmation and staff emails' task is queued in the
    booking's transaction and runs after the commit.
    """
    now = now or timezone.now()
    context = context or selectors.booking_context()
    staff = source == Appointment.Source.STAFF
    if idempotency_key:
        existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return _replay(existing, service, start)
    if not staff and not service.bookable_online:
        raise BookingError("service_not_bookable")
    if practitioner is not None:
        if not practitioner.active or not practitioner.services.filter(pk=service.pk).exists():
            raise BookingError("practitioner_unavailable")
        candidates = [practitioner]
    else:
        candidates = list(selectors.practitioners_for(service))
    try:
        with transaction.atomic():
            _lock_practitioners(p.pk for p in candidates)
            chosen = next(
                (
                    p
                    for p in candidates
                    if _bookable(
                        practitioner=p,
                        service=service,
                        start=start,
                        now=now,
                        context=context,
                        staff=staff,
                    )
                ),
                None,
            )
            if chosen is None:
                raise BookingError("slot_taken")
            appointment = _create(chosen, service, start, patient, source, idempotency_key)
            if with_booking is not None:
                with_booking(appointment)
            _queue_notifications(
                appointment, Notification.Kind.CONFIRMATION, Notification.Kind.STAFF_NEW
            )
    except IntegrityError as error:
        if idempotency_key and (
            existing := Appointment.objects.filter(idempotency_key=idempotency_key).first()
        ):
            return _replay(existing, service, start)
        raise BookingError("slot_taken") from error
    except BookingError as error:
        if error.code != "slot_taken":
            raise
        raise BookingError(
            "slot_taken",
            alternatives=nearest_alternatives(
                service=service, practitioner=practitioner, start=start, now=now, context=context
            ),
        ) from None
    return appointment


def _replay(existing: Appointment, service: Service, start: datetime) -> Appointment:
    if existing.service_id != service.pk or existing.start != start:
        raise BookingError("idempotency_conflict")
    return existing


def _create(practitioner, service, start, details, source, idempotency_key) -> Appointment:
    patient = patient_find_or_create(details=details)
    spec = selectors.service_spec(service)
    blocked = spec.blocked(start)
    appointment = Appointment(
        practitioner=practitioner,
        service=service,
        patient=patient,
        start=start,
        end=start + spec.duration,
        blocked_start=blocked.start,
        blocked_end=blocked.end,
        status=Appointment.Status.BOOKED,
        source=source,
        idempotency_key=idempotency_key or None,
        reference=new_reference(),
    )
    # Field rules only: the related rows are in hand, and uniqueness and overlap are enforced
    # by the database (each check here would be one more query inside the lock).
    appointment.full_clean(
        exclude=["practitioner", "service", "patient"],
        validate_unique=False,
        validate_constraints=False,
    )
    appointment.save()
    return appointment


def _check_cutoff(appointment: Appointment, now: datetime, *, staff: bool) -> None:
    if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.HELD):
        raise BookingError("not_active")
    if staff:
        return
    context = selectors.booking_context()
    if appointment.start - now < context.policy.cancel_cutoff:
        clinic = ClinicSettings.for_site(_default_site())
        raise BookingError(
            "cutoff_passed", hours=context.policy.cancel_cutoff_hours, phone=clinic.phone
        )


def _default_site():
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True)


def appointment_cancel(
    *, appointment: Appointment, staff: bool = False, now: datetime | None = None
) -> Appointment:
    """Cancel; patients only outside the cut-off. Frees the time and offers it to the waitlist."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _check_cutoff(appointment, now, staff=staff)
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.save(update_fields=["status", "cancelled_at", "updated_at"])
        _queue_notifications(
            appointment, Notification.Kind.CANCELLED, Notification.Kind.STAFF_CANCELLED
        )
        _offer_freed_time(
            appointment.practitioner_id, appointment.blocked_start, appointment.blocked_end
        )
    return appointment


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    practitioner: Practitioner | None = None,
    staff: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move to a new free time, atomically: the old time is released only if the new one is
    booked, because both are one row changed in one transaction."""
    now = now or timezone.now()
    context = selectors.booking_context()
    target = practitioner or appointment.practitioner
    old = (appointment.practitioner_id, appointment.blocked_start, appointment.blocked_end)
    with transaction.atomic():
        _lock_practitioners([appointment.practitioner_id, target.pk])
        appointment = (
            Appointment.objects.select_for_update().select_related("service").get(pk=appointment.pk)
        )
        _check_cutoff(appointment, now, staff=staff)
        if not _bookable(
            practitioner=target,
            service=appointment.service,
            start=start,
            now=now,
            context=context,
            staff=staff,
            exclude=appointment.pk,
        ):
            raise BookingError(
                "slot_taken",
                alternatives=nearest_alternatives(
                    service=appointment.service,
                    practitioner=target,
                    start=start,
                    now=now,
                    context=context,
                ),
            )
        spec = selectors.service_spec(appointment.service)
        blocked = spec.blocked(start)
        appointment.practitioner = target
        appointment.start, appointment.end = start, start + spec.duration
        appointment.blocked_start, appointment.blocked_end = blocked.start, blocked.end
        appointment.reminder_sent_for = None
        try:
            with transaction.atomic():
                appointment.save()
        except IntegrityError as error:
            raise BookingError("slot_taken") from error
        _queue_notifications(
            appointment, Notification.Kind.RESCHEDULED, Notification.Kind.STAFF_CHANGED
        )
        _offer_freed_time(*old)
    return appointment


def appointment_set_status(*, appointment: Appointment, status: str) -> Appointment:
    """Staff mark an appointment completed or a no-show."""
    if status not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        raise ValueError(f"cannot set status {status!r} directly")
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status == Appointment.Status.CANCELLED:
            raise BookingError("not_active")
        if appointment.status == status:
            return appointment  # a repeated click changes nothing and sends nothing twice
        appointment.status = status
        appointment.save(update_fields=["status", "updated_at"])
        if status == Appointment.Status.COMPLETED:
            visit_completed.send(sender=Appointment, appointment=appointment)
    return appointment


def waitlist_join(
    *,
    service: Service,
    practitioner: Practitioner | None,
    patient: PatientDetails,
    first_day: date,
    last_day: date,
    mornings: bool,
    afternoons: bool,
    evenings: bool,
) -> WaitlistEntry:
    """Record a wish for a time; freed times that match are offered in order of joining."""
    with transaction.atomic():
        entry = WaitlistEntry(
            service=service,
            practitioner=practitioner,
            patient=patient_find_or_create(details=patient),
            first_day=first_day,
            last_day=last_day,
            mornings=mornings,
            afternoons=afternoons,
            evenings=evenings,
        )
        entry.full_clean()
        entry.save()
    return entry


def waitlist_take_offer(
    *,
    entry: WaitlistEntry,
    practitioner: Practitioner,
    start: datetime,
    now: datetime | None = None,
) -> Appointment:
    """Book an offered time for a waitlisted patient, if it is still free (first come, first served)."""
    patient = entry.patient
    details = PatientDetails(
        patient.first_name, patient.last_name, patient.email, patient.phone, patient.date_of_birth
    )
    appointment = appointment_book(
        service=entry.service,
        practitioner=practitioner,
        start=start,
        patient=details,
        now=now,
        idempotency_key=f"waitlist-{entry.pk}-{practitioner.pk}-{start.isoformat()}",
    )
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistEntry.Status.BOOKED)
    return appointment


def _queue_notifications(appointment: Appointment, patient_kind: str, staff_kind: str) -> None:
    """Called inside the change's transaction: the emails' task is written with it, so a
    committed change always has them, and they run after the commit (core/tasks.py)."""
    from .tasks import notify_appointment

    enqueue_with_transaction(notify_appointment, appointment.pk, [patient_kind, staff_kind])


def _offer_freed_time(practitioner_id: int, start: datetime, end: datetime) -> None:
    from .tasks import offer_freed_time

    enqueue_with_transaction(offer_freed_time, practitioner_id, start.isoformat(), end.isoformat())
