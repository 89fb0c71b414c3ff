"""The library's public edge: wrong arguments get clear errors, results stay immutable."""

import dataclasses

import numpy as np
import pytest

import zongheng as zh
from zongheng.errors import ArgumentError, DataError, MethodError
from zongheng.frozen import FrozenMap
from zongheng.testing import make_framework, make_panel

FW = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, directions={"b": "-"})
VALUES = [[1.0, 5.0, 3.0], [2.0, 4.0, 6.0], [3.0, 3.0, 9.0], [4.0, 2.0, 1.0]]
PANEL = make_panel(FW, VALUES)


# -- arguments ------------------------------------------------------------------------------------


def test_a_panel_missing_an_indicator_names_it():
    two = make_framework({"I": ["a", "b"]})
    panel = make_panel(two, [[1, 2], [3, 4]])
    with pytest.raises(DataError, match="c"):  # the framework's c is not in the data
        zh.build(FW, panel)


def test_extra_indicators_of_the_panel_are_named_and_ignored():
    wide = make_framework({"I": ["a", "b", "c", "z"]})
    panel = make_panel(wide, [row + [7.0] for row in VALUES])
    with pytest.warns(zh.ZonghengWarning, match="z"):
        ev = zh.build(FW, panel)
    np.testing.assert_array_equal(ev.scores, zh.build(FW, PANEL).scores)


def test_a_step_name_given_as_the_method_says_how_to_write_it():
    with pytest.raises(MethodError) as err:
        zh.build(FW, PANEL, method="minmax")
    assert "normalise='minmax'" in str(err.value)
    with pytest.raises(MethodError, match="no_such"):
        zh.build(FW, PANEL, method="no_such")


def test_a_mapping_or_a_yaml_path_is_a_method(tmp_path):
    assert zh.build(FW, PANEL, {"normalise": "zscore"}).method.normalise.key == "zscore"
    path = tmp_path / "m.yaml"
    path.write_text("normalise: rank\n", encoding="utf-8")
    assert zh.build(FW, PANEL, str(path)).method.normalise.key == "rank"


def test_swapped_and_wrong_arguments_are_argument_errors():
    with pytest.raises(ArgumentError, match="framework"):
        zh.build(PANEL, FW)
    with pytest.raises(ArgumentError) as err:
        zh.build("fw.yaml", None)
    assert isinstance(err.value, TypeError) and len(err.value.problems) == 2
    with pytest.raises(ArgumentError, match="keep"):
        zh.build(FW, PANEL, keep="some")


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e308, -2e150])
def test_a_panel_refuses_values_it_cannot_compute_with(bad):
    values = np.array(VALUES, dtype=float)
    values[2, 1] = bad
    with pytest.raises(DataError, match="U2"):
        make_panel(FW, values)
    with pytest.raises(DataError):
        PANEL.with_values(values[None])


def test_unknown_record_names_the_stages_and_the_closest():
    ev = zh.build(FW, PANEL)
    with pytest.raises(KeyError, match="normalise"):
        ev.record("normalize")
    with pytest.raises(KeyError, match="aggregate"):
        ev.record("weight")  # weighting is part of the aggregate stage


# -- rebuild --------------------------------------------------------------------------------------


def test_rebuild_applies_changes_to_a_given_method_too():
    ev = zh.build(FW, PANEL)
    other = ev.rebuild(zh.Method(normalise="zscore"), normalise={"method": "minmax", "low": 1},
                       aggregate="geometric")
    assert other.method.normalise.low == 1 and other.method.aggregate.key == "geometric"
    with pytest.raises(MethodError, match="normalize"):
        ev.rebuild(normalize="zscore")


def test_rebuild_reuses_the_records_before_the_first_change():
    ev = zh.build(FW, PANEL, {"treat": "winsorise"})
    ev2 = ev.rebuild(normalise="zscore")
    assert ev2.record("treat") is ev.record("treat")
    assert ev2.record("normalise") is not ev.record("normalise")
    np.testing.assert_array_equal(ev2.scores, zh.build(FW, PANEL, ev2.method).scores)


def test_keep_final_keeps_the_scores_and_states_only():
    full = zh.build(FW, PANEL, {"treat": "winsorise"})
    lean = zh.build(FW, PANEL, {"treat": "winsorise"}, keep="final")
    np.testing.assert_array_equal(lean.scores, full.scores)
    assert [r.output is None for r in lean.trace] == [True] * 5 + [False]
    assert lean.weights == full.weights
    with pytest.raises(MethodError, match='keep="all"'):
        lean.stage("treated")
    np.testing.assert_array_equal(lean.rebuild(normalise="rank").scores,
                                  full.rebuild(normalise="rank").scores)
    # a replay needs states only
    np.testing.assert_array_equal(lean.replay(PANEL.values), full.scores)


def test_replay_of_a_batch_equals_a_replay_of_each():
    ev = zh.build(FW, PANEL, {"treat": "winsorise", "aggregate": "geometric", "normalise": {
        "method": "minmax", "low": 1}})
    batch = np.stack([PANEL.values, PANEL.values[:, ::-1], PANEL.values[:, [1, 0, 3, 2]]])
    scores = ev.replay(batch)
    assert scores.shape == (3, *ev.scores.shape)
    for k in range(3):
        np.testing.assert_array_equal(scores[k], ev.replay(batch[k]))
    np.testing.assert_allclose(scores[0], ev.scores)


# -- immutability ---------------------------------------------------------------------------------


def test_methods_are_immutable_and_hashable():
    method = zh.Method(aggregate={2: "geometric", "default": "arithmetic"},
                       weight={"method": "given", "weights": {"a": 2}})
    with pytest.raises(TypeError):
        method.aggregate[2] = "oops"
    with pytest.raises(TypeError):
        method.weight.weights["a"] = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        method.normalise = None
    assert hash(method) == hash(zh.Method.from_dict(method.to_dict()))
    assert {method: 1}[zh.Method.from_dict(method.to_dict())] == 1


def test_evaluation_results_are_read_only():
    ev = zh.build(FW, PANEL)
    assert isinstance(ev.weights, FrozenMap)
    with pytest.raises(TypeError):
        ev.weights["a"] = 0.9
    with pytest.raises(ValueError, match="read-only"):
        ev.ranks[0, 0, 0] = 99
    with pytest.raises(ValueError, match="read-only"):
        ev.scores[0, 0, 0] = 99
    with pytest.raises(ValueError, match="read-only"):
        ev.record("normalise").state.min_[0, 0, 0] = 1
    # The freeze cannot be undone by the caller (numpy refuses on a view of a frozen base).
    for array in (ev.ranks, ev.scores, ev.group_ranks(PANEL.groups[0]) if PANEL.groups else ev.ranks):
        with pytest.raises(ValueError, match="WRITEABLE"):
            array.setflags(write=True)


def test_the_trace_is_one_record_per_step_of_the_plan():
    ev = zh.build(FW, PANEL, {"impute": "sibling_mean"})
    assert [r.stage for r in ev.trace] == [s for s, _ in ev.method.plan()] == [
        "denominate", "impute", "screen", "treat", "normalise", "fill", "aggregate"]
    assert ev.record("aggregate").state.weights_ == ev.weights
    assert ev.aggregation.weight == ev.method.weight


def test_the_analyses_are_methods_of_the_evaluation():
    from zongheng.analysis.gap import gap
    from zongheng.analysis.path import path
    from zongheng.analysis.progress import progress
    from zongheng.analysis.strengths import strengths

    ds = zh.datasets.load("tiangong_demo")
    ev = zh.build(ds.framework, ds.panel, ds.method)
    unit = "永康市"
    assert ev.progress().equals(progress(ev))
    assert ev.strengths(unit, group="设区市").equals(strengths(ev, unit, group="设区市"))
    assert ev.gap(unit, versus="leader").peer == gap(ev, unit, versus="leader").peer
    assert ev.path(unit, 2, group="设区市").changes.equals(path(ev, unit, 2, group="设区市").changes)
    # and at the top of the package, as zh.build is
    assert (zh.progress, zh.strengths, zh.gap, zh.path) == (progress, strengths, gap, path)


def test_changed_points_lists_each_value_the_treatment_moved():
    # Percentile clipping at the 25th/75th percentiles of a = 1, 2, 3, 100 (numpy's linear
    # quantiles: 1.75 and 27.25) moves 1 up to 1.75 and 100 down to 27.25; nothing else moves.
    fw = make_framework({"I": ["a", "b"]})
    panel = make_panel(fw, [[1, 5], [2, 5.5], [3, 6], [100, 6.5]])
    ev = zh.build(fw, panel, {"treat": {"method": "percentile", "lower": 0.25, "upper": 0.75},
                              "denominate": "none"})
    moved = ev.changed_points
    a = moved[moved["indicator"] == "a"].sort_values("unit")
    assert a["unit"].tolist() == ["U0", "U3"]
    assert a["before"].tolist() == [1, 100] and a["after"].tolist() == [1.75, 27.25]
    # b is clipped at 5.375 and 6.125: its two end values move too
    assert sorted(moved[moved["indicator"] == "b"]["after"].tolist()) == [5.375, 6.125]
