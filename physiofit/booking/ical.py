"""Calendar files: a patient's invitation (METHOD:REQUEST) and a practitioner's feed."""

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//PhysioFit//Booking//EN"


def _uid(appointment) -> str:
    # Stable for the life of the appointment, so a reschedule updates the same calendar entry.
    return f"appointment-{appointment.reference}@physiofit"


def _event(appointment, clinic, *, for_patient: bool) -> Event:
    event = Event()
    event.add("uid", _uid(appointment))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", appointment.start.astimezone(clinic.zone))
    event.add("dtend", appointment.end.astimezone(clinic.zone))
    event.add("sequence", int(appointment.updated_at.timestamp()) if appointment.updated_at else 0)
    location = f"{clinic.name}, {clinic.address_line}"
    event.add("location", vText(location))
    cancelled = appointment.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if for_patient:
        event.add("summary", f"{appointment.service.name} at {clinic.name}")
        event.add(
            "description",
            f"With {appointment.practitioner}. Reference {appointment.reference}. "
            f"To change or cancel, use the link in your email or call {clinic.phone}.",
        )
        organizer = vCalAddress(f"mailto:{clinic.email}")
        organizer.params["cn"] = vText(clinic.name)
        event.add("organizer", organizer)
    else:
        # Staff feeds show a first name and initial only: the feed lives on a phone.
        patient = appointment.patient
        event.add(
            "summary", f"{appointment.service.name}: {patient.first_name} {patient.last_name[:1]}."
        )
        event.add("description", f"Reference {appointment.reference}")
    return event


def appointment_invitation(appointment, clinic, *, method: str = "REQUEST") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(_event(appointment, clinic, for_patient=True))
    return calendar.to_ical()


def practitioner_feed(practitioner, appointments, clinic) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{clinic.name}: {practitioner.name}")
    calendar.add("x-wr-timezone", clinic.time_zone)
    for appointment in appointments:
        calendar.add_component(_event(appointment, clinic, for_patient=False))
    return calendar.to_ical()
