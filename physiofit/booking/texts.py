"""Text-message reminders: the patient's consent (given online or by staff, withdrawn by STOP
or by staff) and the reminder's wording. Sending goes through core/sms.py.

Consent is for one number, the E.164 form of the phone the patient gave when agreeing; a STOP
from that number withdraws it on every record that has it. Every change is audited. A text
carries no health details: the clinic, the day and time, and how to stop.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from physiofit.core import sms
from physiofit.core.models import AuditEvent, ClinicSettings, audit

from .models import Appointment, Notification, Patient, SmsConsent, SmsConsentHow

# Keywords carriers and Twilio treat as opt-out and opt-in (CTIA guidelines), the whole reply.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})

# Who the audit log names for a change with no staff account behind it.
ACTORS = {
    SmsConsentHow.ONLINE: "patient (booking form)",
    SmsConsentHow.REPLY: "patient (text reply)",
}


class TextConsentError(Exception):
    """The consent could not be recorded; `message` is written for the person giving it."""

    messages = {
        "not_textable": (
            "This number cannot receive text messages. Check it, or leave text reminders unticked."
        ),
    }

    def __init__(self, code: str):
        self.code = code
        self.message = self.messages[code]
        super().__init__(self.message)


def patient_sms_consent_give(
    *, patient: Patient, phone: str, how: str, user=None, now: datetime | None = None
) -> Patient:
    """Record that the patient agrees to text reminders at `phone` (as typed), given `how`
    (online or by staff, whose `user` is audited). Raises TextConsentError for a number that
    cannot take texts. Runs in the caller's transaction (a booking's), or its own."""
    number = sms.to_e164(phone)
    if number is None:
        raise TextConsentError("not_textable")
    with transaction.atomic():
        _set(patient, SmsConsent.GIVEN, how, user=user, now=now, number=number)
    return patient


def patient_sms_consent_withdraw(*, patient: Patient, user, now: datetime | None = None) -> Patient:
    """Staff record that the patient no longer wants texts (said on the phone or at the desk)."""
    with transaction.atomic():
        if patient.sms_consent == SmsConsent.GIVEN:
            _set(patient, SmsConsent.WITHDRAWN, SmsConsentHow.STAFF, user=user, now=now)
    return patient


def sms_reply_receive(*, number: str, body: str, now: datetime | None = None) -> str:
    """A text the patient sent to the clinic's number. STOP (and its synonyms) withdraws
    consent on every record texted at that number; START or UNSTOP gives it back only to the
    records a STOP withdrew (a number staff took off may now be someone else's). Anything else
    changes nothing. Returns "stopped", "started" or "ignored"."""
    word = body.strip().strip(".!").upper()
    e164 = sms.to_e164(number)
    if e164 is None or word not in STOP_WORDS | START_WORDS:
        return "ignored"
    records = Patient.objects.select_for_update().filter(sms_number=e164)
    with transaction.atomic():
        if word in STOP_WORDS:
            for patient in records.filter(sms_consent=SmsConsent.GIVEN):
                _set(patient, SmsConsent.WITHDRAWN, SmsConsentHow.REPLY, now=now)
            return "stopped"
        for patient in records.filter(
            sms_consent=SmsConsent.WITHDRAWN, sms_consent_how=SmsConsentHow.REPLY
        ):
            _set(patient, SmsConsent.GIVEN, SmsConsentHow.REPLY, now=now)
        return "started"


def _set(patient: Patient, consent: str, how: str, *, user=None, now=None, number=None) -> None:
    before = patient.sms_consent
    patient.sms_consent = consent
    patient.sms_consent_how = how
    patient.sms_consent_at = now or timezone.now()
    fields = ["sms_consent", "sms_consent_how", "sms_consent_at"]
    if number is not None:
        patient.sms_number = number
        fields.append("sms_number")
    patient.save(update_fields=fields)
    audit(
        user=user,
        actor_name=ACTORS.get(how, ""),
        action=AuditEvent.Action.CHANGE,
        obj=patient,
        summary=(
            f"text reminders: {SmsConsent(before).label} → {SmsConsent(consent).label} "
            f"({SmsConsentHow(how).label}, {sms.mask(patient.sms_number)})"
        ),
    )


def reminder_body(appointment: Appointment, clinic: ClinicSettings) -> str:
    """Short enough for one text, with no service, practitioner or anything clinical: a lock
    screen shows it to whoever holds the phone."""
    local = appointment.start.astimezone(clinic.zone)
    return (
        f"Reminder: your visit at {clinic.name} on {local:%a %b} {local.day} at "
        f"{local:%-I:%M %p}. To change it, call {clinic.phone}. Reply STOP to opt out."
    )


class ReminderText(sms.TextMessage):
    """A reminder whose provider says the number replied STOP records that opt-out too (the
    webhook may have missed it)."""

    def send(self) -> str:
        try:
            return super().send()
        except sms.RecipientOptedOut:
            sms_reply_receive(number=self.to, body="STOP")
            raise


def build(notification: Notification) -> ReminderText:
    """The text for a queued SMS notification. Refuses, for good (not retried), when the
    patient has withdrawn consent or changed the number since it was queued, or the visit is
    no longer booked."""
    appointment = notification.appointment
    patient = Patient.objects.get(pk=appointment.patient_id)
    if not patient.sms_reminders or patient.sms_number != notification.recipient:
        raise sms.SmsRefused("Not sent: the patient no longer agrees to texts at this number.")
    if appointment.status != Appointment.Status.BOOKED:
        raise sms.SmsRefused("Not sent: the visit is no longer booked.")
    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    return ReminderText(to=notification.recipient, body=reminder_body(appointment, clinic))
