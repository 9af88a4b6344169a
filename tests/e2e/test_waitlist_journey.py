"""The front desk works the waitlist in the browser: opens it, sees who waits for what, opens
a wish, offers a matching free time on the phone and books it in one click, landing on the
visit; the public hours show a closure. Every page checked by axe at phone and desktop widths."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from physiofit.booking import services
from physiofit.booking.models import Service
from physiofit.booking.templatetags.booking_tags import long_when
from physiofit.core.models import ClinicClosure, ClinicSettings, clinic_today, clinic_zone
from tests.factories import patient_details

from .test_intake_journey import sign_in_to_admin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_front_desk_books_a_waitlisted_patient_by_phone(live_server, page, demo_site, check_page):
    base = live_server.url
    today = clinic_today()
    entry = services.waitlist_join(
        service=Service.objects.get(slug="initial-evaluation"),
        practitioner=None,
        patient=patient_details(first_name="Robin", last_name="Rider", phone="541 555 0199"),
        first_day=today + timedelta(days=3),
        last_day=today + timedelta(days=17),
        mornings=True,
        afternoons=False,
        evenings=False,
    )
    sign_in_to_admin(page, base, "frontdesk")
    page.get_by_role("link", name="Waitlist").first.click()
    expect(page.get_by_role("link", name="Robin Rider")).to_be_visible()
    expect(page.get_by_text("541 555 0199")).to_be_visible()
    expect(page.get_by_text("Any practitioner")).to_be_visible()
    check_page(page, "waitlist")

    page.get_by_role("link", name="Robin Rider").click()
    expect(page.get_by_role("heading", name="Free times that match")).to_be_visible()
    book = page.get_by_role("button", name="Book this for Robin Rider")
    expect(book).to_have_count(10)
    check_page(page, "waitlist-entry")
    offered = page.locator("#time-1").inner_text()

    # Robin joined with no screening kept: the desk reads the questions and ticks the answers.
    expect(page.get_by_text(re.compile("No screening answers were kept"))).to_be_visible()
    for answer in page.locator(".pf-script input[type=radio][value=no]").all():
        answer.check()
    book.first.click()
    expect(page.get_by_text(re.compile(r"Booked Robin Rider from the waitlist"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Appointment")
    entry.refresh_from_db()
    assert entry.status == "booked"
    # The first time listed is the one booked, in clinic time.
    assert offered.startswith(long_when(entry.appointment.start, clinic_zone()))

    page.goto(f"{base}/admin/waitlist/")
    expect(page.get_by_role("link", name=re.compile(r"with .* \(\w{8}\)"))).to_be_visible()
    check_page(page, "waitlist-booked")

    # The clinic then closes that day: the dashboard lists Robin's visit for a call.
    ClinicClosure.objects.create(
        clinic=ClinicSettings.objects.get(),
        first_day=entry.appointment.start.astimezone(clinic_zone()).date(),
        label="Staff training",
    )
    page.goto(f"{base}/admin/")
    stranded = page.locator(".pf-closed-visits")
    expect(stranded).to_contain_text("still booked on days the clinic is closed")
    expect(stranded.get_by_role("link", name=re.compile("Robin Rider"))).to_be_visible()
    expect(stranded).to_contain_text("(Staff training)")
    check_page(page, "dashboard-closed-day")


def test_the_public_hours_show_an_upcoming_closure(live_server, page, demo_site, check_page):
    clinic = ClinicSettings.objects.get()
    ClinicClosure.objects.filter(clinic=clinic).delete()
    ClinicClosure.objects.create(
        clinic=clinic, first_day=clinic_today() + timedelta(days=5), label="Staff training"
    )
    page.goto(f"{live_server.url}/contact/")
    expect(page.get_by_test_id("contact-closures")).to_contain_text("(Staff training)")
    expect(page.get_by_test_id("closures")).to_contain_text("(Staff training)")
    check_page(page, "contact-closure")
