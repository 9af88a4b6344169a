"""Email content for booking notifications: plain text and HTML, with a calendar file.

Emails carry the minimum: the patient's own emails hold their first name, the visit and the
manage link; staff emails hold no patient name, only the reference and a link to the admin.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from wagtail import hooks
from wagtail.models import Site

from physiofit.core.models import ClinicSettings

from . import ical
from .models import Appointment, Notification
from .tokens import manage_link_create, offer_link_create

SUBJECTS = {
    Notification.Kind.CONFIRMATION: "Your appointment is booked: {when}",
    Notification.Kind.RESCHEDULED: "Your appointment has moved: {when}",
    Notification.Kind.CANCELLED: "Your appointment on {when} is cancelled",
    Notification.Kind.REMINDER: "Reminder: your appointment {when}",
    Notification.Kind.WAITLIST_OFFER: "A time has opened up: {when}",
    Notification.Kind.STAFF_NEW: "New booking {reference}: {when}",
    Notification.Kind.STAFF_CHANGED: "Booking moved {reference}: {when}",
    Notification.Kind.STAFF_CANCELLED: "Booking cancelled {reference}: {when}",
    Notification.Kind.STAFF_REVIEW: "Clinician review needed {reference}: {when}",
    Notification.Kind.MANAGE_LINK: "Your new link for your appointment {when}",
}

# The patient emails that carry a manage link. Each email gets its own link, made when the email
# is built (only a hash is stored, so an earlier link cannot be read back to send again).
WITH_MANAGE_LINK = (
    Notification.Kind.CONFIRMATION,
    Notification.Kind.RESCHEDULED,
    Notification.Kind.REMINDER,
    Notification.Kind.MANAGE_LINK,
)


def public_url(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def format_when(moment, clinic) -> str:
    local = moment.astimezone(clinic.zone)
    return f"{local:%A, %B} {local.day}, {local:%Y} at {local:%-I:%M %p} ({local:%Z})"


def build(notification: Notification) -> EmailMultiAlternatives:
    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    appointment = notification.appointment
    context = {"clinic": clinic, "notification": notification, "appointment": appointment}
    if notification.kind == Notification.Kind.WAITLIST_OFFER:
        entry = notification.waitlist_entry
        token = offer_link_create(notification=notification)
        when = format_when(notification.offered_start, clinic)
        context.update(
            entry=entry,
            when=when,
            practitioner=notification.offered_practitioner,
            offer_url=public_url(reverse("booking:offer", args=[token])),
        )
        reference = ""
    else:
        when = format_when(appointment.start, clinic)
        reference = appointment.reference
        context.update(
            when=when,
            admin_url=public_url(reverse("booking_calendar:appointment", args=[appointment.pk])),
        )
        if notification.kind == Notification.Kind.CONFIRMATION and appointment.series:
            context["series_visits"] = [
                format_when(a.start, clinic)
                for a in Appointment.objects.filter(
                    series=appointment.series,
                    status=Appointment.Status.BOOKED,
                    start__gt=appointment.start,
                ).order_by("start")
            ]
        if notification.kind == Notification.Kind.CONFIRMATION:
            context["calendar_links"] = ical.calendar_links(appointment, clinic)
        if notification.kind in WITH_MANAGE_LINK:
            token = manage_link_create(appointment=appointment)
            context["manage_url"] = public_url(reverse("booking:manage", args=[token]))
            # Apps above booking add links that work with the same token (intake's questions).
            for fn in hooks.get_hooks("manage_link_email_context"):
                context.update(fn(appointment, token, public_url))
    template = "booking/email/" + (
        "staff" if notification.kind.startswith("staff_") else notification.kind
    )
    message = EmailMultiAlternatives(
        subject=SUBJECTS[notification.kind].format(when=when, reference=reference),
        body=render_to_string(f"{template}.txt", context),
        to=[notification.recipient],
        reply_to=[clinic.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if notification.kind in (
        Notification.Kind.CONFIRMATION,
        Notification.Kind.RESCHEDULED,
        Notification.Kind.CANCELLED,
    ):
        method, invitation = ical.email_invitation(
            appointment, clinic, attendee_email=notification.recipient
        )
        # Django adds the charset; a second one in the type would make the header ambiguous.
        message.attach("appointment.ics", invitation, f"text/calendar; method={method}")
    return message
