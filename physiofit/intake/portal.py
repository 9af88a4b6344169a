"""One-time sign-in links to the patient portal. Only a hash of each token is stored; a link
works once, for seven days."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from physiofit.booking.models import Patient
from physiofit.core.tasks import enqueue_with_transaction

from .models import PortalLink
from .services import IntakeError

PORTAL_LINK_LIFETIME = timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_link_create(*, patient: Patient, now: datetime | None = None) -> str:
    """A new one-time sign-in token for the patient's portal; only its hash is stored."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    PortalLink.objects.create(
        patient=patient, token_hash=_hash(token), expires_at=now + PORTAL_LINK_LIFETIME
    )
    return token


def portal_link_use(*, token: str, now: datetime | None = None) -> Patient:
    """Spend a sign-in token: valid once, before it expires."""
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            PortalLink.objects.select_for_update()
            .select_related("patient")
            .filter(token_hash=_hash(token))
            .first()
        )
        if link is None:
            raise IntakeError("link_invalid")
        if link.used_at is not None:
            raise IntakeError("link_used")
        if link.expires_at <= now:
            raise IntakeError("link_expired")
        link.used_at = now
        link.save(update_fields=["used_at"])
    return link.patient


def portal_link_request(*, email: str) -> int:
    """Queue a sign-in email to each patient record with this address (none if unknown)."""
    from .tasks import send_portal_link

    patients = list(
        Patient.objects.filter(email=email.strip().lower()).values_list("pk", flat=True)
    )
    for patient_id in patients:
        enqueue_with_transaction(send_portal_link, patient_id)
    return len(patients)
