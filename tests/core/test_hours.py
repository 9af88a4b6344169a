from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from physiofit.core.hours import (
    OpeningRange,
    format_time,
    open_status,
    schedule_lines,
    seconds_until_change,
)

BEND = ZoneInfo("America/Los_Angeles")
WEEKDAYS_7_TO_7 = [OpeningRange(day, time(7), time(19)) for day in range(5)]


def at(year, month, day, hour, minute=0, zone=BEND):
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def label(now, ranges=WEEKDAYS_7_TO_7):
    return open_status(ranges, now, BEND).label(now)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 11, 25, 10), "Open now · closes 7:00 PM"),  # Wednesday morning
        (at(2026, 11, 25, 7, 0), "Open now · closes 7:00 PM"),  # opening minute is open
        (at(2026, 11, 25, 18, 59), "Open now · closes 7:00 PM"),
        (at(2026, 11, 25, 19, 0), "Closed · opens tomorrow 7:00 AM"),  # closing minute is closed
        (at(2026, 11, 25, 6, 30), "Closed · opens today 7:00 AM"),
        (at(2026, 11, 27, 20), "Closed · opens Monday 7:00 AM"),  # Friday evening
        (at(2026, 11, 28, 12), "Closed · opens Monday 7:00 AM"),  # Saturday
        (
            at(2026, 11, 29, 23, 59),
            "Closed · opens tomorrow 7:00 AM",
        ),  # Sunday, a minute to midnight
        (at(2026, 11, 30, 0, 0), "Closed · opens today 7:00 AM"),  # Monday, midnight
    ],
)
def test_status_label_through_the_week(now, expected):
    assert label(now) == expected


def test_status_is_computed_in_clinic_time_not_utc():
    # 02:00 UTC Thursday is still Wednesday 6:00 PM in Bend: open.
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert label(now) == "Open now · closes 7:00 PM"
    # 16:00 UTC Saturday is 8:00 AM Saturday in Bend: closed until Monday.
    assert label(datetime(2026, 11, 28, 16, 0, tzinfo=UTC)) == "Closed · opens Monday 7:00 AM"


def test_spring_forward_day_keeps_wall_clock_rules():
    # 2026-03-08: clocks jump from 2:00 to 3:00 AM. Sunday, so use an every-day schedule.
    every_day = [OpeningRange(day, time(7), time(19)) for day in range(7)]
    status = open_status(every_day, at(2026, 3, 8, 1, 30), BEND)
    assert status.changes_at == at(2026, 3, 8, 7)
    # Only 4.5 real hours pass between 1:30 AM and 7:00 AM on that day.
    assert seconds_until_change(every_day, at(2026, 3, 8, 1, 30), BEND) == 4.5 * 3600
    assert status.changes_at.utcoffset() == timedelta(hours=-7)


def test_fall_back_day_keeps_wall_clock_rules():
    # 2026-11-01: clocks fall back from 2:00 to 1:00 AM; 1:30 AM happens twice.
    every_day = [OpeningRange(day, time(7), time(19)) for day in range(7)]
    first_half_past_one = datetime(2026, 11, 1, 1, 30, tzinfo=BEND, fold=0)
    assert seconds_until_change(every_day, first_half_past_one, BEND) == 6.5 * 3600
    assert open_status(every_day, at(2026, 11, 1, 7), BEND).is_open
    closes = open_status(every_day, at(2026, 11, 1, 12), BEND).changes_at
    assert closes.utcoffset() == timedelta(hours=-8)
    assert closes.astimezone(UTC) == datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def test_opening_inside_a_spring_forward_gap_moves_to_the_first_real_instant():
    early = [OpeningRange(6, time(2, 30), time(12))]  # Sunday 2:30 AM does not exist on 3/8
    status = open_status(early, at(2026, 3, 8, 1, 0), BEND)
    assert status.changes_at.astimezone(UTC) == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)
    assert status.changes_at.hour == 3


def test_touching_ranges_read_as_one_opening_and_lunch_breaks_as_two():
    split = [OpeningRange(0, time(8), time(12)), OpeningRange(0, time(12), time(17))]
    assert label(at(2026, 11, 30, 9), split) == "Open now · closes 5:00 PM"
    lunch = [OpeningRange(0, time(8), time(12)), OpeningRange(0, time(13), time(17))]
    assert label(at(2026, 11, 30, 9), lunch) == "Open now · closes 12:00 PM"
    assert label(at(2026, 11, 30, 12, 15), lunch) == "Closed · opens today 1:00 PM"


def test_no_hours_at_all_is_closed_without_a_next_opening():
    status = open_status([], at(2026, 11, 25, 10), BEND)
    assert not status.is_open
    assert status.label(at(2026, 11, 25, 10)) == "Closed"
    assert seconds_until_change([], at(2026, 11, 25, 10), BEND) is None


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        open_status(WEEKDAYS_7_TO_7, datetime(2026, 11, 25, 10), BEND)


@pytest.mark.parametrize(
    ("bad", "message"),
    [({"weekday": 7}, "weekday must be"), ({"opens": time(19), "closes": time(7)}, "close after")],
)
def test_invalid_ranges_are_refused(bad, message):
    values = {"weekday": 0, "opens": time(7), "closes": time(19), **bad}
    with pytest.raises(ValueError, match=message):
        OpeningRange(**values)


def test_schedule_folds_consecutive_days():
    assert schedule_lines(WEEKDAYS_7_TO_7) == [
        ("Mon – Fri", "7:00 AM – 7:00 PM"),
        ("Sat – Sun", "Closed"),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (time(0, 0), "12:00 AM"),
        (time(7, 5), "7:05 AM"),
        (time(12, 0), "12:00 PM"),
        (time(19, 0), "7:00 PM"),
    ],
)
def test_format_time(value, text):
    assert format_time(value) == text


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(now=instants)
def test_status_holds_until_the_change_and_flips_at_it(now):
    status = open_status(WEEKDAYS_7_TO_7, now, BEND)
    assert status.changes_at > now
    just_before = status.changes_at - timedelta(seconds=1)
    assert open_status(WEEKDAYS_7_TO_7, just_before, BEND).is_open == status.is_open
    assert open_status(WEEKDAYS_7_TO_7, status.changes_at, BEND).is_open != status.is_open
    # The next change is never more than a weekend and a night away.
    assert status.changes_at - now <= timedelta(days=3, hours=13)
