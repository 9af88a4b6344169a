"""Enrolling, checking and resetting staff second factors (django-otp devices)."""

import re
from base64 import b32encode
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from physiofit.core.models import AuditEvent, audit

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10

ERRORS = {
    "wrong_code": "That code is not right. Check the time on your phone and try the newest code.",
    "throttled": "Too many wrong codes. Wait {seconds} seconds, then try again.",
    "already_enrolled": "This account already has an authenticator app.",
}


class TwoFactorError(Exception):
    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(ERRORS[code].format(**params))


@dataclass(frozen=True)
class Verified:
    device: object
    method: str  # "authenticator app" or "recovery code"


def app_device(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if enrolled."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed device shown during enrolment: the same secret until it is confirmed,
    so reloading the page does not invalidate a QR code already scanned."""
    if is_enrolled(user):
        raise TwoFactorError("already_enrolled")
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _refuse_if_throttled(device) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        wait = (info["locked_until"] - timezone.now()).total_seconds() if info else 1
        raise TwoFactorError("throttled", seconds=max(1, round(wait + 0.5)))


def factor_enrol_confirm(*, user, code: str) -> list[str]:
    """Confirm the pending authenticator app with a code from it and issue recovery codes.

    Returns the new recovery codes (shown once). Audited as FACTOR_ADDED. Does not sign the
    session in: the view does that with the confirmed device."""
    device = pending_app_device(user)
    _refuse_if_throttled(device)
    # Outside the transaction below: a wrong code's throttling count must stay written.
    if not device.verify_token(normalise(code)):
        raise TwoFactorError("wrong_code")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _issue_recovery_codes(user)
        audit(
            user=user,
            action=AuditEvent.Action.FACTOR_ADDED,
            obj=user,
            summary="authenticator app enrolled, recovery codes issued",
        )
    return codes


def factor_verify(*, user, code: str) -> Verified:
    """Check a code from the app or an unused recovery code (used up by this check)."""
    code = normalise(code)
    if code.isdigit():
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
        method = "authenticator app"
    else:
        device = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
        method = "recovery code"
    if device is None:
        raise TwoFactorError("wrong_code")
    with transaction.atomic():
        # Locked, so two requests racing with one recovery code cannot both use it.
        device = type(device).objects.select_for_update().get(pk=device.pk)
        _refuse_if_throttled(device)
        accepted = device.verify_token(code)
    if not accepted:
        raise TwoFactorError("wrong_code")
    return Verified(device=device, method=method)


def _issue_recovery_codes(user) -> list[str]:
    # The device stays and only its codes change: a session verified with a recovery code
    # keeps its claim (a vanished device ends the session, see the middleware).
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticToken.objects.filter(device__user=user).delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes(user) -> list[str]:
    """The user's unused recovery codes."""
    return list(
        StaticToken.objects.filter(device__user=user, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )


def recovery_codes_regenerate(*, user) -> list[str]:
    """Replace every recovery code of `user` with new ones (the old ones stop working)."""
    with transaction.atomic():
        codes = _issue_recovery_codes(user)
        audit(
            user=user,
            action=AuditEvent.Action.FACTOR_ADDED,
            obj=user,
            summary="new recovery codes issued",
        )
    return codes


def can_reset(actor, target) -> bool:
    """Superusers may reset anyone's factors; those who may change user accounts, anyone's
    but a superuser's. Changing an account already allows taking it over (a new password)."""
    if actor.is_superuser:
        return True
    return actor.has_perm("auth.change_user") and not target.is_superuser


def factors_reset(*, actor, target) -> int:
    """Remove every second factor of `target`, who enrols again at the next sign-in.

    Sessions of `target` verified with the old device stop counting as verified at once.
    Audited as FACTOR_RESET. Returns the number of devices removed."""
    with transaction.atomic():
        removed = 0
        for device in devices_for_user(target, confirmed=None):
            device.delete()
            removed += 1
        audit(
            user=actor,
            action=AuditEvent.Action.FACTOR_RESET,
            obj=target,
            summary=f"second factor reset for {target.get_username()}",
        )
    return removed
