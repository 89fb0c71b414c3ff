"""Gap analysis (找差距): exact decompositions by hand, Shapley values, targets, ASEM."""

import json
import math

import numpy as np
import pytest

import zongheng as zh
from zongheng.analysis.gap import EXACT_PLAYERS, gap, reachable
from zongheng.errors import ArgumentError
from zongheng.testing import make_framework, make_panel

NAN = np.nan
GEOMETRIC_TOP = {"aggregate": {2: "arithmetic", 3: "geometric"},
                 "normalise": {"method": "minmax", "low": 1}}


# The fixtures fw (Index → D1 (w 3) {a, b (w 2, lower is better)}, D2 (w 1) {c}) and panel
# (units 甲 乙 丙 丁, values [[0, 10, 0], [5, 5, 10], [10, 0, 5], [10, 0, 5]]) are in tests/conftest.py.


def contributions(result):
    return result.indicators.set_index("indicator")["contribution"].to_dict()


def test_arithmetic_gap_to_the_next_unit_by_hand(fw, panel):
    # normalised a = b = [0, 50, 100, 100], c = [0, 100, 50, 50]; index [0, 62.5, 87.5, 87.5].
    result = gap(zh.build(fw, panel), "乙")
    assert (result.peer, result.method, result.hypothetical) == ("丙", "exact-linear", False)
    assert (result.unit_score, result.peer_score, result.gap) == (62.5, 87.5, 25.0)
    assert (result.unit_rank, result.peer_rank, result.group_size) == (3, 1, 4)
    # ew · (n_peer − n_unit): a .25·50, b .5·50, c .25·(−50); sorted by |contribution|.
    assert result.indicators["indicator"].tolist() == ["b", "a", "c"]
    assert contributions(result) == pytest.approx({"b": 25.0, "a": 12.5, "c": -12.5}, abs=1e-12)
    assert result.indicators["share"].tolist() == pytest.approx([1.0, 0.5, -0.5])
    dims = result.dimensions.set_index("dimension")
    assert dims["contribution"].tolist() == pytest.approx([37.5, -12.5])
    assert dims.loc["D1", ["unit_score", "peer_score"]].tolist() == [50.0, 100.0]
    row = result.indicators.set_index("indicator").loc["b"]
    assert (row.unit_value, row.peer_value, row.unit_normalised, row.peer_normalised) == (
        5.0, 0.0, 50.0, 100.0)
    assert row.effective_weight == pytest.approx(0.5)
    assert result.total == pytest.approx(result.gap, abs=1e-12)


def test_leader_next_and_named_peers(fw, panel):
    ev = zh.build(fw, panel)
    assert gap(ev, "甲", versus="leader").peer == "丙"  # 丙 and 丁 tie: the first in data order
    assert gap(ev, "甲", versus="next").peer == "乙"
    tied = gap(ev, "丙", versus="leader")  # the leader's leader is the best other unit
    assert tied.peer == "丁" and tied.gap == 0.0 and np.isnan(tied.indicators["share"]).all()
    assert contributions(gap(ev, "乙", versus="甲")) == pytest.approx(
        {"a": -12.5, "b": -25.0, "c": -25.0})
    with pytest.raises(zh.MethodError, match="丙"):
        gap(ev, "丙")  # first (tied): nobody strictly above
    with pytest.raises(zh.MethodError):
        gap(ev, "乙", versus="乙")
    with pytest.raises(ArgumentError) as info:
        gap(ev, "乙", versus="戊")
    # Blamed on versus (not on the unit analysed), saying what it may be, listing the units.
    message = str(info.value)
    assert [p.key for p in info.value.problems] == ["versus"] and "'戊'" in message
    assert all(word in message for word in ("next", "leader", "甲, 乙, 丙, 丁"))
    with pytest.raises(ArgumentError, match="versus"):
        gap(ev, "乙", versus="lead")  # a near miss is named
    assert "leader" in str(gap_error(ev, "lead"))
    for bad in (float("nan"), float("inf"), True, None):
        with pytest.raises(ArgumentError):
            gap(ev, "乙", versus=bad)


def gap_error(ev, versus):
    with pytest.raises(ArgumentError) as info:
        gap(ev, "乙", versus=versus)
    return info.value


def test_peers_within_a_group(fw, panel):
    ev = zh.build(fw, panel)
    with pytest.raises(zh.MethodError, match="city=x"):
        gap(ev, "乙", group="city")  # 乙 leads city x
    lead = gap(ev, "乙", versus="leader", group="city")
    assert lead.peer == "甲" and lead.gap == -62.5 and (lead.unit_rank, lead.group_size) == (1, 2)
    assert contributions(lead) == pytest.approx({"a": -12.5, "b": -25.0, "c": -25.0})


def test_missing_values_use_each_units_own_effective_weights():
    # U1 has no b: its D1 is a alone. normalised a = [0, 100, 50], b = [0, —, 100], c = [0, 100, 50]
    fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, weights={"D1": 3})
    panel = make_panel(fw, [[0, 0, 0], [10, NAN, 10], [5, 10, 5]])
    ev = zh.build(fw, panel, zh.Method(impute="interpolate"))  # one period: b stays missing
    result = gap(ev, "U2")
    assert result.peer == "U1" and result.gap == pytest.approx(100 - 68.75)
    # U1's points: a .75·100, c .25·100; U2's: a .375·50, b .375·100, c .25·50.
    assert contributions(result) == pytest.approx({"a": 75 - 18.75, "b": -37.5, "c": 25 - 12.5})
    assert result.total == pytest.approx(result.gap, abs=1e-9)
    assert len(result.notes) == 2  # the method, and that the units miss different indicators
    row = result.indicators.set_index("indicator").loc["b"]
    assert np.isnan(row.peer_normalised) and row.peer_value != row.peer_value


def test_target_score_is_spread_by_effective_weight_times_room_to_move(fw, panel):
    ev = zh.build(fw, panel)
    result = gap(ev, "乙", versus=90)
    assert (result.peer, result.method, result.hypothetical) == (None, "effective-weight", True)
    assert result.gap == 27.5 and result.peer_rank == 1  # 90 would beat 丙 and 丁 (87.5)
    # 乙 normalised (50, 50, 100), effective weights (.25, .5, .25): room to 100 is (50, 50, 0),
    # so the parts are .25·50 : .5·50 : 0 = 1 : 2 : 0 of 27.5; c, already at the top, carries none.
    # Each of a and b then rises by 36.67, the same 73.3 % of its room.
    assert contributions(result) == pytest.approx({"a": 27.5 / 3, "b": 55 / 3, "c": 0.0})
    assert result.indicators["peer_normalised"].isna().all()
    assert "90" in result.peer_name
    assert json.loads(json.dumps(result.to_dict()))["versus"] == 90
    # The top of the range: every indicator to 100 (a +50·.25, b +50·.5).
    assert contributions(gap(ev, "乙", versus=100)) == pytest.approx({"a": 12.5, "b": 25.0, "c": 0.0})
    # A fall uses the room down to 0: (50, 50, 100)·(.25, .5, .25) = 12.5 : 25 : 25 of −12.5.
    assert contributions(gap(ev, "乙", versus=50)) == pytest.approx(
        {"a": -12.5 / 5, "b": -25.0 / 5, "c": -25.0 / 5})


def test_a_target_outside_the_reachable_range_is_refused(fw, panel):
    # Known #12: a target of 150 on a 0–100 scale, or −5, was spread over indicators at 100.
    ev = zh.build(fw, panel)
    assert reachable(ev, "乙") == (0.0, 100.0)
    for target in (150, -5, 100.001):
        with pytest.raises(ArgumentError) as info:
            gap(ev, "乙", versus=target)
        assert [p.key for p in info.value.problems] == ["versus"]
        assert "0–100" in str(info.value) and f"{target:g}" in str(info.value)
    assert gap(ev, "乙", versus=0).gap == -62.5  # the ends are reachable


def test_reachable_range_follows_the_normalisation_and_the_aggregation(fw, panel):
    # Efficacy 60 + 40·(x − min)/(max − min): 60–100, whatever the aggregation of the means.
    for aggregate in ("arithmetic", "geometric", "minimum"):
        ev = zh.build(fw, panel, zh.Method(normalise={"method": "efficacy", "base": 60, "span": 40},
                                           aggregate=aggregate))
        assert reachable(ev, "甲") == pytest.approx((60.0, 100.0), abs=1e-12)
    # TOPSIS closeness (scale 100): a unit at the worst of every indicator is the anti-ideal
    # (d⁺ > 0, d⁻ = 0: 0) and at the best the ideal (d⁺ = 0: 100).
    ev = zh.build(fw, panel, zh.Method(aggregate={"method": "topsis", "scale": 100}))
    assert reachable(ev, "乙") == pytest.approx((0.0, 100.0), abs=1e-12)
    with pytest.raises(ArgumentError, match="0–100"):
        gap(ev, "乙", versus=101)


def test_shapley_for_a_geometric_index_matches_a_hand_computation(fw, panel):
    ev = zh.build(fw, panel, zh.Method(**GEOMETRIC_TOP))
    result = gap(ev, "乙")
    assert result.method == "shapley" and result.peer == "丙"
    # normalised 1…100: D1 = (a + 2b)/3 and D2 = c; 乙 (50.5, 100), 丙 (100, 50.5).
    w1, w2 = 0.75, 0.25

    def index(d1, d2):
        return d1**w1 * d2**w2

    (u1, u2), (p1, p2) = (50.5, 100.0), (100.0, 50.5)
    phi1 = 0.5 * ((index(p1, u2) - index(u1, u2)) + (index(p1, p2) - index(u1, p2)))
    phi2 = 0.5 * ((index(u1, p2) - index(u1, u2)) + (index(p1, p2) - index(p1, u2)))
    assert result.gap == pytest.approx(index(p1, p2) - index(u1, u2), rel=1e-12)
    assert phi1 + phi2 == pytest.approx(result.gap, rel=1e-12)
    dims = result.dimensions.set_index("dimension")["contribution"]
    assert dims.tolist() == pytest.approx([phi1, phi2], rel=1e-12)
    # Within the arithmetic D1, a and b moved by 49.5 each with weights 1/3 and 2/3.
    assert contributions(result) == pytest.approx({"a": phi1 / 3, "b": 2 * phi1 / 3, "c": phi2})
    assert abs(result.total - result.gap) < 1e-9


def test_shapley_parts_sum_to_the_gap_with_missing_values_and_nested_non_linear_levels():
    fw = make_framework({"I": ["D1", "D2", "D3"], "D1": ["a", "b"], "D2": ["c", "d"], "D3": ["e"]})
    values = [[1, 2, 3, 4, 5], [5, NAN, 1, 2, 2], [3, 3, NAN, 1, 4], [2, 5, 4, NAN, 1]]
    method = zh.Method(impute="interpolate", normalise={"method": "minmax", "low": 1},
                       aggregate={2: "harmonic", 3: "geometric"})
    ev = zh.build(fw, make_panel(fw, values), method)
    for unit in ev.panel.units:
        for versus in ("leader", *[u for u in ev.panel.units if u != unit]):
            result = gap(ev, unit, versus=versus)
            assert result.method == "shapley"
            assert abs(result.total - result.gap) < 1e-9
            assert abs(result.dimensions["contribution"].sum() - result.gap) < 1e-9


def test_sampled_shapley_and_multi_criteria_methods_still_sum_exactly():
    rng = np.random.default_rng(3)
    n = EXACT_PLAYERS + 3
    fw = make_framework({"I": [f"x{i}" for i in range(n)]})
    panel = make_panel(fw, rng.random((8, n)))
    geometric = zh.build(fw, panel, zh.Method(aggregate="geometric",
                                              normalise={"method": "minmax", "low": 1}))
    result = gap(geometric, "U0", versus="leader")
    assert abs(result.total - result.gap) < 1e-9
    assert any("15" in note for note in result.notes)  # says the values were sampled
    topsis = zh.build(fw, panel, zh.Method(aggregate="topsis"))
    for unit in ("U0", "U5"):
        result = gap(topsis, unit, versus="leader")
        assert abs(result.total - result.gap) < 1e-12


def test_asem_every_unit_against_the_next_and_the_leader(asem_evaluation):
    ev = asem_evaluation
    ew = ev.effective_weights.to_numpy()
    normalised = ev.scores[-1, :, :len(ew)]
    index = ev.scores[-1, :, -1]
    top = int(np.nanargmax(index))
    for u, unit in enumerate(ev.panel.units):
        for versus in ("next", "leader"):
            if versus == "next" and u == top:
                with pytest.raises(zh.MethodError):
                    gap(ev, unit)
                continue
            result = gap(ev, unit, versus=versus)
            assert result.method == "exact-linear"
            assert abs(result.total - result.gap) < 1e-9
            q = ev.panel.units.index(result.peer)
            expected = dict(zip(ev.framework.indicator_codes, ew * (normalised[q] - normalised[u]),
                                strict=True))
            assert contributions(result) == pytest.approx(expected, abs=1e-9)
            if versus == "next":
                assert index[q] > index[u] and not ((index > index[u]) & (index < index[q])).any()
    china = gap(ev, "CHN", versus="leader", group="EurAsia_group")
    assert china.peer == "SGP" and china.group_size == 21
    assert math.isclose(china.dimensions["contribution"].sum(), china.gap, abs_tol=1e-9)


def test_screened_units_have_no_gap_and_are_no_peer(fw, panel):
    ev = zh.build(fw, panel, zh.Method(screen={"method": "units", "exclude": ["丙"]}))
    assert gap(ev, "乙").peer == "丁"  # 丙 has no score: the next unit up is 丁
    for unit, versus in (("丙", "next"), ("乙", "丙")):
        with pytest.raises(zh.MethodError, match="丙"):
            gap(ev, unit, versus=versus)
