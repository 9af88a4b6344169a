"""The time picker of the booking and rescheduling pages: a month of days, the days with free
times as links, then the chosen day's times, and the next available time first.

One slot search for the month shown (the engine's cost is per search, not per day), plus, when
that month does not start today, one for the next available time. Plain links throughout: the
page works without JavaScript; static/js/local-time.js only adds the patient's own time."""

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from physiofit.booking import selectors
from physiofit.booking.models import Practitioner, Service
from physiofit.booking.slots import Slot

# Parts of the day, as the waiting list names them (mornings before 12, evenings after 17).
PARTS = (("Morning", 12), ("Afternoon", 17), ("Evening", 24))


@dataclass(frozen=True)
class TimeChoice:
    slot: Slot
    url: str
    # Less than the cancellation cut-off away: it cannot be changed or cancelled online.
    within_cutoff: bool
    practitioner_name: str = ""


@dataclass(frozen=True)
class DayCell:
    day: date
    in_month: bool
    free: int
    selected: bool
    url: str = ""


@dataclass
class Picker:
    month: date
    weeks: list[list[DayCell]]
    previous_month_url: str | None
    next_month_url: str | None
    day: date | None
    parts: list[tuple[str, list[TimeChoice]]] = field(default_factory=list)
    next_time: TimeChoice | None = None
    free_days: int = 0
    weekday_names = tuple((name, name[:2]) for name in calendar.day_name)

    @property
    def has_cutoff_times(self) -> bool:
        return any(choice.within_cutoff for _part, times in self.parts for choice in times)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_month(value: str | None) -> date | None:
    try:
        return date.fromisoformat(f"{value}-01") if value and len(value) == 7 else None
    except ValueError:
        return None


def time_picker(
    *,
    service: Service,
    practitioner: Practitioner | None,
    context: selectors.BookingContext,
    now: datetime,
    params,
    slot_url: Callable[[Slot], str],
    keep: dict | None = None,
    exclude: int | None = None,
    names: dict[str, str] | None = None,
) -> Picker:
    """The picker for `params` (the request's GET: `month` YYYY-MM, `day` YYYY-MM-DD; anything
    else or out of range falls back to the month of the next free day). `slot_url` makes a
    time's link; `keep` are query parameters every picker link carries; `names` the
    practitioners' names by slug, to say who the next available time is with."""
    zone = context.zone
    today = now.astimezone(zone).date()
    horizon_day = (now + context.policy.horizon).astimezone(zone).date()
    first_month, last_month = _month_start(today), _month_start(horizon_day)
    wanted_day = _parse_day(params.get("day"))
    if wanted_day is not None and not today <= wanted_day <= horizon_day:
        wanted_day = None
    month = _parse_month(params.get("month")) or (wanted_day and _month_start(wanted_day))
    if month is not None:
        month = min(max(month, first_month), last_month)

    def search(first: date, last: date) -> list[Slot]:
        return selectors.slot_search(
            service=service,
            practitioner=practitioner,
            first_day=max(first, today),
            last_day=min(last, horizon_day),
            now=now,
            context=context,
            exclude_appointment=exclude,
        )

    def next_free_day(after: date) -> date | None:
        return selectors.next_available_day(
            service=service, practitioner=practitioner, after=after, now=now, context=context
        )

    def grid(month: date) -> list[list[date]]:
        return calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)

    def search_grid(month: date) -> list[Slot]:
        # The whole weeks shown: the next month's first days are choices too.
        weeks = grid(month)
        return search(weeks[0][0], weeks[-1][-1])

    if month is None:
        month = first_month
        found = search_grid(month)
        if not found and (later := next_free_day(grid(month)[-1][-1] + timedelta(days=1))):
            month = _month_start(later)
            found = search_grid(month)
    else:
        found = search_grid(month)

    def choice(slot: Slot) -> TimeChoice:
        return TimeChoice(
            slot,
            slot_url(slot),
            slot.start - now < context.policy.cancel_cutoff,
            (names or {}).get(slot.practitioner, ""),
        )

    by_day: dict[date, list[Slot]] = {}
    for slot in found:
        by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
    if wanted_day is not None and _month_start(wanted_day) == month:
        selected = wanted_day
    else:
        selected = min((day for day in by_day if day >= month), default=None)

    keep = keep or {}

    def link(**query) -> str:
        return "?" + urlencode({**keep, **query})

    weeks = [
        [
            DayCell(
                day=day,
                in_month=day.month == month.month,
                free=len(by_day.get(day, ())),
                selected=day == selected,
                url=link(day=day.isoformat()),
            )
            for day in week
        ]
        for week in grid(month)
    ]
    parts: list[tuple[str, list[TimeChoice]]] = []
    if selected is not None:
        start_hour = 0
        for name, end_hour in PARTS:
            times = [
                choice(slot)
                for slot in by_day.get(selected, ())
                if start_hour <= slot.start.astimezone(zone).hour < end_hour
            ]
            if times:
                parts.append((name, times))
            start_hour = end_hour
    if month == first_month and found:
        next_slot = found[0]
    else:
        first_free = next_free_day(today)
        day_slots = search(first_free, first_free) if first_free else []
        next_slot = day_slots[0] if day_slots else None
    previous_month = _month_start(month - timedelta(days=1))
    next_month = _month_end(month) + timedelta(days=1)
    return Picker(
        month=month,
        weeks=weeks,
        previous_month_url=link(month=f"{previous_month:%Y-%m}")
        if previous_month >= first_month
        else None,
        next_month_url=link(month=f"{next_month:%Y-%m}") if next_month <= last_month else None,
        day=selected,
        parts=parts,
        next_time=choice(next_slot) if next_slot else None,
        free_days=sum(1 for day in by_day if _month_start(day) == month),
    )
