"""The front desk's day in the browser: a returning patient booked by phone from an empty slot
on the time grid in four steps (click the time, type, choose, book); a visit moved on the grid;
every page checked by axe at phone and desktop widths."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from physiofit.booking.models import Appointment, Patient, Practitioner, Service, new_reference
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

    # Drag it an hour later on the grid: the move page asks to confirm, then moves it.
    page.goto(f"{base}/admin/calendar/?view=day&date={day.isoformat()}")
    visit = page.locator(f'a.pf-visit[data-move$="/appointment/{booked.pk}/move/"]')
    target = page.get_by_role("link", name=re.compile(r"^Book Alex Demo, .* at 11:00 AM$"))
    visit.drag_to(target, source_position={"x": 10, "y": 5}, target_position={"x": 10, "y": 5})
    expect(page.get_by_text(re.compile(r"Move to .*11:00 AM"))).to_be_visible()
    check_page(page, "move-confirm")
    page.get_by_role("button", name="Move the visit").click()
    expect(page.get_by_text(re.compile(r"Moved Casey Demo to .* 11:00 AM"))).to_be_visible()
    booked.refresh_from_db()
    assert booked.start.astimezone(clinic_zone()).strftime("%H:%M") == "11:00"


def _visit_today(patient, practitioner, service, start):
    """A visit at a given instant today, written directly: the guard refuses a past start,
    and a day is run with visits that have begun."""
    return Appointment.objects.create(
        patient=patient,
        practitioner=practitioner,
        service=service,
        start=start,
        end=start + service.duration,
        blocked_start=start,
        blocked_end=start + service.duration,
        reference=new_reference(),
        source="staff",
    )


def test_run_a_day_then_book_a_six_week_series(live_server, page, demo_site, check_page):
    base = live_server.url
    casey = Patient.objects.get(first_name="Casey")
    alex = Practitioner.objects.get(name="Alex Demo")
    follow_up = Service.objects.get(audience="returning")
    others = [
        Patient.objects.create(
            first_name=name,
            last_name="Walker",
            email=f"{name.lower()}@example.com",
            phone="541 555 0170",
            date_of_birth=date(1970, 1, 1),
        )
        for name in ("Drew", "Emery")
    ]
    now = timezone.now().replace(second=0, microsecond=0)
    arrives = _visit_today(casey, alex, follow_up, now - timedelta(minutes=30))
    # With another practitioner: two visits of one practitioner may not overlap (PostgreSQL's
    # exclusion constraint refuses even rows written directly).
    jordan = Practitioner.objects.get(name="Jordan Sample")
    missed = _visit_today(others[0], jordan, follow_up, now - timedelta(minutes=20))
    late = _visit_today(others[1], alex, follow_up, now + timedelta(hours=3))

    sign_in_to_admin(page, base, "frontdesk")
    page.set_viewport_size({"width": 1280, "height": 1800})
    # Arrive, then complete: the visit has started.
    page.goto(f"{base}/admin/calendar/appointment/{arrives.pk}/")
    page.get_by_role("button", name="Check in: arrived").click()
    expect(page.get_by_text("Casey Demo's visit is checked in.")).to_be_visible()
    page.get_by_text("Mark completed…").click()
    page.get_by_role("button", name="Yes, completed").click()
    expect(page.get_by_text("Casey Demo's visit is marked completed.")).to_be_visible()
    check_page(page, "visit-completed")
    # A no-show, after the start: confirmed, and undone and redone.
    page.goto(f"{base}/admin/calendar/appointment/{missed.pk}/")
    page.get_by_text("Mark no-show…").click()
    page.get_by_role("button", name="Yes, no-show").click()
    expect(page.get_by_text("Drew Walker's visit is marked a no-show.")).to_be_visible()
    page.get_by_role("button", name="Undo “No-show”").click()
    expect(page.get_by_text("Drew Walker's visit is set back to booked.")).to_be_visible()
    page.get_by_text("Mark no-show…").click()
    page.get_by_role("button", name="Yes, no-show").click()
    # A late cancellation: inside the 24-hour cut-off, with a reason.
    page.goto(f"{base}/admin/calendar/appointment/{late.pk}/")
    expect(page.get_by_text("Mark completed…")).to_have_count(0)  # not started
    page.get_by_text("Cancel visit…").click()
    expect(page.get_by_text(re.compile("Late cancellation:"))).to_be_visible()
    check_page(page, "visit-cancel")
    page.get_by_label("Reason").select_option(label="Patient unwell")
    page.get_by_role("button", name="Cancel the visit").click()
    expect(page.get_by_text(re.compile("It is a late cancellation"))).to_be_visible()
    states = {a.pk: a for a in Appointment.objects.filter(pk__in=[arrives.pk, missed.pk, late.pk])}
    assert states[arrives.pk].status == "completed"
    assert states[arrives.pk].arrived_at is not None
    assert states[missed.pk].status == "no_show"
    assert (states[late.pk].status, states[late.pk].late_cancel) == ("cancelled", True)
    assert states[late.pk].cancel_reason == "illness"

    # Six weeks, twice a week, in one step from the chart.
    page.goto(f"{base}/admin/patients/inspect/{casey.pk}/")
    page.get_by_role("link", name="Book a series").click()
    page.get_by_label("Number of visits").fill("12")
    page.get_by_label("At (clinic time)").fill("10:30")
    page.get_by_role("button", name="Book the series").click()
    result = page.get_by_role("heading", name=re.compile(r"Booked \d+ of 12 visits"))
    expect(result).to_be_visible()
    booked = int(re.search(r"Booked (\d+)", result.inner_text()).group(1))
    clashes = page.locator(".pf-series-result tbody tr").count()
    assert booked + clashes == 12  # every visit booked or listed with its reason
    assert booked >= 10
    check_page(page, "series-booked")
