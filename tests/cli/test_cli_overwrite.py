"""No command destroys the user's own data (issue 11 item 11; reliability review §2).

``build data.csv -o data.csv`` and ``grade t.csv -o t.csv`` would replace the input with the
results; a second ``template`` run would replace a filled workbook with an empty one. Each is
refused with exit status 2 and the file is left as it was; ``template --force`` replaces it.
"""

import shutil
from pathlib import Path

from typer.testing import CliRunner

from zongheng.cli import app
from zongheng.enterprise import bundled_table

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _refused(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output.replace("\n", "")


def test_build_refuses_to_write_over_its_data(tmp_path, monkeypatch):
    for name in ("指标体系.xlsx", "数据.csv", "method.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "数据.csv"
    before = data.read_bytes()
    out = _refused(["build", "指标体系.xlsx", "数据.csv", "-o", "数据.csv"])
    assert "--output 数据.csv 是输入文件（DATA），写入会覆盖你的数据" in out
    # The same file under another spelling of its path is the same file.
    out = _refused(["build", "指标体系.xlsx", "数据.csv", "-o", str(data)])
    assert "是输入文件（DATA）" in out
    out = _refused(["build", "指标体系.xlsx", "数据.csv", "-o", "./指标体系.xlsx"])
    assert "是输入文件（FRAMEWORK）" in out
    assert data.read_bytes() == before
    out = _refused(["build", "指标体系.xlsx", "数据.csv", "-m", "method.yaml", "-o", "method.yaml"])
    assert "是输入文件（--method）" in out
    # Another name is fine.
    result = runner.invoke(app, ["build", "指标体系.xlsx", "数据.csv", "-m", "method.yaml", "-o", "结果.csv"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "结果.csv").exists()


def test_grade_refuses_to_write_over_its_table(tmp_path):
    table = tmp_path / "企业.csv"
    shutil.copy(bundled_table(), table)
    before = table.read_bytes()
    out = _refused(["grade", str(table), "-o", str(table), "--lang", "en"])
    assert f"--output {table} is the input file (TABLE)" in out
    assert table.read_bytes() == before


def test_template_is_not_written_over_a_filled_one_without_force(tmp_path):
    target = tmp_path / "填报模板.xlsx"
    first = runner.invoke(app, ["template", "tiangong", "-o", str(target)])
    assert first.exit_code == 0, first.output
    target.write_bytes(b"filled in by the county office")  # stands for the analyst's entries
    out = _refused(["template", "tiangong", "-o", str(target)])
    assert "已存在（可能已填好数据）：加 --force 覆盖" in out
    assert target.read_bytes() == b"filled in by the county office"
    forced = runner.invoke(app, ["template", "tiangong", "-o", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes()[:2] == b"PK"  # a new workbook (a zip file)
