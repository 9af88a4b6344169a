"""Scoring rules against the published worked examples, their boundaries and properties."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from physiofit.intake.scoring import (
    IncompleteResponse,
    change,
    nprs,
    odi,
    psfs,
    rmdq,
    start_back,
)

# --- Oswestry Disability Index (Fairbank & Pynsent 2000) ---------------------------------


def test_odi_published_example_all_sections():
    # The scoring sheet's example: 16 points out of a possible 50 is 32 %.
    sections = [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]
    assert odi(sections).percent == pytest.approx(32.0)
    assert odi(sections).band == "moderate"


def test_odi_published_example_one_section_missed():
    # The same 16 points with one section skipped: 16 / 45 x 100 = 35.5 %.
    sections = [2, 2, 2, 2, 2, 2, 1, 1, 2, None]
    result = odi(sections)
    assert result.percent == pytest.approx(16 / 45 * 100)
    assert math.floor(result.percent * 10) / 10 == 35.5
    assert result.answered == 9


def test_odi_two_statements_marked_counts_the_higher():
    assert odi([{1, 3}, 0, 0, 0, 0, 0, 0, 0, 0, 0]).percent == pytest.approx(6.0)
    assert odi([(4, 2), 0, 0, 0, 0, 0, 0, 0, 0, 0]).percent == pytest.approx(8.0)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (10, "minimal"),
        (11, "moderate"),
        (20, "moderate"),
        (21, "severe"),
        (30, "severe"),
        (31, "crippled"),
        (40, "crippled"),
        (41, "bed-bound"),
        (50, "bed-bound"),
    ],
)
def test_odi_band_boundaries(total, band):
    sections = [5] * (total // 5) + [total % 5] + [0] * 10
    assert odi(sections[:10]).band == band


def test_odi_max_missing_refuses_too_many_skips():
    sections = [3, 3, 3, 3, 3, 3, 3, 3, None, None]
    assert odi(sections).percent == pytest.approx(60.0)
    assert odi(sections, max_missing=2).answered == 8
    with pytest.raises(IncompleteResponse, match="2 ODI sections were skipped; at most 1"):
        odi(sections, max_missing=1)


def test_odi_with_nothing_answered_is_incomplete():
    with pytest.raises(IncompleteResponse):
        odi([None] * 10)
    with pytest.raises(IncompleteResponse):
        odi([set()] * 10)


@pytest.mark.parametrize(
    "sections",
    [[6] + [0] * 9, [-1] + [0] * 9, ["2"] + [0] * 9, [True] + [0] * 9, [{0, 7}] + [0] * 9, [0] * 9],
)
def test_odi_out_of_range_is_refused(sections):
    with pytest.raises(ValueError):  # noqa: PT011 - IncompleteResponse is also a ValueError
        odi(sections)


section = st.one_of(
    st.none(), st.integers(0, 5), st.frozensets(st.integers(0, 5), min_size=1, max_size=3)
)


@given(st.lists(section, min_size=10, max_size=10).filter(lambda s: any(x is not None for x in s)))
def test_odi_percent_stays_in_range(sections):
    assert 0 <= odi(sections).percent <= 100


@given(st.lists(st.integers(0, 5), min_size=10, max_size=10), st.integers(0, 9))
def test_odi_is_monotone_in_each_section(sections, index):
    higher = list(sections)
    higher[index] = min(5, higher[index] + 1)
    assert odi(higher).percent >= odi(sections).percent


# --- STarT Back (Hill et al. 2008) -------------------------------------------------------


def test_start_back_low_risk_at_three():
    result = start_back([True, True, True, False, False, False, False, False], "moderately")
    assert (result.total, result.psychosocial, result.risk) == (3, 0, "low")


def test_start_back_medium_when_psychosocial_below_four():
    result = start_back([True, True, True, True, True, True, True, False], "slightly")
    assert (result.total, result.psychosocial, result.risk) == (7, 3, "medium")


def test_start_back_high_when_psychosocial_four_or_more():
    result = start_back([False, False, False, False, True, True, True, False], "very much")
    assert (result.total, result.psychosocial, result.risk) == (4, 4, "high")


def test_start_back_item_nine_counts_only_for_very_much_and_extremely():
    items = [False] * 8
    scores = [
        start_back(items, answer).total
        for answer in ("not at all", "slightly", "moderately", "very much", "extremely")
    ]
    assert scores == [0, 0, 0, 1, 1]


def test_start_back_maximum():
    result = start_back([True] * 8, "extremely")
    assert (result.total, result.psychosocial, result.risk) == (9, 5, "high")


@pytest.mark.parametrize(
    ("items", "bother"),
    [([True] * 7, "slightly"), ([1] * 8, "slightly"), ([True] * 8, "a lot")],
)
def test_start_back_refuses_malformed(items, bother):
    with pytest.raises(ValueError):  # noqa: PT011
        start_back(items, bother)


@given(
    st.lists(st.booleans(), min_size=8, max_size=8),
    st.sampled_from(["not at all", "slightly", "moderately", "very much", "extremely"]),
)
def test_start_back_ranges(items, bother):
    result = start_back(items, bother)
    assert 0 <= result.psychosocial <= 5
    assert result.psychosocial <= result.total <= 9
    assert result.risk in ("low", "medium", "high")


# --- NPRS, PSFS, RMDQ --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_nprs_bands(value, band):
    assert nprs(value).band == band


@pytest.mark.parametrize("value", [-1, 11, 5.5, "5", None, True])
def test_nprs_refuses_out_of_range(value):
    with pytest.raises(ValueError, match="whole number from 0 to 10"):
        nprs(value)


def test_psfs_mean_of_the_rated_activities():
    # Stratford 1995: the score is the average of the activity ratings.
    assert psfs([3, 5, 7]).mean == pytest.approx(5.0)
    assert psfs([0]).mean == 0
    assert psfs([10, 10, 10, 10, 9]).mean == pytest.approx(9.8)


@pytest.mark.parametrize("ratings", [[], [1, 2, 3, 4, 5, 6], [11], [-1, 3]])
def test_psfs_refuses_malformed(ratings):
    with pytest.raises(ValueError):  # noqa: PT011
        psfs(ratings)


@given(st.lists(st.integers(0, 10), min_size=1, max_size=5))
def test_psfs_mean_in_range(ratings):
    assert 0 <= psfs(ratings).mean <= 10


def test_rmdq_counts_ticked_statements():
    assert rmdq([True] * 6 + [False] * 18).score == 6
    assert rmdq([False] * 24).score == 0
    assert rmdq([True] * 24).score == 24
    with pytest.raises(ValueError, match="24 statements"):
        rmdq([True] * 23)
    with pytest.raises(ValueError, match="True"):
        rmdq([1] * 24)


@given(st.lists(st.booleans(), min_size=24, max_size=24), st.integers(0, 23))
def test_rmdq_monotone(answers, index):
    more = list(answers)
    more[index] = True
    assert rmdq(answers).score <= rmdq(more).score <= 24


# --- Change from baseline and MCID (Ostelo et al. 2008) ----------------------------------


@pytest.mark.parametrize(
    ("instrument", "baseline", "followup", "meets"),
    [
        ("odi", 40, 30, True),  # 10 points
        ("odi", 40, 31, False),  # 9 points, 22.5 %
        ("odi", 20, 14, True),  # 6 points but 30 %
        ("odi", 20, 15, False),  # 25 %
        ("odi", 20, 30, False),  # worse
        ("nprs", 8, 6, True),  # 2 points
        ("nprs", 3, 2, True),  # 1 point, 33 %
        ("nprs", 7, 6, False),  # 1 point, 14 %
        ("nprs", 0, 0, False),
        ("psfs", 4.0, 6.0, True),
        ("psfs", 5.1, 3.1, False),  # worse by 2
        ("psfs", 3.1, 5.1, True),  # floating point: still 2
        ("psfs", 4.0, 5.9, False),
        ("rmdq", 10, 7, True),  # 30 %
        ("rmdq", 20, 16, False),  # 4 points, 20 %
        ("rmdq", 20, 15, True),  # 5 points
    ],
)
def test_change_meets_mcid(instrument, baseline, followup, meets):
    assert change(instrument, baseline, followup).meets_mcid is meets


def test_change_reports_delta_and_percent_of_baseline():
    result = change("odi", odi([4] * 10), odi([2] * 10))
    assert result.delta == pytest.approx(-40.0)
    assert result.percent == pytest.approx(-50.0)
    assert result.improved
    assert change("psfs", psfs([2, 4]), psfs([6, 8])).delta == pytest.approx(4.0)
    assert change("nprs", 0, 3).percent is None


def test_change_refuses_an_instrument_without_mcid():
    with pytest.raises(ValueError, match="start_back"):
        change("start_back", 5, 2)


@given(st.integers(0, 10), st.integers(0, 10))
def test_nprs_mcid_only_on_improvement(before, after):
    result = change("nprs", before, after)
    if result.meets_mcid:
        assert after < before
