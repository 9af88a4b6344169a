from django import template

from physiofit.intake import scoring
from physiofit.intake.chart import line_chart

register = template.Library()


@register.simple_tag
def series_chart(series):
    """Chart coordinates for a Series, with the MCID line drawn from its baseline."""
    low, high = series.instrument.range
    baseline = series.baseline.value
    target = None
    if series.mcid:
        # Either criterion is enough, so the line sits at the smaller required improvement.
        points, percent = series.mcid
        needed = min(points, abs(baseline) * percent / 100) if percent else points
        target = baseline + needed * scoring.DIRECTION[series.instrument.code]
    return line_chart([p.value for p in series.points], low=low, high=high, mcid_target=target)


@register.filter
def signed(value, digits=1) -> str:
    if value is None:
        return "–"
    return f"{value:+.{int(digits)}f}".replace("-", "−")


@register.filter
def in_zone(moment, zone):
    """The wall-clock time in `zone`, for the `date` filter. Wagtail's admin renders in the
    user's chosen zone or the server's, so clinic times are converted explicitly."""
    if moment is None or zone is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)
