"""A whole episode of care in the browser, as the therapist and the front desk do it: the demo's
new patient is evaluated (the evaluation pre-filled from what they told us), diagnosed, given a
plan with two goals; the plan's visits are booked in one step; a daily note is written with CPT
minutes (units by the 8-minute rule), signed, and amended; the progress note comes due at the
tenth visit and is written; the discharge summary closes the episode; then the episode PDF,
the superbill and the FHIR bundle are produced and checked."""

import json
import re
from datetime import datetime, time, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import expect

from physiofit.booking.models import Appointment
from physiofit.care import services
from physiofit.care.models import Episode, Note
from physiofit.core.models import clinic_zone
from physiofit.intake.demo import TO_REVIEW, _submitted
from tests.intake.pdftext import pdf_text

from .conftest import ARTIFACTS
from .staff_sign_in import PASSWORD
from .test_intake_journey import sign_in_to_admin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tall(page):
    """The admin scrolls inside its own container: a tall window shows the whole page."""
    page.set_viewport_size({"width": 1280, "height": 2600})


def sign(page, button: str = "Sign and lock"):
    page.get_by_label("Password or app code, to sign").fill(PASSWORD)
    page.get_by_role("button", name=button).click()


def test_an_episode_from_evaluation_to_discharge_with_its_documents(
    live_server, browser, demo_site, check_page, settings
):
    settings.WAGTAILADMIN_BASE_URL = base = live_server.url
    evaluation_visit = Appointment.objects.get(patient__email=TO_REVIEW.email)
    patient = evaluation_visit.patient
    day = evaluation_visit.start.astimezone(clinic_zone()).date()
    # Before the visit the patient answered the pre-visit questions (the intake journey's
    # browser test walks that form; here it is the starting point).
    _submitted(
        patient,
        "intake",
        {
            "onset": (day - timedelta(days=20)).isoformat(),
            "onset_how": "sudden",
            "where": ["back"],
            "symptoms": ["worse_rest_sit_stand"],
            "conditions": [],
            "activities": ["gardening"],
            "goals": "Garden for an afternoon.",
            "pain_now": 6,
            "psfs": [{"activity": "Gardening for an hour", "rating": 3}],
        },
        at=datetime.combine(day - timedelta(days=1), time(18), tzinfo=clinic_zone()),
        label="Before the first visit",
        appointment=evaluation_visit,
    )

    staff = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_to_admin(staff, base, "therapist")

    # --- The initial evaluation, pre-filled from intake and screening ---------------------
    staff.goto(f"{base}/admin/calendar/appointment/{evaluation_visit.pk}/")
    staff.get_by_role("button", name="Start initial evaluation").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Initial evaluation")
    subjective = staff.get_by_label("Subjective")
    expect(subjective).to_have_value(re.compile("From the pre-visit questionnaire"))
    expect(subjective).to_have_value(re.compile("Gardening for an hour"))
    expect(subjective).to_have_value(re.compile("Red-flag screening: "))
    staff.get_by_label("Flexion (°)").fill("35")
    staff.get_by_label("Hip abduction, left").fill("4")
    staff.get_by_label("Result, left").select_option("negative")
    staff.get_by_label("Assessment").fill("Acute mechanical low back pain; screening reviewed.")
    staff.get_by_label("Plan").fill("See the plan of care.")
    staff.get_by_label("CPT code").nth(0).select_option("97162")
    staff.get_by_label("CPT code").nth(1).select_option("97110")
    staff.get_by_label("Minutes").nth(1).fill("15")
    staff.get_by_role("button", name="Save draft").click()
    expect(staff.get_by_text("2 units from 15 timed minutes")).to_be_visible()
    sign(staff)
    expect(staff.get_by_text("Locked: later changes are addenda below.")).to_be_visible()
    episode = Episode.objects.get(patient=patient)

    # --- Diagnosis, plan of care, two goals ----------------------------------------------
    staff.goto(f"{base}/admin/care/patient/{patient.pk}/")
    staff.get_by_label("Find a code").fill("M54.50")
    staff.get_by_role("button", name="Search").click()
    staff.get_by_role("button", name="Add").first.click()
    expect(staff.get_by_text("Added M54.50")).to_be_visible()
    staff.get_by_role("link", name="Plan of care, goals, visits and outcome measures →").click()
    staff.get_by_label("Visits a week").fill("2")
    staff.get_by_label("For (weeks)").fill("6")
    staff.get_by_label("Plan starts").fill(day.isoformat())
    staff.get_by_label("Certified through").fill((day + timedelta(days=60)).isoformat())
    staff.get_by_label("97112 Neuromuscular re-education").check()
    staff.get_by_label("Planned interventions, in words").fill("Mobility, then stability.")
    staff.get_by_role("button", name="Save the plan").click()
    expect(staff.get_by_text("Twice a week for 6 weeks (12 visits)")).to_be_visible()
    for term, text, measure, target, weeks in (
        ("short", "Sleep through the night", "nprs", "3", 3),
        ("long", "Garden for an afternoon", "psfs", "8", 6),
    ):
        if staff.get_by_role("button", name="Add the goal").is_hidden():
            staff.get_by_text("Add a goal").click()
        staff.get_by_label("Term").select_option(term)
        staff.get_by_label("Goal", exact=True).fill(text)
        staff.get_by_label("Measure").select_option(measure)
        staff.get_by_label("Target").fill(target)
        staff.get_by_label("By").fill((day + timedelta(weeks=weeks)).isoformat())
        staff.get_by_role("button", name="Add the goal").click()
        expect(staff.get_by_role("cell", name=text, exact=True)).to_be_visible()
    check_page(staff, "care-episode")

    # --- The front desk books the series from the plan --------------------------------------
    staff.get_by_role("link", name="Book the plan's visits").click()
    staff.get_by_label("From").fill((day + timedelta(days=1)).isoformat())
    staff.get_by_label("At (clinic time)").fill("11:00")
    staff.get_by_role("button", name="Book the series").click()
    expect(
        staff.get_by_role("heading", name=re.compile(r"Booked \d+ of 11 visits"))
    ).to_be_visible()
    check_page(staff, "care-series-booked")
    series = list(
        Appointment.objects.filter(patient=patient, series__gt="", status="booked").order_by(
            "start"
        )
    )
    assert len(series) >= 9, "the series left too few visits for a progress note"

    # --- A daily note with CPT minutes, signed, then an addendum ------------------------------
    staff.goto(f"{base}/admin/calendar/appointment/{series[0].pk}/")
    staff.get_by_role("button", name="Start daily note").click()
    expect(staff.get_by_label("Flexion (°)")).to_have_value("35")  # carried forward
    staff.get_by_label("Flexion (°)").fill("45")
    staff.get_by_label("Assessment").fill("Moving more freely.")
    staff.get_by_label("CPT code").nth(0).select_option("97110")
    staff.get_by_label("Minutes").nth(0).fill("33")
    staff.get_by_label("CPT code").nth(1).select_option("97140")
    staff.get_by_label("Minutes").nth(1).fill("7")
    staff.get_by_role("button", name="Save draft").click()
    expect(staff.get_by_text("3 units from 40 timed minutes")).to_be_visible()
    sign(staff)
    staff.get_by_label("Add an addendum").fill("Phoned next day: no soreness.")
    sign(staff, "Sign and add")
    expect(staff.get_by_text("Phoned next day: no soreness.")).to_be_visible()
    staff.reload()  # the page as it is read later, without the fading "signed" message
    check_page(staff, "care-daily-signed")
    daily = Note.objects.get(appointment=series[0])
    superbill = staff.request.get(f"{base}/admin/care/note/{daily.pk}/superbill.pdf")
    text = " ".join(pdf_text(superbill.body()).split())
    for fact in ("Superbill", "M54.50", "97110", "97140", "$90.00", "$42.00", "$132.00"):
        assert fact in text, fact

    # --- Visits 2-9 are documented; the 10th asks for a progress note ----------------------
    for visit in series[1:8]:
        note = services.note_start(appointment=visit, user=daily.author)
        services.note_save(
            note=note, user=daily.author, fields={"assessment": "As planned."}, interventions=[]
        )
        services.note_sign(note=note, user=daily.author, password=PASSWORD)
    tenth = series[8]
    assert services.progress_due_ids([v.pk for v in series]) >= {tenth.pk}
    tenth_day = tenth.start.astimezone(clinic_zone()).date()
    staff.goto(f"{base}/admin/calendar/?date={tenth_day.isoformat()}&view=day")
    expect(staff.get_by_text("Progress note due").first).to_be_visible()
    staff.goto(f"{base}/admin/calendar/appointment/{tenth.pk}/")
    expect(staff.get_by_text("Progress note due at this visit")).to_be_visible()
    staff.get_by_role("button", name="Start progress note").click()
    expect(staff.get_by_label("Assessment")).to_have_value(re.compile("Sleep through the night"))
    staff.get_by_label("Sleep through the night").select_option("met")
    staff.get_by_label("Garden for an afternoon").select_option("partly")
    staff.get_by_role("button", name="Save draft").click()
    sign(staff)
    expect(staff.get_by_text("Locked: later changes are addenda below.")).to_be_visible()
    assert services.progress_due_ids([v.pk for v in series]) == set()

    # --- Discharge closes the episode -------------------------------------------------------
    staff.goto(f"{base}/admin/calendar/appointment/{series[9].pk}/")
    staff.get_by_role("button", name="Start discharge summary").click()
    staff.get_by_label("Reason for discharge").select_option("goals_met")
    staff.get_by_label("Garden for an afternoon").select_option("met")
    staff.get_by_label("Plan").fill("Continue the home program; call if symptoms return.")
    staff.get_by_role("button", name="Save draft").click()
    sign(staff)
    expect(staff.get_by_text("Reason for discharge: Goals met")).to_be_visible()
    tall(staff)
    staff.screenshot(path=ARTIFACTS / "care-discharge.png")
    episode.refresh_from_db()
    assert episode.status == Episode.Status.CLOSED

    # --- The episode's documents ---------------------------------------------------------------
    staff.goto(f"{base}/admin/care/episode/{episode.pk}/")
    expect(staff.get_by_text("(closed: goals met)")).to_be_visible()
    pdf = staff.request.get(f"{base}/admin/care/episode/{episode.pk}/episode.pdf")
    text = " ".join(pdf_text(pdf.body()).split())
    for fact in (
        "Episode of care",
        "M54.50",
        "Twice a week for 6 weeks",
        "Sleep through the night",
        "Initial evaluation",
        "Progress note",
        "Discharge summary",
        "Phoned next day: no soreness.",
        "Goals met",
    ):
        assert fact in text, fact
    fhir = staff.request.get(f"{base}/admin/care/episode/{episode.pk}/episode.fhir.json")
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(fhir.body())
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    for kind in ("Patient", "Encounter", "Condition", "Procedure", "CarePlan", "Goal"):
        assert kind in kinds, kind
    assert "M54.50" in json.dumps(json.loads(fhir.body()))
