"""Pure rules over plain values: the pain-monitoring model and adherence.

Pain monitoring follows Silbernagel et al. (Am J Sports Med 2007;35:897-906): pain during
exercise of 0-2/10 is safe, up to 5 acceptable, above 5 too much, and pain should have settled
by the next morning. The clinic sets the two thresholds."""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class PainVerdict:
    reason: str  # "too_much", "not_settled" or "rising" (PainFlag.Reason)
    detail: str


def pain_check(
    *,
    earlier: list[int],
    pain: int,
    settled_by_morning: bool | None,
    safe_max: int,
    acceptable_max: int,
) -> PainVerdict | None:
    """Whether a session just logged for one exercise should stop that exercise.

    `earlier` is the pain of the exercise's previous sessions, oldest first. Flags, most serious
    first: pain above `acceptable_max`; pain from the last session not settled by the next
    morning; pain that rose at two sessions in a row and now stands above `safe_max` (a rise
    within the safe zone is, by the model, safe)."""
    if pain > acceptable_max:
        return PainVerdict(
            "too_much", f"Pain {pain}/10 during the session (above {acceptable_max})"
        )
    if settled_by_morning is False:
        return PainVerdict(
            "not_settled", "Pain after the previous session had not settled by the next morning"
        )
    if len(earlier) >= 2 and earlier[-2] < earlier[-1] < pain and pain > safe_max:
        return PainVerdict(
            "rising", f"Pain rose two sessions in a row: {earlier[-2]}, {earlier[-1]}, {pain}"
        )
    return None


@dataclass(frozen=True)
class Period:
    """An exercise prescribed from `first` to `last` (inclusive) at this frequency."""

    exercise_id: int
    first: date
    last: date
    times_per_day: int
    days_per_week: int


@dataclass(frozen=True)
class Share:
    expected: float
    done: int

    @property
    def percent(self) -> int | None:
        """Sessions done against sessions expected, 0-100 (done beyond the plan adds nothing);
        None when nothing was expected yet."""
        if self.expected <= 0:
            return None
        return round(100 * min(self.done, self.expected) / self.expected)

    @property
    def planned(self) -> int:
        """Sessions planned so far, as a whole number for people to read."""
        return round(self.expected)

    @property
    def ahead(self) -> bool:
        """More logged than planned so far: a patient doing a 4-days-a-week exercise on the
        first 4 days of a week is ahead, not at 130 %."""
        return self.done > self.planned


@dataclass(frozen=True)
class Week:
    number: int
    starts_on: date
    share: Share


@dataclass(frozen=True)
class Adherence:
    overall: Share
    weeks: list[Week]
    exercises: dict[int, Share]


def adherence(
    *, periods: list[Period], logs: list[tuple[int, date]], first_day: date, today: date
) -> Adherence:
    """Sessions logged against sessions prescribed, from `first_day` to `today`.

    A day of an exercise prescribed `days_per_week` days a week, `times_per_day` times, expects
    times_per_day * days_per_week / 7 sessions (the patient picks the days). Days before today
    count; today counts for an exercise once it is logged, so a morning view does not show a
    patient behind for a day not yet over. Sessions beyond times_per_day on one day, or of an
    exercise not prescribed that day, count for nothing. Weeks run from `first_day`."""
    done_by_day: dict[tuple[int, date], int] = defaultdict(int)
    for exercise_id, day in logs:
        done_by_day[(exercise_id, day)] += 1
    expected_by: dict[tuple[int, int], float] = defaultdict(float)  # (exercise, week)
    done_by: dict[tuple[int, int], int] = defaultdict(int)
    counted: set[tuple[int, date]] = set()
    for period in periods:
        day = max(period.first, first_day)
        last = min(period.last, today)
        while day <= last:
            key = (period.exercise_id, day)
            if (day < today or done_by_day.get(key)) and key not in counted:
                counted.add(key)
                week = (day - first_day).days // 7
                expected_by[(period.exercise_id, week)] += (
                    period.times_per_day * period.days_per_week / 7
                )
                done_by[(period.exercise_id, week)] += min(
                    done_by_day.get(key, 0), period.times_per_day
                )
            day += timedelta(days=1)
    week_expected: dict[int, float] = defaultdict(float)
    week_done: dict[int, int] = defaultdict(int)
    exercise_expected: dict[int, float] = defaultdict(float)
    exercise_done: dict[int, int] = defaultdict(int)
    for (exercise_id, week), expected in expected_by.items():
        # Within a week, sessions beyond the week's plan do not make up for another exercise.
        done = min(done_by[(exercise_id, week)], math.ceil(expected))
        week_expected[week] += expected
        week_done[week] += done
        exercise_expected[exercise_id] += expected
        exercise_done[exercise_id] += done
    last_week = max(0, (today - first_day).days // 7)
    weeks = [
        Week(n + 1, first_day + timedelta(weeks=n), Share(week_expected[n], week_done[n]))
        for n in range(last_week + 1)
        if today >= first_day
    ]
    return Adherence(
        overall=Share(sum(week_expected.values()), sum(week_done.values())),
        weeks=weeks,
        exercises={e: Share(exercise_expected[e], exercise_done[e]) for e in exercise_expected},
    )


def sessions_still_due_this_week(
    *, period: Period, logs_this_week: int, week_start: date, today: date
) -> bool:
    """Whether the patient still has sessions of this exercise to do this week (a program day
    for reminders): fewer logged than the week's plan."""
    if not (period.first <= today <= period.last):
        return False
    planned = period.times_per_day * period.days_per_week
    days_left = (week_start + timedelta(days=7) - today).days
    return logs_this_week < planned and days_left > 0
