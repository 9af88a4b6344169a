"""Patient-facing intake pages: red-flag screening in the booking flow, the pre-visit
questionnaire behind the manage link, and the portal (one-time link, then a session) where
patients fill in outcome measures and see their own answers."""

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from wagtail import hooks

from physiofit.booking import selectors as booking_selectors
from physiofit.booking.links import appointment_from_token, link_expired
from physiofit.booking.models import Appointment, Patient, Service
from physiofit.booking.tokens import manage_link_create
from physiofit.core.models import clinic_today
from physiofit.core.ratelimit import over_limit

from . import selectors, services, triage
from .forms import QuestionnaireForm, ScreeningForm
from .gate import SESSION_SCREENINGS, outcome_page
from .models import Questionnaire
from .portal import (
    PORTAL_LINK_LIFETIME,
    portal_link_request,
    portal_link_revoke,
    portal_link_use,
    portal_links_held,
    portal_session_patient,
)

# A portal session: the patient, the sign-in link it was opened with (revoking the link ends
# it), when it started and when the patient was last seen (timestamps).
SESSION_PORTAL = "portal_patient"
SESSION_PORTAL_LINK = "portal_link"
SESSION_PORTAL_STARTED = "portal_started"
SESSION_PORTAL_SEEN = "portal_seen"
# Why the last portal session ended, said once on the sign-in form.
SESSION_PORTAL_ENDED = "portal_ended"
PORTAL_SESSION_KEYS = (
    SESSION_PORTAL,
    SESSION_PORTAL_LINK,
    SESSION_PORTAL_STARTED,
    SESSION_PORTAL_SEEN,
    # Details typed into a booking form (the booking flow's key): gone with the sign-out.
    "booking_details",
)
# "Last seen" is written at most this often (seconds): not one session save per request.
SEEN_RESOLUTION = 30
SIGNED_OUT = {
    "idle": "You were signed out after {idle} minutes without activity, to keep your "
    "information private. Ask for a new sign-in link below.",
    "expired": "You were signed out: a session lasts at most {hours} hours. Ask for a new "
    "sign-in link below.",
    "revoked": "You were signed out. Ask for a new sign-in link below.",
    "signed_out": "You are signed out.",
}


def render(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    response = TemplateResponse(request, f"intake/{template}.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def message(request, title: str, text: str, status: int) -> TemplateResponse:
    return TemplateResponse(
        request, "booking/message.html", {"title": title, "text": text}, status=status
    )


# --- Screening in the booking flow -------------------------------------------------------


def _service(slug: str) -> Service:
    return get_object_or_404(booking_selectors.bookable_services(), slug=slug)


@require_http_methods(["GET", "POST"])
def screening(request, service_slug):
    service = _service(service_slug)
    if not services.needs_screening(service):
        return HttpResponseRedirect(reverse("booking:practitioner", args=[service.slug]))
    flags = triage.red_flags()
    if request.method == "GET":
        return render(
            request, "screening", {"service": service, "form": ScreeningForm(), "flags": flags}
        )
    form = ScreeningForm(request.POST)
    if not form.is_valid():
        first_unanswered = next(field.auto_id for field in form if field.errors)
        return render(
            request,
            "screening",
            {
                "service": service,
                "form": form,
                "flags": flags,
                "first_unanswered": first_unanswered,
            },
            status=400,
        )
    if over_limit(
        request, scope="screening", limit=settings.BOOKING_RATE_LIMIT, window_seconds=600
    ):
        return message(request, "Too many attempts", "Please call the clinic to book.", 429)
    result = services.screening_record(answers=form.answers(), service=service)
    stored = request.session.get(SESSION_SCREENINGS, {})
    stored[str(service.pk)] = result.pk
    request.session[SESSION_SCREENINGS] = stored
    if result.tier in ("clear", "flag"):
        return HttpResponseRedirect(reverse("booking:practitioner", args=[service.slug]))
    return outcome_page(request, service, result.tier, result.reasons)


@require_POST
def screening_check(request, service_slug):
    """htmx: the message for the answers given so far, shown as soon as a yes is ticked.
    Nothing is stored until the form is sent."""
    service = _service(service_slug)
    answers = {
        question.key: request.POST.get(question.key) == "yes"
        for question in triage.red_flags().questions
        if request.POST.get(question.key) in ("yes", "no")
    }
    result = triage.screen(answers)
    return render(
        request,
        "_screening_live",
        {"service": service, "tier": result.tier, "text": triage.red_flags().messages[result.tier]},
    )


# --- Pre-visit questionnaire (behind the appointment's manage link) ----------------------


@require_http_methods(["GET", "POST"])
def intake(request, token):
    appointment = appointment_from_token(token)
    if expired := link_expired(request, appointment):
        return expired
    if portal_links_held(patient=appointment.patient):
        # The answers are clinical: while a new address typed in by non-clinical staff awaits
        # a clinician's approval, a manage link resent to it must not open them either.
        return message(
            request,
            "Please call the clinic",
            "The pre-visit questions are paused until the clinic confirms a change to your "
            "contact details. Please call us, and we will go through them with you.",
            403,
        )
    questionnaire = services.intake_for(appointment)
    context = {"appointment": appointment, "token": token, "questionnaire": questionnaire}
    return _fill(request, questionnaire, context, reverse("intake:intake", args=[token]))


def _fill(request, questionnaire: Questionnaire, context: dict, here: str):
    """Show, autosave (htmx), save or submit one questionnaire."""
    instrument = services.available().get(questionnaire.instrument)
    if instrument is None:
        raise Http404("This questionnaire is not available.")
    context = {**context, "instrument": instrument, "here": here}
    if not questionnaire.is_open:
        return render(request, "submitted", {**context, "questionnaire": questionnaire})
    if request.method == "GET":
        form = QuestionnaireForm(instrument, answers=questionnaire.answers)
        return render(request, "questionnaire", {**context, "form": form})
    submit = request.POST.get("action") == "submit"
    form = QuestionnaireForm(instrument, request.POST, partial=not submit)
    form.is_valid()
    today = clinic_today()
    try:
        if submit and form.errors:
            raise services.IntakeError("incomplete", detail="see the questions marked below.")
        questionnaire = services.questionnaire_save(
            questionnaire=questionnaire, answers=form.answers(), submit=submit, today=today
        )
    except services.IntakeError as error:
        if error.code == "not_open":
            return render(request, "submitted", {**context, "questionnaire": questionnaire})
        return render(
            request,
            "questionnaire",
            {**context, "form": form, "error": error.message},
            status=400,
        )
    if request.htmx:
        return render(request, "_saved", {"form": form, "saved_at": timezone.now()})
    if submit:
        return HttpResponseRedirect(here)
    saved = QuestionnaireForm(instrument, answers=questionnaire.answers)
    return render(
        request,
        "questionnaire",
        {**context, "form": saved if not form.errors else form, "saved": True},
        status=400 if form.errors else 200,
    )


# --- Portal ------------------------------------------------------------------------------


def portal_patient(request) -> Patient | None:
    """The patient signed in to the portal in this session, or None. A session idle for
    PORTAL_IDLE_TIMEOUT_MINUTES, older than PORTAL_SESSION_MAX_HOURS, or whose sign-in link was
    revoked (sign-out elsewhere, email changed by staff) is ended here, and the reason kept."""
    session = request.session
    patient_id = session.get(SESSION_PORTAL)
    if patient_id is None:
        return None
    now = timezone.now().timestamp()
    seen = session.get(SESSION_PORTAL_SEEN, 0)
    if now - seen > settings.PORTAL_IDLE_TIMEOUT_MINUTES * 60:
        reason = "idle"
    elif now - session.get(SESSION_PORTAL_STARTED, 0) > settings.PORTAL_SESSION_MAX_HOURS * 3600:
        reason = "expired"
    else:
        patient = portal_session_patient(
            link_id=session.get(SESSION_PORTAL_LINK), patient_id=patient_id
        )
        if patient is not None:
            if now - seen >= SEEN_RESOLUTION:
                session[SESSION_PORTAL_SEEN] = now
            return patient
        reason = "revoked"
    _end_portal_session(request, reason)
    return None


def _end_portal_session(request, reason: str) -> None:
    for key in PORTAL_SESSION_KEYS:
        request.session.pop(key, None)
    request.session[SESSION_PORTAL_ENDED] = reason


def _sign_in_context(request, **context) -> dict:
    reason = request.session.pop(SESSION_PORTAL_ENDED, None)
    ended = reason and SIGNED_OUT[reason].format(
        idle=settings.PORTAL_IDLE_TIMEOUT_MINUTES, hours=settings.PORTAL_SESSION_MAX_HOURS
    )
    minutes = int(PORTAL_LINK_LIFETIME.total_seconds() // 60)
    return {"ended": ended, "valid_minutes": minutes, **context}


@require_http_methods(["GET", "POST"])
def portal(request):
    patient = portal_patient(request)
    if patient is None:
        return _portal_request_link(request)
    # Follow-up visits are booked from here: the portal session is what lets a patient book them.
    follow_ups = Service.objects.filter(
        audience=Service.Audience.RETURNING, bookable_online=True
    ).order_by("name")
    # Apps above intake add their sections (today's exercises, ...).
    sections = [html for fn in hooks.get_hooks("portal_sections") if (html := fn(request, patient))]
    return render(
        request,
        "portal",
        {
            "patient": patient,
            "sections": sections,
            "follow_ups": follow_ups,
            **selectors.portal_overview(patient=patient),
        },
    )


def _portal_request_link(request):
    """Ask for a sign-in link by email. The answer is the same whether or not the email is
    known, so the form cannot be used to find out who is a patient."""
    if request.method == "GET":
        return render(request, "portal_sign_in", _sign_in_context(request))
    if over_limit(request, scope="portal", limit=5, window_seconds=600):
        return message(request, "Too many attempts", "Please wait a few minutes.", 429)
    email = request.POST.get("email", "").strip().lower()[:254]
    if "@" not in email or "\x00" in email:
        return render(
            request,
            "portal_sign_in",
            _sign_in_context(request, error="Please enter your email address."),
            status=400,
        )
    portal_link_request(email=email)
    return render(request, "portal_sign_in", _sign_in_context(request, sent=True))


@require_http_methods(["GET", "POST"])
def portal_sign_in(request, token):
    """GET asks for a click (mail scanners fetch links, and must not spend them); POST signs in."""
    if request.method == "GET":
        return render(request, "portal_continue", {"token": token})
    try:
        link = portal_link_use(token=token)
    except services.IntakeError as error:
        return render(
            request, "portal_sign_in", _sign_in_context(request, error=error.message), status=410
        )
    request.session.cycle_key()
    # The browser drops the cookie when the session would end anyway (the privacy notice says so).
    request.session.set_expiry(settings.PORTAL_SESSION_MAX_HOURS * 3600)
    now = timezone.now().timestamp()
    request.session[SESSION_PORTAL] = link.patient_id
    request.session[SESSION_PORTAL_LINK] = link.pk
    request.session[SESSION_PORTAL_STARTED] = now
    request.session[SESSION_PORTAL_SEEN] = now
    request.session.pop(SESSION_PORTAL_ENDED, None)
    return HttpResponseRedirect(reverse("intake:portal"))


@require_POST
def portal_sign_out(request):
    """Signing out revokes the session's link: a copy of the cookie stops working too."""
    portal_link_revoke(link_id=request.session.get(SESSION_PORTAL_LINK))
    _end_portal_session(request, "signed_out")
    return HttpResponseRedirect(reverse("intake:portal"))


@require_GET
def portal_visit(request, reference):
    """One of the signed-in patient's visits: a fresh manage link, straight to its page (the
    portal session vouches for the patient; the link is made now, not kept anywhere)."""
    patient = portal_patient(request)
    if patient is None:
        return HttpResponseRedirect(reverse("intake:portal"))
    appointment = get_object_or_404(
        Appointment,
        reference=reference[:12],
        patient=patient,
        status=Appointment.Status.BOOKED,
        start__gte=timezone.now(),
    )
    token = manage_link_create(appointment=appointment)
    return HttpResponseRedirect(reverse("booking:manage", args=[token]))


@require_http_methods(["GET", "POST"])
def portal_questionnaire(request, pk):
    patient = portal_patient(request)
    if patient is None:
        # An autosave after the session ended: the whole page goes to the sign-in form.
        if request.htmx:
            return HttpResponseClientRedirect(reverse("intake:portal"))
        return HttpResponseRedirect(reverse("intake:portal"))
    # Only the signed-in patient's own questionnaires: anyone else's id is simply not found.
    questionnaire = get_object_or_404(Questionnaire, pk=pk, patient=patient)
    context = {"patient": patient, "questionnaire": questionnaire}
    return _fill(request, questionnaire, context, reverse("intake:portal_questionnaire", args=[pk]))
