"""Background work for intake: questionnaire emails, portal sign-in links, scheduled measures.

Sign-in tokens are created inside the task, so they never sit in the task queue's table."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend, task
from wagtail.models import Site

from physiofit.booking.models import Patient
from physiofit.core.models import ClinicSettings, clinic_today

from . import portal, schedules
from .models import Questionnaire

MAX_ATTEMPTS = 5


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
    """Email the patient a sign-in link to a questionnaire; record failures and retry."""
    questionnaire = Questionnaire.objects.select_related("patient").get(pk=questionnaire_id)
    if questionnaire.email_status == Questionnaire.Email.SENT or not questionnaire.is_open:
        return "skipped"
    questionnaire.email_attempts += 1
    try:
        _email(
            "questionnaire", "A short questionnaire from your clinic", questionnaire.patient
        ).send()
    except Exception as error:  # any transport failure is recorded, then retried
        questionnaire.email_status = Questionnaire.Email.FAILED
        questionnaire.email_error = f"{type(error).__name__}: {error}"[:300]
        questionnaire.save(update_fields=["email_status", "email_error", "email_attempts"])
        if questionnaire.email_attempts < MAX_ATTEMPTS and default_task_backend.supports_defer:
            delay = timedelta(minutes=2**questionnaire.email_attempts)
            send_questionnaire_email.using(run_after=timezone.now() + delay).enqueue(
                questionnaire_id
            )
        return "failed"
    questionnaire.email_status = Questionnaire.Email.SENT
    questionnaire.email_error = ""
    questionnaire.save(update_fields=["email_status", "email_error", "email_attempts"])
    return "sent"


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
