"""Screening by a unit list: who is kept, who is reported, and what later steps see."""

import numpy as np
import pytest

import zongheng as zh
from zongheng.errors import MethodError
from zongheng.method import Method
from zongheng.steps.screen import UnitList
from zongheng.testing import make_framework, make_panel

NAN = np.nan


@pytest.fixture
def fw():
    return make_framework({"I": ["a", "b"]})


@pytest.fixture
def panel(fw):
    # U2 holds the maximum of a in both periods; U3 misses b in 2021.
    values = [[[0, 0], [10, 10], [1000, 5], [5, 5]], [[0, 0], [10, 10], [1000, 5], [5, NAN]]]
    return make_panel(fw, values)


def test_include_keeps_only_the_listed_units_and_reports_the_others(fw, panel):
    ev = zh.build(fw, panel, Method(impute="mean", screen={"method": "units",
                                                           "include": ["U0", "U1", "U3"]}))
    assert ev.screened[["period", "unit"]].to_dict("records") == [
        {"period": 2020, "unit": "U2"}, {"period": 2021, "unit": "U2"}]
    assert ev.screened["availability"].isna().all()
    included = ev.record("screen").state.included_
    assert included.shape == (2, 4) and included.tolist() == [[True, True, False, True]] * 2
    assert np.isnan(ev.stage("screened")[:, 2]).all()
    np.testing.assert_array_equal(ev.stage("screened")[:, [0, 1, 3]], ev.stage("imputed")[:, [0, 1, 3]])
    # U2's 1000 does not shape the goalposts; U2 gets no score and no rank
    np.testing.assert_allclose(ev.stage("normalised")[0, [0, 1, 3], 0], [0, 100, 50])
    assert np.isnan(ev.scores[:, 2]).all() and np.isnan(ev.ranks[:, 2]).all()
    assert ev.ranking()["unit"].tolist()[:3] == ["U1", "U3", "U0"]


def test_exclude_and_both_lists(fw, panel):
    ev = zh.build(fw, panel, Method(impute="mean", screen={"method": "units", "exclude": ["U2"]}))
    assert ev.record("screen").state.included_[0].tolist() == [True, True, False, True]
    ev = zh.build(fw, panel, Method(impute="mean", screen={
        "method": "units", "include": ["U0", "U1", "U2"], "exclude": ["U2"]}))
    assert ev.record("screen").state.included_[1].tolist() == [True, True, False, False]


def test_no_list_keeps_everyone(fw, panel):
    ev = zh.build(fw, panel, Method(impute="mean", screen="units"))
    assert ev.screened.empty
    assert ev.record("screen").state.included_.all()


def test_unknown_unit_codes_are_an_error_naming_them(fw, panel):
    with pytest.raises(MethodError) as err:
        zh.build(fw, panel, Method(impute="mean", screen={
            "method": "units", "include": ["U0", "U9"], "exclude": ["nope"]}))
    assert "U9" in str(err.value) and "nope" in str(err.value)
    assert [(p.key, p.params["units"]) for p in err.value.problems] == [
        ("screen.include", "U9"), ("screen.exclude", "nope")]


def test_codes_are_read_as_text_and_round_trip():
    step = UnitList(include=[110101, "110102"])
    assert step.include == ("110101", "110102")
    assert UnitList(exclude="U1").exclude == ("U1",)
    for screen in (step, UnitList(exclude=["U2"]), UnitList(include=["a"], exclude=["b"])):
        method = Method(screen=screen)
        assert Method.from_dict(method.to_dict()) == method
    assert Method(screen="units").to_dict() == {"screen": "units"}
    for bad in (3.5, []):
        with pytest.raises(MethodError, match="units"):
            Method(screen={"method": "units", "include": bad})


def test_numeric_unit_codes_match_the_panel(fw):
    panel = make_panel(fw, [[1, 1], [2, 2], [3, 3]], units=["110101", "110102", "110103"])
    ev = zh.build(fw, panel, Method(screen={"method": "units", "exclude": [110102]}))
    assert ev.screened["unit"].tolist() == ["110102"]
