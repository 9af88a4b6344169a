"""Reads for booking. Slot search runs a fixed number of queries, whatever the number of
practitioners and days: settings, practitioners, working hours, time off, appointments."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Func, IntegerField, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from wagtail.models import Site

from physiofit.core.hours import Closure, closed_days, closure_on
from physiofit.core.models import ClinicSettings

from . import slots as engine
from .models import (
    ACTIVE_STATUSES,
    Appointment,
    BookingPolicy,
    Notification,
    Patient,
    Practitioner,
    Service,
    TimeOff,
    WorkingHours,
)


@dataclass(frozen=True)
class BookingContext:
    """Clinic-wide rules a search or a booking needs, loaded once."""

    zone: ZoneInfo
    # Weekly opening ranges, carrying the closure days (engine.ClinicHours): every search,
    # booking and the staff grid get no bookable time on a day the clinic is closed.
    clinic_hours: tuple[engine.DailyRange, ...]
    policy: BookingPolicy
    closures: tuple[Closure, ...] = ()

    def closure_on(self, day: date) -> Closure | None:
        """The clinic closure (a holiday) covering the local `day`, if any."""
        return closure_on(self.closures, day)

    @property
    def policy_spec(self) -> engine.PolicySpec:
        return engine.PolicySpec(
            min_notice=self.policy.min_notice,
            horizon=self.policy.horizon,
            step=self.policy.slot_step,
        )


class EpochSeconds(Func):
    """A timestamp column as whole seconds since 1970-01-01 UTC."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)",
            **extra,
        )


def booking_context() -> BookingContext:
    """The default site's clinic hours, closures, zone and booking policy: four queries."""
    clinic = (
        ClinicSettings.objects.filter(site__is_default_site=True)
        .prefetch_related("opening_hours", "closures")
        .first()
    )
    policy = BookingPolicy.objects.filter(site__is_default_site=True).first()
    if clinic is None or policy is None:  # first use on a new site: create the defaults
        site = Site.objects.get(is_default_site=True)
        clinic = clinic or ClinicSettings.for_site(site)
        policy = policy or BookingPolicy.for_site(site)
    closures = tuple(clinic.closure_list())
    hours = engine.ClinicHours(
        (engine.DailyRange(r.weekday, r.opens, r.closes) for r in clinic.opening_ranges()),
        closed=closed_days(closures, date.min, date.max),
    )
    return BookingContext(zone=clinic.zone, clinic_hours=hours, policy=policy, closures=closures)


def service_spec(service: Service) -> engine.ServiceSpec:
    return engine.ServiceSpec(service.duration, service.buffer_before, service.buffer_after)


def bookable_services(*, online: bool = True):
    services = Service.objects.filter(practitioners__active=True).distinct()
    return services.filter(bookable_online=True) if online else services


def practitioners_for(service: Service):
    return Practitioner.objects.filter(active=True, services=service).order_by("sort_order", "name")


def local_day_bounds(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first_day, time.min).replace(tzinfo=zone).astimezone(UTC)
    end = (
        datetime.combine(last_day + timedelta(days=1), time.min)
        .replace(tzinfo=zone)
        .astimezone(UTC)
    )
    return start, end


def time_off_intervals(rows, zone: ZoneInfo) -> list[tuple[int, engine.Interval]]:
    intervals = []
    for practitioner_id, first_day, last_day, start_time, end_time in rows:
        start = engine.instant(first_day, start_time or time.min, zone)
        end = (
            engine.instant(last_day, end_time, zone)
            if end_time
            else engine.instant(last_day + timedelta(days=1), time.min, zone)
        )
        if start < end:
            intervals.append((practitioner_id, engine.Interval(start, end)))
    return intervals


def working_practitioners(service: Service):
    """Active practitioners offering the service, with their working week: one query.
    A practitioner with no working hours has no slots, so the join loses nobody."""
    practitioners: dict[int, Practitioner] = {}
    working: dict[int, list[engine.DailyRange]] = {}
    rows = (
        WorkingHours.objects.filter(practitioner__active=True, practitioner__services=service)
        .select_related("practitioner")
        .order_by("practitioner__sort_order", "practitioner__name", "practitioner_id", "pk")
    )
    for row in rows:
        practitioners.setdefault(row.practitioner_id, row.practitioner)
        working.setdefault(row.practitioner_id, []).append(
            engine.DailyRange(row.weekday, row.starts, row.ends)
        )
    return list(practitioners.values()), working


def calendars(
    practitioners: list[Practitioner],
    *,
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    exclude_appointment: int | None = None,
    working: dict[int, list[engine.DailyRange]] | None = None,
) -> list[engine.PractitionerCalendar]:
    """Each practitioner's working week and unavailable time in the window: two queries, or
    three when the working hours were not loaded with the practitioners."""
    ids = [p.pk for p in practitioners]
    window_start, window_end = local_day_bounds(first_day, last_day, zone)
    if working is None:
        working = {pk: [] for pk in ids}
        for practitioner_id, weekday, starts, ends in WorkingHours.objects.filter(
            practitioner_id__in=ids
        ).values_list("practitioner_id", "weekday", "starts", "ends"):
            working[practitioner_id].append(engine.DailyRange(weekday, starts, ends))
    unavailable: dict[int, list[engine.Interval]] = {pk: [] for pk in ids}
    off_rows = TimeOff.objects.filter(
        practitioner_id__in=ids,
        first_day__lte=last_day,
        last_day__gte=first_day - timedelta(days=1),
    ).values_list("practitioner_id", "first_day", "last_day", "start_time", "end_time")
    for practitioner_id, interval in time_off_intervals(off_rows, zone):
        unavailable[practitioner_id].append(interval)
    # Buffers reach outside the window by at most a few hours: widen by a day to be safe.
    appointments = Appointment.objects.filter(
        practitioner_id__in=ids,
        status__in=ACTIVE_STATUSES,
        blocked_start__lt=window_end + timedelta(days=1),
        blocked_end__gt=window_start - timedelta(days=1),
        blocked_start__gt=window_start - timedelta(days=1) - LONGEST_BLOCK,
    )
    if exclude_appointment is not None:
        appointments = appointments.exclude(pk=exclude_appointment)
    # Whole seconds since the epoch, not timestamps: a busy month is some 12,000 values, and
    # turning them into datetimes in the database driver costs more than the slot computation.
    rows = appointments.annotate(
        start_s=EpochSeconds("blocked_start"), end_s=EpochSeconds("blocked_end")
    ).values_list("practitioner_id", "start_s", "end_s")
    for practitioner_id, start, end in rows:
        unavailable[practitioner_id].append(
            engine.Interval(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC))
        )
    return [
        engine.PractitionerCalendar(
            key=p.slug, working=tuple(working.get(p.pk, ())), unavailable=tuple(unavailable[p.pk])
        )
        for p in practitioners
    ]


def slot_search(
    *,
    service: Service,
    practitioner: Practitioner | None,
    first_day: date,
    last_day: date,
    now: datetime,
    context: BookingContext | None = None,
    exclude_appointment: int | None = None,
    policy: engine.PolicySpec | None = None,
) -> list[engine.Slot]:
    """Bookable slots for a service with one practitioner, or merged over all ("any")."""
    context = context or booking_context()
    if practitioner:
        practitioners, working = [practitioner], None
    else:
        practitioners, working = working_practitioners(service)
    found = engine.available_slots(
        calendars=calendars(
            practitioners,
            first_day=first_day,
            last_day=last_day,
            zone=context.zone,
            exclude_appointment=exclude_appointment,
            working=working,
        ),
        clinic_hours=context.clinic_hours,
        service=service_spec(service),
        policy=policy or context.policy_spec,
        now=now,
        first_day=first_day,
        last_day=last_day,
        zone=context.zone,
    )
    return found if practitioner else engine.first_available(found)


def next_available_day(
    *,
    service: Service,
    practitioner: Practitioner | None,
    after: date,
    now: datetime,
    context: BookingContext,
) -> date | None:
    """The first local day from `after` within the horizon that has a free slot."""
    horizon_day = (now + context.policy.horizon).astimezone(context.zone).date()
    found = slot_search(
        service=service,
        practitioner=practitioner,
        first_day=after,
        last_day=horizon_day,
        now=now,
        context=context,
    )
    return found[0].start.astimezone(context.zone).date() if found else None


# No visit's blocked range is longer than this (the longest service, 8 hours, plus both
# buffers of at most 2 hours): a lower bound on the start lets a window's reads use the start
# and range indexes instead of scanning every appointment ever booked.
LONGEST_BLOCK = timedelta(days=1)


def appointments_between(
    start: datetime, end: datetime, practitioner: Practitioner | None = None, *, practitioners=None
):
    rows = Appointment.objects.filter(
        start__lt=end, end__gt=start, start__gt=start - LONGEST_BLOCK
    ).select_related("patient", "service", "practitioner")
    if practitioner:
        rows = rows.filter(practitioner=practitioner)
    if practitioners is not None:
        rows = rows.filter(practitioner__in=practitioners)
    return rows.order_by("start")


def booked_on_closed_days(context: BookingContext, today: date, practitioner=None) -> list:
    """Visits still booked on a day the clinic has since closed (a holiday entered after they
    were booked), from today on: each needs a call to move or cancel it. One query per
    closure still ahead; clinics have a handful."""
    found = []
    for closure in context.closures:
        if closure.last_day < today:
            continue
        first = max(closure.first_day, today)
        rows = appointments_between(
            *local_day_bounds(first, closure.last_day, context.zone), practitioner
        ).filter(status=Appointment.Status.BOOKED)
        for row in rows:
            row.closure = closure
            found.append(row)
    return sorted(found, key=lambda a: a.start)


def active_overlaps(practitioner_id: int, blocked: engine.Interval, exclude: int | None = None):
    rows = Appointment.objects.filter(
        Q(practitioner_id=practitioner_id)
        & Q(status__in=ACTIVE_STATUSES)
        & Q(blocked_start__lt=blocked.end)
        & Q(blocked_end__gt=blocked.start)
    )
    return rows.exclude(pk=exclude) if exclude else rows


# How long an idempotency key replays its booking: long enough for any client's retries, short
# enough that a key is not a permanent handle on someone's appointment.
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)


def idempotency_keys_expired_before() -> datetime:
    # The clock that stamped created_at, not a booking's `now` (an input for the slot rules).
    return timezone.now() - IDEMPOTENCY_KEY_LIFETIME


def booking_for_idempotency_key(key: str) -> Appointment | None:
    """The appointment `key` was first used for, while the key lives; None once it expired."""
    return Appointment.objects.filter(
        idempotency_key=key, created_at__gte=idempotency_keys_expired_before()
    ).first()


@dataclass(frozen=True)
class PatientVisits:
    upcoming: list
    past: list


def patient_visits(patient: Patient, *, past_limit: int = 20) -> PatientVisits:
    """The patient's booked visits to come, and the latest past ones (any status), for the chart."""
    now = timezone.now()
    visits = patient.appointments.select_related("service", "practitioner")
    return PatientVisits(
        upcoming=list(
            visits.filter(start__gte=now, status=Appointment.Status.BOOKED).order_by("start")
        ),
        past=list(visits.filter(start__lt=now).order_by("-start")[:past_limit]),
    )


def patient_emails(patient: Patient, *, limit: int = 20) -> list[Notification]:
    """Emails sent (or queued, or failed) to the patient about their visits and waitlist."""
    return list(
        Notification.objects.filter(
            Q(appointment__patient=patient) | Q(waitlist_entry__patient=patient)
        )
        .exclude(kind__startswith="staff_")
        .select_related("appointment")
        .order_by("-created_at")[:limit]
    )


# Date-of-birth formats a front desk types: 1980-05-12, 05/12/1980, 5/12/80 (US order).
BIRTHDAY_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%m.%d.%Y")
PATIENT_SEARCH_LIMIT = 8


def _birthday(text: str) -> date | None:
    for fmt in BIRTHDAY_FORMATS:
        try:
            found = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        # A two-digit year is a birthday: never in the future ("5/12/30" is 1930).
        return found.replace(year=found.year - 100) if found > timezone.now().date() else found
    return None


def _digits(expression):
    """A phone column with the separators people type removed (digits and + remain)."""
    for separator in (" ", "-", "(", ")", ".", "+"):
        expression = Replace(expression, Value(separator), Value(""))
    return expression


PHONE_WORD = re.compile(r"^[0-9()+.\-]+$")


def _search_words(query: str) -> list[str]:
    """The typed words, with a phone number typed in groups ("541 555 01") joined into one."""
    words: list[str] = []
    for word in query.split():
        grouped = words and PHONE_WORD.match(words[-1]) and not _birthday(words[-1])
        if grouped and PHONE_WORD.match(word) and not _birthday(word):
            words[-1] += word
        else:
            words.append(word)
    return words


def patient_search(query: str, *, limit: int = PATIENT_SEARCH_LIMIT) -> list[Patient]:
    """Patients matching what the front desk types: every word must match a first or last
    name, an email (with @), a phone number (digits in any format) or a date of birth."""
    if len(query.strip()) < 2:
        return []
    rows = Patient.objects.all()
    for word in _search_words(query)[:6]:
        digits = "".join(ch for ch in word if ch.isdigit())
        if (birthday := _birthday(word)) is not None:
            rows = rows.filter(date_of_birth=birthday)
        elif "@" in word:
            rows = rows.filter(email__icontains=word)
        elif len(digits) >= 3 and len(digits) >= len(word) - 4:
            rows = rows.annotate(phone_digits=_digits(F("phone"))).filter(
                phone_digits__contains=digits
            )
        elif len(word) < 3:  # too short to be inside a word: the start of a name
            rows = rows.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
        else:
            rows = rows.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__istartswith=word)
            )
    return list(rows.order_by("last_name", "first_name", "date_of_birth", "pk")[:limit])


def patient_lookalikes(details, *, limit: int = PATIENT_SEARCH_LIMIT) -> list[Patient]:
    """Records that may be the person whose details were just typed as new: the same name and
    birthday, the same email, or the same phone number and last name."""
    digits = "".join(ch for ch in details.phone if ch.isdigit())
    match = Q(
        first_name__iexact=details.first_name.strip(),
        last_name__iexact=details.last_name.strip(),
        date_of_birth=details.date_of_birth,
    ) | Q(email__iexact=details.email.strip())
    if len(digits) >= 7:
        match |= Q(phone_digits__endswith=digits[-10:], last_name__iexact=details.last_name.strip())
    return list(
        Patient.objects.annotate(phone_digits=_digits(F("phone")))
        .filter(match)
        .order_by("last_name", "first_name", "pk")[:limit]
    )


def not_in_care(patients: list[Patient]) -> set[int]:
    """The pks of those among `patients` never seen nor booked (one query)."""
    seen = set(
        Appointment.objects.filter(
            patient__in=patients,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.COMPLETED],
        ).values_list("patient_id", flat=True)
    )
    return {p.pk for p in patients} - seen


def in_care(patient: Patient) -> bool:
    """Whether the patient has been seen or is booked: a follow-up is then the usual visit."""
    return patient.appointments.filter(
        status__in=[Appointment.Status.BOOKED, Appointment.Status.COMPLETED]
    ).exists()
