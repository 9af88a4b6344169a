"""The patient's booking flow, server-rendered: service → practitioner → time → details →
review → confirm; and the private manage page behind a signed link."""

import re
import secrets
import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from physiofit.booking import ical, identity, selectors, services
from physiofit.booking.forms import (
    BookingDetailsForm,
    PatientDetailsForm,
    VisitReasonForm,
    WaitlistForm,
)
from physiofit.booking.links import appointment_from_token, link_expired, message, render
from physiofit.booking.models import Appointment, Patient, Practitioner, Service
from physiofit.booking.tokens import manage_link_create, offer_from_token
from physiofit.core.models import ClinicSettings, clinic_today
from physiofit.core.ratelimit import over_limit
from physiofit.intake import selectors as intake_selectors
from physiofit.intake import services as intake_services
from physiofit.intake.gate import forget_screening, outcome_page, screening_gate, session_screening

from .picker import time_picker

ANY = "any"
IDEMPOTENCY_KEY = re.compile(r"[-A-Za-z0-9_]{1,64}")
# The typed details between the details step and the confirmation: kept in the session, so
# the review is a plain GET (the back button never resubmits a form) and no detail is ever
# in a URL.
DETAILS_KEY = "booking_details"
# Typed details are kept for one booking attempt, not for the browser's session: on a shared
# computer the next person must not find the last one's name and birthday filled in.
DETAILS_KEPT_FOR = 30 * 60  # seconds


def _kept_details(request) -> dict | None:
    kept = request.session.get(DETAILS_KEY)
    if not isinstance(kept, dict) or "at" not in kept:
        request.session.pop(DETAILS_KEY, None)
        return None
    if time.time() - kept["at"] > DETAILS_KEPT_FOR:
        request.session.pop(DETAILS_KEY, None)
        return None
    return kept["data"]


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
        "within_cutoff": start_at - timezone.now() < context.policy.cancel_cutoff,
        "cutoff_hours": context.policy.cancel_cutoff_hours,
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


def _booking_for(request, service: Service) -> tuple[TemplateResponse | None, Patient | None]:
    """The page refusing a follow-up to someone not signed in, or else the signed-in patient
    the visit is booked for (None: a new patient, who types their details)."""
    gate, known = _in_care_gate(request, service)
    if gate:
        return gate, None
    return None, known or identity.known_patient(request)


def _who(service: Service, who: str) -> Practitioner | None:
    if who == ANY:
        return None
    return get_object_or_404(selectors.practitioners_for(service), slug=who)


def _opening(
    request, service_slug: str, who: str, *, screen_new: bool = True
) -> tuple[TemplateResponse | None, Service, Practitioner | None, Patient | None]:
    """What every booking step starts with: the service and practitioner named in the address,
    then the screening and sign-in gates. Returns (a gate's page or None, service, practitioner,
    the signed-in patient the visit is for or None). screen_new=False leaves a new-patient
    service's screening to the booking itself (confirm: a double click must replay)."""
    service = _service(service_slug)
    practitioner = _who(service, who)
    screen = screen_new or service.audience == Service.Audience.RETURNING
    if screen and (gate := screening_gate(request, service)):
        return gate, service, practitioner, None
    gate, known = _booking_for(request, service)
    return gate, service, practitioner, known


def _parse_start(value: str | None) -> datetime | None:
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return start if start.tzinfo else None


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


def _details_url(service, who, start_at) -> str:
    return (
        reverse("booking:details", args=[service.slug, who])
        + "?"
        + urlencode({"start": start_at.isoformat()})
    )


def _names(service) -> dict[str, str]:
    return {p.slug: str(p) for p in selectors.practitioners_for(service)}


def start(request):
    services = selectors.bookable_services()
    context = selectors.booking_context()
    return render(
        request,
        "start",
        {
            "services": services,
            "known": identity.known_patient(request),
            "cutoff_hours": context.policy.cancel_cutoff_hours,
        },
    )


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
    """Choose a time: the next available one, or a day in the month picker, then its times."""
    gate, service, practitioner, _known = _opening(request, service_slug, who)
    if gate:
        return gate
    context = selectors.booking_context()
    picker = time_picker(
        service=service,
        practitioner=practitioner,
        context=context,
        now=timezone.now(),
        params=request.GET,
        slot_url=lambda slot: _details_url(service, who, slot.start),
        names=_names(service) if practitioner is None else None,
    )
    return render(
        request,
        "week",
        {
            "service": service,
            "practitioner": practitioner,
            "who": who,
            "picker": picker,
            "zone": context.zone,
            "cutoff_hours": context.policy.cancel_cutoff_hours,
            "lead": f"{service.name} · {service.duration_minutes} minutes",
        },
    )


@require_http_methods(["GET", "POST"])
def details(request, service_slug, who):
    """GET: the details form for a chosen time. POST: validate, keep them in the session and
    go to the review (a signed-in patient goes straight there: their details are on file)."""
    gate, service, practitioner, known = _opening(request, service_slug, who)
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
    review_url = (
        reverse("booking:review", args=[service.slug, who])
        + "?"
        + urlencode({"start": start_at.isoformat()})
    )
    if known is not None:
        return HttpResponseRedirect(review_url)
    if request.method == "GET":
        # Back from the review: what was typed is still there.
        form = BookingDetailsForm(initial=_kept_details(request))
        return render(request, "details", {**base, "form": form})
    if refusal := _rate_limited(request):
        return refusal
    form = BookingDetailsForm(request.POST)
    if not form.is_valid():
        return render(request, "details", {**base, "form": form}, status=400)
    request.session[DETAILS_KEY] = {
        "at": time.time(),
        "data": {name: request.POST.get(name, "") for name in form.fields if name in request.POST},
    }
    return HttpResponseRedirect(review_url)


def review(request, service_slug, who):
    """The booking to confirm, with the details kept from the details step (or on file)."""
    gate, service, practitioner, known = _opening(request, service_slug, who)
    if gate:
        return gate
    start_at = _parse_start(request.GET.get("start"))
    if start_at is None:
        return _no_time(request)
    context = selectors.booking_context()
    base = _chosen(service, practitioner, who, start_at, context)
    if refused := _check_start(request, base, context):
        return refused
    page = {**base, "idempotency_key": secrets.token_urlsafe(24)}
    if known is not None:
        return render(
            request,
            "review",
            {**page, "patient": known, "known": True, "reason_form": VisitReasonForm()},
        )
    form = BookingDetailsForm(_kept_details(request) or {})
    if not form.is_valid():  # none kept (a new browser, or already booked): ask again
        return HttpResponseRedirect(_details_url(service, who, start_at))
    return render(
        request,
        "review",
        {
            **page,
            "form": form,
            "patient": form.details(),
            "reason": form.cleaned_data.get("reason_for_visit", ""),
        },
    )


@require_POST
def confirm(request, service_slug, who):
    # New-patient screening is checked by the booking below (a double click must replay);
    # a follow-up asks no questions, so its gates run here.
    gate, service, practitioner, known = _opening(request, service_slug, who, screen_new=False)
    if gate:
        return gate
    start_at = _parse_start(request.POST.get("start"))
    if start_at is None:
        return _no_time(request)
    form = BookingDetailsForm(request.POST) if known is None else VisitReasonForm(request.POST)
    context = selectors.booking_context()
    base = _chosen(service, practitioner, who, start_at, context)
    if known is not None and not form.is_valid():
        return render(
            request,
            "review",
            {
                **base,
                "patient": known,
                "known": True,
                "reason_form": form,
                "idempotency_key": request.POST.get("idempotency_key", ""),
            },
            status=400,
        )
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
            "reason": form.cleaned_data.get("reason_for_visit", ""),
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
            reason_for_visit=form.cleaned_data.get("reason_for_visit", ""),
        )
    except intake_services.IntakeError as error:
        if error.code == "seek_emergency_care":
            return outcome_page(request, service, "emergency", (), status=403)
        return HttpResponseRedirect(reverse("intake:screening", args=[service.slug]))
    except services.BookingError as error:
        return _refused(request, base, error)
    forget_screening(request, service)
    request.session.pop(DETAILS_KEY, None)
    return HttpResponseRedirect(
        reverse("booking:manage", args=[manage_link_create(appointment=appointment)]) + "?booked=1"
    )


def _changeable(appointment: Appointment, context) -> bool:
    return (
        appointment.status == Appointment.Status.BOOKED
        and appointment.start - timezone.now() >= context.policy.cancel_cutoff
    )


def _book_again_url(appointment: Appointment) -> str | None:
    """A cancelled visit is not moved but booked anew, through the normal flow, for the same
    service (the same practitioner is one click further: they may not be free)."""
    if not appointment.service.bookable_online:
        return None
    if appointment.service.audience == Service.Audience.RETURNING:
        # A follow-up is booked signed in (the patient page sends a sign-in link): the
        # booking pages refuse it to a visitor they cannot tell from anyone else.
        return reverse("intake:portal")
    return reverse("booking:practitioner", args=[appointment.service.slug])


def manage(request, token):
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    context = selectors.booking_context()
    return render(
        request,
        "manage",
        {
            "appointment": appointment,
            "token": token,
            "zone": context.zone,
            "changeable": _changeable(appointment, context),
            "cutoff_hours": context.policy.cancel_cutoff_hours,
            "booked": request.GET.get("booked") == "1",
            "intake": intake_selectors.intake_state(appointment=appointment),
            "screening_pending": intake_selectors.screening_pending(appointment=appointment),
            "changed": request.GET.get("changed"),
            "calendar_links": ical.calendar_links(appointment, ClinicSettings.for_request(request)),
            "book_again_url": _book_again_url(appointment),
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


def _not_changeable(request, appointment: Appointment, context, token: str):
    """The page for a visit that can no longer be changed online, or None."""
    if appointment.status == Appointment.Status.CANCELLED:
        return HttpResponseRedirect(reverse("booking:manage", args=[token]))
    if not _changeable(appointment, context):
        clinic = ClinicSettings.for_request(request)
        return message(
            request,
            "This appointment cannot be changed online",
            services.BookingError(
                "cutoff_passed"
                if appointment.status == Appointment.Status.BOOKED
                else "not_active",
                hours=context.policy.cancel_cutoff_hours,
                phone=clinic.phone,
            ).message,
            409,
        )
    return None


@require_http_methods(["GET", "POST"])
def manage_cancel(request, token):
    """GET: are you sure? POST: cancel, then the manage page offers to book again."""
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    context = selectors.booking_context()
    if request.method == "GET":
        if refused := _not_changeable(request, appointment, context, token):
            return refused
        return render(
            request,
            "cancel",
            {"appointment": appointment, "token": token, "zone": context.zone},
        )
    try:
        services.appointment_cancel(appointment=appointment)
    except services.BookingError as error:
        return message(request, "This appointment cannot be cancelled online", error.message, 409)
    return HttpResponseRedirect(reverse("booking:manage", args=[token]) + "?changed=cancelled")


def _reschedule_target(appointment: Appointment, slug: str | None) -> Practitioner | None:
    """The practitioner a new time is with: one of the service's, or the current one."""
    if not slug:
        return appointment.practitioner
    return get_object_or_404(selectors.practitioners_for(appointment.service), slug=slug)


@require_http_methods(["GET", "POST"])
def manage_reschedule(request, token):
    """GET: the time picker (the current practitioner's times, another's, or anyone's); with a
    chosen `start`, are you sure? POST: move. The same time is refused quietly: nothing sent."""
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    context = selectors.booking_context()
    now = timezone.now()
    manage_url = reverse("booking:manage", args=[token])
    if request.method == "POST":
        start_at = _parse_start(request.POST.get("start"))
        if start_at is None:
            return message(
                request, "Choose a time first", "Please pick a new time from the list.", 400
            )
        target = _reschedule_target(appointment, request.POST.get("practitioner"))
        if start_at == appointment.start and target == appointment.practitioner:
            return HttpResponseRedirect(manage_url + "?changed=same")
        try:
            services.appointment_reschedule(
                appointment=appointment, start=start_at, practitioner=target, now=now
            )
        except services.BookingError as error:
            base = {"service": appointment.service, "zone": context.zone, "practitioner": target}
            return _refused(request, {**base, "reschedule_token": token}, error)
        return HttpResponseRedirect(manage_url + "?changed=moved")
    if appointment.status == Appointment.Status.CANCELLED and (
        again := _book_again_url(appointment)
    ):
        return HttpResponseRedirect(again)
    if refused := _not_changeable(request, appointment, context, token):
        return refused
    choices = list(selectors.practitioners_for(appointment.service))
    if (start_at := _parse_start(request.GET.get("start"))) is not None:
        target = _reschedule_target(appointment, request.GET.get("practitioner"))
        if start_at == appointment.start and target == appointment.practitioner:
            return HttpResponseRedirect(manage_url + "?changed=same")
        base = {**_chosen(appointment.service, target, "", start_at, context)}
        try:
            services.appointment_check_start(
                service=appointment.service,
                practitioner=target,
                start=start_at,
                context=context,
                exclude_appointment=appointment.pk,
            )
        except services.BookingError as error:
            return _refused(request, {**base, "reschedule_token": token}, error)
        return render(
            request,
            "reschedule_confirm",
            {**base, "appointment": appointment, "token": token},
        )
    slugs = {p.slug for p in choices}
    who = request.GET.get("with") or appointment.practitioner.slug
    if who != ANY and who not in slugs:
        who = appointment.practitioner.slug
    shown = None if who == ANY else next((p for p in choices if p.slug == who), None)
    if who != ANY and shown is None:  # the current practitioner no longer offers it
        who = ANY
    url = reverse("booking:reschedule", args=[token])

    def slot_url(slot) -> str:
        return (
            url
            + "?"
            + urlencode({"start": slot.start.isoformat(), "practitioner": slot.practitioner})
        )

    picker = time_picker(
        service=appointment.service,
        practitioner=shown,
        context=context,
        now=now,
        params=request.GET,
        slot_url=slot_url,
        keep={"with": who},
        exclude=appointment.pk,
        names={p.slug: str(p) for p in choices},
    )
    return render(
        request,
        "reschedule",
        {
            "appointment": appointment,
            "token": token,
            "picker": picker,
            "who": who,
            "any": ANY,
            "choices": choices,
            "zone": context.zone,
            "cutoff_hours": context.policy.cancel_cutoff_hours,
        },
    )


@require_http_methods(["GET", "POST"])
def waitlist(request, service_slug, who):
    gate, service, practitioner, known = _opening(request, service_slug, who)
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
    entry = services.waitlist_join(
        service=service,
        practitioner=practitioner,
        patient=known or form.details(),
        first_day=data["first_day"],
        last_day=data["last_day"],
        mornings=data["mornings"],
        afternoons=data["afternoons"],
        evenings=data["evenings"],
    )
    # The screening answered before joining goes with the wish to the visit booked from it.
    intake_services.screening_keep_for_waitlist(
        screening=session_screening(request, service), entry=entry
    )
    forget_screening(request, service)
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
            entry=entry,
            practitioner=practitioner,
            start=start_at,
            with_booking=intake_services.waitlist_screening_attach(entry),
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
