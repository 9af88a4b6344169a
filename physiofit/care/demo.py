"""Demo content for the clinical record: the patient a month into care has an open episode with
a diagnosis, a plan of care with two goals, a signed initial evaluation and signed daily notes
on their past visits, so a newcomer sees a chart with history at once. Safe to run again: it does nothing the second time.

The findings are a fictional patient's, written for the demo; they make no claim about any
condition."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from physiofit.booking.models import Appointment, Patient, Service, new_reference
from physiofit.core.models import clinic_today, clinic_zone

from . import services
from .models import Episode, Fee, Intervention, Note

DEMO_PATIENT_EMAIL = "casey.demo@example.com"

NOTES = [
    # days ago, kind, subjective, objective, assessment, plan, interventions, findings
    (
        28,
        Note.Kind.EVALUATION,
        "Low back and hip pain for about ten weeks, came on gradually. Worse when sitting "
        "through a workday and when standing up. Pain 7/10 today. Goals: ride the Sunday "
        "group ride and swing a kettlebell again.",
        "Tender over the lower thoracic and upper lumbar spine.",
        "Mechanical low back pain limiting sitting, cycling and lifting. Screening flag (no "
        "improvement over four weeks) reviewed: no red flags found on examination.",
        "Twice a week for six weeks. Mobility and deep-core work; home program (four phases) "
        "given today.",
        [("97163", 0), ("97110", 15)],
        {
            "rom_flexion": 30,
            "rom_extension": 15,
            "str_hip_abduction_l": 4,
            "str_hip_abduction_r": 4,
            "slr_angle_l": 70,
            "slr_angle_r": 75,
            "slr_result_l": "negative",
            "slr_result_r": "negative",
            "neuro_sensation": "intact",
            "neuro_reflexes": "intact",
            "neuro_myotomes": "intact",
        },
    ),
    (
        21,
        Note.Kind.DAILY,
        "Home program started; stiff in the mornings, easing by midday.",
        "Cat-cow and knee rocking done with good form.",
        "Tolerating the mobility phase; no flare-up.",
        "Add dead bug next visit.",
        [("97110", 30), ("97140", 10)],
        {"rom_flexion": 40, "rom_extension": 15},
    ),
    (
        14,
        Note.Kind.DAILY,
        "Sitting easier; still sore after long rides. Home program done most days.",
        "Dead bug with good control, 3 x 8.",
        "Improving as planned: pain 5/10, activities scored higher.",
        "Progress to the stability phase; add the Pallof press.",
        [("97110", 25), ("97112", 10)],
        {"rom_flexion": 45, "rom_extension": 20},
    ),
    (
        7,
        Note.Kind.DAILY,
        "Worked two full days at the desk with short breaks.",
        "Pallof press steady both sides, 3 x 10.",
        "Core control improving; sitting tolerance up.",
        "Keep the stability phase; start hip work next week.",
        [("97110", 25), ("97530", 15)],
        {"rom_flexion": 50, "rom_extension": 20},
    ),
    (
        1,
        Note.Kind.DAILY,
        "Rode an hour on Sunday with mild soreness that settled overnight.",
        "Bird dog steady both sides.",
        "Pain 3/10; cycling and kettlebell goals close.",
        "Hip and pelvis phase next; a progress review within the next visits.",
        [("97110", 30), ("97530", 8)],
        {"rom_flexion": 55, "rom_extension": 25, "slr_angle_l": 80, "slr_angle_r": 80},
    ),
]
# The clinic's demo fee schedule (per unit, USD): made up for the demo; change it in
# Fee schedule before printing a real superbill.
DEMO_FEES = {
    "97110": "45.00",
    "97112": "45.00",
    "97140": "42.00",
    "97530": "48.00",
    "97161": "150.00",
    "97162": "175.00",
    "97163": "200.00",
    "97164": "110.00",
}


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
        services.plan_save(
            episode=episode,
            user=author,
            data=services.PlanData(
                visits_per_week=2,
                weeks=6,
                starts_on=episode.opened_on,
                certified_through=episode.opened_on + timedelta(days=89),
                planned_codes=["97110", "97112", "97140", "97530"],
                interventions="Mobility, then trunk stability, then hip and pelvis strength; "
                "a home program in four phases.",
            ),
        )
        for term, text, measure, target, weeks in (
            ("short", "Sit through a workday with pain no higher than 3", "nprs", 3, 4),
            ("long", "Ride an hour and swing a kettlebell again", "psfs", 8, 6),
        ):
            services.goal_add(
                episode=episode,
                term=term,
                text=text,
                measure=measure,
                target=Decimal(target),
                due_on=episode.opened_on + timedelta(weeks=weeks),
            )
        for code, amount in DEMO_FEES.items():
            Fee.objects.get_or_create(code=code, defaults={"amount": Decimal(amount)})
        rule = services.care_settings().billing_rule
        for days_ago, kind, subjective, objective, assessment, plan, rows, found in NOTES:
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
                findings=found,
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
