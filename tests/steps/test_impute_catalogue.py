"""Imputation over periods and from siblings, against values computed by hand."""

import numpy as np
import pytest

import zongheng as zh
from zongheng.errors import MethodError
from zongheng.method import Method
from zongheng.steps.impute import CarryBackward, CarryForward, Interpolate, SiblingMean
from zongheng.testing import make_framework, make_panel

NAN = np.nan

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")


@pytest.fixture
def fw():
    return make_framework({"I": ["a", "b"]})


# Periods 2018, 2019, 2021 (2020 is not in the data); units U0, U1, U2; indicators a, b.
#   a: U0 1, –, 7   (a gap)          b: U0 5, –, –   (trailing)
#      U1 –, 2, 4   (leading)           U1 1, 2, 3   (complete)
#      U2 –, –, –   (no value at all)   U2 4, –, 4   (constant)
SERIES = {
    ("U0", "a"): [1, NAN, 7], ("U1", "a"): [NAN, 2, 4], ("U2", "a"): [NAN, NAN, NAN],
    ("U0", "b"): [5, NAN, NAN], ("U1", "b"): [1, 2, 3], ("U2", "b"): [4, NAN, 4],
}
UNITS, INDS = ["U0", "U1", "U2"], ["a", "b"]


def _values():
    values = np.empty((3, 3, 2))
    for (u, i), series in SERIES.items():
        values[:, UNITS.index(u), INDS.index(i)] = series
    return values


@pytest.fixture
def panel(fw):
    return make_panel(fw, _values(), periods=[2018, 2019, 2021])


def _imputed(fw, panel, impute):
    ev = zh.build(fw, panel, Method(impute=impute))
    out = ev.stage("imputed")
    return {(u, i): out[:, UNITS.index(u), INDS.index(i)].tolist() for u in UNITS for i in INDS}, ev


def _same(actual, expected):
    np.testing.assert_array_equal(np.array(actual, dtype=float), np.array(expected, dtype=float))


def test_interpolation_is_linear_in_the_period_and_fills_gaps_only(fw, panel):
    got, ev = _imputed(fw, panel, "interpolate")
    _same(got["U0", "a"], [1, 1 + (2019 - 2018) / (2021 - 2018) * (7 - 1), 7])  # 3, not 4
    _same(got["U1", "a"], [NAN, 2, 4])  # before the first known value: left missing
    _same(got["U2", "a"], [NAN, NAN, NAN])  # no value at all: stays missing
    _same(got["U0", "b"], [5, NAN, NAN])  # after the last known value: left missing
    _same(got["U1", "b"], [1, 2, 3])
    _same(got["U2", "b"], [4, 4, 4])  # a constant series stays constant
    unfilled = ev.record("impute").state.unfilled_
    assert unfilled.sum() == 1 + 3 + 2
    assert unfilled[:, 2, 0].all() and not unfilled[:, 1, 1].any()


def test_interpolation_extrapolates_the_nearest_value_when_asked(fw, panel):
    got, _ = _imputed(fw, panel, {"method": "interpolate", "extrapolate": "nearest"})
    _same(got["U0", "a"], [1, 3, 7])
    _same(got["U1", "a"], [2, 2, 4])
    _same(got["U0", "b"], [5, 5, 5])
    _same(got["U2", "a"], [NAN, NAN, NAN])  # nothing to extrapolate from


def test_interpolation_uses_positions_when_periods_are_not_numbers(fw):
    panel = make_panel(fw, _values(), periods=["2018H1", "2018H2", "2019H2"])
    got, _ = _imputed(fw, panel, "interpolate")
    _same(got["U0", "a"], [1, 4, 7])


def test_carry_forward_takes_the_latest_earlier_value(fw, panel):
    got, ev = _imputed(fw, panel, "carry_forward")
    _same(got["U0", "a"], [1, 1, 7])
    _same(got["U1", "a"], [NAN, 2, 4])  # nothing earlier: stays missing
    _same(got["U2", "a"], [NAN, NAN, NAN])
    _same(got["U0", "b"], [5, 5, 5])
    _same(got["U2", "b"], [4, 4, 4])
    assert ev.record("impute").state.unfilled_.sum() == 1 + 3


def test_carry_forward_limit_stops_after_that_many_periods(fw, panel):
    got, _ = _imputed(fw, panel, {"method": "carry_forward", "limit": 1})
    _same(got["U0", "b"], [5, 5, NAN])
    _same(got["U0", "a"], [1, 1, 7])


def test_carry_backward_takes_the_next_later_value(fw, panel):
    got, _ = _imputed(fw, panel, "carry_backward")
    _same(got["U0", "a"], [1, 7, 7])
    _same(got["U1", "a"], [2, 2, 4])
    _same(got["U0", "b"], [5, NAN, NAN])  # nothing later: stays missing
    _same(got["U2", "a"], [NAN, NAN, NAN])
    got, _ = _imputed(fw, panel, {"method": "carry_backward", "limit": 1})
    _same(got["U2", "b"], [4, 4, 4])


def test_single_period_panel_has_nothing_to_fill_from(fw):
    panel = make_panel(fw, [[1, NAN], [2, 3]])
    for impute in ("interpolate", "carry_forward", "carry_backward"):
        got = zh.build(fw, panel, Method(impute=impute)).stage("imputed")
        _same(got[0], [[1, NAN], [2, 3]])


def test_over_period_steps_round_trip_and_check_their_parameters():
    for impute in (Interpolate(extrapolate="nearest"), CarryForward(limit=2), CarryBackward(),
                   SiblingMean()):
        method = Method(impute=impute)
        assert Method.from_dict(method.to_dict()) == method
    assert Method(impute="interpolate").to_dict() == {"impute": "interpolate"}
    for bad in ({"method": "interpolate", "extrapolate": "linear"},
                {"method": "carry_forward", "limit": 0},
                {"method": "carry_backward", "limit": 1.5}):
        with pytest.raises(MethodError, match=bad["method"]):
            Method(impute=bad)


# -- sibling mean --------------------------------------------------------------------------------

# Indicator b runs the other way: its normalised values are flipped, like every sibling's.
SIB_VALUES = [[0, 4, 0], [10, 0, 10], [NAN, 3, 6], [5, 2, 10]]
#   normalised (min-max 0–100):  a: 0, 100, –, 50   b: 0, 100, 25, 50   c: 0, 100, 60, 100


def _sibling_build(weights=None, method=None):
    fw = make_framework({"I": ["D1"], "D1": ["a", "b", "c"]}, directions={"b": "-"},
                        weights=weights)
    panel = make_panel(fw, SIB_VALUES)
    return zh.build(fw, panel, method or Method(impute="sibling_mean"))


def test_sibling_mean_fills_from_the_siblings_normalised_values():
    ev = _sibling_build()
    assert np.isnan(ev.stage("imputed")[0, 2, 0])  # not filled before normalisation
    np.testing.assert_allclose(ev.stage("normalised")[0, :, 1], [0, 100, 25, 50])
    assert ev.stage("normalised")[0, 2, 0] == pytest.approx((25 + 60) / 2)
    # the goalposts of a were learned without the filled cell
    np.testing.assert_allclose(ev.stage("normalised")[0, [0, 1, 3], 0], [0, 100, 50])
    report = ev.record("fill").state
    assert report.filled_.sum() == 1 and report.filled_[0, 2, 0]
    assert not report.unfilled_.any()
    assert ev.record("impute").state.missing_.sum() == 1
    # with arithmetic aggregation, D1 is what leaving a out would give
    assert ev.scores[0, 2, ev.node_codes.index("D1")] == pytest.approx((25 + 60) / 2)


def test_sibling_mean_is_weighted_by_the_framework_weights():
    ev = _sibling_build(weights={"b": 3})
    assert ev.stage("normalised")[0, 2, 0] == pytest.approx((3 * 25 + 60) / 4)


def test_sibling_mean_is_redone_when_normalisation_changes():
    ev = _sibling_build().rebuild(normalise={"method": "minmax", "high": 1})
    assert ev.stage("normalised")[0, 2, 0] == pytest.approx((0.25 + 0.6) / 2)


def test_sibling_mean_leaves_cells_without_known_siblings_missing():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]})
    values = [[0, 0, 0], [10, 10, 10], [NAN, NAN, 5], [5, 5, NAN]]
    ev = zh.build(fw, make_panel(fw, values), Method(impute="sibling_mean"))
    normalised = ev.stage("normalised")[0]
    assert np.isnan(normalised[2, :2]).all()  # U2 misses both a and b
    assert np.isnan(normalised[3, 2])  # c is the only indicator of D2
    report = ev.record("fill").state
    assert report.unfilled_.sum() == 3 and not report.filled_.any()
    # the aggregation leaves the missing ones out
    assert ev.scores[0, 3, ev.node_codes.index("I")] == pytest.approx(50)


def test_sibling_mean_does_not_fill_screened_units():
    ev = _sibling_build(method=Method(impute="sibling_mean", screen={"method": "units",
                                                                     "exclude": ["U2"]}))
    assert np.isnan(ev.stage("normalised")[0, 2]).all()
    report = ev.record("fill").state
    assert not report.filled_.any() and not report.unfilled_.any()


def test_sibling_weights_pair_each_indicator_with_its_siblings_only():
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, weights={"b": 2})
    ctx = zh.steps.Context(fw, make_panel(fw, [[1, 2, 3]]))
    np.testing.assert_array_equal(SiblingMean.sibling_weights(ctx),
                                  [[0, 1, 0], [2, 0, 0], [0, 0, 0]])


# -- what the existing imputations leave missing ------------------------------------------------


def test_mean_leaves_an_indicator_nobody_has_missing(fw):
    panel = make_panel(fw, [[[1, NAN], [3, NAN]], [[NAN, 1], [5, 3]]])
    ev = zh.build(fw, panel, Method(impute="mean"))
    imputed = ev.stage("imputed")
    assert np.isnan(imputed[0, :, 1]).all()  # no unit has b in 2020
    assert imputed[1, 0, 0] == 5


def test_group_mean_names_units_without_a_group_label(fw):
    panel = make_panel(fw, [[1, 1], [2, 2], [NAN, 3], [4, 4]], groups={"g": ["x", "x", None, "y"]})
    with pytest.raises(MethodError, match="U2"):
        zh.build(fw, panel, Method(impute={"method": "group_mean", "group": "g"}))
    # an unlabelled unit with nothing missing is fine
    panel = make_panel(fw, [[1, 1], [NAN, 2], [3, 3], [4, 4]], groups={"g": ["x", "x", None, "y"]})
    ev = zh.build(fw, panel, Method(impute={"method": "group_mean", "group": "g"}))
    assert ev.stage("imputed")[0, 1, 0] == 1


@pytest.mark.parametrize("limit", [None, 1, 2])
def test_numpy_fills_over_periods_equal_pandas(limit):
    # The kernels replaced pandas' ffill/bfill (so building needs no pandas): same cells, same values.
    import pandas as pd

    from zongheng.steps.impute import _bfill, _ffill

    rng = np.random.default_rng(3)
    frame = rng.normal(size=(9, 40))
    frame[rng.random(frame.shape) < 0.5] = np.nan
    np.testing.assert_array_equal(_ffill(frame, limit), pd.DataFrame(frame).ffill(limit=limit).to_numpy())
    np.testing.assert_array_equal(_bfill(frame, limit), pd.DataFrame(frame).bfill(limit=limit).to_numpy())
