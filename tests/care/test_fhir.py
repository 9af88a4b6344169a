"""The episode as a FHIR R4 Bundle: it validates, every reference resolves inside it, the codes
are the record's (ICD-10-CM, CPT, LOINC), a draft note's interventions stay out, and only a
clinician can download it (audited)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from physiofit.care import fhir
from physiofit.care.models import (
    Diagnosis,
    Episode,
    Goal,
    Intervention,
    Note,
    PlanOfCare,
)
from physiofit.core.models import AuditEvent
from physiofit.intake import instruments
from physiofit.intake.models import Questionnaire
from tests.booking.conftest import BEND, bend
from tests.staff import login_staff

from .conftest import visit

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=BEND)
INTAKE_ANSWERS = {
    "onset": "2026-10-01",
    "onset_how": "gradual",
    "where": ["back"],
    "goals": "Ride again.",
    "pain_now": 6,
    "psfs": [{"activity": "Cycling an hour", "rating": 3}],
}


def signed_note(episode, appointment, kind, author, interventions) -> Note:
    note = Note.objects.create(
        episode=episode,
        appointment=appointment,
        kind=kind,
        visit_on=appointment.start.date(),
        author=author,
        assessment="Findings as expected.",
        signed_at=appointment.end,
        signed_by=author,
        signer_name=author.get_full_name(),
    )
    for code, minutes, units in interventions:
        Intervention(note=note, code=code, minutes=minutes, units=units).save(signing=True)
    return note


def score(patient, instrument, at, value, *, appointment=None, answers=None) -> Questionnaire:
    if instrument == "intake":
        summary = instruments.score(instruments.get("intake"), answers, today=at.date())
    else:
        summary = {"value": value, "display": f"{value}", "band": ""}
    return Questionnaire.objects.create(
        patient=patient,
        appointment=appointment,
        instrument=instrument,
        status="submitted",
        answers=answers or {},
        score=summary,
        submitted_at=at,
    )


@pytest.fixture
def record(booking, patient, therapist, assistant):
    """An open episode: a diagnosis, a plan with two codes, two goals, a signed evaluation
    (by the PT, who has a practitioner record with an NPI), a signed daily note (by an
    assistant, who has none), a draft note, the intake and outcome scores."""
    alex = booking["alex"]
    alex.npi = "1234567893"
    alex.save()
    episode = Episode.objects.create(
        patient=patient, title="Low back pain", opened_on=date(2026, 12, 2), created_by=therapist
    )
    Diagnosis.objects.create(
        episode=episode, code="M54.50", description="Low back pain, unspecified"
    )
    PlanOfCare.objects.create(
        episode=episode,
        visits_per_week=2,
        weeks=6,
        planned_codes=["97110", "97140"],
        interventions="Exercise and manual therapy.",
        starts_on=date(2026, 12, 2),
        certified_through=date(2027, 1, 13),
    )
    short = Goal.objects.create(
        episode=episode,
        term="short",
        text="Sit through a workday",
        measure="nprs",
        target=Decimal("3"),
        due_on=date(2026, 12, 30),
        outcome="met",
        assessed_on=date(2026, 12, 16),
    )
    long = Goal.objects.create(
        episode=episode,
        term="long",
        text="Ride an hour again",
        measure="odi",
        target=Decimal("20"),
        due_on=date(2027, 1, 13),
    )
    evaluation, daily, later = (
        visit(booking, patient, bend(2026, 12, day, 10)) for day in (2, 4, 7)
    )
    for appointment in (evaluation, daily):
        appointment.status = "completed"
        appointment.save()
    signed_note(episode, evaluation, "evaluation", therapist, [("97162", 0, 1)])
    signed_note(episode, daily, "daily", assistant, [("97110", 25, 2), ("97140", 7, 0)])
    draft = Note.objects.create(
        episode=episode,
        appointment=later,
        kind="daily",
        visit_on=date(2026, 12, 7),
        author=therapist,
    )
    Intervention.objects.create(note=draft, code="97112", minutes=30, units=2)
    Intervention.objects.create(note=draft, code="97035", minutes=10, units=1)
    score(
        patient,
        "intake",
        bend(2026, 11, 28, 9),
        None,
        appointment=evaluation,
        answers=INTAKE_ANSWERS,
    )
    score(patient, "odi", bend(2026, 10, 1, 9), 52.0)  # before the episode: not in it
    score(patient, "odi", bend(2026, 12, 2, 9), 40.0)
    score(patient, "nprs", bend(2026, 12, 9, 9), 4)
    score(patient, "odi", bend(2026, 12, 16, 9), 28.0)
    score(patient, "rmdq", bend(2026, 12, 16, 9), 8)
    return {"episode": episode, "short": short, "long": long, "daily": daily}


def resources(bundle: Bundle, kind: str) -> list[dict]:
    data = bundle.model_dump(mode="json")
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def references(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def test_the_bundle_validates_and_holds_the_episode(record):
    bundle = fhir.episode_bundle(record["episode"], now=NOW)
    again = Bundle.model_validate_json(bundle.model_dump_json())
    data = again.model_dump(mode="json")
    assert data["type"] == "collection"
    assert data["identifier"] == {
        "system": "urn:physiofit:episode",
        "value": str(record["episode"].pk),
    }
    assert data["timestamp"].startswith("2026-12-20T12:00:00")
    for entry in data["entry"]:
        model = get_fhir_model_class(entry["resource"]["resourceType"])
        model.model_validate(entry["resource"])  # each resource on its own, too
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds == [
        "Patient",
        *["Practitioner"] * 2,
        *["Encounter"] * 2,  # the visit with only a draft note has none
        "Condition",
        # ODI twice, NPRS and RMDQ, and the intake's pain and PSFS (the baseline, answered
        # before the evaluation); the ODI of October is before the episode.
        *["Observation"] * 6,
        "QuestionnaireResponse",
        *["Procedure"] * 2,
        "CarePlan",
        *["Goal"] * 2,
    ]
    urls = [e["fullUrl"] for e in data["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(url.startswith("urn:uuid:") for url in urls)
    refs = set(references(data))
    assert refs <= set(urls)
    kind_of = {e["fullUrl"]: e["resource"]["resourceType"] for e in data["entry"]}
    assert {kind_of[r] for r in refs} == {
        "Patient",
        "Practitioner",
        "Encounter",
        "Condition",
        "Goal",
    }
    # Built twice, the same record gives the same fullUrls.
    assert [e.fullUrl for e in fhir.episode_bundle(record["episode"], now=NOW).entry] == urls


def test_patient_practitioners_and_encounters(record):
    bundle = fhir.episode_bundle(record["episode"], now=NOW)
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"][0]["system"] == "urn:physiofit:patient-reference"
    assert patient["birthDate"] == "1980-05-06"
    assert {t["system"]: t["value"] for t in patient["telecom"]} == {
        "email": "sam@example.com",
        "phone": "541 555 0100",
    }
    pt, assistant = resources(bundle, "Practitioner")
    assert pt["identifier"] == [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}]
    assert pt["qualification"][0]["code"]["text"] == "PT"
    assert assistant["name"][0]["text"] == "Pat Assistant"
    assert "identifier" not in assistant
    encounters = resources(bundle, "Encounter")
    assert [e["status"] for e in encounters] == ["finished", "finished"]
    assert encounters[0]["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "AMB",
        "display": "ambulatory",
    }
    assert encounters[0]["period"]["start"].startswith("2026-12-02T10:00:00")
    # The assistant who wrote the daily note took part in that visit with the booked PT.
    assert len(encounters[1]["participant"]) == 2


def test_conditions_and_procedures_carry_the_records_codes(record):
    bundle = fhir.episode_bundle(record["episode"], now=NOW)
    (condition,) = resources(bundle, "Condition")
    assert condition["code"]["coding"] == [
        {
            "system": "http://hl7.org/fhir/sid/icd-10-cm",
            "code": "M54.50",
            "display": "Low back pain, unspecified",
        }
    ]
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert condition["category"][0]["coding"][0]["code"] == "encounter-diagnosis"
    procedures = resources(bundle, "Procedure")
    codes = [p["code"]["coding"][0]["code"] for p in procedures]
    # 97140 billed no unit (7 minutes); 97112 and 97035 are on a draft: not on the record.
    assert codes == ["97162", "97110"]
    assert all(
        p["code"]["coding"][0]["system"] == "http://www.ama-assn.org/go/cpt" for p in procedures
    )
    assert procedures[1]["code"]["coding"][0]["display"] == "Therapeutic exercise"
    assert procedures[1]["note"] == [{"text": "25 minutes, 2 units"}]
    assert procedures[0]["note"] == [{"text": "Untimed, 1 unit"}]
    encounters = {e.fullUrl: e.resource for e in bundle.entry}
    daily = encounters[procedures[1]["encounter"]["reference"]]
    assert daily.period.start == record["daily"].start


def test_outcome_scores_in_the_episode_become_survey_observations(record):
    bundle = fhir.episode_bundle(record["episode"], now=NOW)
    observations = resources(bundle, "Observation")
    found = {
        (o["code"]["text"], o["valueQuantity"]["value"], o["valueQuantity"]["unit"])
        for o in observations
    }
    odi = instruments.get("odi").name
    assert (odi, 52.0, "%") not in found  # answered before the episode opened
    assert (odi, 40.0, "%") in found
    assert (odi, 28.0, "%") in found
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in observations)
    codings = {o["code"]["text"]: o["code"].get("coding") for o in observations}
    assert codings[odi][0]["code"] == "97909-6"
    assert codings[instruments.get("nprs").name][0]["code"] == "72514-3"
    assert codings[instruments.get("rmdq").name] is None  # no verified LOINC code: text only


def test_the_intake_becomes_a_questionnaire_response(record):
    bundle = fhir.episode_bundle(record["episode"], now=NOW)
    (response,) = resources(bundle, "QuestionnaireResponse")
    assert response["status"] == "completed"
    assert response["authored"].startswith("2026-11-28T09:00:00")
    answers = {item["text"]: item["answer"][0]["valueString"] for item in response["item"]}
    assert answers["What would you like to be able to do again?"] == "Ride again."
    assert any("Cycling an hour: 3/10" in answer for answer in answers.values())
    links = [item["linkId"] for item in response["item"]]
    assert len(set(links)) == len(links)


def test_an_intake_another_episode_claims_stays_with_it(record, booking, patient, therapist):
    earlier = Episode.objects.create(
        patient=patient,
        title="Neck pain",
        opened_on=date(2026, 10, 20),
        closed_on=date(2026, 11, 20),
        status="closed",
    )
    old_visit = visit(booking, patient, bend(2026, 10, 20, 10))
    Note.objects.create(
        episode=earlier,
        appointment=old_visit,
        kind="evaluation",
        visit_on=date(2026, 10, 20),
        author=therapist,
    )
    score(
        patient,
        "intake",
        bend(2026, 10, 18, 9),
        None,
        appointment=old_visit,
        answers=INTAKE_ANSWERS,
    )
    # Answered 45 days before this episode opened, but for the earlier one's evaluation.
    current = resources(fhir.episode_bundle(record["episode"], now=NOW), "QuestionnaireResponse")
    assert [r["authored"][:10] for r in current] == ["2026-11-28"]
    # The earlier episode has its own, not this one's (answered after it closed).
    earlier_ones = resources(fhir.episode_bundle(earlier, now=NOW), "QuestionnaireResponse")
    assert [r["authored"][:10] for r in earlier_ones] == ["2026-10-18"]


def test_plan_of_care_and_goals(record):
    bundle = fhir.episode_bundle(record["episode"], now=NOW)
    (plan,) = resources(bundle, "CarePlan")
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert plan["description"] == "Twice a week for 6 weeks"
    assert plan["period"] == {"start": "2026-12-02", "end": "2027-01-13"}
    activities = [a["detail"] for a in plan["activity"]]
    assert [a["code"]["coding"][0]["code"] for a in activities] == ["97110", "97140"]
    repeat = activities[0]["scheduledTiming"]["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (2, 1, "wk")
    assert repeat["boundsDuration"]["value"] == 6
    assert activities[0]["status"] == "scheduled"
    goals = resources(bundle, "Goal")
    assert sorted(plan["goal"], key=str) == sorted(
        (
            {"reference": e.fullUrl}
            for e in bundle.entry
            if e.resource.get_resource_type() == "Goal"
        ),
        key=str,
    )
    by_text = {g["description"]["text"]: g for g in goals}
    short, long = by_text["Sit through a workday"], by_text["Ride an hour again"]
    assert short["achievementStatus"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
        "code": "achieved",
    }
    assert "achievementStatus" not in long  # not yet assessed
    assert short["lifecycleStatus"] == "active"
    target = long["target"][0]
    odi = next(o for o in resources(bundle, "Observation") if o["valueQuantity"]["unit"] == "%")
    assert target["measure"] == odi["code"]  # the goal's measure is coded as its scores are
    assert target["detailQuantity"]["value"] == 20.0
    assert target["dueDate"] == "2027-01-13"
    assert short["note"] == [{"text": "Short-term goal"}]


@pytest.mark.parametrize(
    ("outcome", "achievement"),
    [("met", "achieved"), ("partly", "improving"), ("not_met", "not-achieved")],
)
def test_goal_outcomes_map_to_fhir_achievement(record, outcome, achievement):
    Goal.objects.filter(pk=record["long"].pk).update(outcome=outcome)
    goals = resources(fhir.episode_bundle(record["episode"], now=NOW), "Goal")
    (long,) = [g for g in goals if g["description"]["text"] == "Ride an hour again"]
    assert long["achievementStatus"]["coding"][0]["code"] == achievement


def test_a_closed_episode_resolves_its_conditions_and_completes_its_plan(record):
    episode = record["episode"]
    Episode.objects.filter(pk=episode.pk).update(status="closed", closed_on=date(2026, 12, 18))
    episode.refresh_from_db()
    bundle = fhir.episode_bundle(episode, now=NOW)
    (condition,) = resources(bundle, "Condition")
    assert condition["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert condition["abatementDateTime"] == "2026-12-18"
    (plan,) = resources(bundle, "CarePlan")
    assert plan["status"] == "completed"
    assert {a["detail"]["status"] for a in plan["activity"]} == {"completed"}
    assert {g["lifecycleStatus"] for g in resources(bundle, "Goal")} == {"completed"}


def test_a_clinician_downloads_the_bundle_and_front_desk_cannot(
    client, record, therapist, front_desk
):
    episode = record["episode"]
    url = reverse("care_staff:episode_fhir", args=[episode.pk])
    assert url == f"/admin/care/episode/{episode.pk}/episode.fhir.json"
    login_staff(client, front_desk)
    assert client.get(url).status_code in (302, 403)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    login_staff(client, therapist)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.identifier.value == str(episode.pk)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.actor, event.summary, event.patient_id) == (
        therapist,
        "FHIR bundle",
        episode.patient_id,
    )
