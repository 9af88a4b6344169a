"""A new patient on a 390 px phone, in another time zone: picks a day in the month picker and a
time inside the cancellation cut-off, is warned before confirming, goes back from the review
without resubmitting a form, books, and gets an "Add to Google Calendar" link in UTC."""

import re
from datetime import UTC
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from physiofit.booking.models import Appointment, BookingPolicy
from tests.e2e.test_booking_journey import answer_screening

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.e2e.media_urls"),  # the practitioners' (demo) photos
]

PHONE = {"width": 390, "height": 844}
LONG_EMAIL = "alexandra.long-surname.for-testing-wrapping@physiotherapy-patients.example.com"


def test_new_patient_books_on_a_phone(live_server, browser, demo_site, check_page, settings):
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    # A week-long cut-off puts the next free time inside it, whatever day the test runs.
    policy = BookingPolicy.objects.get()
    policy.cancel_cutoff_hours = 168
    policy.save()
    context = browser.new_context(viewport=PHONE, timezone_id="Europe/London")
    page = context.new_page()

    page.goto(live_server.url + "/book/")
    expect(page.get_by_text("What to bring:").first).to_be_visible()
    page.get_by_role("link", name="Initial evaluation").click()
    answer_screening(page)
    expect(page.get_by_text("Demo photo").first).to_be_visible()
    check_page(page, "phone-practitioner")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="First available").click()

    # The next available time first, then the month: free days are links, the rest are not.
    expect(page.get_by_role("heading", name="Next available")).to_be_visible()
    expect(page.locator(".month-grid")).to_be_visible()
    assert page.locator(".month-grid a.cal-day").count() > 0
    # The browser is in London, the clinic in Bend: the patient's own time is beside each.
    expect(page.locator(".your-zone")).to_contain_text("Europe/London")
    check_page(page, "phone-picker")
    page.set_viewport_size(PHONE)
    day = page.locator(".month-grid a.cal-day").first
    label = day.inner_text().split()[0]
    day.click()
    expect(page.locator(".month-grid [aria-current=date]")).to_contain_text(label)
    expect(page.locator(".day-title")).to_contain_text(f" {label}")
    time = page.locator(".day-times a.slot").first
    expect(time.locator(".local-time")).to_contain_text("your time")
    # Inside the cut-off: marked on the list before it is chosen.
    expect(time).to_have_class(re.compile(r"\bslot-cutoff\b"))
    expect(page.locator(".day-times .cutoff-note")).to_contain_text("less than 168 hours away")
    time.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page.get_by_text("This visit is less than 168 hours away")).to_be_visible()
    page.get_by_label("First name").fill("Alexandra")
    page.get_by_label("Last name").fill("Phoneuser")
    page.get_by_label("Email").fill(LONG_EMAIL)
    page.get_by_label("Phone").fill("541 555 0142")
    page.get_by_label("Date of birth").fill("1988-07-14")
    page.get_by_label("Reason for visit (optional)").fill("Low back ache after cycling")
    check_page(page, "phone-details")
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Review booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    warning = page.get_by_text("This visit is less than 168 hours away:")
    expect(warning).to_be_visible()
    expect(page.locator(".notice-caution")).to_contain_text("change or cancel it online")
    expect(page.get_by_text(LONG_EMAIL)).to_be_visible()
    check_page(page, "phone-review")  # the long email wraps: no sideways scrolling
    page.set_viewport_size(PHONE)
    # Back and forward: plain GETs, no "confirm form resubmission", the details kept.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page.get_by_label("Email")).to_have_value(LONG_EMAIL)
    page.go_forward()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("status")).to_contain_text("You are booked.")
    appointment = Appointment.objects.get(patient__email=LONG_EMAIL)
    assert appointment.reason_for_visit == "Low back ache after cycling"
    google = page.get_by_role("link", name="Google Calendar")
    href = google.get_attribute("href")
    assert href.startswith("https://calendar.google.com/")
    utc = [f"{m.astimezone(UTC):%Y%m%dT%H%M%SZ}" for m in (appointment.start, appointment.end)]
    assert parse_qs(urlsplit(href).query)["dates"] == ["/".join(utc)]
    for identifying in ("Alexandra", "Phoneuser", "alexandra", LONG_EMAIL.split("@")[0]):
        assert identifying not in href
    # Inside the cut-off: the manage page says so and offers no online change.
    expect(page.get_by_text("can no longer be changed online")).to_be_visible()
    # The booked time in London time too, on the page the patient keeps.
    expect(page.locator(".summary .local-time")).to_contain_text("your time")
    check_page(page, "phone-booked")
    context.close()
