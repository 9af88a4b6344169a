"""Writes for screening, questionnaires, measure schedules, licensed wording and portal links.

Each use case is one transaction; emails are queued after the commit. Rules (tiers, scores)
come from the pure modules `triage`, `scoring` and `instruments`.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from physiofit.booking import selectors as booking_selectors
from physiofit.booking import services as booking
from physiofit.booking.models import Appointment, Notification, Patient, Service
from physiofit.core.tasks import enqueue_with_transaction

from . import instruments, triage
from .models import InstrumentWording, Questionnaire, Screening


class IntakeError(Exception):
    """A screening, questionnaire or portal rule was broken; `message` is for the reader."""

    messages = {
        "seek_emergency_care": triage.red_flags().messages["emergency"]["text"],
        "screening_required": (
            "Please answer the health questions before choosing a time for a first visit."
        ),
        "invalid_screening": "Please answer every health question with yes or no.",
        "not_open": "This questionnaire has already been submitted, so it cannot be changed.",
        "incomplete": "Some questions still need an answer: {detail}",
        "wording_missing": (
            "The {name} cannot be sent until the clinic imports its licensed wording."
        ),
        "not_a_measure": "The {name} is not an outcome measure.",
        "link_invalid": "This sign-in link is not valid. Please ask for a new one.",
        "link_used": "This sign-in link has already been used. Please ask for a new one.",
        "link_expired": "This sign-in link has expired. Please ask for a new one.",
        "links_held": (
            "No sign-in link is sent for this patient until a clinician approves the email "
            "address staff changed."
        ),
        "approve_forbidden": "Only clinical staff can approve a patient's new email address.",
        "nothing_to_approve": "No email change is waiting for approval on this record.",
        "approval_stale": (
            "The email address changed again while this page was open. Nothing was approved: "
            "check the address below and approve it again."
        ),
        "invalid_wording": "The wording file does not fit the {name}: {detail}",
    }

    def __init__(self, code: str, **params):
        self.code = code
        self.message = self.messages[code].format(**params)
        super().__init__(self.message)


def screening_build(*, answers: dict, service: Service | None, channel: str = "web") -> Screening:
    """Apply the red-flag rules to `answers`: the result, not yet stored."""
    try:
        result = triage.screen(answers)
    except ValueError as error:
        raise IntakeError("invalid_screening") from error
    screening = Screening(
        service=service,
        tier=result.tier,
        reasons=list(result.reasons),
        answers={key: bool(value) for key, value in answers.items()},
        channel=channel,
        review=Screening.Review.PENDING
        if result.tier == "same_day"
        else Screening.Review.NOT_NEEDED,
    )
    screening.full_clean(exclude=["service", "appointment"])
    return screening


def screening_record(*, answers: dict, service: Service | None, channel: str = "web") -> Screening:
    """Apply the red-flag rules to `answers` and keep the result (an emergency included, so
    staff see it), with no patient attached yet."""
    screening = screening_build(answers=answers, service=service, channel=channel)
    screening.save()
    return screening


def needs_screening(service: Service) -> bool:
    return service.audience == Service.Audience.NEW


def appointment_book_screened(
    *, screening: Screening | None, service: Service, **booking_arguments
) -> Appointment:
    """Book through the booking service, refusing new-patient visits without a screening or
    after an emergency result; store or attach the screening in the booking's transaction, and
    alert staff when it needs review.

    Raises IntakeError for the screening rules and BookingError for the time, as booking does."""
    key = booking_arguments.get("idempotency_key")
    if key and booking_selectors.booking_for_idempotency_key(key):
        # A repeated submit (double click, retry) replays the first booking's answer, or is
        # refused when the key came with another request; an expired key books anew, screened.
        return booking.appointment_book(service=service, **booking_arguments)
    if needs_screening(service):
        if screening is None:
            raise IntakeError("screening_required")
        if screening.tier == "emergency":
            raise IntakeError("seek_emergency_care")

    def attach(appointment: Appointment) -> None:
        if screening is None:
            return
        if screening.pk is None:  # built for this booking (the API): one insert
            screening.appointment = appointment
            screening.save()
            attached = True
        else:  # answered earlier in this browser: claim it once
            attached = Screening.objects.filter(pk=screening.pk, appointment=None).update(
                appointment=appointment
            )
        if attached and screening.review == Screening.Review.PENDING:
            notify_review(appointment.pk)

    return booking.appointment_book(service=service, with_booking=attach, **booking_arguments)


def screening_keep_for_waitlist(*, screening: Screening | None, entry) -> None:
    """The screening answered before joining the waiting list stays with the wish."""
    if screening is not None:
        Screening.objects.filter(pk=screening.pk, appointment=None).update(waitlist_entry=entry)


def waitlist_screening_attach(entry):
    """For a visit booked from a waitlist entry, inside its transaction: the screening kept with
    the entry joins the visit (once), and a same-day tier alerts the clinicians. None when the
    entry has no screening kept (the front desk then asks the questions on the phone)."""
    screening = Screening.objects.filter(waitlist_entry=entry, appointment=None).first()
    if screening is None:
        return None

    def attach(appointment: Appointment) -> None:
        claimed = Screening.objects.filter(pk=screening.pk, appointment=None).update(
            appointment=appointment
        )
        if claimed and screening.review == Screening.Review.PENDING:
            notify_review(appointment.pk)

    return attach


def notify_review(appointment_id: int) -> None:
    from physiofit.booking.tasks import notify_appointment

    enqueue_with_transaction(notify_appointment, appointment_id, [Notification.Kind.STAFF_REVIEW])


def screening_mark_reviewed(*, screening: Screening, user) -> Screening:
    """A clinician has read a same-day screening and acted on it."""
    with transaction.atomic():
        screening = Screening.objects.select_for_update().get(pk=screening.pk)
        screening.review = Screening.Review.REVIEWED
        screening.reviewed_by = user
        screening.reviewed_at = timezone.now()
        screening.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    return screening


def intake_for(appointment: Appointment) -> Questionnaire:
    """The appointment's pre-visit questionnaire, created on first opening."""
    questionnaire, _ = Questionnaire.objects.get_or_create(
        appointment=appointment,
        instrument="intake",
        defaults={"patient_id": appointment.patient_id, "label": "Before the first visit"},
    )
    return questionnaire


def questionnaire_save(
    *, questionnaire: Questionnaire, answers: dict, submit: bool, today: date
) -> Questionnaire:
    """Save answers as a draft, or submit them once, scored; a submitted one never changes.

    `answers` are already validated item by item (see forms.py); scoring checks completeness."""
    with transaction.atomic():
        questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if not questionnaire.is_open:
            raise IntakeError("not_open")
        merged = {**questionnaire.answers, **answers}
        if submit:
            instrument = instruments.get(questionnaire.instrument)
            try:
                questionnaire.score = instruments.score(instrument, merged, today=today)
            except ValueError as error:
                raise IntakeError("incomplete", detail=str(error)) from error
            questionnaire.status = Questionnaire.Status.SUBMITTED
            questionnaire.submitted_at = timezone.now()
        else:
            questionnaire.status = Questionnaire.Status.DRAFT
        questionnaire.answers = merged
        questionnaire.save()
    return questionnaire


def available() -> dict[str, instruments.Instrument]:
    """Every instrument a clinic can use now: free ones, and licensed ones whose wording has
    been imported. The rest are left out, so they are never offered to patients."""
    imported = dict(InstrumentWording.objects.values_list("instrument", "wording"))
    found = {}
    for code, instrument in instruments.definitions().items():
        if instrument.has_wording:
            found[code] = instrument
        elif code in imported:
            found[code] = instruments.with_wording(instrument, imported[code])
    return found


def questionnaire_send(
    *,
    patient: Patient,
    instrument: str,
    label: str = "",
    sent_by=None,
    appointment: Appointment | None = None,
) -> Questionnaire:
    """Give a patient an outcome measure and email them a sign-in link to fill it in."""
    definition = instruments.get(instrument)
    if not definition.is_measure:
        raise IntakeError("not_a_measure", name=definition.name)
    if instrument not in available():
        raise IntakeError("wording_missing", name=definition.name)
    with transaction.atomic():
        questionnaire = Questionnaire.objects.create(
            patient=patient,
            appointment=appointment,
            instrument=instrument,
            label=label[:80],
            sent_by=sent_by,
            email_status=Questionnaire.Email.QUEUED,
        )
        _email_questionnaire(questionnaire.pk)
    return questionnaire


def _email_questionnaire(questionnaire_id: int) -> None:
    from .tasks import send_questionnaire_email

    enqueue_with_transaction(send_questionnaire_email, questionnaire_id)


def wording_import(*, instrument: str, wording: dict, source: str = "") -> InstrumentWording:
    """Store a clinic's licensed wording for a copyrighted instrument, after checking it fits."""
    definition = instruments.get(instrument)
    if definition.licence != "licensed":
        raise IntakeError(
            "invalid_wording", name=definition.name, detail="it ships with its own wording."
        )
    try:
        instruments.with_wording(definition, wording)
    except ValueError as error:
        raise IntakeError("invalid_wording", name=definition.name, detail=str(error)) from error
    stored, _ = InstrumentWording.objects.update_or_create(
        instrument=instrument, defaults={"wording": wording, "source": source[:200]}
    )
    return stored
