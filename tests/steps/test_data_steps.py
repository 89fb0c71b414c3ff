"""Denominate, impute, screen and normalise steps, against values computed by hand."""

import numpy as np
import pytest

import zongheng as zh
from zongheng.errors import ConstantIndicatorWarning, MethodError
from zongheng.method import Method
from zongheng.steps.normalise import minmax
from zongheng.testing import make_framework, make_panel

NAN = np.nan


@pytest.fixture
def fw():
    return make_framework({"I": ["a", "b"]}, directions={"b": "-"})


@pytest.fixture
def fw_den():
    return make_framework({"I": ["a", "b"]}, directions={"b": "-"}, denominators={"a": "pop"})


def test_denominate_divides_by_the_named_column_only(fw_den):
    fw = fw_den
    panel = make_panel(fw, [[10, 1], [30, 2], [50, 3]], denominators={"pop": [2, 3, 5]})
    ev = zh.build(fw, panel, Method(denominate="framework"))
    np.testing.assert_array_equal(ev.stage("denominated")[0], [[5, 1], [10, 2], [10, 3]])
    ev = zh.build(fw, panel, Method(denominate={"method": "framework", "scale": 100}))
    np.testing.assert_array_equal(ev.stage("denominated")[0, :, 0], [500, 1000, 1000])


def test_declared_denominators_apply_by_default_and_missing_ones_are_named(fw_den):
    # Known #1 of the reliability review: the default method ignored a declared denominator and
    # the biggest unit ranked first on a per-head indicator. Per head: 5, 10, 10 → U0 last.
    panel = make_panel(fw_den, [[10, 1], [30, 1], [50, 1]], denominators={"pop": [2, 3, 5]})
    assert zh.build(fw_den, panel).ranking()["unit"].tolist()[-1] == "U0"
    bare = make_panel(zh.testing.make_framework({"I": ["a", "b"]}), [[10, 1], [30, 1], [50, 1]])
    with pytest.raises(MethodError, match="pop"):
        zh.build(fw_den, bare)
    assert zh.build(fw_den, bare, Method(denominate="none")).ranking()["unit"].iloc[0] == "U2"


def test_zero_denominator_gives_missing_not_infinity(fw_den):
    fw = fw_den
    panel = make_panel(fw, [[10, 1], [30, 2], [50, 3]], denominators={"pop": [2, 0, 5]})
    ev = zh.build(fw, panel, Method(denominate="framework", impute="mean"))
    assert np.isnan(ev.stage("denominated")[0, 1, 0])
    assert ev.stage("imputed")[0, 1, 0] == pytest.approx((5 + 10) / 2)


def test_group_mean_uses_the_units_own_group_and_period(fw):
    values = [[[1, 1], [NAN, 2], [5, 3], [7, NAN]], [[2, 1], [4, 2], [NAN, 3], [8, 4]]]
    groups = {"g": ["x", "x", "y", "y"]}
    panel = make_panel(fw, values, groups=groups)
    ev = zh.build(fw, panel, Method(impute={"method": "group_mean", "group": "g"}))
    imputed = ev.stage("imputed")
    assert imputed[0, 1, 0] == 1.0  # 2020, group x: only U0 has a value
    assert imputed[0, 3, 1] == 3.0  # 2020, group y, indicator b
    assert imputed[1, 2, 0] == 8.0  # 2021, group y
    assert not np.isnan(imputed).any()


def test_group_median_and_cross_section_statistics(fw):
    panel = make_panel(fw, [[1, 1], [2, 2], [10, 3], [NAN, 4]], groups={"g": list("xxxx")})
    assert zh.build(fw, panel, Method(impute="mean")).stage("imputed")[0, 3, 0] == 13 / 3
    assert zh.build(fw, panel, Method(impute="median")).stage("imputed")[0, 3, 0] == 2
    ev = zh.build(fw, panel, Method(impute={"method": "group_median", "group": "g"}))
    assert ev.stage("imputed")[0, 3, 0] == 2


def test_no_imputation_names_the_missing_cells(fw):
    panel = make_panel(fw, [[1, 1], [NAN, 2], [3, NAN]], units=["甲", "乙", "丙"])
    with pytest.raises(MethodError) as err:
        zh.build(fw, panel, Method(impute="none"))
    text = str(err.value)
    assert "乙" in text and "丙" in text and "a" in text and "b" in text
    assert len(err.value.problems) == 2


def test_group_with_no_value_at_all_is_an_error(fw):
    panel = make_panel(fw, [[1, 1], [2, 2], [NAN, 3], [NAN, 4]], groups={"g": list("xxyy")})
    with pytest.raises(MethodError, match="g=y"):
        zh.build(fw, panel, Method(impute={"method": "group_mean", "group": "g"}))


def test_unknown_group_column_is_an_error(fw):
    panel = make_panel(fw, [[1, 1], [2, 2]])
    with pytest.raises(MethodError, match="nope"):
        zh.build(fw, panel, Method(impute={"method": "group_mean", "group": "nope"}))


def test_screened_units_are_reported_unscored_and_do_not_shape_goalposts():
    fw = make_framework({"I": ["a", "b", "c"]})
    values = [[0, 0, 0], [10, 10, 10], [5, 5, 5], [1000, NAN, NAN]]
    panel = make_panel(fw, values)
    ev = zh.build(fw, panel, Method(impute="mean", screen={"method": "availability",
                                                           "min_share": 0.5}))
    assert ev.screened.to_dict("records") == [{"period": 2020, "unit": "U3",
                                               "availability": pytest.approx(1 / 3)}]
    assert np.isnan(ev.scores[0, 3]).all() and np.isnan(ev.ranks[0, 3]).all()
    # U3's 1000 is not the maximum of a: the goalposts come from the kept units only.
    np.testing.assert_allclose(ev.stage("normalised")[0, :3, 0], [0, 100, 50])
    assert ev.ranking()["unit"].tolist() == ["U1", "U2", "U0", "U3"]


def test_minmax_respects_direction_and_range(fw):
    panel = make_panel(fw, [[1, 10], [3, 20], [5, 30]])
    ev = zh.build(fw, panel, Method(normalise={"method": "minmax", "low": 1, "high": 11}))
    np.testing.assert_allclose(ev.stage("normalised")[0], [[1, 11], [6, 6], [11, 1]])


def test_minmax_scope_pooled_per_period_and_base(fw):
    values = [[[0, 0], [10, 10]], [[10, 10], [20, 20]]]
    panel = make_panel(fw, values)
    pooled = zh.build(fw, panel).stage("normalised")[..., 0]
    np.testing.assert_allclose(pooled, [[0, 50], [50, 100]])
    per = zh.build(fw, panel, Method(scope="per_period")).stage("normalised")[..., 0]
    np.testing.assert_allclose(per, [[0, 100], [0, 100]])
    base = zh.build(fw, panel, Method(normalise={"method": "minmax", "scope": "base:2020"}))
    np.testing.assert_allclose(base.stage("normalised")[..., 0], [[0, 100], [100, 200]])


def test_unknown_base_period_is_a_method_error(fw):
    panel = make_panel(fw, [[0, 0], [1, 1]])
    with pytest.raises(MethodError, match="1999"):
        zh.build(fw, panel, Method(scope="base:1999"))


def test_constant_indicator_gets_the_middle_with_a_warning(fw):
    panel = make_panel(fw, [[7, 1], [7, 2], [7, 3]])
    with pytest.warns(ConstantIndicatorWarning, match="a"):
        ev = zh.build(fw, panel)
    np.testing.assert_array_equal(ev.stage("normalised")[0, :, 0], [50, 50, 50])


def test_minmax_kernel_keeps_missing_values():
    out = minmax(np.array([0.0, NAN, 4.0]), 0.0, 4.0, np.array(1.0))
    np.testing.assert_array_equal(out, [0, NAN, 100])


def test_a_zero_denominator_is_not_called_a_missing_value(fw_den):
    # Known #15: "a zero denominator reported as a missing value", with no hint.
    panel = make_panel(fw_den, [[10, 1], [30, 2], [50, 3]], denominators={"pop": [2, 0, 5]})
    with pytest.raises(MethodError) as err:
        zh.build(fw_den, panel)
    assert [p.kind for p in err.value.problems] == ["impute_zero_denominator"]
    assert "分母" in str(err.value) and "U1" in str(err.value)


def test_missing_values_suggest_an_imputation_and_are_summarised(fw):
    wide = make_framework({"I": [f"x{i}" for i in range(30)]})
    values = np.ones((3, 30))
    values[1, :] = NAN  # U1 misses all 30 indicators
    with pytest.raises(MethodError) as err:
        zh.build(wide, make_panel(wide, values))
    text = str(err.value)
    assert "impute" in text
    assert len(err.value.problems) == 11 and "另有 20 项指标" in text
