"""Writes for booking: book, cancel, reschedule, change status, join the waitlist.

Each use case is one transaction. A booking locks the practitioner rows it may use (in primary
key order, so two bookings never wait on each other in a cycle), re-checks the time with the slot
engine, then writes. Underneath, PostgreSQL's exclusion constraint refuses any overlap the code
might miss; on SQLite, immediate write transactions serialise the check and the insert.
Emails are queued only after the commit.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from physiofit.core.models import ClinicSettings
from physiofit.core.tasks import enqueue_with_transaction

from . import selectors, texts
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
        "visit_started": (
            "This visit has already started, so it cannot be moved: mark it completed or a "
            "no-show, and book a new visit if one is needed."
        ),
        "patient_busy": "You already have a visit at that time.",
        "not_started": (
            "This visit has not started yet: it can be marked completed or a no-show from its "
            "start time on."
        ),
        "not_arrival_time": (
            "A patient can be checked in from two hours before the visit until it ends."
        ),
        "undo_too_late": "This can only be undone on the day it was done.",
        "idempotency_key_reused": (
            "This idempotency key was already used for a different request. Send a new key "
            "with each new booking."
        ),
        # Why a chosen time is not offered (slots.REFUSALS), checked at every step of a flow.
        "start_in_past": "That time is in the past. Please choose one of the times shown.",
        "beyond_horizon": (
            "That time is too far ahead: appointments can be booked up to {days} days in "
            "advance. Please choose one of the times shown."
        ),
        "clinic_closed": (
            "The clinic is closed that day{closure}. Please choose one of the times shown "
            "or another day."
        ),
        "outside_hours": (
            "That time is outside our opening hours or the practitioner's working hours. "
            "Please choose one of the times shown."
        ),
        "off_grid": (
            "That time is not on our booking grid: appointments start every {step} minutes. "
            "Please choose one of the times shown."
        ),
        "too_soon": (
            "That time is too soon: online bookings need at least {notice} notice. Please "
            "choose a later time or call the clinic."
        ),
        "invalid_patient": "Some of your details are not valid.",
        "waitlist_closed": (
            "This waiting-list entry is no longer open: it was booked, withdrawn or has expired."
        ),
        "returning_patients_only": (
            "Follow-up visits are for current patients. Please sign in to the patient portal "
            "to book one, or book an initial evaluation."
        ),
    }

    def __init__(self, code: str, *, alternatives=(), field_errors=None, **params):
        self.code = code
        self.params = params
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
    # Ticked "Text me reminders at this number" (recorded by texts.py; unticked changes nothing).
    sms_reminders: bool = False


def _original_first(patients):
    """Records not themselves flagged as duplicates first, then the oldest."""
    return patients.order_by(F("possible_duplicate_of").asc(nulls_first=True), "created_at", "pk")


def patient_find_or_create(*, details: PatientDetails) -> Patient:
    """Staff only (the front desk picks the record): the patient with this email and date of
    birth, created if none. Existing records are not overwritten. A typo makes a new record,
    which staff merge later; nothing here guarantees one record per person."""
    email = details.email.strip().lower()
    patient = _original_first(
        Patient.objects.filter(email=email, date_of_birth=details.date_of_birth)
    ).first()
    return patient or _patient_new(details, possible_duplicate_of=None)


def patient_create(*, details: PatientDetails) -> Patient:
    """A new record from a public form, flagged as a possible duplicate of the existing record
    its details match (same email and birthday, same email and name, or same name and birthday).

    Never attaches to an existing chart: a match is what anyone who knows an email and a
    birthday could produce, so only staff (merge) or a signed-in patient may join them."""
    email = details.email.strip().lower()
    first, last = details.first_name.strip(), details.last_name.strip()
    match = _original_first(
        Patient.objects.filter(
            Q(email=email, date_of_birth=details.date_of_birth)
            | Q(email=email, first_name__iexact=first, last_name__iexact=last)
            | Q(
                first_name__iexact=first,
                last_name__iexact=last,
                date_of_birth=details.date_of_birth,
            )
        )
    ).first()
    original = match and (match.possible_duplicate_of or match)
    return _patient_new(details, possible_duplicate_of=original)


def _patient_new(details: PatientDetails, *, possible_duplicate_of: Patient | None) -> Patient:
    patient = Patient(
        first_name=details.first_name.strip(),
        last_name=details.last_name.strip(),
        email=details.email.strip().lower(),
        phone=details.phone.strip(),
        date_of_birth=details.date_of_birth,
        possible_duplicate_of=possible_duplicate_of,
    )
    try:
        # Field rules only: the reference is random and unique in the database, and the
        # duplicate was just read (each check here would be one more query).
        patient.full_clean(
            exclude=["possible_duplicate_of"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        raise BookingError("invalid_patient", field_errors=error.message_dict) from error
    patient.save()
    return patient


def _patient_for(patient: "PatientDetails | Patient", *, staff: bool) -> Patient:
    """A Patient passed in is already known (the signed-in patient, or a waitlisted one).
    Consent to texts ticked with typed details is recorded on the record, for the typed phone."""
    if isinstance(patient, Patient):
        return patient
    details = patient
    record = patient_find_or_create(details=details) if staff else patient_create(details=details)
    if details.sms_reminders:
        try:
            texts.patient_sms_consent_give(
                patient=record,
                phone=details.phone,
                how=texts.SmsConsentHow.STAFF if staff else texts.SmsConsentHow.ONLINE,
            )
        except texts.TextConsentError as error:
            raise BookingError(
                "invalid_patient", field_errors={"phone": [error.message]}
            ) from error
    return record


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


# The engine's reasons a start is not offered, as this module's error codes.
START_REFUSALS = {
    engine.PAST: "start_in_past",
    engine.BEYOND_HORIZON: "beyond_horizon",
    engine.CLOSED: "clinic_closed",
    engine.OUTSIDE_HOURS: "outside_hours",
    engine.OFF_GRID: "off_grid",
    engine.TOO_SOON: "too_soon",
    engine.TAKEN: "slot_taken",
}
# Times near these have free neighbours worth offering; a past or far-off one has none.
WITH_ALTERNATIVES = {"clinic_closed", "outside_hours", "off_grid", "too_soon", "slot_taken"}


def _refusal(*, practitioners, service, start, now, context, staff, exclude=None) -> str | None:
    """The engine's reason none of `practitioners` offers `start` (the most specific over all
    of them), or None when one does."""
    policy = _policy(context, staff=staff)
    if reason := engine.window_refusal(start=start, policy=policy, now=now):
        return reason  # before any zone conversion: year 1 or 9999 cannot be converted
    day = start.astimezone(context.zone).date()
    reasons = [
        engine.refusal(
            start=start,
            calendar=calendar,
            clinic_hours=context.clinic_hours,
            service=selectors.service_spec(service),
            policy=policy,
            now=now,
            zone=context.zone,
        )
        for calendar in selectors.calendars(
            list(practitioners),
            first_day=day,
            last_day=day,
            zone=context.zone,
            exclude_appointment=exclude,
        )
    ]
    if None in reasons:
        return None
    return max(reasons, key=engine.REFUSALS.index, default=engine.OUTSIDE_HOURS)


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _start_error(
    reason: str,
    context: selectors.BookingContext,
    *,
    staff: bool,
    start: datetime,
    alternatives=(),
) -> BookingError:
    policy = _policy(context, staff=staff)
    notice = _minutes(policy.min_notice)
    closure = (
        context.closure_on(start.astimezone(context.zone).date())
        if reason == engine.CLOSED
        else None
    )
    return BookingError(
        START_REFUSALS[reason],
        alternatives=alternatives,
        days=policy.horizon.days,
        step=_minutes(policy.step),
        notice=f"{notice // 60} hours" if notice % 60 == 0 else f"{notice} minutes",
        closure=f" ({closure.label})" if closure and closure.label else "",
    )


def appointment_check_start(
    *,
    service: Service,
    practitioner: Practitioner | None,
    start: datetime,
    now: datetime | None = None,
    context: selectors.BookingContext | None = None,
    exclude_appointment: int | None = None,
    staff: bool = False,
) -> None:
    """Raise the BookingError that says why `start` is not offered online for the service
    (with the practitioner, or with any when None); return when it is. Reads only: for the
    steps before the booking, which checks again under its lock."""
    now = now or timezone.now()
    context = context or selectors.booking_context()
    practitioners = [practitioner] if practitioner else selectors.practitioners_for(service)
    reason = _refusal(
        practitioners=practitioners,
        service=service,
        start=start,
        now=now,
        context=context,
        staff=staff,
        exclude=exclude_appointment,
    )
    if reason is None:
        return
    alternatives = ()
    if START_REFUSALS[reason] in WITH_ALTERNATIVES:
        alternatives = nearest_alternatives(
            service=service,
            practitioner=practitioner,
            start=start,
            now=now,
            context=context,
            staff=staff,
            exclude=exclude_appointment,
        )
    raise _start_error(reason, context, staff=staff, start=start, alternatives=alternatives)


def nearest_alternatives(
    *,
    service: Service,
    practitioner: Practitioner | None,
    start: datetime,
    now: datetime,
    context: selectors.BookingContext,
    count: int = 3,
    staff: bool = False,
    exclude: int | None = None,
) -> list[engine.Slot]:
    """Free slots closest to the wanted time, within three days either side: by the staff
    rules when staff book (no notice), and with the visit being moved left out."""
    day = start.astimezone(context.zone).date()
    found = selectors.slot_search(
        service=service,
        practitioner=practitioner,
        first_day=day - timedelta(days=3),
        last_day=day + timedelta(days=3),
        now=now,
        context=context,
        exclude_appointment=exclude,
        policy=_policy(context, staff=staff),
    )
    return sorted(found, key=lambda slot: abs(slot.start - start))[:count]


def appointment_book(
    *,
    service: Service,
    practitioner: Practitioner | None,
    start: datetime,
    patient: PatientDetails | Patient,
    source: str = Appointment.Source.ONLINE,
    idempotency_key: str | None = None,
    idempotency_fingerprint: str = "",
    now: datetime | None = None,
    context: selectors.BookingContext | None = None,
    with_booking: Callable[[Appointment], None] | None = None,
    series: str = "",
    notify: bool = True,
    reason_for_visit: str = "",
) -> Appointment:
    """Book `start` with the practitioner, or the first free one when None.

    `patient` is a known Patient (signed in, waitlisted) or the details typed into a form: a
    public booking's details always make a new record (see `patient_create`); staff's are
    matched (`patient_find_or_create`). Returning-patient services need a known Patient online.

    `with_booking` runs with the new appointment inside the same transaction (another app's
    rows that must exist exactly when the appointment does, such as its screening).
    `series` and `notify` are for appointment_series_book: the series' key, and whether this
    visit sends its own confirmation (only the first of a series does, listing the rest).
    `reason_for_visit` is the patient's optional note for staff.

    Returns the existing appointment for a repeated idempotency key sent with the same
    request (same `idempotency_fingerprint`) within its lifetime; an expired key is new again.
    Raises BookingError and writes nothing when the time is not offered: the code says why
    (START_REFUSALS), with the nearest alternatives when there are any near it.
    Does not send anything itself: the confirmation and staff emails' task is queued in the
    booking's transaction and runs after the commit.
    """
    now = now or timezone.now()
    context = context or selectors.booking_context()
    staff = source == Appointment.Source.STAFF
    if idempotency_key:
        existing = selectors.booking_for_idempotency_key(idempotency_key)
        if existing:
            return _replay(existing, service, start, idempotency_fingerprint)
    if reason := engine.window_refusal(start=start, policy=_policy(context, staff=staff), now=now):
        raise _start_error(reason, context, staff=staff, start=start)
    if not staff and not service.bookable_online:
        raise BookingError("service_not_bookable")
    if (
        not staff
        and service.audience == Service.Audience.RETURNING
        and not isinstance(patient, Patient)
    ):
        # Typed-in details prove nothing about being in care, and a follow-up asks no
        # screening questions: online, only a patient the caller has identified may book one.
        raise BookingError("returning_patients_only")
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
            if isinstance(patient, Patient) and _patient_busy(patient, start, service):
                raise BookingError("patient_busy")
            if chosen is None:
                reason = _refusal(
                    practitioners=candidates,
                    service=service,
                    start=start,
                    now=now,
                    context=context,
                    staff=staff,
                )
                raise _start_error(reason or engine.TAKEN, context, staff=staff, start=start)
            if idempotency_key:
                # An expired key is new again: free it from the booking it was first used for.
                Appointment.objects.filter(
                    idempotency_key=idempotency_key,
                    created_at__lt=selectors.idempotency_keys_expired_before(),
                ).update(idempotency_key=None)
            appointment = _create(
                chosen,
                service,
                start,
                patient,
                staff,
                source,
                idempotency_key,
                fingerprint=idempotency_fingerprint,
                series=series,
                reason_for_visit=reason_for_visit,
                # Booked inside the reminder lead: the confirmation is the reminder.
                reminded=notify and confirmation_is_reminder(start, now, context),
            )
            if with_booking is not None:
                with_booking(appointment)
            if notify:
                _queue_notifications(
                    appointment, Notification.Kind.CONFIRMATION, Notification.Kind.STAFF_NEW
                )
    except IntegrityError as error:
        if idempotency_key and (existing := selectors.booking_for_idempotency_key(idempotency_key)):
            return _replay(existing, service, start, idempotency_fingerprint)
        raise BookingError("slot_taken") from error
    except BookingError as error:
        if error.code in WITH_ALTERNATIVES:
            error.alternatives = nearest_alternatives(
                service=service,
                practitioner=practitioner,
                start=start,
                now=now,
                context=context,
                staff=staff,
            )
        raise
    return appointment


def _patient_busy(patient: Patient, start: datetime, service: Service) -> bool:
    """Whether the known patient already has a booked visit overlapping this one (with any
    practitioner: the guard keeps each practitioner to one patient, this one patient to one
    place)."""
    end = start + selectors.service_spec(service).duration
    return patient.appointments.filter(
        status=Appointment.Status.BOOKED, start__lt=end, end__gt=start
    ).exists()


def _replay(
    existing: Appointment, service: Service, start: datetime, fingerprint: str
) -> Appointment:
    """The first booking, only for the request its key was first sent with: another request
    under the same key learns nothing about it."""
    if existing.idempotency_fingerprint or fingerprint:
        if existing.idempotency_fingerprint != fingerprint:
            raise BookingError("idempotency_key_reused")
    elif existing.service_id != service.pk or existing.start != start:
        raise BookingError("idempotency_key_reused")
    return existing


def idempotency_fingerprint(request_data: dict) -> str:
    """SHA-256 of a parsed request as sorted-keys JSON: the same request, however its keys
    were ordered or spaced, has the same fingerprint."""
    canonical = json.dumps(request_data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _create(
    practitioner,
    service,
    start,
    details,
    staff,
    source,
    idempotency_key,
    *,
    fingerprint="",
    series="",
    reason_for_visit="",
    reminded=False,
) -> Appointment:
    patient = _patient_for(details, staff=staff)
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
        idempotency_fingerprint=fingerprint if idempotency_key else "",
        reference=new_reference(),
        series=series,
        reason_for_visit=reason_for_visit,
        reminder_sent_for=start if reminded else None,
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


@dataclass(frozen=True)
class SeriesClash:
    """A visit of a series that could not be booked: when, why, and the nearest free times."""

    start: datetime
    message: str
    alternatives: list[engine.Slot]


def series_starts(*, first_day: date, weekdays: list[int], at: time, count: int, zone) -> list:
    """`count` starts on the chosen weekdays (0 = Monday) from `first_day` on, each at the same
    clock time in the clinic's zone (so 9:00 stays 9:00 across a DST change)."""
    if not weekdays or count < 1:
        return []
    starts, day, last = [], first_day, first_day + STAFF_HORIZON
    while len(starts) < count and day <= last:
        if day.weekday() in weekdays:
            starts.append(datetime.combine(day, at, tzinfo=zone))
        day += timedelta(days=1)
    return starts


def appointment_series_book(
    *,
    service: Service,
    practitioner: Practitioner,
    patient: Patient,
    starts: list[datetime],
    now: datetime | None = None,
) -> tuple[list[Appointment], list[SeriesClash]]:
    """Book each start through the same guard as any staff booking. A start that is not free
    is listed as a clash with its nearest free times, never skipped in silence; the rest are
    booked. The first booked visit's confirmation lists all of them (one email); each visit
    still gets its own reminder."""
    now = now or timezone.now()
    context = selectors.booking_context()
    key = uuid.uuid4().hex
    booked: list[Appointment] = []
    clashes: list[SeriesClash] = []
    duration = selectors.service_spec(service).duration
    for start in starts:
        if patient.appointments.filter(
            status=Appointment.Status.BOOKED, start__lt=start + duration, end__gt=start
        ).exists():
            # The guard keeps a practitioner from two patients at once; a patient is kept from
            # two visits at once here (the same series booked twice, with another therapist).
            clashes.append(SeriesClash(start, "Already booked: the patient has a visit then.", []))
            continue
        try:
            appointment = appointment_book(
                service=service,
                practitioner=practitioner,
                start=start,
                patient=patient,
                source=Appointment.Source.STAFF,
                now=now,
                context=context,
                series=key,
                notify=not booked,
            )
        except BookingError as error:
            clashes.append(
                SeriesClash(start, staff_reason(error, practitioner), error.alternatives)
            )
        else:
            booked.append(appointment)
    return booked, clashes


# Why a time was refused, in the words of the staff booking it (the patient's wording says
# "just taken" and "choose one of the times shown", which misleads on the phone).
STAFF_REASONS = {
    "slot_taken": "{practitioner} is booked or away then.",
    "clinic_closed": "The clinic is closed that day{closure}.",
    "outside_hours": "That is outside {practitioner}'s working hours or the clinic's opening hours.",
    "off_grid": "Not on the booking grid: visits start every {step} minutes.",
    "start_in_past": "That time has passed.",
    "beyond_horizon": "Further ahead than bookings are taken.",
    "practitioner_unavailable": "{practitioner} does not offer this service.",
    "patient_busy": "The patient already has a visit then.",
}


def staff_reason(error: BookingError, practitioner) -> str:
    """The staff wording of a refusal for `practitioner` (the patient's message otherwise)."""
    template = STAFF_REASONS.get(error.code)
    if template is None or practitioner is None:
        return error.message
    step = selectors.booking_context().policy.slot_step
    return template.format(
        **{**error.params, "practitioner": practitioner.name, "step": _minutes(step)}
    )


def confirmation_is_reminder(
    start: datetime, now: datetime, context: selectors.BookingContext
) -> bool:
    """A visit booked or moved inside the reminder lead gets no separate reminder: the
    confirmation, sent at once, says the same, and a second message minutes later is noise."""
    return start - now <= context.policy.reminder_lead


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
    *,
    appointment: Appointment,
    staff: bool = False,
    now: datetime | None = None,
    reason: str = Appointment.CancelReason.PATIENT,
) -> Appointment:
    """Cancel; patients only outside the cut-off. Staff cancelling inside it record a late
    cancellation (the clinic's policy may charge for it). Frees the time and offers it to
    the waitlist."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _check_cutoff(appointment, now, staff=staff)
        cutoff = selectors.booking_context().policy.cancel_cutoff
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.cancel_reason = reason
        appointment.late_cancel = appointment.start - now < cutoff
        appointment.save(
            update_fields=["status", "cancelled_at", "cancel_reason", "late_cancel", "updated_at"]
        )
        _queue_notifications(
            appointment, Notification.Kind.CANCELLED, Notification.Kind.STAFF_CANCELLED
        )
        _offer_freed_time(
            appointment.practitioner_id, appointment.blocked_start, appointment.blocked_end
        )
    return appointment


def is_late_cancel(appointment: Appointment, now: datetime | None = None) -> bool:
    """Whether cancelling now would be inside the cancellation cut-off."""
    now = now or timezone.now()
    return appointment.start - now < selectors.booking_context().policy.cancel_cutoff


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    practitioner: Practitioner | None = None,
    staff: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move to a new free time, atomically: the old time is released only if the new one is
    booked, because both are one row changed in one transaction. A move to the time and
    practitioner it already has changes nothing and sends nothing."""
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
        if appointment.start == start and appointment.practitioner_id == target.pk:
            return appointment
        if now >= appointment.start:
            # It has begun (or passed): moving it would email the patient a new time for a
            # visit that happened or was missed. Mark it instead, and book a new one.
            raise BookingError("visit_started")
        reason = _refusal(
            practitioners=[target],
            service=appointment.service,
            start=start,
            now=now,
            context=context,
            staff=staff,
            exclude=appointment.pk,
        )
        if reason is not None:
            alternatives = ()
            if START_REFUSALS[reason] in WITH_ALTERNATIVES:
                alternatives = nearest_alternatives(
                    service=appointment.service,
                    practitioner=target,
                    start=start,
                    now=now,
                    context=context,
                    staff=staff,
                    exclude=appointment.pk,
                )
            raise _start_error(reason, context, staff=staff, start=start, alternatives=alternatives)
        spec = selectors.service_spec(appointment.service)
        blocked = spec.blocked(start)
        appointment.practitioner = target
        appointment.start, appointment.end = start, start + spec.duration
        appointment.blocked_start, appointment.blocked_end = blocked.start, blocked.end
        appointment.reminder_sent_for = (
            start if confirmation_is_reminder(start, now, context) else None
        )
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


def appointment_set_status(
    *, appointment: Appointment, status: str, now: datetime | None = None
) -> Appointment:
    """Staff mark a visit completed or a no-show: only from its start on (before it, neither
    has happened). A repeated click changes nothing."""
    if status not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        raise ValueError(f"cannot set status {status!r} directly")
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status == status:
            return appointment  # a repeated click changes nothing and sends nothing twice
        if appointment.status != Appointment.Status.BOOKED:
            raise BookingError("not_active")
        if now < appointment.start:
            raise BookingError("not_started")
        appointment.status = status
        appointment.status_changed_at = now
        appointment.save(update_fields=["status", "status_changed_at", "updated_at"])
        if status == Appointment.Status.COMPLETED:
            visit_completed.send(sender=Appointment, appointment=appointment)
    return appointment


# How long before its start a patient can be checked in (they come early to fill in forms).
ARRIVAL_WINDOW = timedelta(hours=2)


def appointment_arrive(*, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The patient is at the desk: from two hours before the start until the visit ends."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.arrived_at is not None:
            return appointment
        if appointment.status != Appointment.Status.BOOKED:
            raise BookingError("not_active")
        if not appointment.start - ARRIVAL_WINDOW <= now <= appointment.end:
            raise BookingError("not_arrival_time")
        appointment.arrived_at = now
        appointment.save(update_fields=["arrived_at", "updated_at"])
    return appointment


def undo_deadline(appointment: Appointment) -> datetime | None:
    """Until when marking completed, no-show or arrived can be undone: the end of the clinic
    day it was done on."""
    done = appointment.status_changed_at or appointment.arrived_at
    if done is None:
        return None
    zone = selectors.booking_context().zone
    day = done.astimezone(zone).date()
    return selectors.local_day_bounds(day, day, zone)[1]


def appointment_undo_status(
    *, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """Back to booked: a visit marked completed or no-show by mistake (its time was never
    released, so nothing can have taken it), or a check-in. Only the same clinic day."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        deadline = undo_deadline(appointment)
        if deadline is None or now >= deadline:
            raise BookingError("undo_too_late")
        if appointment.status in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
            appointment.status = Appointment.Status.BOOKED
            appointment.status_changed_at = None
        elif appointment.status == Appointment.Status.BOOKED:
            appointment.arrived_at = None
        else:
            raise BookingError("undo_too_late")
        appointment.save(update_fields=["status", "status_changed_at", "arrived_at", "updated_at"])
    return appointment


def waitlist_join(
    *,
    service: Service,
    practitioner: Practitioner | None,
    patient: PatientDetails | Patient,
    first_day: date,
    last_day: date,
    mornings: bool,
    afternoons: bool,
    evenings: bool,
) -> WaitlistEntry:
    """Record a wish for a time; freed times that match are offered in order of joining.
    Typed-in details make a new record, as for a booking; returning-patient services need a
    known Patient."""
    if service.audience == Service.Audience.RETURNING and not isinstance(patient, Patient):
        raise BookingError("returning_patients_only")
    with transaction.atomic():
        entry = WaitlistEntry(
            service=service,
            practitioner=practitioner,
            patient=_patient_for(patient, staff=False),
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
    with_booking: Callable[[Appointment], None] | None = None,
) -> Appointment:
    """Book an offered time for a waitlisted patient, if it is still free (first come, first
    served), and mark the entry booked with it. A repeated click returns the same visit."""
    return _waitlist_book(
        entry=entry,
        practitioner=practitioner,
        start=start,
        source=Appointment.Source.ONLINE,
        now=now or timezone.now(),
        with_booking=with_booking,
    )


def waitlist_book(
    *,
    entry: WaitlistEntry,
    practitioner: Practitioner,
    start: datetime,
    now: datetime | None = None,
    with_booking: Callable[[Appointment], None] | None = None,
) -> Appointment:
    """Staff book a free time for a waitlisted patient on the phone: the same guard as any
    staff booking, on the entry's own patient record; the entry is marked booked with the
    visit in the same transaction. Raises BookingError("waitlist_closed") for an entry that
    is booked, withdrawn or expired. Does not audit: the view does, naming its user."""
    return _waitlist_book(
        entry=entry,
        practitioner=practitioner,
        start=start,
        source=Appointment.Source.STAFF,
        now=now or timezone.now(),
        with_booking=with_booking,
    )


def _waitlist_book(*, entry, practitioner, start, source, now, with_booking=None) -> Appointment:
    key = f"waitlist-{entry.pk}-{practitioner.pk}-{start.isoformat()}"
    with transaction.atomic():
        # Locked first, then the practitioners (appointment_book): two clicks, or an offer
        # taken online while staff book by phone, give the entry one visit.
        entry = (
            WaitlistEntry.objects.select_for_update()
            .select_related("service", "patient")
            .get(pk=entry.pk)
        )
        if not entry.is_open:
            replay = selectors.booking_for_idempotency_key(key)
            if replay is not None and replay.pk == entry.appointment_id:
                return replay  # the same booking, asked for again
            raise BookingError("waitlist_closed")
        appointment = appointment_book(
            service=entry.service,
            practitioner=practitioner,
            start=start,
            # The entry's own record: the offer link went to it, so the visit joins that chart.
            patient=entry.patient,
            source=source,
            now=now,
            idempotency_key=key,
            with_booking=with_booking,
        )
        entry.status = WaitlistEntry.Status.BOOKED
        entry.appointment = appointment
        entry.status_changed_at = now
        entry.save(update_fields=["status", "appointment", "status_changed_at"])
    return appointment


def waitlist_withdraw(*, entry: WaitlistEntry, now: datetime | None = None) -> WaitlistEntry:
    """The patient no longer wants a time (told staff): no more offers. Only an open entry;
    a booked visit is cancelled on its own page."""
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if not entry.is_open:
            raise BookingError("waitlist_closed")
        entry.status = WaitlistEntry.Status.WITHDRAWN
        entry.status_changed_at = now or timezone.now()
        entry.save(update_fields=["status", "status_changed_at"])
    return entry


def waitlist_expire(*, today: date, now: datetime | None = None) -> int:
    """Open entries whose last day is before `today` (clinic time) become expired; returns how
    many. Run wherever the status is read or acted on (the staff list, the offer task), so
    no scheduled job is needed for the status to be true."""
    return WaitlistEntry.objects.filter(
        status__in=WaitlistEntry.OPEN_STATUSES, last_day__lt=today
    ).update(status=WaitlistEntry.Status.EXPIRED, status_changed_at=now or timezone.now())


def _queue_notifications(appointment: Appointment, patient_kind: str, staff_kind: str) -> None:
    """Called inside the change's transaction: the emails' task is written with it, so a
    committed change always has them, and they run after the commit (core/tasks.py)."""
    from .tasks import notify_appointment

    enqueue_with_transaction(notify_appointment, appointment.pk, [patient_kind, staff_kind])


def _offer_freed_time(practitioner_id: int, start: datetime, end: datetime) -> None:
    from .tasks import offer_freed_time

    enqueue_with_transaction(offer_freed_time, practitioner_id, start.isoformat(), end.isoformat())
