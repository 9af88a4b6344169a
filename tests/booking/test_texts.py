"""Text reminders (physiofit/booking/texts.py): consent from the booking form, the API and
staff; the reminder text, sent only with consent and never at the email's expense; STOP and
START through Twilio's signed webhook; and no phone number in any log line."""

import base64
import hashlib
import hmac
import itertools
import json
import logging
import urllib.error
from datetime import timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.test import Client

from physiofit.booking import merge, services, texts
from physiofit.booking.forms import PatientDetailsForm
from physiofit.booking.models import Notification, Patient
from physiofit.booking.tasks import send_due_reminders
from physiofit.core import sms
from physiofit.core.models import AuditEvent
from physiofit.intake.triage import red_flags
from tests.factories import patient_details
from tests.staff import login_staff

from .conftest import NOW, bend

SID = "AC" + "1" * 32
TOKEN = "e" * 32
NUMBER = "+15415550100"  # the E.164 form of patient_details()' "541 555 0100"
START = bend(2026, 11, 30, 10)
DAY_BEFORE = bend(2026, 11, 29, 12)
# Booked days ahead: inside the reminder lead the confirmation is the reminder (no text then).
BOOKED_AT = bend(2026, 11, 25, 12)
FORM = {
    "first_name": "Sam",
    "last_name": "Patient",
    "email": "sam@example.com",
    "phone": "(541) 555-0100",
    "date_of_birth": "1980-05-06",
}


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def book(booking, *, start=START, consent=True, staff=False, **details):
    return services.appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=start,
        patient=patient_details(sms_reminders=consent, **details),
        source="staff" if staff else "online",
        now=BOOKED_AT,
    )


def remind(capture) -> int:
    with capture(execute=True):
        return send_due_reminders(DAY_BEFORE)


def consent_events():
    return list(
        AuditEvent.objects.filter(summary__startswith="text reminders")
        .order_by("pk")
        .values_list("actor_name", "summary")
    )


# --- consent ------------------------------------------------------------------------------


def test_the_box_is_unticked_and_optional(db):
    form = PatientDetailsForm()
    assert form.fields["sms_reminders"].initial is False
    assert "checked" not in str(form["sms_reminders"])
    bound = PatientDetailsForm(FORM)
    assert bound.is_valid(), bound.errors
    assert bound.details().sms_reminders is False


def test_a_number_that_cannot_take_texts_is_refused_only_when_texts_are_wanted(db):
    landline_style = {**FORM, "phone": "555-0100"}  # seven digits: callable locally, not textable
    assert PatientDetailsForm(landline_style).is_valid()
    form = PatientDetailsForm({**landline_style, "sms_reminders": "on"})
    assert not form.is_valid()
    assert form.errors["phone"] == [texts.TextConsentError.messages["not_textable"]]


def test_no_box_when_the_clinic_sends_no_texts(db, settings):
    settings.SMS_BACKEND = ""
    form = PatientDetailsForm({**FORM, "sms_reminders": "on"})
    assert "sms_reminders" not in form.fields
    assert form.is_valid()
    assert form.details().sms_reminders is False


def screen(client):
    client.post("/book/initial-evaluation/screening/", dict.fromkeys(red_flags().keys, "no"))


@pytest.mark.parametrize(("ticked", "expected"), [(True, "given"), (False, "not_asked")])
def test_consent_is_recorded_from_the_online_form_with_when_and_how(
    booking, client, frozen_now, ticked, expected
):
    screen(client)
    data = {**FORM, "start": START.isoformat(), "idempotency_key": "k1"}
    if ticked:
        data["sms_reminders"] = "on"
    review = client.post("/book/initial-evaluation/alex/details/", data, follow=True)
    assert ("Reminders to this phone" in review.content.decode()) is ticked
    assert client.post("/book/initial-evaluation/alex/confirm/", data).status_code == 302
    patient = Patient.objects.get()
    assert patient.sms_consent == expected
    if ticked:
        assert (patient.sms_number, patient.sms_consent_how) == (NUMBER, "online")
        assert patient.sms_consent_at == NOW
        assert consent_events() == [
            (
                "patient (booking form)",
                "text reminders: Not given → Given (Online, by the patient, +1••••••••00)",
            )
        ]
    else:
        assert (patient.sms_number, patient.sms_consent_at) == ("", None)
        assert consent_events() == []


def test_the_review_page_carries_an_unticked_box_as_unticked(booking, client, frozen_now):
    screen(client)
    data = {**FORM, "start": START.isoformat(), "idempotency_key": "k1"}
    review = client.post("/book/initial-evaluation/alex/details/", data, follow=True)
    review = review.content.decode()
    assert 'name="sms_reminders" value="False"' in review


def test_consent_is_recorded_from_the_api(booking, client, frozen_now):
    payload = {
        "service": "initial-evaluation",
        "practitioner": "alex",
        "start": START.isoformat(),
        "patient": {**FORM, "sms_reminders": True},
        "screening": dict.fromkeys(red_flags().keys, False),
    }
    response = client.post("/api/v1/appointments", json.dumps(payload), "application/json")
    assert response.status_code == 201, response.content
    assert Patient.objects.get().sms_consent_how == "online"


def test_consent_is_recorded_by_staff_on_the_phone(booking, admin_user):
    # The staff form is PatientDetailsForm's fields too: its details() carry the box.
    details = PatientDetailsForm({**FORM, "sms_reminders": "on"})
    assert details.is_valid()
    assert details.details().sms_reminders is True
    appointment = book(booking, staff=True)
    patient = appointment.patient
    assert (patient.sms_consent, patient.sms_consent_how, patient.sms_number) == (
        "given",
        "staff",
        NUMBER,
    )


def test_staff_consent_for_an_existing_record_is_for_the_number_given(booking):
    existing = book(booking, consent=False).patient
    again = book(booking, start=bend(2026, 12, 1, 10), staff=True, phone="(541) 555-0177")
    assert again.patient == existing  # staff bookings find the record; its phone stays
    existing.refresh_from_db()
    assert existing.phone == "541 555 0100"
    assert (existing.sms_consent, existing.sms_number) == ("given", "+15415550177")


def test_a_number_that_cannot_take_texts_books_nothing(booking):
    with pytest.raises(services.BookingError) as refused:
        book(booking, phone="555-0100")
    assert refused.value.field_errors == {
        "phone": [texts.TextConsentError.messages["not_textable"]]
    }
    assert not Patient.objects.exists()


# --- the reminder ---------------------------------------------------------------------------


def test_reminder_is_texted_only_to_patients_who_agreed(
    booking, site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agreed = book(booking)
        book(booking, start=bend(2026, 11, 30, 11, 30), consent=False, email="no@example.com")
    mail.outbox.clear()
    assert remind(django_capture_on_commit_callbacks) == 2
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == 2
    [text] = sms.outbox
    assert text.to == NUMBER
    assert text.body == (
        "Reminder: your visit at Testclinic on Mon Nov 30 at 10:00 AM. "
        "To change it, call (541) 555-0100. Reply STOP to opt out."
    )
    # Nothing clinical, nothing naming the patient: a lock screen shows it to anyone.
    assert "evaluation" not in text.body.lower()
    assert "Alex" not in text.body
    assert "Sam" not in text.body
    row = Notification.objects.get(channel="sms")
    assert (row.kind, row.status, row.recipient, row.appointment) == (
        "reminder",
        "sent",
        NUMBER,
        agreed,
    )
    assert row.get_kind_display() == "Reminder (text)"
    assert (
        Notification.objects.get(channel="email", kind="reminder", appointment=agreed).status
        == "sent"
    )


class BrokenProvider:
    def send(self, message):
        raise sms.SmsError("Twilio answered HTTP 503.")


def test_a_failing_provider_never_stops_the_email(
    booking, site, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = f"{__name__}.BrokenProvider"
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(booking)
    mail.outbox.clear()
    assert remind(django_capture_on_commit_callbacks) == 1
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
    text = Notification.objects.get(channel="sms")
    assert (text.status, text.attempts) == ("failed", 1)
    assert text.error == "SmsError: Twilio answered HTTP 503."
    assert appointment.notifications.get(channel="email", kind="reminder").status == "sent"


def test_a_stop_between_queueing_and_sending_sends_nothing(booking, site):
    appointment = book(booking)
    row = Notification.objects.create(
        kind="reminder", channel="sms", appointment=appointment, recipient=NUMBER
    )
    texts.sms_reply_receive(number=NUMBER, body="stop")
    from physiofit.booking.tasks import send_notification

    assert send_notification.call(row.pk) == "failed"
    row.refresh_from_db()
    assert "no longer agrees" in row.error
    assert "not retried" in row.error
    assert sms.outbox == []


def test_a_stop_the_provider_reports_is_recorded(booking, site, settings, monkeypatch):
    settings.SMS_BACKEND = "physiofit.core.sms.TwilioBackend"
    settings.SMS_OPTIONS = {"account_sid": SID, "auth_token": TOKEN, "sender": "+15415550199"}
    appointment = book(booking)
    row = Notification.objects.create(
        kind="reminder", channel="sms", appointment=appointment, recipient=NUMBER
    )

    def refused(request, timeout):
        raise urllib.error.HTTPError(
            "https://api.twilio.com/", 400, "", {}, BytesIO(b'{"code": 21610}')
        )

    monkeypatch.setattr(sms.urllib.request, "urlopen", refused)
    from physiofit.booking.tasks import send_notification

    assert send_notification.call(row.pk) == "failed"
    appointment.patient.refresh_from_db()
    assert (appointment.patient.sms_consent, appointment.patient.sms_consent_how) == (
        "withdrawn",
        "reply",
    )


def test_no_phone_number_in_any_log_line(
    booking, site, client, settings, caplog, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND, settings.SMS_OPTIONS = "physiofit.core.sms.ConsoleBackend", {}
    with caplog.at_level(logging.DEBUG):
        with django_capture_on_commit_callbacks(execute=True):
            book(booking, phone="(541) 555-0142")
        remind(django_capture_on_commit_callbacks)
        twilio(settings)
        inbound(client, {"From": "+15415550142", "Body": "STOP"})
    assert "Reminder: your visit at Testclinic" in caplog.text
    assert "+1••••••••42" in caplog.text
    for digits in ("5415550142", "555-0142", "5550142", "0142"):
        assert digits not in caplog.text


# --- STOP and START -------------------------------------------------------------------------


def twilio(settings):
    settings.SMS_BACKEND = "physiofit.core.sms.TwilioBackend"
    settings.SMS_OPTIONS = {"account_sid": SID, "auth_token": TOKEN, "sender": "+15415550199"}


MESSAGE_IDS = itertools.count(1)


def inbound(client, fields, *, signature=None, url="http://testserver/sms/twilio/"):
    sid = f"SM{next(MESSAGE_IDS)}"
    fields = {"AccountSid": SID, "To": "+15415550199", "MessageSid": sid, **fields}
    if signature is None:  # signed as Twilio signs, for the address it calls
        text = url + "".join(k + fields[k] for k in sorted(fields))
        signature = base64.b64encode(
            hmac.new(TOKEN.encode(), text.encode(), hashlib.sha1).digest()
        ).decode()
    return client.post("/sms/twilio/", fields, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def family(booking, settings):
    """Two records texted at one number (a parent books for a child), one at another."""
    twilio(settings)
    parent = book(booking).patient
    child = book(
        booking, start=bend(2026, 12, 1, 10), first_name="Kim", email="kim@example.com"
    ).patient
    other = book(
        booking, start=bend(2026, 12, 2, 10), phone="541 555 0177", email="o@example.com"
    ).patient
    return parent, child, other


def states(*patients):
    for patient in patients:
        patient.refresh_from_db()
    return [(p.sms_consent, p.sms_consent_how) for p in patients]


@pytest.mark.parametrize(
    "word", ["STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]
)
def test_stop_withdraws_consent_for_every_record_at_that_number(family, word):
    client = Client(enforce_csrf_checks=True)  # Twilio sends no CSRF token: exempt
    response = inbound(client, {"From": NUMBER, "Body": word})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert "<Response></Response>" in response.content.decode()
    assert states(*family) == [
        ("withdrawn", "reply"),
        ("withdrawn", "reply"),
        ("given", "online"),
    ]
    assert family[0].sms_consent_at is not None
    assert [actor for actor, _ in consent_events()][-2:] == ["patient (text reply)"] * 2


def test_start_gives_back_only_what_a_stop_took(family, admin_user):
    parent, child, _ = family
    texts.patient_sms_consent_withdraw(patient=child, user=admin_user)  # asked the desk
    never = Patient.objects.create(
        first_name="Lee",
        last_name="Never",
        email="lee@example.com",
        phone="541 555 0100",
        date_of_birth=parent.date_of_birth,
    )
    client = Client()
    inbound(client, {"From": NUMBER, "Body": "STOP"})
    assert inbound(client, {"From": NUMBER, "Body": "START"}).status_code == 200
    assert states(parent, child, never) == [
        ("given", "reply"),
        ("withdrawn", "staff"),  # staff took it off: the number may be someone else's now
        ("not_asked", ""),  # never agreed: START is no consent for this record
    ]
    inbound(client, {"From": NUMBER, "Body": "unstop"})
    assert states(parent)[0] == ("given", "reply")


def test_other_replies_change_nothing(family):
    inbound(Client(), {"From": NUMBER, "Body": "Please stop by tomorrow"})
    inbound(Client(), {"From": NUMBER, "Body": "HELP"})
    assert states(*family)[:2] == [("given", "online")] * 2


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSBzaWduYXR1cmU=", "wrong"])
def test_a_post_without_twilios_signature_is_refused(family, signature):
    response = inbound(Client(), {"From": NUMBER, "Body": "STOP"}, signature=signature)
    assert response.status_code == 403
    assert states(*family)[:2] == [("given", "online")] * 2


def test_a_signature_for_another_address_is_refused(family):
    response = inbound(
        Client(), {"From": NUMBER, "Body": "STOP"}, url="https://elsewhere.example/sms/twilio/"
    )
    assert response.status_code == 403
    assert states(*family)[0] == ("given", "online")


def test_the_webhook_takes_posts_only_and_only_with_twilio(client, settings, db):
    assert client.post("/sms/twilio/", {"Body": "STOP"}).status_code == 404  # locmem backend
    twilio(settings)
    assert client.get("/sms/twilio/").status_code == 405


def test_the_webhook_is_rate_limited(family, monkeypatch):
    from physiofit.booking import text_webhook

    monkeypatch.setattr(text_webhook, "RATE_LIMIT", 2)
    client = Client()
    codes = [inbound(client, {"From": NUMBER, "Body": "HELP"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# --- staff: the patient record ----------------------------------------------------------------


@pytest.fixture
def admin(client, admin_user):
    login_staff(client, admin_user)
    return client


def edit(admin, patient, **changes):
    data = {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "email": patient.email,
        "phone": patient.phone,
        "date_of_birth": patient.date_of_birth.isoformat(),
        **changes,
    }
    return admin.post(f"/admin/patients/edit/{patient.pk}/", data)


def test_staff_see_and_change_consent_on_the_record_audited(booking, admin, admin_user):
    patient = book(booking, consent=False).patient
    chart = admin.get(f"/admin/patients/inspect/{patient.pk}/").content.decode()
    assert "Text reminders" in chart
    assert "Not given" in chart
    form = admin.get(f"/admin/patients/edit/{patient.pk}/").content.decode()
    assert 'name="sms_reminders"' in form
    assert edit(admin, patient, sms_reminders="on").status_code == 302
    assert states(patient) == [("given", "staff")]
    assert patient.sms_number == NUMBER
    assert consent_events()[-1] == (
        admin_user.username,
        "text reminders: Not given → Given (By staff, +1••••••••00)",
    )
    # Saved again with the box ticked: nothing new to record.
    edit(admin, patient, sms_reminders="on")
    assert len(consent_events()) == 1
    # A new number with the box still ticked: the consent is for that number now.
    edit(admin, patient, sms_reminders="on", phone="541 555 0177")
    patient.refresh_from_db()
    assert patient.sms_number == "+15415550177"
    assert edit(admin, patient, phone="541 555 0177").status_code == 302
    assert states(patient) == [("withdrawn", "staff")]
    assert consent_events()[-1][1].startswith("text reminders: Given → Withdrawn (By staff")


def test_staff_cannot_tick_texts_for_a_number_that_cannot_take_them(booking, admin):
    patient = book(booking, consent=False).patient
    response = edit(admin, patient, phone="555-0100", sms_reminders="on")
    assert response.status_code == 200
    assert texts.TextConsentError.messages["not_textable"] in response.content.decode()
    assert states(patient) == [("not_asked", "")]


def test_merge_keeps_the_patients_word(booking, admin_user):
    kept = book(booking, consent=False).patient
    online = book(booking, start=bend(2026, 12, 1, 10)).patient  # a new record, flagged
    assert online.possible_duplicate_of == kept
    merge.patient_merge(keep=kept, remove=online, user=admin_user)
    assert states(kept) == [("given", "online")]
    assert kept.sms_number == NUMBER


def test_reminder_goes_after_a_reschedule_too(booking, site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(booking)
    remind(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_reschedule(
            appointment=appointment, start=bend(2026, 11, 30, 15), staff=True, now=BOOKED_AT
        )
        send_due_reminders(DAY_BEFORE + timedelta(hours=4))
    assert len(sms.outbox) == 2
    assert "on Mon Nov 30 at 3:00 PM." in sms.outbox[-1].body


def test_a_replayed_message_is_acted_on_once(family):
    parent = family[0]
    client = Client()
    inbound(client, {"From": NUMBER, "Body": "STOP"})
    start = {"From": NUMBER, "Body": "START", "MessageSid": "SM-replayed"}
    inbound(client, start)
    assert states(parent)[0] == ("given", "reply")
    inbound(client, {"From": NUMBER, "Body": "STOP"})
    # The same signed START, posted again later: already acted on, so it changes nothing.
    assert inbound(client, start).status_code == 200
    assert states(parent)[0] == ("withdrawn", "reply")
