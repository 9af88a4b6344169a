"""The site's error pages. A database that cannot be reached is a 503 ("try again in a
minute"), not a 500; both pages carry the clinic's phone, and neither needs the database."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

MESSAGES = {
    503: (
        "service_unavailable",
        "We are briefly unable to reach our records. Nothing you sent was lost: please try "
        "again in a minute.",
    ),
    500: (
        "server_error",
        "Something went wrong on our side. Please try again in a minute.",
    ),
}
RETRY_AFTER_SECONDS = 30

# The clinic's name and phone as last read by this process, for pages shown while the
# database is unreachable.
_last_known_clinic: dict = {}


def remember_clinic(clinic_settings) -> None:
    if clinic_settings.phone:
        _last_known_clinic.update(
            name=clinic_settings.name,
            phone=clinic_settings.phone,
            phone_href=clinic_settings.phone_href,
        )


def is_database_outage(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request, *args, **kwargs) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() holds it."""
    status = 503 if is_database_outage(sys.exc_info()[1]) else 500
    code, message = MESSAGES[status]
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"error": code, "message": message}, status=status)
    else:
        response = HttpResponse(_render_page(request, status, message), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _render_page(request, status: int, message: str) -> str:
    if status == 500:
        try:
            # The site's full design, header and footer included, when the database answers.
            return render_to_string("500.html", {"message": message}, request=request)
        except Exception:  # noqa: S110 the plain page below needs nothing that can fail
            pass
    return render_to_string(
        "errors/plain.html",
        {"status": status, "message": message, "clinic": _last_known_clinic},
    )
