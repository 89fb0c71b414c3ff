"""Property tests (hypothesis) on small random frameworks and panels.

Each property is one a composite indicator must keep whatever the data:
min-max bounds, direction mirroring, invariance to the order of units,
competition ranking, arithmetic aggregation as the effective-weight sum, and
rebuilds equal to fresh builds.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import zongheng as zh
from zongheng.errors import ConstantIndicatorWarning
from zongheng.framework import Framework, framework_from_records
from zongheng.method import Method
from zongheng.panel import Panel
from zongheng.steps.aggregate import Arithmetic
from zongheng.steps.impute import CrossSectionMean
from zongheng.steps.normalise import MinMax, minmax
from zongheng.steps.rank import competition_rank, group_rank
from zongheng.steps.screen import Availability
from zongheng.steps.treat import Winsorise
from zongheng.steps.weight import GivenWeights

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

pytestmark = [
    pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]

# -- builders -------------------------------------------------------------------------------


def make_fw(records: list[dict]) -> Framework:
    """A framework from plain records, each located by its code."""
    return framework_from_records(records, [{"key": r["code"]} for r in records])


def make_panel(framework: Framework, values: np.ndarray, units=None, groups=None,
               indicators=None) -> Panel:
    """A panel on the framework's indicators; ``values`` shaped (period, unit, indicator)."""
    n_p, n_u, _ = values.shape
    units = list(units) if units is not None else [f"U{u}" for u in range(n_u)]
    attrs = pd.DataFrame(groups or {}, index=pd.Index(units, name="unit"))
    return Panel(values, units, list(range(2020, 2020 + n_p)),
                 indicators or framework.indicator_codes, attrs)


@st.composite
def framework_records(draw, max_aggregates: int = 4, max_indicators: int = 7) -> list[dict]:
    """Records of a random tree: an index, 0–3 aggregates below it (any depth), indicators.

    Indicators may sit at different depths (an aggregate may hold both indicators and
    aggregates), weights are random and positive, directions random.
    """
    n_agg = draw(st.integers(1, max_aggregates))
    agg_parent = [None] + [draw(st.integers(0, k - 1)) for k in range(1, n_agg)]
    with_agg_child = {p for p in agg_parent if p is not None}
    leaves = [k for k in range(n_agg) if k not in with_agg_child]  # need an indicator child
    n_extra = draw(st.integers(0, max_indicators - len(leaves)))
    ind_parent = leaves + [draw(st.integers(0, n_agg - 1)) for _ in range(n_extra)]
    ind_parent = draw(st.permutations(ind_parent))
    weight = st.sampled_from([0.5, 1.0, 1.0, 2.0, 3.0]) | st.floats(0.01, 100)
    records: list[dict] = []
    for k, parent in enumerate(agg_parent):
        rec = {"code": f"A{k}", "parent": None if parent is None else f"A{parent}",
               "type": "aggregate"}
        if parent is not None:
            rec["weight"] = draw(weight)
        records.append(rec)
    for j, parent in enumerate(ind_parent):
        records.append({"code": f"x{j}", "parent": f"A{parent}", "weight": draw(weight),
                        "direction": draw(st.sampled_from(["+", "-"])), "type": "indicator"})
    return records


FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
# Small integers with rare large outliers: exact sums (so exact ties), and skewed data
# that the winsorisation has to treat.
SKEWED = st.integers(0, 20).map(float) | st.integers(100, 10_000).map(float)


@st.composite
def frameworks_and_values(draw, elements=FINITE, max_units: int = 8, max_periods: int = 3,
                          min_units: int = 2, missing: bool = False):
    """A framework's records and a values array (period, unit, indicator) for it.

    With ``missing``, about one value in ten is NaN (some examples have none).
    """
    records = draw(framework_records())
    fw = make_fw(records)
    shape = (draw(st.integers(1, max_periods)), draw(st.integers(min_units, max_units)),
             len(fw.indicator_codes))
    values = draw(hnp.arrays(np.float64, shape, elements=elements))
    if missing:
        mask = draw(hnp.arrays(bool, shape, elements=st.integers(0, 9).map(lambda k: k == 0)))
        values = np.where(mask, np.nan, values)
    return records, fw, values


def _build(fw: Framework, panel: Panel, method: Method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantIndicatorWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return zh.build(fw, panel, method)


# -- min-max bounds ---------------------------------------------------------------------------

RANGES = st.tuples(st.floats(-1e4, 1e4), st.floats(1e-3, 1e4)).map(lambda t: (t[0], t[0] + t[1]))


@FAST
@given(values=hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, max_side=6),
                         elements=FINITE),
       bounds=RANGES, data=st.data())
def test_minmax_kernel_stays_in_range(values, bounds, data):
    low, high = bounds
    direction = np.array(data.draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=values.shape[-1],
                                            max_size=values.shape[-1])))
    lo, hi = values.min(axis=-2, keepdims=True), values.max(axis=-2, keepdims=True)
    out = minmax(values, lo, hi, direction, low, high)
    assert out.shape == values.shape
    assert np.isfinite(out).all()
    assert (out >= low).all() and (out <= high).all()


@FAST
@given(case=frameworks_and_values(), bounds=RANGES,
       scope=st.sampled_from(["pooled", "per_period"]))
def test_minmax_in_build_stays_in_range(case, bounds, scope):
    _, fw, values = case
    low, high = bounds
    ev = _build(fw, make_panel(fw, values), Method(normalise=MinMax(low=low, high=high),
                                                   scope=scope))
    scores, norm = ev.scores, ev.stage("normalised")
    n_ind = len(fw.indicator_codes)
    assert np.isfinite(scores).all()  # complete data: every node scored
    # min-max output: exactly within the range
    assert (norm >= low).all() and (norm <= high).all()
    np.testing.assert_array_equal(scores[..., :n_ind], norm)
    # aggregates are weighted means of it: within the range up to rounding ((w·x)/w may
    # differ from x by one ulp)
    ulps = 8 * np.spacing(max(abs(low), abs(high)))
    assert (scores >= low - ulps).all() and (scores <= high + ulps).all()
    # the bounds are reached by each non-constant indicator
    spread = (values.max(axis=(0, 1)) > values.min(axis=(0, 1)))
    if scope == "pooled":
        np.testing.assert_allclose(norm.min(axis=(0, 1))[spread], low, atol=1e-9 * (1 + abs(low)))
        np.testing.assert_allclose(norm.max(axis=(0, 1))[spread], high, atol=1e-9 * (1 + abs(high)))
    assert scores.shape == values.shape[:2] + (n_ind + len(fw.aggregates),)


# -- direction reversal -----------------------------------------------------------------------


@FAST
@given(values=hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 6),
                                               st.integers(1, 4)), elements=FINITE),
       bounds=RANGES)
def test_minmax_kernel_reversed_direction_mirrors(values, bounds):
    low, high = bounds
    lo, hi = values.min(axis=-2, keepdims=True), values.max(axis=-2, keepdims=True)
    up = minmax(values, lo, hi, np.ones(values.shape[-1]), low, high)
    down = minmax(values, lo, hi, -np.ones(values.shape[-1]), low, high)
    np.testing.assert_allclose(down, low + high - up, rtol=0, atol=1e-9 * max(abs(low), abs(high), 1))


@FAST
@given(case=frameworks_and_values(), bounds=RANGES, data=st.data(),
       treat=st.sampled_from(["none", "winsorise"]))
def test_reversing_direction_mirrors_normalised_values(case, bounds, data, treat):
    records, fw, values = case
    low, high = bounds
    k = data.draw(st.sampled_from(fw.indicator_codes), label="flipped")
    flipped = [dict(r, direction={"+": "-", "-": "+"}[r["direction"]]) if r["code"] == k else r
               for r in records]
    fw2 = make_fw(flipped)
    assert fw2.indicator_codes == fw.indicator_codes
    method = Method(treat=treat, normalise=MinMax(low=low, high=high))
    a = _build(fw, make_panel(fw, values), method).stage("normalised")
    b = _build(fw2, make_panel(fw2, values), method).stage("normalised")
    j = fw.indicator_codes.index(k)
    np.testing.assert_allclose(b[..., j], low + high - a[..., j], rtol=0,
                               atol=1e-9 * max(abs(low), abs(high), 1))
    others = [i for i in range(len(fw.indicator_codes)) if i != j]
    np.testing.assert_array_equal(b[..., others], a[..., others])


# -- invariance to the order of units -----------------------------------------------------------


def _asem_like(values: np.ndarray, max_points: int = 5, impute=None) -> Method:
    """Winsorise + min-max + arithmetic; imputation (mean by default) and screening when data
    are missing.

    A small ``max_points`` makes the log fallback happen.
    """
    has_missing = bool(np.isnan(values).any())
    return Method(impute=(impute or CrossSectionMean()) if has_missing else "none",
                  screen=Availability(min_share=0.5) if has_missing else "none",
                  treat=Winsorise(max_points=max_points), normalise=MinMax(low=0, high=100),
                  aggregate=Arithmetic())


MAX_POINTS = st.sampled_from([5, 1])
IMPUTE = st.sampled_from(["mean", "median", {"method": "group_mean", "group": "region"},
                          {"method": "group_median", "group": "region"}])


def _build_or_error(fw: Framework, panel: Panel, method: Method):
    try:
        return _build(fw, panel, method)
    except zh.MethodError as exc:
        return exc


@SLOW
@given(case=frameworks_and_values(elements=SKEWED, max_units=10, min_units=4, missing=True),
       data=st.data(), max_points=MAX_POINTS, impute=IMPUTE)
def test_permuting_units_changes_no_score_or_rank(case, data, max_points, impute):
    _, fw, values = case
    n_u = values.shape[1]
    units = [f"U{u}" for u in range(n_u)]
    groups = {"region": data.draw(st.lists(st.sampled_from(["n", "s"]), min_size=n_u,
                                           max_size=n_u), label="region")}
    perm = np.array(data.draw(st.permutations(range(n_u)), label="perm"))
    method = _asem_like(values, max_points, impute)
    ev = _build_or_error(fw, make_panel(fw, values, units, groups), method)
    ev2 = _build_or_error(fw, make_panel(fw, values[:, perm, :], [units[i] for i in perm],
                                         {"region": [groups["region"][i] for i in perm]}), method)
    if isinstance(ev, zh.MethodError) or isinstance(ev2, zh.MethodError):
        # a group without data: refused whatever the order, for the same reasons
        assert isinstance(ev, zh.MethodError) and isinstance(ev2, zh.MethodError)
        assert sorted(map(str, ev.problems)) == sorted(map(str, ev2.problems))
        return
    # screened units: no score, no rank
    for p, u in zip(*np.nonzero(~ev.record("screen").state.included_), strict=True):
        assert np.isnan(ev.scores[p, u]).all() and np.isnan(ev.ranks[p, u]).all()
    np.testing.assert_allclose(ev2.scores, ev.scores[:, perm, :], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(ev2.ranks, ev.ranks[:, perm, :])
    np.testing.assert_array_equal(ev2.group_ranks("region"), ev.group_ranks("region")[:, perm, :])
    cols = ["unit", "rank", "rank_in_region", *[fw.root.code, *fw.dimensions]]
    t1 = ev.ranking(group="region").sort_values("unit")[cols].reset_index(drop=True)
    t2 = ev2.ranking(group="region").sort_values("unit")[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(t1, t2, check_exact=False, rtol=1e-12, atol=1e-9)


@SLOW
@given(case=frameworks_and_values(elements=SKEWED, max_units=10, min_units=4), data=st.data(),
       max_points=MAX_POINTS)
def test_permuting_units_keeps_treatment(case, data, max_points):
    # The learned caps (and which indicators were treated) do not depend on the unit order.
    _, fw, values = case
    perm = np.array(data.draw(st.permutations(range(values.shape[1])), label="perm"))
    method = _asem_like(values, max_points)
    ev = _build(fw, make_panel(fw, values), method)
    ev2 = _build(fw, make_panel(fw, values[:, perm, :]), method)
    s1, s2 = ev.record("treat").state, ev2.record("treat").state
    for key in ("lo_", "hi_", "log_", "winsorised_"):
        np.testing.assert_array_equal(getattr(s1, key), getattr(s2, key), err_msg=key)
    np.testing.assert_array_equal(ev2.stage("treated"), ev.stage("treated")[:, perm, :])


# -- per-indicator overrides ------------------------------------------------------------------


@SLOW
@given(case=frameworks_and_values(elements=SKEWED, min_units=4), data=st.data(), bounds=RANGES,
       max_points=MAX_POINTS)
def test_overrides_equal_to_the_default_change_nothing(case, data, bounds, max_points):
    _, fw, values = case
    low, high = bounds
    treat = {"method": "winsorise", "max_points": max_points}
    normalise = {"method": "minmax", "low": low, "high": high}
    named = data.draw(st.lists(st.sampled_from(fw.indicator_codes), unique=True), label="named")
    plain = Method(treat=treat, normalise=normalise)
    split = Method(treat={"method": "by_indicator", "default": treat,
                          "overrides": dict.fromkeys(named, treat)},
                   normalise={"method": "by_indicator", "default": normalise,
                              "overrides": dict.fromkeys(named, normalise)})
    panel = make_panel(fw, values)
    a, b = _build(fw, panel, plain), _build(fw, panel, split)
    np.testing.assert_array_equal(b.stage("treated"), a.stage("treated"))
    np.testing.assert_array_equal(b.stage("normalised"), a.stage("normalised"))
    np.testing.assert_array_equal(b.ranks, a.ranks)


# -- ranking ----------------------------------------------------------------------------------

TIED = st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, -1.0]) | st.just(np.nan)


def _reference_rank(column: np.ndarray) -> np.ndarray:
    """1 + the number of strictly greater scores; NaN for a missing score."""
    out = np.array([1.0 + np.sum(column[~np.isnan(column)] > s) for s in column])
    return np.where(np.isnan(column), np.nan, out)


def _reference_rank_within_tolerance(column: np.ndarray) -> np.ndarray:
    """1 + the number of scores higher by τ = 2⁻⁴⁰ of their extent or more (steps/rank.py).

    Float noise between mathematically equal scores (e.g. 62.50000000000001 and 62.5 from two
    orders of summation) is a tie; scores built from small integers differ by far more otherwise.
    """
    known = column[~np.isnan(column)]
    extent = max(np.ptp(known), np.abs(known).max()) if known.size else 0.0
    out = np.array([1.0 + np.sum((known - s > 0) & (known - s >= extent * 2.0**-40)) for s in column])
    return np.where(np.isnan(column), np.nan, out)


def test_ties_share_the_best_place():
    np.testing.assert_array_equal(competition_rank(np.array([3.0, 2.0, 2.0, 1.0]), axis=0),
                                  [1, 2, 2, 4])
    np.testing.assert_array_equal(competition_rank(np.array([1.0, np.nan, 5.0, 1.0]), axis=0),
                                  [2, np.nan, 1, 2])
    labels = np.array(["a", "b", "a", "b", "a"], dtype=object)
    np.testing.assert_array_equal(group_rank(np.array([5.0, 5.0, 5.0, 1.0, 7.0]), labels, axis=0),
                                  [2, 1, 2, 2, 1])


@FAST
@given(scores=hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(0, 9),
                                               st.integers(1, 3)), elements=TIED))
def test_rank_is_one_plus_number_of_strictly_greater_scores(scores):
    ranks = competition_rank(scores, axis=-2)
    assert ranks.shape == scores.shape
    for p in range(scores.shape[0]):
        for k in range(scores.shape[2]):
            np.testing.assert_array_equal(ranks[p, :, k], _reference_rank(scores[p, :, k]))


@FAST
@given(scores=hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 3)),
                         elements=TIED),
       data=st.data())
def test_group_rank_is_the_rank_within_each_group(scores, data):
    n = scores.shape[0]
    labels = np.array(data.draw(st.lists(st.sampled_from(["a", "b", "c", None, np.nan]),
                                         min_size=n, max_size=n)), dtype=object)
    ranks = group_rank(scores, labels, axis=0)
    assert ranks.shape == scores.shape
    for u, label in enumerate(labels):
        if label is None or (isinstance(label, float) and np.isnan(label)):
            assert np.isnan(ranks[u]).all()
            continue
        members = np.array([lab == label for lab in labels])
        for k in range(scores.shape[1]):
            expected = _reference_rank(scores[members, k])
            assert np.array_equal(ranks[u, k], expected[np.flatnonzero(members) == u][0],
                                  equal_nan=True)


@FAST
@given(case=frameworks_and_values(elements=st.integers(0, 4).map(float)))
def test_build_ranks_every_node_by_competition(case):
    _, fw, values = case
    ev = _build(fw, make_panel(fw, values), Method())
    for p in range(values.shape[0]):
        for k in range(len(fw.node_codes)):
            np.testing.assert_array_equal(ev.ranks[p, :, k],
                                          _reference_rank_within_tolerance(ev.scores[p, :, k]))


# -- arithmetic aggregation = effective-weight sum --------------------------------------------


@FAST
@given(case=frameworks_and_values(), data=st.data(), bounds=RANGES)
def test_index_is_the_effective_weight_sum_of_normalised_indicators(case, data, bounds):
    _, fw, values = case
    given_w = data.draw(st.dictionaries(st.sampled_from([n.code for n in fw.nodes if n.parent]),
                                        st.floats(0.01, 100), max_size=4), label="given weights")
    low, high = bounds
    method = Method(normalise=MinMax(low=low, high=high),
                    weight=GivenWeights(weights=given_w) if given_w else "framework")
    ev = _build(fw, make_panel(fw, values), method)
    eff = ev.effective_weights
    assert list(eff.index) == list(fw.indicator_codes)
    assert eff.sum() == pytest.approx(1.0, rel=1e-12)
    assert (eff > 0).all()
    normalised = ev.stage("normalised")
    index = ev.scores[..., fw.node_codes.index(fw.root.code)]
    np.testing.assert_allclose(normalised @ eff.to_numpy(), index, rtol=1e-10,
                               atol=1e-9 * max(abs(low), abs(high), 1))
    for code, w in given_w.items():
        assert ev.weights[code] == w


# -- rebuild equivalence ----------------------------------------------------------------------

MINMAX_SPECS = st.builds(
    lambda bounds, scope: {"method": "minmax", "low": bounds[0], "high": bounds[1],
                           **({"scope": scope} if scope else {})},
    RANGES, st.sampled_from([None, "pooled", "per_period", "base:2020"]))
NORMALISE_SPECS = MINMAX_SPECS | st.builds(
    lambda default, x0: {"method": "by_indicator", "default": default, "overrides": {"x0": x0}},
    MINMAX_SPECS, MINMAX_SPECS)


def _assert_same_evaluation(a, b):
    np.testing.assert_array_equal(a.scores, b.scores)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    for name in ("denominated", "imputed", "screened", "treated", "normalised"):
        np.testing.assert_array_equal(a.stage(name), b.stage(name), err_msg=name)


@SLOW
@given(case=frameworks_and_values(elements=SKEWED, min_units=4, missing=True), spec=NORMALISE_SPECS,
       max_points=MAX_POINTS)
def test_rebuild_with_another_normalisation_equals_a_fresh_build(case, spec, max_points):
    _, fw, values = case
    panel = make_panel(fw, values)
    method = _asem_like(values, max_points)
    ev = _build(fw, panel, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantIndicatorWarning)
        rebuilt = ev.rebuild(normalise=spec)
    fresh = _build(fw, panel, method.replace(normalise=spec))
    assert rebuilt.method == fresh.method
    _assert_same_evaluation(rebuilt, fresh)
    # the stages before normalise are reused as they are
    for old, new in zip(ev.trace[:4], rebuilt.trace[:4], strict=True):
        assert new is old


@SLOW
@given(case=frameworks_and_values(elements=SKEWED, min_units=4, missing=True),
       change=st.sampled_from([
           {"treat": "none"}, {"treat": {"method": "winsorise", "max_points": 2}},
           {"screen": {"method": "availability", "min_share": 0.9}},
           {"scope": "per_period"}, {"scope": "base:2020"},
           {"weight": {"method": "given", "weights": {"x0": 5}}},
           {"aggregate": {2: "arithmetic", 3: "arithmetic"}}]),
       max_points=MAX_POINTS)
def test_rebuild_with_another_stage_equals_a_fresh_build(case, change, max_points):
    _, fw, values = case
    panel = make_panel(fw, values)
    method = _asem_like(values, max_points)
    ev = _build(fw, panel, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstantIndicatorWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        rebuilt = ev.rebuild(**change)
    fresh = _build(fw, panel, method.replace(**change))
    _assert_same_evaluation(rebuilt, fresh)


@SLOW
@given(case=frameworks_and_values(elements=SKEWED, min_units=4, missing=True), max_points=MAX_POINTS)
def test_rebuild_with_the_same_method_returns_identical_arrays(case, max_points):
    _, fw, values = case
    ev = _build(fw, make_panel(fw, values), _asem_like(values, max_points))
    for again in (ev.rebuild(), ev.rebuild(method=ev.method),
                  ev.rebuild(normalise=ev.method.normalise.to_spec())):
        assert again.method == ev.method
        _assert_same_evaluation(again, ev)
