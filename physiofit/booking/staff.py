"""Staff calendar in the Wagtail admin: day and week views, appointment detail and actions,
booking by phone. Every view or change of patient data is written to the audit log."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks

from physiofit.core.models import AuditEvent, audit

from . import selectors, services, tokens
from . import slots as engine
from .forms import PatientDetailsForm
from .models import Appointment, Patient, Practitioner, Service, TimeOff
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


@staff_only
def calendar(request):
    context = selectors.booking_context()
    today = datetime.now(context.zone).date()
    view = "day" if request.GET.get("view") == "day" else "week"
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
    last = first + timedelta(days=0 if view == "day" else 6)
    practitioners = list(Practitioner.objects.filter(active=True))
    chosen = next((p for p in practitioners if str(p.pk) == request.GET.get("practitioner")), None)
    start, end = selectors.local_day_bounds(first, last, context.zone)
    appointments = list(selectors.appointments_between(start, end, chosen))
    off = TimeOff.objects.filter(first_day__lte=last, last_day__gte=first).select_related(
        "practitioner"
    )
    if chosen:
        off = off.filter(practitioner=chosen)
    days = []
    for offset in range((last - first).days + 1):
        current = first + timedelta(days=offset)
        days.append(
            {
                "day": current,
                "appointments": [
                    a for a in appointments if a.start.astimezone(context.zone).date() == current
                ],
                "time_off": [t for t in off if t.first_day <= current <= t.last_day],
            }
        )
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
        object_id=f"{first}..{last}",
        summary=f"{len(appointments)} appointments shown",
    )
    step = timedelta(days=1 if view == "day" else 7)
    return TemplateResponse(
        request,
        "booking/staff/calendar.html",
        {
            "days": days,
            "view": view,
            "first": first,
            "last": last,
            "zone": context.zone,
            "practitioners": practitioners,
            "chosen": chosen,
            "previous": first - step,
            "next": first + step,
            "today": today,
        },
        status=status,
    )


class MoveForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    practitioner = forms.ModelChoiceField(Practitioner.objects.filter(active=True))


class PhoneBookingForm(PatientDetailsForm, MoveForm):
    service = forms.ModelChoiceField(Service.objects.all())

    field_order = [
        "service",
        "practitioner",
        "day",
        "start_time",
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
    ]


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
        },
    )


@staff_only
@require_POST
def appointment_action(request, pk):
    appointment = get_object_or_404(Appointment, pk=pk)
    action = request.POST.get("action")
    context = selectors.booking_context()
    try:
        if action == "cancel":
            services.appointment_cancel(appointment=appointment, staff=True)
            messages.success(request, f"Appointment {appointment.reference} cancelled.")
        elif action in ("completed", "no_show"):
            services.appointment_set_status(appointment=appointment, status=action)
            messages.success(
                request, f"Appointment {appointment.reference} marked {action.replace('_', '-')}."
            )
        elif action == "move":
            form = MoveForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a valid day, time and practitioner to move to.")
                return redirect("booking_calendar:appointment", pk)
            services.appointment_reschedule(
                appointment=appointment,
                start=_start(form, context),
                practitioner=form.cleaned_data["practitioner"],
                staff=True,
            )
            messages.success(request, f"Appointment {appointment.reference} moved.")
        else:
            messages.error(request, "Unknown action.")
            return redirect("booking_calendar:appointment", pk)
    except services.BookingError as error:
        messages.error(request, error.message)
        return redirect("booking_calendar:appointment", pk)
    audit(user=request.user, action=AuditEvent.Action.CHANGE, obj=appointment, summary=action)
    return redirect("booking_calendar:appointment", pk)


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


@staff_only
def appointment_create(request):
    """Book for a patient on the phone: the same service and the same guard as online."""
    context = selectors.booking_context()
    initial = {"day": datetime.now(context.zone).date(), "start_time": time(9, 0)}
    # From the patient's chart ("Book next visit"): the booking is for that record, whose
    # details are shown, not retyped (a typo would otherwise make a second record).
    known = request.GET.get("patient", "")
    patient = Patient.objects.filter(pk=known).first() if known.isdigit() else None
    if patient is not None:
        initial["service"] = Service.objects.filter(audience=Service.Audience.RETURNING).first()
        last = patient.appointments.exclude(status=Appointment.Status.CANCELLED).last()
        if last is not None:
            initial["practitioner"] = last.practitioner_id
            initial["start_time"] = last.start.astimezone(context.zone).time()
    form = PhoneBookingForm(request.POST or None, initial=initial)
    if patient is not None:
        for name in ("first_name", "last_name", "email", "phone", "date_of_birth"):
            del form.fields[name]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appointment = services.appointment_book(
                    service=form.cleaned_data["service"],
                    practitioner=form.cleaned_data["practitioner"],
                    start=_start(form, context),
                    patient=patient or form.details(),
                    source=Appointment.Source.STAFF,
                    context=context,
                )
            except services.BookingError as error:
                form.add_error(None, error.message)
                status = 409
            else:
                audit(
                    user=request.user,
                    action=AuditEvent.Action.CREATE,
                    obj=appointment,
                    summary=f"booked by phone {appointment.reference}",
                )
                messages.success(request, f"Booked {appointment.reference}.")
                return redirect("booking_calendar:appointment", appointment.pk)
        else:
            status = 400
    return TemplateResponse(
        request, "booking/staff/new.html", {"form": form, "patient": patient}, status=status
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


@staff_only
def feed_revoke(request, pk):
    """Give a practitioner a new private feed address; the old one stops working."""
    practitioner = get_object_or_404(Practitioner, pk=pk)
    if request.method == "POST":
        from .models import new_calendar_token

        practitioner.calendar_token = new_calendar_token()
        practitioner.save(update_fields=["calendar_token"])
        messages.success(request, f"New calendar feed address for {practitioner.name}.")
    return redirect(reverse("booking_calendar:feeds"))


@staff_only
def feeds(request):
    practitioners = Practitioner.objects.filter(active=True)
    return TemplateResponse(
        request,
        "booking/staff/feeds.html",
        {
            "rows": [
                (p, request.build_absolute_uri(reverse("booking:feed", args=[p.calendar_token])))
                for p in practitioners
            ],
        },
    )
