"""The ``gap`` (找差距) and ``strengths`` (找问题) commands."""

import json
import textwrap

import pytest
from typer.testing import CliRunner

import zongheng.cli.commands_analyses_b  # noqa: F401  (registers gap and strengths)
from zongheng.cli import app

runner = CliRunner(env={"COLUMNS": "160"})  # wide enough that no cell wraps


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def files(tmp_path):
    framework = tmp_path / "fw.yaml"
    framework.write_text(textwrap.dedent("""\
        code: I
        name: 指数
        children:
          - code: D1
            name: 经济
            weight: 3
            children:
              - {code: a, name: 亩均税收, direction: +, unit: 万元/亩, department: 经信局}
              - {code: b, name: 单位能耗, direction: -, weight: 2, department: 发改局}
          - code: D2
            name: 民生
            children:
              - {code: c, name: 居民收入, direction: +, department: 人社局}
        """), encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("unit,year,a,b,c\n"
                    "甲,2023,0,10,0\n乙,2023,6,4,9\n丙,2023,10,0,5\n丁,2023,10,0,5\n"
                    "甲,2024,0,10,0\n乙,2024,5,5,10\n丙,2024,10,0,5\n丁,2024,10,0,5\n",
                    encoding="utf-8")
    return framework, data


def test_gap_json_from_files_parses_back_and_adds_up(files):
    # 2024, normalised over both years: a 50, b 50, c 100 for 乙; 丙 100, 100, 50.
    out = json.loads(invoke("gap", *files, "--unit", "乙", "--json").output)
    assert (out["unit"], out["peer"], out["versus"], out["method"]) == ("乙", "丙", "next",
                                                                        "exact-linear")
    assert out["gap"] == pytest.approx(25.0)
    parts = {r["indicator"]: r["contribution"] for r in out["indicators"]}
    assert parts == pytest.approx({"a": 12.5, "b": 25.0, "c": -12.5})
    assert sum(parts.values()) == pytest.approx(out["gap"], abs=1e-9)
    assert [r["department"] for r in out["indicators"]] == ["发改局", "经信局", "人社局"]
    assert [d["contribution"] for d in out["dimensions"]] == pytest.approx([37.5, -12.5])


def test_gap_versus_a_target_and_a_named_unit(files):
    out = json.loads(invoke("gap", *files, "-u", "乙", "--vs", "90", "--json").output)
    assert out["hypothetical"] is True and out["peer"] is None and out["gap"] == pytest.approx(27.5)
    out = json.loads(invoke("gap", *files, "-u", "乙", "--vs", "甲", "--period", "2023",
                            "--json").output)
    assert out["peer"] == "甲" and out["period"] == 2023 and out["gap"] < 0


def test_gap_tables_in_chinese_and_english(files):
    text = invoke("gap", *files, "--unit", "乙").output
    assert "找差距 · 2024" in text and "按维度小计" in text and "单位能耗" in text
    assert "精确线性分解" in text
    text = invoke("gap", *files, "--unit", "乙", "--lang", "en", "--top", "1").output
    assert "Subtotals by dimension" in text and "2 more indicator(s)" in text


def test_strengths_with_declines_from_files(files):
    out = json.loads(invoke("strengths", *files, "--unit", "乙", "--k", "1", "--json").output)
    assert (out["period"], out["previous_period"], out["k"]) == (2024, 2023, 1)
    rows = [(r["kind"], r["indicator"]) for r in out["rows"]]
    # 2024: 乙 is best on c (1/4); a fell 6 → 5 and b (lower is better) rose 4 → 5, both by
    # 10 normalised points (ties keep the framework's order).
    assert rows == [("strength", "c"), ("declined", "a"), ("declined", "b")]
    assert [r["change"] for r in out["rows"][1:]] == [-1.0, 1.0]
    assert [r["change_normalised"] for r in out["rows"][1:]] == pytest.approx([-10.0, -10.0])
    text = invoke("strengths", *files, "--unit", "乙", "--k", "1").output
    assert "优势" in text and "退步" in text and "退步：较 2023 年变差的指标" in text


def test_dataset_commands():
    out = json.loads(invoke("gap", "--dataset", "asem", "--unit", "CHN", "--vs", "leader",
                            "--group", "EurAsia_group", "--json").output)
    assert out["peer"] == "SGP" and out["group_size"] == 21
    assert sum(r["contribution"] for r in out["indicators"]) == pytest.approx(out["gap"], abs=1e-9)
    out = json.loads(invoke("strengths", "--dataset", "asem", "--unit", "CHN", "--json").output)
    assert out["previous_period"] is None
    assert {r["kind"] for r in out["rows"]} == {"strength", "weakness"}
    assert out["rows"][0]["rank"] == 1 and out["rows"][-1]["rank"] >= 49


def test_user_mistakes_exit_2_with_a_plain_message(files):
    cases = [
        (["gap", "--dataset", "asem"], "--unit"),
        (["gap", "--dataset", "asem", "--unit", "XYZ"], "XYZ"),
        (["gap", "--dataset", "asem", "--unit", "CHE"], "CHE"),
        (["gap", "--dataset", "asem", "--unit", "CHN", "--vs", "nope"], "nope"),
        (["gap", "--dataset", "asem", "--unit", "CHN", "--group", "nope"], "nope"),
        (["strengths", "--dataset", "asem", "--unit", "CHN", "--period", "1999"], "1999"),
        (["strengths", *map(str, files), "--unit", "乙", "--k", "0"], "--k"),
    ]
    for args, needle in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and needle in result.output, args
