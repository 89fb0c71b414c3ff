"""The kernels behind the gap's Shapley games: one unit's row replaced, a few units' scores.

Each fast kernel is checked against the slow computation it replaces (the base class's
``scores_with_row``: the whole parent recomputed with ``combine``, for BoD one ``linprog`` per
unit), and the batched simplex against HiGHS.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from zongheng.steps import registry
from zongheng.steps.aggregate import (
    Aggregator,
    BenefitOfTheDoubt,
    Borda,
    Copeland,
    bod_scores_with_row,
)
from zongheng.steps.simplex import max_linear

NAN = np.nan

# Every aggregator with a kernel of its own (the others use the base class's recomputation).
KERNELS = [Copeland(), Borda(), BenefitOfTheDoubt(), BenefitOfTheDoubt(lower=0.1, scale=100)]


def test_the_kernels_listed_are_every_override():
    overriding = {cls for cls in registry("aggregate").values()
                  if cls.scores_with_row is not Aggregator.scores_with_row}
    assert overriding == {type(step) for step in KERNELS}


@st.composite
def games(draw):
    n_units = draw(st.integers(2, 7))
    n_children = draw(st.integers(1, 4))
    cell = st.sampled_from([0.0, 1.0, 2.0, 2.5, 4.0, 7.0, 10.0, NAN])  # zeros, ties and gaps
    values = np.array(draw(st.lists(cell, min_size=n_units * n_children,
                                    max_size=n_units * n_children))).reshape(n_units, n_children)
    n_candidates = draw(st.integers(1, 5))
    candidates = np.array(draw(st.lists(cell, min_size=n_candidates * n_children,
                                        max_size=n_candidates * n_children)))
    weights = np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=n_children,
                                     max_size=n_children)))
    row = draw(st.integers(0, n_units - 1))
    watch = draw(st.lists(st.integers(0, n_units - 1), min_size=1, max_size=n_units, unique=True))
    return values, weights, row, candidates.reshape(n_candidates, n_children), watch


@pytest.mark.parametrize("step", KERNELS, ids=repr)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(game=games())
def test_kernel_equals_the_whole_parent_recomputed(step, game):
    values, weights, row, candidates, watch = game
    fast = step.scores_with_row(values, weights, row, candidates, watch)
    slow = Aggregator.scores_with_row(step, values, weights, row, candidates, watch)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9 * (100 if step.key == "bod" else 1),
                               equal_nan=True)


def test_bod_kernel_by_hand():
    # Units (2, 1), (1, 2), (1, 1); the third takes (1, 1) then (3, 3). As (1, 1) it scores
    # 2/3 (weights (1/3, 1/3) make both others 1); as (3, 3) it dominates both, scores 1, and
    # the first unit falls to max w·(2, 1) with 3w₁ + 3w₂ ≤ 1, i.e. 2/3.
    x = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 1.0]])
    got = bod_scores_with_row(x, 2, np.array([[1.0, 1.0], [3.0, 3.0], [NAN, 1.0]]), [0, 2])
    np.testing.assert_allclose(got[:2], [[1.0, 2 / 3], [2 / 3, 1.0]], rtol=0, atol=1e-15)
    assert got[2, 0] == 1.0 and np.isnan(got[2, 1])  # a candidate with a NaN leaves the unit out


def test_bod_kernel_on_a_wide_parent_equals_highs():
    # 40 units × 11 children, as a dimension of tiangong_demo: every coalition of the last unit
    # taking the first one's values on some children, against one linprog per unit and candidate.
    rng = np.random.default_rng(5)
    x = rng.uniform(60, 100, size=(40, 11))
    masks = rng.random((12, 11)) < 0.5
    candidates = np.where(masks, x[0], x[-1])
    step = BenefitOfTheDoubt()
    fast = step.scores_with_row(x, np.ones(11), 39, candidates, [39, 0, 7])
    slow = Aggregator.scores_with_row(step, x, np.ones(11), 39, candidates, [39, 0, 7])
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)


def highs(c, a, b):
    result = linprog(-c, A_ub=a, b_ub=b, bounds=(0, None), method="highs")
    return np.inf if result.status == 3 else -result.fun


@pytest.mark.parametrize("seed", range(6))
def test_batched_simplex_equals_highs(seed):
    rng = np.random.default_rng(seed)
    batch, k, n = 40, int(rng.integers(1, 25)), int(rng.integers(1, 10))
    a = rng.random((batch, k, n))
    if seed % 2:
        a = np.round(a * 3) / 3  # ties and zero coefficients: degenerate vertices
    b = np.ones((batch, k))
    if seed % 3 == 0:
        b[:, : k // 2] = 0.0  # degenerate start, as BoD's minimum shares make
    c = rng.random((batch, n))
    value, x = max_linear(c, a, b)
    expected = np.array([highs(c[i], a[i], b[i]) for i in range(batch)])
    assert not np.isnan(value).any()
    np.testing.assert_allclose(value, expected, rtol=0, atol=1e-12)
    finite = np.isfinite(value)
    assert (np.einsum("bkn,bn->bk", a[finite], x[finite]) <= b[finite] + 1e-12).all()
    np.testing.assert_allclose(np.einsum("bn,bn->b", c[finite], x[finite]), value[finite], atol=1e-12)


def test_batched_simplex_reports_unbounded_problems():
    # max x₀ + x₁ with only x₀ ≤ 1: x₁ grows without bound; the second LP is bounded (value 2).
    a = np.array([[[1.0, 0.0]], [[1.0, 0.5]]])
    value, _ = max_linear(np.array([[1.0, 1.0], [1.0, 1.0]]), a, np.ones((2, 1)))
    assert value[0] == np.inf and value[1] == pytest.approx(2.0, abs=1e-15)


def test_bod_kernel_certified_bases_equal_one_highs_lp_per_candidate():
    # Many candidates of one game share optimal bases: most of the replaced unit's scores come
    # from a basis certified by its duals, not from an LP of their own. Each must equal HiGHS on
    # the full LP: max w·x s.t. w·y ≤ 1 for every row y (the candidate's own included), w ≥ 0.
    rng = np.random.default_rng(9)
    x = rng.uniform(1, 100, size=(30, 8))
    masks = rng.random((300, 8)) < rng.random((300, 1))
    candidates = np.where(masks, x[3], x[0])
    got = bod_scores_with_row(x, 0, candidates, [0])[:, 0]
    for candidate, score in zip(candidates, got, strict=True):
        rows = np.vstack([candidate, x[1:]])
        assert score == pytest.approx(min(1.0, highs(candidate, rows, np.ones(len(rows)))), abs=1e-9)


def test_lps_the_batch_cannot_certify_go_to_highs(monkeypatch):
    # Make the batched simplex give up on every other LP (as it would out of pivots or on a
    # vertex failing its check): the kernel must still equal the slow path.
    import zongheng.steps.simplex as simplex

    solve = simplex.max_linear

    def unreliable(c, a, b, **options):
        value, *rest = solve(c, a, b, **options)
        value[::2] = np.nan
        return (value, *rest)

    monkeypatch.setattr(simplex, "max_linear", unreliable)
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 10, size=(9, 4))
    candidates = np.where(rng.random((20, 4)) < 0.5, x[1], x[0])
    for step in (BenefitOfTheDoubt(), BenefitOfTheDoubt(lower=0.1)):
        fast = step.scores_with_row(x, np.ones(4), 0, candidates, [0, 1, 5])
        slow = Aggregator.scores_with_row(step, x, np.ones(4), 0, candidates, [0, 1, 5])
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
