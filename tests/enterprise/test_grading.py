"""亩均 grading rules on hand-made tables, with scores and grades worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from zongheng.enterprise import Branch, GradingRule, grade_enterprises


def tax_rule(**kwargs) -> GradingRule:
    """One branch scored on 亩均税收 only, 100 points: score = 100 × (tax/land) / benchmark."""
    branches = kwargs.pop("branches", (Branch("全部", "all", {"tax_per_mu": 100}),))
    return GradingRule(branches=branches, **kwargs)


def tax_table(tax_per_mu, land=None, **flags) -> pd.DataFrame:
    n = len(tax_per_mu)
    land = np.ones(n) if land is None else np.asarray(land, dtype=float)
    frame = pd.DataFrame({
        "id": [f"E{i:02d}" for i in range(1, n + 1)],
        "name": [f"企业{i}" for i in range(1, n + 1)],
        "scale": ["规下"] * n,
        "land_area": land,
        "tax": np.asarray(tax_per_mu, dtype=float) * land,
    })
    for key, values in flags.items():
        frame[key] = values
    return frame


def by_id(result) -> pd.DataFrame:
    return result.grades.set_index("id")


def grades_of(result) -> str:
    """Grades in the table's id order, '-' for ungraded firms."""
    g = by_id(result).sort_index()["grade"]
    return "".join(str(x) if isinstance(x, str) else "-" for x in g)


# -- scoring -----------------------------------------------------------------------------------


def test_given_benchmark_scores_and_default_cut_offs():
    # tax/mu 1..10 against a given benchmark of 10 → 10, 20, …, 100 points.
    rule = tax_rule(branches=(Branch("全部", "all", {"tax_per_mu": 100}, {"tax_per_mu": 10}),))
    result = grade_enterprises(tax_table(range(1, 11)), rule)
    frame = by_id(result).sort_index()
    assert frame["tax_per_mu_score"].tolist() == pytest.approx([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert frame["total"].tolist() == pytest.approx(frame["tax_per_mu_score"].tolist())
    assert frame["rank"].tolist() == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    assert frame["percentile"].tolist() == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    # N = 10: A rank ≤ 2, B rank ≤ 7.5, C rank ≤ 9.5, D rank 10.
    assert grades_of(result) == "DCCBBBBBAA"
    assert result.benchmarks["benchmark"].tolist() == [10.0]
    assert result.benchmarks["source"].tolist() == ["given"]
    # The grade list is in 公示 order: by rank.
    assert result.grades["id"].tolist()[:3] == ["E10", "E09", "E08"]


def test_total_mean_median_benchmarks_and_factor():
    # (land, tax): (2, 40), (4, 20), (1, 5), (3, 15): tax/mu 20, 5, 5, 5.
    table = tax_table([20, 5, 5, 5], land=[2, 4, 1, 3])
    total = grade_enterprises(table, tax_rule())  # Σtax/Σland = 80/10 = 8
    assert total.benchmarks["benchmark"].iloc[0] == pytest.approx(8.0)
    assert by_id(total).sort_index()["total"].tolist() == pytest.approx([250, 62.5, 62.5, 62.5])
    mean = grade_enterprises(table, tax_rule(benchmark="mean"))  # (20+5+5+5)/4 = 8.75
    assert mean.benchmarks["benchmark"].iloc[0] == pytest.approx(8.75)
    assert by_id(mean).loc["E01", "total"] == pytest.approx(20 / 8.75 * 100)
    median = grade_enterprises(table, tax_rule(benchmark="median"))
    assert median.benchmarks["benchmark"].iloc[0] == pytest.approx(5.0)
    assert by_id(median).loc["E01", "total"] == pytest.approx(400)
    double = grade_enterprises(table, tax_rule(benchmark_factor=2))  # 淮安: 2 × the average
    assert double.benchmarks["benchmark"].iloc[0] == pytest.approx(16.0)
    assert by_id(double).sort_index()["total"].tolist() == pytest.approx([125, 31.25, 31.25, 31.25])


def test_cap_limits_an_item_to_cap_times_its_weight():
    table = tax_table([20, 5, 5, 5], land=[2, 4, 1, 3])  # benchmark 8: ratios 2.5, 0.625
    result = grade_enterprises(table, tax_rule(cap=1.5))
    assert by_id(result).sort_index()["total"].tolist() == pytest.approx([150, 62.5, 62.5, 62.5])


def test_efficacy_coefficient_scores():
    # 功效系数: weight × (60 + 40 × (x − min)/(max − min)) / 100 with min 5, max 20.
    table = tax_table([20, 5, 8.75, 12.5])
    result = grade_enterprises(table, tax_rule(scoring="efficacy"))
    assert by_id(result).sort_index()["total"].tolist() == pytest.approx([100, 60, 70, 80])
    row = result.benchmarks.iloc[0]
    assert (row["low"], row["high"], row["source"]) == (5.0, 20.0, "efficacy")
    # 旌德's 20 + 80 form.
    wide = grade_enterprises(table, tax_rule(scoring="efficacy", efficacy_base=20, efficacy_span=80))
    assert by_id(wide).sort_index()["total"].tolist() == pytest.approx([100, 20, 40, 60])


def test_six_indicators_with_given_benchmarks_cap_and_weakest():
    # Benchmarks: tax 10, VA 50 per mu, 2 万元/tce, 1000 万元/t, 10 万元/人, R&D 2 %.
    benchmarks = {"tax_per_mu": 10, "va_per_mu": 50, "va_per_energy": 2, "va_per_emission": 1000,
                  "labour_productivity": 10, "rd_intensity": 2}
    # Firm F: land 10, tax 100, VA 1000, energy 250, emissions 0.5, 50 employees, R&D 30 of 3000.
    # ratios 1, 2, 2, 2, 2, 0.5 × weights 30, 20, 20, 10, 10, 10 → 30+40+40+20+20+5 = 155.
    firm = {"id": "F", "scale": "规上", "land_area": 10, "tax": 100, "value_added": 1000,
            "energy": 250, "emissions": 0.5, "employees": 50, "rd": 30, "revenue": 3000}
    # Firm G: everything at half of F's ratios except tax (0.1 of the benchmark) → D of two.
    low = {"id": "G", "scale": "规上", "land_area": 10, "tax": 10, "value_added": 500,
           "energy": 250, "emissions": 0.5, "employees": 50, "rd": 15, "revenue": 3000}
    table = pd.DataFrame([firm, low])
    rule = GradingRule(branches=(Branch("规上", "规上", benchmarks=benchmarks),))
    result = grade_enterprises(table, rule)
    f = by_id(result).loc["F"]
    assert [f[f"{c}_score"] for c in benchmarks] == pytest.approx([30, 40, 40, 20, 20, 5])
    assert f["tax_per_mu"] == 10 and f["va_per_mu"] == 100 and f["rd_intensity"] == pytest.approx(1.0)
    assert f["total"] == pytest.approx(155)
    capped = grade_enterprises(table, GradingRule(cap=1.5, branches=rule.branches))
    assert by_id(capped).loc["F", "total"] == pytest.approx(30 + 30 + 30 + 15 + 15 + 5)
    # G: tax 0.1 ×30 = 3, VA/mu 1 ×20, energy 1 ×20, emissions 1 ×10, labour 1 ×10, R&D 0.25 ×10.
    assert by_id(result).loc["G", "total"] == pytest.approx(3 + 20 + 20 + 10 + 10 + 2.5)
    # Two firms: A needs rank ≤ 0.4 (none), D rank > 1.9 → G is D, F is B.
    assert grades_of(result) == "BD"
    d = result.d_list.iloc[0]
    assert d["id"] == "G"
    assert (d["weakest_1"], d["weakest_1_share"]) == ("tax_per_mu", pytest.approx(0.1))
    assert (d["weakest_2"], d["weakest_2_share"]) == ("rd_intensity", pytest.approx(0.25))


# -- cut-offs and ties -------------------------------------------------------------------------


def test_ties_at_a_cut_off_take_the_better_grade():
    # Ranks 1, 2, 2, 4 … : the two firms tied at the A cut-off (rank ≤ 2) are both A (30 %);
    # the last two tie at rank 9 ≤ 9.5, so both are C and nobody is D.
    table = tax_table([10, 9, 9, 7, 6, 5, 4, 3, 2, 2])
    result = grade_enterprises(table, tax_rule())
    assert by_id(result).sort_index()["rank"].tolist() == [1, 2, 2, 4, 5, 6, 7, 8, 9, 9]
    assert grades_of(result) == "AAABBBBCCC"
    dist = result.distribution.set_index("branch").loc["全部"]
    assert (dist["A"], dist["B"], dist["C"], dist["D"]) == (3, 4, 3, 0)
    assert dist["A_share"] == pytest.approx(0.3)


def test_configurable_cut_offs_and_per_branch_cut_offs():
    table = tax_table(range(20, 0, -1))  # ranks 1..20 in id order
    # 淮安: A 20 %, B to 60 %, C to 95 %: A ranks 1–4, B 5–12, C 13–19, D 20.
    result = grade_enterprises(table, tax_rule(cuts={"A": 0.2, "B": 0.6, "C": 0.95}))
    assert grades_of(result) == "A" * 4 + "B" * 8 + "C" * 7 + "D"
    # 某市: A 25 %, B to 70 %, given on the branch and as a list.
    rule = GradingRule.from_dict({"branches": [{"name": "全部", "scale": "all",
                                                 "weights": {"亩均税收": 100},
                                                 "cuts": [0.25, 0.70, 0.95]}]})
    result = grade_enterprises(table, rule)
    assert grades_of(result) == "A" * 5 + "B" * 9 + "C" * 5 + "D"


# -- exempt, protected, veto -------------------------------------------------------------------


def test_exempt_firms_are_scored_but_not_ranked_benchmarked_or_graded():
    # E01 is exempt with the highest tax: without it Σtax/Σland over 10 firms = 55/10 = 5.5.
    table = tax_table([100, *range(1, 11)], exempt=["是"] + ["否"] * 10)
    result = grade_enterprises(table, tax_rule())
    frame = by_id(result)
    assert result.benchmarks["benchmark"].iloc[0] == pytest.approx(5.5)
    assert result.benchmarks["population"].iloc[0] == 10
    assert frame.loc["E01", "total"] == pytest.approx(100 / 5.5 * 100)
    assert pd.isna(frame.loc["E01", "rank"]) and pd.isna(frame.loc["E01", "grade"])
    assert frame.loc["E01", "reason"] == "exempt"
    assert frame.loc["E11", "rank"] == 1 and frame.loc["E11", "percentile"] == pytest.approx(0.1)
    assert grades_of(result) == "-DCCBBBBBAA"
    # Ungraded firms come last in the 公示 order.
    assert result.grades["id"].iloc[-1] == "E01"
    dist = result.distribution.set_index("branch").loc["全部"]
    assert (dist["firms"], dist["graded"], dist["not_graded"]) == (11, 10, 1)


def test_protected_firms_are_not_graded_unless_a_floor_is_set():
    table = tax_table(range(1, 11), protected=["是"] + ["否"] * 9)  # E01 has the lowest tax
    result = grade_enterprises(table, tax_rule())
    # Without E01, 9 firms: A rank ≤ 1.8, B ≤ 6.75, C ≤ 8.55, D rank 9 (E02).
    assert grades_of(result) == "-DCCBBBBBA"
    assert by_id(result).loc["E01", "reason"] == "protected"
    # 昌乐: protected firms are graded but never D; E01 (rank 10) gets C instead of D.
    floored = grade_enterprises(table, tax_rule(protected_floor="C"))
    assert grades_of(floored) == "CCCBBBBBAA"


def test_a_veto_caps_the_grade_and_is_not_shielded_by_protection():
    veto = ["否"] * 10
    veto[9] = "是"  # E10, the best firm
    veto[0] = "是"  # E01, the worst: stays D
    table = tax_table(range(1, 11), veto=veto, protected=["是"] + ["否"] * 9)
    result = grade_enterprises(table, tax_rule())
    frame = by_id(result)
    # E01 is protected but vetoed, so it is ranked and graded (D); E10 would be A, capped at C.
    assert grades_of(result) == "DCCBBBBBAC"
    assert frame.loc["E10", "rank"] == 1 and frame.loc["E10", "reason"] == "veto"
    assert frame.loc["E01", "reason"] == "protected;veto"
    straight_to_d = grade_enterprises(table, tax_rule(veto_grade="D"))
    assert grades_of(straight_to_d) == "DCCBBBBBAD"
    # The D list shows why.
    assert set(straight_to_d.d_list["id"]) == {"E01", "E10"}


# -- branches, undefined items, no land ----------------------------------------------------------


def test_branches_are_ranked_separately_with_their_own_indicators():
    rows = []
    for i, (scale, land, tax) in enumerate([("规上", 1, 30), ("规上", 1, 10), ("规下", 1, 8),
                                            ("规下", 4, 8), ("规下", 5, 40), ("规上", 2, 20)]):
        rows.append({"企业名称": f"企业{i}", "规模": scale, "用地面积(亩)": land, "税收(万元)": tax})
    table = pd.DataFrame(rows)
    rule = GradingRule(branches=(
        Branch("规上", "规上", {"tax_per_mu": 100}),
        Branch("规下≥3亩", "规下", {"tax_per_mu": 100}, min_land=3),
        Branch("规下<3亩", "规下", {"tax_per_mu": 100}),
    ))
    result = grade_enterprises(table, rule)
    frame = result.grades.set_index("name")
    assert frame["branch"].astype(str).to_dict() == {
        "企业0": "规上", "企业1": "规上", "企业5": "规上", "企业4": "规下≥3亩", "企业3": "规下≥3亩",
        "企业2": "规下<3亩"}
    # 规上 benchmark (30+10+20)/(1+1+2) = 15: scores 200, 66.67, 66.67; 规下≥3亩: 48/9.
    assert frame.loc["企业0", "total"] == pytest.approx(200)
    assert frame.loc["企业5", "total"] == pytest.approx(10 / 15 * 100)
    assert frame.loc["企业4", "total"] == pytest.approx(8 / (48 / 9) * 100)
    assert frame.loc["企业2", "total"] == pytest.approx(100)
    assert frame.loc["企业4", "rank"] == 1 and frame.loc["企业3", "rank"] == 2
    assert result.benchmarks["branch"].tolist() == ["规上", "规下≥3亩", "规下<3亩"]


def test_default_rule_uses_six_indicators_above_scale_and_tax_below():
    rule = GradingRule()
    assert rule.branch_weights(rule.branches[0]) == {
        "tax_per_mu": 30, "va_per_mu": 20, "va_per_energy": 20, "va_per_emission": 10,
        "labour_productivity": 10, "rd_intensity": 10}
    assert rule.branch_weights(rule.branches[1]) == {"tax_per_mu": 100}
    # 规下 firms need only land and tax; their other indicators are left empty.
    table = pd.DataFrame({
        "统一社会信用代码": ["A", "B"], "规模": ["规下", "规下"], "用地面积（亩）": [2, 4],
        "税收（万元）": [20, 20], "工业增加值（万元）": [1, 1], "营业收入（万元）": [1, 1],
        "综合能耗（吨标准煤）": [1, 1], "排放当量（吨）": [1, 1], "年平均职工人数（人）": [1, 1],
        "研发经费（万元）": [0, 0]})
    result = grade_enterprises(table, rule)
    frame = by_id(result)
    assert frame.loc["A", "tax_per_mu_score"] == pytest.approx(10 / (40 / 6) * 100)
    assert math.isnan(frame.loc["A", "va_per_mu_score"])


def _six(rows):
    base = {"scale": "规上", "land_area": 10, "tax": 100, "value_added": 1000, "energy": 500,
            "emissions": 1, "employees": 100, "rd": 20, "revenue": 2000}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_zero_denominators_follow_the_undefined_item_rule():
    # Emissions 1000, 2000 and 0 (undefined) for three firms; VA 1000 → 1000, 500 per t.
    table = _six([{"id": "A", "emissions": 1}, {"id": "B", "emissions": 2}, {"id": "C", "emissions": 0}])
    given = {"va_per_emission": 1000}
    rule = {"branches": (Branch("规上", "规上", {"va_per_emission": 10}, given),)}
    average = by_id(grade_enterprises(table, GradingRule(**rule)))
    assert average.loc[["A", "B"], "va_per_emission_score"].tolist() == pytest.approx([10, 5])
    assert np.isnan(average.loc["C", "va_per_emission"])
    assert average.loc["C", "va_per_emission_score"] == pytest.approx(7.5)  # 黄岩: the average
    zero = by_id(grade_enterprises(table, GradingRule(undefined_item="zero", **rule)))
    assert zero.loc["C", "va_per_emission_score"] == 0
    best = by_id(grade_enterprises(table, GradingRule(undefined_item="best", **rule)))
    assert best.loc["C", "va_per_emission_score"] == pytest.approx(10)


def test_firms_without_land_are_scored_on_other_items_but_not_graded():
    table = _six([{"id": "A"}, {"id": "B", "land_area": 0}, {"id": "C", "tax": 50}])
    result = grade_enterprises(table, GradingRule(branches=(Branch("规上", "规上"),)))
    frame = by_id(result)
    assert frame.loc["B", "reason"] == "no_land"
    assert np.isnan(frame.loc["B", "tax_per_mu"]) and np.isnan(frame.loc["B", "total"])
    assert pd.isna(frame.loc["B", "rank"]) and pd.isna(frame.loc["B", "grade"])
    # The other items are scored against benchmarks learned without B: energy ratio 2 for all.
    assert frame.loc["B", "va_per_energy_score"] == pytest.approx(20)
    # Tax benchmark over A and C only: (100 + 50) / 20 = 7.5.
    bench = result.benchmarks.set_index("indicator")["benchmark"]
    assert bench["tax_per_mu"] == pytest.approx(7.5)


def test_firms_fitting_no_branch_are_listed_and_counted():
    table = tax_table([1, 2, 3])
    table.loc[0, "scale"] = "规上"
    result = grade_enterprises(table, tax_rule(branches=(Branch("规下", "规下", {"tax_per_mu": 100}),)))
    frame = by_id(result)
    assert frame.loc["E01", "reason"] == "no_branch" and pd.isna(frame.loc["E01", "branch"])
    dist = result.distribution.set_index("branch")
    assert dist.loc["规下", "firms"] == 2 and dist.loc["all", "firms"] == 3
    assert dist.loc["all", "not_graded"] == 1


def test_distribution_counts_and_shares_per_branch():
    table = pd.concat([tax_table(range(1, 21)).assign(scale="规上"),
                       tax_table(range(1, 11)).assign(id=lambda f: "X" + f["id"])])
    result = grade_enterprises(table, GradingRule(branches=(
        Branch("规上", "规上", {"tax_per_mu": 100}), Branch("规下", "规下", {"tax_per_mu": 100}))))
    dist = result.distribution.set_index("branch")
    # 20 firms: A 4, B 11 (rank ≤ 15), C 4 (≤ 19), D 1; 10 firms: 2, 5, 2, 1.
    assert dist.loc["规上", ["A", "B", "C", "D"]].tolist() == [4, 11, 4, 1]
    assert dist.loc["规下", ["A", "B", "C", "D"]].tolist() == [2, 5, 2, 1]
    assert dist.loc["all", ["firms", "graded", "A", "D"]].tolist() == [30, 30, 6, 2]
    assert dist.loc["规上", "B_share"] == pytest.approx(0.55)
    assert len(result.d_list) == 2 and set(result.d_list["branch"]) == {"规上", "规下"}
