"""The aggregation catalogue (汇总方法): hand-computed examples, missing values, errors, properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import zongheng as zh
from zongheng.errors import MethodError
from zongheng.method import Method
from zongheng.steps import registry, step_from_spec
from zongheng.steps.aggregate import (
    Arithmetic,
    BenefitOfTheDoubt,
    Borda,
    Copeland,
    Generalised,
    Geometric,
    GreyRelational,
    Harmonic,
    Minimum,
    Topsis,
    Vikor,
    bod_weights,
    borda_scores,
    copeland_scores,
    grey_relational_grade,
    power_mean,
    topsis_closeness,
    vikor_indices,
)
from zongheng.testing import make_framework, make_panel

NAN = np.nan
MEANS = ["arithmetic", "geometric", "harmonic", "generalised", "minimum"]
MCDA = ["topsis", "vikor", "grey_relational", "copeland", "borda", "bod"]


def one_parent(values, weights) -> tuple[np.ndarray, np.ndarray]:
    """Values (unit, child) → (1 period, unit, child) and a one-parent weight matrix."""
    return np.asarray(values, dtype=float)[None], np.asarray(weights, dtype=float)[:, None]


def combine(step, values, weights) -> np.ndarray:
    """One parent, one period: the scores of each unit."""
    x, w = one_parent(values, weights)
    return step.combine(x, w)[0, :, 0]


def test_the_catalogue_is_registered():
    assert set(registry("aggregate")) >= {*MEANS, *MCDA}


# -- hand-computed examples ---------------------------------------------------------------------


def test_geometric_by_hand():
    # 2^(1/4) · 8^(3/4) = 2^(1/4 + 9/4) = 2^2.5
    np.testing.assert_allclose(combine(Geometric(), [[2, 8], [1, 1]], [1, 3]), [2 ** 2.5, 1.0])


def test_harmonic_by_hand():
    # Σw / Σ(w/x) = 4 / (1/1 + 1/2 + 2/4) = 2
    np.testing.assert_allclose(combine(Harmonic(), [[1, 2, 4]], [1, 1, 2]), [2.0])


def test_generalised_by_hand_and_its_special_cases():
    np.testing.assert_allclose(combine(Generalised(p=2), [[3, 4]], [1, 1]), [math.sqrt(12.5)])
    np.testing.assert_allclose(combine(Generalised(p=3), [[1, 2]], [3, 1]), [(11 / 4) ** (1 / 3)])
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 100, size=(2, 5, 4))
    w = np.array([[1, 0], [2, 0], [0, 1], [0, 3.0]])
    np.testing.assert_allclose(Generalised(p=0).combine(x, w), Geometric().combine(x, w))
    np.testing.assert_allclose(Generalised(p=1).combine(x, w), Arithmetic().combine(x, w))
    np.testing.assert_allclose(Generalised(p=-1).combine(x, w), Harmonic().combine(x, w))
    # as p → −∞ the power mean tends to the minimum
    np.testing.assert_allclose(Generalised(p=-200).combine(x, w), Minimum().combine(x, w), rtol=0.02)


def test_means_are_ordered_harmonic_geometric_arithmetic():
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 100, size=(3, 7, 4))
    w = rng.uniform(0.5, 2, size=(4, 1))
    h, g, a = (s.combine(x, w) for s in (Harmonic(), Geometric(), Arithmetic()))
    m = Minimum().combine(x, w)
    assert (m <= h + 1e-12).all() and (h <= g + 1e-12).all() and (g <= a + 1e-12).all()


def test_minimum_ignores_weights():
    assert combine(Minimum(), [[5, 2, 9]], [100, 0.001, 1]).tolist() == [2.0]


def test_topsis_by_hand():
    # weights 1/4, 3/4; weighted values: A (0, 3/4), B (1/4, 0), C (1/4, 3/4) = ideal
    # ideal (1/4, 3/4), anti-ideal (0, 0)
    x = [[0, 1], [1, 0], [1, 1]]
    d_plus = np.array([0.25, 0.75, 0.0])
    d_minus = np.array([0.75, 0.25, math.hypot(0.25, 0.75)])
    expected = d_minus / (d_plus + d_minus)
    np.testing.assert_allclose(combine(Topsis(), x, [1, 3]), expected)
    np.testing.assert_allclose(combine(Topsis(scale=100), x, [1, 3]), 100 * expected)
    np.testing.assert_allclose(topsis_closeness(np.array(x, float), np.array([0.25, 0.75])), expected)


def test_topsis_ideal_points_are_per_period():
    # period 2 is period 1 shifted: the same closeness if ideals are per period, not pooled
    x = np.array([[[0, 1], [1, 0], [1, 1.0]], [[5, 6], [6, 5], [6, 6.0]]])
    out = Topsis().combine(x, np.array([[1.0], [3.0]]))
    np.testing.assert_allclose(out[0], out[1])


def test_vikor_by_hand():
    # weights 1/2, 1/2; f* = (1, 0.5), f− = (0, 0)
    x = [[1, 0], [0.5, 0.5], [0, 0.25]]
    s, r, q = vikor_indices(np.array(x), np.array([0.5, 0.5]), v=0.5)
    # gaps (f* − x)/(f* − f−): A (0, 1), B (0.5, 0), C (1, 0.5); regrets are half of them
    np.testing.assert_allclose(s, [0.5, 0.25, 0.75])
    np.testing.assert_allclose(r, [0.5, 0.25, 0.5])
    # S* = 0.25, S− = 0.75; R* = 0.25, R− = 0.5
    np.testing.assert_allclose(q, [0.5 * 0.5 + 0.5 * 1, 0.0, 0.5 * 1 + 0.5 * 1])
    np.testing.assert_allclose(combine(Vikor(), x, [1, 1]), [0.25, 1.0, 0.0])
    np.testing.assert_allclose(combine(Vikor(v=1, scale=100), x, [1, 1]), [50, 100, 0])
    np.testing.assert_allclose(combine(Vikor(v=0), x, [1, 1]), [0, 1, 0])


def test_vikor_degenerate_group_utility_uses_regret_only():
    # every unit has S = 0.5 (S− = S*): the S term is 0, Q comes from R alone
    x = [[0.5, 0.5], [0, 1], [1, 0]]
    s, r, q = vikor_indices(np.array(x), np.array([0.5, 0.5]))
    np.testing.assert_allclose(s, [0.5, 0.5, 0.5])
    np.testing.assert_allclose(r, [0.25, 0.5, 0.5])
    np.testing.assert_allclose(q, [0.0, 0.5, 0.5])
    np.testing.assert_allclose(combine(Vikor(), x, [1, 1]), [1.0, 0.5, 0.5])


def test_grey_relational_by_hand():
    # reference (1, 0.5); Δ: A (0, 0.5), B (0.5, 0), C (1, 0.25); Δmin 0, Δmax 1; ρ = 0.5
    x = [[1, 0], [0.5, 0.5], [0, 0.25]]
    xi = lambda d: 0.5 / (d + 0.5)  # noqa: E731
    expected = [0.25 * xi(0) + 0.75 * xi(0.5), 0.25 * xi(0.5) + 0.75 * xi(0),
                0.25 * xi(1) + 0.75 * xi(0.25)]
    np.testing.assert_allclose(expected, [0.625, 0.875, 7 / 12])
    np.testing.assert_allclose(combine(GreyRelational(), x, [1, 3]), expected)
    # ρ = 1 and a scale: ξ = 1 / (Δ + 1)
    np.testing.assert_allclose(combine(GreyRelational(rho=1, scale=100), x, [1, 1]),
                               [50 * (1 + 2 / 3), 50 * (2 / 3 + 1), 50 * (1 / 2 + 4 / 5)])
    np.testing.assert_allclose(grey_relational_grade(np.array(x), np.array([0.25, 0.75])), expected)


def test_grey_relational_delta_extremes_span_every_child():
    # Δmax comes from child 2 (spread 10), so child 1's coefficients use it too
    x = np.array([[1, 0], [0, 10.0]])
    expected_xi = [[1, 5 / 15], [5 / 6, 1]]  # (0 + 5) / (Δ + 5)
    np.testing.assert_allclose(grey_relational_grade(x, np.array([0.5, 0.5])),
                               np.mean(expected_xi, axis=1))


def test_copeland_by_hand_with_draws():
    # weights 0.5, 0.25, 0.25
    x = [[3, 1, 1], [2, 2, 2], [1, 3, 3], [3, 1, 1]]
    # A vs B: A wins child 1 (0.5), loses 2 and 3 (0.5): e = 0.5, a draw
    # A vs C: the same draw; A vs D: identical, a draw; B vs C: B wins child 1, loses 2, 3: draw
    np.testing.assert_array_equal(combine(Copeland(), x, [2, 1, 1]), [0, 0, 0, 0])
    # weights 0.6, 0.2, 0.2: child 1 decides every pair but A–D (identical, a draw)
    np.testing.assert_array_equal(combine(Copeland(), x, [3, 1, 1]), [2, -1, -3, 2])
    # B beats C on child 1 and ties the rest
    y = [[3, 1, 1], [2, 3, 3], [1, 3, 3]]
    np.testing.assert_array_equal(combine(Copeland(), y, [3, 1, 1]), [2, 0, -2])


def test_copeland_matches_the_outranking_matrix():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 4, size=(9, 3)).astype(float)  # many ties
    w = np.array([0.5, 0.3, 0.2])
    e = ((x[:, None, :] > x[None, :, :]) * w).sum(-1) + 0.5 * ((x[:, None, :] == x[None, :, :]) * w).sum(-1)
    np.testing.assert_allclose(e + e.T, 1.0)
    off = ~np.eye(9, dtype=bool)
    expected = ((e > 0.5 + 1e-12) & off).sum(1) - ((e < 0.5 - 1e-12) & off).sum(1)
    np.testing.assert_array_equal(copeland_scores(x, w), expected)


def test_copeland_chunks_give_the_same_scores():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(2, 40, 4)).astype(float)
    w = np.array([0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(copeland_scores(x, w, max_elements=1), copeland_scores(x, w))


def test_copeland_five_thousand_units_fit():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 100, size=(1, 5000, 3))
    scores = copeland_scores(x, np.full(3, 1 / 3))
    assert scores.shape == (1, 5000) and np.isfinite(scores).all()
    assert scores.sum() == 0  # every win is someone's loss


def test_borda_by_hand():
    # weights 0.5, 0.25, 0.25; beaten on child 1: A 2, B 1, C 0, D 2 (A and D tie)
    x = [[3, 1, 1], [2, 2, 2], [1, 3, 3], [3, 1, 1]]
    # child 2 and 3: A 0, B 2, C 3, D 0
    np.testing.assert_allclose(combine(Borda(), x, [2, 1, 1]), [1.0, 1.5, 1.5, 1.0])


def test_borda_matches_the_pairwise_count():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, size=(3, 11, 3)).astype(float)
    w = np.array([0.5, 0.3, 0.2])
    expected = ((x[..., :, None, :] > x[..., None, :, :]) * w).sum(-1).sum(-1)
    np.testing.assert_allclose(borda_scores(x, w), expected)


def test_bod_by_hand():
    x = [[2, 1], [1, 2], [1, 1]]
    # (1, 1): max w1 + w2 with 2w1 + w2 ≤ 1, w1 + 2w2 ≤ 1 → w = (1/3, 1/3)
    np.testing.assert_allclose(combine(BenefitOfTheDoubt(), x, [1, 1]), [1, 1, 2 / 3], atol=1e-9)
    # equal shares (lower = 1/2): A needs 2w1 = w2, so 2w1 + w2 = 4w1 and w1 + 2w2 = 5w1 ≤ 1
    np.testing.assert_allclose(combine(BenefitOfTheDoubt(lower=0.5), x, [1, 1]), [0.8, 0.8, 2 / 3],
                               atol=1e-9)
    np.testing.assert_allclose(combine(BenefitOfTheDoubt(scale=100), x, [5, 1]), [100, 100, 200 / 3],
                               atol=1e-7)


def test_bod_weights_are_feasible_and_optimal():
    rng = np.random.default_rng(6)
    x = rng.uniform(0, 10, size=(2, 25, 3))
    scores, weights = bod_weights(x)
    assert scores.shape == (2, 25) and weights.shape == (2, 25, 3)
    assert (weights >= -1e-12).all()
    np.testing.assert_allclose((weights * x).sum(-1), scores, atol=1e-9)
    for p in range(2):
        assert (x[p] @ weights[p].T <= 1 + 1e-9).all()  # every unit's weights keep all ≤ 1
        for u in range(25):  # the full LP (every unit a constraint) gives the same optimum
            full = linprog(-x[p, u], A_ub=x[p], b_ub=np.ones(25), bounds=(0, None), method="highs")
            assert scores[p, u] == pytest.approx(-full.fun, abs=1e-9)
    assert np.isclose(scores.max(axis=1), 1).all()


def test_bod_is_unit_invariant():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 10, size=(1, 12, 3))
    scores = bod_weights(x)[0]
    np.testing.assert_allclose(bod_weights(x * [1, 1000, 0.01])[0], scores, atol=1e-8)


def test_bod_lower_share_bound_holds():
    rng = np.random.default_rng(8)
    x = rng.uniform(1, 10, size=(1, 15, 3))
    scores, weights = bod_weights(x, lower=0.2)
    shares = weights * x / scores[..., None]
    assert (shares >= 0.2 - 1e-7).all()
    assert (scores <= bod_weights(x)[0] + 1e-9).all()  # a restriction never raises a score


# -- per-level mixing, through a build ----------------------------------------------------------


@pytest.fixture
def fw():
    return make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, weights={"D1": 3})


def test_per_level_mixing_geometric_then_arithmetic(fw):
    # min-max 1–100: a = (1, 100, 25), b = (100, 1, 16), c = (1, 100, 49)
    panel = make_panel(fw, [[0, 99, 0], [99, 0, 99], [24, 15, 48]])
    method = Method(normalise={"method": "minmax", "low": 1, "high": 100},
                    aggregate={2: "geometric", 3: "arithmetic"})
    ev = zh.build(fw, panel, method)
    col = {c: i for i, c in enumerate(ev.node_codes)}
    np.testing.assert_allclose(ev.scores[0, :, col["D1"]], [10, 10, 20])  # √(a·b)
    np.testing.assert_allclose(ev.scores[0, :, col["D2"]], [1, 100, 49])
    np.testing.assert_allclose(ev.scores[0, :, col["I"]], [31 / 4, 130 / 4, 109 / 4])  # (3 D1 + D2)/4
    assert ev.ranks[0, :, col["I"]].tolist() == [3, 1, 2]
    assert Method.from_dict(method.to_dict()) == method


@pytest.mark.parametrize("key", MCDA)
def test_every_mcda_method_at_the_top_level_of_a_build_is_wired(fw, key):
    panel = make_panel(fw, [[0, 99, 0], [99, 0, 99], [24, 15, 48], [50, 50, 50]])
    ev = zh.build(fw, panel, Method(aggregate={3: key}))
    index = ev.scores[0, :, ev.node_codes.index("I")]
    assert np.isfinite(index).all()
    expected = registry("aggregate")[key]().combine(
        ev.scores, np.array([[0, 0, 0, 3, 1, 0.0]]).T)[0, :, 0]
    np.testing.assert_allclose(index, expected)


def test_geometric_after_minmax_0_100_names_the_children(fw):
    panel = make_panel(fw, [[0, 99, 0], [99, 0, 99], [24, 15, 48]])
    with pytest.raises(MethodError) as info:
        zh.build(fw, panel, Method(aggregate="geometric"))
    message = str(info.value)
    assert "a, b, c" in message and "low: 1" in message and "geometric" in message


# -- missing values ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["geometric", "harmonic", "generalised"])
def test_means_leave_out_a_missing_child_and_rescale(key):
    step = registry("aggregate")[key]()
    got = combine(step, [[2, NAN, 8], [NAN, NAN, NAN]], [1, 5, 3])
    expected = combine(step, [[2, 8]], [1, 3])
    np.testing.assert_allclose(got[0], expected[0])
    assert np.isnan(got[1])


def test_power_mean_kernel_handles_missing_values():
    assert power_mean(np.array([4.0, NAN]), np.array([1.0, 1.0]), 0) == pytest.approx(4.0)
    assert np.isnan(power_mean(np.array([NAN, NAN]), np.array([1.0, 1.0]), 2))


def test_minimum_leaves_out_missing_children():
    np.testing.assert_array_equal(combine(Minimum(), [[3, NAN, 5], [NAN, NAN, NAN]], [1, 1, 1]),
                                  [3, NAN])


@pytest.mark.parametrize("key", MCDA)
def test_mcda_unit_with_a_missing_child_gets_nan_and_drops_out(key):
    step = registry("aggregate")[key]()
    rng = np.random.default_rng(9)
    x = rng.uniform(1, 10, size=(2, 6, 3))
    x[0, 2, 1] = NAN  # unit 2 misses a child in period 0 only
    x[1, 4, :] = NAN  # unit 4 has nothing in period 1 (as a screened unit)
    w = np.array([[1.0], [2.0], [3.0]])
    out = step.combine(x, w)[..., 0]
    assert np.isnan(out[0, 2]) and np.isnan(out[1, 4])
    assert np.isfinite(np.delete(out[0], 2)).all() and np.isfinite(np.delete(out[1], 4)).all()
    # everyone else scores as if the incomplete unit were not there
    np.testing.assert_allclose(np.delete(out[0], 2), step.combine(np.delete(x[:1], 2, axis=1), w)[0, :, 0])
    np.testing.assert_allclose(np.delete(out[1], 4), step.combine(np.delete(x[1:], 4, axis=1), w)[0, :, 0])


@pytest.mark.parametrize("key", [*MEANS, *MCDA])
def test_a_parent_with_no_known_child_is_missing_and_other_parents_are_not_touched(key):
    step = registry("aggregate")[key]()
    x = np.array([[[1.0, 2.0, NAN, NAN], [3.0, 4.0, NAN, NAN]]])
    w = np.array([[1, 0], [1, 0], [0, 1], [0, 0.0]])  # the 4th column belongs to no parent
    out = step.combine(x, w)
    assert out.shape == (1, 2, 2)
    assert np.isfinite(out[..., 0]).all() and np.isnan(out[..., 1]).all()


# -- constant children ------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "expected"), [("topsis", 0.5), ("vikor", 1.0), ("grey_relational", 1.0),
                                               ("copeland", 0.0), ("borda", 0.0), ("bod", 1.0)])
def test_mcda_when_every_child_is_constant(key, expected):
    out = combine(registry("aggregate")[key](), [[2, 3], [2, 3], [2, 3]], [1, 2])
    np.testing.assert_allclose(out, expected, atol=1e-9)


@pytest.mark.parametrize("key", ["topsis", "vikor", "copeland"])
def test_a_constant_child_changes_nothing(key):
    step = registry("aggregate")[key]()
    rng = np.random.default_rng(10)
    x = rng.uniform(1, 10, size=(7, 2))
    with_constant = np.column_stack([x, np.full(7, 4.0)])
    np.testing.assert_allclose(combine(step, with_constant, [1, 2, 5]), combine(step, x, [1, 2]))


def test_constant_child_in_grey_relation_and_borda():
    rng = np.random.default_rng(11)
    x = rng.uniform(1, 10, size=(7, 2))
    with_constant = np.column_stack([x, np.full(7, 4.0)])
    # ξ = 1 on the constant child; Borda points: none from it
    np.testing.assert_allclose(combine(GreyRelational(), with_constant, [1, 1, 2]),
                               0.5 + 0.5 * combine(GreyRelational(), x, [1, 1]))
    np.testing.assert_allclose(combine(Borda(), with_constant, [1, 1, 2]),
                               0.5 * combine(Borda(), x, [1, 1]))


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("step", "bad"), [(Geometric(), 0.0), (Harmonic(), -1.0),
                                           (Generalised(p=-2), 0.0), (Generalised(p=0.5), -1.0),
                                           (BenefitOfTheDoubt(), -0.5)])
def test_values_out_of_domain_name_the_column_on_bare_arrays(step, bad):
    x = np.array([[[1.0, 2.0, 3.0], [1.0, bad, 3.0]]])
    w = np.array([[1.0], [1.0], [1.0]])
    with pytest.raises(MethodError) as info:
        step.combine(x, w)
    assert "列 1" in str(info.value) and step.key in str(info.value)
    zh.set_lang("en")
    assert "column 1" in str(info.value) and "Normalise to a positive range" in str(info.value)
    assert info.value.problems[0].key == "aggregate"


def test_zero_is_allowed_where_the_mean_is_defined():
    assert combine(Generalised(p=2), [[0, 4]], [1, 1]).tolist() == [math.sqrt(8)]
    assert combine(BenefitOfTheDoubt(), [[0, 4], [1, 1]], [1, 1]) == pytest.approx([1, 1])


def test_bod_infeasible_share_bound_names_the_children(fw):
    panel = make_panel(fw, [[0, 99, 0], [99, 0, 99], [24, 15, 48]])
    with pytest.raises(MethodError) as info:
        zh.build(fw, panel, Method(aggregate={2: {"method": "bod", "lower": 0.6}}))
    assert "a, b" in str(info.value) and "0.5" in str(info.value)


@pytest.mark.parametrize(("key", "params"), [
    ("generalised", {"p": float("inf")}), ("generalised", {"p": "two"}),
    ("topsis", {"scale": 0}), ("vikor", {"v": 1.5}), ("vikor", {"v": -0.1}),
    ("grey_relational", {"rho": 0}), ("grey_relational", {"rho": 2}), ("bod", {"lower": 1}),
    ("bod", {"lower": -0.1}), ("bod", {"scale": -1}), ("topsis", {"distance": "manhattan"}),
])
def test_bad_parameters_are_method_errors(key, params):
    with pytest.raises(MethodError) as info:
        step_from_spec("aggregate", {"method": key, **params})
    assert key in str(info.value)


# -- properties -------------------------------------------------------------------------------


ALL_KEYS = sorted(registry("aggregate"))


@st.composite
def panels(draw):
    n_periods = draw(st.integers(1, 2))
    n_units = draw(st.integers(2, 6))
    n_children = draw(st.integers(1, 3))
    cell = st.sampled_from([1.0, 2.0, 2.5, 4.0, 7.0, 10.0, NAN])  # ties and gaps on purpose
    x = np.array(draw(st.lists(cell, min_size=n_periods * n_units * n_children,
                               max_size=n_periods * n_units * n_children)))
    weights = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=n_children,
                            max_size=n_children))
    order = draw(st.permutations(range(n_units)))
    return x.reshape(n_periods, n_units, n_children), np.array(weights)[:, None], np.array(order)


@pytest.mark.parametrize("key", ALL_KEYS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=panels())
def test_scores_do_not_depend_on_the_order_of_units(key, case):
    x, w, order = case
    step = registry("aggregate")[key]()
    np.testing.assert_allclose(step.combine(x[:, order], w), step.combine(x, w)[:, order],
                               rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("key", ALL_KEYS)
def test_leading_batch_axes_are_independent(key):
    step = registry("aggregate")[key]()
    rng = np.random.default_rng(12)
    x = rng.uniform(1, 10, size=(3, 2, 5, 3))  # (sample, period, unit, child)
    w = np.array([[1, 0], [2, 0], [0, 1.0]])
    batched = step.combine(x, w)
    for s in range(3):
        np.testing.assert_allclose(batched[s], step.combine(x[s], w), rtol=1e-12, atol=1e-9)


# -- YAML ------------------------------------------------------------------------------------


SPECIMENS = [Geometric(), Harmonic(), Generalised(p=-0.5), Generalised(p=3), Minimum(),
             Topsis(), Topsis(scale=100), Vikor(v=0.625), Vikor(scale=100), GreyRelational(rho=0.3),
             GreyRelational(scale=100), Copeland(), Borda(), BenefitOfTheDoubt(lower=0.1, scale=100)]


@pytest.mark.parametrize("step", SPECIMENS, ids=repr)
def test_method_round_trips_through_yaml(step):
    for method in (Method(aggregate=step), Method(aggregate={2: step, 3: Arithmetic()}),
                   Method(aggregate={2: "geometric", 3: step})):
        assert Method.from_dict(method.to_dict()) == method
        text = yaml.safe_dump(method.to_dict(), allow_unicode=True)
        assert Method.from_dict(yaml.safe_load(text)) == method


def test_yaml_form_of_a_per_level_method():
    method = Method.from_dict({"aggregate": {2: "geometric", 3: {"method": "vikor", "v": 0.625}}})
    assert method.aggregator(2) == Geometric() and method.aggregator(3) == Vikor(v=0.625)
    assert method.to_dict() == {"aggregate": {2: "geometric", 3: {"method": "vikor", "v": 0.625}}}
