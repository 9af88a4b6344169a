"""Calendar files and "add to calendar" links for an appointment.

Times are written in UTC (`…Z`), never with a TZID. A visit happens once, at one instant: UTC
needs no VTIMEZONE, and Google, Outlook and Apple all read it alike and show it in the
reader's own zone. A TZID would need a VTIMEZONE, and the one `icalendar` makes from a zoneinfo
zone lists each change as an RDATE, which Outlook reads poorly (it expects yearly RRULEs).

Emails carry an iTIP message (RFC 5546): REQUEST, with the clinic as ORGANIZER and the patient as
ATTENDEE, when a visit is booked or moved; CANCEL, with the same UID and a higher SEQUENCE, when
it is cancelled. The manage page's download is PUBLISH, which must name no ATTENDEE. The
practitioner's feed is a plain calendar with no METHOD.

What a patient's event says goes to their calendar provider (and, through the links, into a
URL): the service, the practitioner, the reference, the clinic's address and phone. No patient
name, no other health detail, no manage link (it is a credential).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from urllib.parse import quote, urlencode

from django.db.migrations.recorder import MigrationRecorder
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Appointment

PRODID = "-//PhysioFit//Booking//EN"
GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/deeplink/compose"


def _uid(appointment) -> str:
    # Stable for the life of the appointment, so a reschedule updates the same calendar entry.
    return f"appointment-{appointment.reference}@physiofit"


@cache
def _small_sequences_since() -> datetime | None:
    """When this database began to number SEQUENCE from 0: the migration that came with it."""
    row = MigrationRecorder.Migration.objects.filter(
        app="core", name="0006_one_postal_address"
    ).first()
    return row.applied if row else None


def sequence(appointment) -> int:
    """SEQUENCE (RFC 5545 3.8.7.4): 0 when booked; then the seconds from booking to the latest
    change; one more once cancelled, which is final.

    It rises with every change (`updated_at` only moves forward) and stays small: a visit lives
    for months, far inside the 32-bit integer Outlook keeps. A counter column would say the same
    with a migration; this derives it from what each appointment already stores."""
    if appointment.created_at is None or appointment.updated_at is None:
        return 0
    cancelled = int(appointment.status == Appointment.Status.CANCELLED)
    since = _small_sequences_since()
    if since is not None and appointment.created_at < since:
        # Invited before the upgrade with the Unix time as SEQUENCE: a smaller number now would
        # make calendars ignore the change as out of date, so these keep counting that way.
        return int(appointment.updated_at.timestamp()) + cancelled
    changed = int((appointment.updated_at - appointment.created_at).total_seconds())
    return max(changed, 0) + cancelled


def _summary(appointment, clinic) -> str:
    return f"{appointment.service.name} at {clinic.name}"


def _location(clinic) -> str:
    # The postal address on one line: what a calendar looks up on a map. A second line (a suite,
    # an entrance) would confuse that look-up, so it goes in the description.
    return f"{clinic.name}, {clinic.address_line}"


def _description(appointment, clinic) -> str:
    lines = [
        f"{appointment.service.name} with {appointment.practitioner}",
        f"Reference {appointment.reference}",
    ]
    if clinic.address_second_line:
        # LOCATION holds the address a map finds; the second line is for the patient.
        lines += ["", clinic.name, *clinic.address_lines]
    lines += ["", f"To change or cancel, use the link in your email or call {clinic.phone}."]
    return "\n".join(lines)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _patient_event(appointment, clinic, *, attendee_email: str = "") -> Event:
    event = Event()
    event.add("uid", _uid(appointment))
    event.add("dtstamp", datetime.now(UTC))
    event.add("sequence", sequence(appointment))
    event.add("dtstart", _utc(appointment.start))
    event.add("dtend", _utc(appointment.end))
    event.add("summary", _summary(appointment, clinic))
    event.add("location", vText(_location(clinic)))
    event.add("description", _description(appointment, clinic))
    cancelled = appointment.status == Appointment.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # Kept from anyone the patient shares their calendar with.
    event.add("class", "PRIVATE")
    organizer = vCalAddress(f"mailto:{clinic.email}")
    organizer.params["cn"] = vText(clinic.name)
    event.add("organizer", organizer)
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params["cn"] = vText(appointment.patient.first_name)
        attendee.params["role"] = "REQ-PARTICIPANT"
        # The patient chose the time (or agreed it on the phone): nothing to answer. A CANCEL
        # repeats the line as it was, as the organizer's cancellation names who is removed.
        attendee.params["partstat"] = "ACCEPTED"
        attendee.params["rsvp"] = "FALSE"
        event.add("attendee", attendee)
    return event


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def email_invitation(appointment, clinic, *, attendee_email: str) -> tuple[str, bytes]:
    """The iTIP method and `.ics` an email to `attendee_email` carries: CANCEL once the visit is
    cancelled, else REQUEST; PUBLISH (no ATTENDEE) when there is no address to invite."""
    if appointment.status == Appointment.Status.CANCELLED:
        method = "CANCEL"
    else:
        method = "REQUEST" if attendee_email else "PUBLISH"
    calendar = _calendar(method)
    calendar.add_component(
        _patient_event(
            appointment, clinic, attendee_email="" if method == "PUBLISH" else attendee_email
        )
    )
    return method, calendar.to_ical()


def appointment_download(appointment, clinic) -> bytes:
    """The `.ics` the manage page offers: PUBLISH, the same UID as the emailed invitation."""
    calendar = _calendar("PUBLISH")
    calendar.add_component(_patient_event(appointment, clinic))
    return calendar.to_ical()


def practitioner_feed(practitioner, appointments, clinic) -> bytes:
    calendar = _calendar()
    calendar.add("x-wr-calname", f"{clinic.name}: {practitioner.name}")
    # The zone the feed is shown in by default; every time in it is UTC all the same.
    calendar.add("x-wr-timezone", clinic.time_zone)
    now = datetime.now(UTC)
    for appointment in appointments:
        event = Event()
        event.add("uid", _uid(appointment))
        # With no METHOD, DTSTAMP is when the entry last changed (RFC 5545 3.8.7.2).
        event.add("dtstamp", _utc(appointment.updated_at) if appointment.updated_at else now)
        event.add("sequence", sequence(appointment))
        event.add("dtstart", _utc(appointment.start))
        event.add("dtend", _utc(appointment.end))
        # Staff feeds show a first name and initial only: the feed lives on a phone.
        patient = appointment.patient
        missed = appointment.status == Appointment.Status.NO_SHOW
        event.add(
            "summary",
            f"{'No-show: ' if missed else ''}{appointment.service.name}: "
            f"{patient.first_name} {patient.last_name[:1]}.",
        )
        event.add("description", f"Reference {appointment.reference}")
        event.add("location", vText(_location(clinic)))
        # A no-show did not take place: the practitioner's calendar shows it as not happening.
        off = appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)
        event.add("status", "CANCELLED" if off else "CONFIRMED")
        event.add("class", "PRIVATE")
        calendar.add_component(event)
    return calendar.to_ical()


def _query(params: dict) -> str:
    # %20 for a space, not "+": Outlook shows a "+" as it is.
    return urlencode(params, quote_via=quote, safe="/:")


@dataclass(frozen=True)
class CalendarLinks:
    google: str
    outlook: str


def calendar_links(appointment, clinic) -> CalendarLinks:
    """ "Add to Google Calendar" and "Add to Outlook" links for the visit: the same words as the
    `.ics`, in UTC, with no patient name (a URL passes through browsers' histories)."""
    start, end = _utc(appointment.start), _utc(appointment.end)
    summary, location = _summary(appointment, clinic), _location(clinic)
    details = _description(appointment, clinic)
    google = {
        "action": "TEMPLATE",
        "text": summary,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": location,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": summary,
        "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "body": details,
        "location": location,
    }
    return CalendarLinks(
        google=f"{GOOGLE_TEMPLATE}?{_query(google)}",
        outlook=f"{OUTLOOK_COMPOSE}?{_query(outlook)}",
    )
