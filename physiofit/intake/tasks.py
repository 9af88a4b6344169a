"""Background work for intake: questionnaire emails, portal sign-in links, scheduled measures.

Sign-in tokens are created inside the task, so they never sit in the task queue's table."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task
from wagtail.models import Site

from physiofit.booking.models import Patient
from physiofit.core.delivery import deliver
from physiofit.core.models import ClinicSettings, clinic_today

from . import portal, schedules
from .models import Questionnaire


def _email(template: str, subject: str, patient: Patient, **context) -> EmailMultiAlternatives:
    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    token = portal.portal_link_create(patient=patient)
    context = {
        "clinic": clinic,
        "patient": patient,
        "sign_in_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        + reverse("intake:portal_sign_in", args=[token]),
        "valid_days": portal.PORTAL_LINK_LIFETIME.days,
        **context,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"intake/email/{template}.txt", context),
        to=[patient.email],
        reply_to=[clinic.email],
    )
    message.attach_alternative(
        render_to_string(f"intake/email/{template}.html", context), "text/html"
    )
    return message


@task()
def send_questionnaire_email(questionnaire_id: int) -> str:
    """Email the patient a sign-in link to a questionnaire; failures are recorded and retried."""
    questionnaire = Questionnaire.objects.select_related("patient").get(pk=questionnaire_id)
    if not questionnaire.is_open:
        return "skipped"
    return deliver(
        questionnaire,
        build=lambda: _email(
            "questionnaire", "A short questionnaire from your clinic", questionnaire.patient
        ),
        retry=send_questionnaire_email,
    )


@task()
def send_portal_link(patient_id: int) -> str:
    """Email a patient who asked for one a fresh sign-in link to their portal."""
    patient = Patient.objects.get(pk=patient_id)
    _email("portal_link", "Your sign-in link", patient).send()
    return "sent"


@task()
def send_due_measures() -> int:
    """Send scheduled outcome measures due today (clinic time); run daily by cron or worker."""
    return schedules.schedules_send_due(today=clinic_today())
