"""The therapist documents a visit: from the demo patient's next appointment, one click starts
the daily note with the last findings carried forward; minutes become units by the 8-minute
rule; signing needs the password and locks the note; an addendum follows it."""

import re

import pytest
from playwright.sync_api import expect

from physiofit.booking.models import Appointment
from physiofit.care.models import Note
from physiofit.intake.demo import IN_CARE

from .conftest import ARTIFACTS
from .staff_sign_in import PASSWORD
from .test_intake_journey import sign_in_to_admin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_daily_note_from_the_visit_to_the_signature(live_server, browser, demo_site, settings):
    settings.WAGTAILADMIN_BASE_URL = base = live_server.url
    visit = Appointment.objects.filter(patient__email=IN_CARE.email, status="booked").latest(
        "start"
    )
    staff = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_to_admin(staff, base, "therapist")
    staff.goto(f"{base}/admin/calendar/appointment/{visit.pk}/")
    staff.get_by_role("button", name="Start daily note").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Daily note")
    # The last note's objective findings are there to edit, not to retype.
    expect(staff.get_by_label("Objective")).to_have_value(re.compile("Bird dog steady"))
    expect(staff.get_by_label("Flexion (°)")).to_have_value("55")
    staff.get_by_label("Subjective").fill("Sat through a workday without pain.")
    staff.get_by_label("Assessment").fill("Goals nearly met.")
    staff.get_by_label("Plan").fill("Progress review next visit.")
    codes = staff.get_by_label("CPT code")
    minutes = staff.get_by_label("Minutes")
    codes.nth(0).select_option("97110")
    minutes.nth(0).fill("33")
    codes.nth(1).select_option("97140")
    minutes.nth(1).fill("7")
    staff.get_by_role("button", name="Save draft").click()
    expect(staff.get_by_text("3 units from 40 timed minutes")).to_be_visible()
    staff.set_viewport_size({"width": 1280, "height": 2000})
    staff.screenshot(path=ARTIFACTS / "care-note-draft.png")

    staff.get_by_label("Password or app code, to sign").fill("not it")
    staff.get_by_role("button", name="Sign and lock").click()
    expect(staff.get_by_text("That password or app code is not right")).to_be_visible()
    staff.get_by_label("Password or app code, to sign").fill(PASSWORD)
    staff.get_by_role("button", name="Sign and lock").click()
    expect(staff.get_by_text("Locked: later changes are addenda below.")).to_be_visible()
    staff.get_by_label("Add an addendum").fill("Patient phoned: no soreness next day.")
    staff.get_by_label("Password or app code, to sign").fill(PASSWORD)
    staff.get_by_role("button", name="Sign and add").click()
    expect(staff.get_by_text("Patient phoned: no soreness next day.")).to_be_visible()
    staff.set_viewport_size({"width": 1280, "height": 2000})  # the admin scrolls inside
    staff.screenshot(path=ARTIFACTS / "care-note-signed.png")
    note = Note.objects.get(appointment=visit)
    assert note.signed_at is not None
    assert dict(note.interventions.values_list("code", "units")) == {"97110": 2, "97140": 1}

    staff.get_by_role("link", name="← Clinical record").click()
    expect(staff.get_by_role("cell", name="Daily note")).to_have_count(5)
    staff.screenshot(path=ARTIFACTS / "care-record.png", full_page=True)
