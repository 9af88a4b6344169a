"""Demo content for the clinical record: the patient a month into care has an open episode with
a diagnosis, a signed initial evaluation and signed daily notes on their past visits, so a
newcomer sees a chart with history at once. Safe to run again: it does nothing the second time.

The findings are a fictional patient's, written for the demo; they make no claim about any
condition."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from physiofit.booking.models import Appointment, Patient, Service, new_reference
from physiofit.core.models import clinic_today, clinic_zone

from . import services
from .models import Episode, Intervention, Note

DEMO_PATIENT_EMAIL = "casey.demo@example.com"

NOTES = [
    # days ago, kind, subjective, objective, assessment, plan, interventions
    (
        28,
        Note.Kind.EVALUATION,
        "Low back and hip pain for about ten weeks, came on gradually. Worse when sitting "
        "through a workday and when standing up. Pain 7/10 today. Goals: ride the Sunday "
        "group ride and swing a kettlebell again.",
        "Trunk flexion limited to about half range by pain. Hip range full both sides. "
        "Neurological screen normal. Tender over the lower thoracic and upper lumbar spine.",
        "Mechanical low back pain limiting sitting, cycling and lifting. Screening flag (no "
        "improvement over four weeks) reviewed: no red flags found on examination.",
        "Twice a week for six weeks. Mobility and deep-core work; home program (four phases) "
        "given today.",
        [("97163", 0), ("97110", 15)],
    ),
    (
        14,
        Note.Kind.DAILY,
        "Sitting easier; still sore after long rides. Home program done most days.",
        "Trunk flexion about three quarters of range. Dead bug with good control, 3 x 8.",
        "Improving as planned: pain 5/10, activities scored higher.",
        "Progress to the stability phase; add the Pallof press.",
        [("97110", 25), ("97112", 10)],
    ),
    (
        1,
        Note.Kind.DAILY,
        "Rode an hour on Sunday with mild soreness that settled overnight.",
        "Trunk flexion full with mild end-range pull. Bird dog steady both sides.",
        "Pain 3/10; cycling and kettlebell goals close.",
        "Hip and pelvis phase next; one more visit before a progress review.",
        [("97110", 30), ("97530", 8)],
    ),
]


def _visit(patient: Patient, day, service: Service, practitioner) -> Appointment:
    start = datetime.combine(day, time(9), tzinfo=clinic_zone())
    found = Appointment.objects.filter(patient=patient, start__date=day).first()
    if found is not None:
        return found
    return Appointment.objects.create(
        practitioner=practitioner,
        service=service,
        patient=patient,
        start=start,
        end=start + service.duration,
        blocked_start=start - service.buffer_before,
        blocked_end=start + service.duration + service.buffer_after,
        status=Appointment.Status.COMPLETED,
        reference=new_reference(),
        source=Appointment.Source.STAFF,
    )


def load_demo_record() -> str | None:
    """None when there is no demo patient or therapist, or the record is already there."""
    patient = Patient.objects.filter(email=DEMO_PATIENT_EMAIL).order_by("pk").first()
    author = get_user_model().objects.filter(username="therapist").first()
    follow_up = Service.objects.filter(audience=Service.Audience.RETURNING).first()
    if patient is None or author is None or follow_up is None:
        return None
    if Episode.objects.filter(patient=patient).exists():
        return None
    first_visit = patient.appointments.order_by("start").first()
    if first_visit is None:
        return None
    today = clinic_today()
    with transaction.atomic():
        episode = services.episode_open(
            patient=patient,
            user=author,
            title="Low back and hip pain",
            opened_on=first_visit.start.astimezone(clinic_zone()).date(),
        )
        services.diagnosis_add(episode=episode, code="M54.50")
        rule = services.care_settings().billing_rule
        for days_ago, kind, subjective, objective, assessment, plan, rows in NOTES:
            day = today - timedelta(days=days_ago)
            appointment = (
                first_visit
                if kind == Note.Kind.EVALUATION
                else _visit(patient, day, follow_up, first_visit.practitioner)
            )
            signed_at = datetime.combine(day, time(17, 30), tzinfo=clinic_zone())
            note = Note.objects.create(
                episode=episode,
                appointment=appointment,
                kind=kind,
                visit_on=day,
                author=author,
                subjective=subjective,
                objective=objective,
                assessment=assessment,
                plan=plan,
                signed_at=min(signed_at, timezone.now()),
                signed_by=author,
                signer_name=services.signer_name(author),
                billing_rule=rule,
            )
            data = [services.InterventionData(code, minutes) for code, minutes in rows]
            units = services.visit_units_for(data, rule)
            for i, (code, minutes) in enumerate(rows):
                Intervention(
                    note=note, code=code, minutes=minutes, units=units[code], position=i
                ).save(signing=True)
    return f"{patient.first_name} {patient.last_name}: an episode with {len(NOTES)} signed notes"
