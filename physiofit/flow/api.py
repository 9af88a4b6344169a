"""JSON API (django-ninja), OpenAPI at /api/v1/docs. It parses and renders only: every rule
lives in selectors and services, shared with the HTML flow."""

import re
from datetime import date, datetime
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import StrictBool

from physiofit.booking import selectors, services
from physiofit.booking.forms import PatientDetailsForm, VisitReasonForm
from physiofit.booking.models import Service
from physiofit.booking.tokens import manage_link_create
from physiofit.core.ratelimit import over_limit
from physiofit.intake import services as intake_services
from physiofit.intake import triage

MAX_SEARCH_DAYS = 62
# Slugs and keys are checked before they reach a query: PostgreSQL refuses a NUL byte in text
# with an error, which must be a 4xx here, not a 500.
SLUG = r"^[-a-zA-Z0-9_]{1,80}$"
IDEMPOTENCY_KEY = re.compile(r"[-A-Za-z0-9_.:]{1,64}")

api = NinjaAPI(
    title="PhysioFit booking API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


class ErrorOut(Schema):
    error: str
    message: str


class ServiceOut(Schema):
    slug: str
    name: str
    description: str
    duration_minutes: int
    price: str | None
    audience: str


class PractitionerOut(Schema):
    slug: str
    name: str
    credentials: str
    services: list[str]


class SlotOut(Schema):
    start: datetime
    end: datetime
    practitioner: str


class SlotsOut(Schema):
    timezone: str
    slots: list[SlotOut]


class PatientIn(Schema):
    first_name: str = Field(max_length=200)
    last_name: str = Field(max_length=200)
    email: str = Field(max_length=400)
    phone: str = Field(max_length=100)
    date_of_birth: date
    sms_reminders: StrictBool = Field(
        default=False,
        description="The patient agrees to reminders by text at this phone (false unless they "
        "ticked a box saying so). Ignored when the clinic sends no texts.",
    )


class AppointmentIn(Schema):
    service: str = Field(pattern=SLUG)
    practitioner: str | None = Field(default=None, pattern=SLUG)
    start: datetime
    patient: PatientIn
    reason_for_visit: str = Field(
        default="",
        max_length=300,
        description="The patient's optional few words for their therapist (plain text, one "
        "paragraph; shown to clinical staff only).",
    )
    screening: dict[str, StrictBool] | None = Field(
        default=None,
        description="Red-flag answers, question key to true/false (GET /screening/questions). "
        "Required for new-patient services.",
    )


class ScreeningOut(Schema):
    tier: str
    title: str
    message: str


class QuestionOut(Schema):
    key: str
    text: str


class AppointmentOut(Schema):
    reference: str
    status: str
    start: datetime
    end: datetime
    practitioner: str
    manage_url: str
    screening: ScreeningOut | None


class TakenOut(ErrorOut):
    alternatives: list[SlotOut]


class InvalidOut(ErrorOut):
    fields: dict[str, list[str]]


def _slot_out(slot, zone) -> dict:
    return {
        "start": slot.start.astimezone(zone),
        "end": slot.end.astimezone(zone),
        "practitioner": slot.practitioner,
    }


@api.exception_handler(NinjaValidationError)
def invalid_input(request, exc):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part) for part in error.get("loc", []) if part not in ("body", "query", "payload")
        ]
        fields.setdefault(".".join(location) or "request", []).append(error.get("msg", "Invalid"))
    return api.create_response(
        request,
        {"error": "invalid", "message": "Some fields are missing or not valid.", "fields": fields},
        status=422,
    )


def json_body(run):
    """Before the body is parsed: only JSON is read as JSON (415 otherwise), and a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, both answered in JSON like every other error."""

    @wraps(run)
    def checked(request, *args, **kwargs):
        if request.content_type != "application/json":
            return api.create_response(
                request,
                {
                    "error": "unsupported_media_type",
                    "message": "Send the request body as JSON, with Content-Type: "
                    "application/json.",
                },
                status=415,
            )
        try:
            request.body  # noqa: B018 Django refuses an oversized body when it is first read
        except RequestDataTooBig:
            return api.create_response(
                request,
                {
                    "error": "too_large",
                    "message": "The request body is too large: a booking is a few hundred bytes.",
                },
                status=413,
            )
        return run(request, *args, **kwargs)

    return checked


@api.get("/services", response=list[ServiceOut])
def list_services(request: HttpRequest):
    return [
        {
            "slug": s.slug,
            "name": s.name,
            "description": s.description,
            "duration_minutes": s.duration_minutes,
            "price": str(s.price) if s.price else None,
            "audience": s.audience,
        }
        for s in selectors.bookable_services()
    ]


@api.get("/practitioners", response=list[PractitionerOut])
def list_practitioners(request: HttpRequest):
    from physiofit.booking.models import Practitioner

    return [
        {
            "slug": p.slug,
            "name": p.name,
            "credentials": p.credentials,
            "services": [s.slug for s in p.services.all() if s.bookable_online],
        }
        for p in Practitioner.objects.filter(active=True).prefetch_related("services")
    ]


@api.get("/slots", response={200: SlotsOut, 400: ErrorOut, 404: ErrorOut})
def list_slots(
    request: HttpRequest, service: str, start: date, end: date, practitioner: str | None = None
):
    if end < start:
        return Status(400, {"error": "bad_range", "message": "end must not be before start."})
    if (end - start).days >= MAX_SEARCH_DAYS:
        return Status(
            400,
            {"error": "bad_range", "message": f"Search at most {MAX_SEARCH_DAYS} days at once."},
        )
    found = None
    if re.fullmatch(SLUG, service):
        found = (
            Service.objects.filter(pk__in=selectors.bookable_services())
            .filter(slug=service)
            .first()
        )
    if found is None:
        return Status(404, {"error": "not_found", "message": "No bookable service with that slug."})
    who = None
    if practitioner:
        who = (
            selectors.practitioners_for(found).filter(slug=practitioner).first()
            if re.fullmatch(SLUG, practitioner)
            else None
        )
        if who is None:
            return Status(
                404,
                {
                    "error": "not_found",
                    "message": "No practitioner with that slug offers this service.",
                },
            )
    context = selectors.booking_context()
    now = timezone.now()
    today = now.astimezone(context.zone).date()
    last_day = (now + context.policy.horizon).astimezone(context.zone).date()
    if end < today or start > last_day:
        # Outside these days nothing is ever offered (and year 1 or 9999 has no instants).
        return Status(
            400,
            {
                "error": "bad_range",
                "message": f"Times are offered from {today} to {last_day}: search within "
                "those days.",
            },
        )
    slots = selectors.slot_search(
        service=found,
        practitioner=who,
        first_day=max(start, today),
        last_day=min(end, last_day),
        now=now,
        context=context,
    )
    return {"timezone": context.zone.key, "slots": [_slot_out(s, context.zone) for s in slots]}


class ReusedKeyOut(ErrorOut):
    code: str


@api.post(
    "/appointments",
    response={
        201: AppointmentOut,
        400: TakenOut | ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: TakenOut,
        413: ErrorOut,
        415: ErrorOut,
        422: InvalidOut | ReusedKeyOut | ErrorOut,
        429: ErrorOut,
    },
)
@decorate_view(json_body)
def create_appointment(request: HttpRequest, payload: AppointmentIn):
    if over_limit(request, scope="booking", limit=settings.BOOKING_RATE_LIMIT, window_seconds=600):
        return Status(
            429,
            {
                "error": "rate_limited",
                "message": "Too many booking attempts; try again in a few minutes.",
            },
        )
    if payload.start.tzinfo is None:
        return Status(
            422,
            {
                "error": "invalid",
                "message": "start needs a UTC offset.",
                "fields": {
                    "start": ["Give the time with its offset, e.g. 2026-12-01T09:00:00-08:00."]
                },
            },
        )
    form = PatientDetailsForm(data=payload.patient.dict())
    if not form.is_valid():
        return Status(
            422,
            {
                "error": "invalid",
                "message": "Some patient details are not valid.",
                "fields": {f"patient.{k}": [str(m) for m in v] for k, v in form.errors.items()},
            },
        )
    reason = VisitReasonForm(data={"reason_for_visit": payload.reason_for_visit})
    if not reason.is_valid():
        return Status(
            422,
            {
                "error": "invalid",
                "message": "The reason for visit is not valid.",
                "fields": {k: [str(m) for m in v] for k, v in reason.errors.items()},
            },
        )
    service = selectors.bookable_services().filter(slug=payload.service).first()
    if service is None:
        return Status(404, {"error": "not_found", "message": "No bookable service with that slug."})
    if service.audience == Service.Audience.RETURNING:
        # Only a signed-in portal session shows a patient is in care; the API has none.
        return Status(
            403,
            {
                "error": "returning_patients_only",
                "message": services.BookingError.messages["returning_patients_only"],
            },
        )
    practitioner = None
    if payload.practitioner:
        practitioner = (
            selectors.practitioners_for(service).filter(slug=payload.practitioner).first()
        )
        if practitioner is None:
            return Status(
                404,
                {
                    "error": "not_found",
                    "message": "No practitioner with that slug offers this service.",
                },
            )
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        return Status(
            400,
            {
                "error": "bad_idempotency_key",
                "message": "Idempotency-Key must be 1 to 64 letters, digits or - _ . :",
            },
        )
    screening = None
    if payload.screening is not None or intake_services.needs_screening(service):
        missing = [k for k in triage.red_flags().keys if k not in (payload.screening or {})]
        if missing:
            return Status(
                422,
                {
                    "error": "invalid",
                    "message": "Answer every screening question (GET /api/v1/screening/questions).",
                    "fields": {f"screening.{key}": ["This answer is required."] for key in missing},
                },
            )
        try:
            screening = intake_services.screening_build(
                answers=payload.screening, service=service, channel="api"
            )
        except intake_services.IntakeError as error:
            return Status(422, {"error": error.code, "message": error.message})
        if screening.tier == "emergency":
            screening.save()  # kept, with no patient, so staff see it
            return Status(
                422, {"error": "seek_emergency_care", "message": tier_message("emergency")}
            )
    context = selectors.booking_context()
    try:
        appointment = intake_services.appointment_book_screened(
            screening=screening,
            service=service,
            practitioner=practitioner,
            start=payload.start,
            patient=form.details(),
            reason_for_visit=reason.cleaned_data["reason_for_visit"],
            idempotency_key=key and f"api-{key}",
            # The parsed payload, not the raw bytes: key order and spacing make no difference.
            idempotency_fingerprint=services.idempotency_fingerprint(payload.dict()),
            context=context,
        )
    except services.BookingError as error:
        if error.code == "idempotency_key_reused":
            return Status(422, {"error": error.code, "code": error.code, "message": error.message})
        if error.code == "slot_taken":
            return Status(
                409,
                {
                    "error": error.code,
                    "message": error.message,
                    "alternatives": [_slot_out(s, context.zone) for s in error.alternatives],
                },
            )
        if error.code in services.START_REFUSALS.values():
            return Status(
                400,
                {
                    "error": error.code,
                    "message": error.message,
                    "alternatives": [_slot_out(s, context.zone) for s in error.alternatives],
                },
            )
        return Status(400, {"error": error.code, "message": error.message})
    zone = context.zone
    return Status(
        201,
        {
            "reference": appointment.reference,
            "status": appointment.status,
            "start": appointment.start.astimezone(zone),
            "end": appointment.end.astimezone(zone),
            "practitioner": appointment.practitioner.slug,
            "manage_url": request.build_absolute_uri(
                reverse("booking:manage", args=[manage_link_create(appointment=appointment)])
            ),
            "screening": screening
            and {
                "tier": screening.tier,
                "title": triage.red_flags().messages[screening.tier]["title"],
                "message": tier_message(screening.tier),
            },
        },
    )


def tier_message(tier: str) -> str:
    return triage.red_flags().messages[tier]["text"]


@api.get("/screening/questions", response=list[QuestionOut])
def screening_questions(request: HttpRequest):
    """The red-flag questions to answer (true/false each) when booking a new-patient service."""
    return [{"key": q.key, "text": q.text} for q in triage.red_flags().questions]
