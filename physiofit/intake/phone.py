"""Red-flag screening read over the phone: booking's phone form asks it through the
`phone_booking_screening` hook, with the same questions, tiers and advice as online, stored the
same way (channel "phone"). An emergency result books nothing: the desk reads the advice."""

from django.template.loader import render_to_string

from physiofit.booking.models import Appointment, Service

from . import services, triage
from .forms import ScreeningForm
from .models import Screening


class PhoneScreening:
    prefix = "screen"

    def form(self, data=None) -> ScreeningForm:
        return ScreeningForm(data, prefix=self.prefix)

    def needed(self, service: Service) -> bool:
        return services.needs_screening(service)

    def render(self, request, form: ScreeningForm, *, needed: bool) -> str:
        return render_to_string(
            "intake/staff/_phone_screening.html",
            {"screen": form, "needed": needed},
            request=request,
        )

    def result(self, form: ScreeningForm) -> tuple[Screening | None, str]:
        """(the answers' screening, not stored, ""), or for an emergency (None, the advice to
        read to the caller): that one is stored with no patient, as online, so clinical staff
        see it, and nothing is booked."""
        screening = services.screening_build(answers=form.answers(), service=None, channel="phone")
        if screening.tier == "emergency":
            screening.save()
            return None, services.IntakeError("seek_emergency_care").message
        return screening, ""

    def attach(self, screening: Screening, service: Service):
        """For the booking's transaction: the screening joins the new visit, and a same-day
        tier alerts the clinicians, as online."""

        def attach(appointment: Appointment) -> None:
            screening.service = service
            screening.appointment = appointment
            screening.save()
            if screening.review == Screening.Review.PENDING:
                services.notify_review(appointment.pk)

        return attach

    def advice(self, screening: Screening) -> str:
        """What to read to the caller after booking: the online page's words for the tier,
        when there is something to say (a doctor today; the therapist will go through it)."""
        if screening.tier in ("same_day", "flag"):
            return triage.red_flags().messages[screening.tier]["text"]
        return ""
