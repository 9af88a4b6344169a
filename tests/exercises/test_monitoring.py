"""The pain-monitoring rule and adherence: pure functions, edge cases and properties."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from physiofit.exercises.monitoring import Period, adherence, pain_check

RULES = {"safe_max": 2, "acceptable_max": 5}


def check(earlier, pain, settled=None):
    return pain_check(earlier=earlier, pain=pain, settled_by_morning=settled, **RULES)


def test_pain_up_to_the_acceptable_level_is_not_flagged():
    assert check([], 0) is None
    assert check([], 5) is None


def test_pain_above_the_acceptable_level_is_flagged_at_once():
    verdict = check([], 6)
    assert verdict.reason == "too_much"
    assert "6/10" in verdict.detail
    assert check([1, 1], 7).reason == "too_much"


def test_pain_not_settled_by_the_next_morning_is_flagged():
    assert check([3], 2, settled=False).reason == "not_settled"
    assert check([3], 2, settled=True) is None


def test_two_rises_in_a_row_above_the_safe_zone_are_flagged():
    verdict = check([1, 2], 3)
    assert verdict.reason == "rising"
    assert "1, 2, 3" in verdict.detail


def test_a_rise_within_the_safe_zone_is_not_flagged():
    assert check([0, 1], 2) is None


def test_one_rise_or_a_rise_after_a_fall_is_not_flagged():
    assert check([2], 4) is None
    assert check([3, 2], 4) is None
    assert check([2, 3], 3) is None  # level, not rising


def test_too_much_is_named_before_rising():
    assert check([2, 4], 6).reason == "too_much"


def test_thresholds_come_from_the_caller():
    assert (
        pain_check(earlier=[], pain=4, settled_by_morning=None, safe_max=1, acceptable_max=3).reason
        == "too_much"
    )


START = date(2026, 11, 2)  # a Monday


def daily(exercise=1, first=START, days=28, times=1, per_week=7):
    return Period(exercise, first, first + timedelta(days=days - 1), times, per_week)


def test_every_day_done_is_full_adherence():
    logs = [(1, START + timedelta(days=n)) for n in range(14)]
    result = adherence(
        periods=[daily()], logs=logs, first_day=START, today=START + timedelta(days=14)
    )
    assert result.overall.percent == 100
    assert [w.share.percent for w in result.weeks] == [100, 100, None]


def test_today_counts_only_once_logged():
    today = START + timedelta(days=7)
    logs = [(1, START + timedelta(days=n)) for n in range(7)]
    before = adherence(periods=[daily()], logs=logs, first_day=START, today=today)
    assert before.overall.expected == 7
    after = adherence(periods=[daily()], logs=[*logs, (1, today)], first_day=START, today=today)
    assert after.overall.expected == 8
    assert after.overall.percent == 100


def test_half_the_days_is_half():
    logs = [(1, START + timedelta(days=n)) for n in range(0, 14, 2)]
    result = adherence(
        periods=[daily()], logs=logs, first_day=START, today=START + timedelta(days=14)
    )
    assert result.overall.percent == 50


def test_three_days_a_week_expects_three_sessions_a_week():
    logs = [(1, START), (1, START + timedelta(days=2)), (1, START + timedelta(days=4))]
    result = adherence(
        periods=[daily(per_week=3)], logs=logs, first_day=START, today=START + timedelta(days=7)
    )
    assert round(result.weeks[0].share.expected) == 3
    assert result.weeks[0].share.percent == 100


def test_extra_sessions_do_not_make_up_for_missed_ones():
    # Twice on one day of a once-a-day exercise, nothing the next: 1 of 2.
    logs = [(1, START), (1, START)]
    result = adherence(
        periods=[daily()], logs=logs, first_day=START, today=START + timedelta(days=2)
    )
    assert result.overall.done == 1
    assert result.overall.percent == 50


def test_each_exercise_has_its_own_share():
    logs = [(1, START + timedelta(days=n)) for n in range(7)]
    result = adherence(
        periods=[daily(1), daily(2)], logs=logs, first_day=START, today=START + timedelta(days=7)
    )
    assert result.exercises[1].percent == 100
    assert result.exercises[2].percent == 0
    assert result.overall.percent == 50


def test_nothing_prescribed_yet_has_no_percentage():
    result = adherence(
        periods=[daily(first=START + timedelta(days=3))], logs=[], first_day=START, today=START
    )
    assert result.overall.percent is None


@given(
    done_days=st.sets(st.integers(min_value=0, max_value=27)),
    per_week=st.integers(min_value=1, max_value=7),
    times=st.integers(min_value=1, max_value=3),
    today_offset=st.integers(min_value=0, max_value=30),
)
def test_adherence_stays_between_0_and_100_and_grows_with_sessions(
    done_days, per_week, times, today_offset
):
    today = START + timedelta(days=today_offset)
    period = daily(times=times, per_week=per_week)
    logs = [(1, START + timedelta(days=d)) for d in sorted(done_days)]
    result = adherence(periods=[period], logs=logs, first_day=START, today=today)
    for share in [result.overall, *(w.share for w in result.weeks)]:
        assert share.percent is None or 0 <= share.percent <= 100
    more = adherence(periods=[period], logs=[*logs, *logs], first_day=START, today=today)
    assert (more.overall.percent or 0) >= (result.overall.percent or 0)


def test_a_patient_ahead_of_a_part_week_reads_as_ahead_not_over_100():
    """Four days into a week of a 4-days-a-week exercise, done every day: 2.3 planned so far."""
    periods = [
        Period(
            exercise_id=1,
            first=START,
            last=START + timedelta(days=27),
            times_per_day=1,
            days_per_week=4,
        )
    ]
    logs = [(1, START + timedelta(days=d)) for d in range(4)]
    result = adherence(periods=periods, logs=logs, first_day=START, today=START + timedelta(days=4))
    share = result.weeks[0].share
    assert (share.done, share.planned, share.ahead, share.percent) == (3, 2, True, 100)
