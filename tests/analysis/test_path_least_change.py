"""Path (找路径): the least change, not a bound corner; values that reach the rank as printed;
the best rank when the target is met; levers held, limited or priced."""

import decimal
import math

import numpy as np
import pytest

import zongheng as zh
from zongheng.analysis.path import path, round_toward
from zongheng.framework import framework_from_records
from zongheng.testing import make_framework, make_panel

UNITS = ["U0", "U1", "U2", "U3"]


def changes_of(result):
    return dict(zip(result.changes["indicator"], result.changes["needed"], strict=True))


@pytest.fixture(scope="module")
def tiangong():
    ds = zh.datasets.load("tiangong_demo")
    return ds, zh.build(ds.framework, ds.panel, ds.method)


def fresh_rank(ds, values, unit, group=None):
    """The unit's rank in a build of its own from the changed panel (not the path's rebuild)."""
    ev = zh.build(ds.framework, ds.panel.with_values(values), ds.method)
    ranks = ev.ranks if group is None else ev.group_ranks(group)
    return int(ranks[-1, ev.panel.units.index(unit), -1])


# -- the least change when the target is out of reach ------------------------------------------


@pytest.fixture
def posts():
    # Goalposts a 50–100, b and c 0–100 (clipped), nothing learned from the data, so the full
    # rebuild agrees with the frozen pipeline. Index = mean of the three scores.
    records = [{"code": "I", "type": "aggregate", "parent": None},
               {"code": "a", "parent": "I", "direction": "+", "goalposts": (50, 100)},
               {"code": "b", "parent": "I", "direction": "+", "goalposts": (0, 100)},
               {"code": "c", "parent": "I", "direction": "+", "goalposts": (0, 100)}]
    fw = framework_from_records(records, [{"key": r["code"]} for r in records])
    # U0 (30, 40, 25): a is below its lower goalpost, scores 0, and its first 20 units buy
    # nothing. Index: U1 100, U3 (0 + 60 + 60) / 3 = 40, U2 100 / 3 = 33.3, U0 65 / 3 = 21.7.
    panel = make_panel(fw, [[30, 40, 25], [100, 100, 100], [50, 50, 50], [50, 60, 60]],
                       units=UNITS)
    method = zh.Method(normalise="goalposts")
    return fw, panel, method, zh.build(fw, panel, method)


def test_unreachable_target_takes_the_least_change_to_the_best_rank_by_hand(posts):
    fw, panel, method, ev = posts
    # ±100 %: a ≤ 60 (score 20), b ≤ 80, c ≤ 50. Every lever at its bound: (20 + 80 + 50) / 3 =
    # 50, 2nd behind U1: rank 1 is out of reach; rank 2 needs U3's 40, 55 score points more.
    # Effort per score point: b 1/40 (1 point a unit, 1/40 effort a unit), c 1/25; a pays 20/30
    # for nothing, then 1/60 a point: 1.0 for its 20 points, 0.05 a point. So b to its bound
    # (40 points, effort 1.0), then c for the other 15 points (25 → 40, effort 0.6): 1.6, where
    # every lever at its bound costs 3.0. a does not move.
    result = path(ev, "U0", 1, max_change=1.0)
    assert not result.reachable and (result.best_rank, result.achieved_rank) == (2, 2)
    assert changes_of(result) == {"b": 80.0, "c": 40.0}
    assert result.effort == pytest.approx(1.6)
    assert any("第 2 名的最小调整" in note for note in result.notes)
    fresh = zh.build(fw, panel.with_values(result.values), method)
    assert fresh.ranks[-1, 0, -1] == 2 and fresh.scores[-1, 0, -1] == pytest.approx(40.0)


def test_songyang_reaches_its_best_rank_with_far_less_than_every_bound(tiangong):
    ds, ev = tiangong
    u = ev.panel.units.index("松阳县")
    # Every lever at its bound: per indicator min(20 %, distance to the best county), a value
    # about 0 measured against the counties' range. Summed: 8.29 (the issue's figure).
    x, direction = ds.panel.values[-1], ds.framework.directions
    best = np.where(direction > 0, np.nanmax(x, axis=0), np.nanmin(x, axis=0))
    spread = np.nanmax(x, axis=0) - np.nanmin(x, axis=0)
    scale = np.where(np.abs(x[u]) <= 1e-6 * spread, spread, np.abs(x[u]))
    corner = np.minimum(np.abs(best - x[u]) / scale, 0.2).sum()
    assert corner == pytest.approx(8.2923, abs=1e-4) and int(ev.ranks[-1, u, -1]) == 90
    result = path(ev, "松阳县", 1)
    assert not result.reachable and (result.best_rank, result.achieved_rank) == (47, 47)
    # Least change to 47th: well below the corner, and below the 27 bound changes (5.29) that
    # were found to reach 47 too.
    assert result.effort < 5.29 < corner and len(result.changes) < 42
    assert fresh_rank(ds, result.values, "松阳县") == 47


# -- rounding as printed, and a margin ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo_plans(tiangong):
    # Every county below the top to one target, in turn one place up, five places up, first.
    _, ev = tiangong
    ranks = ev.ranks[-1, :, -1]
    plans = []
    for u, unit in enumerate(ev.panel.units):
        now = int(ranks[u])
        if now > 1:
            target = [now - 1, max(1, now - 5), 1][u % 3]
            plans.append((unit, path(ev, unit, target)))
    return plans


def as_printed(value, direction, toward):
    """4 significant digits, as a person copies them: toward improvement, or to the nearest."""
    rounding = (decimal.ROUND_CEILING if direction == "+" else decimal.ROUND_FLOOR) if toward \
        else decimal.ROUND_HALF_EVEN
    return float(decimal.Context(prec=4, rounding=rounding).create_decimal(repr(float(value))))


@pytest.mark.parametrize("toward", [True, False], ids=["toward-improvement", "nearest"])
def test_every_demo_plan_reaches_its_rank_as_printed(tiangong, demo_plans, toward):
    ds, ev = tiangong
    codes = ds.framework.indicator_codes
    assert len(demo_plans) == 89
    missed = []
    for unit, result in demo_plans:
        u = ev.panel.units.index(unit)
        values = np.array(ev.panel.values, copy=True)
        for row in result.changes.itertuples():
            values[-1, u, codes.index(row.indicator)] = as_printed(row.needed, row.direction, toward)
        goal = result.target_rank if result.reachable else result.best_rank
        if fresh_rank(ds, values, unit) > goal:
            missed.append((unit, result.target_rank))
    assert missed == []


def test_needed_values_carry_four_significant_digits(demo_plans):
    for _, result in demo_plans:
        for needed in result.changes["needed"]:
            digits = decimal.Decimal(repr(float(needed))).normalize().as_tuple().digits
            assert len(digits) <= 4, needed
        assert result.digits == 4 and result.margin == 0.0


def test_round_toward_improvement_by_hand():
    out = round_toward([12.3441, 12.3441, -0.0123456, 99999.5, 0.0, math.nan],
                       [1, -1, 1, 1, 1, 1])
    assert out[:5].tolist() == [12.35, 12.34, -0.01234, 100000.0, 0.0] and math.isnan(out[5])
    # Values already on the grid stay: 45, 0.1 and 1.234e5 need no rounding either way.
    assert round_toward([45.0, 0.1, 123400.0], [1, -1, 1]).tolist() == [45.0, 0.1, 123400.0]
    assert round_toward([2.71828], [-1], digits=2).tolist() == [2.7]


@pytest.fixture
def ev():
    # Index = (a + b) / 2 after min-max 0–100 set by U0 (0, 0) and U1 (100, 100): one raw unit of
    # a or b is half an index point. Index: U1 100, U3 60, U2 50, U0 0.
    fw = make_framework({"I": ["a", "b"]})
    return zh.build(fw, make_panel(fw, [[0, 0], [100, 100], [60, 40], [50, 70]], units=UNITS))


def test_a_margin_in_points_by_hand(ev):
    # Rank 2 needs U3's 60; a margin of 1 point asks for 61, 11 points: a to its +25 % cap
    # (60 → 75, 7.5 points, 1/30 effort a point), then b for 3.5 points (40 → 47, 1/20 a point).
    result = path(ev, "U2", 2, max_change=0.25, margin=1.0)
    assert changes_of(result) == {"a": 75.0, "b": 47.0}
    assert result.effort == pytest.approx(15 / 60 + 7 / 40)
    assert (result.achieved_score, result.needed_score, result.margin) == pytest.approx((61, 61, 1))
    assert "高出" in result.assumption and result.achieved_rank == 2


def test_exact_values_without_rounding(ev):
    # Without rounding the plan sits a sliver above the tie at b = 45; rounded it is 45 itself.
    exact = path(ev, "U2", 2, max_change=0.25, digits=None)
    rounded = path(ev, "U2", 2, max_change=0.25)
    assert changes_of(rounded)["b"] == 45.0
    assert changes_of(exact)["b"] == pytest.approx(45.0) and changes_of(exact)["b"] > 45.0
    assert exact.digits is None and "不取整" in exact.assumption


def test_bad_margin_and_digits_name_the_argument(ev):
    with pytest.raises(zh.MethodError) as info:
        path(ev, "U2", 2, margin=-1, digits=0)
    text = str(info.value)
    assert "margin" in text and "digits" in text


# -- the target already met ---------------------------------------------------------------------


def test_met_target_reports_the_best_reachable_rank(tiangong):
    _, ev = tiangong
    # 永康市 is 16th; target 20th is met. The best rank within the bounds is 3rd, as the path to
    # 1st (out of reach) says; 3rd itself is reachable and 2nd is not.
    met = path(ev, "永康市", 20)
    assert met.reachable and met.changes.empty and met.current_rank == met.achieved_rank == 16
    assert met.best_rank == 3 and "最好可达第 3 名" in met.notes[-1]
    assert path(ev, "永康市", 1).best_rank == 3
    assert path(ev, "永康市", 3).reachable and not path(ev, "永康市", 2).reachable


# -- levers -------------------------------------------------------------------------------------


def test_excluded_work_scores_stay_as_they_are(tiangong):
    ds, ev = tiangong
    free = path(ev, "永康市", 2, group="设区市")
    assert any(code.startswith("W") for code in free.changes["indicator"])
    held = path(ev, "永康市", 2, group="设区市", exclude="工作评价")  # the dimension W, by name
    assert held.held == tuple(f"W{i:02d}" for i in range(1, 11))
    assert not any(code.startswith("W") for code in held.changes["indicator"])
    assert held.reachable and fresh_rank(ds, held.values, "永康市", "设区市") <= 2
    assert held.effort >= free.effort  # fewer levers cannot cost less
    only = path(ev, "永康市", 2, group="设区市", only=["Q*", "E*"])
    assert set(only.changes["indicator"].str[0]) <= {"Q", "E"}


def test_cost_bounds_and_levers_by_pattern_or_aggregate(ev):
    # Every indicator (the index I) twice as dear: the same plan at twice the effort.
    dear = path(ev, "U2", 2, max_change=0.25, cost={"I": 2})
    assert changes_of(dear) == {"a": 75.0, "b": 45.0}
    assert dear.effort == pytest.approx(2 * (15 / 60 + 5 / 40))
    # a held: b alone needs 10 points = 20 units, 40 → 60 (beyond 25 %: no cap).
    only_b = path(ev, "U2", 2, max_change=None, exclude=["a"])
    assert changes_of(only_b) == {"b": 60.0} and only_b.held == ("a",)
    capped = path(ev, "U2", 2, max_change=None, bounds={"?": (None, 62)})  # a and b ≤ 62
    assert changes_of(capped) == {"a": 62.0, "b": 58.0}


def test_unknown_levers_are_named_with_their_argument(ev):
    with pytest.raises(zh.MethodError) as info:
        path(ev, "U2", 2, exclude=["zz"], only="W*", cost={"nope": 2})
    text = str(info.value)
    assert "exclude 中的 'zz'" in text and "only 中的 'W*'" in text and "cost 中的 'nope'" in text


def test_minimum_of_dimensions_is_solved_level_by_level_by_hand():
    # Index = the minimum of D1 = mean(a, b) and D2 = mean(c, d), goalposts 0–100 (nothing
    # learned). U0 (50, 30 | 50, 30): D1 = D2 = 40. Rank 2 needs U2's 60, so both dimensions
    # must reach 60: a + b and c + d up by 40 each. Per unit, a costs 1/50 and b 1/30 (c, d alike),
    # so a 50 → 90 and c 50 → 90: effort 0.8 + 0.8. Raising one dimension alone buys nothing.
    records = [{"code": "I", "type": "aggregate", "parent": None},
               {"code": "D1", "type": "aggregate", "parent": "I"},
               {"code": "D2", "type": "aggregate", "parent": "I"},
               *({"code": c, "parent": p, "direction": "+", "goalposts": (0, 100)}
                 for c, p in (("a", "D1"), ("b", "D1"), ("c", "D2"), ("d", "D2")))]
    fw = framework_from_records(records, [{"key": r["code"]} for r in records])
    panel = make_panel(fw, [[50, 30, 50, 30], [100] * 4, [60] * 4, [50] * 4], units=UNITS)
    method = zh.Method(normalise="goalposts", aggregate={2: "arithmetic", 3: "minimum"})
    ev = zh.build(fw, panel, method)
    result = path(ev, "U0", 2, max_change=None)
    assert result.solver == "level-by-level" and result.achieved_rank == 2
    assert changes_of(result) == {"a": 90.0, "c": 90.0}
    assert result.effort == pytest.approx(1.6)
    fresh = zh.build(fw, panel.with_values(result.values), method)
    assert fresh.scores[-1, 0, -1] == pytest.approx(60.0) and fresh.ranks[-1, 0, -1] == 2
