"""The screening gate in front of the booking flow: a new-patient visit can only be booked
after this browser has answered the red-flag questions, and never after an emergency result."""

from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from physiofit.booking.models import Service

from . import services, triage
from .models import Screening

SESSION_SCREENINGS = "intake_screenings"


def session_screening(request, service: Service) -> Screening | None:
    """The screening this browser answered for `service`, if it is still unused."""
    screening_id = request.session.get(SESSION_SCREENINGS, {}).get(str(service.pk))
    if screening_id is None:
        return None
    return Screening.objects.filter(pk=screening_id, appointment=None).first()


def forget_screening(request, service: Service) -> None:
    stored = request.session.get(SESSION_SCREENINGS, {})
    if stored.pop(str(service.pk), None) is not None:
        request.session[SESSION_SCREENINGS] = stored


def screening_gate(request, service: Service):
    """None when the patient may go on choosing a time; otherwise the page to show instead."""
    if not services.needs_screening(service):
        # A service without questions (a follow-up) must not be the way around a "call 911"
        # answer given in this browser: that answer stops every booking until it is changed.
        emergency = _session_emergency(request)
        if emergency is None:
            return None
        screened = emergency.service or service
        return outcome_page(request, screened, emergency.tier, emergency.reasons, status=403)
    screening = session_screening(request, service)
    if screening is None:
        return HttpResponseRedirect(reverse("intake:screening", args=[service.slug]))
    if screening.tier == "emergency":
        return outcome_page(request, service, screening.tier, screening.reasons, status=403)
    return None


def _session_emergency(request) -> Screening | None:
    """An unused emergency answer this browser gave for any service."""
    answered = request.session.get(SESSION_SCREENINGS, {}).values()
    if not answered:
        return None
    return (
        Screening.objects.filter(pk__in=list(answered), appointment=None, tier="emergency")
        .select_related("service")
        .first()
    )


def outcome_page(request, service, tier, reasons, status=200):
    response = TemplateResponse(
        request,
        "intake/screening_outcome.html",
        {
            "service": service,
            "tier": tier,
            "reasons": reasons,
            "text": triage.red_flags().messages[tier],
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response
