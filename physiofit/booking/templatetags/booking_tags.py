from django import template

from physiofit.core.hours import format_time

register = template.Library()


@register.filter
def clock(moment, zone=None) -> str:
    """9:15 AM, in the clinic's zone."""
    local = moment.astimezone(zone) if zone else moment
    return format_time(local.time())


@register.filter
def long_when(moment, zone) -> str:
    """Tuesday, December 1, 2026 at 9:15 AM PST."""
    local = moment.astimezone(zone)
    return f"{local:%A, %B} {local.day}, {local:%Y} at {format_time(local.time())} {local:%Z}"


@register.filter
def local_day(moment, zone) -> str:
    """YYYY-MM-DD of the clinic's day (Django's |date would convert back to UTC)."""
    return moment.astimezone(zone).date().isoformat()
