"""The ``path`` and ``whatif`` commands' edges: levers, costs, bounds, margin, plain numbers."""

import json

import pytest
from typer.testing import CliRunner

import zongheng.cli.commands_analyses_c  # noqa: F401  (registers path and whatif)
from zongheng.cli import app

runner = CliRunner()
TIANGONG = ["path", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
            "--target-rank", "2"]

FRAMEWORK = """\
code: IDX
name: 综合指数
groups: [{code: city, name: 城市}]
children:
  - code: A
    name: 经济
    children:
      - {code: A1, name: 产值, unit: 元, direction: +}
      - {code: A2, name: 能耗, unit: 吨, direction: -}
  - code: B
    name: 创新
    children:
      - {code: B1, name: 研发, unit: "%", direction: +}
"""

DATA = """\
unit,year,city,A1,A2,B1
u1,2024,X,12345678,5,1.2
u2,2024,X,20345678,4,2.1
u3,2024,Y,30345678,3,3.3
u4,2024,Y,40345678,2,1.4
u5,2024,,15345678,6,2.5
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "fw.yaml").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "data.csv").write_text(DATA, encoding="utf-8")
    return str(tmp_path / "fw.yaml"), str(tmp_path / "data.csv")


def run_json(args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_exclude_and_only_take_codes_names_and_wildcards():
    doc = run_json([*TIANGONG, "--exclude", "工作评价"])
    assert doc["held"] == [f"W{i:02d}" for i in range(1, 11)] and doc["reachable"]
    assert not any(row["indicator"].startswith("W") for row in doc["changes"])
    # Repeated and comma-separated (also the Chinese comma) alike.
    doc = run_json([*TIANGONG, "--only", "Q*，E*", "--only", "D01"])
    assert {row["indicator"][0] for row in doc["changes"]} <= {"Q", "E"} | {"D"}
    assert all(row["indicator"] == "D01" for row in doc["changes"] if row["indicator"][0] == "D")


def test_cost_bounds_max_change_and_margin():
    free = run_json(TIANGONG)
    doc = run_json([*TIANGONG, "--cost", "W*=3,D01=2", "--bounds", "Q01=:40,E07=:14",
                    "--max-change", "30%", "--margin", "0.1"])
    assert doc["margin"] == 0.1 and doc["reachable"]
    assert doc["achieved_score"] >= doc["needed_score"] > free["needed_score"]
    needed = {row["indicator"]: row["needed"] for row in doc["changes"]}
    assert needed.get("Q01", 0) <= 40 and needed.get("E07", 0) <= 14
    assert all(abs(row["change_pct"]) <= 30 + 1e-9 for row in doc["changes"])
    text = runner.invoke(app, [*TIANGONG, "--margin", "0.1"]).output
    assert "余量: 0.1 分" in text and "在上下限内最好可达: 第 2 名" in text


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--cost", "W01", "--cost 中的 'W01' 应写成 CODE=x"),
    ("--cost", "W01=abc", "--cost 中 W01 的成本 'abc' 不是正数"),
    ("--cost", "W01=-1", "--cost 中 W01 的成本 '-1' 不是正数"),
    ("--bounds", "Q01=5", "--bounds 中的 'Q01=5' 应写成 CODE=lo:hi"),
    ("--bounds", "Q01=a:", "--bounds 中 Q01 的下限 'a' 不是数字"),
    ("--bounds", "Q01=9:1", "--bounds 中 Q01 的下限 9.0 大于上限 1.0"),
    ("--exclude", "ZZ9", "--exclude 中的 'ZZ9' 不是指标或维度"),
    ("--only", "nope*", "--only 中的 'nope*' 不是指标或维度"),
    ("--cost", "nope=2", "--cost 中的 'nope' 不是指标或维度"),
    ("--bounds", "nope=1:2", "--bounds 中的 'nope' 不是指标或维度"),
    ("--margin", "-1", "--margin 必须是不小于 0 的数"),
    ("--margin", "x", "--margin 必须是不小于 0 的数"),
    ("--max-change", "abc", "--max-change 必须是正数或 none"),
])
def test_bad_options_are_named_without_traceback(option, value, said):
    result = runner.invoke(app, [*TIANGONG, option, value])
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output


def test_money_is_never_printed_in_scientific_notation(files, tmp_path):
    fw, data = files
    out = runner.invoke(app, ["path", fw, data, "--unit", "u1", "--target-rank", "3",
                             "--max-change", "none", "--only", "A1"]).output
    assert "e+0" not in out and "12,345,678 → " in out
    scenario = tmp_path / "s.csv"
    scenario.write_text("unit,indicator,value\nu1,A1,99999999\n", encoding="utf-8")
    out = runner.invoke(app, ["whatif", fw, data, "--scenario", str(scenario)]).output
    assert "12,345,678" in out and "99,999,999" in out and "e+0" not in out


def test_whatif_group_with_a_blank_group_cell(files, tmp_path):
    fw, data = files
    scenario = tmp_path / "s.csv"
    scenario.write_text("unit,indicator,value\nu1,A1,30345678\n", encoding="utf-8")
    result = runner.invoke(app, ["whatif", fw, data, "--scenario", str(scenario), "--group",
                                 "city", "--lang", "en"], env={"COLUMNS": "140"})
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "— (—)" in result.output  # u5 has no group
    doc = run_json(["whatif", fw, data, "--scenario", str(scenario), "--group", "city"])
    u5 = next(row for row in doc["table"] if row["unit"] == "u5")
    assert u5["rank_in_group_after"] is None and u5["rank_in_group_change"] is None


@pytest.mark.parametrize(("args", "option"), [
    (["--unit", "不存在"], "--unit"), (["--group", "nope"], "--group"), (["--period", "1999"], "--period")])
def test_unknown_unit_group_or_period_blames_its_option(args, option):
    # Known #15 of the reliability review: these were "方法有 1 处问题 … 键 unit".
    base = ["path", "--dataset", "tiangong_demo", "--target-rank", "2"]
    given = dict(zip(args[::2], args[1::2], strict=True))
    rest = [] if "--unit" in given else ["--unit", "永康市"]
    result = runner.invoke(app, [*base, *rest, *args])
    assert result.exit_code == 2
    assert f"{option}:" in result.output and "方法有" not in result.output
