"""Opening-hours logic: pure functions over plain values, `now` always passed in.

Rules are written in the clinic's local wall-clock time and evaluated with zoneinfo, so a
daylight-saving switch moves the UTC instant of "7:00 AM" but never the wall-clock rule.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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
class OpenStatus:
    is_open: bool
    # When open: the local time it closes. When closed: the next local opening, or None if the
    # clinic has no hours at all.
    changes_at: datetime | None

    def label(self, now: datetime) -> str:
        """'Open now · closes 7:00 PM' or 'Closed · opens Monday 7:00 AM'."""
        if self.changes_at is None:
            return "Closed"
        at = format_time(self.changes_at.timetz())
        if self.is_open:
            return f"Open now · closes {at}"
        local_now = now.astimezone(self.changes_at.tzinfo)
        days_ahead = (self.changes_at.date() - local_now.date()).days
        if days_ahead == 0:
            day = "today"
        elif days_ahead == 1:
            day = "tomorrow"
        else:
            day = WEEKDAYS[self.changes_at.weekday()]
        return f"Closed · opens {day} {at}"


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


def open_status(ranges: list[OpeningRange], now: datetime, zone: ZoneInfo) -> OpenStatus:
    """Whether the clinic is open at the aware instant `now`, and when that next changes."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    local_now = now.astimezone(zone)
    if not ranges:
        return OpenStatus(is_open=False, changes_at=None)
    by_day: dict[int, list[OpeningRange]] = {}
    for opening in sorted(ranges, key=lambda r: (r.weekday, r.opens)):
        by_day.setdefault(opening.weekday, []).append(opening)

    today = local_now.date()
    for opening in by_day.get(today.weekday(), []):
        opens = _instant(today, opening.opens, zone)
        closes = _instant(today, opening.closes, zone)
        if opens <= now < closes:
            closes = _merged_close(by_day, today, closes, zone)
            return OpenStatus(is_open=True, changes_at=closes.astimezone(zone))
    for offset in range(8):
        day = today + timedelta(days=offset)
        for opening in by_day.get(day.weekday(), []):
            opens = _instant(day, opening.opens, zone)
            if opens > now:
                return OpenStatus(is_open=False, changes_at=opens.astimezone(zone))
    return OpenStatus(is_open=False, changes_at=None)


def _merged_close(by_day, day: date, closes: datetime, zone: ZoneInfo) -> datetime:
    """Ranges that touch (9-12 and 12-17) read as one opening: report the last close."""
    for opening in by_day.get(day.weekday(), []):
        if _instant(day, opening.opens, zone) == closes:
            closes = _instant(day, opening.closes, zone)
    return closes


def seconds_until_change(ranges: list[OpeningRange], now: datetime, zone: ZoneInfo) -> int | None:
    """Seconds until the open/closed status changes; None if it never does."""
    status = open_status(ranges, now, zone)
    if status.changes_at is None:
        return None
    return max(1, int((status.changes_at.astimezone(UTC) - now.astimezone(UTC)).total_seconds()))


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
