"""The pure slot engine: rules in clinic time, instants in UTC, whole blocked ranges."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from physiofit.booking.slots import (
    DailyRange,
    Interval,
    PolicySpec,
    PractitionerCalendar,
    ServiceSpec,
    available_slots,
    first_available,
    is_bookable,
    practitioner_slots,
)

BEND = ZoneInfo("America/Los_Angeles")
MONDAY = date(2026, 11, 30)
CLINIC = tuple(DailyRange(d, time(7), time(19)) for d in range(5))
ALL_DAY = tuple(DailyRange(d, time(0), time(23, 59)) for d in range(7))
NOW = datetime(2025, 12, 1, 0, 0, tzinfo=UTC)
NO_NOTICE = PolicySpec(
    min_notice=timedelta(0), horizon=timedelta(days=400), step=timedelta(minutes=15)
)
HOUR = ServiceSpec(duration=timedelta(minutes=60))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BEND)


def calendar(working=((0, 9, 12),), unavailable=(), key="alex"):
    return PractitionerCalendar(
        key=key,
        working=tuple(DailyRange(d, time(s), time(e)) for d, s, e in working),
        unavailable=tuple(unavailable),
    )


def starts(slots):
    return [s.start.astimezone(BEND).strftime("%H:%M") for s in slots]


def search(cal, service=HOUR, policy=NO_NOTICE, first=MONDAY, last=MONDAY, clinic=CLINIC, now=NOW):
    return practitioner_slots(
        calendar=cal,
        clinic_hours=clinic,
        service=service,
        policy=policy,
        now=now,
        first_day=first,
        last_day=last,
        zone=BEND,
    )


def test_whole_visit_must_fit_in_the_working_range():
    assert starts(search(calendar())) == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
    ]


def test_buffers_are_part_of_the_blocked_range():
    service = ServiceSpec(
        duration=timedelta(minutes=60),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
    )
    # The buffer before needs 9:00-9:15 and the buffer after must end by 12:00.
    assert starts(search(calendar(), service=service)) == [
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
    ]


def test_existing_blocked_ranges_and_time_off_remove_overlapping_starts():
    busy = Interval(local(MONDAY, 10), local(MONDAY, 10, 30))
    assert starts(search(calendar(unavailable=[busy]))) == ["09:00", "10:30", "10:45", "11:00"]


def test_working_hours_are_cut_to_clinic_opening_hours():
    early_bird = calendar(working=((0, 5, 9),))
    assert starts(search(early_bird)) == ["07:00", "07:15", "07:30", "07:45", "08:00"]
    saturday = calendar(working=((5, 9, 12),))
    assert search(saturday, first=MONDAY + timedelta(days=5), last=MONDAY + timedelta(days=5)) == []


def test_lunch_break_splits_the_day():
    split = calendar(working=((0, 9, 11), (0, 12, 14)))
    assert starts(search(split)) == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "12:00",
        "12:15",
        "12:30",
        "12:45",
        "13:00",
    ]


def test_minimum_notice_and_horizon():
    policy = PolicySpec(
        min_notice=timedelta(hours=2), horizon=timedelta(days=1), step=timedelta(minutes=15)
    )
    now = local(MONDAY, 8, 10)
    assert starts(search(calendar(), policy=policy, now=now))[0] == "10:15"
    # Tuesday morning is more than a day ahead of Monday 8:10: beyond the horizon after 8:10.
    tuesday = MONDAY + timedelta(days=1)
    cal = calendar(working=((1, 7, 12),))
    assert starts(search(cal, policy=policy, now=now, first=tuesday, last=tuesday)) == [
        "07:00",
        "07:15",
        "07:30",
        "07:45",
        "08:00",
    ]


def test_spring_forward_day_has_no_phantom_hour():
    sunday = date(2026, 3, 8)
    slots = search(calendar(working=((6, 0, 6),)), first=sunday, last=sunday, clinic=ALL_DAY)
    labels = starts(slots)
    assert not any(label.startswith("02:") for label in labels)  # 2:00-2:59 does not exist
    # 00:00 to 06:00 on this day is five real hours: hour-long visits start 00:00 ... 05:00.
    assert slots[-1].start == local(sunday, 5)
    assert len(slots) == 4 * 4 + 1  # 00:00-00:45, 01:00-01:45, 03:00-03:45, 04:00-04:45, 05:00
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_fall_back_day_has_no_missing_hour():
    sunday = date(2026, 11, 1)
    slots = search(calendar(working=((6, 0, 6),)), first=sunday, last=sunday, clinic=ALL_DAY)
    # 00:00 to 06:00 on this day is seven real hours: 25 quarter-hour starts (6 h of starts + 1).
    assert len(slots) == 6 * 4 + 1
    assert slots[-1].start == local(sunday, 5)
    utc_starts = [s.start.astimezone(UTC) for s in slots]
    assert utc_starts == sorted(set(utc_starts))
    assert datetime(2026, 11, 1, 9, 15, tzinfo=UTC) in utc_starts  # the second 1:15 AM (PST)


def test_any_practitioner_merges_starts_in_practitioner_order():
    alex = calendar(working=((0, 9, 10),), key="alex")
    jordan = calendar(working=((0, 9, 11),), key="jordan")
    slots = available_slots(
        calendars=[alex, jordan],
        clinic_hours=CLINIC,
        service=HOUR,
        policy=NO_NOTICE,
        now=NOW,
        first_day=MONDAY,
        last_day=MONDAY,
        zone=BEND,
    )
    merged = first_available(slots)
    assert [(starts([s])[0], s.practitioner) for s in merged] == [
        ("09:00", "alex"),
        ("09:15", "jordan"),
        ("09:30", "jordan"),
        ("09:45", "jordan"),
        ("10:00", "jordan"),
    ]


@pytest.mark.parametrize(
    ("hour", "minute", "bookable"), [(9, 15, True), (9, 10, False), (11, 15, False)]
)
def test_is_bookable_agrees_with_the_search(hour, minute, bookable):
    found = is_bookable(
        start=local(MONDAY, hour, minute),
        calendar=calendar(),
        clinic_hours=CLINIC,
        service=HOUR,
        policy=NO_NOTICE,
        now=NOW,
        zone=BEND,
    )
    assert found is bookable


# --- properties -----------------------------------------------------------------------------

quarter = st.integers(min_value=0, max_value=95)  # quarter-hours in a day


@st.composite
def scenarios(draw):
    day_ranges = []
    for weekday in range(7):
        for _ in range(draw(st.integers(0, 2))):
            a, b = sorted(draw(st.lists(quarter, min_size=2, max_size=2, unique=True)))
            day_ranges.append((weekday, a, b))
    first = date(2026, 3, 2) + timedelta(days=draw(st.integers(0, 300)))
    busy = []
    for _ in range(draw(st.integers(0, 6))):
        offset = draw(st.integers(0, 3 * 96))
        length = draw(st.integers(1, 12))
        start = datetime.combine(first, time(0), tzinfo=BEND).astimezone(UTC) + timedelta(
            minutes=15 * offset
        )
        busy.append(Interval(start, start + timedelta(minutes=15 * length)))
    service = ServiceSpec(
        duration=timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 5, 15]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 10, 15]))),
    )
    cal = PractitionerCalendar(
        key="p",
        working=tuple(
            DailyRange(d, time(a // 4, a % 4 * 15), time(b // 4, b % 4 * 15))
            for d, a, b in day_ranges
        ),
        unavailable=tuple(busy),
    )
    return cal, service, first


def union(ranges):
    """Wall-clock ranges of one day as their union (the rule: working time is the union)."""
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def brute_force(cal, service, first, last):
    """Every 5-minute instant in the window that satisfies the rules, checked naively."""
    found = []
    moment = datetime.combine(first, time(0), tzinfo=BEND).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=BEND).astimezone(UTC)
    while moment < end:
        blocked = service.blocked(moment)
        day = moment.astimezone(BEND).date()
        for starts_at, ends_at in union(
            [(r.starts, r.ends) for r in cal.working if r.weekday == day.weekday()]
        ):
            lo = datetime.combine(day, starts_at, tzinfo=BEND).astimezone(UTC)
            hi = datetime.combine(day, ends_at, tzinfo=BEND).astimezone(UTC)
            aligned = (moment - service.buffer_before - lo) % timedelta(minutes=15) == timedelta(0)
            if (
                lo <= blocked.start
                and blocked.end <= hi
                and aligned
                and not any(blocked.overlaps(b) for b in cal.unavailable)
            ):
                found.append(moment)
                break
        moment += timedelta(minutes=5)
    return found


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_offered_slots_are_exactly_the_bookable_starts(scenario):
    cal, service, first = scenario
    last = first + timedelta(days=2)
    offered = search(cal, service=service, first=first, last=last, clinic=ALL_DAY)
    offered_starts = [s.start for s in offered]
    # Nothing offered overlaps what is taken, and the visit lasts exactly the service duration.
    for slot in offered:
        assert not any(service.blocked(slot.start).overlaps(b) for b in cal.unavailable)
        assert slot.end - slot.start == service.duration
    # No bookable start is missing, and none is invented.
    assert offered_starts == brute_force(cal, service, first, last)


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_bookings_made_from_offered_slots_never_overlap(scenario, rnd):
    cal, service, first = scenario
    taken: list[Interval] = list(cal.unavailable)
    for _ in range(6):
        current = PractitionerCalendar(cal.key, cal.working, tuple(taken))
        offered = search(current, service=service, first=first, last=first, clinic=ALL_DAY)
        if not offered:
            break
        chosen = rnd.choice(offered)
        blocked = service.blocked(chosen.start)
        assert not any(blocked.overlaps(t) for t in taken)
        taken.append(blocked)
