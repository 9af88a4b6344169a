"""The slot engine: bookable start times from plain values. No ORM, no request, `now` passed in.

Rules (working hours, clinic opening hours) are wall-clock times in the clinic's zone; every
instant is computed and compared in UTC, so daylight-saving days neither lose nor gain slots
(see docs/booking.md). A start is offered only when the whole blocked range (buffer before,
visit, buffer after) fits inside one working range that is also inside clinic opening hours,
and overlaps no time off and no other appointment's blocked range.
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True, order=True)
class Interval:
    """Half-open [start, end) between two aware instants."""

    start: datetime
    end: datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class DailyRange:
    """Wall-clock range on a weekday (0 = Monday)."""

    weekday: int
    starts: time
    ends: time


class ClinicHours(tuple):
    """The clinic's weekly opening ranges (a tuple of DailyRange, like any `clinic_hours`) with
    the local days it is closed all day (holidays): on those days nothing is bookable."""

    closed: frozenset[date]

    def __new__(cls, weekly: Iterable[DailyRange] = (), closed: Iterable[date] = ()):
        hours = super().__new__(cls, weekly)
        hours.closed = frozenset(closed)
        return hours


def closed_on(clinic_hours: Sequence[DailyRange], day: date) -> bool:
    """Whether the clinic is closed all day on the local `day` (plain weekly ranges: never)."""
    return day in getattr(clinic_hours, "closed", ())


@dataclass(frozen=True)
class ServiceSpec:
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)

    def blocked(self, start: datetime) -> Interval:
        return Interval(start - self.buffer_before, start + self.duration + self.buffer_after)


@dataclass(frozen=True)
class PolicySpec:
    min_notice: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=60)
    step: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class PractitionerCalendar:
    key: str
    working: tuple[DailyRange, ...]
    unavailable: tuple[Interval, ...] = field(default=())  # time off and existing blocked ranges


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime
    end: datetime
    practitioner: str


def instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """UTC instant of a wall-clock time; a time inside a spring-forward gap maps forward."""
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def _intersect(a: Sequence[tuple[time, time]], b: Sequence[tuple[time, time]]):
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                yield start, end


def bookable_ranges(
    calendar: PractitionerCalendar, clinic_hours: Sequence[DailyRange], day: date, zone: ZoneInfo
) -> list[Interval]:
    """The practitioner's working time on a local day, cut to clinic opening hours, in UTC.

    Overlapping or touching ranges are merged first, so an editor who enters 9-12 twice, or
    9-11 and 10-12, gets one range and no duplicate starts. A closure day has none."""
    if closed_on(clinic_hours, day):
        return []
    weekday = day.weekday()
    working = tuple(_merge([(r.starts, r.ends) for r in calendar.working if r.weekday == weekday]))
    opening = tuple(_merge([(r.starts, r.ends) for r in clinic_hours if r.weekday == weekday]))
    return _day_ranges(working, opening, day, zone)


@lru_cache(maxsize=8192)
def _day_ranges(working, opening, day: date, zone: ZoneInfo) -> list[Interval]:
    # Practitioners usually share hours: a search over 20 of them computes each day once.
    return [
        Interval(instant(day, start, zone), instant(day, end, zone))
        for start, end in _merge(list(_intersect(working, opening)))
    ]


def _merge(ranges: list[tuple[time, time]]) -> list[tuple[time, time]]:
    merged: list[tuple[time, time]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class _Busy:
    """Sorted, merged unavailable intervals with an O(log n) overlap test."""

    def __init__(self, intervals: Iterable[Interval]):
        merged: list[Interval] = []
        for interval in sorted(intervals):
            if merged and interval.start <= merged[-1].end:
                if interval.end > merged[-1].end:
                    merged[-1] = Interval(merged[-1].start, interval.end)
            else:
                merged.append(interval)
        self.intervals = merged
        self.ends = [i.end for i in merged]

    def overlaps(self, blocked: Interval) -> bool:
        return self.conflict_end(blocked.start, blocked.end) is not None

    def conflict_end(self, start: datetime, end: datetime) -> datetime | None:
        """End of the busy interval that overlaps [start, end), or None when it is free."""
        # The first busy interval that ends after `start` is the only candidate.
        index = bisect_right(self.ends, start)
        if index < len(self.intervals) and self.intervals[index].start < end:
            return self.ends[index]
        return None


def _steps_until(gap: timedelta, step: timedelta) -> int:
    """Whole steps needed to cover `gap` (rounded up; zero or less when none are)."""
    return -(-gap // step)


def practitioner_slots(
    *,
    calendar: PractitionerCalendar,
    clinic_hours: Sequence[DailyRange],
    service: ServiceSpec,
    policy: PolicySpec,
    now: datetime,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
) -> list[Slot]:
    """Every bookable start for one practitioner between two local days, inclusive."""
    earliest = now.astimezone(UTC) + policy.min_notice
    latest = now.astimezone(UTC) + policy.horizon
    busy = _Busy(calendar.unavailable)
    after = service.duration + service.buffer_after
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        for working in bookable_ranges(calendar, clinic_hours, day, zone):
            # Candidate starts are aligned to the working range's wall-clock start, one step
            # apart. Past a conflict, jump straight to the first aligned start after it.
            first = working.start + service.buffer_before
            start = first
            if start < earliest:
                start = first + _steps_until(earliest - first, policy.step) * policy.step
            while start <= latest:
                blocked_start = start - service.buffer_before
                blocked_end = start + after
                if blocked_end > working.end:
                    break
                conflict = busy.conflict_end(blocked_start, blocked_end)
                if conflict is None:
                    slots.append(Slot(start, start + service.duration, calendar.key))
                    start += policy.step
                else:
                    needed = conflict + service.buffer_before
                    start += max(1, _steps_until(needed - start, policy.step)) * policy.step
        day += timedelta(days=1)
    return slots


def available_slots(
    *,
    calendars: Sequence[PractitionerCalendar],
    clinic_hours: Sequence[DailyRange],
    service: ServiceSpec,
    policy: PolicySpec,
    now: datetime,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
) -> list[Slot]:
    """Bookable slots of several practitioners, ordered by start, then by the calendars' order."""
    order = {calendar.key: index for index, calendar in enumerate(calendars)}
    slots = [
        slot
        for calendar in calendars
        for slot in practitioner_slots(
            calendar=calendar,
            clinic_hours=clinic_hours,
            service=service,
            policy=policy,
            now=now,
            first_day=first_day,
            last_day=last_day,
            zone=zone,
        )
    ]
    return sorted(slots, key=lambda s: (s.start, order[s.practitioner]))


def first_available(slots: Iterable[Slot]) -> list[Slot]:
    """'Any practitioner': one slot per start time, the first practitioner in order."""
    seen: set[datetime] = set()
    merged = []
    for slot in slots:
        if slot.start not in seen:
            seen.add(slot.start)
            merged.append(slot)
    return merged


def is_bookable(
    *,
    start: datetime,
    calendar: PractitionerCalendar,
    clinic_hours: Sequence[DailyRange],
    service: ServiceSpec,
    policy: PolicySpec,
    now: datetime,
    zone: ZoneInfo,
) -> bool:
    """Whether `start` is one of the practitioner's offered slots (the booking service's re-check)."""
    day = start.astimezone(zone).date()
    return any(
        slot.start == start
        for slot in practitioner_slots(
            calendar=calendar,
            clinic_hours=clinic_hours,
            service=service,
            policy=policy,
            now=now,
            first_day=day,
            last_day=day,
            zone=zone,
        )
    )


# Why a start is not offered, in the order a patient would fix it. The first two need no
# calendar arithmetic, so an absurd year (1 or 9999) is refused before any zone conversion.
PAST, BEYOND_HORIZON, CLOSED, OUTSIDE_HOURS, OFF_GRID, TOO_SOON, TAKEN = (
    "past",
    "beyond_horizon",
    "closed",
    "outside_hours",
    "off_grid",
    "too_soon",
    "taken",
)
# Closest to bookable last: over several practitioners the most specific reason wins.
REFUSALS = (PAST, BEYOND_HORIZON, CLOSED, OUTSIDE_HOURS, OFF_GRID, TOO_SOON, TAKEN)


def window_refusal(*, start: datetime, policy: PolicySpec, now: datetime) -> str | None:
    """PAST or BEYOND_HORIZON when `start` is outside the bookable window, else None. Plain
    comparisons only: safe for any aware datetime, even one no zone can convert."""
    if start < now:
        return PAST
    if start > now + policy.horizon:
        return BEYOND_HORIZON
    return None


def refusal(
    *,
    start: datetime,
    calendar: PractitionerCalendar,
    clinic_hours: Sequence[DailyRange],
    service: ServiceSpec,
    policy: PolicySpec,
    now: datetime,
    zone: ZoneInfo,
) -> str | None:
    """Why `start` is not one of the practitioner's offered slots (one of REFUSALS), or None
    when it is. Agrees with `practitioner_slots` (a property test holds them together)."""
    if reason := window_refusal(start=start, policy=policy, now=now):
        return reason
    blocked = service.blocked(start)
    day = start.astimezone(zone).date()
    if closed_on(clinic_hours, day):
        return CLOSED
    working = next(
        (
            r
            for r in bookable_ranges(calendar, clinic_hours, day, zone)
            if r.start <= blocked.start and blocked.end <= r.end
        ),
        None,
    )
    if working is None:
        return OUTSIDE_HOURS
    if (start - (working.start + service.buffer_before)) % policy.step:
        return OFF_GRID
    if start < now + policy.min_notice:
        return TOO_SOON
    if _Busy(calendar.unavailable).overlaps(blocked):
        return TAKEN
    return None
