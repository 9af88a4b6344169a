"""Outcome-measure scoring, exactly as published. Pure functions over plain values.

Each function cites the publication whose rule it follows. Out-of-range answers raise
ValueError; a response with too little answered to score raises IncompleteResponse.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

BOTHERSOMENESS = ("not at all", "slightly", "moderately", "very much", "extremely")


class IncompleteResponse(ValueError):
    """Too few items answered for the published rule to give a score."""


@dataclass(frozen=True)
class OdiResult:
    percent: float
    answered: int

    @property
    def band(self) -> str:
        # Fairbank & Pynsent 2000, "Interpretation of disability scores".
        if self.percent <= 20:
            return "minimal"
        if self.percent <= 40:
            return "moderate"
        if self.percent <= 60:
            return "severe"
        if self.percent <= 80:
            return "crippled"
        return "bed-bound"


@dataclass(frozen=True)
class StartBackResult:
    total: int
    psychosocial: int

    @property
    def risk(self) -> str:
        # Hill et al. 2008: overall ≤ 3 low; otherwise the psychosocial subscale ≥ 4 high.
        if self.total <= 3:
            return "low"
        return "high" if self.psychosocial >= 4 else "medium"


@dataclass(frozen=True)
class NprsResult:
    value: int

    @property
    def band(self) -> str:
        if self.value == 0:
            return "none"
        if self.value <= 3:
            return "mild"
        if self.value <= 6:
            return "moderate"
        return "severe"


@dataclass(frozen=True)
class PsfsResult:
    ratings: tuple[int, ...]

    @property
    def mean(self) -> float:
        return sum(self.ratings) / len(self.ratings)


@dataclass(frozen=True)
class RmdqResult:
    score: int


@dataclass(frozen=True)
class Change:
    instrument: str
    baseline: float
    followup: float
    delta: float
    percent: float | None
    meets_mcid: bool

    @property
    def improved(self) -> bool:
        return self.delta * DIRECTION[self.instrument] > 0


def _int_in(value, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, not {value!r}.")
    return value


def odi(sections: Sequence, *, max_missing: int | None = None) -> OdiResult:
    """Oswestry Disability Index 2.1a (Fairbank & Pynsent, Spine 2000;25:2940-52).

    Ten sections scored 0-5; percent = total / (5 x sections answered) x 100. When two
    statements are marked, the higher counts. A skipped section is left out of the denominator."""
    if len(sections) != 10:
        raise ValueError(f"The ODI has 10 sections, not {len(sections)}.")
    total = answered = 0
    for number, section in enumerate(sections, start=1):
        if section is None:
            continue
        if isinstance(section, Collection) and not isinstance(section, str):
            if not section:
                continue
            marks = [_int_in(v, 0, 5, f"ODI section {number}") for v in section]
            score = max(marks)
        else:
            score = _int_in(section, 0, 5, f"ODI section {number}")
        total += score
        answered += 1
    if answered == 0:
        raise IncompleteResponse("No ODI section was answered.")
    if max_missing is not None and 10 - answered > max_missing:
        raise IncompleteResponse(
            f"{10 - answered} ODI sections were skipped; at most {max_missing} may be."
        )
    return OdiResult(percent=total / (5 * answered) * 100, answered=answered)


def start_back(items: Sequence[bool], bothersomeness: str) -> StartBackResult:
    """STarT Back Screening Tool (Hill et al., Arthritis Rheum 2008;59:632-41).

    Items 1-8 agree = 1; item 9 scores 1 for "very much" or "extremely". Total 0-9;
    psychosocial subscale = items 5-9 (0-5)."""
    if len(items) != 8:
        raise ValueError(f"The STarT Back tool has 8 agree/disagree items, not {len(items)}.")
    if not all(isinstance(item, bool) for item in items):
        raise ValueError("Each STarT Back item must be True (agree) or False (disagree).")
    if bothersomeness not in BOTHERSOMENESS:
        raise ValueError(f"Item 9 must be one of {', '.join(BOTHERSOMENESS)}.")
    item9 = int(bothersomeness in ("very much", "extremely"))
    return StartBackResult(total=sum(items) + item9, psychosocial=sum(items[4:]) + item9)


def nprs(value: int) -> NprsResult:
    """Numeric Pain Rating Scale, 0 (no pain) to 10 (worst imaginable); bands as used by the
    clinic (0 none, 1-3 mild, 4-6 moderate, 7-10 severe; Boonstra et al., Pain 2016)."""
    return NprsResult(value=_int_in(value, 0, 10, "Pain rating"))


def psfs(ratings: Sequence[int]) -> PsfsResult:
    """Patient-Specific Functional Scale (Stratford et al., Physiother Can 1995;47:258-63).

    One to five activities the patient chooses, each rated 0 (unable) to 10 (as before);
    the score is the mean rating."""
    if not 1 <= len(ratings) <= 5:
        raise ValueError(f"The PSFS rates 1 to 5 activities, not {len(ratings)}.")
    return PsfsResult(ratings=tuple(_int_in(r, 0, 10, "Activity rating") for r in ratings))


def rmdq(answers: Sequence[bool]) -> RmdqResult:
    """Roland-Morris Disability Questionnaire (Roland & Morris, Spine 1983;8:141-4).

    24 statements; the score is the number the patient ticks (0-24)."""
    if len(answers) != 24:
        raise ValueError(f"The Roland-Morris questionnaire has 24 statements, not {len(answers)}.")
    if not all(isinstance(answer, bool) for answer in answers):
        raise ValueError("Each Roland-Morris statement must be True (ticked) or False.")
    return RmdqResult(score=sum(answers))


# Minimal clinically important change: (points, percent of baseline or None). Ostelo et al.,
# Spine 2008;33:90-4 for ODI, NPRS and RMDQ; PSFS 2 points on the mean (Stratford 1995).
MCID = {"odi": (10, 30), "nprs": (2, 30), "psfs": (2, None), "rmdq": (5, 30)}
# +1: a higher score is better; -1: a lower score is better.
DIRECTION = {"odi": -1, "nprs": -1, "psfs": 1, "rmdq": -1}
EPSILON = 1e-9


def score_value(instrument: str, result) -> float:
    """The number a measure is tracked by: ODI percent, NPRS value, PSFS mean, RMDQ score."""
    if isinstance(result, int | float) and not isinstance(result, bool):
        return float(result)
    attribute = {"odi": "percent", "nprs": "value", "psfs": "mean", "rmdq": "score"}[instrument]
    return float(getattr(result, attribute))


def change(instrument: str, baseline, followup) -> Change:
    """Change from baseline and whether the improvement reaches the MCID (points or percent).

    `baseline` and `followup` are results of the same instrument or their numeric scores."""
    if instrument not in MCID:
        raise ValueError(f"No minimal important change is defined for {instrument!r}.")
    before, after = score_value(instrument, baseline), score_value(instrument, followup)
    delta = after - before
    percent = delta / before * 100 if before else None
    improvement = delta * DIRECTION[instrument]
    points, percent_threshold = MCID[instrument]
    # A small tolerance: a PSFS mean of 5.1 falling to 3.1 is a change of 2, not 1.9999999.
    meets = improvement >= points - EPSILON or (
        percent_threshold is not None
        and percent is not None
        and improvement > 0
        and abs(percent) >= percent_threshold - EPSILON
    )
    return Change(
        instrument=instrument,
        baseline=before,
        followup=after,
        delta=delta,
        percent=percent,
        meets_mcid=meets,
    )
