"""The front desk's day in the browser: a returning patient booked by phone from an empty slot
on the time grid in four steps (click the time, type, choose, book); a visit moved on the grid;
every page checked by axe at phone and desktop widths."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from physiofit.booking.models import Appointment
from physiofit.core.models import clinic_zone

from .conftest import ARTIFACTS
from .test_intake_journey import sign_in_to_admin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def next_weekday(after_days: int):
    day = datetime.now(clinic_zone()).date() + timedelta(days=after_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_book_a_returning_patient_by_phone_from_an_empty_slot(
    live_server, page, demo_site, check_page
):
    base = live_server.url
    sign_in_to_admin(page, base, "frontdesk")
    day = next_weekday(8)
    page.goto(f"{base}/admin/calendar/?view=day&date={day.isoformat()}")
    expect(
        page.get_by_role("heading", level=2, name=re.compile(f"{day:%B} {day.day}"))
    ).to_be_visible()
    check_page(page, "calendar-day")

    # 1. the free time
    page.set_viewport_size({"width": 1280, "height": 1800})
    page.get_by_role("link", name=re.compile(r"^Book Alex Demo, .* at 10:00 AM$")).click()
    expect(page.get_by_label("Practitioner")).to_have_value(
        str(Appointment.objects.filter(practitioner__name="Alex Demo").first().practitioner_id)
    )
    expect(page.get_by_label("Start time")).to_have_value("10:00")
    # 2. type part of the name; 3. choose the record
    page.get_by_label(re.compile("Find the patient")).fill("case")
    casey = page.get_by_role("radio", name=re.compile("Casey Demo"))
    expect(casey).to_be_visible()
    check_page(page, "book-by-phone")
    casey.check()
    page.screenshot(path=ARTIFACTS / "book-by-phone-chosen.png", full_page=True)
    # 4. book
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text(re.compile(r"Booked Casey Demo: Follow-up visit"))).to_be_visible()
    booked = Appointment.objects.get(
        patient__first_name="Casey", start__date__gte=day - timedelta(days=1), source="staff"
    )
    assert booked.start.astimezone(clinic_zone()).strftime("%H:%M") == "10:00"
    assert booked.service.audience == "returning"  # Casey is in care: the usual visit
