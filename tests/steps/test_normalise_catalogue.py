"""The normalisation catalogue (标准化方法), against values computed by hand.

Frameworks have two indicators: ``a`` (higher is better) and ``b`` (lower is better).
Values are shaped (unit, indicator) for one period, or (period, unit, indicator)
with periods 2020, 2021, …
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zongheng as zh
from zongheng.errors import ConstantIndicatorWarning, MethodError, ZonghengWarning
from zongheng.framework import framework_from_records
from zongheng.method import Method
from zongheng.steps import Context, Scope, step_from_spec
from zongheng.steps.normalise import (
    BordaScore,
    Efficacy,
    Goalposts,
    IndexToBase,
    PercentileRank,
    Rank,
    RatioToMax,
    ReferenceUnit,
    SumNormalise,
    Target,
    VectorNormalise,
    ZScore,
    count_worse,
    distance_to_target,
    efficacy,
    goalposts,
    mirror,
    ratio_to_reference,
    sum_normalise,
    vector_normalise,
    zscore,
)
from zongheng.testing import make_framework, make_panel

NAN = np.nan
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture
def fw():
    return make_framework({"I": ["a", "b"]}, directions={"b": "-"})


def framework(**fields):
    """``a`` (+) and ``b`` (−) under ``I``, with extra fields per code (target, goalposts)."""
    records = [{"code": "I", "type": "aggregate"},
               {"code": "a", "parent": "I", "direction": "+", **fields.get("a", {})},
               {"code": "b", "parent": "I", "direction": "-", **fields.get("b", {})}]
    return framework_from_records(records, [{"key": r["code"]} for r in records])


def run(fw, values, spec, **method):
    """The normalised values and the state of ``normalise=spec`` on ``values``.

    A build when nothing is missing; otherwise (a build refuses missing values
    without imputation) the step itself, fitted and applied as a build does.
    """
    method = Method(normalise=spec, **method)
    panel = make_panel(fw, values)
    if not np.isnan(panel.values).any():
        ev = zh.build(fw, panel, method)
        return ev.stage("normalised"), ev.record("normalise").state
    ctx = Context(fw, panel, Scope.parse(method.scope))
    step_state = method.normalise.fit(panel.values, ctx)
    return method.normalise.apply(panel.values, step_state, ctx), step_state


def normalised(fw, values, spec, **method):
    return run(fw, values, spec, **method)[0]


def state(fw, values, spec, **method):
    return run(fw, values, spec, **method)[1]


def both(column):
    """The same column for ``a`` and ``b``: (unit, 2)."""
    return np.column_stack([column, column]).astype(float)


# Two periods, two units, same values for a and b: pooled sample 0, 10, 10, 20.
PANEL = np.array([[[0, 0], [10, 10]], [[10, 10], [20, 20]]], dtype=float)


# -- z-score -------------------------------------------------------------------------------------


def test_zscore_values_and_direction(fw):
    out = normalised(fw, both([2, 4, 6]), "zscore")  # mean 4, sample sd 2
    np.testing.assert_allclose(out[0], [[-1, 1], [0, 0], [1, -1]])
    out = normalised(fw, both([2, 4, 6]), {"method": "zscore", "mean": 100, "sd": 10})
    np.testing.assert_allclose(out[0, :, 0], [90, 100, 110])
    out = normalised(fw, both([2, 4, 6]), {"method": "zscore", "ddof": 0})
    np.testing.assert_allclose(out[0, :, 0], [-2 / math.sqrt(8 / 3), 0, 2 / math.sqrt(8 / 3)])


def test_zscore_scopes(fw):
    sd = math.sqrt(200 / 3)  # pooled 0, 10, 10, 20: mean 10
    pooled = normalised(fw, PANEL, "zscore")[..., 0]
    np.testing.assert_allclose(pooled, [[-10 / sd, 0], [0, 10 / sd]])
    per = normalised(fw, PANEL, "zscore", scope="per_period")[..., 0]
    h = 5 / math.sqrt(50)  # 0, 10: mean 5, sd √50
    np.testing.assert_allclose(per, [[-h, h], [-h, h]])
    base = normalised(fw, PANEL, {"method": "zscore", "scope": "base:2020"})[..., 0]
    np.testing.assert_allclose(base, [[-h, h], [h, 3 * h]])


def test_zscore_missing_values_stay_missing_and_are_left_out(fw):
    out = normalised(fw, both([1, NAN, 3]), "zscore")  # mean 2, sd √2
    np.testing.assert_allclose(out[0, :, 0], [-1 / math.sqrt(2), NAN, 1 / math.sqrt(2)])


def test_zscore_constant_gives_the_target_mean_with_a_warning(fw):
    values = [[7, 1], [7, 2], [NAN, 3]]
    with pytest.warns(ConstantIndicatorWarning, match="a"):
        out = normalised(fw, values, {"method": "zscore", "mean": 50})
    np.testing.assert_array_equal(out[0, :, 0], [50, 50, NAN])


def test_zscore_kernel_broadcasts_over_batch_axes():
    x = np.arange(24.0).reshape(2, 2, 3, 2)  # (batch, period, unit, indicator)
    out = zscore(x, x.mean(axis=-2, keepdims=True), x.std(axis=-2, ddof=1, keepdims=True),
                 np.array([1.0, -1.0]))
    np.testing.assert_allclose(out[..., 0], np.broadcast_to([-1, 0, 1], (2, 2, 3)))
    np.testing.assert_allclose(out[..., 1], np.broadcast_to([1, 0, -1], (2, 2, 3)))


# -- ranks ---------------------------------------------------------------------------------------


def test_rank_percentile_and_borda_values_ties_and_direction(fw):
    values = both([3, 1, 3, 2])
    np.testing.assert_array_equal(normalised(fw, values, "rank")[0], [[3, 1], [1, 4], [3, 1], [2, 3]])
    np.testing.assert_array_equal(normalised(fw, values, "borda")[0], [[2, 0], [0, 3], [2, 0], [1, 2]])
    pct = normalised(fw, values, "percentile")[0]
    np.testing.assert_allclose(pct, 100 * np.array([[2, 0], [0, 3], [2, 0], [1, 2]]) / 3)


def test_rank_scopes_pooled_per_period_and_base(fw):
    np.testing.assert_array_equal(normalised(fw, PANEL, "rank")[..., 0], [[1, 2], [2, 4]])
    np.testing.assert_array_equal(normalised(fw, PANEL, "rank", scope="per_period")[..., 0],
                                  [[1, 2], [1, 2]])
    # 2021 ranked against the 2020 sample {0, 10}: 10 beats one value, 20 beats two.
    base = normalised(fw, PANEL, {"method": "rank", "scope": "base:2020"})
    np.testing.assert_array_equal(base[..., 0], [[1, 2], [2, 3]])
    np.testing.assert_array_equal(base[..., 1], [[2, 1], [1, 1]])  # lower is better
    borda = normalised(fw, PANEL, "borda")
    np.testing.assert_array_equal(borda[..., 0], [[0, 1], [1, 3]])
    np.testing.assert_array_equal(borda[..., 1], [[3, 1], [1, 0]])


def test_percentile_scopes_and_the_cap_at_100(fw):
    np.testing.assert_allclose(normalised(fw, PANEL, "percentile")[..., 0],
                               [[0, 100 / 3], [100 / 3, 100]])
    base = normalised(fw, PANEL, {"method": "percentile", "scope": "base:2020"})
    np.testing.assert_allclose(base[..., 0], [[0, 100], [100, 100]])  # 2/(2−1) capped


def test_ranks_keep_missing_values_out_of_the_sample(fw):
    values = both([3, NAN, 1])
    np.testing.assert_array_equal(normalised(fw, values, "rank")[0, :, 0], [2, NAN, 1])
    np.testing.assert_array_equal(normalised(fw, values, "percentile")[0, :, 0], [100, NAN, 0])
    np.testing.assert_array_equal(normalised(fw, values, "borda")[0, :, 1], [0, NAN, 1])


def test_ranks_of_a_constant_indicator(fw):
    values = [[7, 1], [7, 2], [NAN, 3]]
    expected = {"rank": [1, 1, NAN], "borda": [0, 0, NAN], "percentile": [50, 50, NAN]}
    for key, column in expected.items():
        with pytest.warns(ConstantIndicatorWarning, match="a"):
            out = normalised(fw, values, key)
        np.testing.assert_array_equal(out[0, :, 0], column)


def test_count_worse_is_a_vectorised_searchsorted():
    rng = np.random.default_rng(1)
    sample = rng.integers(0, 6, size=(3, 9, 2)).astype(float)  # (batch, n, indicator) with ties
    values = rng.integers(-1, 8, size=(3, 5, 2)).astype(float)
    out = count_worse(sample, values, np.array([1.0, -1.0]))
    for b in range(3):
        s = np.sort(sample[b, :, 0])
        np.testing.assert_array_equal(out[b, :, 0], np.searchsorted(s, values[b, :, 0], "left"))
        s = np.sort(-sample[b, :, 1])
        np.testing.assert_array_equal(out[b, :, 1], np.searchsorted(s, -values[b, :, 1], "left"))


# -- ratios --------------------------------------------------------------------------------------


def test_ratio_to_max_values_direction_and_scopes(fw):
    np.testing.assert_allclose(normalised(fw, both([1, 2, 4]), "ratio_to_max")[0],
                               [[25, 100], [50, 50], [100, 25]])
    values = [[[1, 1], [2, 2]], [[2, 2], [4, 4]]]
    np.testing.assert_allclose(normalised(fw, values, "ratio_to_max")[..., 0], [[25, 50], [50, 100]])
    np.testing.assert_allclose(normalised(fw, values, "ratio_to_max", scope="per_period")[..., 0],
                               [[50, 100], [50, 100]])
    np.testing.assert_allclose(normalised(fw, values, {"method": "ratio_to_max", "scale": 1,
                                                       "scope": "base:2020"})[..., 1],
                               [[1, 0.5], [0.5, 0.25]])


def test_ratio_to_max_missing_and_constant(fw):
    np.testing.assert_allclose(normalised(fw, both([2, NAN, 4]), "ratio_to_max")[0, :, 1],
                               [100, NAN, 50])
    with pytest.warns(ConstantIndicatorWarning, match="a"):
        out = normalised(fw, [[5, 1], [5, 2]], "ratio_to_max")
    np.testing.assert_array_equal(out[0, :, 0], [100, 100])


def test_ratio_to_max_refuses_values_not_positive_naming_the_indicator(fw):
    with pytest.raises(MethodError, match="b") as err:
        normalised(fw, [[1, 0], [2, 3]], "ratio_to_max")
    assert len(err.value.problems) == 1
    assert err.value.problems[0].params["indicator"] == "b"
    with pytest.raises(MethodError) as err:
        normalised(fw, [[-1, -2], [2, 3]], "ratio_to_max")
    assert [p.params["indicator"] for p in err.value.problems] == ["a", "b"]


def test_reference_unit_values_direction_and_periods(fw):
    values = [both([2, 4, 8]), both([3, 6, 12])]
    out = normalised(fw, values, {"method": "reference_unit", "unit": "U1"})
    np.testing.assert_allclose(out[..., 0], [[50, 100, 200], [50, 100, 200]])
    np.testing.assert_allclose(out[..., 1], [[200, 100, 50], [200, 100, 50]])


def test_reference_unit_missing_reference_is_missing_and_listed(fw):
    values = [both([2, 4, 8]), [[3, 3], [NAN, 6], [12, 12]]]
    with pytest.warns(ZonghengWarning, match="reference_unit"):
        st_ = state(fw, values, {"method": "reference_unit", "unit": "U1"})
        out = normalised(fw, values, {"method": "reference_unit", "unit": "U1"})
    np.testing.assert_array_equal(out[1, :, 0], [NAN, NAN, NAN])
    np.testing.assert_allclose(out[1, :, 1], [200, 100, 50])
    assert list(st_.undefined_) == [(2021, "U0", "a"), (2021, "U2", "a")]


def test_reference_unit_constant_and_unknown_unit(fw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantIndicatorWarning)
        out = normalised(fw, [[5, 1], [5, 2]], {"method": "reference_unit", "unit": "U0"})
    np.testing.assert_array_equal(out[0, :, 0], [100, 100])
    with pytest.raises(MethodError, match="U9"):
        normalised(fw, [[5, 1], [5, 2]], {"method": "reference_unit", "unit": "U9"})


def test_index_to_base_values_and_direction(fw):
    values = [both([2, 4]), both([3, 2]), both([4, 8])]
    out = normalised(fw, values, "index_to_base")  # the first period by default
    np.testing.assert_allclose(out[..., 0], [[100, 100], [150, 50], [200, 200]])
    np.testing.assert_allclose(out[..., 1], [[100, 100], [200 / 3, 200], [50, 50]])
    out = normalised(fw, values, {"method": "index_to_base", "base_period": 2021})
    np.testing.assert_allclose(out[..., 0], [[200 / 3, 200], [100, 100], [400 / 3, 400]])


def test_index_to_base_missing_or_zero_base_is_missing_and_listed(fw):
    values = [[[NAN, 2], [0, 4]], [[3, 1], [5, 2]]]
    spec = {"method": "index_to_base", "base_period": "2020"}
    with pytest.warns(ZonghengWarning, match="index_to_base"):
        out = normalised(fw, values, spec)
        st_ = state(fw, values, spec)
    np.testing.assert_array_equal(out[..., 0], [[NAN, NAN], [NAN, NAN]])
    np.testing.assert_allclose(out[..., 1], [[100, 100], [200, 200]])
    assert list(st_.missing_base_) == [("U0", "a"), ("U1", "a")]
    assert list(st_.undefined_) == [(2020, "U1", "a"), (2021, "U0", "a"), (2021, "U1", "a")]
    assert st_.base_period_ == 2020


def test_index_to_base_unknown_period_and_constant(fw):
    with pytest.raises(MethodError, match="1999"):
        normalised(fw, [[1, 1], [2, 2]], {"method": "index_to_base", "base_period": 1999})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantIndicatorWarning)
        out = normalised(fw, [[[5, 1], [5, 2]], [[5, 1], [5, 2]]], "index_to_base")
    np.testing.assert_array_equal(out[..., 0], [[100, 100], [100, 100]])


def test_ratio_to_reference_kernel_refuses_undefined_ratios():
    out = ratio_to_reference(np.array([[2.0, 2.0], [0.0, 0.0], [4.0, 4.0]]),
                             np.array([[4.0, 4.0]]), np.array([1.0, -1.0]))
    np.testing.assert_array_equal(out, [[50, 200], [0, NAN], [100, 100]])
    np.testing.assert_array_equal(ratio_to_reference(np.array([1.0, 2.0]), np.array([0.0, -1.0]),
                                                     np.array(1.0)), [NAN, NAN])


# -- target and goalposts ------------------------------------------------------------------------


def test_target_values_cap_and_direction():
    fw = framework(a={"target": 10}, b={"target": 1})
    values = both([2, 4, 6, 12])
    out = normalised(fw, values, "target")
    np.testing.assert_allclose(out[0, :, 0], [0, 25, 50, 100])  # (x − 2) / (10 − 2)
    np.testing.assert_allclose(out[0, :, 1], 100 * np.array([10, 8, 6, 0]) / 11)  # (12 − x) / (12 − 1)
    out = normalised(fw, values, {"method": "target", "cap": False, "scale": 1})
    np.testing.assert_allclose(out[0, :, 0], [0, 0.25, 0.5, 1.25])


def test_target_scopes_and_missing_values():
    fw = framework(a={"target": 30}, b={"target": -10})
    pooled = normalised(fw, PANEL, "target")
    np.testing.assert_allclose(pooled[..., 0], 100 * np.array([[0, 10], [10, 20]]) / 30)
    np.testing.assert_allclose(pooled[..., 1], 100 * np.array([[20, 10], [10, 0]]) / 30)
    per = normalised(fw, PANEL, "target", scope="per_period")
    np.testing.assert_allclose(per[..., 0], 100 * np.array([[0, 10], [0, 10]]) / np.array([[30], [20]]))
    out = normalised(fw, both([2, NAN, 6]), "target")
    np.testing.assert_allclose(out[0, :, 0], [0, NAN, 100 * 4 / 28])


def test_target_missing_targets_are_listed():
    with pytest.raises(MethodError) as err:
        normalised(framework(), both([1, 2]), "target")
    assert [p.params["indicator"] for p in err.value.problems] == ["a", "b"]
    assert "b" in str(err.value) and "target" in err.value.render("en")
    with pytest.raises(MethodError, match="b"):
        normalised(framework(a={"target": 5}), both([1, 2]), "target")


def test_target_already_reached_by_the_worst_value_is_an_error():
    fw = framework(a={"target": 1}, b={"target": 9})
    with pytest.raises(MethodError) as err:
        normalised(fw, both([1, 2, 3]), "target")  # a: target = min; b: target above max
    assert [p.params["indicator"] for p in err.value.problems] == ["a", "b"]


def test_target_constant_scores_zero_with_a_warning():
    fw = framework(a={"target": 10}, b={"target": 0})
    with pytest.warns(ConstantIndicatorWarning, match="a"):
        out = normalised(fw, [[5, 1], [5, 2]], "target")
    np.testing.assert_array_equal(out[0, :, 0], [0, 0])


def test_goalposts_values_clip_and_direction():
    fw = framework(a={"goalposts": [0, 10]}, b={"goalposts": "0, 10"})
    values = both([-5, 2, 5, 12])
    out = normalised(fw, values, "goalposts")
    np.testing.assert_allclose(out[0], [[0, 100], [20, 80], [50, 50], [100, 0]])
    out = normalised(fw, values, {"method": "goalposts", "clip": False, "scale": 1})
    np.testing.assert_allclose(out[0, :, 0], [-0.5, 0.2, 0.5, 1.2])


def test_goalposts_do_not_depend_on_the_data_or_the_scope():
    fw = framework(a={"goalposts": [0, 40]}, b={"goalposts": [0, 40]})
    expected = [[[0, 100], [25, 75]], [[25, 75], [50, 50]]]
    for scope in ("pooled", "per_period", "base:2021"):
        np.testing.assert_allclose(normalised(fw, PANEL, "goalposts", scope=scope), expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantIndicatorWarning)
        out = normalised(fw, [[10, 10], [10, 10], [NAN, NAN]], "goalposts")
    np.testing.assert_array_equal(out[0], [[25, 75], [25, 75], [NAN, NAN]])


def test_goalposts_missing_are_listed():
    with pytest.raises(MethodError) as err:
        normalised(framework(b={"goalposts": [0, 1]}), both([1, 2]), "goalposts")
    assert [p.params["indicator"] for p in err.value.problems] == ["a"]
    assert "a" in str(err.value)


# -- efficacy coefficient ------------------------------------------------------------------------


def test_efficacy_data_bounds_and_direction(fw):
    out = normalised(fw, both([2, 4, 6]), "efficacy")
    np.testing.assert_allclose(out[0], [[60, 100], [80, 80], [100, 60]])
    out = normalised(fw, both([2, 4, 6]), {"method": "efficacy", "base": 0, "span": 100})
    np.testing.assert_allclose(out[0], normalised(fw, both([2, 4, 6]), "minmax")[0])


def test_efficacy_scopes(fw):
    np.testing.assert_allclose(normalised(fw, PANEL, "efficacy")[..., 0], [[60, 80], [80, 100]])
    np.testing.assert_allclose(normalised(fw, PANEL, "efficacy", scope="per_period")[..., 0],
                               [[60, 100], [60, 100]])
    base = normalised(fw, PANEL, {"method": "efficacy", "scope": "base:2020"})
    np.testing.assert_allclose(base[..., 0], [[60, 100], [100, 140]])
    base = normalised(fw, PANEL, {"method": "efficacy", "scope": "base:2020", "clip": True})
    np.testing.assert_allclose(base[..., 0], [[60, 100], [100, 100]])


def test_efficacy_goalposts_bounds():
    fw = framework(a={"goalposts": [0, 10]}, b={"goalposts": [0, 10]})
    values = both([2, 4, 6, 12])
    out = normalised(fw, values, {"method": "efficacy", "bounds": "goalposts"})
    np.testing.assert_allclose(out[0, :, 0], [68, 76, 84, 108])  # 不允许值 0, 满意值 10
    np.testing.assert_allclose(out[0, :, 1], [92, 84, 76, 52])  # 不允许值 10, 满意值 0
    out = normalised(fw, values, {"method": "efficacy", "bounds": "goalposts", "clip": True})
    np.testing.assert_allclose(out[0, :, 0], [68, 76, 84, 100])
    with pytest.raises(MethodError, match="a"):
        normalised(framework(b={"goalposts": [0, 1]}), values,
                   {"method": "efficacy", "bounds": "goalposts"})


def test_efficacy_missing_and_constant(fw):
    np.testing.assert_allclose(normalised(fw, both([2, NAN, 6]), "efficacy")[0, :, 0], [60, NAN, 100])
    with pytest.warns(ConstantIndicatorWarning, match="a"):
        out = normalised(fw, [[5, 1], [5, 2], [NAN, 3]], "efficacy")
    np.testing.assert_array_equal(out[0, :, 0], [80, 80, NAN])


def test_efficacy_bad_parameters_are_method_errors():
    with pytest.raises(MethodError, match="bounds"):
        Method(normalise={"method": "efficacy", "bounds": "median"})
    with pytest.raises(MethodError, match="span"):
        Method(normalise={"method": "efficacy", "span": 0})


# -- vector and sum ------------------------------------------------------------------------------


TOPSIS = np.array([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], dtype=float)


def test_vector_normalisation_of_a_topsis_matrix():
    fw = make_framework({"I": ["c1", "c2", "c3"]})
    out = normalised(fw, TOPSIS, "vector")[0]
    np.testing.assert_allclose(out, TOPSIS / np.sqrt((TOPSIS**2).sum(axis=0)))
    np.testing.assert_allclose(out[:, 0], np.array([5, 7, 8, 7]) / math.sqrt(187))
    np.testing.assert_allclose(vector_normalise(TOPSIS), out)


def test_vector_mirrors_lower_is_better_within_the_observed_range():
    fw = make_framework({"I": ["c1", "c2", "c3"]}, directions={"c2": "-"})
    out = normalised(fw, TOPSIS, "vector")[0]
    r = TOPSIS[:, 1] / math.sqrt(64 + 36 + 64 + 16)
    np.testing.assert_allclose(out[:, 1], r.max() + r.min() - r)
    # TOPSIS distances to the ideal equal those of the cost criterion on r.
    np.testing.assert_allclose(np.abs(out[:, 1] - out[:, 1].max()), np.abs(r - r.min()))
    np.testing.assert_allclose(np.abs(out[:, 1] - out[:, 1].min()), np.abs(r - r.max()))


def test_vector_is_per_period_by_default_and_can_pool(fw):
    values = [both([3, 4]), both([6, 8])]
    np.testing.assert_allclose(normalised(fw, values, "vector")[..., 0], [[0.6, 0.8], [0.6, 0.8]])
    np.testing.assert_allclose(normalised(fw, values, "vector")[..., 1], [[0.8, 0.6], [0.8, 0.6]])
    pooled = normalised(fw, values, {"method": "vector", "scope": "pooled"})
    np.testing.assert_allclose(pooled[..., 0], np.array([[3, 4], [6, 8]]) / math.sqrt(125))
    lo, hi = 3 / math.sqrt(125), 8 / math.sqrt(125)  # mirrored within the pooled range
    np.testing.assert_allclose(pooled[..., 1], lo + hi - pooled[..., 0])
    # A method-level scope does not change vector's own per-period default.
    np.testing.assert_allclose(normalised(fw, values, "vector", scope="pooled")[..., 0],
                               [[0.6, 0.8], [0.6, 0.8]])


def test_vector_missing_and_constant(fw):
    out = normalised(fw, both([3, NAN, 4]), "vector")[0]
    np.testing.assert_allclose(out[:, 0], [0.6, NAN, 0.8])
    np.testing.assert_allclose(out[:, 1], [0.8, NAN, 0.6])
    with pytest.warns(ConstantIndicatorWarning, match="a"):
        out = normalised(fw, [[2, 1], [2, 2], [2, 3], [2, 4]], "vector")
    np.testing.assert_allclose(out[0, :, 0], [0.5, 0.5, 0.5, 0.5])  # 1/√4
    with pytest.warns(ConstantIndicatorWarning):
        out = normalised(fw, [[0, 1], [0, 2]], "vector")
    np.testing.assert_array_equal(out[0, :, 0], [0, 0])


def test_sum_values_direction_scope_and_missing(fw):
    out = normalised(fw, both([1, 3]), "sum")[0]
    np.testing.assert_allclose(out, [[0.25, 0.75], [0.75, 0.25]])
    values = [both([1, 3]), both([2, 2])]
    pooled = normalised(fw, values, {"method": "sum", "scope": "pooled"})
    np.testing.assert_allclose(pooled[..., 0], [[0.125, 0.375], [0.25, 0.25]])
    np.testing.assert_allclose(pooled[..., 1], [[0.375, 0.125], [0.25, 0.25]])
    np.testing.assert_allclose(normalised(fw, both([1, NAN, 3]), "sum")[0, :, 0], [0.25, NAN, 0.75])
    np.testing.assert_allclose(sum_normalise(np.array([[1.0], [3.0]]), -1.0)[:, 0], [0.75, 0.25])


def test_sum_constant_and_zero_columns_give_one_over_n(fw):
    with pytest.warns(ConstantIndicatorWarning, match="a"):
        out = normalised(fw, [[0, 1], [0, 2], [0, 3], [0, 4]], "sum")
    np.testing.assert_allclose(out[0, :, 0], [0.25] * 4)
    with pytest.warns(ConstantIndicatorWarning, match="b"):
        out = normalised(fw, [[1, 5], [2, 5], [3, NAN]], "sum")
    np.testing.assert_allclose(out[0, :, 1], [0.5, 0.5, NAN])


def test_sum_refuses_negative_values_naming_the_indicator(fw):
    with pytest.raises(MethodError) as err:
        normalised(fw, [[1, 1], [2, -2]], "sum")
    assert [p.params["indicator"] for p in err.value.problems] == ["b"]
    assert "b" in str(err.value)


# -- per-indicator overrides, specs and kernels --------------------------------------------------


def test_overrides_read_targets_and_directions_of_their_own_columns():
    fw = framework(a={"target": 10})  # b has no target: only a uses the target method
    spec = {"method": "by_indicator", "default": "rank", "overrides": {"a": "target"}}
    out = normalised(fw, both([2, 4, 6]), spec)
    np.testing.assert_allclose(out[0], [[0, 3], [25, 2], [50, 1]])
    spec = {"method": "by_indicator", "default": "efficacy", "overrides": {"b": "sum"}}
    out = normalised(fw, both([1, 3]), spec)
    np.testing.assert_allclose(out[0], [[60, 0.75], [100, 0.25]])


SPECS = [
    {"method": "zscore", "mean": 100, "sd": 10, "ddof": 0, "scope": "per_period"},
    "rank", {"method": "percentile", "scope": "base:2020"}, "borda",
    {"method": "ratio_to_max", "scale": 1},
    {"method": "reference_unit", "unit": "U1", "scale": 1},
    {"method": "index_to_base", "base_period": 2021}, {"method": "index_to_base", "base_period": "2021"},
    {"method": "target", "cap": False, "scale": 1},
    {"method": "goalposts", "clip": False},
    {"method": "efficacy", "base": 50, "span": 50, "bounds": "goalposts", "clip": True},
    {"method": "vector", "scope": "pooled"}, "sum",
    {"method": "by_indicator", "default": "zscore", "overrides": {"a": {"method": "efficacy", "base": 0}}},
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s if isinstance(s, str) else s["method"])
def test_yaml_round_trip(spec):
    method = Method(normalise=spec, scope="per_period")
    assert Method.from_dict(method.to_dict()) == method
    step = step_from_spec("normalise", spec)
    assert step.to_spec() == spec


def test_registered_keys_and_classes():
    keys = {"zscore": ZScore, "rank": Rank, "percentile": PercentileRank, "borda": BordaScore,
            "ratio_to_max": RatioToMax, "reference_unit": ReferenceUnit,
            "index_to_base": IndexToBase, "target": Target, "goalposts": Goalposts,
            "efficacy": Efficacy, "vector": VectorNormalise, "sum": SumNormalise}
    for key, cls in keys.items():
        assert type(step_from_spec("normalise", {"method": key, **(
            {"unit": "U0"} if key == "reference_unit" else {})})) is cls


def test_messages_are_bilingual():
    with pytest.raises(MethodError) as err:
        normalised(framework(), both([1, 2]), "goalposts")
    zh_text, en_text = err.value.render("zh"), err.value.render("en")
    assert "上下限" in zh_text and "goalposts" in en_text and zh_text != en_text


def test_kernels_keep_missing_values_and_broadcast():
    x = np.array([[[1.0, NAN], [3.0, 2.0]]] * 2)  # (batch, unit, indicator)
    d = np.array([1.0, -1.0])
    assert np.isnan(distance_to_target(x, 1.0, 5.0)[..., 0, 1]).all()
    np.testing.assert_allclose(distance_to_target(x, 1.0, 5.0)[..., 1, 0], [50, 50])
    np.testing.assert_allclose(goalposts(x, 0.0, 4.0, d)[0], [[25, NAN], [75, 50]])
    np.testing.assert_allclose(efficacy(x, 1.0, 3.0)[0], [[60, NAN], [100, 80]])
    np.testing.assert_allclose(vector_normalise(x, d)[0], [[1 / math.sqrt(10), NAN],
                                                           [3 / math.sqrt(10), 1.0]])
    np.testing.assert_array_equal(mirror(np.array([1.0, NAN, 3.0]), 1.0, 3.0), [3, NAN, 1])


def test_minmax_keeps_missing_values_of_a_constant_column(fw):
    with pytest.warns(ConstantIndicatorWarning):
        out = normalised(fw, [[7, 1], [7, 2], [NAN, 3]], "minmax")
    np.testing.assert_array_equal(out[0, :, 0], [50, 50, NAN])


# -- properties ----------------------------------------------------------------------------------


def _panels(min_units=2):
    shape = st.tuples(st.integers(1, 3), st.integers(min_units, 6), st.just(2))
    finite = st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3))
    return hnp.arrays(np.float64, shape, elements=st.one_of(finite, finite, finite, st.just(NAN)))


def _quiet(fw, values, spec, **method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return normalised(fw, values, spec, **method)


@FAST
@given(_panels(), st.sampled_from(["pooled", "per_period"]))
def test_bounded_methods_stay_in_their_range(values, scope):
    fw = framework(a={"goalposts": [-100, 100]}, b={"goalposts": [-100, 100]})
    known = ~np.isnan(values)
    for spec, lo, hi in [("percentile", 0, 100), ("efficacy", 60, 100),
                         ({"method": "efficacy", "base": 0, "span": 10}, 0, 10),
                         ("goalposts", 0, 100),
                         ({"method": "efficacy", "bounds": "goalposts", "clip": True}, 60, 100)]:
        out = _quiet(fw, values, spec, scope=scope)
        assert np.array_equal(np.isnan(out), ~known), spec
        assert (out[known] >= lo - 1e-9).all() and (out[known] <= hi + 1e-9).all(), spec


@FAST
@given(_panels(), st.sampled_from(["pooled", "per_period", "base:2020"]))
def test_lower_is_better_equals_higher_is_better_on_negated_values(values, scope):
    up = make_framework({"I": ["a", "b"]})
    down = make_framework({"I": ["a", "b"]}, directions={"a": "-", "b": "-"})
    for spec in ["rank", "percentile", "borda", "zscore", "efficacy", "minmax"]:
        np.testing.assert_allclose(_quiet(down, values, spec, scope=scope),
                                   _quiet(up, -values, spec, scope=scope), atol=1e-9,
                                   err_msg=str(spec))


@FAST
@given(_panels(), st.sampled_from(["vector", "sum"]))
def test_vector_and_sum_mirror_lower_is_better(values, key):
    values = np.abs(values)
    up = make_framework({"I": ["a", "b"]})
    down = make_framework({"I": ["a", "b"]}, directions={"a": "-", "b": "-"})
    y, z = _quiet(up, values, key), _quiet(down, values, key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanmin(y, axis=1, keepdims=True), np.nanmax(y, axis=1, keepdims=True)
    np.testing.assert_allclose(z, lo + hi - y, atol=1e-12)
    # order reversed: a better raw value never scores lower
    for p in range(values.shape[0]):
        for i in range(2):
            known = ~np.isnan(values[p, :, i])
            x, s = values[p, known, i], z[p, known, i]
            order = np.argsort(x, kind="stable")
            assert (np.diff(s[order]) <= 1e-12).all()


def test_distance_to_reference_is_coinr_n_dist2ref():
    # COINr n_dist2ref: (x − min) / (x_ref − min), the reference scoring 1 (here scale 1).
    # a = 2, 4, 10, 6 with U1 (4) the reference: min 2 → 0, 1, 4, 2; b (lower is better)
    # = 5, 3, 1, 7 with U1 (3): (max − x)/(max − x_ref) = (7 − b)/4 → 0.5, 1, 1.5, 0.
    fw = make_framework({"I": ["a", "b"]}, directions={"b": "-"})
    values = [[2, 5], [4, 3], [10, 1], [6, 7]]
    out = normalised(fw, values, {"method": "distance_to_reference", "unit": "U1", "scale": 1})
    np.testing.assert_allclose(out[0], [[0, 0.5], [1, 1], [4, 1.5], [2, 0]])
    capped = normalised(fw, values, {"method": "distance_to_reference", "unit": "U1", "cap": True})
    np.testing.assert_allclose(capped[0], [[0, 50], [100, 100], [100, 100], [100, 0]])
    # reference_unit is the plain ratio x / x_ref (OECD), a different number: U2's a is 10/4
    ratio = normalised(fw, values, {"method": "reference_unit", "unit": "U1", "scale": 1})
    assert ratio[0, 2, 0] == pytest.approx(2.5)


def test_distance_to_reference_at_the_worst_value_is_undefined_and_listed():
    fw = make_framework({"I": ["a"]})
    with pytest.warns(zh.ZonghengWarning, match="distance_to_reference"):
        out, st_ = run(fw, [[2], [4], [10]], {"method": "distance_to_reference", "unit": "U0"})
    assert np.isnan(out).all() and len(st_.undefined_) == 3
