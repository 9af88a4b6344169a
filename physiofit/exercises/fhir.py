"""A program as FHIR R4 (R4B models of fhir.resources, which validate every field): a Bundle
of the Patient, one CarePlan for the program and one ServiceRequest per prescribed exercise,
coded SNOMED CT 229065009 "Exercise therapy"."""

import uuid

from fhir.resources.R4B.bundle import Bundle

from physiofit.core.models import clinic_today

SNOMED = "http://snomed.info/sct"
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
# Our own identifier systems: the chart reference and the program's id at this clinic.
PATIENT_SYSTEM = "urn:physiofit:patient-reference"
PROGRAM_SYSTEM = "urn:physiofit:exercise-program"


def _urn(kind: str, key) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'physiofit/{kind}/{key}')}"


def _timing(p) -> dict:
    repeat = {"boundsPeriod": {"start": p.starts_on.isoformat(), "end": p.ends_on.isoformat()}}
    if p.days_per_week >= 7:
        repeat.update(frequency=p.times_per_day, period=1, periodUnit="d")
    else:
        repeat.update(frequency=p.times_per_day * p.days_per_week, period=1, periodUnit="wk")
    return {"repeat": repeat}


def program_bundle(program, version) -> Bundle:
    """Build and validate the Bundle (a pydantic model; `.model_dump_json()` for the file)."""
    patient = program.patient
    patient_url = _urn("patient", patient.reference)
    plan_url = _urn("program", f"{program.pk}/{version.number}")
    subject = {"reference": patient_url, "display": f"{patient.first_name} {patient.last_name}"}
    today = clinic_today()
    ended = program.status == "ended"
    requests, activities = [], []
    for p in version.prescriptions.all():
        url = _urn("prescription", p.pk)
        active = p.starts_on <= today <= p.ends_on and not ended
        status = "active" if active else ("completed" if p.ends_on < today or ended else "active")
        instruction = p.dosage_text + (f". {p.note}" if p.note else "")
        requests.append(
            {
                "fullUrl": url,
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": status,
                    "intent": "order",
                    "category": [{"coding": [EXERCISE_THERAPY]}],
                    "code": {"coding": [EXERCISE_THERAPY], "text": p.exercise.name},
                    "subject": subject,
                    "basedOn": [{"reference": plan_url}],
                    "occurrenceTiming": _timing(p),
                    "patientInstruction": instruction,
                    "note": [{"text": f"Phase: {p.phase.name}"}],
                },
            }
        )
        activities.append({"reference": {"reference": url, "display": p.exercise.name}})
    first = min((ph.starts_on for ph in version.phases.all()), default=today)
    last = max((ph.ends_on for ph in version.phases.all()), default=today)
    care_plan = {
        "resourceType": "CarePlan",
        "identifier": [{"system": PROGRAM_SYSTEM, "value": f"{program.pk}-v{version.number}"}],
        "status": "completed" if ended else "active",
        "intent": "plan",
        "category": [{"coding": [EXERCISE_THERAPY]}],
        "title": program.title,
        "description": "Home exercise program, version "
        f"{version.number}: "
        + "; ".join(f"{ph.name} ({ph.starts_on} to {ph.ends_on})" for ph in version.phases.all()),
        "subject": subject,
        "period": {"start": first.isoformat(), "end": last.isoformat()},
        "created": version.created_at.isoformat(),
        "activity": activities,
    }
    patient_resource = {
        "resourceType": "Patient",
        "identifier": [{"system": PATIENT_SYSTEM, "value": patient.reference}],
        "name": [{"family": patient.last_name, "given": [patient.first_name]}],
        "birthDate": patient.date_of_birth.isoformat(),
    }
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": patient_url, "resource": patient_resource},
                {"fullUrl": plan_url, "resource": care_plan},
                *requests,
            ],
        }
    )
