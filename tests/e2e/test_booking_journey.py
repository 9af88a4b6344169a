"""A patient books online, gets the email, opens the manage link, reschedules and cancels."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from physiofit.booking.models import Appointment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_patient_books_reschedules_and_cancels(live_server, page, demo_site, check_page, settings):
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Book an evaluation").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    check_page(page, "book-services")
    page.get_by_role("link", name="Initial evaluation").click()
    answer_screening(page)
    check_page(page, "book-practitioner")
    page.get_by_role("link", name="First available").click()
    expect(page.get_by_text("America/Los_Angeles")).to_be_visible()
    # Days ahead, so the appointment is outside the 24-hour change cut-off whatever the day.
    a_later_day(page)
    check_page(page, "book-week")
    page.locator(".day-times a.slot").first.click()
    check_page(page, "book-details")
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    page.get_by_role("textbox", name="First name").fill("Sam")
    page.get_by_role("textbox", name="Last name").fill("Patient")
    page.get_by_role("textbox", name="Email").fill("sam@example.com")
    # Text reminders are asked for, never assumed; a number that cannot take texts is refused
    # only because the box is ticked.
    texts = page.get_by_role("checkbox", name="Text me reminders at this number")
    expect(texts).not_to_be_checked()
    page.get_by_role("textbox", name="Phone").fill("555 0100")
    page.get_by_label("Date of birth").fill("1980-05-06")
    texts.check()
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot receive text messages")
    check_page(page, "book-details-texts")
    page.get_by_role("textbox", name="Phone").fill("541 555 0100")
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_text("Reminders to this phone")).to_be_visible()
    check_page(page, "book-review")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("You are booked.")
    google = page.get_by_role("link", name="Google Calendar")
    expect(google).to_have_attribute("href", re.compile(r"^https://calendar\.google\.com/"))
    expect(page.get_by_role("link", name="Outlook")).to_have_attribute(
        "href", re.compile(r"^https://outlook\.live\.com/calendar/0/deeplink/compose\?")
    )
    assert "Sam" not in google.get_attribute("href")  # no patient name in the URL
    check_page(page, "book-confirmed")

    appointment = Appointment.objects.get(patient__email="sam@example.com")
    assert (appointment.patient.sms_consent, appointment.patient.sms_consent_how) == (
        "given",
        "online",
    )
    email = next(m for m in mail.outbox if m.to == ["sam@example.com"])
    assert appointment.reference in email.body
    manage_url = re.search(r"(http://\S+/appointments/[^/\s]+/)\s", email.body).group(1)

    page.goto(manage_url)
    page.get_by_role("link", name="Reschedule").click()
    a_later_day(page)
    check_page(page, "book-reschedule")
    page.locator(".day-times a.slot").nth(3).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your appointment?")
    check_page(page, "book-reschedule-confirm")
    page.get_by_role("button", name="Yes, move it").click()
    expect(page.get_by_role("status")).to_contain_text("moved to the new time")
    moved = Appointment.objects.get(patient__email="sam@example.com")
    assert moved.start != appointment.start
    assert moved.reference == appointment.reference

    page.get_by_role("link", name="Cancel appointment").click()
    check_page(page, "book-cancel-confirm")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status")).to_contain_text("cancelled")
    expect(page.get_by_role("link", name="Book a new initial evaluation")).to_be_visible()
    check_page(page, "book-cancelled")
    assert Appointment.objects.get(patient__email="sam@example.com").status == "cancelled"
    subjects = [m.subject for m in mail.outbox if m.to == ["sam@example.com"]]
    assert any(s.startswith("Your appointment has moved") for s in subjects)
    assert any("is cancelled" in s for s in subjects)


def a_later_day(page) -> None:
    """Next month in the picker (inside the booking horizon whatever the day), then its fifth
    free day: days away, outside the cut-off."""
    shown = page.locator(".month-title").inner_text()
    page.get_by_role("link", name="Next month").click()
    expect(page.locator(".month-title")).not_to_have_text(shown)
    page.locator(".month-grid a.cal-day").nth(4).click()
    expect(page.locator(".month-grid [aria-current=date]")).to_be_visible()


def answer_screening(page, **yes) -> None:
    """Answer the red-flag questions: "No" to each, except those named."""
    for fieldset in page.locator("fieldset.yes-no").all():
        question = fieldset.get_attribute("id").removeprefix("id_")
        fieldset.get_by_label("Yes" if yes.get(question) else "No", exact=True).check()
    page.get_by_role("button", name="Continue").click()


def test_waitlist_page_is_accessible(live_server, page, demo_site, check_page):
    page.goto(live_server.url + "/book/initial-evaluation/screening/")
    answer_screening(page)
    page.goto(live_server.url + "/book/initial-evaluation/any/waitlist/")
    check_page(page, "book-waitlist")
