"""Reads for intake: a patient's outcome series with change from baseline, the portal
overview, and what the therapist sees on an appointment."""

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.utils import timezone

from physiofit.booking.models import Appointment, Patient

from . import instruments, scoring
from .models import PortalEmailChange, Questionnaire, Screening
from .portal import portal_links_held

# The intake questionnaire carries a pain rating and a PSFS; they count as those measures.
FROM_INTAKE = {
    "nprs": ("pain_now", "{value:.0f} of 10"),
    "psfs": ("psfs_mean", "{value:.1f} of 10"),
}


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    display: str
    band: str
    label: str
    change: scoring.Change | None = None


@dataclass
class Series:
    instrument: instruments.Instrument
    points: list[Point] = field(default_factory=list)

    @property
    def baseline(self) -> Point:
        return self.points[0]

    @property
    def latest(self) -> Point:
        return self.points[-1]

    @property
    def mcid(self) -> tuple | None:
        return scoring.MCID.get(self.instrument.code)


def _points(questionnaires) -> dict[str, list[Point]]:
    found: dict[str, list[Point]] = {}
    for q in questionnaires:
        if q.instrument == "intake":
            for code, (key, display) in FROM_INTAKE.items():
                if key in q.score:
                    value = float(q.score[key])
                    found.setdefault(code, []).append(
                        Point(q.submitted_at, value, display.format(value=value), "", "Intake")
                    )
            continue
        if "value" not in q.score:
            continue  # nothing scored (an import or a change of instrument): nothing to chart
        found.setdefault(q.instrument, []).append(
            Point(
                q.submitted_at,
                float(q.score["value"]),
                q.score.get("display", ""),
                q.score.get("band", ""),
                q.label,
            )
        )
    return found


def outcome_series(*, patient: Patient) -> list[Series]:
    """Each measure the patient has answered, oldest first, with change from the first
    (baseline) answer and whether it reaches the minimal clinically important difference."""
    submitted = Questionnaire.objects.filter(
        patient=patient, status=Questionnaire.Status.SUBMITTED
    ).order_by("submitted_at", "pk")
    definitions = instruments.definitions()
    series = []
    for code, points in _points(submitted).items():
        if code not in definitions:
            continue
        if code in scoring.MCID:
            baseline = points[0].value
            points = [points[0]] + [
                replace(p, change=scoring.change(code, baseline, p.value)) for p in points[1:]
            ]
        series.append(Series(instrument=definitions[code], points=points))
    series.sort(key=lambda s: s.instrument.name)
    return series


def patient_chart(*, patient: Patient) -> dict:
    """The chart's clinical intake part: screenings (latest first), the latest pre-visit
    questionnaire, and each measure's series."""
    return {
        "screenings": list(
            Screening.objects.filter(appointment__patient=patient)
            .select_related("appointment")
            .order_by("-created_at")[:10]
        ),
        "intake": Questionnaire.objects.filter(patient=patient, instrument="intake")
        .order_by("-created_at")
        .first(),
        "series": outcome_series(patient=patient),
    }


def portal_overview(*, patient: Patient) -> dict:
    questionnaires = list(
        Questionnaire.objects.filter(patient=patient)
        .exclude(status=Questionnaire.Status.WITHDRAWN)
        .exclude(instrument="intake")
        .order_by("-created_at")
    )
    names = {code: i.name for code, i in instruments.definitions().items()}
    for q in questionnaires:
        q.instrument_name = names.get(q.instrument, q.instrument)
    upcoming = (
        Appointment.objects.filter(
            patient=patient, status=Appointment.Status.BOOKED, start__gte=timezone.now()
        )
        .select_related("service", "practitioner")
        .order_by("start")
    )
    past = (
        Appointment.objects.filter(patient=patient, start__lt=timezone.now())
        .select_related("service", "practitioner")
        .order_by("-start")[:20]
    )
    return {
        "past": past,
        "open": [q for q in questionnaires if q.is_open],
        "done": [q for q in questionnaires if not q.is_open],
        "upcoming": upcoming,
        "series": outcome_series(patient=patient),
    }


def appointment_clinical(*, appointment: Appointment) -> dict:
    """Screening and intake for the therapist, before the visit."""
    screening = Screening.objects.filter(appointment=appointment).first()
    intake = Questionnaire.objects.filter(appointment=appointment, instrument="intake").first()
    return {
        "screening": screening,
        "intake": intake,
        "intake_rows": intake_rows(intake) if intake else [],
    }


def intake_rows(questionnaire: Questionnaire, available: dict | None = None) -> list[tuple]:
    """The answers as (question, answer) rows in the order they were asked, worded with the
    clinic's imported wording where the instrument is licensed."""
    instrument = (available or {}).get(questionnaire.instrument) or instruments.get(
        questionnaire.instrument
    )
    rows = []
    for item in instrument.items:
        value = questionnaire.answers.get(item.key)
        if value in (None, "", []):
            continue
        labels = {str(o.value): o.label or str(o.value) for o in item.options}
        if item.kind == "multi":
            shown = "; ".join(labels.get(str(v), str(v)) for v in value)
        elif item.kind == "choice":
            shown = labels.get(str(value), str(value))
        elif item.kind == "activities":
            shown = "; ".join(f"{row['activity']}: {row['rating']}/10" for row in value)
        elif item.kind == "scale":
            shown = f"{value} of {item.max}"
        elif item.kind in ("agree", "tick"):
            shown = {"agree": ("Agree", "Disagree"), "tick": ("Yes", "No")}[item.kind][not value]
        else:
            shown = str(value)
        rows.append((item.text or item.key, shown))
    return rows


def intake_state(*, appointment: Appointment) -> str | None:
    """For the manage page and booking emails: None when no intake is asked for this visit
    (or the record's address awaits approval), else its status."""
    if appointment.service.audience != "new" or appointment.status != Appointment.Status.BOOKED:
        return None
    if portal_links_held(patient=appointment.patient):
        return None
    status = (
        Questionnaire.objects.filter(appointment=appointment, instrument="intake")
        .values_list("status", flat=True)
        .first()
    )
    return status or Questionnaire.Status.SENT


def intake_done(appointment_ids: list[int]) -> dict[int, bool]:
    """For each booked new-patient visit among these: whether its intake was submitted."""
    visits = Appointment.objects.filter(
        pk__in=appointment_ids, service__audience="new", status=Appointment.Status.BOOKED
    ).values_list("pk", flat=True)
    submitted = set(
        Questionnaire.objects.filter(
            appointment_id__in=appointment_ids,
            instrument="intake",
            status=Questionnaire.Status.SUBMITTED,
        ).values_list("appointment_id", flat=True)
    )
    return {pk: pk in submitted for pk in visits}


def screening_alerts(*, since: datetime) -> dict:
    pending = list(
        Screening.objects.filter(review=Screening.Review.PENDING, appointment__isnull=False)
        .select_related("appointment__service", "appointment__practitioner", "service")
        .order_by("appointment__start")
    )
    emergencies = list(
        Screening.objects.filter(tier="emergency", created_at__gte=since).select_related("service")
    )
    return {"pending": pending, "emergencies": emergencies}


def pending_review_ids(appointment_ids: list[int]) -> set[int]:
    """Which of these appointments wait for a clinician's review of their screening."""
    return set(
        Screening.objects.filter(
            appointment_id__in=appointment_ids, review=Screening.Review.PENDING
        ).values_list("appointment_id", flat=True)
    )


def screening_pending(*, appointment: Appointment) -> bool:
    """For the manage page: the visit waits for a clinician's review of its screening. Not
    said while the record's address awaits approval: the page may be open to whoever typed it."""
    return Screening.objects.filter(
        appointment=appointment, review=Screening.Review.PENDING
    ).exists() and not portal_links_held(patient=appointment.patient)


def email_changes_pending(*, patient: Patient | None = None) -> list[PortalEmailChange]:
    """Email changes by non-clinical staff that wait for a clinician's approval, oldest first;
    of one patient, or of all."""
    rows = (
        PortalEmailChange.objects.filter(needs_approval=True, approved_at__isnull=True)
        .select_related("patient", "changed_by")
        .order_by("changed_at")
    )
    return list(rows.filter(patient=patient) if patient else rows)
