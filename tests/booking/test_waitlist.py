"""The waitlist: statuses that follow what happened (offered, booked online or by staff,
expired, withdrawn), and the front desk's list and entry page: audited, one click to book a
matching free time through the guard, refusals in staff words."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission

from physiofit.booking import services, tasks
from physiofit.booking.models import Appointment, WaitlistEntry
from physiofit.core.models import AuditEvent
from physiofit.intake import triage
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import BEND, NOW, bend

# The screening read over the phone (no answers were kept when the entry joined), all no.
NO_RED_FLAGS = {f"screen-{q.key}": "no" for q in triage.red_flags().questions}

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def entry(booking):
    """Robin wishes for an evaluation with anyone, mornings, Tue Dec 1 to Fri Dec 4."""
    return services.waitlist_join(
        service=booking["evaluation"],
        practitioner=None,
        patient=patient_details(first_name="Robin", last_name="Rider", phone="541 555 0199"),
        first_day=date(2026, 12, 1),
        last_day=date(2026, 12, 4),
        mornings=True,
        afternoons=False,
        evenings=False,
    )


@pytest.fixture
def desk(client, front_desk):
    login_staff(client, front_desk)
    return client


def status(entry) -> str:
    return WaitlistEntry.objects.get(pk=entry.pk).status


def test_an_offer_email_marks_the_entry_offered_and_taking_it_online_books(booking, entry):
    tasks.offer_freed_time.call(
        booking["alex"].pk, bend(2026, 12, 2, 9).isoformat(), bend(2026, 12, 2, 11).isoformat()
    )
    assert status(entry) == "offered"
    offer = entry.notifications.get(kind="waitlist_offer")
    appointment = services.waitlist_take_offer(
        entry=entry, practitioner=offer.offered_practitioner, start=offer.offered_start
    )
    entry.refresh_from_db()
    assert (entry.status, entry.appointment) == ("booked", appointment)
    assert appointment.patient == entry.patient
    # A double click on the offer page gives the same visit, not an error.
    again = services.waitlist_take_offer(
        entry=entry, practitioner=offer.offered_practitioner, start=offer.offered_start
    )
    assert again == appointment


def test_an_offered_entry_is_still_offered_later_times(booking, entry):
    for hour in (9, 10):
        tasks.offer_freed_time.call(
            booking["alex"].pk,
            bend(2026, 12, 2, hour).isoformat(),
            bend(2026, 12, 2, hour + 1).isoformat(),
        )
    assert entry.notifications.filter(kind="waitlist_offer").count() == 2


def test_entries_expire_once_their_last_day_passed(booking, entry):
    assert services.waitlist_expire(today=date(2026, 12, 4)) == 0
    assert services.waitlist_expire(today=date(2026, 12, 5)) == 1
    assert status(entry) == "expired"
    with pytest.raises(services.BookingError, match="no longer open"):
        services.waitlist_book(
            entry=entry, practitioner=booking["alex"], start=bend(2026, 12, 7, 9)
        )


def test_a_withdrawn_entry_gets_no_offer_and_cannot_be_booked(booking, entry):
    services.waitlist_withdraw(entry=entry)
    assert status(entry) == "withdrawn"
    sent = tasks.offer_freed_time.call(
        booking["alex"].pk, bend(2026, 12, 2, 9).isoformat(), bend(2026, 12, 2, 11).isoformat()
    )
    assert sent == 0
    with pytest.raises(services.BookingError, match="no longer open"):
        services.waitlist_book(
            entry=entry, practitioner=booking["alex"], start=bend(2026, 12, 2, 9)
        )


def test_the_list_shows_who_what_and_what_happened_and_is_audited(desk, booking, entry):
    expired = services.waitlist_join(
        service=booking["evaluation"],
        practitioner=booking["jordan"],
        patient=patient_details(first_name="Old", last_name="Wish"),
        first_day=date(2026, 11, 1),
        last_day=date(2026, 11, 20),
        mornings=True,
        afternoons=True,
        evenings=True,
    )
    tasks.offer_freed_time.call(
        booking["alex"].pk, bend(2026, 12, 2, 9).isoformat(), bend(2026, 12, 2, 11).isoformat()
    )
    response = desk.get("/admin/waitlist/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Robin Rider",
        "541 555 0199",
        "Tue, Dec 1 – Fri, Dec 4; mornings",
        "Any practitioner",
        "Offered",
        "Wed, Dec 2, 9:00 AM with Alex Demo; emailed Mon, Nov 30, 6:00 AM",
        "Jordan Sample",
        "Expired",
    ):
        assert text in html, text
    assert html.index("Robin Rider") < html.index("Old Wish")  # open wishes first
    assert status(expired) == "expired"
    [event] = AuditEvent.objects.filter(action="list")
    assert event.object_type == "booking.waitlistentry"


def test_the_entry_page_lists_matching_free_times_and_is_audited(desk, booking, entry):
    response = desk.get(f"/admin/waitlist/edit/{entry.pk}/")
    assert response.status_code == 200
    times = response.context["times"]
    assert len(times) == 10  # the next ten, not every one
    assert all(t["slot"].start.astimezone(BEND).hour < 12 for t in times)  # mornings only
    assert times[0]["slot"].start == bend(2026, 12, 1, 9)
    assert "Book this for Robin Rider" in response.content.decode()
    [event] = AuditEvent.objects.filter(action="view")
    assert (event.patient_id, event.summary) == (entry.patient_id, "waitlist entry")


def test_one_click_books_through_the_guard_marks_booked_and_lands_on_the_visit(
    desk, booking, entry
):
    start = bend(2026, 12, 1, 9)
    response = desk.post(
        f"/admin/waitlist/edit/{entry.pk}/book/",
        {"start": start.isoformat(), "practitioner": booking["alex"].pk, **NO_RED_FLAGS},
    )
    appointment = Appointment.objects.get(start=start)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/calendar/appointment/{appointment.pk}/"
    assert (appointment.source, appointment.patient_id) == ("staff", entry.patient_id)
    entry.refresh_from_db()
    assert (entry.status, entry.appointment) == ("booked", appointment)
    changes = AuditEvent.objects.filter(action__in=["create", "change"]).order_by("pk")
    assert [(e.action, e.object_type) for e in changes] == [
        ("create", "booking.appointment"),
        ("change", "booking.waitlistentry"),
    ]
    # The list now links the visit.
    html = desk.get("/admin/waitlist/").content.decode()
    assert f"/admin/calendar/appointment/{appointment.pk}/" in html


def test_a_time_taken_meanwhile_is_refused_in_staff_words(desk, booking, entry):
    start = bend(2026, 12, 1, 9)
    services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=start,
        patient=patient_details(email="quick@example.com"),
        now=NOW,
    )
    response = desk.post(
        f"/admin/waitlist/edit/{entry.pk}/book/",
        {"start": start.isoformat(), "practitioner": booking["alex"].pk, **NO_RED_FLAGS},
    )
    assert response.status_code == 409
    assert "Alex Demo is booked or away then." in response.content.decode()
    assert status(entry) == "waiting"
    assert Appointment.objects.filter(start=start).count() == 1


def test_a_tampered_time_is_a_clear_400(desk, booking, entry):
    response = desk.post(
        f"/admin/waitlist/edit/{entry.pk}/book/", {"start": "9999-99", "practitioner": "x"}
    )
    assert response.status_code == 400
    assert "Choose one of the times listed." in response.content.decode()


def test_staff_withdraw_an_entry(desk, entry):
    response = desk.post(f"/admin/waitlist/edit/{entry.pk}/withdraw/")
    assert response.status_code == 302
    assert status(entry) == "withdrawn"
    [event] = AuditEvent.objects.filter(action="change")
    assert event.summary == "status: Waiting → Withdrawn"


def test_only_staff_who_see_patient_records_reach_the_waitlist(client, django_user_model, entry):
    user = django_user_model.objects.create_user("editor", password="x" * 16)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    login_staff(client, user)
    for url in ("/admin/waitlist/", f"/admin/waitlist/edit/{entry.pk}/"):
        assert client.get(url).status_code in (302, 403), url
    assert client.post(f"/admin/waitlist/edit/{entry.pk}/withdraw/").status_code in (302, 403)
    assert status(entry) == "waiting"


def test_the_front_desk_cannot_delete_or_add_entries(desk, entry):
    assert desk.get(f"/admin/waitlist/delete/{entry.pk}/").status_code in (302, 403)
    assert desk.get("/admin/waitlist/new/").status_code in (302, 403)
    assert WaitlistEntry.objects.filter(pk=entry.pk).exists()


def test_a_first_visit_from_the_waitlist_asks_the_screening_on_the_phone(desk, booking, entry):
    from physiofit.intake.models import Screening

    start = bend(2026, 12, 1, 9)
    choice = {"slot": f"{start.isoformat()} {booking['alex'].pk}"}
    page = desk.get(f"/admin/waitlist/edit/{entry.pk}/").content.decode()
    assert triage.red_flags().questions[0].text in page
    unasked = desk.post(f"/admin/waitlist/edit/{entry.pk}/book/", choice)
    assert unasked.status_code == 400
    assert "ask the screening questions" in unasked.content.decode()
    emergency = desk.post(
        f"/admin/waitlist/edit/{entry.pk}/book/",
        {**choice, **NO_RED_FLAGS, "screen-saddle_numbness": "yes"},
    )
    assert emergency.status_code == 409
    assert "call 911" in emergency.content.decode()
    assert not Appointment.objects.exists()
    booked = desk.post(
        f"/admin/waitlist/edit/{entry.pk}/book/",
        {**choice, **NO_RED_FLAGS, "screen-weight_loss": "yes"},
    )
    assert booked.status_code == 302
    visit = Appointment.objects.get()
    kept = Screening.objects.get(appointment=visit)
    assert (kept.channel, kept.tier, kept.review) == ("phone", "same_day", "pending")


def test_the_screening_answered_on_joining_goes_to_the_visit_booked_from_it(booking, entry):
    from physiofit.intake import services as intake_services
    from physiofit.intake.models import Screening

    answers = {q.key: False for q in triage.red_flags().questions} | {"pregnancy": True}
    screening = intake_services.screening_record(answers=answers, service=booking["evaluation"])
    intake_services.screening_keep_for_waitlist(screening=screening, entry=entry)
    visit = services.waitlist_take_offer(
        entry=entry,
        practitioner=booking["alex"],
        start=bend(2026, 12, 1, 9),
        now=NOW,
        with_booking=intake_services.waitlist_screening_attach(entry),
    )
    screening.refresh_from_db()
    assert screening.appointment == visit
    assert screening.tier == "flag"
    # Nothing is left to attach to a second visit.
    assert intake_services.waitlist_screening_attach(entry) is None
    assert Screening.objects.count() == 1


def test_the_desk_books_a_screened_entry_without_asking_again(desk, booking, entry):
    from physiofit.intake import services as intake_services
    from physiofit.intake.models import Screening

    answers = {q.key: False for q in triage.red_flags().questions}
    screening = intake_services.screening_record(answers=answers, service=booking["evaluation"])
    intake_services.screening_keep_for_waitlist(screening=screening, entry=entry)
    page = desk.get(f"/admin/waitlist/edit/{entry.pk}/").content.decode()
    assert triage.red_flags().questions[0].text not in page
    start = bend(2026, 12, 1, 9)
    booked = desk.post(
        f"/admin/waitlist/edit/{entry.pk}/book/",
        {"slot": f"{start.isoformat()} {booking['alex'].pk}"},
    )
    assert booked.status_code == 302
    assert Screening.objects.get().appointment == Appointment.objects.get()
