"""A visitor's walk: home → Back Pain Relief → blog post → tag → contact form, in Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from physiofit.website.models import ContactMessage

from . import staff_sign_in

# Live-server tests commit for real and flush afterwards; `demo_site` rebuilds what it needs.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_reads_about_back_pain_then_sends_a_message(
    live_server, page, demo_site, check_page
):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Physical therapy")
    expect(page.locator("footer")).to_contain_text("(541) 697-4700")
    expect(page.get_by_test_id("open-status")).to_have_text(re.compile(r"^(Open now|Closed) · "))
    check_page(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Back Pain Relief").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Back Pain Relief")
    expect(page.get_by_role("heading", name="Subacute")).to_be_visible()
    expect(page.get_by_text("Ankylosing spondylitis")).to_be_visible()
    check_page(page, "back-pain-relief")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="PhysioBlog").click()
    check_page(page, "blog-index")
    page.get_by_role("link", name=re.compile("Maigne's syndrome")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maigne's syndrome")
    expect(page.get_by_text("April 8, 2025")).to_be_visible()
    expect(page.get_by_text("Copenhagen plank")).to_be_visible()
    check_page(page, "blog-post")

    page.get_by_role("link", name="sciatica", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("sciatica")
    check_page(page, "blog-tag")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contact").click()
    expect(page).to_have_url(re.compile(r"/contact/$"))
    expect(page.get_by_role("main")).not_to_contain_text("1334")  # one address, not two
    check_page(page, "contact")
    page.get_by_role("link", name="Book online").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    page.go_back()
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("alert")).to_contain_text("Your message was not sent.")
    check_page(page, "contact-errors")
    page.get_by_role("textbox", name="Your name").fill("Sam Patient")
    page.get_by_role("textbox", name="Email").fill("sam@example.com")
    page.get_by_role("textbox", name="Message").fill("Could I book an evaluation next week?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    check_page(page, "contact-sent")
    assert ContactMessage.objects.get().email_status == "sent"
    assert mail.outbox[-1].to == ["info@physiofitbend.com"]


def test_other_public_pages_are_accessible(live_server, page, demo_site, check_page):
    for path, name in [
        ("/privacy/", "privacy"),
        ("/medical-disclaimer/", "disclaimer"),
        ("/search/?query=sciatica", "search"),
        ("/no-such-page/", "not-found"),
    ]:
        page.goto(live_server.url + path)
        check_page(page, name)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_keyboard_user_can_skip_to_content(live_server, page, demo_site):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_staff_edit_hours_in_the_admin_and_the_footer_changes(
    live_server, page, demo_site, check_page
):
    # The demo admin's first sign-in: password, then setting up the authenticator app.
    staff_sign_in.enter_password(page, live_server.url, "admin")
    staff_sign_in.enrol(page, check_page)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.goto(live_server.url + "/admin/settings/core/clinicsettings/")
    page.locator("input[name='opening_hours-4-closes']").fill("13:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Clinic updated")).to_be_visible()
    page.context.clear_cookies()
    page.goto(live_server.url + "/")
    expect(page.locator("footer")).to_contain_text("Fri")
    expect(page.locator("footer")).to_contain_text("7:00 AM – 1:00 PM")
