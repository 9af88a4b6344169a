"""Staff back-office sessions: who counts as staff, and when their session ends.

A session ends after STAFF_IDLE_TIMEOUT_MINUTES without an admin request, and after
STAFF_SESSION_MAX_HOURS in all. The patient portal keeps its own rules (physiofit/intake/).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import NoReverseMatch, reverse

SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
# Activity is written back to the session at most once a minute, not on every request: the
# idle limit is counted in minutes, and a session write per click is a database write per click.
LAST_SEEN_RESOLUTION_SECONDS = 60


def now() -> float:
    """Seconds since the epoch; one place for tests to move the clock."""
    return time.time()


def protects(path: str) -> bool:
    """The paths a staff session's rules apply to: the back office."""
    try:
        prefix = reverse("wagtailadmin_home")
    except NoReverseMatch:  # a URL configuration without the admin (some tests)
        return False
    return path.startswith(prefix)


def is_staff(user) -> bool:
    """Anyone who can reach the back office (superusers included)."""
    return user.is_authenticated and user.has_perm("wagtailadmin.access_admin")


def start(session) -> None:
    """Mark the session as signed in now (called on every sign-in)."""
    moment = int(now())
    session[SIGNED_IN_AT] = moment
    session[LAST_SEEN_AT] = moment


def expiry_reason(session) -> str | None:
    """Why the session has ended ("idle" or "maximum length"), or None while it is valid."""
    moment = now()
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN_AT, signed_in)
    if signed_in is None:
        return None
    if moment - signed_in > settings.STAFF_SESSION_MAX_HOURS * 3600:
        return "maximum length"
    if moment - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
        return "idle"
    return None


class StaffSessionTimeoutMiddleware:
    """Signs a staff member out on the first admin request after the idle limit or the maximum
    session length, and sends them to the sign-in page with a message. Public pages and static
    files neither count as activity nor touch the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if protects(request.path_info) and is_staff(request.user):
            session = request.session
            if SIGNED_IN_AT not in session:
                # A session from before these rules: its clock starts now.
                start(session)
            elif reason := expiry_reason(session):
                return self._sign_out(request, reason)
            elif now() - session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION_SECONDS:
                session[LAST_SEEN_AT] = int(now())
        return self.get_response(request)

    def _sign_out(self, request, reason: str):
        # Read by the sign-out audit receiver (physiofit/core/signals.py).
        request.staff_sign_out_reason = reason
        logout(request)
        if reason == "idle":
            text = (
                f"You were signed out after {settings.STAFF_IDLE_TIMEOUT_MINUTES} minutes "
                "without activity. Please sign in again."
            )
        else:
            text = (
                f"You were signed out: a session lasts at most "
                f"{settings.STAFF_SESSION_MAX_HOURS} hours. Please sign in again."
            )
        messages.warning(request, text)
        return redirect_to_login(request.get_full_path(), login_url=reverse("wagtailadmin_login"))
