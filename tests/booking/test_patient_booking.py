"""The patient's side of booking (issue 12, items 11-15): the cut-off said before confirming,
the date picker, details kept in the session (POST-redirect-GET), a signed-in patient's booking,
the manage page's confirm steps, and what is shown before booking."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from physiofit.booking.models import Appointment, Notification, Patient
from physiofit.booking.tokens import manage_link_create
from physiofit.intake import portal
from tests.staff import login_staff

from .conftest import NOW, bend
from .test_views import PATIENT, screen

# NOW is Monday 2026-11-30 6:00 in Bend: 10:00 that day is inside the 24-hour cut-off.
SOON = bend(2026, 11, 30, 10)
LATER = bend(2026, 12, 2, 10)
WEEK = "/book/initial-evaluation/alex/"


@pytest.fixture(autouse=True)
def frozen_now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture(autouse=True)
def screened(booking, client):
    screen(client)


def details_then_review(client, start=LATER, who="alex", **changes):
    response = client.post(
        f"/book/initial-evaluation/{who}/details/",
        {**PATIENT, **changes, "start": start.isoformat()},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def booked(client, start=LATER, **changes) -> Appointment:
    details_then_review(client, start, **changes)
    review = client.get(f"/book/initial-evaluation/alex/review/?start={start.isoformat()}")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review.content.decode()).group(1)
    hidden = dict(re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', review.text))
    response = client.post(
        "/book/initial-evaluation/alex/confirm/", {**hidden, "idempotency_key": key}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Appointment.objects.get(start=start)


# Item 11: the cut-off is said before confirming.


def test_times_inside_the_cutoff_are_marked_on_the_time_list(client):
    today = client.get(WEEK, {"day": "2026-11-30"}).content.decode()
    ten = re.search(r'<a class="slot[^"]*"[^>]*>(?:(?!</a>).)*10:00 AM(?:(?!</a>).)*</a>', today)
    assert "slot-cutoff" in ten.group(0)
    assert "cannot be changed online" in ten.group(0)
    assert "less than 24 hours away" in today
    later = client.get(WEEK, {"day": "2026-12-02"}).content.decode()
    assert "slot-cutoff" not in later


def test_the_review_warns_of_the_cutoff_only_inside_it(client):
    review = client.get(details_then_review(client, SOON)["Location"]).content.decode()
    assert "This visit is less than 24 hours away:" in review
    assert "change or cancel it online" in review
    client.post("/book/initial-evaluation/alex/details/", {**PATIENT, "start": LATER.isoformat()})
    review = client.get(f"/book/initial-evaluation/alex/review/?start={LATER.isoformat()}")
    assert "less than 24 hours away" not in review.content.decode()


# Item 13: the date picker.


def test_the_picker_links_only_days_with_free_times_and_offers_the_next_one_first(client):
    page = client.get("/book/initial-evaluation/any/").content.decode()
    # The next available time comes first, before the month.
    assert page.index("Next available") < page.index("month-grid")
    assert "Monday, November 30, 2026 at 9:00 AM PST" in page
    assert "?day=2026-12-01" in page  # next month's first days are in the grid's last week
    assert "?day=2026-11-29" not in page  # yesterday: not a link
    assert "?day=2026-12-05" not in page  # Saturday: no free times, not a link
    assert '28<span class="visually-hidden"> November, no free times' in page
    # The first free day is chosen: its times, not a week of them.
    times = re.findall(r'<a class="slot', page)
    assert 0 < len(times) <= 32
    assert 'aria-current="date"' in page


def test_the_picker_moves_by_month_and_day_and_survives_bad_input(client):
    december = client.get(WEEK, {"month": "2026-12"}).content.decode()
    assert "December 2026" in december
    assert "?month=2026-11" in december  # back to this month
    assert "Tuesday, December 1" in december  # the month's first free day
    chosen = client.get(WEEK, {"day": "2026-12-03"}).content.decode()
    assert "Thursday, December 3" in chosen
    for params in (
        {"day": "garbage"},
        {"month": "2026-13"},
        {"month": "9999-12"},
        {"day": "0001-01-01"},
        {"day": "2026-12-05"},
        {"week": "2026-11-30"},
    ):
        assert client.get(WEEK, params).status_code == 200


# Item 14: details in the session, the right inputs, a signed-in patient types nothing.


def test_details_go_through_the_session_never_the_url(client):
    response = details_then_review(client, LATER)
    location = response["Location"]
    assert location.startswith("/book/initial-evaluation/alex/review/?start=")
    assert not any(value in location for value in ("Sam", "example", "1980", "0100"))
    review = client.get(location).content.decode()
    assert "sam@example.com" in review
    assert "Confirm booking" in review
    # Back to the details step: what was typed is still there.
    back = client.get("/book/initial-evaluation/alex/details/", {"start": LATER.isoformat()})
    assert 'value="sam@example.com"' in back.content.decode()
    appointment = booked(client, LATER)
    assert appointment.patient.email == "sam@example.com"
    # Booked: the details are gone from the session, and the review asks for them again.
    screen(client)
    again = client.get(location.replace("T10%3A00", "T11%3A30"))
    assert again.status_code == 302
    assert "/details/" in again["Location"]


def test_typed_details_are_forgotten_after_half_an_hour(client):
    location = details_then_review(client, LATER)["Location"]
    assert client.get(location).status_code == 200
    # As if half an hour had passed: the kept details are older than they may be.
    with mock.patch("physiofit.flow.views.DETAILS_KEPT_FOR", -1):
        again = client.get(location)
        assert again.status_code == 302
        assert "/details/" in again["Location"]
        back = client.get("/book/initial-evaluation/alex/details/", {"start": LATER.isoformat()})
        assert "sam@example.com" not in back.content.decode()


def test_details_form_has_input_types_and_autocomplete_hints(client):
    page = client.get(
        "/book/initial-evaluation/alex/details/", {"start": LATER.isoformat()}
    ).content.decode()
    for name, kind, hint in [
        ("first_name", "text", "given-name"),
        ("last_name", "text", "family-name"),
        ("email", "email", "email"),
        ("phone", "tel", "tel"),
        ("date_of_birth", "date", "bday"),
    ]:
        tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', page).group(0)
        assert f'type="{kind}"' in tag, tag
        assert f'autocomplete="{hint}"' in tag, tag
    assert "YYYY" not in page  # the date picker needs no typed format


def test_a_signed_in_patient_books_an_evaluation_without_typing_details(client, booking):
    patient = Patient.objects.create(
        first_name="Robin",
        last_name="Known",
        email="robin@example.com",
        phone="541 555 0199",
        date_of_birth="1975-02-03",
    )
    token = portal.portal_link_create(patient=patient)
    assert client.post(f"/portal/sign-in/{token}/").status_code == 302
    assert 'href="/book/"' in client.get("/portal/").content.decode()
    screen(client)
    details = client.get("/book/initial-evaluation/alex/details/", {"start": LATER.isoformat()})
    assert details.status_code == 302
    assert "/review/" in details["Location"]
    review = client.get(details["Location"]).content.decode()
    assert "robin@example.com" in review
    assert 'name="first_name"' not in review
    assert 'name="reason_for_visit"' in review
    key = re.search(r'name="idempotency_key" value="([^"]+)"', review).group(1)
    response = client.post(
        "/book/initial-evaluation/alex/confirm/",
        {"start": LATER.isoformat(), "idempotency_key": key, "reason_for_visit": "Knee, stairs"},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.patient == patient
    assert appointment.reason_for_visit == "Knee, stairs"
    assert Patient.objects.count() == 1


# Item 15: what is shown before booking; the reason for visit reaches staff.


def test_price_what_to_bring_and_policy_are_shown_before_booking(client, booking):
    service = booking["evaluation"]
    service.price, service.price_note = 95, "(demo price)"
    service.what_to_bring = "Comfortable clothes"
    service.save()
    booking["alex"].bio = "Treats runners."
    booking["alex"].save()
    start = client.get("/book/").content.decode()
    assert "$95 · (demo price)" in start
    assert "Comfortable clothes" in start
    assert "up to 24 hours before" in start
    assert "Treats runners." in client.get("/book/initial-evaluation/").content.decode()
    review = client.get(details_then_review(client)["Location"]).content.decode()
    assert "$95 · (demo price)" in review
    assert "Comfortable clothes" in review
    assert "up to 24 hours before your visit" in review


def test_the_reason_for_visit_is_stored_and_shown_to_staff(client, front_desk):
    appointment = booked(client, reason_for_visit="  Sore   shoulder\nwhen lifting ")
    assert appointment.reason_for_visit == "Sore shoulder when lifting"
    staff = Client()
    login_staff(staff, front_desk)
    url = f"/admin/calendar/appointment/{appointment.pk}/"
    # Health words: for clinical staff, not the front desk.
    assert "Sore shoulder" not in staff.get(url).content.decode()
    front_desk.user_permissions.add(Permission.objects.get(codename="view_clinical_record"))
    page = staff.get(url).content.decode()
    assert "Reason for visit" in page
    assert "Sore shoulder when lifting" in page


def test_a_reason_with_markup_is_refused(client):
    response = client.post(
        "/book/initial-evaluation/alex/details/",
        {**PATIENT, "start": LATER.isoformat(), "reason_for_visit": "<b>x</b>"},
    )
    assert response.status_code == 400
    assert "plain text" in response.content.decode()


# Item 12: the manage page asks first, offers booking again, refuses the same time quietly.


def manage_token(client) -> tuple[Appointment, str]:
    appointment = booked(client, LATER)
    return appointment, manage_link_create(appointment=appointment)


def test_cancel_asks_first_then_offers_to_book_again(client):
    _appointment, token = manage_token(client)
    page = client.get(f"/appointments/{token}/").content.decode()
    assert f'href="/appointments/{token}/cancel/"' in page
    ask = client.get(f"/appointments/{token}/cancel/").content.decode()
    assert "Cancel your appointment?" in ask
    assert "Yes, cancel it" in ask
    assert Appointment.objects.get().status == "booked"  # asking changes nothing
    done = client.post(f"/appointments/{token}/cancel/")
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "Your appointment is cancelled." in page
    assert 'href="/book/initial-evaluation/"' in page
    # "Reschedule" a cancelled visit: book anew through the normal flow, service chosen.
    again = client.get(f"/appointments/{token}/reschedule/")
    assert again.status_code == 302
    assert again["Location"] == "/book/initial-evaluation/"
    assert client.get(f"/appointments/{token}/cancel/")["Location"] == f"/appointments/{token}/"


def test_moving_to_the_same_time_says_so_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    appointment, token = manage_token(client)
    sent = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/appointments/{token}/reschedule/", {"start": appointment.start.isoformat()}
        )
    assert response["Location"].endswith("?changed=same")
    assert "already at that time" in client.get(response["Location"]).content.decode()
    assert Notification.objects.count() == sent
    assert Appointment.objects.get().updated_at == appointment.updated_at


def test_reschedule_asks_first_and_can_move_to_another_practitioner(client, booking):
    appointment, token = manage_token(client)
    url = f"/appointments/{token}/reschedule/"
    mine = client.get(url, {"day": "2026-12-03"}).content.decode()
    assert "(your therapist now)" in mine
    assert "Any practitioner" in mine
    assert "practitioner=alex" in mine
    theirs = client.get(url, {"with": "jordan", "day": "2026-12-03"}).content.decode()
    assert "practitioner=jordan" in theirs
    assert "practitioner=alex" not in theirs
    anyone = client.get(url, {"with": "any", "day": "2026-12-03"})
    assert anyone.status_code == 200
    new = bend(2026, 12, 3, 11)
    ask = client.get(url, {"start": new.isoformat(), "practitioner": "jordan"}).content.decode()
    assert "Move your appointment?" in ask
    assert "Jordan Sample" in ask
    assert Appointment.objects.get().start == LATER  # asking moves nothing
    moved = client.post(url, {"start": new.isoformat(), "practitioner": "jordan"})
    assert moved["Location"].endswith("?changed=moved")
    appointment.refresh_from_db()
    assert (appointment.start, appointment.practitioner) == (new, booking["jordan"])


def test_reschedule_inside_the_cutoff_is_refused_with_the_phone(client):
    appointment, token = manage_token(client)
    with mock.patch(
        "django.utils.timezone.now", return_value=appointment.start - timedelta(hours=3)
    ):
        response = client.get(f"/appointments/{token}/reschedule/")
        assert response.status_code == 409
        assert "(541) 555-0100" in response.content.decode()
        assert client.get(f"/appointments/{token}/cancel/").status_code == 409


def test_booking_a_cancelled_follow_up_again_starts_at_the_patient_page(client, booking):
    from physiofit.booking import services

    appointment, token = manage_token(client)
    follow_up = services.appointment_book(
        service=booking["follow_up"],
        practitioner=booking["alex"],
        start=LATER + timedelta(days=7),
        patient=appointment.patient,
        now=NOW,
    )
    token = manage_link_create(appointment=follow_up)
    client.post(f"/appointments/{token}/cancel/")
    page = client.get(f"/appointments/{token}/").content.decode()
    assert 'href="/portal/"' in page
    assert "sign in to your patient page" in page
    assert 'href="/book/follow-up-visit/"' not in page
