"""Writes for the public website: contact messages."""

from django.db import transaction

from physiofit.core.models import ClinicSettings
from physiofit.core.ratelimit import over_limit
from physiofit.core.tasks import enqueue_with_transaction

from .models import ContactMessage

# Per visitor address: 5 messages in 10 minutes is more than any person needs.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 600


class ContactError(Exception):
    messages = {
        "rate_limited": (
            "You have sent several messages in a short time. Please wait ten minutes, "
            "or call the clinic.",
            429,
        ),
    }

    def __init__(self, code: str):
        self.code = code
        self.message, self.status = self.messages[code]
        super().__init__(self.message)


def contact_message_submit(
    *, page, request, name: str, email: str, phone: str, message: str, website: str
) -> ContactMessage | None:
    """Store a contact message and email it to the clinic after commit.

    A filled honeypot (`website`) is treated as a bot: nothing is stored and None is returned,
    so the bot sees the same success. Raises ContactError when the visitor is over the limit.
    """
    if over_limit(request, scope="contact", limit=RATE_LIMIT, window_seconds=RATE_WINDOW_SECONDS):
        raise ContactError("rate_limited")
    if website:
        return None
    from .tasks import send_contact_message

    clinic = ClinicSettings.for_request(request)
    with transaction.atomic():
        contact = ContactMessage(
            name=name,
            email=email,
            phone=phone,
            message=message,
            recipient=page.recipient or clinic.email,
        )
        contact.full_clean()
        contact.save()
        enqueue_with_transaction(send_contact_message, contact.pk)
    return contact
