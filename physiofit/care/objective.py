"""The objective findings that are numbers, as fields with their units and ranges: range of
motion in degrees, strength on the 0–5 scale, straight-leg raise, and the neuro screen. A note
keeps them in `Note.findings` ({key: value}); what is not a number stays in the free text."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    key: str
    label: str
    group: str
    low: int = 0
    high: int = 0
    unit: str = ""
    choices: tuple[str, ...] = ()

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


ROM = "Lumbar range of motion (degrees)"
STRENGTH = "Strength (0–5)"
SLR = "Straight-leg raise"
NEURO = "Neuro screen"
SLR_RESULT = ("negative", "positive")
NEURO_RESULT = ("intact", "impaired")


def _pair(key: str, label: str, group: str, **kw) -> list[Finding]:
    return [
        Finding(f"{key}_l", f"{label}, left", group, **kw),
        Finding(f"{key}_r", f"{label}, right", group, **kw),
    ]


FINDINGS: list[Finding] = [
    Finding("rom_flexion", "Flexion", ROM, 0, 120, "°"),
    Finding("rom_extension", "Extension", ROM, 0, 60, "°"),
    *_pair("rom_side_bend", "Side bend", ROM, low=0, high=60, unit="°"),
    *_pair("rom_rotation", "Rotation", ROM, low=0, high=60, unit="°"),
    *_pair("str_hip_flexion", "Hip flexion", STRENGTH, low=0, high=5),
    *_pair("str_hip_abduction", "Hip abduction", STRENGTH, low=0, high=5),
    *_pair("str_knee_extension", "Knee extension", STRENGTH, low=0, high=5),
    *_pair("slr_angle", "Angle", SLR, low=0, high=110, unit="°"),
    *_pair("slr_result", "Result", SLR, choices=SLR_RESULT),
    Finding("neuro_sensation", "Sensation", NEURO, choices=NEURO_RESULT),
    Finding("neuro_reflexes", "Reflexes", NEURO, choices=NEURO_RESULT),
    Finding("neuro_myotomes", "Myotomes", NEURO, choices=NEURO_RESULT),
]
BY_KEY = {f.key: f for f in FINDINGS}
GROUPS = list(dict.fromkeys(f.group for f in FINDINGS))


def clean(values: dict) -> dict:
    """Only known keys with values in range; raises ValueError naming the first bad one."""
    cleaned = {}
    for key, value in values.items():
        finding = BY_KEY.get(key)
        if finding is None or value in (None, ""):
            continue
        if finding.is_choice:
            if value not in finding.choices:
                raise ValueError(f"{finding.label}: choose {' or '.join(finding.choices)}.")
        elif isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{finding.label}: a whole number, please.")
        elif not finding.low <= value <= finding.high:
            raise ValueError(
                f"{finding.label}: from {finding.low} to {finding.high}{finding.unit}."
            )
        cleaned[key] = value
    return cleaned


def rows(values: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """The recorded findings by group, as (group, [(label, "value unit")]) for reading."""
    found = []
    for group in GROUPS:
        items = [
            (f.label, f"{values[f.key]}{f.unit}")
            for f in FINDINGS
            if f.group == group and values.get(f.key) not in (None, "")
        ]
        if items:
            found.append((group, items))
    return found
