"""The bundled 天工鼎 framework, method, award rule and synthetic demo data (tiangong_demo)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import zongheng as zh
from zongheng import frameworks
from zongheng.analysis.ranking import evaluate_award, read_award_rule
from zongheng.datasets import tiangong_generator as gen
from zongheng.framework import Direction

FRAMEWORKS = frameworks.path("tiangong").parent
AWARD_FILE = FRAMEWORKS / "tiangong_award.yaml"

# The 20 development indicators of the published 2021 evaluation (domain.md §1.2).
CORE_2021 = {
    "制造业增加值占GDP比重", "规上工业增加值", "规上工业增加值增速", "规上工业企业营业收入利润率",
    "首台套首批次首版次数量", "品字标浙江制造企业数", "规上工业企业每百亿元营业收入有效发明专利数",
    "规上工业全员劳动生产率", "规上工业每百元营业收入中的成本", "工业企业技术改造投资增速",
    "单位工业增加值能耗", "规上工业亩均增加值", "规上工业亩均税收",
    "规上工业企业研发费用相当于营业收入的比例", "高新技术产业增加值占规上工业比重",
    "数字经济核心产业增加值占GDP比重", "工业投资额", "营业收入超50亿元的制造业企业数",
    "出让土地总量中工业用地比例", "工业投资占固定资产投资比重",
}


@pytest.fixture(scope="module")
def framework():
    return frameworks.load("tiangong")


@pytest.fixture(scope="module")
def demo():
    return zh.datasets.load("tiangong_demo")


@pytest.fixture(scope="module")
def ev(demo):
    return zh.build(demo.framework, demo.panel, demo.method)


# -- framework -----------------------------------------------------------------------------------


def test_four_dimensions_with_32_development_and_10_work_indicators(framework):
    assert framework.dimensions == ("Q", "E", "D", "W")
    assert [framework.node(d).name for d in framework.dimensions] == [
        "质量变革", "效率变革", "动力变革", "工作评价"]
    counts = {d: len(framework.children[d]) for d in framework.dimensions}
    assert counts == {"Q": 11, "E": 10, "D": 11, "W": 10}
    assert counts["Q"] + counts["E"] + counts["D"] == 32
    assert [framework.node(d).weight for d in framework.dimensions] == [0.2, 0.2, 0.2, 0.4]
    assert "derived from the published 2021 scores" in framework.node("Q").source


def test_effective_weights_are_equal_within_a_dimension(framework):
    w = framework.effective_weights()
    assert w["Q01"] == pytest.approx(0.2 / 11)
    assert w["E01"] == pytest.approx(0.02)
    assert w["D11"] == pytest.approx(0.2 / 11)
    assert w["W10"] == pytest.approx(0.04)
    assert sum(w.values()) == pytest.approx(1.0)


def test_every_indicator_has_unit_direction_department_and_source(framework):
    for ind in framework.indicators:
        assert ind.unit and ind.department and ind.source, ind.code
        assert ind.name and ind.name_en, ind.code
        assert isinstance(ind.direction, Direction)
    lower = [i.code for i in framework.indicators if i.direction is Direction.LOWER]
    assert lower == ["E02", "E04", "E09"]  # 成本, 能耗, 用水量
    assert {framework.node(f"W{k:02d}").unit for k in range(1, 11)} == {"分"}


def test_known_core_cites_the_2021_report_and_the_rest_is_marked_assumed(framework):
    core = [i for i in framework.indicators if "assumed" not in i.source]
    assert {i.name for i in core} == CORE_2021
    assert all("guoqi.zjol.com.cn" in i.source for i in core)
    assumed = [i.code for i in framework.indicators if "assumed" in i.source]
    assert len(assumed) == 22
    assert {f"W{k:02d}" for k in range(1, 11)} <= set(assumed)


def test_groups_and_reference_series_are_declared(framework):
    assert [g.code for g in framework.groups] == ["设区市", "山区26县", "工业大县"]
    assert [d.code for d in framework.denominators] == ["规上工业总产值"]
    assert not any(i.denominator for i in framework.indicators)


# -- method --------------------------------------------------------------------------------------


def test_method_is_pooled_efficacy_60_plus_40(demo):
    assert demo.method.scope == "pooled"
    assert demo.method.normalise.key == "efficacy"
    assert (demo.method.normalise.base, demo.method.normalise.span) == (60, 40)
    assert demo.method.impute.key == "interpolate"
    assert (demo.method.treat.key, demo.method.treat.lower, demo.method.treat.upper) == (
        "percentile", 0.02, 0.98)


def test_efficacy_score_of_one_cell_by_hand(demo, ev):
    # 永康 2024, E06 规上工业亩均税收 (no missing cell): cap at the pooled 2nd/98th percentiles
    # (numpy's linear quantile, as the step documents), then 60 + 40 (x − lo)/(hi − lo).
    raw = pd.read_csv(demo.directory / "data.csv")
    assert raw["E06"].notna().all()
    lo, hi = np.quantile(raw["E06"], [0.02, 0.98])
    x = raw.loc[(raw["地区"] == "永康市") & (raw["年份"] == 2024), "E06"].item()
    expected = 60 + 40 * (min(max(x, lo), hi) - lo) / (hi - lo)
    col = ev.node_codes.index("E06")
    u, p = ev.panel.units.index("永康市"), ev.panel.period_index(2024)
    assert ev.scores[p, u, col] == pytest.approx(expected, abs=1e-9)
    # Pooled bounds: over all years the worst capped county-year scores 60, the best 100.
    e02 = ev.scores[..., ev.node_codes.index("E02")]
    assert np.nanmin(e02) == pytest.approx(60) and np.nanmax(e02) == pytest.approx(100)


def test_index_is_02_02_02_04_of_the_dimensions(ev):
    s = ev.scores
    idx = {c: ev.node_codes.index(c) for c in ("TGD", "Q", "E", "D", "W")}
    expected = 0.2 * (s[..., idx["Q"]] + s[..., idx["E"]] + s[..., idx["D"]]) + 0.4 * s[..., idx["W"]]
    np.testing.assert_allclose(s[..., idx["TGD"]], expected, rtol=0, atol=1e-9)
    q = [ev.node_codes.index(f"Q{k:02d}") for k in range(1, 12)]
    np.testing.assert_allclose(s[..., idx["Q"]], s[..., q].mean(axis=-1), rtol=0, atol=1e-9)


# -- demo data -----------------------------------------------------------------------------------


def test_demo_loads_90_units_5_years_and_says_synthetic(demo, ev):
    assert demo.synthetic
    assert "演示数据为合成数据 (synthetic demo data)" in demo.title
    assert demo.panel.shape == (5, 90, 42)
    assert demo.panel.periods == (2020, 2021, 2022, 2023, 2024)
    assert demo.panel.indicators == demo.framework.indicator_codes
    assert int(np.isnan(demo.panel.values).sum()) == gen.N_MISSING == 14
    assert not np.isnan(ev.scores).any()  # interpolation fills every missing cell


def test_units_are_the_recorded_county_list(demo, test_data):
    # tests/data/zhejiang_counties.csv: the 90 county-level units (provenance in tests/data/PROVENANCE.md)
    counties = pd.read_csv(test_data / "zhejiang_counties.csv", dtype=str)
    attrs = demo.panel.attributes
    assert list(demo.panel.units) == counties["county"].tolist()
    assert attrs["设区市"].tolist() == counties["prefecture"].tolist()
    assert attrs["山区26县"].astype(int).tolist() == counties["mountain26"].astype(int).tolist()
    assert (attrs["设区市"] == "金华市").sum() == 9


def test_industrial_county_is_the_2023_output_threshold(demo):
    output = demo.panel.denominators[demo.panel.period_index(2023), :, 0]
    big = demo.panel.attributes["工业大县"].astype(int).to_numpy()
    np.testing.assert_array_equal(big, (output >= gen.INDUSTRIAL_THRESHOLD).astype(int))
    assert 40 <= big.sum() <= 50  # about half, as the 45 工业大县 of 2025


def test_demo_is_correlated_not_uniform_noise(demo, ev):
    frame = demo.panel.to_frame().pivot_table(index=["unit", "period"], columns="indicator",
                                              values="value")
    corr = frame[["Q02", "D04", "E05", "D01", "D02"]].corr(method="spearman")
    assert corr.loc["Q02", "D04"] > 0.8  # industrial investment follows industry's size
    assert corr.loc["D01", "D02"] > 0.6  # R&D intensity goes with the high-tech share
    # 规上工业增加值 compounds its growth rate: Q02(2024) = Q02(2023) × (1 + Q03(2024)/100).
    yk = frame.loc["永康市"]
    assert yk.loc[2024, "Q02"] == pytest.approx(yk.loc[2023, "Q02"] * (1 + yk.loc[2024, "Q03"] / 100),
                                                rel=2e-3)
    index = ev.ranking(2024, group="山区26县")
    mean = index.groupby(index["山区26县"].astype(int))["TGD"].mean()
    assert mean[1] < mean[0] - 3  # mountain counties weaker on average


def test_yongkang_is_3rd_to_5th_in_jinhua_within_reach_of_2nd(ev):
    table = ev.ranking(2024, group="设区市")
    jinhua = table[table["设区市"] == "金华市"].reset_index(drop=True)
    assert jinhua["rank_in_设区市"].tolist() == list(range(1, 10))
    yk = jinhua.index[jinhua["unit"] == "永康市"].item()
    assert 3 <= jinhua.loc[yk, "rank_in_设区市"] <= 5
    # 保三争二 is a real question: 2nd is a few points away, and the county below is close.
    gap_to_2nd = jinhua.loc[1, "TGD"] - jinhua.loc[yk, "TGD"]
    assert 0 < gap_to_2nd < 3
    assert jinhua.loc[yk, "TGD"] - jinhua.loc[yk + 1, "TGD"] < 2


def test_generator_is_deterministic_and_reproduces_the_bundled_files(demo, tmp_path):
    a_data, a_units = gen.generate()
    b_data, b_units = gen.generate()
    pd.testing.assert_frame_equal(a_data, b_data)
    pd.testing.assert_frame_equal(a_units, b_units)
    data_path, units_path = gen.write(tmp_path)
    assert data_path.read_bytes() == (demo.directory / "data.csv").read_bytes()
    assert units_path.read_bytes() == (demo.directory / "units.csv").read_bytes()
    other, _ = gen.generate(seed=gen.SEED + 1)
    assert not other["Q02"].equals(a_data["Q02"])
    assert (demo.directory / "data.csv").stat().st_size < 1_000_000


def test_generator_command_line_writes_and_says_synthetic(tmp_path, capsys):
    assert gen.main(["--out", str(tmp_path), "--seed", str(gen.SEED)]) == 0
    assert "合成数据" in capsys.readouterr().out
    assert (tmp_path / "data.csv").exists() and (tmp_path / "units.csv").exists()


# -- award ---------------------------------------------------------------------------------------


def test_award_file_shape():
    doc = yaml.safe_load(AWARD_FILE.read_text(encoding="utf-8"))
    assert doc == {"award": {
        "name": "天工鼎",
        "rules": [{"group": "山区26县", "value": 0, "top": 20, "name": "非山区县前20"},
                  {"group": "山区26县", "value": 1, "top": 6, "name": "山区26县前6"}],
        "streak": {"consecutive": 3, "name": "金鼎"},
    }}
    assert "设区市" in AWARD_FILE.read_text(encoding="utf-8")  # the city rule is explained


def test_award_rule_reads_and_matches_the_framework_meta(framework):
    rule = read_award_rule(AWARD_FILE)
    assert rule.name == "天工鼎" and rule.streak.consecutive == 3 and rule.streak.name == "金鼎"
    assert [(r.value, r.top) for r in rule.rules] == [(0, 20), (1, 6)]
    assert read_award_rule(framework.meta["award"]) == rule


def test_award_winners_are_the_top_20_and_top_6_by_hand(ev):
    result = evaluate_award(ev, AWARD_FILE)
    root = ev.node_codes.index("TGD")
    mountain = ev.panel.attributes["山区26县"].astype(int).to_numpy()
    rank = ev.group_ranks("山区26县")[..., root]
    won = ((mountain == 0) & (rank <= 20)) | ((mountain == 1) & (rank <= 6))
    for p, period in enumerate(ev.panel.periods):
        names = set(result.winners.loc[result.winners["period"] == period, "unit"])
        assert names == set(np.asarray(ev.panel.units)[won[p]])
        assert len(names) == 26
    # 金鼎 in the third round: every unit that won in 2020, 2021 and 2022.
    three = won[0] & won[1] & won[2]
    gold = set(result.streak_awards.loc[result.streak_awards["period"] == 2022, "unit"])
    assert gold == set(np.asarray(ev.panel.units)[three]) and len(gold) > 0


def test_synthetic_note_in_the_manifest(demo):
    assert "synthetic" in (demo.directory / "dataset.yaml").read_text(encoding="utf-8").lower()
