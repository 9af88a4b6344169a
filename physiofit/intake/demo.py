"""Demo patients for `load_demo`: one a month into care with an intake and measures, one
booked with a screening answer waiting for clinician review. Made once; safe to run again.
Names and emails are obviously fictional (example.com)."""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from physiofit.booking import selectors as booking_selectors
from physiofit.booking.models import Appointment, Patient, Practitioner, Service, new_reference
from physiofit.booking.services import PatientDetails
from physiofit.core.models import clinic_today, clinic_zone

from . import instruments, services
from .models import Questionnaire, Screening

IN_CARE = PatientDetails(
    "Casey", "Demo", "casey.demo@example.com", "541 555 0142", date(1984, 6, 15)
)
TO_REVIEW = PatientDetails(
    "Jamie", "Example", "jamie.example@example.com", "541 555 0177", date(1961, 2, 9)
)


def _submitted(patient, instrument, answers, *, at, label, appointment=None) -> None:
    definition = instruments.get(instrument)
    Questionnaire.objects.create(
        patient=patient,
        appointment=appointment,
        instrument=instrument,
        label=label,
        status=Questionnaire.Status.SUBMITTED,
        answers=answers,
        score=instruments.score(definition, answers, today=at.astimezone(clinic_zone()).date()),
        submitted_at=at,
    )


def _patient_in_care(service: Service, practitioner: Practitioner) -> None:
    """Seen four weeks ago for an evaluation; pain and activities measured since."""
    today = clinic_today()
    zone = clinic_zone()
    first_visit = datetime.combine(today - timedelta(days=28), time(9), tzinfo=zone)
    # Typed details, less the text-reminder box (consent is recorded by booking/texts.py).
    patient = Patient.objects.create(
        **{name: value for name, value in vars(IN_CARE).items() if name != "sms_reminders"}
    )
    visit = Appointment.objects.create(
        practitioner=practitioner,
        service=service,
        patient=patient,
        start=first_visit,
        end=first_visit + service.duration,
        blocked_start=first_visit - service.buffer_before,
        blocked_end=first_visit + service.duration + service.buffer_after,
        status=Appointment.Status.COMPLETED,
        reference=new_reference(),
        source=Appointment.Source.STAFF,
    )
    Screening.objects.create(
        service=service,
        appointment=visit,
        tier="flag",
        reasons=["No improvement after about 4 weeks"],
        answers={"no_improvement": True},
    )
    _submitted(
        patient,
        "intake",
        {
            "onset": (today - timedelta(days=70)).isoformat(),
            "onset_how": "gradual",
            "where": ["back", "hip", "groin"],
            "symptoms": ["worse_rest_sit_stand", "spreads"],
            "conditions": [],
            "activities": ["kettlebells", "cycling", "desk_work"],
            "goals": "Ride the Sunday group ride and swing a kettlebell again.",
            "pain_now": 7,
            "psfs": [
                {"activity": "Cycling for an hour", "rating": 3},
                {"activity": "Kettlebell swings", "rating": 2},
                {"activity": "Sitting through a workday", "rating": 5},
            ],
        },
        at=first_visit - timedelta(days=1),
        label="Before the first visit",
        appointment=visit,
    )
    for days_ago, pain, ratings, label in (
        (14, 5, (5, 4, 6), "Visit 3"),
        (1, 3, (7, 6, 8), "Visit 5"),
    ):
        at = datetime.combine(today - timedelta(days=days_ago), time(10), tzinfo=zone)
        _submitted(patient, "nprs", {"pain": pain}, at=at, label=label)
        rows = [
            {"activity": name, "rating": rating}
            for name, rating in zip(
                ("Cycling for an hour", "Kettlebell swings", "Sitting through a workday"),
                ratings,
                strict=True,
            )
        ]
        _submitted(patient, "psfs", {"activities": rows}, at=at, label=label)


def _patient_to_review(service: Service) -> bool:
    """Books the first free evaluation from two days ahead, with a same-day screening answer."""
    context = booking_selectors.booking_context()
    now = timezone.now()
    first = clinic_today() + timedelta(days=2)
    slots = booking_selectors.slot_search(
        service=service,
        practitioner=None,
        first_day=first,
        last_day=first + timedelta(days=14),
        now=now,
        context=context,
    )
    if not slots:
        return False
    screening = services.screening_record(
        answers={"weight_loss": True, "first_episode_over_50": True}, service=service
    )
    services.appointment_book_screened(
        screening=screening,
        service=service,
        practitioner=None,
        start=slots[0].start,
        patient=TO_REVIEW,
        source=Appointment.Source.STAFF,
    )
    return True


def load_demo_patients() -> list[str]:
    """Create the demo patients if they are missing; returns what was made."""
    made = []
    service = Service.objects.filter(audience=Service.Audience.NEW).first()
    practitioner = Practitioner.objects.filter(active=True).first()
    if service is None or practitioner is None:
        return made
    with transaction.atomic():
        if not Patient.objects.filter(email=IN_CARE.email).exists():
            _patient_in_care(service, practitioner)
            made.append(f"{IN_CARE.first_name} {IN_CARE.last_name}, a month into care")
    if not Patient.objects.filter(email=TO_REVIEW.email).exists() and _patient_to_review(service):
        made.append(f"{TO_REVIEW.first_name} {TO_REVIEW.last_name}, waiting for screening review")
    return made
