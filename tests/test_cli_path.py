"""The ``path`` and ``whatif`` commands: tables in zh/en, JSON, plain errors."""

import json

from typer.testing import CliRunner

import zongheng.cli.commands_analyses_c  # noqa: F401  (registers path and whatif)
from zongheng.cli import app

runner = CliRunner()


def test_path_on_asem_prints_the_changes():
    result = runner.invoke(app, ["path", "--dataset", "asem", "--unit", "MLT", "--target-rank", "5"])
    assert result.exit_code == 0, result.output
    assert "找路径 · Malta (MLT) · 2018" in result.output  # a name that differs from its code
    assert "当前: 第 10 名" in result.output and "调整后（完整重建验证）: 第 5 名" in result.output
    assert "线性规划" in result.output and "IGOs" in result.output and "+20.0%" in result.output


def test_path_unreachable_in_english_with_json():
    args = ["path", "--dataset", "asem", "--unit", "ITA", "--target-rank", "10"]
    text = runner.invoke(app, [*args, "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "Reachable: no (best rank" in text.output and "cannot be reached" in text.output
    result = runner.invoke(app, [*args, "--json"])
    doc = json.loads(result.output)
    assert doc["reachable"] is False and doc["target_rank"] == 10 and doc["current_rank"] == 28
    assert 10 < doc["best_rank"] < 28 and doc["achieved_rank"] == doc["best_rank"]
    assert {"indicator", "now", "needed", "change", "change_pct", "effort_share",
            "department"} <= set(doc["changes"][0])


def test_path_with_group_and_no_cap():
    result = runner.invoke(app, ["path", "--dataset", "asem", "--unit", "Malta", "--target-rank",
                                 "3", "--group", "EurAsia_group", "--max-change", "none", "--json"])
    doc = json.loads(result.output)
    assert doc["group"] == "EurAsia_group" and doc["reachable"] and doc["achieved_rank"] <= 3


def test_whatif_from_a_yaml_scenario(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("changes:\n  - {unit: MLT, indicator: IGOs, change: 20%}\n",
                        encoding="utf-8")
    result = runner.invoke(app, ["whatif", "--dataset", "asem", "--scenario", str(scenario),
                                 "--top", "10"])
    assert result.exit_code == 0, result.output
    assert "情景变化" in result.output and "情景模拟 · 2018 · 完整重建" in result.output
    assert "+20.0" in result.output and "Malta" in result.output
    frozen = runner.invoke(app, ["whatif", "--dataset", "asem", "--scenario", str(scenario),
                                 "--frozen", "--json"])
    doc = json.loads(frozen.output)
    assert doc["refit"] is False
    malta = next(r for r in doc["table"] if r["unit"] == "MLT")
    assert (malta["rank_before"], malta["rank_after"], malta["rank_change"]) == (10, 9, 1)
    english = runner.invoke(app, ["whatif", "--dataset", "asem", "--scenario", str(scenario),
                                  "--lang", "en", "--group", "EurAsia_group", "--top", "10"])
    assert "What-if · 2018 · full rebuild" in english.output and "Rank (±)" in english.output
    assert "9 (+1)" in english.output  # Malta passes Germany, overall and within Europe


def test_user_mistakes_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,indicator,value\nXXX,IGOs,1\n", encoding="utf-8")
    cases = [
        ["path", "--dataset", "asem", "--unit", "Atlantis", "--target-rank", "1"],
        ["path", "--dataset", "asem", "--unit", "MLT", "--target-rank", "0"],
        ["path", "--dataset", "asem", "--unit", "MLT", "--target-rank", "1", "--max-change", "x"],
        ["path", "--dataset", "asem", "--unit", "MLT", "--target-rank", "1", "--period", "1999"],
        ["whatif", "--dataset", "asem", "--scenario", str(tmp_path / "missing.yaml")],
        ["whatif", "--dataset", "asem", "--scenario", str(bad)],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    result = runner.invoke(app, cases[-1])
    assert "bad.csv" in result.output and "第 2 行" in result.output and "'XXX'" in result.output
