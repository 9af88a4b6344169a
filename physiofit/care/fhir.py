"""An episode of care as a FHIR R4 collection Bundle (R4B models of fhir.resources, which
validate every field): the Patient, the practitioners, one Encounter per noted visit, the
diagnoses as Conditions, outcome scores as Observations, the intake as a QuestionnaireResponse,
the signed notes' interventions as Procedures, the plan of care as a CarePlan, and its Goals.

Draft notes are not part of the record: their interventions are left out."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from fhir.resources.R4B.bundle import Bundle

from physiofit.booking.models import Appointment
from physiofit.core.models import clinic_zone
from physiofit.intake import instruments
from physiofit.intake import selectors as intake_selectors
from physiofit.intake.models import Questionnaire

from . import billing, services
from .models import Episode, Goal, Note, PlanOfCare

CPT = "http://www.ama-assn.org/go/cpt"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
NPI = "http://hl7.org/fhir/sid/us-npi"
UCUM = "http://unitsofmeasure.org"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# Our own identifier systems: the chart reference, the episode and the visit at this clinic.
PATIENT_SYSTEM = "urn:physiofit:patient-reference"
EPISODE_SYSTEM = "urn:physiofit:episode"
APPOINTMENT_SYSTEM = "urn:physiofit:appointment-reference"

# LOINC codes of the measures' total scores, each checked against a published LOINC listing
# (loinc.org/97909-6, the STarT Back panel loinc.org/91349-1, and 72514-3 as HL7 guides use
# it). No LOINC code for the PSFS mean or the RMDQ total could be verified: those carry
# `code.text` only rather than a guessed code.
MEASURE_LOINC = {
    "nprs": ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
    "odi": ("97909-6", "Oswestry disability index score ODI"),
    "start_back": ("91351-7", "Total score [STarT Back]"),
}
MEASURE_UNITS = {"odi": "%"}

ENCOUNTER_STATUS = {
    Appointment.Status.HELD: "planned",
    Appointment.Status.BOOKED: "planned",
    Appointment.Status.COMPLETED: "finished",
    Appointment.Status.CANCELLED: "cancelled",
    # R4 Encounter has no "no-show": the visit did not take place.
    Appointment.Status.NO_SHOW: "cancelled",
}
ACHIEVEMENT = {
    Goal.Outcome.MET: "achieved",
    Goal.Outcome.PARTLY: "improving",
    Goal.Outcome.NOT_MET: "not-achieved",
}
# The intake is usually answered before the evaluation visit that opens the episode.
INTAKE_LEAD = timedelta(days=60)


def _urn(kind: str, key) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'physiofit/{kind}/{key}')}"


def _coded(system: str, code: str, display: str = "") -> dict:
    return {
        "coding": [{"system": system, "code": code, **({"display": display} if display else {})}]
    }


def _measure_code(code: str, name: str) -> dict:
    concept = {"text": name}
    if code in MEASURE_LOINC:
        loinc, display = MEASURE_LOINC[code]
        concept["coding"] = [{"system": LOINC, "code": loinc, "display": display}]
    return concept


def _measure_name(goal: Goal) -> str:
    """The instrument's name, as its Observations give it, so a goal's measure matches them."""
    instrument = instruments.definitions().get(goal.measure)
    return instrument.name if instrument else goal.get_measure_display()


def _quantity(code: str, value: float) -> dict:
    unit = MEASURE_UNITS.get(code, "{score}")
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _cpt(code: str) -> dict:
    name = billing.ALL_CODES.get(code, "")
    return {**_coded(CPT, code, name), "text": name or code}


class _Practitioners:
    """The Practitioner entries, one per practitioner record or (for an author without one)
    per staff account, in the order they are first referenced."""

    def __init__(self):
        self.entries: dict[str, dict] = {}

    def of_record(self, practitioner) -> dict:
        url = _urn("practitioner", practitioner.pk)
        if url not in self.entries:
            resource = {"resourceType": "Practitioner", "name": [{"text": practitioner.name}]}
            if practitioner.npi:
                resource["identifier"] = [{"system": NPI, "value": practitioner.npi}]
            if practitioner.credentials:
                resource["qualification"] = [{"code": {"text": practitioner.credentials}}]
            self.entries[url] = resource
        return {"reference": url, "display": str(practitioner)}

    def of_user(self, user) -> dict:
        practitioner = getattr(user, "practitioner", None)
        if practitioner is not None:
            return self.of_record(practitioner)
        url = _urn("user", user.pk)
        name = user.get_full_name() or user.get_username()
        if url not in self.entries:
            human = {"text": name}
            if user.last_name:
                human["family"] = user.last_name
            if user.first_name:
                human["given"] = [user.first_name]
            self.entries[url] = {"resourceType": "Practitioner", "name": [human]}
        return {"reference": url, "display": name}


def _window(episode: Episode) -> tuple[datetime, datetime | None]:
    """The span whose scores belong to the episode, baseline included (as the chart reads it)."""
    return services.episode_window(episode)


def _intakes(episode: Episode, appointment_ids: set[int]):
    """The submitted intake questionnaires of the episode: those of its visits, and those
    answered from INTAKE_LEAD before it opened to its close that no other episode's visit
    claims."""
    since, until = _window(episode)
    window = Q(submitted_at__gte=since - INTAKE_LEAD)
    if until is not None:
        window &= Q(submitted_at__lte=until)
    elsewhere = (
        Note.objects.filter(episode__patient_id=episode.patient_id, appointment__isnull=False)
        .exclude(episode=episode)
        .values("appointment_id")
    )
    return Questionnaire.objects.filter(
        Q(appointment_id__in=appointment_ids) | (window & ~Q(appointment_id__in=elsewhere)),
        patient_id=episode.patient_id,
        instrument="intake",
        status=Questionnaire.Status.SUBMITTED,
    ).order_by("submitted_at", "pk")


def _answers(questionnaire: Questionnaire) -> list[dict]:
    items, seen = [], set()
    for n, (question, answer) in enumerate(intake_selectors.intake_rows(questionnaire), 1):
        link = slugify(question)[:60] or f"item-{n}"
        if link in seen:
            link = f"{link}-{n}"
        seen.add(link)
        items.append({"linkId": link, "text": question, "answer": [{"valueString": answer}]})
    return items


def _performed_note(intervention) -> str:
    units = f"{intervention.units} unit{'s' if intervention.units != 1 else ''}"
    if intervention.code in billing.UNTIMED_CODES:
        return f"Untimed, {units}"
    return f"{intervention.minutes} minutes, {units}"


@dataclass
class _Export:
    """What the resources of one episode's Bundle share while it is built."""

    episode: Episode
    subject: dict
    closed: bool
    practitioners: _Practitioners = field(default_factory=_Practitioners)
    # The Conditions, as references: what the visits, procedures, plan and goals address.
    reasons: list[dict] = field(default_factory=list)
    # Appointment id -> the Encounter's fullUrl.
    encounters: dict[int, str] = field(default_factory=dict)
    zone: tzinfo = field(default_factory=clinic_zone)

    def when(self, moment: datetime) -> str:
        """A moment as FHIR dateTime, in clinic time."""
        return moment.astimezone(self.zone).isoformat()


def episode_bundle(episode: Episode, *, now: datetime | None = None) -> Bundle:
    """Build and validate the episode's Bundle (a pydantic model; `.model_dump_json()` for
    the file). Reads only: the caller audits the export."""
    patient = episode.patient
    patient_url = _urn("patient", patient.reference)
    export = _Export(
        episode=episode,
        subject={"reference": patient_url, "display": f"{patient.first_name} {patient.last_name}"},
        closed=not episode.is_open,
    )
    notes = list(
        episode.notes.select_related(
            "appointment__practitioner", "appointment__service", "author__practitioner"
        )
        .prefetch_related("interventions")
        .order_by("visit_on", "pk")
    )
    conditions = _conditions(export)
    encounters = _encounters(export, notes)
    observations = _observations(export)
    responses = _responses(export, patient_url)
    procedures = _procedures(export, notes)
    goals = _goals(export)
    plan = PlanOfCare.objects.filter(episode=episode).first()
    plans = (
        [] if plan is None else [(_urn("plan-of-care", plan.pk), _care_plan(export, plan, goals))]
    )
    patient_resource = {
        "resourceType": "Patient",
        "identifier": [{"system": PATIENT_SYSTEM, "value": patient.reference}],
        "name": [{"family": patient.last_name, "given": [patient.first_name]}],
        "birthDate": patient.date_of_birth.isoformat(),
    }
    telecom = [
        {"system": system, "value": value}
        for system, value in (("email", patient.email), ("phone", patient.phone))
        if value
    ]
    if telecom:  # FHIR JSON has no empty arrays
        patient_resource["telecom"] = telecom
    entries = [
        (patient_url, patient_resource),
        *export.practitioners.entries.items(),
        *encounters,
        *conditions,
        *observations,
        *responses,
        *procedures,
        *plans,
        *goals,
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "identifier": {"system": EPISODE_SYSTEM, "value": str(episode.pk)},
            "type": "collection",
            "timestamp": export.when(now or timezone.now()),
            "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
        }
    )


def _conditions(export: _Export) -> list[tuple[str, dict]]:
    episode, entries = export.episode, []
    for diagnosis in episode.diagnoses.all():
        resource = {
            "resourceType": "Condition",
            "clinicalStatus": _coded(
                f"{TERMINOLOGY}/condition-clinical", "resolved" if export.closed else "active"
            ),
            "verificationStatus": _coded(f"{TERMINOLOGY}/condition-ver-status", "confirmed"),
            "category": [
                _coded(
                    f"{TERMINOLOGY}/condition-category",
                    "encounter-diagnosis",
                    "Encounter Diagnosis",
                )
            ],
            "code": {
                **_coded(ICD10CM, diagnosis.code, diagnosis.description),
                "text": diagnosis.description,
            },
            "subject": export.subject,
            "onsetDateTime": episode.opened_on.isoformat(),
            "recordedDate": export.when(diagnosis.added_at),
        }
        if export.closed and episode.closed_on:
            resource["abatementDateTime"] = episode.closed_on.isoformat()
        url = _urn("diagnosis", diagnosis.pk)
        export.reasons.append({"reference": url, "display": diagnosis.description})
        entries.append((url, resource))
    return entries


def _encounters(export: _Export, notes: list[Note]) -> list[tuple[str, dict]]:
    """One Encounter per visit with a signed note (a draft is not part of the record); the
    notes' authors take part in it."""
    found: dict[int, dict] = {}
    for note in notes:
        visit = note.appointment
        if visit is None or not note.is_signed:
            continue
        if visit.pk not in found:
            export.encounters[visit.pk] = _urn("appointment", visit.pk)
            found[visit.pk] = {
                "resourceType": "Encounter",
                "identifier": [{"system": APPOINTMENT_SYSTEM, "value": visit.reference}],
                "status": ENCOUNTER_STATUS.get(visit.status, "unknown"),
                "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
                "type": [{"text": visit.service.name}],
                "subject": export.subject,
                "participant": [{"individual": export.practitioners.of_record(visit.practitioner)}],
                "period": {"start": export.when(visit.start), "end": export.when(visit.end)},
            }
            if export.reasons:
                found[visit.pk]["reasonReference"] = export.reasons
        author = export.practitioners.of_user(note.author)
        participants = found[visit.pk]["participant"]
        if all(p["individual"]["reference"] != author["reference"] for p in participants):
            participants.append({"individual": author})
    return [(export.encounters[pk], resource) for pk, resource in found.items()]


def _observations(export: _Export) -> list[tuple[str, dict]]:
    """Every outcome score answered during the episode, as `services.episode_outcomes` counts
    them."""
    patient, entries = export.episode.patient, []
    since, until = _window(export.episode)
    for series in intake_selectors.outcome_series(patient=patient):
        code = series.instrument.code
        for n, point in enumerate(series.points):
            if point.at < since or (until is not None and point.at > until):
                continue
            resource = {
                "resourceType": "Observation",
                "status": "final",
                "category": [_coded(f"{TERMINOLOGY}/observation-category", "survey", "Survey")],
                "code": _measure_code(code, series.instrument.name),
                "subject": export.subject,
                "effectiveDateTime": export.when(point.at),
                "valueQuantity": _quantity(code, point.value),
            }
            if point.band:
                resource["interpretation"] = [{"text": point.band}]
            if point.label:
                resource["note"] = [{"text": point.label}]
            key = f"{patient.reference}/{code}/{point.at.isoformat()}/{n}"
            entries.append((_urn("observation", key), resource))
    return entries


def _responses(export: _Export, patient_url: str) -> list[tuple[str, dict]]:
    entries = []
    for questionnaire in _intakes(export.episode, set(export.encounters)):
        resource = {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "subject": export.subject,
            "source": {"reference": patient_url},
            "authored": export.when(questionnaire.submitted_at),
        }
        if questionnaire.appointment_id in export.encounters:
            resource["encounter"] = {"reference": export.encounters[questionnaire.appointment_id]}
        if items := _answers(questionnaire):
            resource["item"] = items
        entries.append((_urn("questionnaire", questionnaire.pk), resource))
    return entries


def _procedures(export: _Export, notes: list[Note]) -> list[tuple[str, dict]]:
    """The signed notes' interventions that bill (a timed code's unit, or an untimed code)."""
    entries = []
    for note in notes:
        if not note.is_signed:
            continue
        performer = export.practitioners.of_user(note.author)
        for intervention in note.interventions.all():
            if intervention.units == 0 and intervention.code not in billing.UNTIMED_CODES:
                continue
            resource = {
                "resourceType": "Procedure",
                "status": "completed",
                "code": _cpt(intervention.code),
                "subject": export.subject,
                "performer": [{"actor": performer}],
                "note": [{"text": _performed_note(intervention)}],
            }
            if intervention.detail:
                resource["code"]["text"] = intervention.detail
            if note.appointment_id in export.encounters:
                visit = note.appointment
                resource["encounter"] = {"reference": export.encounters[visit.pk]}
                resource["performedPeriod"] = {
                    "start": export.when(visit.start),
                    "end": export.when(visit.end),
                }
            else:
                resource["performedDateTime"] = note.visit_on.isoformat()
            if export.reasons:
                resource["reasonReference"] = export.reasons
            entries.append((_urn("intervention", intervention.pk), resource))
    return entries


def _goals(export: _Export) -> list[tuple[str, dict]]:
    entries = []
    for goal in export.episode.goals.all():
        resource = {
            "resourceType": "Goal",
            "lifecycleStatus": "completed" if export.closed else "active",
            "category": [_coded(f"{TERMINOLOGY}/goal-category", "physiotherapy", "Physiotherapy")],
            "description": {"text": goal.text},
            "subject": export.subject,
            "startDate": export.episode.opened_on.isoformat(),
            "target": [
                {
                    "measure": _measure_code(goal.measure, _measure_name(goal)),
                    "detailQuantity": _quantity(goal.measure, float(goal.target)),
                    "dueDate": goal.due_on.isoformat(),
                }
            ],
            "note": [{"text": f"{goal.get_term_display()} goal"}],
        }
        if goal.outcome in ACHIEVEMENT:
            resource["achievementStatus"] = _coded(
                f"{TERMINOLOGY}/goal-achievement", ACHIEVEMENT[goal.outcome]
            )
        if goal.assessed_on:
            resource["statusDate"] = goal.assessed_on.isoformat()
        if export.reasons:
            resource["addresses"] = export.reasons
        entries.append((_urn("goal", goal.pk), resource))
    return entries


def _care_plan(export: _Export, plan: PlanOfCare, goals: list[tuple[str, dict]]) -> dict:
    timing = {
        "repeat": {
            "frequency": plan.visits_per_week,
            "period": 1,
            "periodUnit": "wk",
            "boundsDuration": {"value": plan.weeks, "unit": "wk", "system": UCUM, "code": "wk"},
        }
    }
    resource = {
        "resourceType": "CarePlan",
        "status": "completed" if export.closed else "active",
        "intent": "plan",
        "title": "Plan of care",
        "description": plan.frequency[:1].upper() + plan.frequency[1:],
        "subject": export.subject,
        "period": {
            "start": plan.starts_on.isoformat(),
            "end": plan.certified_through.isoformat(),
        },
    }
    if plan.planned_codes:
        resource["activity"] = [
            {
                "detail": {
                    "code": _cpt(code),
                    "status": "completed" if export.closed else "scheduled",
                    "scheduledTiming": timing,
                }
            }
            for code in plan.planned_codes
        ]
    if plan.interventions:
        resource["note"] = [{"text": plan.interventions}]
    if export.reasons:
        resource["addresses"] = export.reasons
    if goals:
        resource["goal"] = [{"reference": url} for url, _ in goals]
    return resource
