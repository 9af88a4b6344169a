"""Clinic closures (holidays) in booking: the engine offers nothing on a closure day in clinic
time (daylight-saving days too), and online, staff and series bookings are refused with a
clear message; the staff grid shows no working time that day."""

from datetime import date, datetime, time, timedelta

import pytest

from physiofit.booking import schedule, selectors, services
from physiofit.booking import slots as engine
from physiofit.core.models import ClinicClosure
from tests.factories import patient_details

from .conftest import BEND, NOW, bend, dashboard_at

CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday, inside the booking horizon from NOW


def close(site, day, last_day=None, label=""):
    return ClinicClosure.objects.create(
        clinic=site["clinic"], first_day=day, last_day=last_day, label=label
    )


def always_open(closed=()):
    week = [engine.DailyRange(d, time(0), time(23, 59)) for d in range(7)]
    return engine.ClinicHours(week, closed=closed)


def local_days(slots):
    return {slot.start.astimezone(BEND).date() for slot in slots}


@pytest.mark.parametrize("dst_day", [date(2026, 3, 8), date(2026, 11, 1)])
def test_engine_offers_nothing_on_a_closure_day_in_clinic_time_across_dst(dst_day):
    calendar = engine.PractitionerCalendar(
        key="alex", working=tuple(engine.DailyRange(d, time(0), time(23, 59)) for d in range(7))
    )
    found = engine.available_slots(
        calendars=[calendar],
        clinic_hours=always_open(closed={dst_day}),
        service=engine.ServiceSpec(timedelta(minutes=30)),
        policy=engine.PolicySpec(min_notice=timedelta(0), horizon=timedelta(days=400)),
        now=datetime(2026, 1, 1, tzinfo=BEND),
        first_day=dst_day - timedelta(days=1),
        last_day=dst_day + timedelta(days=1),
        zone=BEND,
    )
    assert local_days(found) == {dst_day - timedelta(days=1), dst_day + timedelta(days=1)}
    # The evening before is already the closure day in UTC: it is still offered.
    assert datetime.combine(dst_day - timedelta(days=1), time(22), BEND) in {s.start for s in found}
    # And the day after starts at its own local midnight, whatever the switch did.
    assert min(s for s in found if s.start.astimezone(BEND).date() > dst_day).start == (
        datetime.combine(dst_day + timedelta(days=1), time(0), BEND)
    )


def test_refusal_names_the_closure_for_every_start_that_day():
    calendar = engine.PractitionerCalendar(
        key="alex", working=tuple(engine.DailyRange(d, time(9), time(17)) for d in range(7))
    )
    for hour in range(9, 17):
        start = datetime(2026, 11, 26, hour, tzinfo=BEND)
        assert (
            engine.refusal(
                start=start,
                calendar=calendar,
                clinic_hours=always_open(closed={date(2026, 11, 26)}),
                service=engine.ServiceSpec(timedelta(minutes=30)),
                policy=engine.PolicySpec(min_notice=timedelta(0), horizon=timedelta(days=400)),
                now=datetime(2026, 1, 1, tzinfo=BEND),
                zone=BEND,
            )
            == engine.CLOSED
        )


def test_closures_reach_the_booking_context_and_the_search(site, booking):
    close(site, CHRISTMAS_EVE, CHRISTMAS_EVE + timedelta(days=1), "Christmas")
    context = selectors.booking_context()
    assert context.clinic_hours.closed == {CHRISTMAS_EVE, CHRISTMAS_EVE + timedelta(days=1)}
    assert context.closure_on(CHRISTMAS_EVE).label == "Christmas"
    found = selectors.slot_search(
        service=booking["evaluation"],
        practitioner=None,
        first_day=CHRISTMAS_EVE - timedelta(days=1),
        last_day=CHRISTMAS_EVE + timedelta(days=7),
        now=NOW,
    )
    days = local_days(found)
    assert CHRISTMAS_EVE - timedelta(days=1) in days
    assert CHRISTMAS_EVE not in days
    assert CHRISTMAS_EVE + timedelta(days=1) not in days
    assert date(2026, 12, 28) in days  # the Monday after


def test_online_booking_on_a_closure_day_is_refused_with_the_reason(site, booking):
    close(site, CHRISTMAS_EVE, label="Christmas Eve")
    start = bend(2026, 12, 24, 10)
    with pytest.raises(services.BookingError) as refused:
        services.appointment_check_start(
            service=booking["evaluation"], practitioner=None, start=start, now=NOW
        )
    assert refused.value.code == "clinic_closed"
    assert refused.value.message.startswith("The clinic is closed that day (Christmas Eve).")
    # Nearest free times on the days around it, none on the closure day.
    assert refused.value.alternatives
    assert CHRISTMAS_EVE not in local_days(refused.value.alternatives)
    with pytest.raises(services.BookingError, match=r"closed that day \(Christmas Eve\)"):
        services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=start,
            patient=patient_details(),
            now=NOW,
        )


def test_staff_booking_and_series_on_a_closure_day_are_refused_in_staff_words(site, booking):
    close(site, CHRISTMAS_EVE, label="Christmas Eve")
    with pytest.raises(services.BookingError) as refused:
        services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=bend(2026, 12, 24, 10),
            patient=patient_details(),
            source="staff",
            now=NOW,
        )
    assert services.staff_reason(refused.value, booking["alex"]) == (
        "The clinic is closed that day (Christmas Eve)."
    )
    patient = services.patient_find_or_create(details=patient_details())
    booked, clashes = services.appointment_series_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        patient=patient,
        starts=[bend(2026, 12, 23, 10), bend(2026, 12, 24, 10)],
        now=NOW,
    )
    assert [a.start for a in booked] == [bend(2026, 12, 23, 10)]
    assert [c.message for c in clashes] == ["The clinic is closed that day (Christmas Eve)."]


def test_an_unlabelled_closure_reads_without_brackets(site, booking):
    close(site, CHRISTMAS_EVE)
    with pytest.raises(services.BookingError) as refused:
        services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=bend(2026, 12, 24, 10),
            patient=patient_details(),
            source="staff",
            now=NOW,
        )
    assert services.staff_reason(refused.value, booking["alex"]) == "The clinic is closed that day."


def test_moving_a_visit_onto_a_closure_day_is_refused(site, booking):
    close(site, CHRISTMAS_EVE, label="Christmas Eve")
    appointment = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 23, 10),
        patient=patient_details(),
        now=NOW,
    )
    with pytest.raises(services.BookingError, match="closed that day"):
        services.appointment_reschedule(
            appointment=appointment, start=bend(2026, 12, 24, 10), staff=True, now=NOW
        )


def test_the_staff_grid_shows_no_working_time_on_a_closure_day(site, booking):
    close(site, CHRISTMAS_EVE, label="Christmas Eve")
    week = [CHRISTMAS_EVE - timedelta(days=1), CHRISTMAS_EVE]
    grid = schedule.build(practitioners=[booking["alex"]], days=week, now=NOW)
    # A week leaves out days nobody works, as at the weekend, and names them.
    assert grid.hidden_days == ["Thu, Dec 24 (Clinic closed: Christmas Eve)"]
    [day] = schedule.build(practitioners=[booking["alex"]], days=[CHRISTMAS_EVE], now=NOW).columns
    assert day.closed
    assert day.closed_label == "Clinic closed: Christmas Eve"
    assert not day.free


def test_the_dashboard_lists_visits_booked_before_their_day_was_closed(
    client, front_desk, booking, site
):
    from tests.staff import login_staff

    def book(practitioner, hour, first_name):
        return services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking[practitioner],
            start=bend(2026, 12, 24, hour),
            patient=patient_details(first_name=first_name, email=f"{first_name}@example.com"),
            now=NOW,
        )

    stranded = book("alex", 9, "Robin")
    book("jordan", 11, "Kim")
    cancelled = book("alex", 14, "Lee")
    services.appointment_cancel(appointment=cancelled, now=NOW)
    close(site, CHRISTMAS_EVE, label="Christmas Eve")  # entered after the visits were booked
    login_staff(client, front_desk)
    html = dashboard_at(client, NOW)
    assert "2 visits still booked on days the clinic is closed" in html
    assert f"/admin/calendar/appointment/{stranded.pk}/" in html
    assert "Thursday, December 24, 9:00 AM: Robin Patient</a> with Alex" in html
    assert "(Christmas Eve)" in html
    assert "Lee Patient" not in html  # cancelled: nothing to do
    # A therapist sees only their own.
    booking["alex"].user = front_desk
    booking["alex"].save()
    mine = dashboard_at(client, NOW)
    assert "1 visit still booked on days the clinic is closed" in mine
    assert "Kim" not in mine
    # Once the day is past, it is no longer listed.
    assert "still booked on days" not in dashboard_at(client, bend(2026, 12, 25, 9))
