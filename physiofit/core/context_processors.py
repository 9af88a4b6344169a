from django.utils import timezone
from wagtail.models import Site

from .cache import limit_page_cache
from .hours import open_status, schedule_lines, seconds_until_change, upcoming_closures
from .models import ClinicSettings


def clinic(request) -> dict:
    """The clinic's facts and its open/closed line for every template (footer, JSON-LD)."""
    if getattr(request, "_clinic_context", None) is None:
        clinic_settings = getattr(request, "_clinic_settings", None)
        if clinic_settings is None:
            site = Site.find_for_request(request)
            # No site at all (an emptied database): render with defaults rather than fail.
            clinic_settings = ClinicSettings.for_site(site) if site else ClinicSettings()
        ranges = clinic_settings.opening_ranges()
        closures = clinic_settings.closure_list()
        now = timezone.now()
        zone = clinic_settings.zone
        status = open_status(ranges, now, zone, closures)
        limit_page_cache(request, seconds_until_change(ranges, now, zone, closures))
        request._clinic_context = {
            "clinic": clinic_settings,
            "clinic_status": status,
            "clinic_status_label": status.label(now),
            "clinic_schedule": schedule_lines(ranges),
            # "Closed Thursday, November 26 (Thanksgiving)", for the next 60 days.
            "clinic_closures": [
                c.line() for c in upcoming_closures(closures, now.astimezone(zone).date())
            ],
        }
    return request._clinic_context
