"""Screening stops an emergency; a patient books, fills the intake across two visits, the
therapist reads it; a measure is sent, answered in the portal, charted, with the MCID."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from physiofit.booking.models import Appointment
from physiofit.intake.models import Questionnaire, Screening

from . import staff_sign_in
from .test_booking_journey import answer_screening

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_emergency_answer_shows_the_message_at_once_and_stops_booking(
    live_server, page, demo_site, check_page
):
    booked_before = Appointment.objects.count()  # the demo's own patients
    page.goto(live_server.url + "/book/")
    page.get_by_role("link", name="Initial evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you book")
    check_page(page, "screening")
    # The message appears as soon as the answer is ticked, before the form is sent.
    page.locator("#id_bladder_bowel").get_by_label("Yes", exact=True).check()
    expect(page.get_by_role("alert")).to_contain_text("call 911")
    answer_screening(page, bladder_bowel=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Please get medical help now")
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    check_page(page, "screening-emergency")
    page.goto(live_server.url + "/book/initial-evaluation/any/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please get medical help now")
    assert Appointment.objects.count() == booked_before
    assert Screening.objects.filter(tier="emergency").count() == 1


def sign_in_to_admin(page, base: str, username: str) -> None:
    """A staff member who set up their authenticator app before: password, then its code."""
    TOTPDevice.objects.get_or_create(
        user=User.objects.get(username=username), confirmed=True, defaults={"name": "Phone"}
    )
    staff_sign_in.enter_password(page, base, username)
    staff_sign_in.verify(page, username)
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_book_intake_therapist_measure_chart(
    live_server, page, browser, demo_site, check_page, settings
):
    settings.WAGTAILADMIN_BASE_URL = base = live_server.url
    page.goto(base + "/book/initial-evaluation/screening/")
    answer_screening(page, pregnancy=True)  # a clinician flag: booking goes ahead
    page.get_by_role("link", name="First available").click()
    page.get_by_role("link", name="Next month").click()
    page.locator("a.slot").first.click()
    page.get_by_role("textbox", name="First name").fill("Robin")
    page.get_by_role("textbox", name="Last name").fill("Rider")
    page.get_by_role("textbox", name="Email").fill("robin@example.com")
    page.get_by_role("textbox", name="Phone").fill("541 555 0199")
    page.get_by_label("Date of birth").fill("1990-02-03")
    page.get_by_role("button", name="Review booking").click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("You are booked.")

    confirmation = next(m for m in mail.outbox if m.to == ["robin@example.com"])
    intake_url = re.search(r"(http://\S+/intake/)", confirmation.body).group(1)
    page.goto(intake_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pre-visit questionnaire")
    page.get_by_label("When did this problem start?").fill("2026-11-01")
    page.get_by_label("Gradually, over days or weeks").check()
    page.get_by_label("Back", exact=True).check()
    page.get_by_label("Cycling").check()
    expect(page.locator("#save-status")).to_contain_text("Saved at")  # autosaved as they go
    check_page(page, "intake")

    # Leave, come back from the manage page: the answers are still there.
    page.goto(base + "/")
    page.goto(re.search(r"(http://\S+/appointments/[^/\s]+/)\s", confirmation.body).group(1))
    page.get_by_role("link", name="Continue the questions").click()
    expect(page.get_by_label("When did this problem start?")).to_have_value("2026-11-01")
    expect(page.get_by_label("Cycling")).to_be_checked()
    page.get_by_label("What would you like to be able to do again?").fill("Ride to work")
    page.locator("label.scale-point", has_text="7").first.click()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Please name at least one activity")
    page.get_by_label("Activity 1", exact=True).fill("Cycling an hour")
    page.get_by_label("Rating for activity 1").select_option("3")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    intake = Questionnaire.objects.get(instrument="intake", patient__email="robin@example.com")
    assert intake.status == "submitted"

    # The therapist reads it before the visit, with the duration class and the flag.
    staff = browser.new_page()
    sign_in_to_admin(staff, base, "therapist")
    appointment = Appointment.objects.get(patient__email="robin@example.com")
    staff.goto(f"{base}/admin/calendar/appointment/{appointment.pk}/")
    expect(staff.get_by_text("Clinician flag")).to_be_visible()
    expect(
        staff.get_by_text(intake.score["duration_class"].capitalize(), exact=True)
    ).to_be_visible()
    expect(staff.get_by_text("Cycling an hour: 3/10")).to_be_visible()

    # The therapist sends a pain rating; the patient answers it in the portal.
    staff.get_by_role("link", name="Outcome measures for this patient").click()
    staff.get_by_label("Measure").first.select_option("nprs")
    staff.get_by_label("Occasion").fill("Visit 3")
    staff.get_by_role("button", name="Send now").click()
    expect(staff.get_by_text("Sent. The patient gets an email")).to_be_visible()
    invite = [m for m in mail.outbox if m.to == ["robin@example.com"]][-1]
    sign_in = re.search(r"(http://\S+/portal/sign-in/\S+/)", invite.body).group(1)
    page.goto(sign_in)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Signed in as Robin Rider")).to_be_visible()
    page.get_by_role("link", name="Numeric Pain Rating Scale").click()
    page.locator("label.scale-point", has_text="3").first.click()
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("link", name="Back to your page").click()
    expect(page.get_by_text("Yes, improved")).to_be_visible()  # 7 → 3
    check_page(page, "portal")

    staff.reload()
    expect(staff.locator("svg.chart").first).to_be_visible()
    expect(staff.get_by_text("Yes, improved")).to_be_visible()
    staff.screenshot(path="test-artifacts/screenshots/staff-outcomes.png", full_page=True)
