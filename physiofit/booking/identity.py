"""Who is booking, when an app above booking can tell: a registry of patient resolvers.

Booking cannot know how patients sign in (the portal lives in intake, above it), so an app
that identifies patients registers a resolver, a function of the request returning the signed-in
Patient or None, with the name of the URL where a patient asks for a sign-in link. Booking asks
the resolvers before letting anyone book a returning-patient service online.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from .models import Patient

PatientResolver = Callable[[HttpRequest], Patient | None]


@dataclass(frozen=True)
class _Registered:
    resolve: PatientResolver
    sign_in_url_name: str


_resolvers: list[_Registered] = []


def register_patient_resolver(resolve: PatientResolver, *, sign_in_url_name: str) -> None:
    """Called from an AppConfig.ready(); registering the same resolver twice is a no-op."""
    if all(entry.resolve is not resolve for entry in _resolvers):
        _resolvers.append(_Registered(resolve, sign_in_url_name))


def known_patient(request: HttpRequest) -> Patient | None:
    """The patient the request is signed in as, by the first resolver that knows one."""
    for entry in _resolvers:
        if (patient := entry.resolve(request)) is not None:
            return patient
    return None


def sign_in_url() -> str | None:
    """Where a patient asks for a sign-in link (the form there answers the same for any email)."""
    return reverse(_resolvers[0].sign_in_url_name) if _resolvers else None
