"""Calendar files every calendar accepts: each `.ics` (emailed REQUEST and CANCEL, the manage
page's PUBLISH, the practitioner's feed) read by a strict RFC 5545 parser (`ical`), with the
iTIP rules of RFC 5546; and the "add to calendar" links."""

import re
from datetime import UTC, timedelta
from types import SimpleNamespace
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from physiofit.booking import ical, services
from physiofit.booking.models import Appointment
from physiofit.booking.tokens import manage_link_create
from tests.factories import patient_details

from .conftest import NOW, bend

START = bend(2026, 12, 2, 10)
TZID_PARAM = re.compile(r";TZID=(\"[^\"]*\"|[^;:]*)")


def strictly_parsed(data: bytes) -> Calendar:
    """`data` as RFC 5545 wants it, or an AssertionError saying what is wrong: CRLF line ends,
    lines folded at 75 octets, a VTIMEZONE for every TZID, the required properties, and a
    strict parser's approval. Returns the calendar as `icalendar` reads it."""
    assert data.endswith(b"\r\n"), "content lines end with CRLF"
    rest = data.replace(b"\r\n", b"")
    assert b"\n" not in rest, "a bare LF: lines end with CRLF"
    assert b"\r" not in rest, "a bare CR: lines end with CRLF"
    physical = data.split(b"\r\n")[:-1]
    too_long = [line for line in physical if len(line) > 75]
    assert not too_long, f"lines longer than 75 octets: {too_long[:1]}"
    text = data.decode("utf-8")
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    used = {tzid.strip('"') for tzid in TZID_PARAM.findall(unfolded)}
    defined = set(re.findall(r"^TZID:(.*)$", unfolded, flags=re.MULTILINE))
    assert used <= defined, f"TZID without a VTIMEZONE: {sorted(used - defined)}"
    try:
        strict = IcsCalendarStream.calendar_from_ics(text)
    except Exception as error:  # the parser's own error, whatever its class
        raise AssertionError(f"strict parser refused it: {error}") from error
    calendar = Calendar.from_ical(data)
    assert calendar.get("VERSION") == "2.0"
    assert calendar.get("PRODID")
    events = calendar.walk("VEVENT")
    assert len(events) == len(strict.events)
    for event in events:
        for name in ("UID", "DTSTAMP", "DTSTART"):
            assert name in event, f"VEVENT without {name}"
        assert event["DTEND"].dt > event["DTSTART"].dt
    return calendar


def only_event(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def invitations(outbox) -> list[tuple[str, Calendar]]:
    """(the MIME part's method, the calendar) of each .ics sent to the patient, in order, as
    the bytes that go out."""
    sent = []
    for message in outbox:
        if message.to != ["sam@example.com"]:
            continue
        for part in message.message().walk():
            if part.get_content_type() == "text/calendar":
                header = part["Content-Type"]
                assert header.count("charset=") == 1, header
                sent.append(
                    (part.get_param("method"), strictly_parsed(part.get_payload(decode=True)))
                )
    return sent


@pytest.fixture(autouse=True)
def upgraded_long_ago():
    """These tests book at a fixed past "now", before this test database was migrated: as if
    the upgrade to small sequences came first, as it does for every visit booked after it."""
    real = ical._small_sequences_since
    with mock.patch.object(ical, "_small_sequences_since", return_value=None):
        yield real


@pytest.fixture
def booked(booking, django_capture_on_commit_callbacks):
    with (
        mock.patch("django.utils.timezone.now", return_value=NOW),
        django_capture_on_commit_callbacks(execute=True),
    ):
        return services.appointment_book(
            service=booking["evaluation"],
            practitioner=booking["alex"],
            start=START,
            patient=patient_details(),
            now=NOW,
        )


# The checker itself: each of these is what some calendar refuses or misreads.
OLD_STYLE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\n"
    "DTSTAMP:20261130T140000Z\r\nDTSTART;TZID=America/Los_Angeles:20261202T100000\r\n"
    "DTEND;TZID=America/Los_Angeles:20261202T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        (OLD_STYLE, "TZID without a VTIMEZONE"),
        (OLD_STYLE.replace("\r\n", "\n"), "end with CRLF"),
        (OLD_STYLE.replace("UID:a@x\r\n", "UID:a@x\n"), "a bare LF"),
        (OLD_STYLE.replace("UID:a@x\r\n", "UID:a@x\r"), "a bare CR"),
        (OLD_STYLE.replace("UID:a@x", "UID:" + "a" * 80), "longer than 75 octets"),
        (
            OLD_STYLE.replace(";TZID=America/Los_Angeles:", ":")
            .replace("20261202T100000", "20261202T180000Z")
            .replace("20261202T110000", "20261202T190000Z")
            .replace(
                "DTSTAMP:20261130T140000Z\r\n", "STATUS:BOOKED\r\nDTSTAMP:20261130T140000Z\r\n"
            ),
            "strict parser refused",
        ),
    ],
)
def test_the_checker_refuses_what_calendars_choke_on(broken, why):
    with pytest.raises(AssertionError, match=why):
        strictly_parsed(broken.encode())


def test_the_emailed_request_invites_the_patient(booked, site):
    [(method, calendar)] = invitations(mail.outbox)
    assert method == calendar["METHOD"] == "REQUEST"
    event = only_event(calendar)
    assert event["DTSTART"].dt == START
    assert event["DTSTART"].to_ical().endswith(b"Z")  # UTC: no TZID, no VTIMEZONE needed
    assert not calendar.walk("VTIMEZONE")
    assert event["SEQUENCE"] == 0
    organizer = event["ORGANIZER"]
    assert organizer == "mailto:clinic@example.com"
    assert organizer.params["CN"] == "Testclinic"
    attendee = event["ATTENDEE"]  # one, not a list
    assert attendee == "mailto:sam@example.com"
    assert attendee.params["CN"] == "Sam"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert str(event["LOCATION"]) == "Testclinic, 1 Main St, Bend, OR 97701"
    text = calendar.to_ical().decode()
    assert "Patient" not in text  # the patient's last name goes nowhere in the event


def test_reschedule_then_cancel_keep_the_uid_and_raise_the_sequence(
    booked, site, django_capture_on_commit_callbacks
):
    later = NOW + timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_reschedule(
                appointment=booked, start=bend(2026, 12, 3, 9), now=later
            )
        # Cancelled in the same second as the move: the CANCEL still comes after it.
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_cancel(appointment=booked, now=later)
    sent = invitations(mail.outbox)
    assert [method for method, _ in sent] == ["REQUEST", "REQUEST", "CANCEL"]
    events = [only_event(calendar) for _, calendar in sent]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [event["SEQUENCE"] for event in events] == [0, 3600, 3601]
    request, cancel = sent[1][1], sent[2][1]
    assert request["METHOD"] == "REQUEST"
    assert only_event(request)["DTSTART"].dt == bend(2026, 12, 3, 9)
    assert cancel["METHOD"] == "CANCEL"
    cancelled = only_event(cancel)
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["ORGANIZER"] == "mailto:clinic@example.com"
    assert cancelled["ATTENDEE"] == "mailto:sam@example.com"


def test_an_invitation_with_no_one_to_invite_is_published(booked, site):
    method, data = ical.email_invitation(booked, site["clinic"], attendee_email="")
    calendar = strictly_parsed(data)
    assert method == calendar["METHOD"] == "PUBLISH"
    event = only_event(calendar)
    assert "ORGANIZER" in event
    assert "ATTENDEE" not in event  # RFC 5546: PUBLISH names no attendee


def test_the_manage_page_download_is_published_with_the_same_uid(booked, site, client):
    token = manage_link_create(appointment=booked)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        response = client.get(f"/appointments/{token}/calendar.ics")
    calendar = strictly_parsed(response.content)
    assert calendar["METHOD"] == "PUBLISH"
    event = only_event(calendar)
    assert str(event["UID"]) == f"appointment-{booked.reference}@physiofit"
    assert "ATTENDEE" not in event
    assert "ORGANIZER" in event


def test_the_practitioner_feed_parses_strictly(booked, site, client):
    response = client.get(f"/calendar/{booked.practitioner.calendar_token}.ics")
    calendar = strictly_parsed(response.content)
    assert "METHOD" not in calendar
    event = only_event(calendar)
    assert event["DTSTART"].dt == START
    assert event["DTSTART"].to_ical().endswith(b"Z")
    assert event["DTSTAMP"].dt == booked.updated_at.astimezone(UTC).replace(microsecond=0)


def test_a_second_address_line_is_in_the_description_not_the_location(booked, site):
    clinic = site["clinic"]
    clinic.address_second_line = "Suite 100"
    _method, data = ical.email_invitation(booked, clinic, attendee_email="sam@example.com")
    event = only_event(strictly_parsed(data))
    assert str(event["LOCATION"]) == "Testclinic, 1 Main St, Bend, OR 97701"
    assert "1 Main St\nSuite 100\nBend, OR 97701" in str(event["DESCRIPTION"])


def test_sequence_starts_at_zero_rises_and_stays_a_32_bit_integer(db):
    booked_at = NOW

    def appointment(changed_after, status="booked"):
        return SimpleNamespace(
            created_at=booked_at, updated_at=booked_at + changed_after, status=status
        )

    assert ical.sequence(appointment(timedelta(microseconds=300))) == 0
    changes = [timedelta(minutes=5), timedelta(days=1), timedelta(days=400)]
    sequences = [ical.sequence(appointment(after)) for after in changes]
    assert sequences == sorted(set(sequences))
    assert ical.sequence(appointment(changes[-1], "cancelled")) == sequences[-1] + 1
    assert sequences[-1] < 2**31


def test_a_visit_invited_before_the_upgrade_keeps_its_unix_time_sequence(db, upgraded_long_ago):
    """Its calendars hold a SEQUENCE near 1.7 billion: a change must still count as newer."""
    upgraded = upgraded_long_ago.__wrapped__()  # when this database ran core 0006
    assert upgraded is not None
    old = SimpleNamespace(
        created_at=upgraded - timedelta(days=3),
        updated_at=upgraded + timedelta(days=1),
        status="booked",
    )
    new = SimpleNamespace(
        created_at=upgraded + timedelta(days=1),
        updated_at=upgraded + timedelta(days=1, minutes=5),
        status="booked",
    )
    with mock.patch.object(ical, "_small_sequences_since", return_value=upgraded):
        assert ical.sequence(old) == int(old.updated_at.timestamp())
        old.status = "cancelled"
        assert ical.sequence(old) == int(old.updated_at.timestamp()) + 1
        assert ical.sequence(new) == 300


def test_calendar_links_name_the_visit_in_utc_and_not_the_patient(booked, site):
    links = ical.calendar_links(booked, site["clinic"])
    google, outlook = urlsplit(links.google), urlsplit(links.outlook)
    assert (google.scheme, google.netloc, google.path) == (
        "https",
        "calendar.google.com",
        "/calendar/render",
    )
    g = {key: value for key, [value] in parse_qs(google.query).items()}
    assert g["action"] == "TEMPLATE"
    assert g["text"] == "Initial evaluation at Testclinic"
    assert g["dates"] == "20261202T180000Z/20261202T190000Z"  # 10:00 AM PST
    assert g["location"] == "Testclinic, 1 Main St, Bend, OR 97701"
    assert booked.reference in g["details"]
    assert (outlook.netloc, outlook.path) == (
        "outlook.live.com",
        "/calendar/0/deeplink/compose",
    )
    o = {key: value for key, [value] in parse_qs(outlook.query).items()}
    assert o["path"] == "/calendar/action/compose"
    assert o["rru"] == "addevent"
    assert o["subject"] == g["text"]
    assert (o["startdt"], o["enddt"]) == ("2026-12-02T18:00:00Z", "2026-12-02T19:00:00Z")
    assert o["body"] == g["details"]
    for url in (links.google, links.outlook):
        assert "+" not in url  # spaces are %20: Outlook shows a "+" as it is
        for private in ("Sam", "Patient", "sam@example.com", "1980"):
            assert private not in url


def test_confirmation_page_and_email_offer_the_links(booked, site, client):
    links = ical.calendar_links(booked, site["clinic"])
    token = manage_link_create(appointment=booked)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        page = client.get(f"/appointments/{token}/?booked=1").content.decode()
    escaped = links.google.replace("&", "&amp;")
    assert f'href="{escaped}"' in page
    assert f'href="{links.outlook.replace("&", "&amp;")}"' in page
    assert "Add it to your calendar" in page
    confirmation = next(m for m in mail.outbox if m.to == ["sam@example.com"])
    html = confirmation.alternatives[0][0]
    assert f'href="{escaped}"' in html
    assert links.google in confirmation.body
    assert links.outlook in confirmation.body


def test_a_cancelled_visit_offers_no_calendar_links(booked, site, client):
    services.appointment_cancel(appointment=booked, now=NOW)
    token = manage_link_create(appointment=Appointment.objects.get())
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        page = client.get(f"/appointments/{token}/").content.decode()
    assert "calendar.google.com" not in page
