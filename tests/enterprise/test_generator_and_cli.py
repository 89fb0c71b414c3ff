"""The synthetic enterprise generator, the bundled 永康 table and the ``zongheng grade`` command."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import zongheng.cli.commands_grade  # noqa: F401  (registers grade until cli/__init__ imports it)
from zongheng.cli import app
from zongheng.enterprise import bundled_table, generate_enterprises, grade_enterprises
from zongheng.enterprise.generator import BUNDLED_SEED, BUNDLED_SIZE, SECTORS

runner = CliRunner()


# -- generator ---------------------------------------------------------------------------------


def test_same_seed_same_table_other_seed_other_table():
    a = generate_enterprises(300, seed=7)
    pd.testing.assert_frame_equal(a, generate_enterprises(300, seed=7))
    assert not a.equals(generate_enterprises(300, seed=8))
    assert generate_enterprises(0, seed=1).shape == (0, 15)


def test_generated_firms_are_plausible():
    t = generate_enterprises(20_000, seed=11)
    above = t["规模"] == "规上"
    assert 0.25 <= above.mean() <= 0.35
    assert t["统一社会信用代码"].is_unique and t["统一社会信用代码"].str.len().eq(18).all()
    assert t["企业名称"].str.startswith("永康市").all() and t["企业名称"].str.endswith("有限公司").all()
    numbers = t.select_dtypes("number")
    assert (numbers >= 0).all().all()
    # 规上 means revenue ≥ 2,000 万元; value added is a share of revenue.
    assert (t.loc[above, "营业收入(万元)"] >= 2000).all() and (t.loc[~above, "营业收入(万元)"] < 2000).all()
    assert (t["工业增加值(万元)"] < t["营业收入(万元)"]).all()
    # Sector shares close to the declared mix.
    shares = t["行业"].value_counts(normalize=True)
    for sector, spec in SECTORS.items():
        assert shares[sector] == pytest.approx(spec[0], abs=0.01)
    # A few flags and tenants, not many.
    for column, share in (("是否豁免", 0.02), ("是否保护", 0.03), ("安全环保违法", 0.015)):
        assert (t[column] == "是").mean() == pytest.approx(share, abs=0.005)
    assert 0 < (t["用地面积(亩)"] == 0).mean() < 0.01
    # Magnitudes near 黄岩's 2022 benchmarks (domain.md §3.3), county-wide for 规上 firms.
    gs = t[above & (t["用地面积(亩)"] > 0)]
    tax_per_mu = gs["税收(万元)"].sum() / gs["用地面积(亩)"].sum()
    assert 10 < tax_per_mu < 40
    assert 5 < gs["工业增加值(万元)"].sum() / gs["年平均职工人数(人)"].sum() < 40
    # The indicators correlate positively (a shared efficiency).
    result = grade_enterprises(t)
    g = result.grades[result.grades["branch"] == "规上"].dropna(subset=["tax_per_mu", "va_per_energy"])
    corr = np.corrcoef(np.log1p(g["tax_per_mu"]), np.log1p(g["labour_productivity"]))[0, 1]
    assert corr > 0.2


def test_bundled_table_is_the_generator_output():
    bundled = pd.read_csv(bundled_table(), encoding="utf-8-sig", dtype={"统一社会信用代码": str})
    fresh = generate_enterprises(BUNDLED_SIZE, BUNDLED_SEED)
    pd.testing.assert_frame_equal(bundled, fresh, check_dtype=False)
    assert bundled_table().stat().st_size < 2_000_000
    readme = (bundled_table().parent / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme and "合成" in readme


# -- CLI -----------------------------------------------------------------------------------------


def test_grade_demo_prints_note_distribution_and_d_list(tmp_path):
    out = tmp_path / "result.xlsx"
    result = runner.invoke(app, ["grade", "--demo", "--limit", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "演示数据为合成数据 (synthetic demo data)" in result.output
    assert "等级分布" in result.output and "D类企业名单" in result.output and "基准值" in result.output
    assert "另有" in result.output
    # Formatted workbook (reports review finding 14/22): 说明 first, a title and description above
    # each table.
    sheets = pd.read_excel(out, sheet_name=None, header=2)
    assert list(sheets) == ["说明", "评价结果", "等级分布", "D类名单", "基准值", "评价办法"]
    grades = sheets["评价结果"]
    assert len(grades) == BUNDLED_SIZE and "亩均税收(万元/亩)" in grades.columns
    dist = sheets["等级分布"].set_index("评价分组")
    assert dist.loc["合计", "企业数"] == BUNDLED_SIZE
    assert len(sheets["D类名单"]) == dist.loc["合计", "D类"]


def test_grade_file_with_rule_by_branch_english_csv(tmp_path):
    rule = tmp_path / "rule.yaml"
    rule.write_text("cap: 1.5\ncuts: {A: 0.25, B: 0.7, C: 0.95}\n", encoding="utf-8")
    table = tmp_path / "firms.csv"
    generate_enterprises(400, seed=5).to_csv(table, index=False, encoding="gbk")
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["grade", str(table), "--rule", str(rule), "--by-branch", "--lang", "en",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "synthetic" not in result.output
    assert "D-class firms (for rectification) · above-scale" in result.output
    assert "below-scale" in result.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert "Tax per mu (万元/亩)" in frame.columns and len(frame) == 400
    # cap 1.5: no item above 1.5 × its weight.
    assert frame["Tax per mu score"].max() <= 1.5 * 100 + 1e-9


def test_grade_json_and_xlsx_by_branch(tmp_path):
    result = runner.invoke(app, ["grade", "--demo", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["synthetic"] is True
    assert [row["branch"] for row in doc["distribution"]] == ["规上", "规下", "all"]
    assert doc["d_list"][0]["weakest_1"] in ("tax_per_mu", "va_per_mu", "va_per_energy", "va_per_emission",
                                            "labour_productivity", "rd_intensity")
    out = tmp_path / "b.xlsx"
    result = runner.invoke(app, ["grade", "--demo", "--by-branch", "-o", str(out)])
    assert result.exit_code == 0
    assert list(pd.read_excel(out, sheet_name=None))[1:3] == ["规上", "规下"]
    result = runner.invoke(app, ["grade", "--demo", "-o", str(tmp_path / "all.json"), "--json"])
    full = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert len(full["grades"]) == BUNDLED_SIZE


def test_grade_user_mistakes_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("企业名称,规模,用地面积,税收\n甲,规上,x,1\n", encoding="utf-8")
    bad_rule = tmp_path / "rule.yaml"
    bad_rule.write_text("scoring: nope\n", encoding="utf-8")
    cases = [
        ["grade"],
        ["grade", "--demo", str(bad)],
        ["grade", str(bad)],
        ["grade", str(tmp_path / "missing.csv")],
        ["grade", "--demo", "--rule", str(bad_rule)],
        ["grade", "--demo", "-o", str(tmp_path / "x.pdf")],
        ["grade", "--demo", "--lang", "fr"],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["grade", "--demo", "--rule", str(bad_rule)])
    assert "scoring" in result.output and "nope" in result.output
