"""The patient's booking flow, server-rendered: service → practitioner → week → details →
review → confirm; and the private manage page behind a signed link."""

import re
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from physiofit.booking import ical, identity, selectors, services
from physiofit.booking.forms import PatientDetailsForm, WaitlistForm
from physiofit.booking.links import appointment_from_token, link_expired, message, render
from physiofit.booking.models import Appointment, Patient, Practitioner, Service
from physiofit.booking.tokens import manage_link_create, offer_from_token
from physiofit.core.models import ClinicSettings, clinic_today
from physiofit.core.ratelimit import over_limit
from physiofit.intake import selectors as intake_selectors
from physiofit.intake import services as intake_services
from physiofit.intake.gate import forget_screening, outcome_page, screening_gate, session_screening

ANY = "any"
IDEMPOTENCY_KEY = re.compile(r"[-A-Za-z0-9_]{1,64}")


def _rate_limited(request) -> TemplateResponse | None:
    if over_limit(request, scope="booking", limit=settings.BOOKING_RATE_LIMIT, window_seconds=600):
        return message(
            request,
            "Too many attempts",
            "Please wait a few minutes, or call the clinic to book.",
            429,
        )
    return None


def _no_time(request) -> TemplateResponse:
    return message(
        request,
        "Choose a time first",
        "That link does not name a valid time. Please pick a time from the week view.",
        400,
    )


def _chosen(service, practitioner, who, start_at, context) -> dict:
    """What the details, review and confirm pages show of the chosen visit."""
    return {
        "service": service,
        "practitioner": practitioner,
        "who": who,
        "start": start_at,
        "zone": context.zone,
    }


def _service(slug: str) -> Service:
    return get_object_or_404(selectors.bookable_services(), slug=slug)


def _in_care_gate(request, service: Service) -> tuple[TemplateResponse | None, Patient | None]:
    """For a returning-patient service: the signed-in patient it is booked for, or the page
    explaining follow-ups are for current patients. (None, None) for other services."""
    if service.audience != Service.Audience.RETURNING:
        return None, None
    patient = identity.known_patient(request)
    if patient is not None:
        return None, patient
    page = render(
        request,
        "current_patients_only",
        {
            "service": service,
            "sign_in_url": identity.sign_in_url(),
            "initial": selectors.bookable_services().filter(audience=Service.Audience.NEW).first(),
        },
        status=403,
    )
    return page, None


def _who(service: Service, who: str) -> Practitioner | None:
    if who == ANY:
        return None
    return get_object_or_404(selectors.practitioners_for(service), slug=who)


def _parse_start(value: str | None) -> datetime | None:
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return start if start.tzinfo else None


def _parse_week(value: str | None, today: date, last_day: date) -> date:
    """The Monday of the asked week, between today's and the booking horizon's."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    day = min(max(day, today), last_day)
    return day - timedelta(days=day.weekday())


def _horizon_day(context, now) -> date:
    return (now + context.policy.horizon).astimezone(context.zone).date()


def _refused(request, base: dict, error: services.BookingError) -> TemplateResponse:
    """The page saying why a chosen time cannot be booked, with the nearest free ones."""
    status = 409 if error.code in ("slot_taken", "cutoff_passed", "not_active") else 400
    time_refused = error.code in services.START_REFUSALS.values()
    return render(
        request, "taken", {**base, "error": error, "time_refused": time_refused}, status=status
    )


def _check_start(request, base: dict, context, exclude=None) -> TemplateResponse | None:
    """Every step that carries a chosen time says at once why it is not offered, if it is not."""
    try:
        services.appointment_check_start(
            service=base["service"],
            practitioner=base.get("practitioner"),
            start=base["start"],
            context=context,
            exclude_appointment=exclude,
        )
    except services.BookingError as error:
        return _refused(request, base, error)
    return None


def _week_days(context, service, practitioner, week_start, now, exclude=None):
    last = week_start + timedelta(days=6)
    found = selectors.slot_search(
        service=service,
        practitioner=practitioner,
        first_day=week_start,
        last_day=last,
        now=now,
        context=context,
        exclude_appointment=exclude,
    )
    by_day = {week_start + timedelta(days=i): [] for i in range(7)}
    for slot in found:
        by_day[slot.start.astimezone(context.zone).date()].append(slot)
    return [{"day": day, "slots": slots} for day, slots in by_day.items()], bool(found)


def start(request):
    services = selectors.bookable_services()
    return render(request, "start", {"services": services})


def choose_practitioner(request, service_slug):
    service = _service(service_slug)
    if gate := screening_gate(request, service):
        return gate
    if gate := _in_care_gate(request, service)[0]:
        return gate
    return render(
        request,
        "practitioner",
        {
            "service": service,
            "practitioners": selectors.practitioners_for(service),
            "any": ANY,
        },
    )


def week(request, service_slug, who):
    service = _service(service_slug)
    practitioner = _who(service, who)
    if gate := screening_gate(request, service):
        return gate
    if gate := _in_care_gate(request, service)[0]:
        return gate
    context = selectors.booking_context()
    now = timezone.now()
    today = now.astimezone(context.zone).date()
    horizon_day = _horizon_day(context, now)
    week_start = _parse_week(request.GET.get("week"), today, horizon_day)
    days, any_free = _week_days(context, service, practitioner, week_start, now)
    next_day = None
    if not any_free:
        next_day = selectors.next_available_day(
            service=service,
            practitioner=practitioner,
            after=week_start + timedelta(days=7),
            now=now,
            context=context,
        )
    return render(
        request,
        "week",
        {
            "service": service,
            "practitioner": practitioner,
            "who": who,
            "days": days,
            "week_start": week_start,
            "zone": context.zone,
            "lead": f"{service.name} · {service.duration_minutes} minutes",
            "previous_week": week_start - timedelta(days=7) if week_start > today else None,
            "next_week": week_start + timedelta(days=7)
            if week_start + timedelta(days=7) <= horizon_day
            else None,
            "next_available": next_day and next_day - timedelta(days=next_day.weekday()),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
def details(request, service_slug, who):
    """GET: the details form for a chosen time. POST: validate, then show the review."""
    service = _service(service_slug)
    practitioner = _who(service, who)
    if gate := screening_gate(request, service):
        return gate
    gate, known = _in_care_gate(request, service)
    if gate:
        return gate
    source = request.POST if request.method == "POST" else request.GET
    start_at = _parse_start(source.get("start"))
    if start_at is None:
        return _no_time(request)
    context = selectors.booking_context()
    base = _chosen(service, practitioner, who, start_at, context)
    if refused := _check_start(request, base, context):
        return refused
    if known is not None:
        # Signed in: booked for their own chart with the details on file, not retyped here.
        return render(
            request,
            "review",
            {**base, "patient": known, "known": True, "idempotency_key": secrets.token_urlsafe(24)},
        )
    if request.method == "GET":
        return render(request, "details", {**base, "form": PatientDetailsForm()})
    if refusal := _rate_limited(request):
        return refusal
    form = PatientDetailsForm(request.POST)
    if not form.is_valid():
        return render(request, "details", {**base, "form": form}, status=400)
    return render(
        request,
        "review",
        {
            **base,
            "form": form,
            "patient": form.details(),
            "idempotency_key": secrets.token_urlsafe(24),
        },
    )


@require_POST
def confirm(request, service_slug, who):
    service = _service(service_slug)
    practitioner = _who(service, who)
    # New-patient screening is checked by the booking below (a double click must replay);
    # a follow-up asks no questions, so its gates run here.
    if service.audience == Service.Audience.RETURNING and (
        gate := screening_gate(request, service)
    ):
        return gate
    gate, known = _in_care_gate(request, service)
    if gate:
        return gate
    start_at = _parse_start(request.POST.get("start"))
    if start_at is None:
        return _no_time(request)
    form = PatientDetailsForm(request.POST)
    context = selectors.booking_context()
    base = _chosen(service, practitioner, who, start_at, context)
    if known is None and not form.is_valid():
        # The time first: the page must not ask to fix details for a time it cannot book.
        # (A valid submit is checked by the booking, after a double click's replay.)
        if refused := _check_start(request, base, context):
            return refused
        return render(request, "details", {**base, "form": form}, status=400)
    if refusal := _rate_limited(request):
        return refusal
    key = request.POST.get("idempotency_key", "")
    key = key if IDEMPOTENCY_KEY.fullmatch(key) else None
    fingerprint = services.idempotency_fingerprint(
        {
            "service": service.slug,
            "practitioner": who,
            "start": start_at.isoformat(),
            "patient": {"id": known.pk} if known else form.cleaned_data,
        }
    )
    try:
        appointment = intake_services.appointment_book_screened(
            screening=session_screening(request, service),
            service=service,
            practitioner=practitioner,
            start=start_at,
            patient=known or form.details(),
            idempotency_key=key and f"web-{key}",
            idempotency_fingerprint=fingerprint,
            context=context,
        )
    except intake_services.IntakeError as error:
        if error.code == "seek_emergency_care":
            return outcome_page(request, service, "emergency", (), status=403)
        return HttpResponseRedirect(reverse("intake:screening", args=[service.slug]))
    except services.BookingError as error:
        return _refused(request, base, error)
    forget_screening(request, service)
    return HttpResponseRedirect(
        reverse("booking:manage", args=[manage_link_create(appointment=appointment)]) + "?booked=1"
    )


def manage(request, token):
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    context = selectors.booking_context()
    changeable = (
        appointment.status == Appointment.Status.BOOKED
        and appointment.start - timezone.now() >= context.policy.cancel_cutoff
    )
    return render(
        request,
        "manage",
        {
            "appointment": appointment,
            "token": token,
            "zone": context.zone,
            "changeable": changeable,
            "cutoff_hours": context.policy.cancel_cutoff_hours,
            "booked": request.GET.get("booked") == "1",
            "intake": intake_selectors.intake_state(appointment=appointment),
            "screening_pending": intake_selectors.screening_pending(appointment=appointment),
            "changed": request.GET.get("changed"),
            "calendar_links": ical.calendar_links(appointment, ClinicSettings.for_request(request)),
        },
    )


def manage_ics(request, token):
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    clinic = ClinicSettings.for_request(request)
    response = HttpResponse(
        ical.appointment_download(appointment, clinic),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="appointment-{appointment.reference}.ics"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def manage_cancel(request, token):
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    try:
        services.appointment_cancel(appointment=appointment)
    except services.BookingError as error:
        return message(request, "This appointment cannot be cancelled online", error.message, 409)
    return HttpResponseRedirect(reverse("booking:manage", args=[token]) + "?changed=cancelled")


@require_http_methods(["GET", "POST"])
def manage_reschedule(request, token):
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    context = selectors.booking_context()
    now = timezone.now()
    if request.method == "POST":
        start_at = _parse_start(request.POST.get("start"))
        if start_at is None:
            return message(
                request, "Choose a time first", "Please pick a new time from the list.", 400
            )
        try:
            services.appointment_reschedule(appointment=appointment, start=start_at, now=now)
        except services.BookingError as error:
            base = {"service": appointment.service, "zone": context.zone}
            return _refused(request, {**base, "reschedule_token": token}, error)
        return HttpResponseRedirect(reverse("booking:manage", args=[token]) + "?changed=moved")
    today = now.astimezone(context.zone).date()
    horizon_day = _horizon_day(context, now)
    week_start = _parse_week(request.GET.get("week"), today, horizon_day)
    days, _ = _week_days(
        context,
        appointment.service,
        appointment.practitioner,
        week_start,
        now,
        exclude=appointment.pk,
    )
    return render(
        request,
        "reschedule",
        {
            "appointment": appointment,
            "token": token,
            "days": days,
            "week_start": week_start,
            "zone": context.zone,
            "previous_week": week_start - timedelta(days=7) if week_start > today else None,
            "next_week": week_start + timedelta(days=7)
            if week_start + timedelta(days=7) <= horizon_day
            else None,
        },
    )


@require_http_methods(["GET", "POST"])
def waitlist(request, service_slug, who):
    service = _service(service_slug)
    practitioner = _who(service, who)
    if gate := screening_gate(request, service):
        return gate
    gate, known = _in_care_gate(request, service)
    if gate:
        return gate
    base = {"service": service, "practitioner": practitioner, "who": who, "known": known}
    if request.method == "GET":
        today = clinic_today()
        form = WaitlistForm(
            initial={
                "first_day": today,
                "last_day": today + timedelta(days=14),
                "mornings": True,
                "afternoons": True,
                "evenings": True,
            }
        )
        return render(request, "waitlist", {**base, "form": _for_known(form, known)})
    if refusal := _rate_limited(request):
        return refusal
    form = _for_known(WaitlistForm(request.POST), known)
    if not form.is_valid():
        return render(request, "waitlist", {**base, "form": form}, status=400)
    data = form.cleaned_data
    services.waitlist_join(
        service=service,
        practitioner=practitioner,
        patient=known or form.details(),
        first_day=data["first_day"],
        last_day=data["last_day"],
        mornings=data["mornings"],
        afternoons=data["afternoons"],
        evenings=data["evenings"],
    )
    return message(
        request,
        "You are on the waiting list",
        "We will email you when a matching time opens up. The first person to book "
        "an offered time gets it.",
        200,
    )


def _for_known(form: WaitlistForm, known: Patient | None) -> WaitlistForm:
    """A signed-in patient is not asked for the details already on file."""
    if known is not None:
        for name in PatientDetailsForm.base_fields:
            form.fields.pop(name, None)
    return form


@require_http_methods(["GET", "POST"])
def offer(request, token):
    offered = offer_from_token(token)
    if offered is None:
        raise Http404("This link is not valid.")
    entry, practitioner = offered.waitlist_entry, offered.offered_practitioner
    start_at = offered.offered_start
    context = selectors.booking_context()
    if request.method == "GET":
        return render(
            request,
            "offer",
            {
                "entry": entry,
                "practitioner": practitioner,
                "start": start_at,
                "zone": context.zone,
                "token": token,
            },
        )
    try:
        appointment = services.waitlist_take_offer(
            entry=entry, practitioner=practitioner, start=start_at
        )
    except services.BookingError as error:
        return render(
            request,
            "taken",
            {"error": error, "service": entry.service, "zone": context.zone},
            status=409,
        )
    return HttpResponseRedirect(
        reverse("booking:manage", args=[manage_link_create(appointment=appointment)]) + "?booked=1"
    )


def practitioner_feed(request, token):
    practitioner = get_object_or_404(Practitioner, calendar_token=token, active=True)
    clinic = ClinicSettings.for_request(request)
    since = timezone.now() - timedelta(days=30)
    appointments = (
        Appointment.objects.filter(practitioner=practitioner, end__gte=since)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("service", "patient", "practitioner")
    )
    response = HttpResponse(
        ical.practitioner_feed(practitioner, appointments, clinic),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"
    return response
