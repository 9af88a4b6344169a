"""A patient's manage link, read back: the appointment it opens, and the page for one past its
use. Shared by the pages that sit behind manage links (the booking flow's manage page, intake's
pre-visit questions)."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone

from .models import Appointment
from .tokens import manage_link_appointment


def render(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    """A booking page (templates/booking/<template>.html), never cached: it is a patient's."""
    response = TemplateResponse(request, f"booking/{template}.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def message(request, title: str, text: str, status: int) -> TemplateResponse:
    return render(request, "message", {"title": title, "text": text}, status=status)


def appointment_from_token(token: str) -> Appointment:
    """The appointment a manage link opens; 404 for a link that is unknown or revoked."""
    appointment = manage_link_appointment(token)
    if appointment is None:
        raise Http404("This link is not valid.")
    return appointment


def link_expired(request, appointment) -> TemplateResponse | None:
    """The page for a manage link whose appointment is over, or None while it still works."""
    if appointment.end < timezone.now():
        return message(
            request,
            "This link has expired",
            "Links to manage an appointment stop working once it has taken place.",
            410,
        )
    return None
