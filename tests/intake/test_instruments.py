"""Instruments as data: loading, licensed wording, scoring through the engine, forms."""

from datetime import date

import pytest
from django.http import QueryDict

from physiofit.intake import instruments
from physiofit.intake.forms import QuestionnaireForm
from physiofit.intake.scoring import IncompleteResponse

from .conftest import INTAKE_ANSWERS, wording_for


def test_every_shipped_instrument_loads_and_copyrighted_ones_ship_without_wording():
    found = instruments.definitions()
    assert set(found) == {"intake", "nprs", "psfs", "odi", "start_back", "rmdq"}
    for code in ("odi", "start_back", "rmdq"):
        assert found[code].licence == "licensed"
        assert not found[code].has_wording
        assert all(not item.text for item in found[code].items)
        assert all(not option.label for item in found[code].items for option in item.options)
    for code in ("intake", "nprs", "psfs"):
        assert found[code].has_wording
        assert all(item.text for item in found[code].items)
    assert len(found["odi"].items) == 10
    assert len(found["rmdq"].items) == 24
    assert len(found["start_back"].items) == 9


def test_wording_merges_when_it_fits():
    merged = instruments.with_wording(instruments.get("odi"), wording_for("odi"))
    assert merged.has_wording
    assert merged.items[0].text == "Stand-in section_1"
    assert [o.label for o in merged.items[0].options][-1] == "Option 5"
    assert [o.value for o in merged.items[0].options] == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda w: w["items"].pop("section_3"), "no text for item 'section_3'"),
        (lambda w: w["items"]["section_1"]["options"].pop(), "needs 6 option labels"),
        (lambda w: w["items"].update(section_11={"text": "x"}), "lacks"),
        (lambda w: w.pop("items"), "'items' object"),
    ],
)
def test_wording_that_does_not_fit_is_refused(break_it, message):
    wording = wording_for("odi")
    break_it(wording)
    with pytest.raises(ValueError, match=message):
        instruments.with_wording(instruments.get("odi"), wording)


def test_engine_scores_each_instrument_by_its_published_rule():
    today = date(2026, 11, 25)
    odi = instruments.score(
        instruments.get("odi"), {f"section_{n}": 2 for n in range(1, 9)}, today=today
    )
    assert odi["value"] == pytest.approx(40.0)
    assert odi["band"] == "moderate"
    sb = {f"item_{n}": n >= 5 for n in range(1, 9)} | {"item_9": "extremely"}
    assert instruments.score(instruments.get("start_back"), sb, today=today)["band"] == "high risk"
    rm = {f"statement_{n}": n <= 7 for n in range(1, 25)}
    assert instruments.score(instruments.get("rmdq"), rm, today=today)["value"] == 7
    assert (
        instruments.score(instruments.get("nprs"), {"pain": 4}, today=today)["band"] == "moderate"
    )
    intake = instruments.score(instruments.get("intake"), INTAKE_ANSWERS, today=today)
    assert intake["duration_class"] == "subacute"  # 55 days
    assert intake["psfs_mean"] == 4.0


def test_engine_refuses_incomplete_answers():
    with pytest.raises(IncompleteResponse):
        instruments.score(instruments.get("start_back"), {"item_1": True}, today=date.today())


def post(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


def test_form_submit_needs_every_required_item_and_a_rated_activity(db):
    form = QuestionnaireForm(instruments.get("intake"), post(onset="2026-10-01"))
    assert not form.is_valid()
    assert {"onset_how", "where", "goals", "pain_now"} <= set(form.errors)
    assert "psfs__1__activity" in form.errors


def test_form_turns_a_complete_post_into_json_answers(db):
    form = QuestionnaireForm(
        instruments.get("intake"),
        post(
            onset="2026-10-01",
            onset_how="lifting",
            where=["back", "buttock"],
            goals="Swing a kettlebell.",
            pain_now="6",
            psfs__1__activity="Kettlebell swings",
            psfs__1__rating="3",
        ),
    )
    assert form.is_valid(), form.errors
    answers = form.answers()
    assert answers["onset"] == "2026-10-01"
    assert answers["pain_now"] == 6
    assert answers["psfs"] == [{"activity": "Kettlebell swings", "rating": 3}]
    assert answers["where"] == ["back", "buttock"]


def test_draft_keeps_valid_answers_and_leaves_out_bad_ones(db):
    form = QuestionnaireForm(
        instruments.get("intake"),
        post(onset="2999-01-01", pain_now="11", goals="Run", psfs__1__rating="4"),
        partial=True,
    )
    assert not form.is_valid()
    answers = form.answers()
    assert answers == {
        "goals": "Run",
        "where": [],
        "symptoms": [],
        "conditions": [],
        "activities": [],
    }
    assert "not in the future" in str(form.errors["onset"])
    assert "name activity 1" in str(form.errors["psfs__1__activity"])


def test_choice_values_keep_their_type(db):
    odi = instruments.with_wording(instruments.get("odi"), wording_for("odi"))
    form = QuestionnaireForm(odi, post(section_1="3"), partial=True)
    assert form.is_valid(), form.errors
    assert form.answers() == {"section_1": 3}
