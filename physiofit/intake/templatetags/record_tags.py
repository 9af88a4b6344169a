"""Filters for the record export: its dates are ISO strings (the JSON file's form), shown
here the way people read them."""

from datetime import date, datetime

from django import template

register = template.Library()


@register.filter
def iso_when(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    hour = moment.strftime("%I").lstrip("0")
    return f"{moment:%B} {moment.day}, {moment.year}, {hour}:{moment:%M %p}"


@register.filter
def iso_day(value: str | None) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value[:10])
    return f"{day:%B} {day.day}, {day.year}"
