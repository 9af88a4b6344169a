"""Coordinates for a small line chart of one measure over time, drawn as inline SVG.
Pure: takes plain numbers, returns plain numbers."""

from dataclasses import dataclass

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 200, 44, 16, 14, 30


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: list[tuple[float, float]]
    polyline: str
    y_ticks: list[tuple[float, str]]
    mcid_y: float | None  # the line a follow-up must cross to reach the MCID
    plot_left: int
    plot_right: int


def line_chart(
    values: list[float], *, low: float, high: float, mcid_target: float | None = None
) -> Chart:
    """Evenly spaced points (one per answer, in order) scaled into the plot area."""
    span = (high - low) or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / (len(values) - 1) if len(values) > 1 else 0

    def y_of(value: float) -> float:
        clamped = min(max(value, low), high)
        return round(TOP + inner_h * (1 - (clamped - low) / span), 1)

    points = [
        (round(LEFT + (step * i if len(values) > 1 else inner_w / 2), 1), y_of(v))
        for i, v in enumerate(values)
    ]
    ticks = [(y_of(low + span * f), f"{low + span * f:g}") for f in (0, 0.5, 1)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        polyline=" ".join(f"{x},{y}" for x, y in points),
        y_ticks=ticks,
        mcid_y=y_of(mcid_target)
        if mcid_target is not None and low <= mcid_target <= high
        else None,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
    )
