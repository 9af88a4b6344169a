"""The 8-minute rule, with the worked examples of the Medicare Claims Processing Manual,
chapter 5, section 20.2, and the substantial-portion rule some private payers use."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from physiofit.care.billing import (
    SUBSTANTIAL_PORTION,
    TIMED_CODES,
    timed_units,
    units_for_total,
)


@pytest.mark.parametrize(
    ("total", "units"),
    [
        (0, 0),
        (7, 0),
        (8, 1),
        (22, 1),
        (23, 2),
        (37, 2),
        (38, 3),
        (52, 3),
        (53, 4),
        (67, 4),
        (68, 5),
        (82, 5),
        (83, 6),
    ],
)
def test_total_minutes_decide_the_units(total, units):
    assert units_for_total(total) == units


@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        # The example: 33 min therapeutic exercise, 7 min manual therapy, 40 in all.
        ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 1}),
        # Manual: 24 min 97112, 23 min 97110 (47 min, 3 units): 2 units of 97112, 1 of 97110.
        ({"97112": 24, "97110": 23}, {"97112": 2, "97110": 1}),
        # Manual: 20 min 97112, 20 min 97110 (40 min, 3 units): 2 of one and 1 of the other,
        # either way (here the first given gets the extra one).
        ({"97112": 20, "97110": 20}, {"97112": 2, "97110": 1}),
        # Manual: 7 min each of 97112, 97110 and 97140 (21 min, 1 unit): one unit, of any one.
        ({"97112": 7, "97110": 7, "97140": 7}, {"97112": 1, "97110": 0, "97140": 0}),
        # A timed code under 8 minutes alone bills nothing; 8 minutes bill a unit.
        ({"97110": 7}, {"97110": 0}),
        ({"97110": 8}, {"97110": 1}),
        # Worked the manual's way: 33 + 7 + 7 min (47, 3 units): 2 of 97110, 1 of a 7-minute one.
        ({"97110": 33, "97140": 7, "97112": 7}, {"97110": 2, "97140": 1, "97112": 0}),
        # 18 + 13 + 10 min (41, 3 units): 1 full block, then the two largest rests.
        ({"97110": 18, "97140": 13, "97035": 10}, {"97110": 1, "97140": 1, "97035": 1}),
        # Two codes of 7 minutes (14 min): 1 unit, to one of them.
        ({"97110": 7, "97140": 7}, {"97110": 1, "97140": 0}),
        # A full hour of one code, 2 minutes of another: 4 units, all to the first.
        ({"97110": 60, "97140": 2}, {"97110": 4, "97140": 0}),
        # Nothing timed.
        ({}, {}),
    ],
)
def test_the_manuals_worked_examples(minutes, units):
    assert timed_units(minutes) == units


def test_a_tie_for_the_last_unit_goes_to_the_code_with_more_minutes_in_all():
    # 20 + 35 = 55 min, 4 units: full blocks 1 + 2, the last unit between two 5-minute rests.
    assert timed_units({"97112": 20, "97110": 35}) == {"97112": 1, "97110": 3}


def test_the_substantial_portion_rule_bills_each_code_on_its_own():
    assert timed_units({"97110": 33, "97140": 7}, rule=SUBSTANTIAL_PORTION) == {
        "97110": 2,
        "97140": 0,
    }
    assert timed_units({"97110": 8, "97140": 8}, rule=SUBSTANTIAL_PORTION) == {
        "97110": 1,
        "97140": 1,
    }


@pytest.mark.parametrize(
    "bad",
    [{"97110": -1}, {"97110": 7.5}, {"97110": True}, {"97161": 45}, {"97110": "10"}],
)
def test_bad_minutes_and_untimed_codes_are_refused(bad):
    with pytest.raises(ValueError, match=r"whole number|once per visit"):
        timed_units(bad)


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="Unknown billing rule"):
        timed_units({"97110": 30}, rule="generous")


@given(
    st.dictionaries(
        st.sampled_from(sorted(TIMED_CODES)), st.integers(min_value=0, max_value=120), max_size=5
    )
)
def test_the_units_add_up_to_what_the_total_allows(minutes):
    units = timed_units(minutes)
    assert set(units) == set(minutes)
    assert sum(units.values()) == units_for_total(sum(minutes.values()))
    for code, count in units.items():
        # A code never bills more than its full blocks plus one unit.
        assert minutes[code] // 15 <= count <= minutes[code] // 15 + 1


def test_no_process_loads_the_icd_code_set_before_a_code_is_looked_up():
    """simple-icd-10-cm parses its whole code set on import (seconds, ~190 MB): starting the
    site, a worker or a command must not pay that."""
    from tests.commands import manage_env, run_manage

    result = run_manage(
        [
            "shell",
            "-c",
            "import sys, physiofit.urls, physiofit.care.services; "
            "print('simple_icd_10_cm' in sys.modules)",
        ],
        manage_env(DJANGO_SETTINGS_MODULE="physiofit.settings.test"),
        timeout=120,
    )
    assert result.stdout.splitlines()[-1] == "False", result.stderr
