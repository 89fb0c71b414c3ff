"""Ranking (横向比进位): rank tables with groups, tiers (分档), award rules and streaks."""

import numpy as np
import pandas as pd
import pytest

import zongheng as zh
from zongheng.analysis.ranking import (
    AwardRule,
    AwardSelection,
    StreakRule,
    add_tiers,
    evaluate_award,
    ranking_table,
    read_award_rule,
)
from zongheng.framework import Framework
from zongheng.testing import make_framework, make_panel

# -- ranking table -------------------------------------------------------------------------------


@pytest.fixture
def ev():
    # Same 3-period case as test_progress: index 2020 A 0, B 50, C 100; 2021 A 25, B 50, C 75;
    # 2022 A 100, B 25, C 75.
    fw = make_framework({"I": ["a", "b"]}, directions={"b": "-"})
    values = [[[0, 10], [5, 5], [10, 0]], [[5, 10], [5, 5], [10, 5]], [[10, 0], [0, 5], [10, 5]]]
    return zh.build(fw, make_panel(fw, values, units=["A", "B", "C"], groups={"g": ["x", "x", "y"]}))


def test_ranking_table_with_rank_changes_overall_and_in_groups(ev):
    table = ranking_table(ev, groups=["g"])
    assert table.columns.tolist() == ["rank", "previous_rank", "rank_change", "unit", "name", "score",
                                      "score_change", "g", "rank_in_g", "rank_change_in_g"]
    assert table["unit"].tolist() == ["A", "C", "B"]
    assert table["rank"].tolist() == [1, 2, 3]
    assert table["previous_rank"].tolist() == [3, 1, 2]
    assert table["rank_change"].tolist() == [2, -1, -1]
    np.testing.assert_allclose(table["score_change"], [75, 0, -25])
    # group x = {A, B}: 2021 A 2nd, B 1st; 2022 A 1st, B 2nd. C is alone in y.
    assert table["rank_in_g"].tolist() == [1, 1, 2]
    assert table["rank_change_in_g"].tolist() == [1, 0, -1]


def test_ranking_table_first_period_has_no_change_and_node_option(ev):
    first = ranking_table(ev, 2020)
    assert first["unit"].tolist() == ["C", "B", "A"]
    assert first["rank_change"].isna().all() and first["score_change"].isna().all()
    on_a = ranking_table(ev, "2021", node="a")  # a: A 50, B 50, C 100
    assert on_a["unit"].tolist() == ["C", "A", "B"] and on_a["rank"].tolist() == [1, 2, 2]
    with pytest.raises(zh.MethodError, match="nope"):
        ranking_table(ev, groups=["nope"])
    with pytest.raises(zh.MethodError):
        ranking_table(ev, period=1999)


# -- tiers ---------------------------------------------------------------------------------------


@pytest.fixture
def output_panel():
    fw = make_framework({"I": ["output", "tax"]})
    # output per unit in 2020 and 2021; tiers at 500 and 1000 (Ⅲ < 500 ≤ Ⅱ < 1000 ≤ Ⅰ)
    values = [[[900, 1], [400, 2], [1000, 3], [np.nan, 4]],
              [[1100, 1], [499.9, 2], [500, 3], [np.nan, 4]]]
    return make_panel(fw, values, units=list("PQRS"), groups={"size": [1200, 300, 700, np.nan]},
                      denominators={"gdp": [[5, 50, 500, 5000], [6, 60, 600, 6000]]})


def test_add_tiers_from_an_indicator_with_boundaries_and_default_labels(output_panel):
    last = add_tiers(output_panel, "tier", "output", [500, 1000])
    # 1100 ≥ 1000; 499.9 < 500; 500 is at the threshold, so in the upper tier; missing → none
    assert last.group("tier")[:3].tolist() == ["≥1000", "<500", "500–1000"]
    assert pd.isna(last.group("tier")[3])
    first = add_tiers(output_panel, "tier", "output", [500, 1000], labels=["Ⅲ", "Ⅱ", "Ⅰ"],
                      period=2020)
    assert first.group("tier")[:3].tolist() == ["Ⅱ", "Ⅲ", "Ⅰ"]  # 1000 is at the upper threshold
    assert output_panel.groups == ("size",)  # the input panel is unchanged
    np.testing.assert_array_equal(first.values, output_panel.values, strict=True)


def test_add_tiers_from_a_denominator_or_a_numeric_attribute(output_panel):
    by_gdp = add_tiers(output_panel, "gdp_tier", "gdp", [100], labels=["small", "large"],
                       period="2020")
    assert by_gdp.group("gdp_tier").tolist() == ["small", "small", "large", "large"]
    by_size = add_tiers(output_panel, "size_tier", "size", [500, 1000])
    assert by_size.group("size_tier")[:3].tolist() == ["≥1000", "<500", "500–1000"]
    assert pd.isna(by_size.group("size_tier")[3])


def test_build_with_tiers_ranks_within_tiers(output_panel):
    fw = make_framework({"I": ["output", "tax"]})
    filled = output_panel.with_values(np.nan_to_num(output_panel.values, nan=800))
    panel = add_tiers(filled, "tier", "size", [500], labels=["small", "large"])
    ev = zh.build(fw, panel)
    # 2021, pooled min-max: output (400..1100) P 100, Q 14.27, R 14.29, S 57.14; tax (1..4)
    # 0, 33.3, 66.7, 100; index P 50, Q 23.8, R 40.5, S 78.6.
    # Tiers by size: P, R large; Q small; S has no size, so no tier and no rank within tiers.
    index = ev.node_codes.index("I")
    np.testing.assert_allclose(ev.scores[-1, :, index], [50, (99.9 / 7 + 100 / 3) / 2,
                                                         (100 / 7 + 200 / 3) / 2, (400 / 7 + 100) / 2])
    ranks = ev.group_ranks("tier")[-1, :, index]
    assert ranks[:3].tolist() == [1, 1, 2] and np.isnan(ranks[3])
    table = ranking_table(ev, groups=["tier"]).set_index("unit")
    assert table.loc[["P", "Q", "R"], "rank_in_tier"].tolist() == [1, 1, 2]
    assert table.loc["S", "rank"] == 1 and pd.isna(table.loc["S", "rank_in_tier"])


def test_add_tiers_refuses_bad_input(output_panel):
    cases = [
        ({"name": "tier", "variable": "nope", "thresholds": [1]}, "variable"),
        ({"name": "tier", "variable": "output", "thresholds": [1000, 500]}, "thresholds"),
        ({"name": "tier", "variable": "output", "thresholds": []}, "thresholds"),
        ({"name": "tier", "variable": "output", "thresholds": [500], "labels": ["a"]}, "labels"),
        ({"name": "size", "variable": "output", "thresholds": [500]}, "name"),
        ({"name": "tier", "variable": "output", "thresholds": [500], "period": 1999}, "period"),
    ]
    for kwargs, key in cases:
        with pytest.raises(zh.MethodError) as info:
            add_tiers(output_panel, **kwargs)
        assert info.value.problems[0].key == key, kwargs
    text = output_panel.attributes.assign(kind=["x", "y", "z", "w"])
    panel = make_panel(make_framework({"I": ["output", "tax"]}), output_panel.values,
                       units=list("PQRS"), groups={"kind": text["kind"].tolist()})
    with pytest.raises(zh.MethodError, match="'x'"):
        add_tiers(panel, "tier", "kind", [1])


# -- awards --------------------------------------------------------------------------------------

AWARD = {
    "award": {
        "name": "天工鼎",
        "rules": [
            {"group": "mountain", "value": 0, "top": 2, "name": "非山区前2"},
            {"group": "mountain", "value": 1, "top": 1, "name": "山区前1"},
        ],
        "streak": {"consecutive": 3, "name": "金鼎"},
    }
}


@pytest.fixture
def award_ev():
    # One indicator, so the index orders units as the raw values do. N* are non-mountain
    # (label "0" as read from a CSV), M* mountain ("1").
    fw = make_framework({"I": ["a"]})
    units = ["N1", "N2", "N3", "M1", "M2", "M3"]
    values = [
        [10, 9, 8, 7, 6, 5],   # 2020: N1, N2 | M1
        [10, 8, 8, 7, 6, 5],   # 2021: N1, N2 and N3 tied at rank 2 both win | M1
        [10, 9, 3, 4, 7, 5],   # 2022: N1, N2 | M2 (M1's streak breaks)
        [10, 8, 9, 7, 6, 5],   # 2023: N1, N3 | M1 (N2's streak breaks)
    ]
    panel = make_panel(fw, np.array(values, dtype=float)[..., None], units=units,
                       groups={"mountain": ["0", "0", "0", "1", "1", "1"]})
    return zh.build(fw, panel)


def test_winners_per_period_with_a_tie_at_the_cut_off(award_ev):
    result = evaluate_award(award_ev, read_award_rule(AWARD))
    w = result.winners
    assert w.columns.tolist() == ["period", "rule", "unit", "name", "group", "group_value", "rank",
                                  "score", "run"]
    by_period = {p: list(zip(g["rule"], g["unit"], g["rank"], strict=True))
                 for p, g in w.groupby("period", sort=True)}
    assert by_period == {
        2020: [("非山区前2", "N1", 1), ("非山区前2", "N2", 2), ("山区前1", "M1", 1)],
        # competition ranks 1, 2, 2: the tie at the cut-off rank 2 lets both N2 and N3 in
        2021: [("非山区前2", "N1", 1), ("非山区前2", "N2", 2), ("非山区前2", "N3", 2),
               ("山区前1", "M1", 1)],
        2022: [("非山区前2", "N1", 1), ("非山区前2", "N2", 2), ("山区前1", "M2", 1)],
        2023: [("非山区前2", "N1", 1), ("非山区前2", "N3", 2), ("山区前1", "M1", 1)],
    }
    assert set(w["group"]) == {"mountain"} and w["group_value"].tolist()[:3] == ["0", "0", "1"]
    assert w[w.period == 2023]["run"].tolist() == [4, 1, 1]


def test_streaks_reset_after_the_streak_award(award_ev):
    result = evaluate_award(award_ev, AWARD)
    s = result.streaks.set_index(["unit", "period"])
    assert s.loc["N1", "run"].tolist() == [1, 2, 3, 4]
    assert s.loc["N1", "toward"].tolist() == [1, 2, 0, 1]  # counting restarts after 金鼎
    assert s.loc["N2", "run"].tolist() == [1, 2, 3, 0]    # broken in 2023
    assert s.loc["M1", "run"].tolist() == [1, 2, 0, 1]    # broken in 2022: no 金鼎
    assert s.loc["N3", "won"].tolist() == [False, True, False, True]
    assert result.streak_awards[["period", "unit", "award"]].values.tolist() == [
        [2022, "N1", "金鼎"], [2022, "N2", "金鼎"]]
    current = result.current.set_index("unit")
    assert result.current["unit"].tolist()[:3] == ["N1", "M1", "N3"]  # longest runs first
    assert current.loc[["N1", "N2", "N3", "M1", "M2"], "run"].tolist() == [4, 0, 1, 1, 0]
    assert current.loc[["N1", "N2", "M1"], "toward"].tolist() == [1, 0, 1]
    assert current.loc[["N1", "N2", "M1"], "streak_awards"].tolist() == [1, 1, 0]


def test_streak_without_reset_awards_every_win_from_the_third_on(award_ev):
    rule = AwardRule("天工鼎", read_award_rule(AWARD).rules, StreakRule(3, "金鼎", reset=False))
    result = evaluate_award(award_ev, rule)
    assert result.streak_awards[["period", "unit"]].values.tolist() == [
        [2022, "N1"], [2022, "N2"], [2023, "N1"]]
    assert result.current.set_index("unit").loc["N1", "toward"] == 4


def test_rule_from_framework_meta_overall_and_every_group(award_ev):
    fw = award_ev.framework
    meta_fw = Framework(fw.nodes, fw.groups, fw.denominators, {"award": AWARD["award"]})
    ev = zh.build(meta_fw, award_ev.panel)
    assert evaluate_award(ev).winners.equals(evaluate_award(award_ev, AWARD).winners)
    with pytest.raises(zh.MethodError, match=r"meta\.award"):
        evaluate_award(award_ev)
    overall = evaluate_award(award_ev, AwardRule("best", (AwardSelection(top=1),)))
    assert overall.winners["unit"].tolist() == ["N1"] * 4 and overall.streak_awards.empty
    assert overall.streaks["toward"].isna().all()
    each = evaluate_award(award_ev, {"rules": [{"group": "mountain", "top": 1}]})
    # one rule over every group: ties in rank within a rule are listed by unit code
    assert each.winners[each.winners.period == 2022]["unit"].tolist() == ["M2", "N1"]
    assert each.rule.rules[0].name == "mountain 各组前1名"


def test_rule_naming_a_missing_group_or_label_is_refused(award_ev):
    with pytest.raises(zh.MethodError) as info:
        evaluate_award(award_ev, {"rules": [{"group": "city", "top": 1}]})
    assert info.value.problems[0].key == "award.rules[0].group"
    with pytest.raises(zh.MethodError) as info:
        evaluate_award(award_ev, {"rules": [{"group": "mountain", "value": 2, "top": 1}]})
    assert info.value.problems[0].key == "award.rules[0].value"
    assert "0, 1" in str(info.value)


def test_read_award_rule_from_a_file(tmp_path):
    path = tmp_path / "award.yaml"
    path.write_text("award:\n  name: 天工鼎\n  rules:\n"
                    "    - {group: mountain26, value: 0, top: 20, name: 非山区县前20}\n"
                    "    - {group: mountain26, value: 1, top: 6}\n"
                    "  streak: {consecutive: 3, name: 金鼎}\n", encoding="utf-8")
    rule = read_award_rule(path)
    assert rule == AwardRule("天工鼎", (
        AwardSelection(20, "mountain26", 0, "非山区县前20"),
        AwardSelection(6, "mountain26", 1, "mountain26=1 前6名"),
    ), StreakRule(3, "金鼎", True))
    with pytest.raises(zh.MethodError, match=r"award\.yaml"):
        read_award_rule(tmp_path / "missing" / "award.yaml")


def test_read_award_rule_lists_every_bad_key():
    bad = {"award": {
        "name": "x", "prize": 1,
        "rules": [{"group": "g", "value": 0, "topp": 3},
                  {"group": "g", "top": 0},
                  {"value": 1, "top": 2},
                  "top 5"],
        "streak": {"consecutive": 1, "reset": "yes"},
    }}
    with pytest.raises(zh.MethodError) as info:
        read_award_rule(bad)
    keys = [p.key for p in info.value.problems]
    assert keys == ["award.prize", "award.rules[0].topp", "award.rules[0].top",
                    "award.rules[1].top", "award.rules[2].value", "award.rules[3]",
                    "award.streak.consecutive", "award.streak.reset"]
    assert "topp" in str(info.value)
    for doc, key in [({"award": {"rules": []}}, "award.rules"), ({"name": "x"}, "award.rules"),
                     ({"award": {"rules": [{"top": 1}], "streak": {"name": "金"}}},
                      "award.streak.consecutive"),
                     ({"award": {"rules": [{"top": 2.5}]}}, "award.rules[0].top")]:
        with pytest.raises(zh.MethodError) as info:
            read_award_rule(doc)
        assert [p.key for p in info.value.problems] == [key]


def test_a_screened_unit_never_wins(award_ev):
    ev = zh.build(award_ev.framework, award_ev.panel, zh.Method(screen={"method": "units",
                                                                        "exclude": ["N1"]}))
    result = evaluate_award(ev, AWARD)
    assert "N1" not in set(result.winners["unit"])
    # N2 and N3 are the only non-mountain units left: both win every year, 金鼎 in 2022
    s = result.streaks.set_index(["unit", "period"])
    assert s.loc["N1", "run"].tolist() == [0, 0, 0, 0]
    assert s.loc["N3", "run"].tolist() == [1, 2, 3, 4]
    assert result.streak_awards["unit"].tolist() == ["N2", "N3"]
