"""Path to a target rank (找路径): least-effort changes, verified by rebuilds."""

import json

import numpy as np
import pytest

import zongheng as zh
from zongheng.analysis.path import path
from zongheng.testing import make_framework, make_panel

UNITS = ["U0", "U1", "U2", "U3"]


@pytest.fixture
def ev():
    # Index = (a + b) / 2 after min-max 0–100; min and max are set by U0 (0, 0) and U1 (100, 100),
    # so one raw unit of a or b is half an index point. Index: U1 100, U3 60, U2 50, U0 0.
    fw = make_framework({"I": ["a", "b"]})
    return zh.build(fw, make_panel(fw, [[0, 0], [100, 100], [60, 40], [50, 70]], units=UNITS))


@pytest.fixture
def ev_lower():
    # b is lower-is-better: U2 (a 60, b 50) scores (60 + 50) / 2 = 55, U3 (50, 30) scores 60.
    fw = make_framework({"I": ["a", "b"]}, directions={"b": "-"})
    return zh.build(fw, make_panel(fw, [[0, 100], [100, 0], [60, 50], [50, 30]], units=UNITS))


def changes_of(result):
    return dict(zip(result.changes["indicator"], result.changes["needed"], strict=True))


def rebuilt_rank(ev, result, group=None):
    new = ev.with_values(result.values)
    u, root = ev.panel.units.index(result.unit), len(ev.node_codes) - 1
    ranks = new.ranks if group is None else new.group_ranks(group)
    return int(ranks[ev.panel.period_index(result.period), u, root])


def frozen_index(ev, values, unit):
    return ev.replay(values)[-1, ev.panel.units.index(unit), -1]


def test_linear_programme_by_hand(ev):
    # U2 needs 60 (U3's score; a tie reaches rank 2): 10 index points = 20 raw units.
    # Effort per point: a 1/(0.5·60) = 1/30, b 1/(0.5·40) = 1/20, so a first, up to +25 %
    # (60 → 75: 7.5 points), then b for the other 2.5 points: 40 → 45.
    result = path(ev, "U2", 2, max_change=0.25)
    assert result.reachable and result.solver == "linear-programme"
    assert (result.current_rank, result.achieved_rank, result.best_rank) == (3, 2, 2)
    assert changes_of(result) == pytest.approx({"a": 75.0, "b": 45.0})
    assert result.effort == pytest.approx(15 / 60 + 5 / 40)
    assert result.changes["change_pct"].tolist() == pytest.approx([25.0, 12.5])
    assert result.changes["effort_share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert result.needed_score == pytest.approx(60.0)
    # b = 45 ties U3 at 60, which reaches rank 2; on the 4-significant-digit grid 45 stays 45.
    assert result.achieved_score == pytest.approx(60.0)
    assert rebuilt_rank(ev, result) == 2


def test_slightly_smaller_changes_miss_the_target(ev):
    result = path(ev, "U2", 2, max_change=0.25)
    now = ev.panel.values
    smaller = now + 0.98 * (result.values - now)
    # 0.98 × (7.5 + 2.5) points short of the 10 needed: 59.8 < 60, frozen parameters.
    assert frozen_index(ev, smaller, "U2") == pytest.approx(59.8)
    assert frozen_index(ev, result.values, "U2") >= 60.0


def test_cost_and_user_bounds_change_the_answer(ev):
    # Doubling a's cost makes b cheaper (1/20 < 2/30 per point): b to its cap 50, then a to 70.
    dear = path(ev, "U2", 2, max_change=0.25, cost={"a": 2})
    assert changes_of(dear) == pytest.approx({"a": 70.0, "b": 50.0})
    assert dear.effort == pytest.approx(2 * 10 / 60 + 10 / 40)
    # User bounds: a at most 62 (1 point), b up to 60 beyond the 25 % cap: b gives 9 points.
    bounded = path(ev, "U2", 2, max_change=0.25, bounds={"a": (None, 62), "b": (None, 60)})
    assert changes_of(bounded) == pytest.approx({"a": 62.0, "b": 58.0})
    assert rebuilt_rank(ev, bounded) == 2


def test_lower_is_better_indicators_move_down(ev_lower):
    # Needs 5 points; a (ratio 30) to its 10 % cap 66 gives 3, b (ratio 25) the other 2: 50 → 46.
    result = path(ev_lower, "U2", 2, max_change=0.1)
    assert changes_of(result) == pytest.approx({"a": 66.0, "b": 46.0})
    row = result.changes.set_index("indicator").loc["b"]
    assert row["direction"] == "-" and row["change"] == pytest.approx(-4.0)
    assert row["change_pct"] == pytest.approx(-8.0)
    assert rebuilt_rank(ev_lower, result) == 2


def test_unreachable_target_reports_the_best_rank_and_its_path(ev_lower):
    # Rank 1 needs 100. Everything at ±10 %: a 66, b 45 → (66 + 55) / 2 = 60.5, above U3: rank 2.
    result = path(ev_lower, "U2", 1, max_change=0.1)
    assert not result.reachable
    assert (result.best_rank, result.achieved_rank, result.target_rank) == (2, 2, 1)
    assert changes_of(result) == pytest.approx({"a": 66.0, "b": 46.0})  # the least change to 2nd
    assert any("第 2 名" in note for note in result.notes)
    # With ±5 % nothing helps (a 63, b 47.5 → 57.75 < 60): no change, rank stays 3.
    stuck = path(ev_lower, "U2", 1, max_change=0.05)
    assert not stuck.reachable and stuck.best_rank == 3 and stuck.changes.empty


def test_value_near_zero_is_measured_against_the_range():
    fw = make_framework({"I": ["a", "b"]})
    values = [[0, 0], [100, 100], [60, 36], [50, 70], [0, 0]]  # U4 keeps the minimum at 0
    ev = zh.build(fw, make_panel(fw, values, units=[*UNITS, "U4"]))
    # U0 needs U2's 48 points: b costs double, so a goes 0 → 96 = 96 % of the range 0–100.
    result = path(ev, "U0", 3, max_change=None, cost={"b": 2})
    row = result.changes.set_index("indicator").loc["a"]
    assert row["relative_to"] == "range" and row["needed"] == pytest.approx(96.0)
    assert row["change_pct"] == pytest.approx(96.0)
    assert result.effort == pytest.approx(0.96)
    assert result.achieved_rank == 3 and any("范围" in n for n in result.notes)


def test_default_bounds_stop_at_the_best_peer(ev):
    # U3 (a 50, b 70) to rank 1 needs 100: the best peer's values a = b = 100, no further, give a
    # tie with U1, which reaches rank 1 (the margin above the tie is out of bounds).
    result = path(ev, "U3", 1, max_change=None)
    assert result.reachable and result.achieved_rank == 1
    assert changes_of(result) == {"a": 100.0, "b": 100.0}
    assert result.achieved_score == 100.0 and "上下限" in result.notes[-1]


def test_ranks_within_a_group():
    fw = make_framework({"I": ["a", "b"]})
    values = [[0, 0], [100, 100], [60, 40], [50, 70], [90, 90]]
    ev = zh.build(fw, make_panel(fw, values, units=[*UNITS, "U4"], groups={"city": list("xyyyx")}))
    # Within y: U1 100, U3 60, U2 50. U4 (x) at 90 does not count; the bounds use y's peers.
    result = path(ev, "U2", 2, group="city", max_change=0.25)
    assert result.current_rank == 3 and result.achieved_rank == 2
    assert changes_of(result) == pytest.approx({"a": 75.0, "b": 45.0})
    assert rebuilt_rank(ev, result, group="city") == 2


def test_already_at_the_target_needs_nothing(ev):
    result = path(ev, "U3", 2)
    assert result.reachable and result.changes.empty and result.effort == 0
    assert result.achieved_rank == 2 and "不需要调整" in result.notes[-1]
    json.dumps(result.to_dict(), default=str)


def test_bad_arguments_name_what_is_wrong(ev):
    with pytest.raises(zh.ZonghengError, match="'Nowhere'"):
        path(ev, "Nowhere", 1)
    with pytest.raises(zh.ZonghengError, match="1999"):
        path(ev, "U2", 1, period=1999)
    with pytest.raises(zh.MethodError, match="目标名次"):
        path(ev, "U2", 0)
    with pytest.raises(zh.MethodError, match="max_change"):
        path(ev, "U2", 1, max_change=-1)
    with pytest.raises(zh.MethodError) as info:
        path(ev, "U2", 1, cost={"zz": 1, "a": 0}, bounds={"b": (5, 1)})
    text = str(info.value)
    assert "'zz'" in text and "a 的成本" in text and "b 的上下限" in text
    with pytest.raises(zh.DataError, match="city"):
        path(ev, "U2", 1, group="city")


def test_geometric_top_level_is_solved_level_by_level():
    rng = np.random.default_rng(7)
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c", "d"]},
                        directions={"d": "-"})
    panel = make_panel(fw, rng.uniform(10, 100, size=(10, 4)))
    method = zh.Method(normalise={"method": "minmax", "low": 1, "high": 100},
                       aggregate={2: "arithmetic", 3: "geometric"})
    ev = zh.build(fw, panel, method)
    unit = ev.ranking()["unit"].iloc[5]  # 6th
    result = path(ev, unit, 2, max_change=None)
    assert result.solver == "level-by-level" and "逐层求解" in result.assumption
    assert result.reachable and result.achieved_rank <= 2
    assert rebuilt_rank(ev, result) <= 2
    down = result.changes[result.changes["indicator"] == "d"]
    assert (down["change"] <= 0).all()
    # The answer sits on the constraint: 2 % less of every change misses, parameters frozen.
    now = ev.panel.values
    smaller = now + 0.98 * (result.values - now)
    others = np.delete(ev.scores[-1, :, -1], ev.panel.units.index(unit))
    assert frozen_index(ev, smaller, unit) < np.sort(others)[::-1][1]


def test_topsis_compares_units_and_still_reaches_the_target():
    rng = np.random.default_rng(3)
    fw = make_framework({"I": ["a", "b", "c"]})
    ev = zh.build(fw, make_panel(fw, rng.uniform(10, 100, size=(8, 3))),
                  zh.Method(aggregate="topsis"))
    unit = ev.ranking()["unit"].iloc[4]
    result = path(ev, unit, 2, max_change=None)
    assert result.solver == "iterative" and result.achieved_rank <= 2
    assert rebuilt_rank(ev, result) <= 2


# -- ASEM: denominators, group-mean imputation, winsorisation caps (frozen, then refitted) ------


def test_asem_tenth_reaches_fifth(asem_evaluation):
    ev = asem_evaluation
    result = path(ev, "MLT", 5)  # Malta is 10th
    assert (result.current_rank, result.achieved_rank, result.reachable) == (10, 5, True)
    assert result.solver == "linear-programme" and rebuilt_rank(ev, result) == 5
    assert (result.changes["change_pct"].abs() <= 20 + 1e-9).all()
    # Lower-is-better indicators only go down, the others only up.
    directions = {i.code: int(i.direction) for i in ev.framework.indicators}
    signs = np.sign(result.changes["change"]) * result.changes["indicator"].map(directions)
    assert (signs > 0).all()
    now = ev.panel.values
    smaller = now + 0.98 * (result.values - now)
    assert frozen_index(ev, smaller, "MLT") < result.needed_score
    assert frozen_index(ev, result.values, "MLT") >= result.needed_score


def test_asem_refit_round_is_reported(asem_evaluation):
    # Germany (9th): group-mean imputation and the winsorisation caps learned again move the
    # peers' scores, so the first answer falls short and is solved again with the shortfall.
    result = path(asem_evaluation, "DEU", 5)
    assert result.achieved_rank == 5 and rebuilt_rank(asem_evaluation, result) == 5
    assert any("重新求解" in note for note in result.notes)


def test_asem_tight_cap_is_infeasible(asem_evaluation):
    result = path(asem_evaluation, "MLT", 5, max_change=0.02)
    assert not result.reachable and 5 < result.best_rank < 10
    assert result.achieved_rank == result.best_rank
    assert rebuilt_rank(asem_evaluation, result) == result.best_rank
    assert (result.changes["change_pct"].abs() <= 2 + 1e-9).all()
