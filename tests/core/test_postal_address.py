"""One postal address in Settings → Clinic, with an optional second line shown under the street:
footer, contact page, map link, JSON-LD, booking pages and emails all say the same."""

import importlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from physiofit.core.jsonld import clinic_jsonld

ONE_ADDRESS = "1 Main St<br>Suite 100<br>Bend, OR 97701"


@pytest.fixture
def suite(site):
    clinic = site["clinic"]
    clinic.address_second_line = "Suite 100"
    clinic.save()
    return clinic


def test_the_address_reads_as_on_an_envelope(suite):
    assert suite.address_lines == ["1 Main St", "Suite 100", "Bend, OR 97701"]
    # One line, for maps and calendars: the street, not the second line.
    assert suite.address_line == "1 Main St, Bend, OR 97701"
    suite.address_second_line = ""
    assert suite.address_lines == ["1 Main St", "Bend, OR 97701"]


def test_footer_and_contact_page_show_the_second_line_under_the_street(suite, client):
    for path in ("/", "/contact/"):
        html = client.get(path).content.decode()
        assert html.count(ONE_ADDRESS) == (2 if path == "/contact/" else 1), path
        assert "Location:" not in html


def test_map_link_and_jsonld_use_the_postal_address(suite):
    assert "query=Testclinic%2C+1+Main+St%2C+Bend%2C+OR+97701" in suite.map_href
    data = clinic_jsonld(suite, "https://clinic.example")
    assert data["address"]["streetAddress"] == "1 Main St"
    assert data["hasMap"] == suite.map_href


@pytest.mark.parametrize("line", ["Suite 100", "2nd floor", "Entrance on Greenwood Ave", "#4"])
def test_a_second_line_may_be_a_suite_floor_or_entrance(suite, line):
    suite.address_second_line = line
    suite.full_clean(exclude=["site"])


@pytest.mark.parametrize("line", ["1334 Northeast 2nd Street", "  12B Elm Rd", "Suite 1\nFloor 2"])
def test_a_second_line_is_never_another_street_address(suite, line):
    suite.address_second_line = line
    with pytest.raises(ValidationError) as error:
        suite.full_clean(exclude=["site"])
    assert "address_second_line" in error.value.message_dict


migration = importlib.import_module("physiofit.core.migrations.0006_one_postal_address")


@pytest.mark.parametrize(
    ("visit_location", "second_line"),
    [
        ("1334 Northeast 2nd Street", ""),  # the demo's second address: dropped
        ("Suite 100", "Suite 100"),
        ("  Entrance   at the back ", "Entrance at the back"),
        ("1 main st", ""),  # the street address again
    ],
)
def test_the_migration_keeps_a_second_line_and_drops_a_second_address(visit_location, second_line):
    assert migration.second_line(visit_location, "1 Main St") == second_line


def test_booking_pages_and_emails_show_the_same_address(suite, client):
    from physiofit.booking import emails
    from physiofit.booking.models import Notification
    from physiofit.booking.services import appointment_book
    from physiofit.booking.tokens import manage_link_create
    from tests.booking.conftest import NOW, bend
    from tests.factories import build_booking, patient_details

    booking = build_booking()
    appointment = appointment_book(
        service=booking["evaluation"],
        practitioner=booking["alex"],
        start=bend(2026, 12, 2, 10),
        patient=patient_details(),
        now=NOW,
    )
    token = manage_link_create(appointment=appointment)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        page = client.get(f"/appointments/{token}/").content.decode()
    assert f"Testclinic<br>{ONE_ADDRESS}" in page
    notification = Notification.objects.create(
        kind=Notification.Kind.CONFIRMATION, appointment=appointment, recipient="sam@example.com"
    )
    message = emails.build(notification)
    assert f"Testclinic<br>{ONE_ADDRESS}<br>" in message.alternatives[0][0]
    assert "Testclinic\n1 Main St\nSuite 100\nBend, OR 97701\n" in message.body
    assert "Location:" not in message.body
