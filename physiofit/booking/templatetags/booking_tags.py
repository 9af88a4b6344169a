from django import template
from django.utils.html import format_html

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
def when_element(moment, zone) -> str:
    """long_when in a <time> element that static/js/local-time.js adds the reader's own time
    beside, when their device's clock differs from the clinic's."""
    return format_html(
        '<time datetime="{}" data-local="{}">{}</time>',
        moment.isoformat(),
        zone.key,
        long_when(moment, zone),
    )


@register.filter
def local_day(moment, zone) -> str:
    """YYYY-MM-DD of the clinic's day (Django's |date would convert back to UTC)."""
    return moment.astimezone(zone).date().isoformat()


@register.filter
def local_hhmm(moment, zone) -> str:
    """HH:MM of the clinic's wall clock, for a form field or a link's query."""
    return moment.astimezone(zone).strftime("%H:%M")


@register.filter
def local_long_day(moment, zone) -> str:
    """Monday, December 7 (the clinic's day)."""
    local = moment.astimezone(zone)
    return f"{local:%A, %B} {local.day}"


@register.filter
def as_list(value) -> list:
    return [value]
