from django.utils import timezone
from wagtail.models import Site

from .errors import remember_clinic
from .models import ClinicSettings


class ClinicTimeZoneMiddleware:
    """Dates and times render in the clinic's zone, not the server's UTC: a form sent at 5 PM
    in Bend says so, not "tomorrow". The settings row is kept on the request for the context
    processor, so a page costs no extra query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        site = Site.find_for_request(request)
        # No site at all (an emptied database): render with defaults rather than fail.
        request._clinic_settings = ClinicSettings.for_site(site) if site else ClinicSettings()
        remember_clinic(request._clinic_settings)
        with timezone.override(request._clinic_settings.zone):
            return self.get_response(request)
