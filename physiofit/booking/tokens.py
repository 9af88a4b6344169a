"""Opaque patient links: manage an appointment, take a waitlist offer.

A token is 32 random bytes (URL-safe base64) and names nothing: only its SHA-256 hash is
stored, next to the row it opens. So a link reveals no id, a copy of the database cannot be
turned back into working links, and one link can be revoked without touching the others.
Earlier links signed with SECRET_KEY (base64 of the appointment id) no longer open anything.
"""

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from physiofit.core.tasks import enqueue_with_transaction

from .models import Appointment, ManageLink, Notification
from .services import BookingError

# Anything longer is not one of ours: refused before hashing.
MAX_TOKEN_LENGTH = 64


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _hash(token)


def manage_link_create(*, appointment: Appointment) -> str:
    """A new link to manage `appointment`; returns the token, of which only the hash is kept."""
    token, token_hash = _new_token()
    ManageLink.objects.create(appointment=appointment, token_hash=token_hash)
    return token


def manage_link_appointment(token: str) -> Appointment | None:
    """The appointment a manage token opens, or None for an unknown or revoked token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = (
        ManageLink.objects.select_related(
            "appointment__service", "appointment__practitioner", "appointment__patient"
        )
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    return link.appointment if link else None


def manage_links_revoke(*, appointment: Appointment, now: datetime | None = None) -> int:
    """Revoke every link to `appointment` still working; returns how many."""
    return ManageLink.objects.filter(appointment=appointment, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


def manage_link_resendable(appointment: Appointment, now: datetime | None = None) -> bool:
    """A new link is worth sending only while the link can be used: booked and not yet over."""
    return appointment.status == Appointment.Status.BOOKED and appointment.end > (
        now or timezone.now()
    )


def manage_link_resend(*, appointment: Appointment, now: datetime | None = None) -> Notification:
    """Revoke every link to `appointment` and email the patient a new one, at the address on
    their record now. The new link is made when the email is built, in the worker, so no token
    waits in the task table. Raises BookingError("not_active") once a link is of no use."""
    from .tasks import send_notification

    now = now or timezone.now()
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update().select_related("patient").get(pk=appointment.pk)
        )
        if not manage_link_resendable(appointment, now):
            raise BookingError("not_active")
        manage_links_revoke(appointment=appointment, now=now)
        notification = Notification.objects.create(
            kind=Notification.Kind.MANAGE_LINK,
            appointment=appointment,
            recipient=appointment.patient.email,
        )
        enqueue_with_transaction(send_notification, notification.pk)
    return notification


def offer_link_create(*, notification: Notification) -> str:
    """A new token for a waitlist offer email; it replaces the offer's previous token, so only
    the link in the latest email built (a retried send builds again) works."""
    token, token_hash = _new_token()
    Notification.objects.filter(pk=notification.pk).update(offer_token_hash=token_hash)
    notification.offer_token_hash = token_hash
    return token


def offer_from_token(token: str) -> Notification | None:
    """The waitlist offer a token opens, or None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        Notification.objects.select_related(
            "waitlist_entry__service", "waitlist_entry__patient", "offered_practitioner"
        )
        .filter(kind=Notification.Kind.WAITLIST_OFFER, offer_token_hash=_hash(token))
        .first()
    )
