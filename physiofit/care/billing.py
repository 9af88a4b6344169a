"""Billing units for timed CPT codes: pure functions, no database.

CMS's 8-minute rule (Medicare Claims Processing Manual, chapter 5, section 20.2): the total of a
visit's timed minutes decides how many 15-minute units it bills (8-22 minutes: 1, 23-37: 2,
38-52: 3, ...). Each code first gets its full 15-minute blocks; the units left go one each to
the codes with the most minutes remaining. A timed code done under 8 minutes alone bills
nothing. Private payers that follow the CPT "substantial portion" reading bill each code on its
own: a unit once 8 minutes of it are done, another at each further 15.
"""

from collections.abc import Mapping

CMS = "cms"
SUBSTANTIAL_PORTION = "substantial_portion"
RULES = (CMS, SUBSTANTIAL_PORTION)

UNIT_MINUTES = 15
# The least minutes of a unit that bill it: more than half of 15.
MIDPOINT = 8

# Timed (per 15 minutes) codes a physical therapist bills most, with what they are.
TIMED_CODES = {
    "97110": "Therapeutic exercise",
    "97112": "Neuromuscular re-education",
    "97116": "Gait training",
    "97140": "Manual therapy",
    "97530": "Therapeutic activities",
    "97535": "Self-care / home management training",
    "97035": "Ultrasound",
}
# Billed once per visit whatever the time: evaluations by complexity, the re-evaluation, and
# supervised modalities.
UNTIMED_CODES = {
    "97161": "PT evaluation, low complexity",
    "97162": "PT evaluation, moderate complexity",
    "97163": "PT evaluation, high complexity",
    "97164": "PT re-evaluation",
    "97010": "Hot or cold packs",
    "97012": "Mechanical traction",
    "97014": "Electrical stimulation, unattended",
}
ALL_CODES = {**TIMED_CODES, **UNTIMED_CODES}
CODE_CHOICES = [(code, f"{code} {name}") for code, name in sorted(ALL_CODES.items())]


def visit_units(minutes: dict[str, int], untimed: list[str], *, rule: str = CMS) -> dict[str, int]:
    """Units per code for a whole visit: the timed codes by `rule`, each untimed code once."""
    units = timed_units(minutes, rule=rule)
    for code in untimed:
        if code not in UNTIMED_CODES:
            raise ValueError(f"{code} is not an untimed code.")
        units[code] = 1
    return units


def units_for_total(total_minutes: int) -> int:
    """Units the visit bills under the 8-minute rule for this many timed minutes."""
    if total_minutes < MIDPOINT:
        return 0
    return (total_minutes - MIDPOINT) // UNIT_MINUTES + 1


def _checked(minutes: Mapping[str, int]) -> dict[str, int]:
    checked = {}
    for code, value in minutes.items():
        if code in UNTIMED_CODES:
            raise ValueError(f"{code} is billed once per visit, not by its minutes.")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"Minutes for {code} must be a whole number, 0 or more.")
        checked[code] = value
    return checked


def timed_units(minutes: dict[str, int], *, rule: str = CMS) -> dict[str, int]:
    """Units per timed code for one visit, every code given included (0 units where it bills
    none). Under the CMS rule, a tie for the last unit goes to the code with more minutes in
    all, then to the one given first. Raises ValueError for negative or non-whole minutes, an
    untimed code, or an unknown rule."""
    if rule not in RULES:
        raise ValueError(f"Unknown billing rule {rule!r}: use one of {', '.join(RULES)}.")
    minutes = _checked(minutes)
    if rule == SUBSTANTIAL_PORTION:
        return {code: units_for_total(value) for code, value in minutes.items()}
    units = {code: value // UNIT_MINUTES for code, value in minutes.items()}
    left = units_for_total(sum(minutes.values())) - sum(units.values())
    order = sorted(
        enumerate(minutes),
        key=lambda item: (-(minutes[item[1]] % UNIT_MINUTES), -minutes[item[1]], item[0]),
    )
    for _, code in order[:left]:
        units[code] += 1
    return units
