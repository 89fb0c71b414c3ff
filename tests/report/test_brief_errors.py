"""A report on a unit the evaluation cannot rank is a plain error in every format (reliability #3)."""

import pytest
from typer.testing import CliRunner

from zongheng.cli import app

runner = CliRunner()


@pytest.fixture
def files(tmp_path):
    # u5 has no values at all (screened out by availability 0.9); u4's group cell is blank.
    data = tmp_path / "d.csv"
    data.write_text("unit,year,city,a,b\nu1,2023,X,10,5\nu2,2023,X,20,4\nu3,2023,Y,30,3\n"
                    "u4,2023, ,40,2\nu5,2023,X,,\n", encoding="utf-8")
    fw = tmp_path / "fw.yaml"
    fw.write_text("code: I\nchildren:\n  - {code: a, direction: +}\n  - {code: b, direction: +}\n",
                  encoding="utf-8")
    method = tmp_path / "m.yaml"
    method.write_text("screen: {method: availability, min_share: 0.9}\n", encoding="utf-8")
    return tmp_path, [str(fw), str(data), "-m", str(method)]


@pytest.mark.parametrize("suffix", [".html", ".docx", ".xlsx"])
def test_report_on_a_screened_out_unit_says_so(files, suffix):
    folder, args = files
    out = folder / f"r{suffix}"
    result = runner.invoke(app, ["report", *args, "--unit", "u5", "-o", str(out), "--format", suffix[1:]])
    assert result.exit_code == 2, result.output
    assert "--unit" in result.output and "被筛选排除" in result.output
    assert "Traceback" not in result.output and not out.exists()


@pytest.mark.parametrize("suffix", [".html", ".docx", ".xlsx"])
def test_report_on_a_unit_without_group_label_says_so(files, suffix):
    folder, args = files
    out = folder / f"r{suffix}"
    result = runner.invoke(app, ["report", *args, "--unit", "u4", "--group", "city", "-o", str(out),
                                 "--format", suffix[1:], "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert "--group" in result.output and "no label in the group column 'city'" in result.output
    assert "Traceback" not in result.output and not out.exists()
