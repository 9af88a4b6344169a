"""Opening-hours logic: pure functions over plain values, `now` always passed in.

Rules are written in the clinic's local wall-clock time and evaluated with zoneinfo, so a
daylight-saving switch moves the UTC instant of "7:00 AM" but never the wall-clock rule.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Closures this close ahead are announced with the hours (footer, contact page).
CLOSURES_AHEAD = timedelta(days=60)


@dataclass(frozen=True)
class OpeningRange:
    """Open on `weekday` (0 = Monday) from `opens` to `closes`, local time, same day."""

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.opens >= self.closes:
            raise ValueError("a range must close after it opens")


@dataclass(frozen=True)
class Closure:
    """The whole clinic closed from `first_day` to `last_day` (local days, inclusive): a
    holiday such as Thanksgiving. No opening hours count on those days."""

    first_day: date
    last_day: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.first_day > self.last_day:
            raise ValueError("a closure cannot end before it starts")

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def line(self) -> str:
        """'Closed Thursday, November 26 (Thanksgiving)', or a range of days."""
        days = long_day(self.first_day)
        if self.last_day != self.first_day:
            days += f" – {long_day(self.last_day)}"
        return f"Closed {days}" + (f" ({self.label})" if self.label else "")


def long_day(day: date) -> str:
    """Thursday, November 26: the clinic's style, no leading zero."""
    return f"{WEEKDAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}"


def closure_on(closures, day: date) -> Closure | None:
    """The closure covering the local `day`, or None when the clinic keeps its usual hours."""
    return next((closure for closure in closures if closure.covers(day)), None)


def closed_days(closures, first_day: date, last_day: date) -> frozenset[date]:
    """Every local day between the two (inclusive) that a closure covers."""
    days = set()
    for closure in closures:
        start, end = max(closure.first_day, first_day), min(closure.last_day, last_day)
        # Counted, not stepped: stepping past 9999-12-31 would overflow.
        days.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return frozenset(days)


def upcoming_closures(closures, today: date, ahead: timedelta = CLOSURES_AHEAD) -> list[Closure]:
    """Closures not yet over that start within `ahead` of `today`, soonest first."""
    return sorted(
        (c for c in closures if c.last_day >= today and c.first_day <= today + ahead),
        key=lambda c: (c.first_day, c.last_day),
    )


@dataclass(frozen=True)
class OpenStatus:
    is_open: bool
    # When open: the local time it closes. When closed: the next local opening, or None if the
    # clinic has no hours at all.
    changes_at: datetime | None
    # Closed today for a closure (a holiday): its label, or "" for an unlabelled one.
    closure: str | None = None

    def label(self, now: datetime) -> str:
        """'Open now · closes 7:00 PM', 'Closed · opens Monday 7:00 AM', or on a closure day
        'Closed today (Thanksgiving) · opens Friday 7:00 AM'."""
        closed = "Closed"
        if self.closure is not None:
            closed = "Closed today" + (f" ({self.closure})" if self.closure else "")
        if self.changes_at is None:
            return closed
        at = format_time(self.changes_at.timetz())
        if self.is_open:
            return f"Open now · closes {at}"
        local_now = now.astimezone(self.changes_at.tzinfo)
        days_ahead = (self.changes_at.date() - local_now.date()).days
        if days_ahead == 0:
            day = "today"
        elif days_ahead == 1:
            day = "tomorrow"
        elif days_ahead < 7:
            day = WEEKDAYS[self.changes_at.weekday()]
        else:  # past a long closure a weekday name alone would be next week's
            day = long_day(self.changes_at.date())
        return f"{closed} · opens {day} {at}"


def format_time(value: time) -> str:
    """7:00 AM, 12:30 PM: the clinic's own style, without a leading zero."""
    hour = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    return f"{hour}:{value.minute:02d} {suffix}"


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a day. In a spring-forward gap the clock reads a
    time that does not exist; it maps to the first real instant after the gap.

    Everything is compared and subtracted in UTC: Python subtracts two datetimes that share a
    tzinfo by wall clock, which is an hour wrong across a daylight-saving switch."""
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def open_status(
    ranges: list[OpeningRange], now: datetime, zone: ZoneInfo, closures=()
) -> OpenStatus:
    """Whether the clinic is open at the aware instant `now`, and when that next changes.
    Days a closure covers (local days) have no opening."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    local_now = now.astimezone(zone)
    today = local_now.date()
    closed_today = closure_on(closures, today)
    closure = None if closed_today is None else closed_today.label
    if not ranges:
        return OpenStatus(is_open=False, changes_at=None, closure=closure)
    by_day: dict[int, list[OpeningRange]] = {}
    for opening in sorted(ranges, key=lambda r: (r.weekday, r.opens)):
        by_day.setdefault(opening.weekday, []).append(opening)

    if closed_today is None:
        for opening in by_day.get(today.weekday(), []):
            opens = _instant(today, opening.opens, zone)
            closes = _instant(today, opening.closes, zone)
            if opens <= now < closes:
                closes = _merged_close(by_day, today, closes, zone)
                return OpenStatus(is_open=True, changes_at=closes.astimezone(zone))
    # A week of days, plus every day closures take away (a year at most).
    closed_ahead = closed_days(closures, today, today + timedelta(days=366))
    for offset in range(8 + len(closed_ahead)):
        day = today + timedelta(days=offset)
        if day in closed_ahead:
            continue
        for opening in by_day.get(day.weekday(), []):
            opens = _instant(day, opening.opens, zone)
            if opens > now:
                return OpenStatus(is_open=False, changes_at=opens.astimezone(zone), closure=closure)
    return OpenStatus(is_open=False, changes_at=None, closure=closure)


def _merged_close(by_day, day: date, closes: datetime, zone: ZoneInfo) -> datetime:
    """Ranges that touch (9-12 and 12-17) read as one opening: report the last close."""
    for opening in by_day.get(day.weekday(), []):
        if _instant(day, opening.opens, zone) == closes:
            closes = _instant(day, opening.closes, zone)
    return closes


def seconds_until_change(
    ranges: list[OpeningRange], now: datetime, zone: ZoneInfo, closures=()
) -> int | None:
    """Seconds until the open/closed status changes; None if it never does."""
    status = open_status(ranges, now, zone, closures)
    changes = [] if status.changes_at is None else [status.changes_at.astimezone(UTC)]
    today = now.astimezone(zone).date()
    if upcoming_closures(closures, today):
        # "Closed today (…)" and the list of closures ahead change at the clinic's midnight.
        changes.append(_instant(today + timedelta(days=1), time.min, zone))
    if not changes:
        return None
    return max(1, int((min(changes) - now.astimezone(UTC)).total_seconds()))


def weekly_schedule(ranges: list[OpeningRange]) -> list[tuple[str, list[OpeningRange]]]:
    """Monday to Sunday with each day's ranges, for display; a day with none is closed."""
    return [
        (name, sorted((r for r in ranges if r.weekday == index), key=lambda r: r.opens))
        for index, name in enumerate(WEEKDAYS)
    ]


def schedule_lines(ranges: list[OpeningRange]) -> list[tuple[str, str]]:
    """Consecutive days with identical hours folded: [('Mon – Fri', '7:00 AM – 7:00 PM'), ...]."""
    lines: list[tuple[list[str], str]] = []
    for name, day_ranges in weekly_schedule(ranges):
        hours = (
            ", ".join(f"{format_time(r.opens)} – {format_time(r.closes)}" for r in day_ranges)
            or "Closed"
        )
        if lines and lines[-1][1] == hours:
            lines[-1][0].append(name)
        else:
            lines.append(([name], hours))
    return [
        (days[0][:3] if len(days) == 1 else f"{days[0][:3]} – {days[-1][:3]}", hours)
        for days, hours in lines
    ]
