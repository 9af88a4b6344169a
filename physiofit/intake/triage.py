"""Red-flag screening and duration class: pure rules over plain answers.

The questions, the rules that map answers to a tier, and the patient-facing messages are data
(`data/red_flags.json`) that staff can read in the admin; this module only applies them.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

TIERS = ("emergency", "same_day", "flag", "clear")  # most to least urgent
DATA = Path(__file__).parent / "data" / "red_flags.json"


@dataclass(frozen=True)
class Question:
    key: str
    text: str


@dataclass(frozen=True)
class Rule:
    tier: str
    when: tuple[str, ...]  # every one of these answered yes
    reason: str


@dataclass(frozen=True)
class RedFlags:
    title: str
    sources: tuple[str, ...]
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    messages: Mapping[str, Mapping[str, str]]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)


@dataclass(frozen=True)
class Screening:
    tier: str
    reasons: tuple[str, ...]

    @property
    def allows_booking(self) -> bool:
        return self.tier != "emergency"


def load(raw: Mapping) -> RedFlags:
    """Build the red-flag set from its data, refusing rules that name unknown questions."""
    questions = tuple(Question(key=q["key"], text=q["text"]) for q in raw["questions"])
    keys = {q.key for q in questions}
    rules = tuple(
        Rule(tier=r["tier"], when=tuple(r["when"]), reason=r["reason"]) for r in raw["rules"]
    )
    for rule in rules:
        if rule.tier not in TIERS[:-1] or not rule.when or not set(rule.when) <= keys:
            raise ValueError(f"Red-flag rule {rule.reason!r} is malformed.")
    if set(raw["messages"]) != set(TIERS):
        raise ValueError("Red-flag data needs one message per tier.")
    return RedFlags(
        title=raw["title"],
        sources=tuple(raw["sources"]),
        questions=questions,
        rules=rules,
        messages=raw["messages"],
    )


@cache
def red_flags() -> RedFlags:
    return load(json.loads(DATA.read_text(encoding="utf-8")))


def screen(answers: Mapping[str, bool], flags: RedFlags | None = None) -> Screening:
    """The most urgent tier any rule reaches, with every matched reason, most urgent first.

    The rules follow NICE NG59 (2016/2020), the IFOMPT red-flag framework (Finucane et al.,
    JOSPT 2020;50:350-72) and the GIRFT/BASS suspected cauda equina pathway (2023).

    `answers` maps question keys to True (yes) or False (no); an unanswered question counts
    as no. Unknown keys or non-boolean answers raise ValueError."""
    flags = flags or red_flags()
    unknown = set(answers) - set(flags.keys)
    if unknown:
        raise ValueError(f"Unknown screening question: {', '.join(sorted(unknown))}.")
    for key, value in answers.items():
        if not isinstance(value, bool):
            raise ValueError(f"The answer to {key!r} must be yes or no.")
    yes = {key for key, value in answers.items() if value}
    matched = [rule for rule in flags.rules if yes.issuperset(rule.when)]
    if not matched:
        return Screening(tier="clear", reasons=())
    matched.sort(key=lambda rule: TIERS.index(rule.tier))
    return Screening(tier=matched[0].tier, reasons=tuple(rule.reason for rule in matched))


def duration_class(onset: date, today: date) -> str:
    """Acute under 4 weeks, subacute 4 to 12 weeks, chronic over 12 weeks since onset.

    The clinic's own definitions, which match Qaseem et al., ACP guideline, Ann Intern Med
    2017;166:514-30. Weeks are days / 7, so day 28 is subacute and day 85 chronic."""
    if onset > today:
        raise ValueError("The pain cannot have started after today.")
    weeks = (today - onset).days / 7
    if weeks < 4:
        return "acute"
    if weeks <= 12:
        return "subacute"
    return "chronic"
