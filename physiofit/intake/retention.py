"""Record retention: how long a patient's record is kept, the purge of records past it, and
erasure on the patient's request. Both remove the whole record (see docs/patient-data.md,
"Retention and erasure", for why it is deleted rather than anonymised)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateTimeField, Max, OuterRef, ProtectedError, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from physiofit.booking.models import ACTIVE_STATUSES, Appointment, Patient
from physiofit.core.models import AuditEvent, ClinicSettings, audit

from .models import Questionnaire, Screening


class RetentionError(Exception):
    """An erasure was refused; `message` is for the staff member who asked."""

    messages = {
        "within_retention": (
            "This record cannot be erased yet: {reason}. The clinic keeps records for {years} "
            "years after the last visit, so it must be kept until {keep_until}. "
            "It can be erased from {erasable_from}."
        ),
        "linked_records": (
            "This record cannot be erased here: other records that must be kept refer to it "
            "({detail}). Ask the clinic's administrator."
        ),
    }

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        self.message = self.messages[code].format(**params)
        super().__init__(self.message)


def long_day(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March, the later of the two
    candidates, so a record is never released a day early."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


@dataclass(frozen=True)
class Retention:
    """Where one record stands. `keep_until` is the last clinic-time day it must be kept."""

    last_activity: datetime
    source: str  # "visit", "upcoming visit", "questionnaire" or "record created"
    years: int
    keep_until: date
    erasable_from: date

    def expired(self, today: date) -> bool:
        return today >= self.erasable_from

    def reason(self, zone: ZoneInfo) -> str:
        day = self.last_activity.astimezone(zone).date()
        label = {
            "visit": "the last visit was on",
            "upcoming visit": "the patient has a visit booked on",
            "questionnaire": "the last questionnaire was submitted on",
            "record created": "the record was opened on",
        }[self.source]
        return f"{label} {long_day(day)}"


def retention_for(*, last_activity: datetime, source: str, years: int, zone: ZoneInfo) -> Retention:
    """Pure: the record is kept through the `years`-th anniversary of its last activity, counted
    in the clinic's calendar (a visit at 11:30 PM in Bend is that day's, not the next UTC day's).
    """
    keep_until = add_years(last_activity.astimezone(zone).date(), years)
    return Retention(
        last_activity=last_activity,
        source=source,
        years=years,
        keep_until=keep_until,
        erasable_from=keep_until + timedelta(days=1),
    )


def _with_activity(patients):
    """Annotate `last_visit`, `last_answer` and `last_activity` (the latest of those and the
    record's creation). Cancelled appointments are not visits; a submitted questionnaire is a
    record entry, so the period runs from it too when it came after the last visit."""
    last_answer = Subquery(
        Questionnaire.objects.filter(patient=OuterRef("pk"), submitted_at__isnull=False)
        .order_by()
        .values("patient")
        .annotate(last=Max("submitted_at"))
        .values("last"),
        output_field=DateTimeField(),
    )
    last_visit = Subquery(
        Appointment.objects.filter(patient=OuterRef("pk"), status__in=ACTIVE_STATUSES)
        .order_by()
        .values("patient")
        .annotate(last=Max("start"))
        .values("last"),
        output_field=DateTimeField(),
    )
    return patients.annotate(last_visit=last_visit, last_answer=last_answer).annotate(
        # Coalesce each: SQLite's MAX() of a NULL is NULL, PostgreSQL's GREATEST skips it.
        last_activity=Greatest(
            "created_at",
            Coalesce("last_visit", "created_at"),
            Coalesce("last_answer", "created_at"),
        )
    )


def _retention(patient, *, years: int, zone: ZoneInfo, now: datetime) -> Retention:
    if patient.last_activity == patient.last_visit:
        source = "upcoming visit" if patient.last_visit > now else "visit"
    elif patient.last_activity == patient.last_answer:
        source = "questionnaire"
    else:
        source = "record created"
    return retention_for(last_activity=patient.last_activity, source=source, years=years, zone=zone)


def retention_years(clinic: ClinicSettings) -> int:
    return clinic.record_retention_years


def patient_retention(*, patient: Patient, clinic: ClinicSettings, now: datetime) -> Retention:
    annotated = _with_activity(Patient.objects.filter(pk=patient.pk)).get()
    return _retention(annotated, years=retention_years(clinic), zone=clinic.zone, now=now)


@dataclass(frozen=True)
class Expired:
    patient_id: int
    reference: str
    retention: Retention


def expired_records(*, clinic: ClinicSettings, now: datetime) -> list[Expired]:
    """Every patient record past its retention period on the clinic's today."""
    years, zone = retention_years(clinic), clinic.zone
    today = now.astimezone(zone).date()
    # A generous first cut in the database (N years are at least N * 365 days; two days cover
    # the time of day and the zone), then the exact calendar rule on each candidate.
    cutoff = now - timedelta(days=365 * years) + timedelta(days=2)
    candidates = _with_activity(Patient.objects.all()).filter(last_activity__lt=cutoff)
    found = []
    for patient in candidates.order_by("pk"):
        retention = _retention(patient, years=years, zone=zone, now=now)
        if retention.expired(today):
            found.append(Expired(patient.pk, patient.reference, retention))
    return found


# Apps above intake whose rows protect a patient (the clinical notes) register how to remove
# them; each returns counts by kind. Called first, inside the removal's transaction.
_REMOVERS: list[Callable[[Patient], dict[str, int]]] = []


def register_record_remover(remover: Callable[[Patient], dict[str, int]]) -> None:
    """Called from an app's ready(): its rows of a record go when the record goes."""
    if remover not in _REMOVERS:
        _REMOVERS.append(remover)


def _remove(patient: Patient) -> dict[str, int]:
    """Delete the patient and every row that names them; counts only, never their content."""
    appointments = Appointment.objects.filter(patient=patient)
    counts = {
        "appointments": appointments.count(),
        "screenings": Screening.objects.filter(appointment__patient=patient).count(),
        "questionnaires": patient.questionnaires.count(),
    }
    for remover in _REMOVERS:
        counts.update(remover(patient))
    try:
        # Appointments protect their patient; their screenings and emails go with them, the
        # patient's questionnaires, schedules, waitlist entries and sign-in links with the patient.
        appointments.delete()
        # Wagtail's own edit history labels a patient by name: it goes with the record.
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Patient), object_id=str(patient.pk)
        ).delete()
        patient.delete()
    except ProtectedError as error:
        kinds = sorted({obj._meta.verbose_name_plural for obj in error.protected_objects})
        raise RetentionError("linked_records", detail=", ".join(kinds)) from error
    return counts


def _summary(prefix: str, counts: dict[str, int]) -> str:
    return prefix + ": " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + " removed"


def _audit_removal(*, user, action: str, patient_id: int, reference: str, summary: str):
    # The row is gone: name it by id and chart reference only, never by anything of the person.
    audit(
        user=user,
        action=action,
        object_type="booking.patient",
        object_id=str(patient_id),
        patient=SimpleNamespace(pk=patient_id, reference=reference),
        summary=summary,
    )


def record_purge(*, patient_id: int, clinic: ClinicSettings, now: datetime) -> dict[str, int]:
    """Remove one record past its retention period, audited PURGE by the system. The period is
    checked again under a lock, so a visit booked since the list was made keeps the record.
    Returns the counts removed, or {} when the record was kept or is already gone."""
    with transaction.atomic():
        patient = Patient.objects.select_for_update().filter(pk=patient_id).first()
        if patient is None:
            return {}
        retention = patient_retention(patient=patient, clinic=clinic, now=now)
        if not retention.expired(now.astimezone(clinic.zone).date()):
            return {}
        reference = patient.reference
        counts = _remove(patient)
        _audit_removal(
            user=None,
            action=AuditEvent.Action.PURGE,
            patient_id=patient_id,
            reference=reference,
            summary=_summary(f"retention ended {retention.keep_until.isoformat()}", counts),
        )
    return counts


def record_erase_on_request(
    *, patient: Patient, user, clinic: ClinicSettings, now: datetime | None = None
) -> dict[str, int]:
    """Erase a record because the patient asked, only if no part of it is within the retention
    period; otherwise raise RetentionError with the reason and the first day it is possible.
    Audited DELETE on success; the caller audits a refusal."""
    now = now or timezone.now()
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
        retention = patient_retention(patient=patient, clinic=clinic, now=now)
        if not retention.expired(now.astimezone(clinic.zone).date()):
            raise RetentionError(
                "within_retention",
                reason=retention.reason(clinic.zone),
                years=retention.years,
                keep_until=long_day(retention.keep_until),
                erasable_from=long_day(retention.erasable_from),
            )
        reference, patient_id = patient.reference, patient.pk
        counts = _remove(patient)
        _audit_removal(
            user=user,
            action=AuditEvent.Action.DELETE,
            patient_id=patient_id,
            reference=reference,
            summary=_summary("erased on the patient's request", counts),
        )
    return counts
