import numpy as np
import pytest
from scipy import stats

import zongheng as zh
from zongheng.method import Method
from zongheng.steps.treat import Winsorise, kurtosis, skewness
from zongheng.testing import make_framework, make_panel


def test_skewness_and_kurtosis_match_scipy_unbiased():
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=(40, 3))
    x[5, 1] = np.nan
    for j in range(3):
        col = x[:, j][~np.isnan(x[:, j])]
        assert skewness(x)[j] == pytest.approx(stats.skew(col, bias=False), rel=1e-12)
        assert kurtosis(x)[j] == pytest.approx(stats.kurtosis(col, bias=False), rel=1e-12)


def test_too_few_values_give_nan_statistics():
    x = np.array([[1.0], [2.0]])
    assert np.isnan(skewness(x)).all() and np.isnan(kurtosis(x)).all()


def _one_indicator(values):
    fw = make_framework({"I": ["A"], "A": ["x", "y"]})
    data = np.column_stack([values, np.arange(len(values), dtype=float)])
    return fw, make_panel(fw, data)


def test_coinr_example_two_high_outliers_are_winsorised():
    # COINr's winsorise() example: 1..10 plus 30 and 100 (G1 = 3.06, G2 = 9.74 fail).
    # One step moves 100 down to 30, after which G1 = 1.71 < 2 and the indicator passes.
    x = np.array([*range(1, 11), 30.0, 100.0])
    fw, panel = _one_indicator(x)
    ev = zh.build(fw, panel, Method(treat=Winsorise()))
    treated = ev.stage("treated")[0, :, 0]
    np.testing.assert_array_equal(treated, [*range(1, 11), 30.0, 30.0])
    assert ev.treated.to_dict("records") == [
        {"indicator": "x", "scope_group": 0, "winsorised": 1, "log": False}]
    assert abs(skewness(treated[:, None])[0]) < 2


def test_log_fallback_when_winsorisation_limit_is_reached():
    # Ten outliers on one side: five points are not enough, so the original is logged.
    x = np.array([1.0] * 30 + [2.0] * 5 + [1000.0 + i for i in range(3)])
    fw, panel = _one_indicator(x)
    ev = zh.build(fw, panel, Method(treat=Winsorise(max_points=1)))
    expected = np.log(x - x.min() + 0.01 * (x.max() - x.min()))
    np.testing.assert_allclose(ev.stage("treated")[0, :, 0], expected)
    assert ev.treated["log"].tolist() == [True]


def test_fallback_none_keeps_winsorised_values():
    x = np.array([1.0] * 30 + [2.0] * 5 + [1000.0, 1001.0, 1002.0])
    fw, panel = _one_indicator(x)
    ev = zh.build(fw, panel, Method(treat=Winsorise(max_points=1, fallback="none")))
    assert ev.stage("treated")[0, :, 0].max() == 1001.0


def test_passing_indicator_is_untouched_and_nan_stays_nan():
    x = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    fw, panel = _one_indicator(x)
    ev = zh.build(fw, panel, Method(treat=Winsorise(), impute={"method": "mean"}))
    np.testing.assert_array_equal(ev.stage("treated"), ev.stage("imputed"))


def test_base_period_scope_clips_other_periods_only_where_base_was_treated():
    base = np.array([*range(1, 11), 30.0, 100.0])
    later = base * 2
    fw = make_framework({"I": ["A"], "A": ["x", "y"]})
    values = np.stack([np.column_stack([base, base]), np.column_stack([later, base])])
    values[:, :, 1] = np.arange(12)
    panel = make_panel(fw, values)
    ev = zh.build(fw, panel, Method(treat=Winsorise(scope="base:2020")))
    # The cap learned in 2020 (upper cap 30) applies to 2021; the low side is not capped.
    np.testing.assert_array_equal(ev.stage("treated")[1, :, 0], np.minimum(later, 30.0))
    np.testing.assert_array_equal(ev.stage("treated")[:, :, 1], values[:, :, 1])


def test_per_indicator_override_treats_only_the_named_indicator():
    x = np.array([*range(1, 11), 30.0, 100.0])
    fw = make_framework({"I": ["A"], "A": ["x", "y"]})
    panel = make_panel(fw, np.column_stack([x, x]))
    method = Method(treat={"method": "by_indicator", "default": "winsorise",
                           "overrides": {"y": "none"}})
    ev = zh.build(fw, panel, method)
    np.testing.assert_array_equal(ev.stage("treated")[0, :, 0], [*range(1, 11), 30.0, 30.0])
    np.testing.assert_array_equal(ev.stage("treated")[0, :, 1], x)
    assert Method.from_dict(method.to_dict()) == method
    with pytest.raises(zh.MethodError, match="nope"):
        zh.build(fw, panel, Method(treat={"method": "by_indicator", "overrides": {"nope": "none"}}))
