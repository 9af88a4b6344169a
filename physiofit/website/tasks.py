"""Background work for the website: emailing contact messages to the clinic."""

from datetime import timedelta

from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import default_task_backend, task

from .models import ContactMessage

MAX_ATTEMPTS = 5


@task()
def send_contact_message(message_id: int) -> str:
    """Email one contact message; on failure record why and retry later with back-off."""
    contact = ContactMessage.objects.get(pk=message_id)
    if contact.email_status == ContactMessage.EmailStatus.SENT:
        return "already sent"
    contact.email_attempts += 1
    mail = EmailMessage(
        subject=f"Website message from {contact.name}",
        body=(
            f"Name: {contact.name}\nEmail: {contact.email}\nPhone: {contact.phone or '-'}\n"
            f"Sent: {timezone.localtime(contact.created_at):%Y-%m-%d %H:%M %Z}\n\n{contact.message}\n"
        ),
        to=[contact.recipient],
        reply_to=[contact.email],
    )
    try:
        mail.send()
    except Exception as error:  # any transport failure is recorded, then retried
        contact.email_status = ContactMessage.EmailStatus.FAILED
        contact.email_error = f"{type(error).__name__}: {error}"[:300]
        contact.save(update_fields=["email_status", "email_error", "email_attempts"])
        if contact.email_attempts < MAX_ATTEMPTS and default_task_backend.supports_defer:
            delay = timedelta(minutes=2**contact.email_attempts)
            send_contact_message.using(run_after=timezone.now() + delay).enqueue(message_id)
        return "failed"
    contact.email_status = ContactMessage.EmailStatus.SENT
    contact.email_error = ""
    contact.save(update_fields=["email_status", "email_error", "email_attempts"])
    return "sent"
