"""The episode of care beyond single notes: the plan of care and its certification period,
measurable goals, numeric objective findings, the progress note due every 10 visits, the
discharge summary that closes the episode, an assistant's notes co-signed by a PT, and the
episode PDF and superbill."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from physiofit.booking.models import Appointment
from physiofit.care import documents, services
from physiofit.care.models import Episode, Fee, Goal, Note
from physiofit.core.models import AuditEvent
from physiofit.intake.models import Questionnaire
from tests.booking.conftest import bend
from tests.staff import login_staff

from .conftest import PASSWORD, visit

Row = services.InterventionData


@pytest.fixture
def episode(patient, therapist):
    return services.episode_open(
        patient=patient, user=therapist, title="Low back pain", opened_on=date(2026, 11, 2)
    )


def plan(**changes) -> services.PlanData:
    values = {
        "visits_per_week": 2,
        "weeks": 6,
        "starts_on": date(2026, 11, 2),
        "certified_through": date(2026, 12, 31),
        "planned_codes": ["97110", "97140"],
        "interventions": "Mobility, then trunk stability.",
    }
    return services.PlanData(**{**values, **changes})


def signed(note: Note, user, assessment: str = "As planned.") -> Note:
    services.note_save(note=note, user=user, fields={"assessment": assessment}, interventions=[])
    return services.note_sign(note=note, user=user, password=PASSWORD)


def score(patient, instrument: str, value: float, day: date) -> Questionnaire:
    return Questionnaire.objects.create(
        patient=patient,
        instrument=instrument,
        status="submitted",
        score={"value": value, "display": f"{value:g}", "band": ""},
        submitted_at=bend(day.year, day.month, day.day, 8),
    )


# --- Plan of care and goals -----------------------------------------------------------------


def test_a_plan_reads_as_frequency_and_duration_within_a_certification_period(episode, therapist):
    saved = services.plan_save(episode=episode, user=therapist, data=plan())
    assert (saved.frequency, saved.planned_visits) == ("twice a week for 6 weeks", 12)
    again = services.plan_save(episode=episode, user=therapist, data=plan(weeks=4))
    assert again.pk == saved.pk
    assert again.planned_visits == 8
    with pytest.raises(services.CareError, match="at most 90 days: end it by Jan 30, 2027"):
        services.plan_save(
            episode=episode, user=therapist, data=plan(certified_through=date(2027, 2, 1))
        )
    with pytest.raises(services.CareError, match="on or after"):
        services.plan_save(
            episode=episode, user=therapist, data=plan(certified_through=date(2026, 11, 1))
        )
    with pytest.raises(services.CareError, match="before the episode"):
        services.plan_save(episode=episode, user=therapist, data=plan(starts_on=date(2026, 10, 1)))
    with pytest.raises(services.CareError, match="99999 is not a CPT code"):
        services.plan_save(episode=episode, user=therapist, data=plan(planned_codes=["99999"]))


def test_goals_need_a_measure_a_target_in_its_range_and_a_date(episode):
    goal = services.goal_add(
        episode=episode,
        term="short",
        text="Sit through a workday",
        measure="nprs",
        target=Decimal(3),
        due_on=date(2026, 11, 30),
    )
    assert str(goal) == "Sit through a workday: Pain rating (0–10) 3 by 2026-11-30"
    with pytest.raises(services.CareError, match="NPRS target is from 0 to 10"):
        services.goal_add(
            episode=episode,
            term="short",
            text="x",
            measure="nprs",
            target=Decimal(11),
            due_on=date(2026, 11, 30),
        )
    with pytest.raises(services.CareError, match="after the episode began"):
        services.goal_add(
            episode=episode,
            term="long",
            text="x",
            measure="odi",
            target=Decimal(10),
            due_on=date(2026, 11, 1),
        )
    # Lower is better for pain; higher for the PSFS.
    assert services.goal_reached(goal, 3.0) is True
    assert services.goal_reached(goal, 4.0) is False
    assert services.goal_reached(goal, None) is None
    psfs = Goal(measure="psfs", target=Decimal(7))
    assert services.goal_reached(psfs, 7.5) is True
    assert services.goal_reached(psfs, 6.0) is False


def test_the_episode_page_writes_the_plan_and_goals_and_refuses_bad_input(
    client, episode, therapist, front_desk
):
    login_staff(client, therapist)
    url = f"/admin/care/episode/{episode.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url + "plan/",
        {
            "visits_per_week": "2",
            "weeks": "6",
            "starts_on": "2026-11-02",
            "certified_through": "2026-12-31",
            "planned_codes": ["97110", "97112"],
            "interventions": "Mobility",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Twice a week for 6 weeks (12 visits)" in page
    # The series form starts from the plan (through a hook, not the address).
    assert f'href="/admin/calendar/patient/{episode.patient_id}/series/"' in page
    series = client.get(f"/admin/calendar/patient/{episode.patient_id}/series/")
    assert (
        series.context["form"].initial["weekdays"],
        series.context["form"].initial["count"],
    ) == (
        [0, 3],
        12,
    )
    for bad in (
        {"visits_per_week": "9"},
        {"certified_through": "2027-06-01"},
        {"starts_on": "yesterday"},
        {"planned_codes": ["<script>"]},
    ):
        data = {
            "visits_per_week": "2",
            "weeks": "6",
            "starts_on": "2026-11-02",
            "certified_through": "2026-12-31",
            **bad,
        }
        response = client.post(url + "plan/", data)
        assert response.status_code == 400, bad
    assert episode.plan.planned_codes == ["97110", "97112"]  # the bad posts changed nothing
    goal = {
        "term": "long",
        "text": "Ride the Sunday group ride",
        "measure": "psfs",
        "target": "8",
        "due_on": "2026-12-14",
    }
    assert client.post(url + "goal/", goal).status_code == 302
    assert client.post(url + "goal/", {**goal, "target": "abc"}).status_code == 400
    assert client.post(url + "goal/", {**goal, "text": "a\nb"}).status_code == 400
    assert episode.goals.count() == 1
    changes = AuditEvent.objects.filter(object_type="care.episode", action="change")
    assert set(changes.values_list("summary", flat=True)) == {"plan of care saved", "goal added"}
    # The front desk sees no clinical plan.
    login_staff(client, front_desk)
    assert client.get(url).status_code in (302, 403)
    assert client.post(url + "goal/", goal).status_code in (302, 403)
    assert episode.goals.count() == 1


# --- Objective findings ---------------------------------------------------------------------


def test_numeric_findings_are_validated_kept_and_carried_forward(
    client, booking, patient, therapist, episode, appointment
):
    note = services.note_start(appointment=appointment, user=therapist)
    login_staff(client, therapist)
    url = f"/admin/care/note/{note.pk}/"
    base = {"cpt-TOTAL_FORMS": "0", "cpt-INITIAL_FORMS": "0", "assessment": "Better."}
    response = client.post(url, {**base, "f-rom_flexion": "400"})
    assert response.status_code == 400
    note.refresh_from_db()
    assert note.findings == {}
    response = client.post(
        url,
        {**base, "f-rom_flexion": "45", "f-str_hip_flexion_l": "4", "f-slr_result_r": "positive"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.findings == {"rom_flexion": 45, "str_hip_flexion_l": 4, "slr_result_r": "positive"}
    services.note_sign(note=note, user=therapist, password=PASSWORD)
    page = client.get(url).content.decode()
    assert "45°" in page
    assert "positive" in page
    nxt = services.note_start(
        appointment=visit(booking, patient, bend(2026, 12, 4, 10)), user=therapist
    )
    assert nxt.findings == note.findings


# --- Progress every 10 visits ---------------------------------------------------------------


def test_a_progress_note_is_due_at_the_tenth_visit_and_the_calendar_says_so(
    client, booking, patient, therapist, episode, appointment
):
    evaluation = Note.objects.create(
        episode=episode,
        appointment=appointment,
        kind=Note.Kind.EVALUATION,
        visit_on=date(2026, 12, 2),
        author=therapist,
        signed_at=bend(2026, 12, 2, 12),
    )
    visits = [visit(booking, patient, bend(2026, 12, 3 + i, 10)) for i in range(10)]
    status = services.progress_due(episode)
    assert status["due_visit"] == visits[8]  # the evaluation's visit counts as the first
    assert services.progress_due_ids([v.pk for v in visits]) == {visits[8].pk, visits[9].pk}
    Appointment.objects.filter(pk=visits[3].pk).update(status=Appointment.Status.CANCELLED)
    assert services.progress_due_ids([v.pk for v in visits]) == {visits[9].pk}
    login_staff(client, therapist)
    calendar = client.get("/admin/calendar/", {"date": "2026-12-12", "view": "day"})
    assert "Progress note due" in calendar.content.decode()
    panel = client.get(f"/admin/calendar/appointment/{visits[9].pk}/").content.decode()
    assert "Progress note due at this visit" in panel
    # A progress note at that visit starts the count again.
    progress = services.note_start(appointment=visits[9], user=therapist, kind=Note.Kind.PROGRESS)
    assert services.progress_due_ids([v.pk for v in visits]) == {visits[9].pk}  # a draft: not yet
    signed(progress, therapist)
    assert services.progress_due_ids([v.pk for v in visits]) == set()
    assert evaluation.pk != progress.pk


# --- Discharge ------------------------------------------------------------------------------


def test_the_discharge_summary_shows_measures_and_goals_and_closes_the_episode(
    client, booking, patient, therapist, episode, appointment
):
    score(patient, "odi", 42, date(2026, 11, 2))
    score(patient, "odi", 20, date(2026, 12, 1))
    score(patient, "odi", 60, date(2026, 10, 1))  # before the episode: not part of it
    goal = services.goal_add(
        episode=episode,
        term="long",
        text="Lift the grandchildren",
        measure="odi",
        target=Decimal(20),
        due_on=date(2026, 12, 14),
    )
    note = services.note_start(appointment=appointment, user=therapist, kind=Note.Kind.DISCHARGE)
    assert "Oswestry" in note.assessment
    assert "42 → 20 (-22; reaches the MCID)" in note.assessment
    assert "Lift the grandchildren" in note.assessment
    assert "now 20" in note.assessment
    login_staff(client, therapist)
    url = f"/admin/care/note/{note.pk}/"
    page = client.get(url).content.decode()
    assert "Reason for discharge" in page
    assert "Reached" in page
    with pytest.raises(services.CareError, match="reason for discharge"):
        services.note_sign(note=note, user=therapist, password=PASSWORD)
    response = client.post(
        url,
        {
            "cpt-TOTAL_FORMS": "0",
            "cpt-INITIAL_FORMS": "0",
            "assessment": note.assessment,
            "plan": "Continue the home program three times a week.",
            "discharge_reason": "goals_met",
            f"g-goal_{goal.pk}": "met",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.outcome, goal.assessed_on) == ("", None)  # a draft changes no goal
    assert [str(a) for a in note.goal_assessments.all()] == ["Lift the grandchildren: Met"]
    services.note_sign(note=note, user=therapist, password=PASSWORD)
    goal.refresh_from_db()
    assert (goal.outcome, goal.assessed_on) == ("met", date(2026, 12, 2))
    episode.refresh_from_db()
    assert (episode.status, episode.closed_on, episode.discharge_reason) == (
        Episode.Status.CLOSED,
        date(2026, 12, 2),
        "goals_met",
    )
    with pytest.raises(services.CareError, match="closed"):
        services.goal_add(
            episode=episode,
            term="short",
            text="x",
            measure="nprs",
            target=Decimal(2),
            due_on=date(2026, 12, 20),
        )


# --- Assistants and co-signature -------------------------------------------------------------


def test_an_assistants_daily_note_needs_a_pts_co_signature(
    client, patient, therapist, other_therapist, assistant, episode, appointment
):
    with pytest.raises(services.CareError, match="written by a physical therapist"):
        services.note_start(appointment=appointment, user=assistant, kind=Note.Kind.PROGRESS)
    with pytest.raises(services.CareError, match="written by a physical therapist"):
        services.evaluation_start(appointment=appointment, user=assistant)
    note = services.note_start(appointment=appointment, user=assistant)
    signed(note, assistant)
    note.refresh_from_db()
    assert note.is_signed
    assert note.needs_cosign
    assert not note.is_complete
    login_staff(client, other_therapist)
    assert "Notes to co-sign: 1" in client.get("/admin/").content.decode()
    wrong = client.post(f"/admin/care/note/{note.pk}/cosign/", {"password": "nope"})
    assert wrong.status_code == 302
    note.refresh_from_db()
    assert note.cosigned_at is None
    draft = services.note_start(appointment=visit_for(patient, appointment, days=1), user=assistant)
    with pytest.raises(services.CareError, match="must sign"):
        services.note_cosign(note=draft, user=therapist, password=PASSWORD)
    with pytest.raises(services.CareError, match="written by a physical therapist"):
        services.note_cosign(note=note, user=assistant, password=PASSWORD)
    client.post(f"/admin/care/note/{note.pk}/cosign/", {"password": PASSWORD})
    note.refresh_from_db()
    assert note.is_complete
    assert note.cosigner_name == "Jordan Sample"
    assert "Notes to co-sign" not in client.get("/admin/").content.decode()
    with pytest.raises(services.CareError, match="already co-signed"):
        services.note_cosign(note=note, user=therapist, password=PASSWORD)
    # A PT's own note needs none; an assistant cannot co-sign.
    own = services.note_start(appointment=visit_for(patient, appointment, days=2), user=therapist)
    signed(own, therapist)
    with pytest.raises(services.CareError, match="does not need"):
        services.note_cosign(note=own, user=other_therapist, password=PASSWORD)
    assert AuditEvent.objects.filter(object_type="care.note", summary="co-signed").count() == 1


def visit_for(patient, appointment, *, days: int) -> Appointment:
    start = appointment.start + timedelta(days=days)
    return Appointment.objects.create(
        practitioner=appointment.practitioner,
        service=appointment.service,
        patient=patient,
        start=start,
        end=start + timedelta(minutes=45),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=45),
        reference=f"T{days:05d}",
    )


# --- Documents ------------------------------------------------------------------------------


def test_the_superbill_prices_units_from_the_fee_schedule(
    client, site, booking, therapist, episode, appointment, front_desk
):
    from tests.intake.pdftext import pdf_text

    settings = services.care_settings()
    settings.tax_id = "12-3456789"
    settings.save()
    booking["alex"].npi = "1234567893"
    booking["alex"].save()
    Fee.objects.create(code="97110", amount=Decimal("45.00"))
    services.diagnosis_add(episode=episode, code="M54.50")
    note = services.note_start(appointment=appointment, user=therapist)
    services.note_save(
        note=note,
        user=therapist,
        fields={"assessment": "Better."},
        interventions=[Row("97110", 33), Row("97140", 7)],
    )
    login_staff(client, therapist)
    url = f"/admin/care/note/{note.pk}/superbill.pdf"
    assert client.get(url).status_code == 302  # a draft has no superbill
    services.note_sign(note=note, user=therapist, password=PASSWORD)
    lines = documents.superbill_lines(note)
    assert [(line.code, line.units, line.amount) for line in lines] == [
        ("97110", 2, Decimal("90.00")),
        ("97140", 1, None),
    ]
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert "Sam" not in response["Content-Disposition"]
    text = " ".join(pdf_text(response.content).split())
    for fact in ("Superbill", "Sam Patient", "M54.50", "NPI 1234567893", "12-3456789", "$90.00"):
        assert fact in text, fact
    assert "not in fee schedule" in text
    assert AuditEvent.objects.filter(action="export", summary="superbill PDF").count() == 1
    login_staff(client, front_desk)
    assert client.get(url).status_code in (302, 403)


def test_the_episode_pdf_holds_the_plan_goals_and_signed_notes_but_no_drafts(
    client, booking, patient, therapist, episode, appointment
):
    from tests.intake.pdftext import pdf_text

    services.plan_save(episode=episode, user=therapist, data=plan())
    services.goal_add(
        episode=episode,
        term="short",
        text="Sit through a workday",
        measure="nprs",
        target=Decimal(3),
        due_on=date(2026, 11, 30),
    )
    signed(services.note_start(appointment=appointment, user=therapist), therapist, "Kept note.")
    draft = services.note_start(
        appointment=visit(booking, patient, bend(2026, 12, 4, 10)), user=therapist
    )
    services.note_save(
        note=draft, user=therapist, fields={"assessment": "Unsigned words."}, interventions=[]
    )
    login_staff(client, therapist)
    response = client.get(f"/admin/care/episode/{episode.pk}/episode.pdf")
    text = " ".join(pdf_text(response.content).split())
    for fact in (
        "Episode of care: Low back pain",
        "Twice a week for 6 weeks",
        "Sit through a workday",
        "Kept note.",
    ):
        assert fact in text, fact
    assert "Unsigned words." not in text
    assert "1 draft note not included" in text
    assert AuditEvent.objects.filter(action="export", summary="episode PDF").count() == 1


def test_progress_and_discharge_start_from_the_visit_for_a_pt_only(
    client, therapist, assistant, episode, appointment
):
    login_staff(client, assistant)
    client.post(f"/admin/care/visit/{appointment.pk}/progress/")
    assert not Note.objects.exists()  # an assistant writes daily notes only
    login_staff(client, therapist)
    response = client.post(f"/admin/care/visit/{appointment.pk}/progress/")
    progress = Note.objects.get()
    assert response.url == f"/admin/care/note/{progress.pk}/"
    assert progress.kind == Note.Kind.PROGRESS
    client.post(f"/admin/care/visit/{appointment.pk}/discharge/")
    assert Note.objects.filter(kind=Note.Kind.DISCHARGE, appointment=appointment).exists()


def test_an_episode_is_renamed_on_one_line(client, therapist, episode):
    login_staff(client, therapist)
    url = f"/admin/care/episode/{episode.pk}/rename/"
    assert client.post(url, {"title": "Low back and hip pain"}).status_code == 302
    assert client.post(url, {"title": "two\nlines"}).status_code == 400
    assert client.post(url, {"title": "x" * 121}).status_code == 400
    assert client.get(url).status_code == 405
    episode.refresh_from_db()
    assert episode.title == "Low back and hip pain"


def test_a_signed_discharge_stays_as_signed_and_closes_the_episode_once(
    client, booking, patient, therapist, episode, appointment
):
    goal = services.goal_add(
        episode=episode,
        term="long",
        text="Lift the grandchildren",
        measure="odi",
        target=Decimal(20),
        due_on=date(2026, 12, 14),
    )
    later = visit(booking, patient, bend(2026, 12, 4, 10))
    first = services.note_start(appointment=appointment, user=therapist, kind=Note.Kind.DISCHARGE)
    second = services.note_start(appointment=later, user=therapist, kind=Note.Kind.DISCHARGE)
    fields = {"assessment": "Done.", "discharge_reason": "goals_met"}
    services.note_save(
        note=first, user=therapist, fields=fields, interventions=[], goal_outcomes={goal.pk: "met"}
    )
    services.note_sign(note=first, user=therapist, password=PASSWORD)
    # A second draft can no longer rewrite what the signed one said, nor close it again.
    with pytest.raises(services.CareError, match="closed"):
        services.note_save(
            note=second,
            user=therapist,
            fields={**fields, "discharge_reason": "no_show"},
            interventions=[],
            goal_outcomes={goal.pk: "not_met"},
        )
    with pytest.raises(services.CareError, match="closed"):
        services.note_sign(note=second, user=therapist, password=PASSWORD)
    episode.refresh_from_db()
    goal.refresh_from_db()
    assert (episode.discharge_reason, goal.outcome) == ("goals_met", "met")


def test_a_goal_a_signed_note_judged_stays_on_the_record(therapist, episode, appointment):
    goal = services.goal_add(
        episode=episode,
        term="short",
        text="Sit through a workday",
        measure="nprs",
        target=Decimal(3),
        due_on=date(2026, 11, 30),
    )
    note = services.note_start(appointment=appointment, user=therapist, kind=Note.Kind.PROGRESS)
    services.note_save(
        note=note,
        user=therapist,
        fields={"assessment": "Better."},
        interventions=[],
        goal_outcomes={goal.pk: "partly"},
    )
    services.note_sign(note=note, user=therapist, password=PASSWORD)
    with pytest.raises(services.CareError, match="stays on the record"):
        services.goal_remove(episode=episode, goal_id=goal.pk)
    assert episode.goals.get().outcome == "partly"


def test_the_plan_and_goals_are_a_pts_to_set(client, assistant, episode):
    login_staff(client, assistant)
    url = f"/admin/care/episode/{episode.pk}/"
    assert "Write the plan" not in client.get(url).content.decode()
    response = client.post(
        url + "plan/",
        {
            "visits_per_week": "7",
            "weeks": "52",
            "starts_on": "2026-11-02",
            "certified_through": "2026-12-31",
        },
    )
    assert response.status_code in (302, 403)
    assert not hasattr(Episode.objects.get(pk=episode.pk), "plan")
    goal = {"term": "long", "text": "x", "measure": "psfs", "target": "8", "due_on": "2026-12-14"}
    client.post(url + "goal/", goal)
    assert not episode.goals.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_impossible_plan_dates_are_refused_with_a_message(client, therapist, episode, day):
    login_staff(client, therapist)
    response = client.post(
        f"/admin/care/episode/{episode.pk}/plan/",
        {"visits_per_week": "2", "weeks": "6", "starts_on": day, "certified_through": day},
    )
    assert response.status_code == 400
    assert "Choose a day" in response.content.decode()


def test_an_assistants_superbill_waits_for_the_co_signature_and_names_the_pt(
    client, booking, therapist, assistant, other_therapist, episode, appointment
):
    from tests.intake.pdftext import pdf_text

    jordan = booking["jordan"]
    jordan.user, jordan.npi = other_therapist, "1234567893"
    jordan.save()
    note = services.note_start(appointment=appointment, user=assistant)
    services.note_save(
        note=note, user=assistant, fields={"assessment": "Ok."}, interventions=[Row("97110", 30)]
    )
    services.note_sign(note=note, user=assistant, password=PASSWORD)
    login_staff(client, therapist)
    url = f"/admin/care/note/{note.pk}/superbill.pdf"
    assert client.get(url).status_code == 302  # not complete yet
    services.note_cosign(note=note, user=other_therapist, password=PASSWORD)
    text = " ".join(pdf_text(client.get(url).content).split())
    assert "Jordan Sample" in text
    assert "NPI 1234567893" in text
    note = Note.objects.get(pk=note.pk)
    assert [line.modifier for line in documents.superbill_lines(note)] == ["CQ"]
