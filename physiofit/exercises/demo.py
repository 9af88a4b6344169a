"""Demo content for `load_demo`: the exercise library (every exercise the Maigne's syndrome post
names, with pictures), two program templates, and the demo patient a month into care with the
Maigne's program, a few weeks of logged sessions and a follow-up visit booked. Made once; safe to
run again."""

from datetime import datetime, time, timedelta
from pathlib import Path

from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.images import get_image_model

from physiofit.booking import selectors as booking_selectors
from physiofit.booking import services as booking_services
from physiofit.booking.models import Appointment, Patient, Service
from physiofit.core.models import clinic_today, clinic_zone

from . import services
from .demo_library import EXERCISES, TEMPLATES
from .models import Exercise, ExerciseImage, Program, ProgramTemplate, SessionLog

IMAGES = Path(__file__).parent / "demo_images"
DEMO_PATIENT_EMAIL = "casey.demo@example.com"
CAPTIONS = ("Start position", "Key position")


def _pictures(exercise: Exercise) -> None:
    image_model = get_image_model()
    for order, caption in enumerate(CAPTIONS, start=1):
        path = IMAGES / f"{exercise.slug}-{order}.png"
        if not path.exists():
            continue
        with path.open("rb") as file:
            image = image_model(title=f"{exercise.name}: {caption.lower()}")
            image.file = ImageFile(file, name=path.name)
            image.save()
        ExerciseImage.objects.create(
            exercise=exercise, image=image, caption=caption, sort_order=order
        )


def load_demo_library() -> list[str]:
    """Create the demo exercises and templates that are missing; returns what was made."""
    made = []
    by_slug = {e.slug: e for e in Exercise.objects.filter(slug__in=[d["slug"] for d in EXERCISES])}
    for data in EXERCISES:
        if data["slug"] in by_slug:
            continue
        fields = {k: v for k, v in data.items() if k != "easier"}
        exercise = Exercise(**fields)
        exercise.full_clean(exclude=["easier", "latest_revision"])
        exercise.save()
        _pictures(exercise)
        by_slug[exercise.slug] = exercise
        made.append(exercise.name)
    for data in EXERCISES:
        exercise = by_slug[data["slug"]]
        if data["easier"] and not exercise.easier.exists():
            exercise.easier.set([by_slug[s] for s in data["easier"]])
            exercise.save()
        if exercise.latest_revision_id is None:
            # The first revision: the record can show these instructions as they stood. Dated
            # before the demo program it is prescribed in, which is back-dated a month.
            revision = exercise.save_revision()
            type(revision).objects.filter(pk=revision.pk).update(
                created_at=timezone.now() - timedelta(days=90)
            )
    for data in TEMPLATES:
        if ProgramTemplate.objects.filter(name=data["name"]).exists():
            continue
        phases = []
        for phase in data["phases"]:
            entries = []
            for entry in phase["exercises"]:
                entries.append(
                    {
                        **entry,
                        "exercise": by_slug[entry["exercise"]].pk,
                        "note": entry["note"] or "",
                    }
                )
            phases.append({"type": "phase", "value": {**phase, "exercises": entries}})
        ProgramTemplate.objects.create(
            name=data["name"], description=data["description"], phases=phases
        )
        made.append(f"template {data['name']}")
    return made


def exercise_ids(slugs: list[str]) -> list[int]:
    """Library ids for `slug:` references in demo page content."""
    found = dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    return [found[s] for s in slugs if s in found]


def _backdate(instance, when: datetime, field: str = "created_at") -> None:
    type(instance).objects.filter(pk=instance.pk).update(**{field: when})


def _follow_up(patient: Patient) -> None:
    """Book the patient's next visit, two or more days ahead, so the therapist's view of the
    coming appointment shows the program's adherence."""
    service = Service.objects.filter(audience=Service.Audience.RETURNING).first()
    if service is None:
        return
    context = booking_selectors.booking_context()
    first = clinic_today() + timedelta(days=2)
    slots = booking_selectors.slot_search(
        service=service,
        practitioner=None,
        first_day=first,
        last_day=first + timedelta(days=14),
        now=timezone.now(),
        context=context,
    )
    if slots:
        booking_services.appointment_book(
            service=service,
            practitioner=None,
            start=slots[0].start,
            patient=patient,
            source=Appointment.Source.STAFF,
        )


def load_demo_program() -> str | None:
    """Give the demo patient a month into care the Maigne's program, started 25 days ago, with
    logged sessions (most days, pain settling) and a next visit. None when already done."""
    patient = Patient.objects.filter(email=DEMO_PATIENT_EMAIL).order_by("pk").first()
    template = ProgramTemplate.objects.filter(name__startswith="Maigne").first()
    if patient is None or template is None or Program.objects.filter(patient=patient).exists():
        return None
    zone = clinic_zone()
    today = clinic_today()
    start = today - timedelta(days=25)
    with transaction.atomic():
        program = services.program_assign(
            patient=patient, user=None, starts_on=start, template=template
        )
        first_version = program.current
        written = datetime.combine(start - timedelta(days=1), time(16), tzinfo=zone)
        _backdate(program, written)
        _backdate(first_version, written)
        # Day 12: the therapist eased the bird dog for the coming deep-core phase.
        phases, items = services.plan_from_template(template, start)
        items = [
            services.PrescriptionData(
                i.exercise,
                i.phase,
                {**i.dosage, "reps": 6} if i.exercise.slug == "bird-dog" else i.dosage,
                "Slow reaches; stop short of any pinch in the back."
                if i.exercise.slug == "bird-dog"
                else i.note,
            )
            for i in items
        ]
        second = services.program_revise(
            program=program,
            user=None,
            phases=phases,
            prescriptions=items,
            change_note="Bird dog: 6 slow reaches a side to start",
        )
        _backdate(second, datetime.combine(start + timedelta(days=12), time(17), tzinfo=zone))
        from .selectors import periods

        # Most prescribed days logged, a few missed; pain low and easing.
        for period in periods(program):
            day = period.first
            n = 0
            while day <= min(period.last, today - timedelta(days=1)):
                n += 1
                if (day - start).days % 5 != 3:
                    pain = 3 if (day - start).days < 5 else (2 if (day - start).days < 16 else 1)
                    log = SessionLog.objects.create(
                        program=program,
                        exercise_id=period.exercise_id,
                        performed_on=day,
                        sets_done=2,
                        pain_during=pain,
                        effort=4 + (n % 3),
                    )
                    _backdate(log, datetime.combine(day, time(19), tzinfo=zone), "logged_at")
                day += timedelta(days=1)
        # The demo's emails about the program went out back then: not sent again now.
        program.emails.update(email_status="sent", sent_at=written)
    if not Appointment.objects.filter(patient=patient, start__gte=timezone.now()).exists():
        _follow_up(patient)
    return f"{patient.first_name} {patient.last_name}: Maigne's program with {program.logs.count()} logged sessions"
