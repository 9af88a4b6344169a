"""Staff calendar: permission, audit trail, booking by phone, actions, calendar feed."""

from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from icalendar import Calendar

from physiofit.booking import services
from physiofit.booking.models import Appointment
from physiofit.core.models import AuditEvent
from physiofit.intake import triage
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import NOW, bend

# The staff views and the services they call read the clock: it stands at NOW, before the visits.
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="x" * 16)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def test_calendar_shows_patients_to_booking_staff_and_is_audited(client, front_desk, appointment):
    login_staff(client, front_desk)
    response = client.get("/admin/calendar/", {"date": "2026-12-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sam Patient" in html
    assert "Initial evaluation" in html
    event = AuditEvent.objects.get(object_type="booking.calendar")
    assert event.actor == front_desk
    assert event.action == "view"
    day = client.get(
        "/admin/calendar/",
        {"date": "2026-12-02", "view": "day", "practitioner": appointment.practitioner_id},
    )
    assert "Sam Patient" in day.content.decode()


def test_staff_without_booking_permission_see_no_patients(client, editor, appointment):
    login_staff(client, editor)
    # Wagtail's admin answers a permission refusal by sending the user back to the dashboard.
    for url in (
        "/admin/calendar/",
        f"/admin/calendar/appointment/{appointment.pk}/",
        "/admin/patients/",
    ):
        response = client.get(url)
        assert response.status_code in {302, 403}, url
        assert "Sam" not in response.content.decode()
    # No patient data was read: the log holds only the sign-in and the refusals.
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {"sign_in", "denied"}


def test_appointment_detail_and_actions_are_audited(client, front_desk, appointment):
    login_staff(client, front_desk)
    detail = client.get(f"/admin/calendar/appointment/{appointment.pk}/")
    assert "sam@example.com" in detail.content.decode()
    # The visit has started (the services' clock only: the staff session keeps its own).
    with mock.patch.object(services, "timezone", mock.Mock(now=lambda: appointment.start)):
        response = client.post(
            f"/admin/calendar/appointment/{appointment.pk}/action/", {"action": "completed"}
        )
    assert response.status_code == 302
    assert Appointment.objects.get().status == "completed"
    actions = list(
        AuditEvent.objects.filter(
            object_type="booking.appointment", object_id=str(appointment.pk)
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == ["change", "view"]


def test_staff_move_and_cancel(client, front_desk, appointment):
    login_staff(client, front_desk)
    url = f"/admin/calendar/appointment/{appointment.pk}/action/"
    client.post(
        f"/admin/calendar/appointment/{appointment.pk}/move/",
        {
            "day": "2026-12-03",
            "start_time": "11:00",
            "practitioner": appointment.practitioner_id,
        },
    )
    assert Appointment.objects.get().start == bend(2026, 12, 3, 11)
    client.post(url, {"action": "cancel"})
    assert Appointment.objects.get().status == "booked"  # no reason given: nothing done
    client.post(url, {"action": "cancel", "reason": "illness"})
    cancelled = Appointment.objects.get()
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "illness")
    assert not cancelled.late_cancel  # three days ahead


def test_book_by_phone_uses_the_same_guard(client, front_desk, appointment, booking):
    login_staff(client, front_desk)
    form = {
        **{f"screen-{q.key}": "no" for q in triage.red_flags().questions},
        "patient": "new",
        "service": booking["evaluation"].pk,
        "practitioner": booking["alex"].pk,
        "day": "2026-12-02",
        "start_time": "10:30",
        "first_name": "Pat",
        "last_name": "Phone",
        "email": "pat@example.com",
        "phone": "541 555 0111",
        "date_of_birth": "1970-02-03",
    }
    taken = client.post("/admin/calendar/new/", form)
    assert taken.status_code == 409
    assert "Alex Demo is booked or away then" in taken.content.decode()
    booked = client.post("/admin/calendar/new/", {**form, "start_time": "11:15"})
    assert booked.status_code == 302
    created = Appointment.objects.get(patient__email="pat@example.com")
    assert created.source == "staff"
    assert AuditEvent.objects.filter(action="create", object_id=str(created.pk)).exists()
    bad = client.post("/admin/calendar/new/", {**form, "date_of_birth": "2999-01-01"})
    assert bad.status_code == 400


def test_practitioner_feed_is_private_and_revocable(client, front_desk, appointment):
    practitioner = appointment.practitioner
    url = f"/calendar/{practitioner.calendar_token}.ics"
    feed = Calendar.from_ical(client.get(url).content)
    [event] = feed.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Initial evaluation: Sam P."  # no full name on a phone
    assert event["DTSTART"].dt == bend(2026, 12, 2, 10)
    login_staff(client, front_desk)
    # The front desk neither sees nor replaces a practitioner's feed address.
    assert practitioner.calendar_token not in client.get("/admin/calendar/feeds/").content.decode()
    assert client.post(f"/admin/calendar/feeds/{practitioner.pk}/new/").status_code == 404
    assert client.get(url).status_code == 200
    # The practitioner does, after confirming.
    practitioner.user = front_desk
    practitioner.save()
    assert practitioner.calendar_token in client.get("/admin/calendar/feeds/").content.decode()
    confirm = client.get(f"/admin/calendar/feeds/{practitioner.pk}/new/")
    assert "The old address stops working" in confirm.content.decode()
    assert client.get(url).status_code == 200
    client.post(f"/admin/calendar/feeds/{practitioner.pk}/new/")
    assert client.get(url).status_code == 404


def test_audit_log_is_append_only(client, admin_user, front_desk, appointment):
    login_staff(client, front_desk)
    client.get(f"/admin/calendar/appointment/{appointment.pk}/")
    event = AuditEvent.objects.get(action="view")
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    login_staff(client, admin_user)
    listing = client.get("/admin/audit_log/")
    assert listing.status_code == 200
    assert "desk" in listing.content.decode()
    assert client.get(f"/admin/audit_log/edit/{event.pk}/").status_code in {302, 403}


def test_patient_record_inspection_is_audited(client, admin_user, appointment):
    login_staff(client, admin_user)
    response = client.get(f"/admin/patients/inspect/{appointment.patient_id}/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(object_type="booking.patient", action="view").exists()


def test_staff_are_notified_without_patient_names(booking, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=bend(2026, 12, 2, 10),
            patient=patient_details(),
            now=NOW,
        )
    staff_mail = [m for m in mail.outbox if m.to == ["clinic@example.com"]]
    assert len(staff_mail) == 1
    assert "New booking" in staff_mail[0].subject
    assert "Patient" not in staff_mail[0].body
    assert "Sam" not in staff_mail[0].body
    assert "/admin/calendar/appointment/" in staff_mail[0].body


def test_editing_a_patient_in_the_admin_is_audited(client, admin_user, appointment):
    login_staff(client, admin_user)
    url = f"/admin/patients/edit/{appointment.patient_id}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "first_name": "Samuel",
            "last_name": "Patient",
            "email": "sam@example.com",
            "phone": "541 555 0100",
            "date_of_birth": "1980-05-06",
        },
    )
    assert response.status_code == 302
    actions = sorted(
        AuditEvent.objects.filter(object_type="booking.patient").values_list("action", flat=True)
    )
    assert actions == ["change", "view"]
