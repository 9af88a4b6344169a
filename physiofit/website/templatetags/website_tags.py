from django import template

from physiofit.website.models import booking_href

register = template.Library()


@register.simple_tag(takes_context=True)
def booking_url(context, chosen=None) -> str:
    """URL of the clinic's "Book an evaluation" destination."""
    return booking_href(context["request"], chosen)
