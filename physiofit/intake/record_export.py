"""A patient's whole record as one document: for the patient (portal download) and for staff
(export from the chart). One dict with stable keys and ISO dates feeds both the JSON file and
the PDF, so the two always hold the same content. The keys are documented in
docs/patient-data.md, "Record export"; change them only by raising FORMAT_VERSION."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from physiofit.booking.models import Appointment, Notification, Patient
from physiofit.core.models import ClinicSettings

from . import instruments, services, triage
from .models import Questionnaire, Screening
from .selectors import intake_rows

FORMAT = "physiofit-patient-record"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RecordSection:
    """A part of the record kept by an app above intake (the exercise program, ...): `build`
    returns its JSON-ready value for one patient, `pdf_template` lays it out in the PDF."""

    key: str
    build: Callable[[Patient, ZoneInfo], list | dict]
    pdf_template: str


_SECTIONS: dict[str, RecordSection] = {}


def register_record_section(section: RecordSection) -> None:
    """Called from an app's ready(): its part of the record joins every export. New keys
    only add to the format, so FORMAT_VERSION stays."""
    _SECTIONS[section.key] = section


def _when(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """An instant in the clinic's time with its UTC offset, so the file reads as the clinic did."""
    return moment.astimezone(zone).isoformat() if moment else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _clinic(clinic: ClinicSettings) -> dict:
    return {
        "name": clinic.name,
        "address": clinic.address_line if clinic.street_address else "",
        "phone": clinic.phone,
        "email": clinic.email,
    }


def _appointments(patient: Patient, zone: ZoneInfo) -> list[dict]:
    rows = Appointment.objects.filter(patient=patient).select_related("service", "practitioner")
    return [
        {
            "reference": a.reference,
            "service": a.service.name,
            "practitioner": str(a.practitioner),
            "start": _when(a.start, zone),
            "end": _when(a.end, zone),
            "status": a.status,
            "status_label": a.get_status_display(),
            "booked_by": a.source,
            "booked_at": _when(a.created_at, zone),
            "cancelled_at": _when(a.cancelled_at, zone),
            "cancel_reason": a.get_cancel_reason_display() if a.cancel_reason else "",
            "late_cancellation": a.late_cancel,
            "checked_in_at": _when(a.arrived_at, zone),
            "reason_for_visit": a.reason_for_visit,
        }
        for a in rows.order_by("start", "pk")
    ]


def _screenings(patient: Patient, zone: ZoneInfo) -> list[dict]:
    flags = triage.red_flags()
    rows = Screening.objects.filter(appointment__patient=patient).select_related(
        "appointment", "service"
    )
    found = []
    for s in rows.order_by("created_at", "pk"):
        found.append(
            {
                "appointment_reference": s.appointment.reference,
                "answered_at": _when(s.created_at, zone),
                "result": s.tier,
                "result_label": s.get_tier_display(),
                "reasons": list(s.reasons),
                "clinician_review": s.review,
                "answers": [
                    {
                        "key": q.key,
                        "question": q.text,
                        "answer": "yes" if s.answers.get(q.key) else "no",
                    }
                    for q in flags.questions
                    if q.key in s.answers
                ],
            }
        )
    return found


def score_summary(instrument: str, score: dict) -> str:
    """The score in words, as the patient saw it in the portal."""
    if not score:
        return ""
    if instrument == "intake":
        parts = []
        if "pain_now" in score:
            parts.append(f"pain now {score['pain_now']} of 10")
        if "psfs_mean" in score:
            parts.append(f"activities {float(score['psfs_mean']):.1f} of 10")
        if score.get("duration_class"):
            parts.append(f"{score['duration_class']} ({score.get('weeks', '?')} weeks)")
        return "; ".join(parts)
    display = score.get("display", "")
    return f"{display} ({score['band']})" if score.get("band") else display


def _questionnaires(patient: Patient, zone: ZoneInfo) -> list[dict]:
    available = services.available()
    names = {code: i.name for code, i in instruments.definitions().items()}
    rows = Questionnaire.objects.filter(patient=patient).select_related("appointment")
    found = []
    for q in rows.order_by("created_at", "pk"):
        readable = []
        if q.instrument in names:
            readable = [
                {"question": question, "answer": answer}
                for question, answer in intake_rows(q, available)
            ]
        found.append(
            {
                "instrument": q.instrument,
                "name": names.get(q.instrument, q.instrument),
                "occasion": q.label,
                "status": q.status,
                "appointment_reference": q.appointment.reference if q.appointment else None,
                "sent_at": _when(q.created_at, zone),
                "submitted_at": _when(q.submitted_at, zone),
                "answers": readable,
                "answer_values": q.answers,
                "score": q.score,
                "score_summary": score_summary(q.instrument, q.score),
            }
        )
    return found


def _waitlist(patient: Patient, zone: ZoneInfo) -> list[dict]:
    rows = patient.waitlist.select_related("service", "practitioner").order_by("created_at", "pk")
    return [
        {
            "service": w.service.name,
            "practitioner": str(w.practitioner) if w.practitioner else None,
            "first_day": _day(w.first_day),
            "last_day": _day(w.last_day),
            "times_of_day": [
                name
                for name, wanted in (
                    ("morning", w.mornings),
                    ("afternoon", w.afternoons),
                    ("evening", w.evenings),
                )
                if wanted
            ],
            "status": w.status,
            "created_at": _when(w.created_at, zone),
        }
        for w in rows
    ]


def _emails(patient: Patient, zone: ZoneInfo) -> list[dict]:
    """Emails about the patient's own bookings sent to the patient; staff notifications, which
    go to staff addresses, are not part of what the patient gave or received."""
    rows = Notification.objects.filter(
        Q(appointment__patient=patient) | Q(waitlist_entry__patient=patient)
    )
    return [
        {
            "kind": n.kind,
            "kind_label": n.get_kind_display(),
            "sent_to": n.recipient,
            "status": n.status,
            "created_at": _when(n.created_at, zone),
            "sent_at": _when(n.sent_at, zone),
        }
        for n in rows.exclude(kind__startswith="staff_").distinct().order_by("created_at", "pk")
    ]


def patient_record(
    *, patient: Patient, clinic: ClinicSettings, now: datetime | None = None
) -> dict:
    """Everything PhysioFit holds about one patient, as plain JSON-ready values.

    It reads only rows of `patient`; it writes nothing and audits nothing (the caller does)."""
    zone = clinic.zone
    now = now or timezone.now()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": _when(now, zone),
        "time_zone": str(zone),
        "clinic": _clinic(clinic),
        "patient": {
            "reference": patient.reference,
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "email": patient.email,
            "phone": patient.phone,
            "date_of_birth": _day(patient.date_of_birth),
            "record_created_at": _when(patient.created_at, zone),
        },
        "appointments": _appointments(patient, zone),
        "screenings": _screenings(patient, zone),
        "questionnaires": _questionnaires(patient, zone),
        "waitlist": _waitlist(patient, zone),
        "emails": _emails(patient, zone),
        **{key: section.build(patient, zone) for key, section in _SECTIONS.items()},
    }


def record_json(record: dict) -> bytes:
    return json.dumps(record, indent=2, ensure_ascii=False, sort_keys=False).encode("utf-8")


def record_pdf(record: dict) -> bytes:
    """The same record laid out for reading and printing."""
    from weasyprint import HTML

    sections = [s.pdf_template for s in _SECTIONS.values() if record.get(s.key)]
    html = render_to_string("intake/record_export.html", {"record": record, "sections": sections})
    # No base URL: the template carries its own styles and loads nothing from anywhere.
    return HTML(string=html).write_pdf()


def filename(record: dict, extension: str) -> str:
    """The chart reference and the day, never the patient's name (downloads folders are shared,
    and names in file names end up in sync services and mail attachments)."""
    day = record["generated_at"][:10]
    return f"patient-record-{record['patient']['reference']}-{day}.{extension}"
