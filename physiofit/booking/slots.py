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
    9-11 and 10-12, gets one range and no duplicate starts."""
    weekday = day.weekday()
    working = _merge([(r.starts, r.ends) for r in calendar.working if r.weekday == weekday])
    opening = _merge([(r.starts, r.ends) for r in clinic_hours if r.weekday == weekday])
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
        # The first busy interval that ends after the blocked range starts is the only candidate.
        index = bisect_right(self.ends, blocked.start)
        return index < len(self.intervals) and self.intervals[index].start < blocked.end


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
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        for working in bookable_ranges(calendar, clinic_hours, day, zone):
            # Candidate starts are aligned to the working range's wall-clock start, one step apart.
            start = working.start + service.buffer_before
            while True:
                blocked = service.blocked(start)
                if blocked.end > working.end:
                    break
                if earliest <= start <= latest and not busy.overlaps(blocked):
                    slots.append(Slot(start, start + service.duration, calendar.key))
                start += policy.step
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
