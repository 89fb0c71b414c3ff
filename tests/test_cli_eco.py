"""The ``attainment`` command: the table with its lights, the summary, JSON, rules and errors."""

import json

import pandas as pd
from typer.testing import CliRunner

import zongheng.cli.commands_eco  # noqa: F401  (registers the command until cli/__init__ imports it)
from zongheng import datasets, frameworks
from zongheng.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "160"}


def invoke(*args):
    return runner.invoke(app, ["attainment", *args], env=WIDE)


def test_dataset_table_with_lights_and_summary():
    result = invoke("--dataset", "eco_yongkang", "--unit", "永康市")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "目标达成与预警 · 永康市 · 2024" in out
    assert "生态环境优质普惠" in out and "PM2.5年均浓度 (µg/m³)" in out
    assert "● 黄" in out and "● 红" in out and "● 绿" in out
    assert "达标 20/30（66.7%）· 约束性指标达标 12/15 · 预警: 绿 17 · 黄 6 · 红 7" in out
    assert "预警规则: 接近目标 5% 以内 · 依据 同比" in out
    assert out.rstrip().endswith("演示数据为合成数据 (synthetic demo data)")


def test_english_and_an_earlier_period():
    result = invoke("--dataset", "eco_yongkang", "--unit", "永康市", "--period", "2023",
                    "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Attainment and warnings · 永康市 · 2023" in result.output
    assert "Annual mean PM2.5 concentration" in result.output and "● red" in result.output
    assert result.output.lower().count("synthetic demo data") == 1  # said once (review #32)


def test_json_output():
    result = invoke("--dataset", "eco_yongkang", "--unit", "永康市", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["unit"], doc["period"], doc["synthetic"]) == ("永康市", 2024, True)
    assert doc["summary"] == {"indicators": 30, "assessed": 30, "attained": 20,
                              "attained_pct": doc["summary"]["attained_pct"], "binding": 15,
                              "binding_attained": 12, "green": 17, "yellow": 6, "red": 7}
    assert abs(doc["summary"]["attained_pct"] - 200 / 3) < 1e-9
    pm = doc["indicators"][0]
    assert (pm["indicator"], pm["value"], pm["target"], pm["attained"], pm["light"]) == (
        "ENV01", 28.9, 28.0, False, "yellow")
    assert doc["rule"]["near"] == 0.05 and doc["labels"]["light"] == "预警"
    assert doc["note"] == "演示数据为合成数据 (synthetic demo data)"


def test_rule_file_changes_the_lights(tmp_path):
    rule = tmp_path / "rule.yaml"
    rule.write_text("near: 10%\n", encoding="utf-8")
    result = invoke("--dataset", "eco_yongkang", "--unit", "永康市", "--rule", str(rule), "--json")
    doc = json.loads(result.output)
    light = {r["indicator"]: r["light"] for r in doc["indicators"]}
    # 农村生活污水 88.1 vs 95 is 7.3 % short and improving: red at 5 %, yellow at 10 %
    assert light["LIV03"] == "yellow" and doc["rule"]["near"] == 0.1


def test_framework_by_name_and_data_file(tmp_path):
    folder = datasets.path("eco_yongkang")
    data = pd.read_csv(folder / "data.csv")
    data[data.unit == "磐安县"].to_csv(tmp_path / "pan.csv", index=False)
    # one unit in the file: --unit may be left out
    result = invoke("eco", str(tmp_path / "pan.csv"))
    assert result.exit_code == 0, result.output
    assert "磐安县 · 2024" in result.output
    assert "合成" not in result.output   # a user's own file is not flagged synthetic
    result = invoke(str(frameworks.path("eco")), str(folder / "data.csv"), "--unit", "义乌市", "--period",
                    "2022")
    assert result.exit_code == 0 and "义乌市 · 2022" in result.output


def test_user_mistakes_exit_2_without_traceback(tmp_path):
    bad_rule = tmp_path / "rule.yaml"
    bad_rule.write_text("near: far\nbasis: weekly\n", encoding="utf-8")
    cases = {
        ("--dataset", "eco_yongkang"): "请用 --unit 指定单位",
        ("--dataset", "eco_yongkang", "--unit", "杭州"): "单位 '杭州' 不在数据中",
        ("--dataset", "eco_yongkang", "--unit", "永康市", "--period", "2019"): "没有时期 '2019'",
        ("--dataset", "eco_yongkang", "--unit", "永康市", "--rule", str(bad_rule)):
            "预警规则参数 basis 应为",
        ("--dataset", "nope"): "未知数据集 'nope'",
        ("eco",): "需要 FRAMEWORK 和 DATA",
        ("eco", "x.csv", "--dataset", "eco_yongkang"): "只能二选一",
        ("eco", str(tmp_path / "missing.csv"), "--unit", "a"): "missing.csv",
    }
    for args, message in cases.items():
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert message in result.output.replace("\n", ""), (args, result.output)
