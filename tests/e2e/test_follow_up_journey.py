"""A follow-up visit: a stranger is shown who it is for; a patient signed in to the portal
books one on their own record without retyping anything."""

import pytest
from playwright.sync_api import expect

from physiofit.booking.models import Appointment, Patient
from physiofit.intake import portal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_follow_ups_are_for_signed_in_patients(live_server, page, demo_site, check_page):
    base = live_server.url
    page.goto(base + "/book/")
    page.get_by_role("link", name="Follow-up visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Follow-up visits are for current patients"
    )
    expect(page.get_by_role("button", name="Email me a sign-in link")).to_be_visible()
    check_page(page, "follow-up-current-patients-only")
    booked_before = Appointment.objects.count()

    casey = Patient.objects.get(email="casey.demo@example.com")
    token = portal.portal_link_create(patient=casey)
    page.goto(f"{base}/portal/sign-in/{token}/")
    page.get_by_role("button", name="Continue").click()
    page.goto(base + "/book/follow-up-visit/")
    page.get_by_role("link", name="First available").click()
    page.get_by_role("link", name="Next month").click()
    page.locator("a.slot").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    expect(page.get_by_text("casey.demo@example.com")).to_be_visible()
    check_page(page, "follow-up-review-signed-in")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("status")).to_contain_text("You are booked.")
    assert Appointment.objects.count() == booked_before + 1
    assert Appointment.objects.latest("created_at").patient == casey
