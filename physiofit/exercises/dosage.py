"""Dosage in words, the same on the portal, the handout, the staff pages and the FHIR export."""

SIDES = [
    ("both", "both sides together"),
    ("each", "each side"),
    ("left", "left side"),
    ("right", "right side"),
]
SIDE_WORDS = dict(SIDES)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def frequency_text(times_per_day: int, days_per_week: int) -> str:
    """ "Once a day, every day", "twice a day, 3 days a week"."""
    per_day = {1: "once a day", 2: "twice a day"}.get(times_per_day, f"{times_per_day} times a day")
    per_week = "every day" if days_per_week >= 7 else f"{days_per_week} days a week"
    return f"{per_day}, {per_week}"


def dosage_text(
    *,
    sets: int,
    reps: int | None,
    hold_seconds: int | None,
    side: str,
    load: str,
    rest_seconds: int | None,
    times_per_day: int,
    days_per_week: int,
) -> str:
    """One line: "3 sets of 10 reps, hold 5 s, each side, light band, rest 60 s; once a day,
    every day"."""
    parts = [_plural(sets, "set") + (f" of {_plural(reps, 'rep')}" if reps else "")]
    if hold_seconds:
        parts.append(f"hold {hold_seconds} s")
    if side:
        parts.append(SIDE_WORDS.get(side, side))
    if load:
        parts.append(load)
    if rest_seconds:
        parts.append(f"rest {rest_seconds} s")
    return ", ".join(parts) + "; " + frequency_text(times_per_day, days_per_week)
