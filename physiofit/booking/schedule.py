"""The staff calendar's time grid: columns (a practitioner on a day) on a time axis in clinic
time, with working time, time off, visits and the free starts a click can book. Plain layout
from the same reads the slot engine uses, so what the grid shows free the guard accepts."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import selectors
from . import slots as engine
from .models import Appointment, Practitioner, TimeOff

# Where the axis starts and ends when nothing on the shown days says otherwise.
DEFAULT_HOURS = (8, 18)


@dataclass
class Block:
    """Something drawn in a column, `top` and `height` in minutes from the axis start."""

    top: int
    height: int
    kind: str  # "open", "off", "visit"
    label: str = ""
    appointment: Appointment | None = None


@dataclass
class FreeStart:
    top: int
    at: datetime  # aware, clinic zone


@dataclass
class Column:
    practitioner: Practitioner
    day: date
    blocks: list[Block] = field(default_factory=list)
    free: list[FreeStart] = field(default_factory=list)
    closed: bool = True
    # Why nobody is working: the clinic's closure (a holiday) that day, else not working.
    closed_label: str = "Not working"

    @property
    def visits(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "visit"]


@dataclass
class Grid:
    columns: list[Column]
    first_minute: int  # minutes after local midnight where the axis starts (a whole hour)
    last_minute: int
    step: int
    hidden_days: list[str] = field(default_factory=list)  # "Sat 5 Dec", "Thu 26 Nov (…)"

    @property
    def minutes(self) -> int:
        return self.last_minute - self.first_minute

    @property
    def hours(self) -> list[tuple[int, time]]:
        """(minutes from the axis start, wall-clock hour) for each hour line."""
        return [
            (m - self.first_minute, time(m // 60))
            for m in range(self.first_minute, self.last_minute, 60)
        ]


def _minute(moment: datetime, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return local.hour * 60 + local.minute


def build(
    *,
    practitioners: list[Practitioner],
    days: list[date],
    now: datetime,
    show_cancelled: bool = False,
    moving: Appointment | None = None,
    context: selectors.BookingContext | None = None,
) -> Grid:
    """One column per practitioner and day (day view: practitioners side by side; week view:
    one practitioner's days). `moving` is left out of the busy time, so the times next to it
    show free while choosing where it goes."""
    context = context or selectors.booking_context()
    zone, step = context.zone, context.policy.slot_step
    first_day, last_day = days[0], days[-1]
    calendars = {
        c.key: c
        for c in selectors.calendars(
            practitioners,
            first_day=first_day,
            last_day=last_day,
            zone=zone,
            exclude_appointment=moving.pk if moving else None,
        )
    }
    window = selectors.local_day_bounds(first_day, last_day, zone)
    visits = [
        a
        for a in selectors.appointments_between(*window, practitioners=practitioners)
        if show_cancelled or a.status != Appointment.Status.CANCELLED
    ]
    off_rows = list(
        TimeOff.objects.filter(
            practitioner__in=practitioners, first_day__lte=last_day, last_day__gte=first_day
        )
    )
    columns = []
    edges = []  # wall-clock minutes the axis must show
    for practitioner in practitioners:
        calendar = calendars[practitioner.slug]
        busy = [i for i in calendar.unavailable]
        for day in days:
            column = Column(practitioner, day)
            if closure := context.closure_on(day):
                column.closed_label = closure_text(closure)
            day_start, day_end = selectors.local_day_bounds(day, day, zone)
            for working in engine.bookable_ranges(calendar, context.clinic_hours, day, zone):
                column.closed = False
                top, bottom = _minute(working.start, zone), _minute(working.end, zone) or 1440
                edges += [top, bottom]
                column.blocks.append(Block(top, bottom - top, "open"))
                column.free += _free_starts(working, busy, step, now, zone)
            for row in off_rows:
                if row.practitioner_id != practitioner.pk or not (
                    row.first_day <= day <= row.last_day
                ):
                    continue
                starts = row.start_time if row.first_day == day and row.start_time else time.min
                ends = row.end_time if row.last_day == day and row.end_time else None
                top = starts.hour * 60 + starts.minute
                bottom = ends.hour * 60 + ends.minute if ends else 1440
                label = f"Time off{f': {row.reason}' if row.reason else ''}"
                column.blocks.append(Block(top, bottom - top, "off", label))
            for visit in visits:
                if visit.practitioner_id != practitioner.pk:
                    continue
                if not day_start <= visit.start < day_end:
                    continue
                top = _minute(visit.start, zone)
                bottom = max(_minute(visit.end, zone) or 1440, top + step.seconds // 60)
                edges += [top, bottom]
                column.blocks.append(Block(top, bottom - top, "visit", appointment=visit))
            columns.append(column)
    hidden = []
    if len(days) > 1:
        # A week leaves out the days nobody shown works and nothing is booked (a closed
        # weekend), and says which, so seven columns fit a screen.
        hidden = [d for d in days if all(c.closed and not c.visits for c in columns if c.day == d)]
        columns = [c for c in columns if c.day not in hidden]
        hidden = [
            f"{d:%a, %b} {d.day}"
            + (f" ({closure_text(closure)})" if (closure := context.closure_on(d)) else "")
            for d in hidden
        ]
    first = min(edges, default=DEFAULT_HOURS[0] * 60)
    last = max(edges, default=DEFAULT_HOURS[1] * 60)
    first, last = (first // 60) * 60, -(-last // 60) * 60
    if not edges:
        first, last = DEFAULT_HOURS[0] * 60, DEFAULT_HOURS[1] * 60
    for column in columns:
        for block in column.blocks:
            # Time off runs the whole day: draw only what is on the axis.
            top = max(block.top, first)
            block.height = max(min(block.top + block.height, last) - top, 0)
            block.top = top - first
        column.blocks = [b for b in column.blocks if b.height > 0]
        for start in column.free:
            start.top -= first
    return Grid(columns, first, last, step.seconds // 60, hidden)


def closure_text(closure) -> str:
    return f"Clinic closed: {closure.label}" if closure.label else "Clinic closed"


def _free_starts(working: engine.Interval, busy, step: timedelta, now: datetime, zone):
    """Starts one step apart from the working range's start whose first step is free and not
    past: where a click may propose a visit (the booking form then checks the whole visit)."""
    free, start = [], working.start
    while start + step <= working.end:
        taken = any(b.start < start + step and start < b.end for b in busy)
        if not taken and start >= now:
            free.append(FreeStart(_minute(start, zone), start.astimezone(zone)))
        start += step
    return free
