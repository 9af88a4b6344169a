"""Clinic closures in the opening-hours logic and on the public site: the "open now" line says
closed on a closure day and skips it for the next opening; closures within 60 days are listed
with the hours (footer and contact page)."""

from datetime import date, time, timedelta
from unittest import mock

import pytest

from physiofit.core.hours import (
    Closure,
    OpeningRange,
    closed_days,
    open_status,
    seconds_until_change,
    upcoming_closures,
)
from physiofit.core.models import ClinicClosure

from .test_hours import BEND, WEEKDAYS_7_TO_7, at

THANKSGIVING = Closure(date(2026, 11, 26), date(2026, 11, 26), "Thanksgiving")


def label(now, closures=(THANKSGIVING,)):
    return open_status(WEEKDAYS_7_TO_7, now, BEND, closures).label(now)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Thanksgiving morning, when the clinic would be open.
        (at(2026, 11, 26, 10), "Closed today (Thanksgiving) · opens tomorrow 7:00 AM"),
        # The evening before: the next opening skips the closure.
        (at(2026, 11, 25, 20), "Closed · opens Friday 7:00 AM"),
        (at(2026, 11, 25, 10), "Open now · closes 7:00 PM"),
        (at(2026, 11, 27, 8), "Open now · closes 7:00 PM"),
    ],
)
def test_open_status_follows_a_closure(now, expected):
    assert label(now) == expected


def test_a_closure_over_a_week_names_the_date_of_reopening():
    closures = [Closure(date(2026, 12, 21), date(2027, 1, 1), "Holidays")]
    assert label(at(2026, 12, 22, 10), closures) == (
        "Closed today (Holidays) · opens Monday, January 4 7:00 AM"
    )


def test_an_unlabelled_closure_and_no_hours_at_all():
    closure = [Closure(date(2026, 11, 26), date(2026, 11, 26))]
    assert label(at(2026, 11, 26, 10), closure) == "Closed today · opens tomorrow 7:00 AM"
    assert open_status([], at(2026, 11, 26, 10), BEND, closure).label(at(2026, 11, 26, 10)) == (
        "Closed today"
    )


def test_closure_lines():
    assert THANKSGIVING.line() == "Closed Thursday, November 26 (Thanksgiving)"
    assert Closure(date(2026, 12, 24), date(2026, 12, 25), "Christmas").line() == (
        "Closed Thursday, December 24 – Friday, December 25 (Christmas)"
    )
    assert Closure(date(2027, 1, 1), date(2027, 1, 1)).line() == "Closed Friday, January 1"


def test_upcoming_closures_are_those_within_sixty_days_not_yet_over():
    past = Closure(date(2026, 11, 1), date(2026, 11, 2))
    running = Closure(date(2026, 11, 20), date(2026, 11, 27))
    far = Closure(date(2027, 3, 1), date(2027, 3, 1))
    assert upcoming_closures([far, THANKSGIVING, past, running], date(2026, 11, 24)) == [
        running,
        THANKSGIVING,
    ]


def test_closed_days_count_to_the_last_possible_day():
    last = Closure(date(9999, 12, 30), date(9999, 12, 31))
    assert closed_days([last], date.min, date.max) == {date(9999, 12, 30), date(9999, 12, 31)}


def test_pages_are_cached_only_until_the_clinic_midnight_while_closures_are_near():
    now = at(2026, 11, 25, 20)  # closed; next opening Friday 7:00
    assert seconds_until_change(WEEKDAYS_7_TO_7, now, BEND, [THANKSGIVING]) == 4 * 3600
    assert seconds_until_change(WEEKDAYS_7_TO_7, now, BEND) == 11 * 3600


def test_a_closure_across_the_spring_daylight_saving_switch():
    every_day = [OpeningRange(day, time(7), time(19)) for day in range(7)]
    closure = [Closure(date(2026, 3, 8), date(2026, 3, 8), "Staff day")]
    now = at(2026, 3, 7, 20)
    status = open_status(every_day, now, BEND, closure)
    assert status.changes_at == at(2026, 3, 9, 7)
    assert status.label(now) == "Closed · opens Monday 7:00 AM"


def test_a_closure_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="cannot end before it starts"):
        Closure(date(2026, 11, 27), date(2026, 11, 26))


@pytest.fixture
def thanksgiving_week(site):
    """The site as on the Tuesday before Thanksgiving, the closure entered in the admin."""
    ClinicClosure.objects.create(
        clinic=site["clinic"], first_day=date(2026, 11, 26), label="Thanksgiving"
    )
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 24, 12)):
        yield site


def test_the_footer_and_contact_page_show_upcoming_closures(thanksgiving_week, client):
    for url in ("/privacy/", "/contact/"):
        content = client.get(url).content.decode()
        assert "Closed Thursday, November 26 (Thanksgiving)" in content, url


def test_the_open_now_line_says_closed_on_the_closure_day(site, client):
    ClinicClosure.objects.create(
        clinic=site["clinic"], first_day=date(2026, 11, 26), label="Thanksgiving"
    )
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 26, 10)):
        content = client.get("/privacy/").content.decode()
    assert "Closed today (Thanksgiving) · opens tomorrow 7:00 AM" in content
    assert "Open now" not in content


def test_a_closure_far_ahead_is_not_listed_yet(site, client):
    ClinicClosure.objects.create(
        clinic=site["clinic"], first_day=date(2026, 11, 24) + timedelta(days=61), label="Later"
    )
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 24, 12)):
        assert "Later" not in client.get("/privacy/").content.decode()
