"""Refused back-office requests in the audit log ("denied").

Wagtail 8 turns a PermissionDenied inside an admin view into a redirect to the dashboard with
an error message (wagtail.admin.auth.permission_denied); only XHR requests get a real 403. It
offers no hook or signal for that refusal, so `watch_wagtail_refusals` wraps the function to
mark the request, and the middleware records one event for either kind of refusal.
"""

import functools

from . import staff_session
from .models import AuditEvent, audit

DENIED_FLAG = "_physiofit_access_denied"


def watch_wagtail_refusals() -> None:
    """Make Wagtail's permission-denied response mark the request (once, at start-up)."""
    from wagtail.admin import auth

    original = auth.permission_denied
    if getattr(original, "physiofit_watched", False):
        return

    @functools.wraps(original)
    def permission_denied(request):
        setattr(request, DENIED_FLAG, True)
        return original(request)

    permission_denied.physiofit_watched = True
    # Wagtail's own decorators look the function up in this module at call time.
    auth.permission_denied = permission_denied


class DeniedAccessAuditMiddleware:
    """One "denied" event when a signed-in user is refused an admin view. The route's name is
    recorded, never the path: a path can carry a record's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        refused = response.status_code == 403 or getattr(request, DENIED_FLAG, False)
        if refused and request.user.is_authenticated and staff_session.protects(request.path_info):
            match = request.resolver_match
            audit(
                user=request.user,
                action=AuditEvent.Action.DENIED,
                object_type="admin.view",
                object_id="",
                summary=match.view_name if match else "unknown admin address",
            )
        return response
