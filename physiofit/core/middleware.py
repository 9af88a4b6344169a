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


class HeadWithoutBodyMiddleware:
    """A HEAD answer carries the headers of the GET, without its body. gunicorn does not strip
    it (and warns on every HEAD: uptime monitors send one a minute)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            response.streaming_content = iter(())
        else:
            length = len(response.content)
            response.content = b""
            response["Content-Length"] = str(length)
        return response


class PreviewFramingMiddleware:
    """Wagtail's live preview shows the page in a frame inside the editor, on the page's public
    path: allow that one framing by the site itself ('self'), which the public pages' policy
    (frame-ancestors 'none') refuses. Only signed-in editors get a preview. Runs inside the CSP
    middleware, which reads the replacement on its way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "is_preview", False):
            response._csp_replace = {"frame-ancestors": ["'self'"]}
        return response
