"""The front desk's calendar: the time grid, booking by phone from a free time with the
patient found as they type, moving a visit, and refusals in staff words with nearest times."""

from datetime import date, time
from unittest import mock

import pytest

from physiofit.booking import schedule, selectors, services, staff
from physiofit.booking.models import Appointment, Patient, TimeOff
from physiofit.core.models import AuditEvent
from physiofit.intake import triage
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import NOW, bend, dashboard_at

pytestmark = pytest.mark.usefixtures("frozen_now")
WEDNESDAY = date(2026, 12, 2)
# The screening read over the phone for a new patient's first visit, every answer no.
NO_RED_FLAGS = {f"screen-{q.key}": "no" for q in triage.red_flags().questions}


def _grid(booking, days, **kwargs):
    return schedule.build(
        practitioners=[booking["alex"], booking["jordan"]], days=days, now=NOW, **kwargs
    )


def test_grid_draws_working_time_visits_time_off_and_free_starts(booking, appointment):
    TimeOff.objects.create(
        practitioner=booking["jordan"],
        first_day=WEDNESDAY,
        last_day=WEDNESDAY,
        start_time=time(13),
        end_time=time(15),
        reason="Course",
    )
    grid = _grid(booking, [WEDNESDAY])
    alex, jordan = grid.columns
    # The axis runs over working time (9-17) in clinic time, by the hour.
    assert (grid.first_minute, grid.last_minute) == (9 * 60, 17 * 60)
    [visit] = alex.visits
    assert visit.appointment == appointment
    assert (visit.top, visit.height) == (60, 60)  # 10:00-11:00, an hour after the axis starts
    free = [f.at.strftime("%H:%M") for f in alex.free]
    # The visit and its 15-minute buffer block 10:00-11:15; 9:45 is free (its step ends at 10).
    assert "09:45" in free
    assert "10:00" not in free
    assert "11:00" not in free
    assert "11:15" in free
    [off] = [b for b in jordan.blocks if b.kind == "off"]
    assert (off.top, off.height, off.label) == (4 * 60, 120, "Time off: Course")
    assert not any(time(13) <= f.at.time() < time(15) for f in jordan.free)


def test_grid_hides_cancelled_unless_asked_and_frees_their_time(booking, appointment):
    services.appointment_cancel(appointment=appointment, staff=True, now=NOW)
    [alex, _] = _grid(booking, [WEDNESDAY]).columns
    assert alex.visits == []
    assert "10:00" in [f.at.strftime("%H:%M") for f in alex.free]
    [alex, _] = _grid(booking, [WEDNESDAY], show_cancelled=True).columns
    assert [b.appointment.status for b in alex.visits] == ["cancelled"]


def test_week_leaves_out_days_nobody_works_and_says_so(booking):
    week = [date(2026, 11, 30 + n) if n < 1 else date(2026, 12, n) for n in range(7)]
    grid = schedule.build(practitioners=[booking["alex"]], days=week, now=NOW)
    assert [c.day.weekday() for c in grid.columns] == [0, 1, 2, 3, 4]
    assert grid.hidden_days == ["Sat, Dec 5", "Sun, Dec 6"]


def test_past_times_are_not_offered(booking):
    [alex, _] = _grid(booking, [date(2026, 11, 30)]).columns
    assert all(f.at >= NOW for f in alex.free)
    monday_at_six = schedule.build(
        practitioners=[booking["alex"]], days=[date(2026, 11, 30)], now=bend(2026, 11, 30, 12)
    )
    assert min(f.at for f in monday_at_six.columns[0].free) == bend(2026, 11, 30, 12)


def test_calendar_day_view_links_free_times_to_booking(client, front_desk, appointment):
    login_staff(client, front_desk)
    response = client.get("/admin/calendar/", {"date": "2026-12-02"})
    html = response.content.decode()
    assert response.status_code == 200
    for shown in ("Alex Demo", "Jordan Sample", "Sam Patient"):
        assert shown in html
    assert (
        f"/admin/calendar/new/?practitioner={appointment.practitioner_id}&amp;day=2026-12-02"
        "&amp;start_time=11:15" in html
    )
    # htmx asks for the calendar's body only: the filters apply without a page load.
    partial = client.get("/admin/calendar/", {"date": "2026-12-02"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "Sam Patient" in partial.content.decode()


def test_week_view_is_one_practitioners_and_shows_cancelled_only_when_asked(
    client, front_desk, appointment
):
    login_staff(client, front_desk)
    services.appointment_cancel(appointment=appointment, staff=True, now=NOW)
    week = client.get("/admin/calendar/", {"date": "2026-12-02", "view": "week"})
    html = week.content.decode()
    assert "Alex Demo · week of November 30, 2026" in html
    assert "Sam Patient" not in html
    shown = client.get("/admin/calendar/", {"date": "2026-12-02", "view": "week", "cancelled": "1"})
    assert "Sam Patient" in shown.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "sam",
        "Sam Pat",
        "patient",
        "541-555-0100",
        "(541) 555 0100",
        "5550100",
        "541 555 01",
        "sa pat",
        "sam@example",
        "1980-05-06",
        "05/06/1980",
        "5/6/80",
        "SAM@EXAMPLE.COM",
    ],
)
def test_patient_search_finds_by_name_phone_email_or_birthday(query, appointment):
    assert [p.first_name for p in selectors.patient_search(query)] == ["Sam"]


@pytest.mark.parametrize(
    "query", ["", "s", "nobody", "541 555 9999", "1980-05-07", "sam bob", "am", "555 0100 99"]
)
def test_patient_search_finds_nothing_for_others(query, appointment):
    assert selectors.patient_search(query) == []


def test_search_is_a_post_audited_without_what_was_typed(client, front_desk, appointment):
    login_staff(client, front_desk)
    assert client.get("/admin/calendar/patients/search/", {"q": "sam"}).status_code == 405
    response = client.post("/admin/calendar/patients/search/", {"q": "sam"})
    assert 'name="patient"' in response.content.decode()
    assert "Sam Patient" in response.content.decode()
    event = AuditEvent.objects.get(object_type="booking.patient_search")
    assert appointment.patient.reference in event.summary
    assert "sam" not in event.summary.lower().replace(appointment.patient.reference.lower(), "")
    none = client.post("/admin/calendar/patients/search/", {"q": "nobody"})
    assert "No patient matches" in none.content.decode()


def _phone_form(booking, **changes):
    return {
        "service": "",
        "practitioner": booking["alex"].pk,
        "day": "2026-12-02",
        "start_time": "14:00",
        **changes,
    }


def test_book_an_existing_patient_from_the_search(client, front_desk, booking, appointment):
    login_staff(client, front_desk)
    prefilled = client.get(
        "/admin/calendar/new/",
        {"practitioner": booking["alex"].pk, "day": "2026-12-02", "start_time": "14:00"},
    )
    html = prefilled.content.decode()
    assert 'value="2026-12-02"' in html
    assert 'value="14:00"' in html
    response = client.post(
        "/admin/calendar/new/", _phone_form(booking, patient=appointment.patient_id)
    )
    assert response.status_code == 302
    booked = Appointment.objects.get(start=bend(2026, 12, 2, 14))
    assert booked.patient == appointment.patient
    # Sam is booked already: the usual visit is a follow-up.
    assert booked.service == booking["follow_up"]
    assert Patient.objects.count() == 1


def test_a_new_patient_gets_an_evaluation_and_lookalikes_are_shown_first(
    client, front_desk, booking, appointment
):
    login_staff(client, front_desk)
    typed = {
        **NO_RED_FLAGS,
        "patient": "new",
        "first_name": "Sam",
        "last_name": "Patient",
        "email": "other@example.com",
        "phone": "541 555 0177",
        "date_of_birth": "1980-05-06",  # the same name and birthday as Sam's record
    }
    response = client.post("/admin/calendar/new/", _phone_form(booking, **typed))
    assert response.status_code == 409
    html = response.content.decode()
    assert "may be the same person" in html
    assert f'value="{appointment.patient_id}"' in html
    assert Patient.objects.count() == 1
    confirmed = client.post("/admin/calendar/new/", _phone_form(booking, **typed, confirm_new="on"))
    assert confirmed.status_code == 302
    created = Appointment.objects.get(start=bend(2026, 12, 2, 14))
    assert created.patient != appointment.patient
    assert created.service == booking["evaluation"]


def test_no_patient_chosen_is_refused_with_a_message(client, front_desk, booking):
    login_staff(client, front_desk)
    response = client.post("/admin/calendar/new/", _phone_form(booking))
    assert response.status_code == 400
    assert "Find the patient above" in response.content.decode()
    bad = client.post("/admin/calendar/new/", _phone_form(booking, patient="99999"))
    assert bad.status_code == 400
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize(
    ("day", "at", "said"),
    [
        ("2026-12-02", "06:00", "outside Alex Demo&#x27;s working hours"),
        ("2026-12-05", "10:00", "outside Alex Demo&#x27;s working hours"),  # a Saturday
        ("2026-12-02", "10:30", "Alex Demo is booked or away then"),
    ],
)
def test_refusals_are_in_staff_words_with_nearest_times_to_click(
    client, front_desk, booking, appointment, day, at, said
):
    login_staff(client, front_desk)
    other = services.patient_create(
        details=patient_details(first_name="Kim", email="kim@example.com")
    )
    form = _phone_form(booking, day=day, start_time=at, patient=other.pk, **NO_RED_FLAGS)
    response = client.post("/admin/calendar/new/", form)
    html = response.content.decode()
    assert response.status_code == 409
    assert said in html
    assert "just taken" not in html
    assert 'name="alternative"' in html
    # What was typed stays.
    assert f'value="{day}"' in html
    assert f'value="{at}"' in html
    # One click on a nearest time books it.
    alternative = html.split('name="alternative" value="')[1].split('"')[0]
    booked = client.post("/admin/calendar/new/", {**form, "alternative": alternative})
    assert booked.status_code == 302
    assert Appointment.objects.filter(patient=other).count() == 1


def test_move_asks_to_confirm_then_moves_through_the_guard(
    client, front_desk, booking, appointment
):
    login_staff(client, front_desk)
    url = f"/admin/calendar/appointment/{appointment.pk}/move/"
    target = {"practitioner": booking["jordan"].pk, "day": "2026-12-03", "start_time": "11:00"}
    confirm = client.get(url, target)
    assert confirm.status_code == 200
    assert "Move to <strong>Thursday, December 3, 2026 at 11:00 AM" in confirm.content.decode()
    assert Appointment.objects.get().start == bend(2026, 12, 2, 10)  # a GET changes nothing
    moved = client.post(url, target)
    assert moved.status_code == 302
    assert moved.url.endswith("?view=day&date=2026-12-03")
    appointment.refresh_from_db()
    assert appointment.start == bend(2026, 12, 3, 11)
    assert appointment.practitioner == booking["jordan"]


def test_a_refused_move_keeps_what_was_typed_and_says_why(client, front_desk, booking, appointment):
    login_staff(client, front_desk)
    url = f"/admin/calendar/appointment/{appointment.pk}/move/"
    refused = client.post(
        url, {"practitioner": booking["alex"].pk, "day": "2026-12-05", "start_time": "10:00"}
    )
    html = refused.content.decode()
    assert refused.status_code == 409
    assert "outside Alex Demo&#x27;s working hours" in html
    assert 'value="2026-12-05"' in html
    assert 'value="10:00"' in html
    assert "Nearest free times" in html
    assert Appointment.objects.get().start == bend(2026, 12, 2, 10)


def test_the_calendar_offers_free_times_to_move_to(client, front_desk, booking, appointment):
    login_staff(client, front_desk)
    html = client.get(
        "/admin/calendar/", {"date": "2026-12-02", "move": appointment.pk}
    ).content.decode()
    assert "Moving <strong>Sam Patient</strong>" in html
    # Its own time counts as free while it is being moved.
    assert (
        f"/admin/calendar/appointment/{appointment.pk}/move/?practitioner="
        f"{booking['alex'].pk}&amp;day=2026-12-02&amp;start_time=10:15" in html
    )


def test_completed_and_no_show_only_from_the_start_and_undone_the_same_day(appointment):
    before, started = bend(2026, 12, 2, 9, 59), bend(2026, 12, 2, 10, 5)
    for status in ("completed", "no_show"):
        with pytest.raises(services.BookingError) as refused:
            services.appointment_set_status(appointment=appointment, status=status, now=before)
        assert "from its start time on" in refused.value.message
    assert Appointment.objects.get().status == "booked"
    services.appointment_set_status(appointment=appointment, status="no_show", now=started)
    services.appointment_undo_status(appointment=appointment, now=bend(2026, 12, 2, 18))
    appointment.refresh_from_db()
    assert (appointment.status, appointment.status_changed_at) == ("booked", None)
    services.appointment_set_status(appointment=appointment, status="completed", now=started)
    with pytest.raises(services.BookingError, match="on the day it was done"):
        services.appointment_undo_status(appointment=appointment, now=bend(2026, 12, 3, 0, 1))
    assert Appointment.objects.get().status == "completed"


def test_check_in_from_two_hours_before_until_the_end(appointment):
    with pytest.raises(services.BookingError, match="two hours before"):
        services.appointment_arrive(appointment=appointment, now=bend(2026, 12, 2, 7, 59))
    with pytest.raises(services.BookingError, match="two hours before"):
        services.appointment_arrive(appointment=appointment, now=bend(2026, 12, 2, 11, 1))
    services.appointment_arrive(appointment=appointment, now=bend(2026, 12, 2, 9, 50))
    appointment.refresh_from_db()
    assert appointment.arrived_at == bend(2026, 12, 2, 9, 50)
    assert appointment.status == "booked"
    services.appointment_undo_status(appointment=appointment, now=bend(2026, 12, 2, 9, 51))
    appointment.refresh_from_db()
    assert appointment.arrived_at is None


@pytest.mark.parametrize(
    ("now", "late"), [(bend(2026, 12, 1, 9), False), (bend(2026, 12, 2, 8), True)]
)
def test_a_cancellation_inside_the_cut_off_is_recorded_as_late(appointment, now, late):
    services.appointment_cancel(appointment=appointment, staff=True, now=now, reason="illness")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason, appointment.late_cancel) == (
        "cancelled",
        "illness",
        late,
    )


def test_the_visit_page_offers_what_can_be_done_now(client, front_desk, appointment):
    login_staff(client, front_desk)
    url = f"/admin/calendar/appointment/{appointment.pk}/"
    html = client.get(url).content.decode()  # two days ahead
    assert "Mark completed" not in html
    assert "Check in" not in html
    assert "can be marked from Wednesday, December 2, 2026 at 10:00 AM PST on" in html
    assert "Late cancellation" not in html
    refused = client.post(url + "action/", {"action": "no_show"}, follow=True)
    assert "has not started yet" in refused.content.decode()
    assert Appointment.objects.get().status == "booked"
    clock = mock.Mock(now=lambda: bend(2026, 12, 2, 9, 45))
    # The visit's clock only (the staff session keeps its own).
    with (
        mock.patch.object(services, "timezone", clock),
        mock.patch.object(staff, "timezone", clock),
    ):
        soon = client.get(url).content.decode()
        assert "Check in: arrived" in soon
        assert "Late cancellation" in soon
        client.post(url + "action/", {"action": "arrive"})
        client.post(url + "action/", {"action": "cancel", "reason": "patient"})
    cancelled = Appointment.objects.get()
    assert cancelled.late_cancel
    assert cancelled.arrived_at == bend(2026, 12, 2, 9, 45)
    assert "late cancellation" in client.get(url).content.decode()


def test_dashboard_shows_todays_visits_and_a_therapist_their_own(
    client, front_desk, booking, django_user_model
):
    today_visit = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 11, 30, 9),
        patient=patient_details(),
        now=NOW,
    )
    services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["jordan"],
        start=bend(2026, 11, 30, 11),
        patient=patient_details(first_name="Robin", email="robin@example.com"),
        now=NOW,
    )
    services.appointment_book(  # tomorrow: not today's
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 1, 9),
        patient=patient_details(first_name="Tomorrow", email="t@example.com"),
        now=NOW,
    )
    login_staff(client, front_desk)
    html = dashboard_at(client, bend(2026, 11, 30, 8, 30))
    assert "Today at the clinic: 2 visits" in html
    assert "Robin Patient" in html
    assert "Tomorrow" not in html
    assert "Intake not done" in html  # new patients, no intake sent back yet
    assert 'aria-label="Check in Sam Patient"' in html  # 9:00, within two hours
    assert 'aria-label="Check in Robin Patient"' not in html  # 11:00: not yet
    booking["alex"].user = front_desk
    booking["alex"].save()
    mine = dashboard_at(client, bend(2026, 11, 30, 8, 30))
    assert "My schedule today: 1 visit" in mine
    assert "Robin" not in mine
    # Checking in from the dashboard comes back to it.
    clock = mock.Mock(now=lambda: bend(2026, 11, 30, 8, 30))
    with mock.patch.object(services, "timezone", clock):
        back = client.post(
            f"/admin/calendar/appointment/{today_visit.pk}/action/",
            {"action": "arrive", "next": "/admin/"},
        )
    assert back.url == "/admin/"
    assert Appointment.objects.get(pk=today_visit.pk).arrived_at == bend(2026, 11, 30, 8, 30)


def _new_patient(booking, **changes):
    return _phone_form(
        booking,
        patient="new",
        first_name="Robin",
        last_name="Caller",
        email="robin@example.com",
        phone="541 555 0123",
        date_of_birth="1975-04-03",
        **changes,
    )


def test_a_new_patient_by_phone_is_asked_the_screening_questions(client, front_desk, booking):
    from physiofit.intake.models import Screening

    login_staff(client, front_desk)
    page = client.get("/admin/calendar/new/").content.decode()
    for question in triage.red_flags().questions[:3]:
        assert question.text in page  # the script the desk reads
    unasked = client.post("/admin/calendar/new/", _new_patient(booking))
    assert unasked.status_code == 400
    assert "ask the screening questions" in unasked.content.decode()
    assert Appointment.objects.count() == 0
    answers = {**NO_RED_FLAGS, "screen-night_pain": "yes"}
    booked = client.post("/admin/calendar/new/", _new_patient(booking, **answers), follow=True)
    visit = Appointment.objects.get()
    screening = Screening.objects.get()
    assert (screening.appointment, screening.channel, screening.tier) == (
        visit,
        "phone",
        "same_day",
    )
    assert screening.answers["night_pain"] is True
    assert screening.review == "pending"  # a clinician reviews it, as online
    assert "Read to the caller: Some of your answers should be checked by a doctor soon" in (
        booked.content.decode()
    )


def test_an_emergency_answer_on_the_phone_books_nothing_and_gives_the_advice(
    client, front_desk, booking
):
    from physiofit.intake.models import Screening

    login_staff(client, front_desk)
    answers = {**NO_RED_FLAGS, "screen-bladder_bowel": "yes"}
    response = client.post("/admin/calendar/new/", _new_patient(booking, **answers))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was booked. Read this to the caller now" in html
    assert "call 911" in html
    assert Appointment.objects.count() == 0
    assert Patient.objects.count() == 0
    emergency = Screening.objects.get()
    assert (emergency.tier, emergency.appointment, emergency.channel) == (
        "emergency",
        None,
        "phone",
    )


def test_a_follow_up_for_a_patient_in_care_asks_no_screening(
    client, front_desk, booking, appointment
):
    login_staff(client, front_desk)
    response = client.post(
        "/admin/calendar/new/", _phone_form(booking, patient=appointment.patient_id)
    )
    assert response.status_code == 302


def test_a_no_show_is_shown_as_not_happening_in_the_practitioners_feed(client, appointment):
    from icalendar import Calendar

    services.appointment_set_status(
        appointment=appointment, status="no_show", now=bend(2026, 12, 2, 10, 20)
    )
    feed = client.get(f"/calendar/{appointment.practitioner.calendar_token}.ics")
    [event] = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("No-show: Initial evaluation")


def test_one_patient_is_not_booked_twice_at_once_with_two_practitioners(
    client, front_desk, booking, appointment
):
    login_staff(client, front_desk)
    response = client.post(
        "/admin/calendar/new/",
        _phone_form(
            booking,
            practitioner=booking["jordan"].pk,
            start_time="10:15",
            patient=appointment.patient_id,
        ),
    )
    assert response.status_code == 409
    assert "The patient already has a visit then." in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_visit_that_has_started_cannot_be_moved(appointment):
    with pytest.raises(services.BookingError, match="already started"):
        services.appointment_reschedule(
            appointment=appointment,
            start=bend(2026, 12, 3, 10),
            staff=True,
            now=bend(2026, 12, 2, 10, 5),
        )
    assert Appointment.objects.get().start == bend(2026, 12, 2, 10)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2030-01-01"])
def test_a_far_day_is_refused_with_a_message_not_an_error(
    client, front_desk, booking, appointment, day
):
    login_staff(client, front_desk)
    target = {"day": day, "start_time": "23:59", "practitioner": booking["alex"].pk}
    move = f"/admin/calendar/appointment/{appointment.pk}/move/"
    for response in (
        client.get(move, target),
        client.post(move, target),
        client.post("/admin/calendar/new/", {**target, "patient": appointment.patient_id}),
        client.post(
            "/admin/calendar/new/",
            {"alternative": f"{day} 23:59 {booking['alex'].pk}", "patient": appointment.patient_id},
        ),
    ):
        assert response.status_code == 400
        assert "Choose a" in response.content.decode()
    assert Appointment.objects.get().start == bend(2026, 12, 2, 10)


def test_the_reason_for_visit_is_for_clinical_staff_only(
    client, front_desk, booking, appointment, django_user_model
):
    from django.contrib.auth.models import Permission

    Appointment.objects.filter(pk=appointment.pk).update(reason_for_visit="Knee pain")
    login_staff(client, front_desk)
    url = f"/admin/calendar/appointment/{appointment.pk}/"
    assert "Knee pain" not in client.get(url).content.decode()
    front_desk.user_permissions.add(Permission.objects.get(codename="view_clinical_record"))
    front_desk = django_user_model.objects.get(pk=front_desk.pk)
    assert "Knee pain" in client.get(url).content.decode()


def test_a_drop_on_a_taken_time_is_refused_before_confirming(
    client, front_desk, booking, appointment
):
    other = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 3, 10),
        patient=patient_details(first_name="Kim", email="kim@example.com"),
        now=NOW,
    )
    login_staff(client, front_desk)
    page = client.get(
        f"/admin/calendar/appointment/{appointment.pk}/move/",
        {"practitioner": booking["alex"].pk, "day": "2026-12-03", "start_time": "10:00"},
    )
    html = page.content.decode()
    assert page.status_code == 409
    assert "Alex Demo is booked or away then." in html
    assert "Move to <strong>" not in html
    assert "Nearest free times" in html
    assert Appointment.objects.get(pk=other.pk).start == bend(2026, 12, 3, 10)


def test_a_search_with_control_characters_is_a_search_not_an_error(client, front_desk, appointment):
    login_staff(client, front_desk)
    response = client.post("/admin/calendar/patients/search/", {"q": "sa\x00m\x07"})
    assert response.status_code == 200
    assert "Sam Patient" in response.content.decode()
