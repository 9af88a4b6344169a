"""Staff sign-in, failed sign-in and sign-out in the audit log, from Django's auth signals.

Connected in CoreConfig.ready(). Only Django user accounts sign in this way (patients use
magic links), so every event here is a staff member's.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from . import staff_session
from .models import AuditEvent, audit


def record_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        staff_session.start(request.session)
    audit(
        user=user,
        action=AuditEvent.Action.SIGN_IN,
        obj=user,
        summary="password accepted; second factor still to come",
    )


def record_failed_sign_in(sender, credentials, request=None, **kwargs) -> None:
    # Django has already replaced the password with asterisks; only the username is kept.
    typed = str(credentials.get("username") or "")
    audit(
        user=None,
        action=AuditEvent.Action.SIGN_IN_FAILED,
        object_type="auth.user",
        actor_name=typed or "(no username)",
        summary="wrong username or password",
    )


def record_sign_out(sender, request, user, **kwargs) -> None:
    if user is None:  # a sign-out without a signed-in user: nothing to record
        return
    reason = getattr(request, "staff_sign_out_reason", "")
    audit(
        user=user,
        action=AuditEvent.Action.SIGN_OUT,
        obj=user,
        summary=f"session ended: {reason}" if reason else "signed out",
    )


def connect() -> None:
    from .admin_time import install as admin_in_clinic_time

    admin_in_clinic_time()
    user_logged_in.connect(record_sign_in, dispatch_uid="physiofit-audit-sign-in")
    user_login_failed.connect(record_failed_sign_in, dispatch_uid="physiofit-audit-sign-in-failed")
    user_logged_out.connect(record_sign_out, dispatch_uid="physiofit-audit-sign-out")
