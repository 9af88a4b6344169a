"""Signed, unguessable tokens for patient links: manage an appointment, take a waitlist offer.

A token carries ids only (never patient data) and is signed with SECRET_KEY, so nothing is
stored and a changed SECRET_KEY revokes every link at once.
"""

from datetime import datetime

from django.core import signing

MANAGE_SALT = "physiofit.booking.manage"
OFFER_SALT = "physiofit.booking.offer"


def manage_token(appointment_id: int) -> str:
    return signing.dumps(appointment_id, salt=MANAGE_SALT, compress=True)


def read_manage_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=MANAGE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def offer_token(*, entry_id: int, practitioner_id: int, start: datetime) -> str:
    return signing.dumps(
        [entry_id, practitioner_id, start.isoformat()], salt=OFFER_SALT, compress=True
    )


def read_offer_token(token: str) -> tuple[int, int, datetime] | None:
    try:
        entry_id, practitioner_id, start = signing.loads(token, salt=OFFER_SALT)
        return int(entry_id), int(practitioner_id), datetime.fromisoformat(start)
    except (signing.BadSignature, ValueError, TypeError):
        return None
