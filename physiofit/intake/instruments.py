"""Questionnaires as data: each instrument is a JSON file of items, options and a scoring key.

The engine here reads the definitions, merges a clinic's licensed wording into the
copyrighted ones, and scores a set of answers by calling the published rule in `scoring`.
Pure: no ORM, no request.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

from . import scoring, triage

DATA = Path(__file__).parent / "data" / "instruments"
KINDS = {"scale", "choice", "agree", "tick", "multi", "date", "text", "activities"}


@dataclass(frozen=True)
class Option:
    value: int | str
    label: str = ""


@dataclass(frozen=True)
class Item:
    key: str
    kind: str
    text: str = ""
    options: tuple[Option, ...] = ()
    optional: bool = False
    min: int = 0
    max: int = 10
    rows: int = 5
    min_rows: int = 1
    anchors: Mapping[str, str] | None = None
    help: str = ""
    section: str = ""
    max_length: int = 1000


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    short_name: str
    citation: str
    licence: str  # "free": shipped with its wording; "licensed": wording must be imported
    scoring: str
    items: tuple[Item, ...]
    intro: str = ""
    licence_note: str = ""
    lower_is_better: bool = True
    range: tuple[int, int] = (0, 10)
    has_wording: bool = True

    @property
    def is_measure(self) -> bool:
        """Tracked over an episode of care (the intake questionnaire is not)."""
        return self.code in scoring.MCID or self.code == "start_back"


def _item(raw: Mapping) -> Item:
    if raw.get("kind") not in KINDS:
        raise ValueError(f"Item {raw.get('key')!r} has an unknown kind {raw.get('kind')!r}.")
    options = tuple(
        Option(value=o["value"], label=o.get("label", "")) for o in raw.get("options", ())
    )
    fields = {k: v for k, v in raw.items() if k not in ("options",)}
    return Item(**fields, options=options)


def parse(raw: Mapping) -> Instrument:
    items = tuple(_item(item) for item in raw["items"])
    keys = [item.key for item in items]
    if len(keys) != len(set(keys)):
        raise ValueError(f"Instrument {raw['code']!r} repeats an item key.")
    fields = {k: v for k, v in raw.items() if k not in ("items", "range")}
    instrument = Instrument(**fields, items=items, range=tuple(raw.get("range", (0, 10))))
    if instrument.licence == "licensed":
        instrument = replace(instrument, has_wording=False)
    return instrument


@cache
def definitions() -> dict[str, Instrument]:
    """Every shipped instrument by code, licensed ones without their wording."""
    found = {}
    for path in sorted(DATA.glob("*.json")):
        instrument = parse(json.loads(path.read_text(encoding="utf-8")))
        found[instrument.code] = instrument
    return found


def get(code: str) -> Instrument:
    try:
        return definitions()[code]
    except KeyError:
        raise ValueError(f"There is no instrument {code!r}.") from None


def with_wording(instrument: Instrument, wording: Mapping) -> Instrument:
    """The instrument with a clinic's licensed wording merged in, after checking it fits.

    `wording`: {"intro": str, "items": {key: {"text": str, "options": [label, ...]}}}; every
    item needs its text, and a choice item one label per option, in the published order."""
    texts = wording.get("items")
    if not isinstance(texts, Mapping):
        raise ValueError("The wording file needs an 'items' object.")
    unknown = set(texts) - {item.key for item in instrument.items}
    if unknown:
        raise ValueError(f"The wording names items this instrument lacks: {sorted(unknown)}.")
    items = []
    for item in instrument.items:
        entry = texts.get(item.key)
        if not isinstance(entry, Mapping) or not str(entry.get("text", "")).strip():
            raise ValueError(f"The wording has no text for item {item.key!r}.")
        labels = entry.get("options", [])
        if item.options and (
            len(labels) != len(item.options) or not all(str(label).strip() for label in labels)
        ):
            raise ValueError(
                f"Item {item.key!r} needs {len(item.options)} option labels, "
                f"in order, not {len(labels)}."
            )
        options = tuple(
            replace(option, label=str(label).strip())
            for option, label in zip(item.options, labels, strict=False)
        )
        items.append(
            replace(item, text=str(entry["text"]).strip(), options=options or item.options)
        )
    return replace(
        instrument,
        items=tuple(items),
        intro=str(wording.get("intro", "")).strip(),
        has_wording=True,
    )


def _odi(answers):
    result = scoring.odi([answers.get(f"section_{n}") for n in range(1, 11)])
    return {
        "value": result.percent,
        "display": f"{result.percent:.0f} %",
        "band": result.band,
        "answered": result.answered,
    }


def _start_back(answers):
    result = scoring.start_back([answers[f"item_{n}"] for n in range(1, 9)], answers["item_9"])
    return {
        "value": result.total,
        "display": f"{result.total} of 9",
        "band": f"{result.risk} risk",
        "psychosocial": result.psychosocial,
    }


def _nprs(answers):
    result = scoring.nprs(answers["pain"])
    return {"value": result.value, "display": f"{result.value} of 10", "band": result.band}


def _ratings(rows) -> list[int]:
    return [row["rating"] for row in rows]


def _psfs(answers):
    result = scoring.psfs(_ratings(answers["activities"]))
    return {"value": result.mean, "display": f"{result.mean:.1f} of 10", "band": ""}


def _rmdq(answers):
    result = scoring.rmdq([bool(answers.get(f"statement_{n}")) for n in range(1, 25)])
    return {"value": result.score, "display": f"{result.score} of 24", "band": ""}


def _intake(answers, today):
    onset = date.fromisoformat(answers["onset"])
    pain = scoring.nprs(answers["pain_now"])
    activities = scoring.psfs(_ratings(answers["psfs"]))
    return {
        "duration_class": triage.duration_class(onset, today),
        "weeks": (today - onset).days // 7,
        "pain_now": pain.value,
        "pain_band": pain.band,
        "psfs_mean": activities.mean,
    }


SCORERS = {"odi": _odi, "start_back": _start_back, "nprs": _nprs, "psfs": _psfs, "rmdq": _rmdq}


def score(instrument: Instrument, answers: Mapping, *, today: date) -> dict:
    """The stored summary of a complete response: its score, a display string and band.

    Raises ValueError (or scoring.IncompleteResponse) when the answers cannot be scored."""
    missing = [
        item.text or item.key
        for item in instrument.items
        if not item.optional and item.kind != "tick" and answers.get(item.key) in (None, "", [])
    ]
    if missing:
        raise scoring.IncompleteResponse("; ".join(missing))
    if instrument.scoring == "intake":
        return _intake(answers, today)
    return SCORERS[instrument.scoring](answers)
