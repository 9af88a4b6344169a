"""The personalized treatment plan, end to end: a therapist assigns the Maigne's program from the
patient's appointment in three clicks; the patient opens it from the email on a phone, logs a
painful session and is told to stop; the therapist sees the flag and the adherence on the
appointment; the printed handout carries the clinic's details and the patient's name."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from wagtail.models import Site

from physiofit.booking.models import Appointment
from physiofit.core.models import ClinicSettings
from physiofit.exercises.models import PainFlag, Program
from physiofit.intake.demo import IN_CARE, TO_REVIEW
from tests.intake.pdftext import pdf_text

from .conftest import ARTIFACTS
from .test_intake_journey import sign_in_to_admin

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.e2e.media_urls"),
]


def loaded(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_assign_follow_flag_and_print(live_server, page, browser, demo_site, check_page, settings):
    settings.WAGTAILADMIN_BASE_URL = base = live_server.url
    appointment = Appointment.objects.filter(patient__email=TO_REVIEW.email).earliest("start")
    mail.outbox.clear()

    # The therapist, from the patient's next appointment: three clicks and the program is sent.
    staff = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_to_admin(staff, base, "therapist")
    staff.goto(f"{base}/admin/calendar/appointment/{appointment.pk}/")
    staff.get_by_role("link", name="Assign a program").click()
    staff.get_by_label("Start from").select_option(label="Maigne's syndrome — four phases")
    staff.get_by_role("button", name="Assign").click()
    expect(staff.get_by_role("heading", name=re.compile("Maigne's syndrome"))).to_be_visible()
    staff.screenshot(path=ARTIFACTS / "exercises-staff-assigned.png", full_page=True)
    program = Program.objects.get(patient=appointment.patient, status="active")
    # The editor fits a laptop screen: every row's last control can be reached.
    staff.get_by_role("link", name="Change the program").click()
    remove = staff.locator("input[name^='rx-'][name$='-DELETE']").last
    # The admin's message grows in over a second and pushes the page down, and under load it
    # may not have started growing yet: scroll again until the row stays where it was scrolled.
    in_view = (
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight }"
    )
    for _ in range(25):
        staff.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
        remove.scroll_into_view_if_needed()
        staff.wait_for_timeout(200)
        if remove.evaluate(in_view):
            break
    expect(remove).to_be_in_viewport()
    staff.screenshot(path=ARTIFACTS / "exercises-editor.png")

    # The patient opens the email on a phone.
    [email] = [m for m in mail.outbox if m.to == [TO_REVIEW.email]]
    assert "Maigne" not in email.body  # emails name no condition
    sign_in = re.search(r"(http://\S+/portal/sign-in/\S+/)", email.body).group(1)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(sign_in)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Today's exercises")).to_be_visible()
    check_page(page, "exercises-portal-home")
    page.get_by_role("link", name="Open your exercises").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your exercises")
    first = page.locator("article.exercise").first
    name = first.locator("h3").inner_text()
    picture = first.locator("img").first
    expect(picture).to_be_visible()  # the pictures come with the steps, and load
    picture.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=picture.element_handle())
    assert loaded(picture)
    check_page(page, "exercises-portal")

    # A session that hurt (7 of 10): the patient is told to stop and to call.
    first.locator("fieldset", has_text="Pain during").get_by_text("7", exact=True).click()
    first.get_by_label("Anything to tell your therapist?").fill("Sharp on the left side")
    first.get_by_role("button", name="Done: save this session").click()
    notice = page.locator("#result")
    expect(notice).to_contain_text(f"Please stop {name} for now")
    expect(notice.get_by_role("link", name=re.compile(r"^Call "))).to_be_visible()
    expect(page.locator("article.exercise").first).to_contain_text("Paused")
    check_page(page, "exercises-portal-flagged")
    assert PainFlag.objects.filter(log__program=program, resolved_at__isnull=True).count() == 1

    # A second exercise logged gently: a plain confirmation where the page opens.
    second = page.locator("article.exercise").nth(1)
    second_name = second.locator("h3").inner_text()
    second.locator("fieldset", has_text="Pain during").get_by_text("1", exact=True).click()
    second.get_by_role("button", name="Done: save this session").click()
    expect(page.locator("#result")).to_contain_text(f"Saved: {second_name}")
    assert page.evaluate("document.activeElement.id") == "result" or page.url.endswith("#result")

    # Before the visit, the therapist sees the flag and the adherence on the appointment.
    staff.goto(f"{base}/admin/calendar/appointment/{appointment.pk}/")
    panel = staff.locator("section", has=staff.get_by_role("heading", name="Home exercises"))
    expect(panel).to_contain_text(f"Pain flag: {name}")
    expect(panel).to_contain_text(re.compile(r"\d+%"))
    panel.screenshot(path=ARTIFACTS / "exercises-appointment-panel.png")
    staff.get_by_role("link", name=program.title).click()
    expect(staff.get_by_role("cell", name="Sharp on the left side")).to_be_visible()
    staff.screenshot(path=ARTIFACTS / "exercises-staff-flag.png", full_page=True)

    # The handout: the clinic's name, address and phone, the patient, the exercises.
    handout = page.request.get(base + "/portal/exercises/handout.pdf")
    assert handout.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(handout.body()).split())
    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    for fact in (clinic.name, clinic.phone, clinic.street_address, clinic.locality):
        assert " ".join(fact.split()) in text, fact
    assert f"{TO_REVIEW.first_name} {TO_REVIEW.last_name}" in text
    assert name in text


def test_the_demo_patient_in_care_shows_weeks_of_adherence_at_once(
    live_server, browser, demo_site, settings
):
    """A newcomer's first look: the demo's patient a month into care has a program and weeks of
    logs, so the next appointment already shows the adherence chart and number."""
    settings.WAGTAILADMIN_BASE_URL = base = live_server.url
    appointment = Appointment.objects.filter(patient__email=IN_CARE.email, status="booked").latest(
        "start"
    )
    staff = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_to_admin(staff, base, "therapist")
    staff.goto(f"{base}/admin/calendar/appointment/{appointment.pk}/")
    panel = staff.locator("section", has=staff.get_by_role("heading", name="Home exercises"))
    expect(panel).to_contain_text(re.compile(r"\d+% of prescribed sessions logged"))
    expect(panel.locator(".pf-bar")).to_have_count(panel.locator("tbody tr").count())
    assert panel.locator("tbody tr").count() >= 4  # a row, with its bar, per week so far
    panel.screenshot(path=ARTIFACTS / "exercises-demo-adherence.png")
