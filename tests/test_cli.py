"""The zongheng command: build, demo, and plain errors for user mistakes."""

import subprocess
import sys

import pandas as pd
from typer.testing import CliRunner

from zongheng.cli import app

runner = CliRunner()


def test_build_dataset_prints_the_ranking_and_writes_csv(tmp_path):
    out = tmp_path / "asem.csv"
    result = runner.invoke(app, ["build", "--dataset", "asem", "--top", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "排名" in result.output and "Switzerland" in result.output
    assert "68.38" in result.output
    frame = pd.read_csv(out)  # Chinese headers in Chinese mode (review finding 14)
    assert frame.columns.tolist()[:8] == ["单位代码", "单位名称", "年份", "指标代码", "指标名称",
                                          "层级", "得分", "排名"]
    assert "组内排名（GDP group）" in frame.columns
    index = frame[frame["指标代码"] == "Index"].sort_values("排名")
    assert index["单位代码"].iloc[0] == "CHE" and index["单位代码"].iloc[-1] == "RUS"


def test_build_in_english_with_group_and_period(tmp_path):
    result = runner.invoke(app, ["build", "--dataset", "asem", "--group", "EurAsia_group",
                                 "--period", "2018", "--lang", "en", "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "Ranking · period 2018" in result.output and "Europe" in result.output


def test_build_from_files_with_a_method(tmp_path, asem_files):
    method = tmp_path / "m.yaml"
    method.write_text("denominate: framework\nimpute: {method: group_mean, group: EurAsia_group}\n"
                      "treat: winsorise\n", encoding="utf-8")
    result = runner.invoke(app, ["build", str(asem_files / "iMeta.csv"),
                                 str(asem_files / "iData.csv"), "-m", str(method),
                                 "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "CHE" in result.output and (tmp_path / "r.json").exists()


def test_user_mistakes_exit_2_without_traceback(tmp_path, asem_files):
    bad = tmp_path / "data.csv"
    bad.write_text("uCode,LPI\nAUT,abc\n", encoding="utf-8")
    cases = [
        ["build", str(asem_files / "iMeta.csv"), str(bad)],
        ["build", str(tmp_path / "missing.yaml"), str(bad)],
        ["build", "--dataset", "nope"],
        ["build", "--dataset", "asem", "--period", "1999"],
        ["build", "--dataset", "asem", "--group", "nope"],
        ["build", "--dataset", "asem", "-o", str(tmp_path / "x.pdf")],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    result = runner.invoke(app, cases[0])
    assert "'abc'" in result.output and "data.csv" in result.output


def test_console_script_error_is_plain(tmp_path):
    bad = tmp_path / "fw.yaml"
    bad.write_text("code: I\nchildren:\n  - {code: a, direction: up}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "zongheng.cli", "build", str(bad), str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "children[0]" in proc.stderr and "'up'" in proc.stderr


def test_demo_runs_the_whole_job_and_writes_results(tmp_path):
    result = runner.invoke(app, ["demo", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for expected in ("合成数据", "永康市", "金华市", "保三争二", "找差距", "天工鼎", "达标", "D 类",
                     "排名稳健性"):
        assert expected in result.output, expected
    names = {p.name for p in tmp_path.iterdir()}
    assert {"天工鼎_评价结果.xlsx", "天工鼎_评价结果.csv", "天工鼎_永康市_简报.json",
            "生态文明_永康市_达标情况.csv", "亩均_永康市_企业分级.xlsx",
            "永康市_2024_评价报告.html", "永康市_2024_天工鼎评价分析.docx", "永康市_2024_评价结果.xlsx",
            "永康市_2024_生态文明建设情况报告.docx"} <= names


def test_methods_lists_the_catalogue():
    result = runner.invoke(app, ["methods", "treat"])
    assert result.exit_code == 0, result.output
    assert "winsorise" in result.output and "normalise" not in result.output
    assert runner.invoke(app, ["methods", "nope"]).exit_code == 2


def test_report_writes_each_format(tmp_path):
    for fmt, template in (("html", "tiangong"), ("docx", "tiangong"), ("xlsx", "tiangong")):
        out = tmp_path / f"r.{fmt}"
        result = runner.invoke(app, ["report", "--dataset", "tiangong_demo", "--unit", "永康市",
                                     "--group", "设区市", "--target-rank", "2", "--format", fmt,
                                     "--template", template, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 10_000
    out = tmp_path / "eco.docx"
    result = runner.invoke(app, ["report", "--dataset", "eco_yongkang", "--unit", "永康市",
                                 "--format", "docx", "--template", "eco", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()
    page = tmp_path / "u.html"
    result = runner.invoke(app, ["report", "--dataset", "tiangong_demo", "--unit", "永康市",
                                 "--group", "设区市", "--uncertainty", "2000", "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert 'id="uncertainty-table"' in page.read_text(encoding="utf-8")
    bad = runner.invoke(app, ["report", "--dataset", "tiangong_demo", "--unit", "永康市",
                              "--format", "pdf"])
    assert bad.exit_code == 2 and "html" in bad.output
    wrong = runner.invoke(app, ["report", "--dataset", "tiangong_demo", "--unit", "永康市",
                                "--format", "html", "-o", str(tmp_path / "x.docx")])
    assert wrong.exit_code == 2
