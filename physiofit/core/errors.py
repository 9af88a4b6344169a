"""The site's error pages. A database that cannot be reached is a 503 ("try again in a
minute"), not a 500; both pages carry the clinic's phone, and neither needs the database."""

import contextlib
import sys

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

MESSAGES = {
    503: (
        "service_unavailable",
        "We are briefly unable to reach our records, so this page could not be shown. Please "
        "try again in a minute. If you had just pressed Book, check your email first: a "
        "confirmation arrives if the booking went through.",
    ),
    500: (
        "server_error",
        "Something went wrong on our side. Please try again in a minute.",
    ),
}
RETRY_AFTER_SECONDS = 30

CONTACT_CACHE_KEY = "errors:clinic-contact"

# The clinic's name and phone as last read, for pages shown while the database is unreachable:
# kept in this process and in the shared cache (for a process that started during an outage).
_last_known_clinic: dict = {}


def remember_clinic(clinic_settings) -> None:
    contact = {
        "name": clinic_settings.name,
        "phone": clinic_settings.phone,
        "phone_href": clinic_settings.phone_href,
    }
    if clinic_settings.phone and contact != _last_known_clinic:
        _last_known_clinic.update(contact)
        cache.set(CONTACT_CACHE_KEY, contact, timeout=None)


def last_known_clinic() -> dict:
    if not _last_known_clinic:
        # A page without the phone beats no page: a failing cache is not a second error.
        with contextlib.suppress(Exception):
            _last_known_clinic.update(cache.get(CONTACT_CACHE_KEY) or {})
    return _last_known_clinic


def is_database_outage(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


BAD_REQUESTS = {
    RequestDataTooBig: (
        413,
        "too_large",
        "What you sent is too large for us to read. Please shorten it and try again.",
    ),
    TooManyFieldsSent: (
        400,
        "too_many_fields",
        "What you sent has too many fields for us to read. Please try again.",
    ),
}
BAD_REQUEST = (400, "bad_request", "We could not read that request. Please try again.")


def bad_request(request, exception=None) -> HttpResponse:
    """handler400: a body over the upload limits is a 413 or 400 that says so, in JSON under
    /api/ and as a page elsewhere (Django's own says nothing)."""
    status, code, message = next(
        (answer for kind, answer in BAD_REQUESTS.items() if isinstance(exception, kind)),
        BAD_REQUEST,
    )
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"error": code, "message": message}, status=status)
    else:
        try:
            page = render_to_string(
                "400.html", {"status": status, "message": message}, request=request
            )
        except Exception:  # the refusal must not become a 500: a plain sentence will do
            page = f"<!DOCTYPE html><title>{status}</title><h1>{message}</h1>"
        response = HttpResponse(page, status=status)
    response["Cache-Control"] = "no-store"
    return response


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
        {"status": status, "message": message, "clinic": last_known_clinic()},
    )
