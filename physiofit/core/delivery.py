"""Sending one outgoing email (or text) that has a status row (contact messages, booking
notifications, questionnaire invitations, text reminders): record sent or failed, and retry a
failure later with back-off."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import BadHeaderError, EmailMessage
from django.utils import timezone
from django_tasks import default_task_backend

from .sms import SmsRefused, TextMessage

MAX_ATTEMPTS = 5
# Failures that sending again cannot cure: a line break in a header (a name saved before names
# were checked) fails the same way every time; a text the provider refuses for good (a number
# that cannot take texts, or replied STOP). Recorded once, never retried.
PERMANENT_ERRORS = (BadHeaderError, SmsRefused)


@dataclass(frozen=True)
class StatusFields:
    """The names of a row's delivery fields."""

    status: str = "email_status"
    attempts: str = "email_attempts"
    error: str = "email_error"
    sent_at: str | None = None


def deliver(
    row, *, build: Callable[[], EmailMessage | TextMessage], retry, fields=StatusFields()
) -> str:
    """Build and send `row`'s email or text once. A failure (building or sending) is recorded
    with its reason and `retry` (a task taking the row's id) is queued after 2, 4, 8… minutes,
    up to MAX_ATTEMPTS in all; a PERMANENT_ERRORS failure is not retried. Returns "sent", "failed"
    or "already sent"."""
    if getattr(row, fields.status) == "sent":
        return "already sent"
    attempts = getattr(row, fields.attempts) + 1
    setattr(row, fields.attempts, attempts)
    updated = [fields.status, fields.error, fields.attempts]
    try:
        build().send()
    except PERMANENT_ERRORS as error:
        setattr(row, fields.status, "failed")
        # A refused header is named, not quoted: its value is the patient's own text. A text's
        # refusal says why in words of ours, never the provider's (which quote the number).
        reason = (
            str(error)
            if isinstance(error, SmsRefused)
            else "a line break in a name or subject line"
        )
        setattr(
            row, fields.error, f"{type(error).__name__}: {reason.rstrip('.')}; not retried."[:300]
        )
        row.save(update_fields=updated)
        return "failed"
    except Exception as error:  # any other failure is recorded, then retried
        setattr(row, fields.status, "failed")
        setattr(row, fields.error, f"{type(error).__name__}: {error}"[:300])
        row.save(update_fields=updated)
        if attempts < MAX_ATTEMPTS and default_task_backend.supports_defer:
            delay = timedelta(minutes=2**attempts)
            retry.using(run_after=timezone.now() + delay).enqueue(row.pk)
        return "failed"
    setattr(row, fields.status, "sent")
    setattr(row, fields.error, "")
    if fields.sent_at:
        setattr(row, fields.sent_at, timezone.now())
        updated.append(fields.sent_at)
    row.save(update_fields=updated)
    return "sent"
