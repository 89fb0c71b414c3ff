"""User mistakes in command-line options are reported as mistakes of *that option*.

Regression tests for the closing note's known problems #11 (negative or zero ``--top`` /
``--limit`` printed "all but the last N") and #15 (messages blaming the wrong thing: "键 k"
for ``--top``, "方法有 1 处问题" for a missing ``--award`` file), and for two tracebacks found
on the way (``report --group nope``, ``report --period 1999``). Every case exits with status 2,
prints no traceback and names the option the user typed.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from zongheng.cli import app
from zongheng.cli.common import _blame_options, file_problems
from zongheng.errors import MethodError, Problem

runner = CliRunner()


def _error(args: list[str]) -> str:
    """Return the message of a user mistake with the console's line wrapping undone."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    assert "Traceback" not in result.output
    return " ".join(result.output.replace("│", " ").split())


# -- #11: counts must be positive --------------------------------------------------------------


@pytest.mark.parametrize(("args", "option"), [
    (["build", "--dataset", "asem", "--top", "-3"], "--top"),
    (["build", "--dataset", "asem", "--top", "0"], "--top"),
    (["rank", "--dataset", "asem", "--top", "-5"], "--top"),
    (["progress", "--dataset", "tiangong_demo", "--top", "-2"], "--top"),
    (["progress", "--dataset", "tiangong_demo", "--top", "0"], "--top"),
    (["grade", "--demo", "--limit", "-3"], "--limit"),
    (["grade", "--demo", "--limit", "0"], "--limit"),
    (["report", "--dataset", "asem", "--unit", "CHE", "--target-rank", "0"], "--target-rank"),
])
def test_a_count_below_one_is_refused_naming_the_option(args, option):
    output = _error(args)
    assert f"'{option}'" in output and "greater than or equal to 1" in output
    assert "键 k" not in output


def test_top_one_still_shows_one_unit():
    result = runner.invoke(app, ["build", "--dataset", "asem", "--top", "1"])
    assert result.exit_code == 0, result.output
    # ASEM's first two are Switzerland and the Netherlands (the ranks tests/reference/test_asem.py
    # checks against COINr); only the first is shown.
    assert "CHE" in result.output and "NLD" not in result.output


# -- #15: the option, not the method's parameter --------------------------------------------------


@pytest.mark.parametrize(("args", "expected"), [
    (["progress", "--dataset", "tiangong_demo", "--base", "1999"],
     "--base: 时期 '1999' 不在数据中（已有: 2020, 2021, 2022, 2023, 2024）"),
    (["progress", "--dataset", "tiangong_demo", "--by", "foo"], "--by: by 应为 score | rank"),
    (["progress", "--dataset", "tiangong_demo", "--node", "ZZZ"], "--node: 节点 'ZZZ' 不在指标体系中"),
    # 2020 is tiangong_demo's first year: nothing to compare it with.
    (["progress", "--dataset", "tiangong_demo", "--period", "2020"], "--period: 时期 2020 是第一期"),
    (["rank", "--dataset", "asem", "--node", "ZZZ"], "--node: 节点 'ZZZ' 不在指标体系中"),
    (["rank", "--dataset", "asem", "--period", "1999"], "--period: 时期 '1999' 不在数据中（已有: 2018）"),
    (["strengths", "--dataset", "asem", "--unit", "不存在市"], "--unit: 单位 '不存在市' 不在数据中"),
    (["strengths", "--dataset", "asem", "--unit", "CHE", "--period", "1999"],
     "--period: 时期 '1999' 不在数据中"),
    (["report", "--dataset", "asem", "--unit", "nope"], "--unit: 单位 'nope' 不在数据中"),
])
def test_library_problems_are_told_as_problems_of_the_option(args, expected):
    output = _error(args)
    assert output.startswith("命令行选项有 1 处问题: - "), output
    assert expected in output, output
    assert "键" not in output and "方法有" not in output


@pytest.mark.parametrize("command", [
    ["build", "--dataset", "asem"],
    ["rank", "--dataset", "asem"],
    ["strengths", "--dataset", "asem", "--unit", "CHE"],
    ["report", "--dataset", "asem", "--unit", "CHE"],
])
def test_an_unknown_group_column_names_group(command):
    output = _error([*command, "--group", "nope"])
    # report used to end in a KeyError traceback here.
    assert output.startswith("--group 'nope' 不是分组列（已有: GDP_group, GDPpc_group, Pop_group, ")


@pytest.mark.parametrize("command", [
    ["build", "--dataset", "asem"],
    ["report", "--dataset", "asem", "--unit", "CHE"],  # a KeyError traceback before
])
def test_an_unknown_period_names_period(command):
    assert _error([*command, "--period", "1999"]) == "--period '1999' 不在数据中（已有: 2018）"


def test_period_and_group_messages_in_english():
    output = _error(["build", "--dataset", "asem", "--period", "1999", "--lang", "en"])
    assert output == "--period '1999' is not in the data (found: 2018)"
    output = _error(["rank", "--dataset", "asem", "--node", "ZZZ", "--lang", "en"])
    assert output.startswith("The command-line options have 1 problem(s): - --node: the node 'ZZZ'")


def test_a_period_given_the_way_the_data_spell_it_is_used(tmp_path):
    out = tmp_path / "CHE.html"
    result = runner.invoke(app, ["report", "--dataset", "asem", "--unit", "CHE", "--period", "2018",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


# -- files named by options -------------------------------------------------------------------------


def test_a_missing_award_file_is_a_problem_of_award(tmp_path):
    missing = tmp_path / "nope.yaml"
    output = _error(["rank", "--dataset", "tiangong_demo", "--award", str(missing)])
    assert output == f"--award {missing}: 文件不存在"
    assert _error(["rank", "--dataset", "tiangong_demo", "--award", str(tmp_path)]) == \
        f"--award {tmp_path}: 是文件夹，不是文件"


def test_problems_inside_the_award_file_are_titled_by_the_file(tmp_path):
    rule = tmp_path / "award.yaml"
    rule.write_text("award:\n  name: 测试奖\n  rules: [{group: nope, top: 3}]\n", encoding="utf-8")
    output = _error(["rank", "--dataset", "tiangong_demo", "--award", str(rule)])
    assert output.startswith(f"--award {rule} 有 1 处问题: - 键 award.rules[0].group: 分组列 'nope' "
                             "不在单位信息中（已有: 设区市, 山区26县, 工业大县）")
    assert "方法有" not in output
    rule.write_text("award: [\n", encoding="utf-8")  # not YAML
    output = _error(["rank", "--dataset", "tiangong_demo", "--award", str(rule)])
    assert output.startswith(f"--award {rule} 有 1 处问题: - ") and "无法解析 YAML" in output
    assert "方法有" not in output


def test_grade_rule_file_problems_name_rule(tmp_path):
    missing = tmp_path / "rule.yaml"
    assert _error(["grade", "--demo", "--rule", str(missing)]) == f"--rule {missing}: 文件不存在"
    missing.write_text("scoring: [\n", encoding="utf-8")
    output = _error(["grade", "--demo", "--rule", str(missing)])
    assert output.startswith(f"--rule {missing} 有 1 处问题: - ") and "无法解析 YAML" in output
    assert "方法有" not in output


def test_template_units_file_must_exist(tmp_path):
    missing = tmp_path / "units.csv"
    output = _error(["template", "tiangong", "--units", str(missing), "-o", str(tmp_path / "t.xlsx")])
    assert output == f"--units {missing}: 文件不存在"
    assert not (tmp_path / "t.xlsx").exists()


# -- the renderer of option problems ----------------------------------------------------------------


def test_only_given_options_are_blamed_and_mixed_errors_keep_their_title():
    exc = MethodError([Problem("method_unknown_period", {"period": "1999", "found": "2018"}, key="period"),
                       Problem("file_not_found", file="x.yaml")])
    # --period given: its line names it; the other problem is not an option's, so the title stays.
    assert _blame_options(exc, {"period": "--period"}).splitlines() == [
        "方法有 2 处问题:", "  - --period: 时期 '1999' 不在数据中（已有: 2018）", "  - x.yaml: 文件不存在"]
    # --period not given (it defaulted): the library's own wording, unchanged.
    assert _blame_options(exc, {"period": None}) == str(exc)


def test_file_problems_drop_the_file_name_the_title_already_gives():
    exc = MethodError([Problem("fw_bad_yaml", {"detail": "bad"}, file="a.yaml", key="award")])
    assert file_problems(exc, "--award", "dir/a.yaml").splitlines() == [
        "--award dir/a.yaml 有 1 处问题:", "  - 键 award: 无法解析 YAML: bad"]


def test_files_given_to_build_are_checked_first_and_named(tmp_path):
    missing = tmp_path / "nope.yaml"
    # A folder as FRAMEWORK used to be blamed on its suffix: "支持 .csv、.xlsx、.parquet".
    assert _error(["build", str(tmp_path), str(tmp_path)]) == f"FRAMEWORK {tmp_path}: 是文件夹，不是文件"
    # A missing input of a kind examples/ holds also says where the examples are (finding 21).
    assert _error(["build", str(missing), str(tmp_path)]).startswith(
        f"FRAMEWORK {missing}: 文件不存在 示例文件在 examples")
    # --units used to be ignored with --dataset even when the file did not exist.
    assert _error(["build", "--dataset", "asem", "--units", str(tmp_path / "u.csv")]) == \
        f"--units {tmp_path / 'u.csv'}: 文件不存在"
    assert _error(["build", "--dataset", "asem", "-m", str(missing), "--lang", "en"]).startswith(
        f"--method {missing}: the file does not exist examples are in examples")
