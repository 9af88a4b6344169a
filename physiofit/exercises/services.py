"""Writes for home-exercise programs: assign, revise (a new version each time), end, log a
session (with the pain check), resolve a flag, and the patient's reminder choice."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Site

from physiofit.booking.models import Patient
from physiofit.core.tasks import enqueue_with_transaction

from . import monitoring
from .models import (
    Exercise,
    ExerciseSettings,
    PainFlag,
    Prescription,
    Program,
    ProgramEmail,
    ProgramPhase,
    ProgramTemplate,
    ProgramVersion,
    SessionLog,
)

ERRORS = {
    "already_active": "This patient already has an active program: change that one, or end it "
    "before starting another.",
    "ended": "This program has ended; start a new one instead.",
    "no_phase": "A program needs at least one phase with dates.",
    "no_exercise": "Add at least one exercise.",
    "no_change": "Nothing changed, so no new version was written.",
    "phase_dates": "A phase ends before it starts: check its dates.",
    "exercise_dates": "An exercise's dates fall outside the program's phases.",
    "unknown_phase": "An exercise is in a phase that does not exist.",
    "inactive_exercise": "{name} is no longer offered in the library.",
    "not_today": "Sessions can be logged for today or the last 7 days, not the future.",
    "not_prescribed": "That exercise is not part of your program on that day.",
    "too_many": "That is more sessions of this exercise than planned for the day.",
    "paused": (
        "This exercise is paused until your therapist has looked at the pain you logged. "
        "Please contact the clinic."
    ),
    "invalid": "{message}",
}
# A patient may log a session they forgot, up to a week late.
LOG_BACKDATE_DAYS = 7


class ProgramError(Exception):
    def __init__(self, code: str, **params):
        self.code = code
        self.message = ERRORS[code].format(**params)
        super().__init__(self.message)


def exercise_settings() -> ExerciseSettings:
    return ExerciseSettings.for_site(Site.objects.get(is_default_site=True))


@dataclass(frozen=True)
class PhaseData:
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class PrescriptionData:
    exercise: Exercise
    phase: int  # index into the phases
    dosage: dict = field(default_factory=dict)  # Dosage fields; missing ones: the exercise's
    note: str = ""
    starts_on: date | None = None  # None: the phase's dates
    ends_on: date | None = None


def plan_from_template(
    template: ProgramTemplate, starts_on: date
) -> tuple[list[PhaseData], list[PrescriptionData]]:
    """A template's phases as dated phases from `starts_on`, its exercises with their dosage."""
    phases, items = [], []
    for index, block in enumerate(template.phases):
        value = block.value
        first = starts_on + timedelta(weeks=value["first_week"] - 1)
        phases.append(
            PhaseData(value["name"], first, first + timedelta(weeks=value["weeks"], days=-1))
        )
        for entry in value["exercises"]:
            exercise = entry["exercise"]
            if exercise is None:  # deleted from the library since
                continue
            dosage = {k: entry[k] for k in ("sets", "reps", "hold_seconds") if entry.get(k)}
            items.append(PrescriptionData(exercise, index, dosage, entry.get("note") or ""))
    return phases, items


def _snapshot(version: ProgramVersion) -> tuple:
    """What a version prescribes, comparable across versions."""
    phases = list(version.phases.order_by("position").values_list("name", "starts_on", "ends_on"))
    rows = [
        (
            p.phase.position,
            p.exercise_id,
            p.note,
            p.starts_on,
            p.ends_on,
            *p.dosage_values().values(),
        )
        for p in version.prescriptions.select_related("phase").order_by("position")
    ]
    return phases, rows


def _write_version(*, program, user, phases, prescriptions, change_note) -> ProgramVersion:
    if not phases:
        raise ProgramError("no_phase")
    if not prescriptions:
        raise ProgramError("no_exercise")
    previous = program.current
    version = ProgramVersion.objects.create(
        program=program,
        number=(previous.number + 1) if previous else 1,
        created_by=user if getattr(user, "pk", None) else None,
        change_note=change_note,
    )
    phase_rows = []
    for position, data in enumerate(phases):
        if data.ends_on < data.starts_on:
            raise ProgramError("phase_dates")
        phase_rows.append(
            ProgramPhase.objects.create(
                version=version,
                position=position,
                name=data.name.strip() or f"Phase {position + 1}",
                starts_on=data.starts_on,
                ends_on=data.ends_on,
            )
        )
    for position, data in enumerate(prescriptions):
        if not 0 <= data.phase < len(phase_rows):
            raise ProgramError("unknown_phase")
        exercise = data.exercise
        if not exercise.active and (
            previous is None or not previous.prescriptions.filter(exercise=exercise).exists()
        ):
            raise ProgramError("inactive_exercise", name=exercise.name)
        phase = phase_rows[data.phase]
        row = Prescription(
            version=version,
            phase=phase,
            position=position,
            exercise=exercise,
            note=data.note.strip(),
            starts_on=data.starts_on or phase.starts_on,
            ends_on=data.ends_on or phase.ends_on,
            **{**exercise.dosage_values(), **data.dosage},
        )
        if row.starts_on < phase.starts_on or row.ends_on > phase.ends_on:
            raise ProgramError("exercise_dates")
        try:
            row.full_clean(exclude=["version", "phase"])
        except ValidationError as error:
            raise ProgramError(
                "invalid", message=f"{exercise.name}: " + " ".join(error.messages)
            ) from error
        row.save()
    if previous is not None and _snapshot(previous) == _snapshot(version):
        raise ProgramError("no_change")
    return version


def _email(program: Program, kind: str) -> None:
    from .tasks import send_program_email

    row = ProgramEmail.objects.create(program=program, kind=kind)
    enqueue_with_transaction(send_program_email, row.pk)


def program_assign(
    *,
    patient: Patient,
    user,
    starts_on: date,
    template: ProgramTemplate | None = None,
    title: str = "",
    phases: list[PhaseData] | None = None,
    prescriptions: list[PrescriptionData] | None = None,
    notify: bool = True,
) -> Program:
    """Start a patient's program (version 1) from a template or from the given plan, and email
    the patient. A patient has one active program at a time (ProgramError "already_active")."""
    if template is not None:
        phases, prescriptions = plan_from_template(template, starts_on)
    try:
        with transaction.atomic():
            program = Program.objects.create(
                patient=patient,
                title=(title.strip() or (template.name if template else "Home exercises"))[:120],
                template=template,
                created_by=user if getattr(user, "pk", None) else None,
            )
            _write_version(
                program=program,
                user=user,
                phases=phases or [],
                prescriptions=prescriptions or [],
                change_note="First version" + (f", from {template.name}" if template else ""),
            )
            if notify:
                _email(program, ProgramEmail.Kind.ASSIGNED)
    except IntegrityError as error:
        if Program.objects.filter(patient=patient, status=Program.Status.ACTIVE).exists():
            raise ProgramError("already_active") from error
        raise
    return program


def program_revise(
    *,
    program: Program,
    user,
    phases: list[PhaseData],
    prescriptions: list[PrescriptionData],
    change_note: str = "",
    notify: bool = True,
) -> ProgramVersion:
    """Write the next version of the program (the earlier ones stay as they were) and email
    the patient that it changed. Nothing changed: ProgramError "no_change", nothing written."""
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        if program.status != Program.Status.ACTIVE:
            raise ProgramError("ended")
        version = _write_version(
            program=program,
            user=user,
            phases=phases,
            prescriptions=prescriptions,
            change_note=change_note.strip()[:200],
        )
        if notify:
            _email(program, ProgramEmail.Kind.CHANGED)
    return version


def program_end(*, program: Program, now: datetime | None = None) -> bool:
    """End the program (discharge, or before starting another). Its history stays. False when
    it had already ended (a second click, another tab)."""
    return bool(
        Program.objects.filter(pk=program.pk, status=Program.Status.ACTIVE).update(
            status=Program.Status.ENDED, ended_at=now or timezone.now()
        )
    )


def session_log(
    *,
    program: Program,
    prescription: Prescription,
    performed_on: date,
    today: date,
    pain_during: int,
    sets_done: int | None = None,
    effort: int | None = None,
    comment: str = "",
    settled_by_morning: bool | None = None,
) -> tuple[SessionLog, PainFlag | None]:
    """Record one session of one exercise as the patient reports it, and run the pain check:
    a flag stops the exercise until the therapist looks at it."""
    if not (today - timedelta(days=LOG_BACKDATE_DAYS) <= performed_on <= today):
        raise ProgramError("not_today")
    if program.status != Program.Status.ACTIVE or prescription.version.program_id != program.pk:
        raise ProgramError("not_prescribed")
    if not prescription.active_on(performed_on):
        raise ProgramError("not_prescribed")
    settings = exercise_settings()
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        if PainFlag.objects.filter(
            program=program, exercise=prescription.exercise_id, resolved_at__isnull=True
        ).exists():
            raise ProgramError("paused")
        earlier = list(
            SessionLog.objects.filter(program=program, exercise=prescription.exercise_id)
            .order_by("performed_on", "logged_at")
            .values_list("pain_during", flat=True)
        )
        same_day = SessionLog.objects.filter(
            program=program, exercise=prescription.exercise_id, performed_on=performed_on
        ).count()
        if same_day >= prescription.times_per_day:
            raise ProgramError("too_many")
        log = SessionLog(
            program=program,
            exercise=prescription.exercise,
            prescription=prescription,
            performed_on=performed_on,
            pain_during=pain_during,
            sets_done=sets_done,
            effort=effort,
            comment=comment.strip()[:500],
            settled_by_morning=settled_by_morning if earlier and earlier[-1] > 0 else None,
        )
        try:
            log.full_clean(exclude=["program", "exercise", "prescription"])
        except ValidationError as error:
            raise ProgramError("invalid", message=" ".join(error.messages)) from error
        log.save()
        verdict = monitoring.pain_check(
            earlier=earlier,
            pain=pain_during,
            settled_by_morning=log.settled_by_morning,
            safe_max=settings.pain_safe_max,
            acceptable_max=settings.pain_acceptable_max,
        )
        flag = None
        if (
            verdict is not None
            and not PainFlag.objects.filter(
                program=program, exercise=prescription.exercise, resolved_at__isnull=True
            ).exists()
        ):
            flag = PainFlag.objects.create(
                program=program,
                exercise=prescription.exercise,
                log=log,
                reason=verdict.reason,
                detail=verdict.detail,
            )
    return log, flag


def flag_resolve(
    *, flag: PainFlag, user, resolution: str = "", now: datetime | None = None
) -> bool:
    """The therapist has dealt with the flag (called the patient, changed the dosage): the
    patient may do the exercise again. False when it was already resolved."""
    return bool(
        PainFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
            resolved_at=now or timezone.now(),
            resolved_by=user,
            resolution=resolution.strip()[:300],
        )
    )


def reminder_set(*, program: Program, hour: int | None) -> None:
    """The patient's reminder hour (clinic time), or None for no reminders."""
    if hour is not None and not 0 <= hour <= 23:
        raise ProgramError("invalid", message="Choose an hour of the day.")
    Program.objects.filter(pk=program.pk).update(reminder_hour=hour)
