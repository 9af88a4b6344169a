"""Background work for the website: emailing contact messages to the clinic."""

from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import task

from physiofit.core.delivery import deliver

from .models import ContactMessage


@task()
def send_contact_message(message_id: int) -> str:
    """Email one contact message to the clinic; failures are recorded and retried."""
    contact = ContactMessage.objects.get(pk=message_id)

    def build() -> EmailMessage:
        return EmailMessage(
            subject=f"Website message from {contact.name}",
            body=(
                f"Name: {contact.name}\nEmail: {contact.email}\nPhone: {contact.phone or '-'}\n"
                f"Sent: {timezone.localtime(contact.created_at):%Y-%m-%d %H:%M %Z}\n\n"
                f"{contact.message}\n"
            ),
            to=[contact.recipient],
            reply_to=[contact.email],
        )

    return deliver(contact, build=build, retry=send_contact_message)
