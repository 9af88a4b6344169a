"""Background work for intake: questionnaire emails, portal sign-in links, scheduled measures.

Sign-in tokens are created inside the task, so they never sit in the task queue's table."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from wagtail.models import Site

from physiofit.booking.models import Patient
from physiofit.core.delivery import StatusFields, deliver
from physiofit.core.models import ClinicSettings, clinic_today

from . import portal, schedules
from .models import PortalEmailChange, Questionnaire


def portal_email(
    template: str, subject: str, patient: Patient, **context
) -> EmailMultiAlternatives:
    """An email to the patient carrying a fresh one-time portal sign-in link; `template` is a
    template path without its .txt / .html ending."""
    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    token = portal.portal_link_create(patient=patient)
    context = {
        "clinic": clinic,
        "patient": patient,
        "sign_in_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        + reverse("intake:portal_sign_in", args=[token]),
        "valid_minutes": int(portal.PORTAL_LINK_LIFETIME.total_seconds() // 60),
        **context,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[patient.email],
        reply_to=[clinic.email],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


@task()
def send_questionnaire_email(questionnaire_id: int) -> str:
    """Email the patient a sign-in link to a questionnaire; failures are recorded and retried."""
    questionnaire = Questionnaire.objects.select_related("patient").get(pk=questionnaire_id)
    if not questionnaire.is_open:
        return "skipped"
    if portal.portal_links_held(patient=questionnaire.patient):
        # No sign-in link while the record's new address awaits a clinician's approval: it
        # stays queued, and approval sends it (questionnaires_release).
        return "held"
    return deliver(
        questionnaire,
        build=lambda: portal_email(
            "intake/email/questionnaire",
            "A short questionnaire from your clinic",
            questionnaire.patient,
        ),
        retry=send_questionnaire_email,
    )


@task()
def send_portal_link(patient_id: int) -> str:
    """Email a patient who asked for one a fresh sign-in link to their portal."""
    patient = Patient.objects.get(pk=patient_id)
    if portal.portal_links_held(patient=patient):
        return "held"  # the email changed after the request: the new address awaits approval
    portal_email("intake/email/portal_link", "Your sign-in link", patient).send()
    return "sent"


def _email_change_notice(change: PortalEmailChange) -> EmailMultiAlternatives:
    clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
    context = {"clinic": clinic, "changed_on": timezone.localtime(change.changed_at, clinic.zone)}
    message = EmailMultiAlternatives(
        subject=f"The email address on your record at {clinic.name} was changed",
        body=render_to_string("intake/email/email_changed.txt", context),
        to=[change.old_email],
        reply_to=[clinic.email],
    )
    message.attach_alternative(
        render_to_string("intake/email/email_changed.html", context), "text/html"
    )
    return message


@task()
def send_email_change_notice(change_id: int) -> str:
    """Tell the previous address that the record's email changed; no health data, no new
    address. Failures are recorded and retried."""
    change = PortalEmailChange.objects.get(pk=change_id)
    return deliver(
        change,
        build=lambda: _email_change_notice(change),
        retry=send_email_change_notice,
        fields=StatusFields(sent_at="sent_at"),
    )


def questionnaires_release(*, patient: Patient) -> int:
    """Queue the questionnaire emails held while the patient's new address awaited approval."""
    held = list(
        Questionnaire.objects.filter(
            patient=patient,
            email_status=Questionnaire.Email.QUEUED,
            status__in=[Questionnaire.Status.SENT, Questionnaire.Status.DRAFT],
        ).values_list("pk", flat=True)
    )
    for questionnaire_id in held:
        send_questionnaire_email.enqueue(questionnaire_id)
    return len(held)


@task()
def send_due_measures() -> int:
    """Send scheduled outcome measures due today (clinic time); run daily by cron or worker."""
    return schedules.schedules_send_due(today=clinic_today())
