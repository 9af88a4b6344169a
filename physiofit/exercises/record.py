"""The exercise programs' part of a patient's record export (intake.record_export): every
version as prescribed, the sessions the patient logged and the pain flags, in the record's
JSON and PDF. Keys are documented in docs/patient-data.md, "Record export"."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from physiofit.booking.models import Patient

from .models import Program


def _when(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _version(version, zone: ZoneInfo) -> dict:
    phases = list(version.phases.all())
    return {
        "number": version.number,
        "written_at": _when(version.created_at, zone),
        "change_note": version.change_note,
        "phases": [
            {
                "name": phase.name,
                "starts_on": _day(phase.starts_on),
                "ends_on": _day(phase.ends_on),
                "exercises": [
                    {
                        "exercise": p.exercise.name,
                        "dosage": p.dosage_text,
                        "note": p.note,
                    }
                    for p in version.prescriptions.all()
                    if p.phase_id == phase.pk
                ],
            }
            for phase in phases
        ],
    }


def exercise_programs(patient: Patient, zone: ZoneInfo) -> list[dict]:
    programs = Program.objects.filter(patient=patient).prefetch_related(
        "versions__phases", "versions__prescriptions__exercise", "logs__exercise", "flags__exercise"
    )
    return [
        {
            "title": program.title,
            "status": program.status,
            "started_at": _when(program.created_at, zone),
            "ended_at": _when(program.ended_at, zone),
            "versions": [
                _version(v, zone) for v in sorted(program.versions.all(), key=lambda v: v.number)
            ],
            "sessions": [
                {
                    "day": _day(log.performed_on),
                    "exercise": log.exercise.name,
                    "sets_done": log.sets_done,
                    "pain_during": log.pain_during,
                    "effort": log.effort,
                    "settled_by_morning": log.settled_by_morning,
                    "comment": log.comment,
                }
                for log in sorted(program.logs.all(), key=lambda log: (log.performed_on, log.pk))
            ],
            "pain_flags": [
                {
                    "exercise": flag.exercise.name,
                    "detail": flag.detail,
                    "raised_at": _when(flag.raised_at, zone),
                    "resolved_at": _when(flag.resolved_at, zone),
                    "resolution": flag.resolution,
                }
                for flag in sorted(program.flags.all(), key=lambda f: f.raised_at)
            ],
        }
        for program in programs
    ]
