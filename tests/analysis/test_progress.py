"""Progress (纵向比进步): changes against the previous and base period, most improved, assessment."""

import warnings

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.analysis.progress import (
    IncomparableScoresWarning,
    annual_assessment,
    incomparable_reasons,
    most_improved,
    progress,
)
from zongheng.errors import ZonghengWarning
from zongheng.method import Method
from zongheng.testing import make_framework, make_panel

NAN = np.nan


@pytest.fixture
def fw():
    # I = mean of a (higher is better) and b (lower is better).
    return make_framework({"I": ["a", "b"]}, directions={"b": "-"})


@pytest.fixture
def ev(fw):
    # Raw (a, b) of A, B, C in 2020, 2021, 2022; both span 0..10 over all periods, so the
    # pooled min-max gives a → 10·a and b → 100 − 10·b, and I is their mean:
    #   2020: A 0,   B 50, C 100   (ranks 3 2 1)
    #   2021: A 25,  B 50, C 75    (ranks 3 2 1)
    #   2022: A 100, B 25, C 75    (ranks 1 3 2)
    values = [
        [[0, 10], [5, 5], [10, 0]],
        [[5, 10], [5, 5], [10, 5]],
        [[10, 0], [0, 5], [10, 5]],
    ]
    return zh.build(fw, make_panel(fw, values, units=["A", "B", "C"]))


def _rows(frame, node):
    return frame[frame.node == node].set_index(["unit", "period"])


def test_index_score_and_rank_changes_by_hand(ev):
    with warnings.catch_warnings():
        warnings.simplefilter("error", IncomparableScoresWarning)  # pooled: no warning
        frame = progress(ev)
    assert frame.columns.tolist() == [
        "unit", "name", "period", "node", "level", "score", "score_change", "score_change_base",
        "rank", "rank_change", "rank_change_base", "value", "value_change", "value_change_base",
        "growth", "growth_base"]
    assert len(frame) == 3 * 3 * 3
    assert frame[["unit", "period", "node"]].head(4).values.tolist() == [
        ["A", 2020, "a"], ["A", 2020, "b"], ["A", 2020, "I"], ["A", 2021, "a"]]
    index = _rows(frame, "I")
    np.testing.assert_allclose(index["score"], [0, 25, 100, 50, 50, 25, 100, 75, 75])
    np.testing.assert_allclose(index["score_change"], [NAN, 25, 75, NAN, 0, -25, NAN, -25, 0])
    np.testing.assert_allclose(index["score_change_base"], [0, 25, 100, 0, 0, -25, 0, -25, -25])
    assert index["rank"].tolist() == [3, 3, 1, 2, 2, 3, 1, 1, 2]
    # previous rank − rank: A climbed two places in 2022, B and C fell one each
    assert index["rank_change"].tolist() == [pd.NA, 0, 2, pd.NA, 0, -1, pd.NA, 0, -1]
    assert index["rank_change_base"].tolist() == [0, 0, 2, 0, 0, -1, 0, 0, -1]
    assert index["value"].isna().all() and index["growth"].isna().all()  # aggregates have no raw value
    assert (index["level"] == 2).all()


def test_raw_value_changes_and_growth_of_indicators(ev):
    frame = progress(ev, nodes=["a", "b"])
    a, b = _rows(frame, "a"), _rows(frame, "b")
    # a of A: 0 → 5 → 10; growth NaN from 0 (no relative change from zero), then 5/5 = 1
    np.testing.assert_allclose(a.loc["A", "value"], [0, 5, 10])
    np.testing.assert_allclose(a.loc["A", "value_change"], [NAN, 5, 5])
    np.testing.assert_allclose(a.loc["A", "growth"], [NAN, NAN, 1.0])
    np.testing.assert_allclose(a.loc["A", "growth_base"], [NAN, NAN, NAN])  # base value 0
    # a of B: 5 → 5 → 0
    np.testing.assert_allclose(a.loc["B", "value_change"], [NAN, 0, -5])
    np.testing.assert_allclose(a.loc["B", "growth"], [NAN, 0, -1.0])
    np.testing.assert_allclose(a.loc["B", "value_change_base"], [0, 0, -5])
    np.testing.assert_allclose(a.loc["B", "growth_base"], [0, 0, -1.0])
    # b of A is lower-is-better: the raw fall 10 → 0 is a score rise of 100
    np.testing.assert_allclose(b.loc["A", "value_change"], [NAN, 0, -10])
    np.testing.assert_allclose(b.loc["A", "growth"], [NAN, 0, -1.0])
    np.testing.assert_allclose(b.loc["A", "score_change"], [NAN, 0, 100])
    # b of C: 0 → 5 → 5; growth from 0 is NaN
    np.testing.assert_allclose(b.loc["C", "growth"], [NAN, NAN, 0.0])
    assert set(frame.node) == {"a", "b"} and (frame.level == 1).all()


def test_base_period_option(ev):
    index = _rows(progress(ev, base="2021", nodes=["I"]), "I")
    np.testing.assert_allclose(index.loc["A", "score_change_base"], [-25, 0, 75])
    np.testing.assert_allclose(index.loc["C", "score_change_base"], [25, 0, 0])
    assert index.loc["A", "rank_change_base"].tolist() == [0, 0, 2]


def test_most_improved_by_score_and_by_rank(ev):
    top = most_improved(ev, k=2)  # 2022 vs 2021 on the index: A +75, C 0, B −25
    assert top.columns.tolist() == ["place", "unit", "name", "score", "score_change", "rank",
                                    "previous_rank", "rank_change"]
    assert top["unit"].tolist() == ["A", "C"]
    assert top["place"].tolist() == [1, 2]
    assert top["score_change"].tolist() == [75.0, 0.0]
    # By places climbed: A +2, B −1, C −1. B and C tie at place 2, so k = 2 lists both,
    # C first (the better score change).
    by_rank = most_improved(ev, 2022, k=2, by="rank")
    assert by_rank["unit"].tolist() == ["A", "C", "B"]
    assert by_rank["place"].tolist() == [1, 2, 2]
    assert by_rank["rank_change"].tolist() == [2, -1, -1]
    assert by_rank["previous_rank"].tolist() == [3, 1, 2]
    # 2021 vs 2020 on indicator b: A 0, B 0, C −50
    b = most_improved(ev, period=2021, node="b", k=1)
    assert b["unit"].tolist() == ["A", "B"] and b["place"].tolist() == [1, 1]


def test_annual_assessment_level_and_rescaled_progress_by_hand(ev):
    table = annual_assessment(ev, alpha=0.5)
    # 2022 levels A 100, B 25, C 75 (range 25..100); changes A 75, B −25, C 0 (range −25..75).
    # progress = 25 + 75 · (change + 25) / 100: A 100, B 25, C 43.75
    by_unit = table.set_index("unit")
    np.testing.assert_allclose(by_unit.loc[["A", "B", "C"], "progress"], [100, 25, 43.75])
    np.testing.assert_allclose(by_unit.loc[["A", "B", "C"], "assessment"], [100, 25, 59.375])
    assert table["unit"].tolist() == ["A", "C", "B"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert by_unit.loc[["A", "B", "C"], "level_rank"].tolist() == [1, 3, 2]
    assert by_unit.loc[["A", "B", "C"], "progress_rank"].tolist() == [1, 3, 2]
    # alpha = 1 is the level alone, alpha = 0 progress alone
    np.testing.assert_allclose(annual_assessment(ev, 1.0).set_index("unit").loc[["A", "B", "C"],
                                                                                "assessment"],
                               [100, 25, 75])
    # 2021: levels A 25, B 50, C 75; changes 25, 0, −25 → progress 75, 50, 25
    np.testing.assert_allclose(annual_assessment(ev, 0.0, 2021).set_index("unit").loc[
        ["A", "B", "C"], "assessment"], [75, 50, 25])


def test_annual_assessment_equal_changes_give_the_middle_of_the_level_range():
    fw = make_framework({"I": ["a"]})
    ev = zh.build(fw, make_panel(fw, [[[0], [4]], [[6], [10]]]))  # both rise by 60 points
    table = annual_assessment(ev, alpha=0.0).set_index("unit")
    np.testing.assert_allclose(table["progress"], [80, 80])  # (60 + 100) / 2
    assert table["rank"].tolist() == [1, 1]


def test_warns_when_scores_are_learned_per_period(fw, ev):
    per_period = zh.build(fw, ev.panel, Method(scope="per_period"))
    with pytest.warns(IncomparableScoresWarning, match="per_period"):
        progress(per_period)
    with pytest.warns(IncomparableScoresWarning):
        most_improved(per_period)
    with pytest.warns(IncomparableScoresWarning):
        annual_assessment(per_period)
    assert issubclass(IncomparableScoresWarning, ZonghengWarning)
    # a step's own per_period scope, nested in per-indicator overrides, is found too
    nested = Method(normalise={"method": "by_indicator", "default": "minmax",
                               "overrides": {"b": {"method": "minmax", "scope": "per_period"}}})
    assert len(incomparable_reasons(nested)) == 1
    # vector normalisation is per period by default; TOPSIS scores within each period
    assert len(incomparable_reasons(Method(normalise="vector", aggregate="topsis"))) == 2
    assert incomparable_reasons(Method(scope="base:2020")) == []


def test_bad_options_are_method_errors_naming_the_option(ev):
    cases = [
        (lambda: progress(ev, base=1999), "base"),
        (lambda: progress(ev, nodes=["nope"]), "nodes"),
        (lambda: most_improved(ev, period=2020), "period"),  # the first period: nothing before
        (lambda: most_improved(ev, by="growth"), "by"),
        (lambda: most_improved(ev, k=0), "k"),
        (lambda: annual_assessment(ev, alpha=1.5), "alpha"),
    ]
    for call, key in cases:
        with pytest.raises(zh.MethodError) as info:
            call()
        assert info.value.problems[0].key == key
    zh.set_lang("en")
    with pytest.raises(zh.MethodError, match="no previous period"):
        most_improved(ev, period=2020)
