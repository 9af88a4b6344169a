"""Reads for home-exercise programs: the version in force on a day, today's exercises,
adherence over the versions, and the therapist's lists."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, IntegerField, Max, Prefetch, Value, When
from django.utils import timezone

from physiofit.core.models import clinic_zone

from . import monitoring
from .models import (
    Exercise,
    ExerciseImage,
    PainFlag,
    Prescription,
    Program,
    ProgramVersion,
    SessionLog,
)


def _with_plan(versions):
    return versions.prefetch_related(
        "phases",
        Prefetch(
            "prescriptions",
            queryset=Prescription.objects.select_related("exercise", "phase")
            .prefetch_related(
                Prefetch(
                    "exercise__images", queryset=ExerciseImage.objects.select_related("image")
                ),
                "exercise__easier",
            )
            .order_by("position"),
        ),
    )


def current_version(program: Program) -> ProgramVersion | None:
    return _with_plan(program.versions.order_by("-number")).first()


def version_numbered(program: Program, number: int) -> ProgramVersion | None:
    return _with_plan(program.versions.filter(number=number)).first()


def _day(instant: datetime) -> date:
    return timezone.localtime(instant, clinic_zone()).date()


def version_on(program: Program, day: date) -> ProgramVersion | None:
    """The version the patient had at the end of `day` (clinic time), or None before the first."""
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clinic_zone())
    return _with_plan(
        program.versions.filter(created_at__lt=end_of_day).order_by("-number")
    ).first()


def exercise_as_of(exercise: Exercise, when: datetime) -> Exercise:
    """The exercise's instructions as they stood at `when`: its last revision by then, else its
    first revision (the oldest text known: an exercise created before revisions were kept),
    else as it is now."""
    revisions = exercise.revisions.all()
    revision = (
        revisions.filter(created_at__lte=when).order_by("-created_at", "-pk").first()
        or revisions.order_by("created_at", "pk").first()
    )
    return revision.as_object() if revision is not None else exercise


def periods(program: Program) -> list[monitoring.Period]:
    """What was prescribed when: each version applies from the day it was written until the
    day before the next one (a version replaced the same day never applied)."""
    versions = list(program.versions.order_by("number").prefetch_related("prescriptions"))
    result = []
    for index, version in enumerate(versions):
        first = _day(version.created_at)
        last = (
            _day(versions[index + 1].created_at) - timedelta(days=1)
            if index + 1 < len(versions)
            else date.max
        )
        for p in version.prescriptions.all():
            start, end = max(first, p.starts_on), min(last, p.ends_on)
            if start <= end:
                result.append(
                    monitoring.Period(p.exercise_id, start, end, p.times_per_day, p.days_per_week)
                )
    return result


def first_day(program: Program) -> date:
    first = program.versions.order_by("number").first()
    starts = [_day(first.created_at)] if first else [_day(program.created_at)]
    if first is not None:
        earliest = first.phases.order_by("starts_on").values_list("starts_on", flat=True).first()
        if earliest:
            starts.append(earliest)
    return max(starts)


def program_adherence(program: Program, today: date) -> monitoring.Adherence:
    logs = list(program.logs.values_list("exercise_id", "performed_on"))
    end = min(today, _day(program.ended_at)) if program.ended_at else today
    return monitoring.adherence(
        periods=periods(program), logs=logs, first_day=first_day(program), today=end
    )


@dataclass
class TodayItem:
    prescription: Prescription
    done_today: int
    done_this_week: int
    flag: PainFlag | None
    ask_settled: bool  # the last session hurt: ask whether it settled by the next morning

    @property
    def complete(self) -> bool:
        return self.done_today >= self.prescription.times_per_day


def week_start(program: Program, today: date) -> date:
    start = first_day(program)
    return start + timedelta(weeks=max(0, (today - start).days // 7))


def today_plan(program: Program, version: ProgramVersion, today: date) -> list[TodayItem]:
    """The current version's exercises for today, with what is logged today and this week."""
    active = [p for p in version.prescriptions.all() if p.active_on(today)]
    ids = [p.exercise_id for p in active]
    since = week_start(program, today)
    logs = list(
        program.logs.filter(
            exercise__in=ids, performed_on__gte=since, performed_on__lte=today
        ).values_list("exercise_id", "performed_on")
    )
    last_pain = dict(
        program.logs.filter(exercise__in=ids)
        .order_by("exercise_id", "performed_on", "logged_at")
        .values_list("exercise_id", "pain_during")
    )
    flags = {f.exercise_id: f for f in program.flags.filter(resolved_at__isnull=True)}
    return [
        TodayItem(
            prescription=p,
            done_today=sum(1 for e, d in logs if e == p.exercise_id and d == today),
            done_this_week=sum(1 for e, _ in logs if e == p.exercise_id),
            flag=flags.get(p.exercise_id),
            ask_settled=last_pain.get(p.exercise_id, 0) > 0,
        )
        for p in active
    ]


def next_phase(version: ProgramVersion, today: date):
    return next((ph for ph in version.phases.all() if ph.starts_on > today), None)


def most_at_once(version: ProgramVersion) -> int:
    """The most exercises prescribed on any one day: what the patient faces at once."""
    rows = list(version.prescriptions.all())
    days = {p.starts_on for p in rows}
    return max((sum(1 for p in rows if p.active_on(d)) for d in days), default=0)


def active_programs():
    return Program.objects.filter(status=Program.Status.ACTIVE).select_related("patient")


def needing_attention(*, today: date, inactive_days: int) -> dict:
    """Active programs with an open pain flag, and those whose patient logged nothing for
    `inactive_days` days (counted from the program's first day when nothing was ever logged)."""
    flagged = list(
        PainFlag.objects.filter(resolved_at__isnull=True, program__status=Program.Status.ACTIVE)
        .select_related("program__patient", "exercise", "log")
        .order_by("-raised_at")
    )
    quiet = []
    for program in (
        active_programs()
        .annotate(last_log=Max("logs__performed_on"))
        .order_by("patient__last_name")
    ):
        since = program.last_log or first_day(program) - timedelta(days=1)
        if (today - since).days >= inactive_days and first_day(program) <= today:
            program.days_quiet = (today - since).days
            quiet.append(program)
    return {"flagged": flagged, "quiet": quiet}


def recent_logs(program: Program, limit: int = 30):
    return program.logs.select_related("exercise").order_by("-performed_on", "-logged_at")[:limit]


def patient_program(patient) -> Program | None:
    """The patient's active program, else their latest."""
    return (
        Program.objects.filter(patient=patient)
        .order_by(
            Case(
                When(status=Program.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-created_at",
        )
        .first()
    )


def logs_on(program: Program, day: date) -> list[SessionLog]:
    return list(program.logs.filter(performed_on=day).select_related("exercise"))
