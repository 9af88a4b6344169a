"""Red-flag tiers and duration class."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from physiofit.intake.triage import TIERS, duration_class, load, red_flags, screen

KEYS = red_flags().keys


def test_no_yes_answers_is_clear():
    assert screen(dict.fromkeys(KEYS, False)).tier == "clear"
    assert screen({}).reasons == ()


@pytest.mark.parametrize(
    "key",
    ["bladder_bowel", "saddle_numbness", "both_legs", "leg_weakness", "walking", "major_trauma"],
)
def test_each_emergency_sign_alone_is_an_emergency(key):
    result = screen({key: True})
    assert result.tier == "emergency"
    assert not result.allows_booking


@pytest.mark.parametrize(
    "key",
    ["fever_unwell", "immune", "cancer_history", "weight_loss", "fragility_fall", "night_pain"],
)
def test_same_day_signs(key):
    result = screen({key: True})
    assert result.tier == "same_day"
    assert result.allows_booking


@pytest.mark.parametrize(
    "key", ["first_episode_over_50", "no_improvement", "inflammatory", "pregnancy"]
)
def test_clinician_flags(key):
    assert screen({key: True}).tier == "flag"


def test_cancer_with_new_weakness_is_an_emergency_with_both_reasons_most_urgent_first():
    result = screen({"cancer_history": True, "leg_weakness": True, "pregnancy": True})
    assert result.tier == "emergency"
    assert result.reasons[:2] == (
        "New or worsening leg weakness",
        "History of cancer with new weakness",
    )
    assert result.reasons[-1] == "Pregnancy"


def test_unknown_question_and_non_boolean_answers_are_refused():
    with pytest.raises(ValueError, match="Unknown screening question: chest_pain"):
        screen({"chest_pain": True})
    with pytest.raises(ValueError, match="yes or no"):
        screen({"pregnancy": "yes"})


def test_data_with_a_rule_on_an_unknown_question_is_refused():
    raw = {
        "title": "t",
        "sources": [],
        "questions": [{"key": "a", "text": "A?"}],
        "rules": [{"tier": "emergency", "when": ["b"], "reason": "B"}],
        "messages": {tier: {"title": "", "text": ""} for tier in TIERS},
    }
    with pytest.raises(ValueError, match="malformed"):
        load(raw)


def test_every_question_leads_somewhere():
    used = {key for rule in red_flags().rules for key in rule.when}
    assert used == set(KEYS)


@given(st.dictionaries(st.sampled_from(KEYS), st.booleans()), st.sampled_from(KEYS))
def test_saying_yes_never_lowers_the_tier(answers, key):
    before = screen(answers)
    after = screen({**answers, key: True})
    assert TIERS.index(after.tier) <= TIERS.index(before.tier)


TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, "acute"),
        (27, "acute"),
        (28, "subacute"),
        (84, "subacute"),
        (85, "chronic"),
        (400, "chronic"),
    ],
)
def test_duration_class_boundaries(days, expected):
    assert duration_class(TODAY - timedelta(days=days), TODAY) == expected


def test_duration_class_refuses_a_future_onset():
    with pytest.raises(ValueError, match="after today"):
        duration_class(TODAY + timedelta(days=1), TODAY)


@given(st.integers(0, 2000), st.integers(0, 2000))
def test_duration_class_is_monotone(a, b):
    order = ("acute", "subacute", "chronic")
    first, second = sorted((a, b))
    assert order.index(duration_class(TODAY - timedelta(days=first), TODAY)) <= order.index(
        duration_class(TODAY - timedelta(days=second), TODAY)
    )
