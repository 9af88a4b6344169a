"""Opaque, revocable patient links (manage an appointment, take a waitlist offer), the staff
"Resend link" action, and clinical booking emails kept from front-desk staff."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail, signing

from physiofit.booking import services, tokens
from physiofit.booking.models import Appointment, ManageLink, Notification
from physiofit.core.models import AuditEvent
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import NOW, bend

MANAGE_LINK = re.compile(r"https?://[^/\s]+/appointments/([-\w]+)/")

# The links' pages and the waitlist task read the clock: it stands at NOW, before the visits.
pytestmark = pytest.mark.usefixtures("frozen_now")


def staff(django_user_model, username, *perms):
    group = Group.objects.create(name=f"group-{username}")
    for app, codename in [
        ("wagtailadmin", "access_admin"),
        ("booking", "view_patient_record"),
        ("booking", "view_notification"),
        ("booking", "change_notification"),
        *perms,
    ]:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    user = django_user_model.objects.create_user(username, password="x" * 16)
    user.groups.add(group)
    return user


@pytest.fixture
def front_desk(django_user_model):
    return staff(django_user_model, "desk")


@pytest.fixture
def therapist(django_user_model):
    return staff(django_user_model, "therapist", ("intake", "view_clinical_record"))


@pytest.fixture
def appointment(booking, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=bend(2026, 12, 2, 10),
            patient=patient_details(),
            now=NOW,
        )


def emailed_token(to: str = "sam@example.com") -> str:
    message = [m for m in mail.outbox if m.to == [to]][-1]
    return MANAGE_LINK.search(message.body).group(1)


def test_a_manage_link_is_random_and_only_its_hash_is_stored(appointment, client):
    token = emailed_token()
    assert len(token) == 43  # 32 random bytes
    stored = ManageLink.objects.get(appointment=appointment)
    assert stored.token_hash != token
    assert token not in stored.token_hash
    # Nothing in it comes from the appointment: another link to it shares nothing.
    assert tokens.manage_link_create(appointment=appointment)[:8] != token[:8]
    assert client.get(f"/appointments/{token}/").status_code == 200


def test_a_link_signed_the_old_way_no_longer_opens_the_appointment(appointment, client):
    old = signing.dumps(appointment.pk, salt="physiofit.booking.manage", compress=True)
    assert client.get(f"/appointments/{old}/").status_code == 404
    assert client.get(f"/appointments/{old}/intake/").status_code == 404


def test_links_are_revoked_one_appointment_at_a_time(appointment, booking, client):
    other = services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["jordan"],
        start=bend(2026, 12, 3, 10),
        patient=patient_details(email="other@example.com"),
        now=NOW,
    )
    mine = tokens.manage_link_create(appointment=appointment)
    theirs = tokens.manage_link_create(appointment=other)
    assert tokens.manage_links_revoke(appointment=appointment) == 2  # the email's and this one
    assert client.get(f"/appointments/{mine}/").status_code == 404
    assert client.get(f"/appointments/{emailed_token()}/").status_code == 404
    assert client.get(f"/appointments/{theirs}/").status_code == 200


def test_an_overlong_token_is_a_plain_404(booking, client):
    assert client.get(f"/appointments/{'a' * 5000}/").status_code == 404


def test_rescheduling_keeps_the_link_working(appointment, client):
    token = emailed_token()
    moved = client.post(
        f"/appointments/{token}/reschedule/", {"start": bend(2026, 12, 3, 9).isoformat()}
    )
    assert moved.status_code == 302
    assert client.get(f"/appointments/{token}/").status_code == 200
    assert Appointment.objects.get().start == bend(2026, 12, 3, 9)


def test_staff_resend_revokes_old_links_and_emails_a_new_one(
    appointment, client, front_desk, django_capture_on_commit_callbacks
):
    old = emailed_token()
    login_staff(client, front_desk)
    page = client.get(f"/admin/calendar/appointment/{appointment.pk}/").content.decode()
    assert f"/admin/calendar/appointment/{appointment.pk}/resend-link/" in page
    confirm = client.get(f"/admin/calendar/appointment/{appointment.pk}/resend-link/")
    assert confirm.status_code == 200
    assert "Every link sent before stops working" in confirm.content.decode()
    assert client.get(f"/appointments/{old}/").status_code == 200  # GET changes nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/calendar/appointment/{appointment.pk}/resend-link/")
    assert response.status_code == 302
    assert client.get(f"/appointments/{old}/").status_code == 404
    [message] = mail.outbox
    assert message.to == ["sam@example.com"]
    assert "Links we sent you before no longer work" in message.body
    new = emailed_token()
    assert new != old
    assert client.get(f"/appointments/{new}/").status_code == 200
    event = AuditEvent.objects.get(action="change", object_id=str(appointment.pk))
    assert event.actor == front_desk
    assert "new link emailed" in event.summary


def test_resend_is_refused_for_a_cancelled_appointment_and_wrong_methods(
    appointment, client, front_desk
):
    url = f"/admin/calendar/appointment/{appointment.pk}/resend-link/"
    old = emailed_token()
    login_staff(client, front_desk)
    assert client.put(url).status_code == 405
    services.appointment_cancel(appointment=appointment, staff=True)
    mail.outbox.clear()
    response = client.post(url, follow=True)
    assert "already been cancelled" in response.content.decode()
    assert not mail.outbox
    assert ManageLink.objects.get(token_hash=tokens._hash(old)).revoked_at is None


def test_a_waitlist_offer_link_names_nothing_and_opens_its_offer(
    booking, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=bend(2026, 12, 1, 9),
            patient=patient_details(),
            now=NOW,
        )
    entry = services.waitlist_join(
        service=booking["evaluation"],
        practitioner=None,
        patient=patient_details(email="wait@example.com"),
        first_day=taken.start.date(),
        last_day=taken.start.date(),
        mornings=True,
        afternoons=False,
        evenings=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=taken, now=NOW - timedelta(days=2))
    [offer] = [m for m in mail.outbox if m.to == ["wait@example.com"]]
    token = re.search(r"/waitlist/offer/([-\w]+)/", offer.body).group(1)
    assert len(token) == 43
    notification = Notification.objects.get(kind="waitlist_offer")
    assert notification.offer_token_hash
    assert token not in notification.offer_token_hash
    assert "Tuesday" in client.get(f"/waitlist/offer/{token}/").content.decode()
    forged = signing.dumps(
        [entry.pk, booking["alex"].pk, taken.start.isoformat()],
        salt="physiofit.booking.offer",
        compress=True,
    )
    assert client.get(f"/waitlist/offer/{forged}/").status_code == 404


@pytest.fixture
def review_email(appointment):
    return Notification.objects.create(
        kind=Notification.Kind.STAFF_REVIEW,
        appointment=appointment,
        recipient="alex@example.com",
        status="sent",
    )


def test_front_desk_never_sees_the_clinician_review_email(
    client, front_desk, appointment, review_email
):
    login_staff(client, front_desk)
    listing = client.get("/admin/booking_emails/")
    assert listing.status_code == 200
    assert f"/admin/booking_emails/inspect/{review_email.pk}/" not in listing.content.decode()
    assert "Booking confirmation" in listing.content.decode()  # the others are listed
    filtered = client.get("/admin/booking_emails/", {"kind": "staff_review"})
    assert f"/{review_email.pk}/" not in filtered.content.decode()
    for view in ("inspect", "edit", "delete", "history", "usage"):
        response = client.get(f"/admin/booking_emails/{view}/{review_email.pk}/")
        assert response.status_code == 404, view
        assert "review" not in response.content.decode().lower(), view
    assert (
        client.post(
            f"/admin/booking_emails/edit/{review_email.pk}/", {"status": "failed"}
        ).status_code
        == 404
    )
    review_email.refresh_from_db()
    assert review_email.status == "sent"
    page = client.get(f"/admin/calendar/appointment/{appointment.pk}/").content.decode()
    assert "clinician review" not in page.lower()
    assert "Booking confirmation" in page


def test_clinical_staff_see_the_clinician_review_email(
    client, therapist, appointment, review_email
):
    login_staff(client, therapist)
    listing = client.get("/admin/booking_emails/").content.decode()
    assert f"/admin/booking_emails/inspect/{review_email.pk}/" in listing
    inspect = client.get(f"/admin/booking_emails/inspect/{review_email.pk}/")
    assert inspect.status_code == 200
    assert "Staff: clinician review needed" in inspect.content.decode()
    page = client.get(f"/admin/calendar/appointment/{appointment.pk}/").content.decode()
    assert "Staff: clinician review needed" in page
