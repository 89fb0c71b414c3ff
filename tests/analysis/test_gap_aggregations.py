"""Gap (找差距) under every aggregation: the parts add up, and the fast games equal the slow ones.

The Shapley games ask each parent's aggregator for the unit's and the peer's scores only
(``Aggregator.scores_with_row``): two rows for the means, a kernel of its own for Copeland,
Borda and benefit-of-the-doubt. The oracle is the computation those replaced: every coalition
recomputes the whole parent with ``combine`` over every unit of the period (the base class's
``scores_with_row``, with no aggregator scoring units alone).
"""

import numpy as np
import pytest

import zongheng as zh
from zongheng.analysis.gap import EXACT_PLAYERS, gap
from zongheng.steps import registry
from zongheng.steps.aggregate import Aggregator
from zongheng.testing import make_framework, make_panel

NAN = np.nan

AGGREGATIONS = {
    "arithmetic": "arithmetic",
    "geometric": "geometric",
    "harmonic": "harmonic",
    "generalised": {"method": "generalised", "p": 0.5},
    "minimum": "minimum",
    "topsis": "topsis",
    "vikor": "vikor",
    "grey_relational": "grey_relational",
    "copeland": "copeland",
    "borda": "borda",
    "bod": "bod",
}


def test_every_registered_aggregation_is_covered():
    assert sorted(AGGREGATIONS) == sorted(registry("aggregate"))


def build(tree, values, aggregate, **method):
    fw = make_framework(tree, weights={"D1": 2, "D2": 1, "D3": 1.5})
    method = {"normalise": {"method": "minmax", "low": 1, "high": 100}, **method}
    return zh.build(fw, make_panel(fw, values), zh.Method(aggregate=aggregate, **method))


@pytest.fixture(scope="module")
def wide():
    """Index → D1 (4), D2 (3), D3 (EXACT_PLAYERS + 1: sampled); 10 units, ties on purpose."""
    n3 = EXACT_PLAYERS + 1
    tree = {"I": ["D1", "D2", "D3"], "D1": [f"a{i}" for i in range(4)],
            "D2": [f"b{i}" for i in range(3)], "D3": [f"c{i}" for i in range(n3)]}
    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, size=(10, 7 + n3)).astype(float)  # few levels: many ties
    return tree, values


@pytest.mark.parametrize("key", sorted(AGGREGATIONS))
def test_parts_add_up_to_the_gap_under_every_aggregation(key, wide):
    ev = build(*wide, AGGREGATIONS[key])
    index = ev.scores[-1, :, -1]
    order = np.argsort(index, kind="stable")
    checked = 0
    for u in (order[0], order[len(order) // 2], order[-1]):
        for versus in ("leader", "next", ev.panel.units[order[1]]):
            if versus == ev.panel.units[u] or (versus == "next" and u == order[-1]):
                continue
            if versus == "next" and not (index > index[u]).any():
                continue
            result = gap(ev, ev.panel.units[u], versus=versus)
            assert result.method == ("exact-linear" if key == "arithmetic" else "shapley")
            tolerance = 1e-12 * max(1.0, abs(result.gap))
            assert abs(result.total - result.gap) <= tolerance
            assert abs(result.dimensions["contribution"].sum() - result.gap) <= tolerance
            checked += 1
    assert checked >= 6
    if key != "arithmetic":  # D3 has more children than are enumerated: its values are sampled
        assert any(str(EXACT_PLAYERS + 1) in note for note in result.notes)


@pytest.fixture
def slow(monkeypatch):
    """Make every aggregator recompute whole parents with ``combine`` (the oracle)."""
    for cls in set(registry("aggregate").values()):
        monkeypatch.setattr(cls, "scores_with_row", Aggregator.scores_with_row)
        monkeypatch.setattr(cls, "scores_units_alone", False)


SMALL_TREE = {"I": ["D1", "D2", "D3"], "D1": ["a", "b", "c", "d"], "D2": ["e", "f", "g"],
              "D3": ["h", "i"]}
SMALL_VALUES = [[1, 5, 3, 2, 4, 4, 1, 2, 3],
                [4, 2, 5, 1, 3, 1, 2, 5, 4],
                [2, 2, 4, 4, 5, 3, 3, 1, 1],
                [5, 1, 1, 3, 2, 5, 4, 4, 2],
                [3, 4, 2, 5, 1, 2, 5, 3, 5],
                [2, 3, NAN, 2, 2, 2, 2, 2, 2],  # missing (one period: interpolation leaves it)
                [3, 3, 3, 3, 3, 3, 3, 3, 3]]


def pairs(ev):
    """The last unit v. the leader, the best below the top v. the next, the first v. the last."""
    index = ev.scores[-1, :, -1]
    order = [ev.panel.units[u] for u in np.argsort(-np.nan_to_num(index, nan=-np.inf), kind="stable")
             if not np.isnan(index[u])]
    top = np.nanmax(index)
    below_top = [u for u in order if index[ev.panel.units.index(u)] < top]  # they have a "next"
    return [(order[-1], "leader"), (below_top[0], "next"), (order[0], order[-1])]


@pytest.mark.parametrize("key", sorted(AGGREGATIONS))
def test_fast_games_equal_the_slow_recomputation(key, monkeypatch, request):
    fast_ev = build(SMALL_TREE, SMALL_VALUES, AGGREGATIONS[key], impute="interpolate")
    cases = pairs(fast_ev)
    fast = [gap(fast_ev, unit, versus=versus) for unit, versus in cases]
    request.getfixturevalue("slow")
    slow_ev = build(SMALL_TREE, SMALL_VALUES, AGGREGATIONS[key], impute="interpolate")
    np.testing.assert_allclose(slow_ev.scores, fast_ev.scores, rtol=0, atol=1e-12, equal_nan=True)
    for (unit, versus), result in zip(cases, fast, strict=True):
        expected = gap(slow_ev, unit, versus=versus)
        assert (result.peer, result.method) == (expected.peer, expected.method)
        assert result.gap == pytest.approx(expected.gap, abs=1e-12)
        got = result.indicators.set_index("indicator")["contribution"]
        want = expected.indicators.set_index("indicator")["contribution"]
        np.testing.assert_allclose(got[want.index], want, rtol=0, atol=1e-9)


def test_benefit_of_the_doubt_with_minimum_shares_equals_the_slow_recomputation(monkeypatch,
                                                                               request):
    aggregate = {"method": "bod", "lower": 0.1}
    fast_ev = build(SMALL_TREE, SMALL_VALUES, aggregate, impute="interpolate")
    fast = gap(fast_ev, "U0", versus="leader")
    request.getfixturevalue("slow")
    expected = gap(build(SMALL_TREE, SMALL_VALUES, aggregate, impute="interpolate"), "U0", versus="leader")
    assert fast.peer == expected.peer
    np.testing.assert_allclose(fast.indicators.set_index("indicator")["contribution"],
                               expected.indicators.set_index("indicator")["contribution"][
                                   fast.indicators["indicator"]], rtol=0, atol=1e-9)
