"""Percentile winsorisation, log and Box-Cox transformations, against values computed by hand."""

import numpy as np
import pytest
from scipy import stats

import zongheng as zh
from zongheng.errors import MethodError
from zongheng.method import Method
from zongheng.steps import Context, Scope
from zongheng.steps.treat import BoxCox, LogTransform, SkewLogTransform, WinsorisePercentile, skewness
from zongheng.testing import make_framework, make_panel

NAN = np.nan

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")

FW = make_framework({"I": ["x", "y"]})


def _panel(x, y=None, periods=None):
    """A panel of indicators x and y over units, one period or (period, unit) arrays."""
    x = np.asarray(x, dtype=float)
    y = np.arange(x.shape[-1], dtype=float) * np.ones_like(x) if y is None else np.asarray(y, float)
    return make_panel(FW, np.stack([x, y], axis=-1), periods=periods)


def _treated(treat, x, y=None, periods=None, scope="pooled"):
    ev = zh.build(FW, _panel(x, y, periods), Method(treat=treat, scope=scope))
    return ev.stage("treated"), ev


def _direct(step, x, y=None):
    """Fit and apply a step outside a build (so that missing values can reach it)."""
    panel = _panel(x, y)
    ctx = Context(FW, panel, Scope())
    state = step.fit(panel.values, ctx)
    return step.apply(panel.values, state, ctx), state


# -- percentile ---------------------------------------------------------------------------------


def test_percentile_caps_at_the_default_5th_and_95th_percentiles():
    x = np.arange(21.0)  # positions 20·0.05 = 1 and 20·0.95 = 19
    out, ev = _treated("percentile", x)
    np.testing.assert_array_equal(out[0, :, 0], np.clip(x, 1, 19))
    assert ev.treated.to_dict("records")[0] == {"indicator": "x", "scope_group": 0,
                                                "winsorised": 2, "log": False}


def test_percentile_interpolates_between_order_statistics():
    x = [0, 10, 20, 30, 40]  # 4·0.1 = 0.4 → 4; 4·0.9 = 3.6 → 36
    out, _ = _treated({"method": "percentile", "lower": 0.1, "upper": 0.9}, x)
    np.testing.assert_allclose(out[0, :, 0], [4, 10, 20, 30, 36])


def test_percentile_scopes():
    x = [[0, 10, 20, 30, 40], [0, 100, 200, 300, 400]]
    spec = {"method": "percentile", "lower": 0.1, "upper": 0.9}
    per, _ = _treated(spec, x, scope="per_period")
    np.testing.assert_allclose(per[..., 0], [[4, 10, 20, 30, 36], [40, 100, 200, 300, 360]])
    # pooled, sorted: 0 0 10 20 30 40 100 200 300 400; 9·0.1 = 0.9 → 0; 9·0.9 = 8.1 → 310
    pooled, _ = _treated(spec, x)
    np.testing.assert_allclose(pooled[1, :, 0], [0, 100, 200, 300, 310])
    base, _ = _treated({**spec, "scope": "base:2020"}, x)
    np.testing.assert_allclose(base[1, :, 0], [4, 36, 36, 36, 36])


def test_percentile_zero_and_one_mean_no_cap():
    x = [[0, 10, 20, 30, 40], [-50, 100, 200, 300, 400]]
    out, _ = _treated({"method": "percentile", "lower": 0, "upper": 0.9, "scope": "base:2020"}, x)
    np.testing.assert_allclose(out[1, :, 0], [-50, 36, 36, 36, 36])  # no floor at the base minimum


def test_percentile_keeps_missing_and_constant_values():
    out, state = _direct(WinsorisePercentile(lower=0.1, upper=0.9), [0, 10, NAN, 20, 30, 40],
                         [7, 7, 7, 7, 7, 7])
    np.testing.assert_allclose(out[0, :, 0], [4, 10, NAN, 20, 30, 36])
    np.testing.assert_array_equal(out[0, :, 1], 7)
    assert state.winsorised_.tolist() == [[2, 0]]


@pytest.mark.parametrize("params", [{"lower": 0.9, "upper": 0.1}, {"lower": 0.5, "upper": 0.5},
                                    {"upper": 1.5}, {"lower": "a"}])
def test_percentile_checks_its_parameters(params):
    with pytest.raises(MethodError, match="percentile"):
        Method(treat={"method": "percentile", **params})


# -- log ----------------------------------------------------------------------------------------


def test_log_ct_shifts_by_the_minimum_and_a_hundredth_of_the_range():
    x = np.array([0.0, 1, 9, 99])
    out, ev = _treated("log", x, [3, 3, 3, 3])
    np.testing.assert_allclose(out[0, :, 0], np.log(x - 0 + 0.99))
    np.testing.assert_array_equal(out[0, :, 1], 3)  # constant: left as it is
    assert ev.treated[["indicator", "log"]].to_dict("records") == [{"indicator": "x", "log": True}]


def test_log_ct_per_period_scope_and_missing_values():
    out, _ = _treated("log", [[0, 1, 10], [10, 20, 110]], scope="per_period")
    np.testing.assert_allclose(out[..., 0], np.log([[0.1, 1.1, 10.1], [1, 11, 101]]))
    out, _ = _direct(LogTransform(), [0, NAN, 10])
    np.testing.assert_allclose(out[0, :, 0], np.log([0.1, NAN, 10.1]))


def test_log_ct_outside_the_base_range_is_an_error_naming_the_cell():
    x = [[10, 20, 110], [5, 20, 30]]  # base 2020: min 10, a = 1, so 5 − 10 + 1 < 0
    with pytest.raises(MethodError) as err:
        _treated({"method": "log", "scope": "base:2020"}, x)
    assert "x" in str(err.value) and "U0 (2021)" in str(err.value)
    assert len(err.value.problems) == 1


def test_plain_log_and_its_error_naming_the_indicator():
    out, _ = _treated({"method": "log", "kind": "plain"}, [1, np.e, 10], [2, 2, 2])
    np.testing.assert_allclose(out[0, :, 0], [0, 1, np.log(10)])
    np.testing.assert_allclose(out[0, :, 1], np.log(2))
    with pytest.raises(MethodError) as err:
        _treated({"method": "log", "kind": "plain"}, [1, 0, -3], [1, 2, 3])
    [problem] = err.value.problems
    assert problem.params["indicator"] == "x" and problem.params["n"] == 2
    assert "U1 (2020)" in str(err.value) and "kind: ct" in str(err.value)
    zh.set_lang("en")
    assert "shift" in str(err.value) and "≤ 0" in str(err.value)


# -- log following the skew ----------------------------------------------------------------------


def test_log_skew_positive_and_negative():
    pos = np.array([1.0, 2, 3, 10])
    neg = np.array([1.0, 8, 9, 10])
    assert skewness(pos[:, None])[0] > 0 > skewness(neg[:, None])[0]
    out, ev = _treated("log_skew", pos, neg)
    np.testing.assert_allclose(out[0, :, 0], np.log(pos - 1 + 0.09))
    np.testing.assert_allclose(out[0, :, 1], -np.log(10 + 0.09 - neg))
    assert ev.record("treat").state.sign_.tolist() == [[1, -1]]
    for j, raw in enumerate((pos, neg)):
        assert np.all(np.diff(out[0, :, j]) > 0)  # order kept
        assert abs(skewness(out[0, :, j][:, None])[0]) < abs(skewness(raw[:, None])[0])


def test_log_skew_constant_missing_and_too_few_values():
    out, state = _direct(SkewLogTransform(), [1, NAN, 3, 10], [5, 5, 5, 5])
    np.testing.assert_allclose(out[0, :, 0], np.log(np.array([1, NAN, 3, 10]) - 1 + 0.09))
    np.testing.assert_array_equal(out[0, :, 1], 5)
    assert state.log_.tolist() == [[True, False]]
    out, _ = _direct(SkewLogTransform(), [2, 4, NAN, NAN])  # two values: no skewness
    np.testing.assert_allclose(out[0, :2, 0], np.log([0.02, 2.02]))


# -- Box-Cox -------------------------------------------------------------------------------------


def test_boxcox_with_a_given_lambda():
    x = np.array([2.0, 5, 10])  # shifted: x − 2 + 1 = 1, 4, 9
    out, _ = _treated({"method": "boxcox", "lmbda": 0.5}, x)
    np.testing.assert_allclose(out[0, :, 0], [0, 2, 4])  # (√y − 1) / 0.5
    out, _ = _treated({"method": "boxcox", "lmbda": 0.5, "shift": False}, [1, 4, 9], [1, 2, 3])
    np.testing.assert_allclose(out[0, :, 0], [0, 2, 4])
    out, _ = _treated({"method": "boxcox", "lmbda": 0}, x)
    np.testing.assert_allclose(out[0, :, 0], np.log([1, 4, 9]))


def test_boxcox_fits_lambda_by_maximum_likelihood_like_scipy():
    rng = np.random.default_rng(4)
    x, y = rng.lognormal(1, 0.8, 30), rng.gamma(2.0, 3.0, 30) - 5
    out, ev = _treated("boxcox", x, y)
    for j, raw in enumerate((x, y)):
        expected, lmbda = stats.boxcox(raw - raw.min() + 1)
        np.testing.assert_allclose(out[0, :, j], expected, rtol=1e-10)
        assert ev.record("treat").state.lmbda_[0, j] == pytest.approx(lmbda, rel=1e-10)


def test_boxcox_leaves_missing_values_out_of_the_fit_and_constants_alone():
    x = np.array([1.0, 3, NAN, 8, 20, 2])
    out, state = _direct(BoxCox(), x, [4, 4, 4, 4, 4, 4])
    known = x[~np.isnan(x)]
    expected, lmbda = stats.boxcox(known - known.min() + 1)
    assert state.lmbda_[0, 0] == pytest.approx(lmbda, rel=1e-10)
    np.testing.assert_allclose(out[0, ~np.isnan(x), 0], expected, rtol=1e-10)
    assert np.isnan(out[0, 2, 0])
    np.testing.assert_array_equal(out[0, :, 1], 4)
    assert np.isnan(state.lmbda_[0, 1])


def test_boxcox_without_shift_needs_positive_values():
    with pytest.raises(MethodError) as err:
        _treated({"method": "boxcox", "shift": False}, [3, 2, 1], [0, 1, 2])
    [problem] = err.value.problems
    assert problem.params["indicator"] == "y" and "shift: true" in str(err.value)


def test_boxcox_parameters_and_round_trip():
    for step in (BoxCox(lmbda=0), BoxCox(lmbda=-0.5, shift=False, scope="per_period"),
                 LogTransform(kind="plain"), SkewLogTransform(scope="base:2020"),
                 WinsorisePercentile(lower=0, upper=0.99)):
        method = Method(treat=step)
        assert Method.from_dict(method.to_dict()) == method
    assert BoxCox(lmbda=1) == BoxCox(lmbda=1.0)
    for bad in ({"lmbda": "x"}, {"lmbda": float("inf")}, {"shift": "yes"}):
        with pytest.raises(MethodError, match="boxcox"):
            Method(treat={"method": "boxcox", **bad})
    with pytest.raises(MethodError, match="kind"):
        Method(treat={"method": "log", "kind": "log10"})


# -- per-indicator overrides with the new steps --------------------------------------------------


def test_by_indicator_mixes_the_new_treatments():
    x = np.array([0.0, 10, 20, 30, 40])
    y = np.array([0.0, 1, 9, 99, 99])
    method = Method(treat={"method": "by_indicator",
                           "default": {"method": "percentile", "lower": 0.1, "upper": 0.9},
                           "overrides": {"y": "log"}})
    out, _ = _treated(method.treat, x, y)
    np.testing.assert_allclose(out[0, :, 0], [4, 10, 20, 30, 36])
    np.testing.assert_allclose(out[0, :, 1], np.log(y + 0.99))
    assert Method.from_dict(method.to_dict()) == method
    # an override's error still names its indicator
    with pytest.raises(MethodError, match="y"):
        _treated({"method": "by_indicator", "overrides": {"y": {"method": "log", "kind": "plain"}}},
                 x, y)
