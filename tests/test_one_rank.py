"""One rank (one definition of competition ranks): the build, tables, progress and the uncertainty engine.

Review 2026-12-code D1/R2: ``ev.ranking()`` tied on exact float equality while the uncertainty
engine tied within 2⁻⁴⁰ of the range, so two mathematically tied units ranked 2 and 3 in one and
2 and 2 in the other. Now both call :mod:`zongheng.steps.rank`.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

import zongheng as zh
from zongheng.analysis.progress import annual_assessment, most_improved
from zongheng.analysis.uncertainty import (
    UncertaintySpec,
    WeightPerturbation,
    analyse,
    competition_ranks,
    evaluate,
    sample,
)
from zongheng.steps.rank import TIE_BITS, competition_rank, group_rank
from zongheng.testing import make_framework, make_panel

TAU = 2.0**-TIE_BITS  # the tolerance, as a share of the extent


def _d1():
    """The review's D1 build: A and B tie mathematically, C is first, D last.

    Min-max to [0, 100] over the four units: a, b and c all span 0–9, so
    A = (100, 100/9, 400/9) and B = (100/9, 100, 400/9); D1 = (a + b)/2 = 500/9 for both,
    D2 = 400/9, and I = 0.6 · 500/9 + 0.4 · 400/9 = 460/9 ≈ 51.11 for both
    (in floating point 51.111111111111114 against 51.11111111111111).
    """
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]},
                        weights={"D1": .6, "D2": .4, "a": .3, "b": .3})
    panel = make_panel(fw, [[9, 1, 4], [1, 9, 4], [9, 9, 9], [0, 0, 0]], units=list("ABCD"),
                       groups={"g": ["x", "x", "x", "y"]})
    return zh.build(fw, panel)


def test_d1_repro_ranking_and_uncertainty_give_the_same_ranks():
    ev = _d1()
    index = ev.scores[0, :, ev.node_codes.index("I")]
    assert index[0] == pytest.approx(460 / 9) and index[1] == pytest.approx(460 / 9)
    table = ev.ranking(group="g").set_index("unit")
    assert table["rank"].to_dict() == {"C": 1, "A": 2, "B": 2, "D": 4}
    assert table["rank_in_g"].to_dict() == {"C": 1, "A": 2, "B": 2, "D": 1}
    np.testing.assert_array_equal(ev.ranks[0, :, -1], [2, 2, 1, 4])
    # a zero spread samples the nominal weights every time: every sample ranks as the build
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2, 3), spread=0.0)])
    result = evaluate(ev, spec, sample(ev, spec, 64, seed=1), groups=["g"])
    np.testing.assert_array_equal(result.nominal_rank, [2, 2, 1, 4])
    np.testing.assert_array_equal(result.nominal_group_rank["g"], [2, 2, 1, 1])
    assert result.counts[[0, 1, 2, 3], [2, 2, 1, 4]].tolist() == [64] * 4
    report = analyse(result, unit="B", group="g")
    assert report.detail["nominal_rank"] == 2 and report.detail["nominal_rank_in_group"] == 2
    assert report.table.set_index("unit")["median_rank"].to_dict() == {"C": 1, "A": 2, "B": 2, "D": 4}


def test_float_noise_ties_and_real_differences_do_not():
    # 0.1 + 0.2 is 0.30000000000000004: the same number to any meaning, one ulp apart in float
    assert competition_rank(np.array([0.1 + 0.2, 0.3, 0.4]), axis=0).tolist() == [2, 2, 1]
    # 1e-9 is ~ 2.5e3 τ of an extent of 0.4: a real difference
    assert competition_rank(np.array([0.3 + 1e-9, 0.3, 0.4]), axis=0).tolist() == [2, 3, 1]
    assert competition_ranks(np.array([[0.1 + 0.2, 0.3, 0.4]])).tolist() == [[2, 2, 1]]


def test_ties_chain_and_the_extent_is_the_magnitude_when_larger():
    # 0, 0.6 τ, 1.2 τ: each within τ of the next, so one tie, though the ends are 1.2 τ apart
    x = np.array([1.0, 0.0, 0.6 * TAU, 1.2 * TAU])
    assert competition_rank(x, axis=0).tolist() == [1, 2, 2, 2]
    # scores near 1e6 spread over 1e-9: the extent is 1e6, so τ ≈ 9e-7 and they all tie
    assert competition_rank(1e6 + np.array([0.0, 1e-9, 2e-9]), axis=0).tolist() == [1, 1, 1]
    # tiny scores keep a tiny tolerance: 1e-20 apart out of 1e-15 is a real difference
    assert competition_rank(np.array([1e-15, 1e-15 + 1e-20]), axis=0).tolist() == [2, 1]


def test_mathematically_tied_pairs_tie_in_every_draw():
    # Review D1's random search: A and B are the same weighted sum added up in two orders
    # (weights × a permutation of the same values), among 4 other random units.
    rng = np.random.default_rng(20261201)
    draws, k = 20_000, 6
    values = rng.random((draws, k)) * rng.choice([1.0, 100.0, 1e4], size=(draws, 1))
    weights = rng.dirichlet(np.ones(k), size=draws)
    terms = weights * values
    perm = np.argsort(rng.random((draws, k)), axis=1)
    shuffled = np.take_along_axis(terms, perm, axis=1)
    a, b = np.zeros(draws), np.zeros(draws)
    for j in range(k):  # left to right, in two orders: the rounding differs, the sum does not
        a += terms[:, j]
        b += shuffled[:, j]
    assert (a != b).sum() > 1000  # the search does meet float noise
    others = rng.random((draws, 4)) * values.max(axis=1, keepdims=True)
    scores = np.column_stack([a, b, others])
    ours = competition_rank(scores, axis=1)
    assert (ours[:, 0] == ours[:, 1]).all()
    np.testing.assert_array_equal(competition_ranks(scores), ours)
    # the other units keep the ranks of exact comparison (none is within τ of another here)
    exact = rankdata(-np.column_stack([a, a, others]), method="min", axis=1)
    np.testing.assert_array_equal(ours, exact)


@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (-0.5, 1.0), (0.0, 2.0**10), (-3.0, 4.0)])
def test_agrees_with_scipy_rankdata_on_scores_rounded_to_the_grid(offset, scale):
    # Scores on the grid of τ: lo + k τ E with E = scale (the row holds offset and offset + scale,
    # and |offset| ≤ scale, so the extent is scale). Exact in float; neighbours one τ apart are
    # distinct, equal cells tie, and then competition ranks are scipy's "min" ranks.
    rng = np.random.default_rng(7)
    rows, n = 400, 30
    k = rng.integers(0, 6, (rows, n)) + rng.choice([0, 1 << 20, 1 << 39], (rows, n))
    k[:, 0], k[:, 1] = 0, 1 << TIE_BITS
    x = offset + k * (TAU * scale)
    x[rng.random((rows, n)) < 0.1] = np.nan
    x[:, :2] = offset, offset + scale
    expected = rankdata(-x, method="min", axis=1, nan_policy="omit")
    np.testing.assert_array_equal(competition_rank(x, axis=1), expected)
    assert (np.diff(np.sort(k, axis=1), axis=1) == 1).any()  # neighbours one τ apart occur


def test_group_rank_is_competition_rank_within_each_group_with_its_own_extent():
    scores = np.array([5.0, 5.0 + 1e-14, 1.0, 3.0, np.nan, 3.0 + 1e-9])
    labels = np.array(["a", "a", "b", "a", "a", ""], dtype=object)
    np.testing.assert_array_equal(group_rank(scores, labels, axis=0), [1, 1, 1, 3, np.nan, np.nan])
    np.testing.assert_array_equal(competition_rank(scores, axis=0), [1, 1, 5, 4, np.nan, 3])


def test_infinite_scores_rank_at_the_ends_and_missing_ones_not_at_all():
    x = np.array([np.inf, 1.0, -np.inf, np.nan, 1.0, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value" from inf − inf or inf × 0
        np.testing.assert_array_equal(competition_rank(x, axis=0), [1, 3, 5, np.nan, 3, 1])
        np.testing.assert_array_equal(competition_rank(np.full((2, 3), np.nan), axis=1),
                                      np.full((2, 3), np.nan))
        np.testing.assert_array_equal(competition_rank(np.array([[np.inf, np.inf, np.nan]]), axis=1),
                                      [[1, 1, np.nan]])


def _chained_reference(row: np.ndarray) -> np.ndarray:
    """The definition, pair by pair: sorted scores less than τ = 2⁻⁴⁰ E apart chain into one tie."""
    finite = row[np.isfinite(row)]
    extent = max(finite.max() - finite.min(), np.abs(finite).max()) if finite.size else 0.0
    order = np.sort(row[~np.isnan(row)])[::-1]
    place, first = {}, 1
    for i, v in enumerate(order):
        if i and not (v == order[i - 1] or order[i - 1] - v < TAU * extent):
            first = i + 1
        place.setdefault(v, first)
    return np.array([np.nan if np.isnan(v) else place[v] for v in row])


def test_rows_of_very_different_extents_follow_the_definition():
    # Rows scaled from 1e-6 to 1e6 share one grid, so the narrow ones are ranked on their own; the
    # scores are small integers, some with float noise (1e-15 relative), with NaN and ±inf.
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        x = rng.integers(0, 5, (6, n)) * (1 + rng.choice([0.0, 1e-15, -3e-16], (6, n)))
        x = x * 10.0 ** rng.integers(-6, 7, size=(6, 1))
        x[rng.random((6, n)) < 0.1] = np.nan
        x[rng.random((6, n)) < 0.05] = np.inf
        x[rng.random((6, n)) < 0.05] = -np.inf
        expected = np.array([_chained_reference(r) for r in x])
        np.testing.assert_array_equal(competition_rank(x, axis=1), expected)


def test_over_a_million_units_the_order_comes_from_an_argsort():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 1000, (1 << 20) + 3).astype(float)
    x[::97] = np.nan
    np.testing.assert_array_equal(competition_rank(x, axis=0),
                                  rankdata(-x, method="min", nan_policy="omit"))


def test_engine_groups_match_the_build_with_blank_and_missing_labels():
    fw = make_framework({"I": ["a", "b"]})
    values = [[1, 2], [2, 1], [3, 3], [0, 1], [2, 2]]
    labels = ["x", " ", "x", pd.NA, "y"]  # a blank and pd.NA are no group (as in the build)
    ev = zh.build(fw, make_panel(fw, values, groups={"g": labels}))
    spec = UncertaintySpec(weights=[WeightPerturbation(levels=(2,), spread=0.0)])
    result = evaluate(ev, spec, sample(ev, spec, 10, seed=0), groups=["g"])
    expected = ev.group_ranks("g")[0, :, -1]
    np.testing.assert_array_equal(expected, [2, np.nan, 1, np.nan, 1])
    np.testing.assert_array_equal(result.nominal_group_rank["g"], expected)
    assert result.group_counts["g"][[1, 3]].sum() == 0
    assert result.group_counts["g"][[0, 2, 4], [2, 1, 1]].tolist() == [10, 10, 10]


def _tie2():
    """Known #9 (reliability case data_tie2): 80 units each +0.2 raw on both indicators.

    lo = (0, 0) and hi = (1, 1) in both years fix min-max at 0–100, so each of s00…s79 gains
    exactly 20 points: 100 · (x + 0.2) − 100 · x, which floating point makes
    20.000000000000007 for some and 19.999999999999996 for others.
    """
    fw = make_framework({"I": ["A1", "A2"]})
    units = ["lo", "hi", *(f"s{i:02d}" for i in range(80))]
    before = np.r_[0.0, 1.0, np.arange(80) / 100]
    after = np.r_[0.0, 1.0, np.arange(80) / 100 + 0.2]
    values = np.stack([np.column_stack([before, before]), np.column_stack([after, after])])
    return zh.build(fw, make_panel(fw, values, units=units))


def test_most_improved_ties_equal_improvements_known_9():
    ev = _tie2()
    change = ev.scores[1, :, -1] - ev.scores[0, :, -1]
    assert len(set(change[2:].tolist())) > 1  # float noise is there
    top = most_improved(ev, k=3)
    assert len(top) == 80 and (top["place"] == 1).all()
    assert top["unit"].tolist() == [f"s{i:02d}" for i in range(80)]  # ties listed by unit
    assert top["score_change"].round(9).eq(20.0).all()
    assessed = annual_assessment(ev).set_index("unit")
    assert (assessed.loc[[f"s{i:02d}" for i in range(80)], "progress_rank"] == 1).all()
    assert assessed.loc["lo", "progress_rank"] == 81


def test_most_improved_ties_noise_changes_relative_to_the_scores():
    # U0 and U1 move by one ulp of their raw value: score changes of about ±1e-14 on scores of
    # 0–100, noise beside the tolerance τ ≈ 9e-11 of the scores, though not beside the changes'.
    fw = make_framework({"I": ["a"]})
    before = [0.0, 1.0, 0.3, 0.6]
    after = [0.0, 1.0, np.nextafter(0.3, 1.0), np.nextafter(0.6, 0.0)]
    ev = zh.build(fw, make_panel(fw, np.array([before, after])[..., None],
                                 units=["lo", "hi", "U0", "U1"]))
    change = ev.scores[1, :, -1] - ev.scores[0, :, -1]
    assert change[2] > 0 > change[3]
    top = most_improved(ev, k=1)
    assert top["unit"].tolist() == ["U0", "U1", "hi", "lo"] and (top["place"] == 1).all()


def test_group_codes_number_groups_as_pandas_factorize_does():
    # group_codes needs no pandas (building never imports it); the reference here does.
    import pandas as pd

    from zongheng.steps.rank import group_codes

    def factorize(labels):
        blank = pd.Series(np.asarray(labels, dtype=object)).map(
            lambda v: None if isinstance(v, str) and not v.strip() else v)
        return pd.factorize(blank, use_na_sentinel=True)[0]

    rng = np.random.default_rng(0)
    cases = [np.array(["b", "a", None, "b", " ", np.nan, pd.NA, "c", "a", float("nan")], dtype=object),
             np.array([1, 2.0, 1.0, np.nan, 3, 2], dtype=object),
             np.array(["x", 1, "x", None, 1.0, "y"], dtype=object),
             rng.choice(np.array(["甲", "乙", "丙", "", None], dtype=object), 1000),
             np.array([], dtype=object)]
    for labels in cases:
        np.testing.assert_array_equal(group_codes(labels), factorize(labels))
