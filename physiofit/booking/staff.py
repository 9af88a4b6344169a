"""Staff calendar in the Wagtail admin: day and week views, appointment detail and actions,
booking by phone. Every view or change of patient data is written to the audit log."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks

from physiofit.core.hours import format_time
from physiofit.core.models import AuditEvent, audit

from . import schedule, selectors, services, tokens
from . import slots as engine
from .forms import PatientDetailsForm
from .models import Appointment, Patient, Practitioner, Service, new_calendar_token
from .notification_admin import notifications_visible_to

PERMISSION = "booking.view_patient_record"
staff_only = permission_required(PERMISSION, raise_exception=True)


# The calendar links a week either side and converts days to instants: year 1 or 9999 has
# neither, so days outside these are refused with a message.
CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _calendar_query(**params) -> str:
    """The calendar's address for these filters (dates, practitioner and view only: never a
    patient's details)."""
    return (
        f"{reverse('booking_calendar:index')}?{urlencode({k: v for k, v in params.items() if v})}"
    )


def _moving(request, now) -> Appointment | None:
    """The visit being moved from the calendar (?move=pk): booked and not yet started."""
    pk = request.GET.get("move", "")
    if not pk.isdigit():
        return None
    return (
        Appointment.objects.select_related("patient", "practitioner", "service")
        .filter(pk=pk, status=Appointment.Status.BOOKED, start__gt=now)
        .first()
    )


@staff_only
def calendar(request):
    """Day view (one column per practitioner) or week view (one practitioner's days) on a
    time axis in clinic time: working time, time off, visits, and free starts to book."""
    context = selectors.booking_context()
    now = timezone.now()
    today = now.astimezone(context.zone).date()
    view = "week" if request.GET.get("view") == "week" else "day"
    day = _parse_day(request.GET.get("date"), today)
    status = 200
    if not CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY:
        messages.error(
            request,
            f"Choose a date between {CALENDAR_FIRST_DAY:%Y} and {CALENDAR_LAST_DAY:%Y}; "
            "showing today instead.",
        )
        day, status = today, 400
    first = day if view == "day" else day - timedelta(days=day.weekday())
    days = [first + timedelta(days=n) for n in range(1 if view == "day" else 7)]
    practitioners = list(Practitioner.objects.filter(active=True))
    chosen = next((p for p in practitioners if str(p.pk) == request.GET.get("practitioner")), None)
    if view == "week" and chosen is None and practitioners:
        # A week is one practitioner's: the signed-in therapist's own, or the first.
        mine = getattr(request.user, "practitioner", None)
        chosen = mine if mine in practitioners else practitioners[0]
    moving = _moving(request, now)
    show_cancelled = request.GET.get("cancelled") == "1"
    grid = schedule.build(
        practitioners=[chosen] if chosen else practitioners,
        days=days,
        now=now,
        show_cancelled=show_cancelled,
        moving=moving,
        context=context,
    )
    appointments = [b.appointment for c in grid.columns for b in c.visits]
    # Apps above booking flag visits for clinical staff: {appointment pk: [label, ...]}
    # (a screening waiting for review, a progress note due at this visit).
    flags: dict[int, list[str]] = {}
    for fn in hooks.get_hooks("calendar_flags"):
        for pk, labels in fn(request, [a.pk for a in appointments]).items():
            flags.setdefault(pk, []).extend(labels)
    for a in appointments:
        a.flags = flags.get(a.pk, [])
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="booking.calendar",
        object_id=f"{days[0]}..{days[-1]}",
        summary=f"{len(appointments)} appointments shown",
    )
    step = timedelta(days=1 if view == "day" else 7)
    keep = {
        "view": view,
        "practitioner": chosen.pk if chosen else "",
        "cancelled": "1" if show_cancelled else "",
        "move": moving.pk if moving else "",
    }
    return TemplateResponse(
        request,
        "booking/staff/_calendar_body.html" if request.htmx else "booking/staff/calendar.html",
        {
            "grid": grid,
            "view": view,
            "first": first,
            "last": days[-1],
            "zone": context.zone,
            "practitioners": practitioners,
            "chosen": chosen,
            "show_cancelled": show_cancelled,
            "moving": moving,
            "today": today,
            "now": now,
            "now_minute": _now_line(grid, now, context.zone),
            # A free time's link: where a click books, or moves the visit being moved (built
            # once: the grid has hundreds of them).
            "slot_base": reverse("booking_calendar:move", args=[moving.pk])
            if moving
            else reverse("booking_calendar:new"),
            "previous_url": _calendar_query(**keep, date=(first - step).isoformat()),
            "today_url": _calendar_query(**keep, date=today.isoformat()),
            "next_url": _calendar_query(**keep, date=(first + step).isoformat()),
            "day_url": _calendar_query(**{**keep, "view": "day", "practitioner": ""}, date=first),
            "week_url": _calendar_query(**{**keep, "view": "week"}, date=first),
        },
        status=status,
    )


def _now_line(grid, now, zone) -> int | None:
    """Minutes from the axis start to now, when today is shown and now is on the axis."""
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    shown = any(c.day == local.date() for c in grid.columns)
    if shown and grid.first_minute <= minute < grid.last_minute:
        return minute - grid.first_minute
    return None


class MoveForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    practitioner = forms.ModelChoiceField(Practitioner.objects.filter(active=True))

    def clean_day(self) -> date:
        # Staff book from today to a year ahead (the past is refused by the guard, with a
        # message); far years are refused here, before any zone arithmetic can overflow.
        day, today = self.cleaned_data["day"], timezone.now().date()
        if not today - timedelta(days=2) <= day <= today + services.STAFF_HORIZON:
            raise forms.ValidationError("Choose a day between today and a year from now.")
        return day


class PhoneBookingForm(PatientDetailsForm, MoveForm):
    """The time, the service, and the patient: an existing record chosen from the search
    (`patient` = its pk) or a new one (`patient` = "new", with the details typed)."""

    service = forms.ModelChoiceField(
        Service.objects.all(),
        required=False,
        empty_label="Usual visit (follow-up, or evaluation if new)",
    )
    patient = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm_new = forms.BooleanField(
        required=False, label="None of these: this is a different person"
    )

    field_order = ["service", "practitioner", "day", "start_time"]
    DETAILS = ("first_name", "last_name", "email", "phone", "date_of_birth")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.data.get("patient") != "new":
            for name in self.DETAILS:
                self.fields[name].required = False
        # The desk types someone else's details: the browser's own autofill would be wrong.
        for name in self.DETAILS:
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.input_type = "tel"
        if "sms_reminders" in self.fields:  # the desk speaks for the caller, who agreed
            self.fields[
                "sms_reminders"
            ].label = "The patient agrees to text reminders at this number"
        self.fields["phone"].help_text = ""
        self.fields["date_of_birth"].help_text = ""

    def clean_patient(self) -> "Patient | str":
        value = self.cleaned_data["patient"]
        if value == "new":
            return value
        found = Patient.objects.filter(pk=value).first() if value.isdigit() else None
        if found is None:
            raise forms.ValidationError("Find the patient above, or choose “New patient”.")
        return found

    def clean_date_of_birth(self):
        if self.data.get("patient") != "new":
            return None
        return super().clean_date_of_birth()

    def clean_first_name(self):
        return super().clean_first_name() if self.data.get("patient") == "new" else ""

    def clean_last_name(self):
        return super().clean_last_name() if self.data.get("patient") == "new" else ""

    def detail_fields(self):
        return [self[name] for name in (*self.DETAILS, "sms_reminders") if name in self.fields]

    def time_fields(self):
        return [self[name] for name in ("service", "practitioner", "day", "start_time")]


def _start(form, context) -> datetime:
    return engine.instant(form.cleaned_data["day"], form.cleaned_data["start_time"], context.zone)


@staff_only
def appointment_detail(request, pk):
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "service", "practitioner"), pk=pk
    )
    context = selectors.booking_context()
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        obj=appointment,
        summary=f"appointment {appointment.reference}",
    )
    local = appointment.start.astimezone(context.zone)
    move_form = MoveForm(
        initial={
            "day": local.date(),
            "start_time": local.time(),
            "practitioner": appointment.practitioner,
        }
    )
    # Apps above booking add their own panels (screening and intake, the exercise program's
    # adherence, ...), each checking its own permission and writing its own audit entry.
    panels = [
        html for fn in hooks.get_hooks("appointment_panels") if (html := fn(request, appointment))
    ]
    return TemplateResponse(
        request,
        "booking/staff/appointment.html",
        {
            "panels": panels,
            "appointment": appointment,
            "zone": context.zone,
            "move_form": move_form,
            "history": notifications_visible_to(request.user, appointment.notifications.all())[:20],
            "link_resendable": tokens.manage_link_resendable(appointment),
            **_status_choices(appointment),
        },
    )


def _status_choices(appointment: Appointment) -> dict:
    """What the desk may do with the visit now (services enforce the same rules)."""
    now = timezone.now()
    booked = appointment.status == Appointment.Status.BOOKED
    deadline = services.undo_deadline(appointment)
    return {
        "started": now >= appointment.start,
        "can_arrive": booked
        and appointment.arrived_at is None
        and appointment.start - services.ARRIVAL_WINDOW <= now <= appointment.end,
        "can_undo": deadline is not None and now < deadline,
        "late_if_cancelled": booked and services.is_late_cancel(appointment, now),
        "cutoff_hours": selectors.booking_context().policy.cancel_cutoff_hours,
        "cancel_reasons": Appointment.CancelReason.choices,
    }


STATUS_DONE = {
    "arrive": "checked in",
    "completed": "marked completed",
    "no_show": "marked a no-show",
    "undo": "set back to booked",
}


@staff_only
@require_POST
def appointment_action(request, pk):
    """Check in, mark completed or no-show (from the start on), undo that the same day, or
    cancel with a reason (late inside the cut-off)."""
    appointment = get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
    action = request.POST.get("action")
    name = f"{appointment.patient.first_name} {appointment.patient.last_name}"
    try:
        if action == "cancel":
            reason = request.POST.get("reason", "")
            if reason not in Appointment.CancelReason.values:
                messages.error(request, "Choose why the visit is cancelled.")
                return redirect("booking_calendar:appointment", pk)
            appointment = services.appointment_cancel(
                appointment=appointment, staff=True, reason=reason
            )
            late = " It is a late cancellation." if appointment.late_cancel else ""
            messages.success(request, f"{name}'s visit {appointment.reference} is cancelled.{late}")
        elif action in STATUS_DONE:
            if action == "arrive":
                services.appointment_arrive(appointment=appointment)
            elif action == "undo":
                services.appointment_undo_status(appointment=appointment)
            else:
                services.appointment_set_status(appointment=appointment, status=action)
            messages.success(request, f"{name}'s visit is {STATUS_DONE[action]}.")
        else:
            messages.error(request, "Unknown action.")
            return redirect("booking_calendar:appointment", pk)
    except services.BookingError as error:
        messages.error(request, error.message)
        return redirect("booking_calendar:appointment", pk)
    audit(user=request.user, action=AuditEvent.Action.CHANGE, obj=appointment, summary=action)
    back = request.POST.get("next", "")
    if back.startswith(reverse("booking_calendar:index")) or back == reverse("wagtailadmin_home"):
        return redirect(back)
    return redirect("booking_calendar:appointment", pk)


def _alternatives(slots, practitioners=None) -> list[dict]:
    """The engine's nearest free times with their practitioner, for links that use them."""
    by_slug = {p.slug: p for p in practitioners or Practitioner.objects.filter(active=True)}
    return [
        {"start": slot.start, "practitioner": by_slug[slot.practitioner]}
        for slot in slots
        if slot.practitioner in by_slug
    ]


@staff_only
@require_http_methods(["GET", "POST"])
def appointment_move(request, pk):
    """Move a visit to a new time: from a free time chosen on the calendar, a drag, or the
    form on the visit's page. GET asks to confirm what the calendar proposed; POST moves,
    through the same guard as every booking. A refusal says why in staff words, keeps what
    was typed, and offers the nearest free times."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "service", "practitioner"), pk=pk
    )
    context = selectors.booking_context()
    data = request.POST if request.method == "POST" else request.GET
    form = MoveForm(data)
    error, alternatives, status = None, [], 200
    if appointment.status != Appointment.Status.BOOKED:
        error, status = services.BookingError("not_active").message, 409
    elif not form.is_valid():
        error, status = "Choose a valid day, time and practitioner to move to.", 400
    elif request.method == "POST":
        target = form.cleaned_data["practitioner"]
        try:
            services.appointment_reschedule(
                appointment=appointment,
                start=_start(form, context),
                practitioner=target,
                staff=True,
            )
        except services.BookingError as refused:
            error, status = services.staff_reason(refused, target), 409
            alternatives = _alternatives(refused.alternatives)
        else:
            appointment.refresh_from_db()
            audit(
                user=request.user,
                action=AuditEvent.Action.CHANGE,
                obj=appointment,
                summary=f"moved {appointment.reference}",
            )
            messages.success(
                request,
                f"Moved {appointment.patient.first_name} {appointment.patient.last_name} to "
                f"{short_when(appointment.start, context.zone)} with {appointment.practitioner.name}.",
            )
            return redirect(
                _calendar_query(
                    view="day", date=appointment.start.astimezone(context.zone).date().isoformat()
                )
            )
    proposed = _start(form, context) if form.is_valid() else None
    if request.method == "GET" and proposed is not None and error is None:
        # What the calendar proposed (a free time, a drop) is checked now, not after
        # "Move": a drop on a taken time says so at once, with the nearest free times.
        target = form.cleaned_data["practitioner"]
        try:
            if timezone.now() >= appointment.start:
                raise services.BookingError("visit_started")
            services.appointment_check_start(
                service=appointment.service,
                practitioner=target,
                start=proposed,
                context=context,
                exclude_appointment=appointment.pk,
                staff=True,
            )
        except services.BookingError as refused:
            error, status = services.staff_reason(refused, target), 409
            alternatives = _alternatives(refused.alternatives)
        audit(
            user=request.user,
            action=AuditEvent.Action.VIEW,
            obj=appointment,
            summary=f"move proposed for {appointment.reference}",
        )
    return TemplateResponse(
        request,
        "booking/staff/move.html",
        {
            "appointment": appointment,
            "form": form,
            "proposed": proposed,
            "error": error,
            "alternatives": alternatives,
            "zone": context.zone,
        },
        status=status,
    )


def short_when(moment: datetime, zone) -> str:
    """Tue Dec 1, 10:00 AM (clinic time)."""
    local = moment.astimezone(zone)
    return f"{local:%a, %b} {local.day}, {format_time(local.time())}"


def booked_message(appointment: Appointment, zone, *, how: str = "") -> str:
    """What the desk reads after booking: who, what, when, with whom, and the reference."""
    patient = appointment.patient
    return (
        f"Booked {patient.first_name} {patient.last_name}{how}: {appointment.service.name}, "
        f"{short_when(appointment.start, zone)} with {appointment.practitioner.name} "
        f"({appointment.reference})."
    )


@staff_only
@require_http_methods(["GET", "POST"])
def appointment_resend_link(request, pk):
    """GET asks to confirm; POST revokes the patient's links to this appointment (a forwarded
    or leaked one stops working) and emails a new one to the address on the record."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "service", "practitioner"), pk=pk
    )
    if not tokens.manage_link_resendable(appointment):
        messages.error(request, services.BookingError("not_active").message)
        return redirect("booking_calendar:appointment", pk)
    if request.method == "GET":
        audit(
            user=request.user,
            action=AuditEvent.Action.VIEW,
            obj=appointment,
            summary=f"resend link confirmation for {appointment.reference}",
        )
        return TemplateResponse(
            request,
            "booking/staff/resend_link.html",
            {"appointment": appointment, "zone": selectors.booking_context().zone},
        )
    try:
        tokens.manage_link_resend(appointment=appointment)
    except services.BookingError as error:
        messages.error(request, error.message)
        return redirect("booking_calendar:appointment", pk)
    audit(
        user=request.user,
        action=AuditEvent.Action.CHANGE,
        obj=appointment,
        summary=f"manage links revoked, new link emailed for {appointment.reference}",
    )
    messages.success(
        request,
        f"A new link for {appointment.reference} is on its way; the links sent before no "
        "longer work.",
    )
    return redirect("booking_calendar:appointment", pk)


def _service_for(patient: Patient | None, practitioner: Practitioner) -> Service | None:
    """The usual visit: a follow-up for a patient seen or booked before, else an evaluation,
    among the practitioner's services."""
    audience = (
        Service.Audience.RETURNING
        if patient is not None and selectors.in_care(patient)
        else Service.Audience.NEW
    )
    offered = practitioner.services.order_by("sort_order", "pk")
    return offered.filter(audience=audience).first() or offered.first()


def _alternative(data):
    """A nearest free time the desk clicked: 'YYYY-MM-DD HH:MM practitioner-pk' replaces the
    time fields, so the same post books it."""
    parts = data.get("alternative", "").split()
    if len(parts) != 3:
        return data
    data = data.copy()
    data["day"], data["start_time"], data["practitioner"] = parts
    return data


@staff_only
@require_http_methods(["GET", "POST"])
def appointment_create(request):
    """Book for a patient on the phone, in about four steps: click a free time on the calendar
    (practitioner, day and time come filled in), find the patient as you type, choose them
    (or "New patient"), book. The same service and guard as online, in staff words."""
    context = selectors.booking_context()
    initial = {
        "day": _parse_day(request.GET.get("day"), datetime.now(context.zone).date()),
        "start_time": request.GET.get("start_time") or time(9, 0),
        "practitioner": request.GET.get("practitioner") or None,
    }
    # From the patient's chart ("Book next visit"): that record is chosen already.
    known = request.GET.get("patient", "")
    chosen = Patient.objects.filter(pk=known).first() if known.isdigit() else None
    if chosen is not None:
        initial["patient"] = chosen.pk
        last = chosen.appointments.exclude(status=Appointment.Status.CANCELLED).last()
        if last is not None and not request.GET.get("practitioner"):
            initial["practitioner"] = last.practitioner_id
            initial["start_time"] = last.start.astimezone(context.zone).time()
    data = _alternative(request.POST) if request.method == "POST" else None
    form = PhoneBookingForm(data, initial=initial)
    # A new patient's first visit asks the red-flag questions, as online: an app above
    # booking (intake) answers this hook with the questions, their rules and their storage.
    kit = next((fn() for fn in hooks.get_hooks("phone_booking_screening")), None)
    screen_form = kit.form(data) if kit else None
    status, alternatives, lookalikes, needed, emergency = 200, [], [], False, ""
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            cleaned = form.cleaned_data
            patient = cleaned["patient"] if cleaned["patient"] != "new" else None
            chosen = patient
            details = form.details() if patient is None else None
            if details is not None and not cleaned["confirm_new"]:
                lookalikes = selectors.patient_lookalikes(details)
            practitioner = cleaned["practitioner"]
            service = cleaned["service"] or _service_for(patient, practitioner)
            needed = bool(kit and service and kit.needed(service))
            screening, attach = None, None
            if lookalikes:
                form.add_error(
                    None,
                    "These records may be the same person. Choose one, or tick “None of "
                    "these” to make a new record.",
                )
                status = 409
            elif service is None:
                form.add_error("service", f"{practitioner.name} offers no services yet.")
                status = 400
            elif needed and not screen_form.is_valid():
                form.add_error(
                    None,
                    f"{service.name} is a first visit: ask the screening questions below "
                    "before booking.",
                )
                status = 400
            else:
                if needed:
                    screening, emergency = kit.result(screen_form)
                    attach = kit.attach(screening, service) if screening else None
                if emergency:
                    status = 409
                    audit(
                        user=request.user,
                        action=AuditEvent.Action.CREATE,
                        object_type="intake.screening",
                        summary="phone screening: emergency advice given, nothing booked",
                    )
                else:
                    try:
                        appointment = services.appointment_book(
                            service=service,
                            practitioner=practitioner,
                            start=_start(form, context),
                            patient=patient or details,
                            source=Appointment.Source.STAFF,
                            context=context,
                            with_booking=attach,
                        )
                    except services.BookingError as error:
                        form.add_error(None, services.staff_reason(error, practitioner))
                        alternatives = _alternatives(error.alternatives)
                        status = 409
                    else:
                        audit(
                            user=request.user,
                            action=AuditEvent.Action.CREATE,
                            obj=appointment,
                            summary=f"booked by phone {appointment.reference}",
                        )
                        messages.success(request, booked_message(appointment, context.zone))
                        if screening is not None and (advice := kit.advice(screening)):
                            messages.warning(request, f"Read to the caller: {advice}")
                        return redirect("booking_calendar:appointment", appointment.pk)
    elif chosen is not None:
        audit(user=request.user, action=AuditEvent.Action.VIEW, obj=chosen, summary="book by phone")
    return TemplateResponse(
        request,
        "booking/staff/new.html",
        {
            "form": form,
            "chosen": chosen if isinstance(chosen, Patient) else None,
            "lookalikes": lookalikes,
            "alternatives": alternatives,
            "zone": context.zone,
            "emergency": emergency,
            "screening": kit.render(request, screen_form, needed=needed) if kit else "",
        },
        status=status,
    )


@staff_only
@require_POST
def patient_search(request):
    """htmx, as the desk types: matching patients as choices for the booking form. A POST, so
    what was typed (a name, a birthday) stays out of addresses and logs."""
    # PostgreSQL refuses a NUL in a string; no name, phone or email has a control character.
    query = "".join(ch for ch in request.POST.get("q", "")[:100] if ch.isprintable())
    found = selectors.patient_search(query)
    if found:
        audit(
            user=request.user,
            action=AuditEvent.Action.VIEW,
            object_type="booking.patient_search",
            object_id="",
            summary="patient search for phone booking, shown: "
            + ", ".join(p.reference for p in found),
        )
    return TemplateResponse(
        request,
        "booking/staff/_patient_choices.html",
        {
            "patients": found,
            "searched": len(query.strip()) >= 2,
            "selected": request.POST.get("patient"),
            # Not seen or booked before: the usual visit is a first one, with screening.
            "first_visit": selectors.not_in_care(found),
        },
    )


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
# Days a plan's visits fall on by default, by visits a week (spread over the working week).
SPREAD = {1: [1], 2: [0, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4]}


class SeriesForm(forms.Form):
    """A series of visits in one step: the days of the week, the clinic time, how many."""

    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None)
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True), empty_label=None
    )
    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From")
    at = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}), label="At (clinic time)"
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple, label="On"
    )
    count = forms.IntegerField(min_value=1, max_value=60, label="Number of visits")

    def clean_first_day(self):
        day, today = self.cleaned_data["first_day"], timezone.now().date()
        if not today - timedelta(days=30) <= day <= today + services.STAFF_HORIZON:
            raise forms.ValidationError(
                "Start within the coming year (or the past month, to fill in visits)."
            )
        return day

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Follow-up services first: a series is visits after the evaluation.
        self.fields["service"].queryset = Service.objects.order_by("-audience", "sort_order")


def _series_initial(request, patient: Patient, context) -> dict:
    """From the last visit (practitioner, service, time) and, where an app above keeps a plan
    of care, its visits a week and the visits left to book (the `series_defaults` hook: the
    numbers only, never the plan, and never through the address)."""
    last = (
        patient.appointments.exclude(status=Appointment.Status.CANCELLED).order_by("start").last()
    )
    per_week, count = 2, 12
    for fn in hooks.get_hooks("series_defaults"):
        if found := fn(request, patient):
            per_week = min(max(found["per_week"], 1), 5)
            count = min(max(found["count"], 1), 60)
    returning = Service.objects.filter(audience=Service.Audience.RETURNING).first()
    return {
        "service": returning.pk if returning else (last.service_id if last else None),
        "practitioner": last.practitioner_id if last else None,
        # The day after the latest visit booked (the evaluation, say), and not before tomorrow.
        "first_day": max(
            datetime.now(context.zone).date(),
            last.start.astimezone(context.zone).date() if last else date.min,
        )
        + timedelta(days=1),
        "at": last.start.astimezone(context.zone).time() if last else time(9),
        "weekdays": SPREAD[per_week],
        "count": count,
    }


@staff_only
@require_http_methods(["GET", "POST"])
def series(request, pk):
    """Book a patient's series of visits (twice a week for six weeks) in one step, through the
    same guard as every booking: each clash is listed with the nearest free times."""
    patient = get_object_or_404(Patient, pk=pk)
    context = selectors.booking_context()
    result, status = None, 200
    form = SeriesForm(request.POST or None, initial=_series_initial(request, patient, context))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            starts = services.series_starts(
                first_day=data["first_day"],
                weekdays=data["weekdays"],
                at=data["at"],
                count=data["count"],
                zone=context.zone,
            )
            booked, clashes = services.appointment_series_book(
                service=data["service"],
                practitioner=data["practitioner"],
                patient=patient,
                starts=starts,
            )
            audit(
                user=request.user,
                action=AuditEvent.Action.CREATE,
                obj=patient,
                summary=f"series booked: {len(booked)} of {len(starts)} visits: "
                + ", ".join(a.reference for a in booked),
            )
            result = {"booked": booked, "clashes": clashes, "asked": len(starts)}
            # A fresh form for what is left, from the visits just booked.
            form = SeriesForm(initial=_series_initial(request, patient, context))
            if clashes:
                status = 409 if not booked else 200
        else:
            status = 400
    else:
        audit(user=request.user, action=AuditEvent.Action.VIEW, obj=patient, summary="series form")
    return TemplateResponse(
        request,
        "booking/staff/series.html",
        {"form": form, "patient": patient, "result": result, "zone": context.zone},
        status=status,
    )


def _feeds_for(user):
    """A feed's address is a credential: a practitioner sees their own; whoever manages
    practitioners sees all."""
    practitioners = Practitioner.objects.filter(active=True)
    if user.has_perm("booking.change_practitioner"):
        return practitioners
    return practitioners.filter(user=user)


@staff_only
@require_http_methods(["GET", "POST"])
def feed_revoke(request, pk):
    """Give a practitioner a new private feed address; the old one stops working. GET asks
    to confirm (every phone subscribed to the old address must subscribe again)."""
    practitioner = get_object_or_404(_feeds_for(request.user), pk=pk)
    if request.method == "GET":
        return TemplateResponse(
            request, "booking/staff/feed_revoke.html", {"practitioner": practitioner}
        )
    practitioner.calendar_token = new_calendar_token()
    practitioner.save(update_fields=["calendar_token"])
    audit(
        user=request.user,
        action=AuditEvent.Action.CHANGE,
        obj=practitioner,
        summary="calendar feed address replaced",
    )
    messages.success(
        request,
        f"New calendar feed address for {practitioner.name}: the old one no longer works.",
    )
    return redirect(reverse("booking_calendar:feeds"))


@staff_only
def feeds(request):
    # The addresses are credentials: who saw them is kept.
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="booking.practitioner",
        summary="calendar feed addresses",
    )
    return TemplateResponse(
        request,
        "booking/staff/feeds.html",
        {
            "rows": [
                (p, request.build_absolute_uri(reverse("booking:feed", args=[p.calendar_token])))
                for p in _feeds_for(request.user)
            ],
        },
    )


def today_panel(request):
    """The dashboard's day: a therapist linked to a practitioner sees their own schedule; the
    desk sees the clinic's, with check-in, intake done or not, and (for clinical staff only,
    through the `calendar_flags` hook) what waits for review."""
    context = selectors.booking_context()
    now = timezone.now()
    today = now.astimezone(context.zone).date()
    mine = getattr(request.user, "practitioner", None)
    visits = [
        a
        for a in selectors.appointments_between(
            *selectors.local_day_bounds(today, today, context.zone)
        )
        if a.status != Appointment.Status.CANCELLED
        and (mine is None or a.practitioner_id == mine.pk)
    ]
    ids = [a.pk for a in visits]
    labels: dict[int, list[str]] = {}
    for name in ("visit_labels", "calendar_flags"):
        for fn in hooks.get_hooks(name):
            for pk, found in fn(request, ids).items():
                labels.setdefault(pk, []).extend(found)
    for a in visits:
        a.labels = labels.get(a.pk, [])
        a.can_arrive = (
            a.status == Appointment.Status.BOOKED
            and a.arrived_at is None
            and a.start - services.ARRIVAL_WINDOW <= now <= a.end
        )
    audit(
        user=request.user,
        action=AuditEvent.Action.VIEW,
        object_type="booking.calendar",
        object_id=f"{today}",
        summary=f"dashboard: {len(visits)} visits today",
    )
    return {
        "visits": visits,
        "on_closed_days": selectors.booked_on_closed_days(context, today, mine),
        "mine": mine,
        "today": today,
        "now": now,
        "zone": context.zone,
        "arrived": sum(1 for a in visits if a.arrived_at or a.status == "completed"),
    }
