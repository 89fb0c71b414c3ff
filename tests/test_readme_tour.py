"""Every command of the README's short tour runs as written (review finding 21).

The tour is read from README.md itself, so a command added to it is tested too. It runs in a
fresh folder holding a copy of ``examples/`` (what a clone has), in process (CliRunner).
"""

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zongheng.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def tour_commands(readme: str) -> list[list[str]]:
    """Return the ``$Z …`` commands of the README's "A short tour" block, as argument lists."""
    section = readme.split("## A short tour", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", block)  # continuation lines
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if not line.startswith("$Z "):
            continue
        words = shlex.split(line[3:], comments=True)
        commands.append(words)
    return commands


def test_the_tour_is_read_whole():
    commands = tour_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    names = [c[0] for c in commands]
    # demo, build ×2, template, 7 analyses, attainment, grade, report ×2, methods
    assert len(commands) == 16
    assert {"demo", "build", "template", "progress", "rank", "strengths", "gap", "path", "whatif",
            "uncertainty", "attainment", "grade", "report", "methods"} == set(names)
    uncertainty = commands[names.index("uncertainty")]
    assert uncertainty[-6:] == ["--unit", "永康市", "--group", "设区市", "--top", "2"]  # a continued line


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tour")
    shutil.copytree(ROOT / "examples", folder / "examples")
    return folder


@pytest.mark.parametrize("command", tour_commands((ROOT / "README.md").read_text(encoding="utf-8")),
                         ids=lambda c: " ".join(c)[:60])
def test_every_tour_command_runs(command, clone, monkeypatch):
    monkeypatch.chdir(clone)
    result = runner.invoke(app, command, env={"COLUMNS": "100"})
    assert result.exit_code == 0, (command, result.output)
    assert "Traceback" not in result.output
    if "-o" in command:  # what it says it writes is there
        assert (clone / command[command.index("-o") + 1]).exists()
    if command[0] == "demo":  # the wall time the user waited, start-up included (#33)
        assert re.search(r"用时 \d+\.\d 秒（含启动）", result.output)
        assert "单项得分未封顶" in result.output  # the 亩均 scores exceed their weights (#22)


def test_a_missing_tour_file_points_to_the_examples(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["build", "指标体系.xlsx", "数据.csv", "-m", "method.yaml"])
    assert result.exit_code == 2
    out = result.output.replace("\n", "")
    assert "FRAMEWORK 指标体系.xlsx: 文件不存在" in out and "示例文件见 examples/指标体系.xlsx" in out
    result = runner.invoke(app, ["whatif", "--dataset", "tiangong_demo", "--scenario", "情景.csv"])
    out = result.output.replace("\n", "")
    assert result.exit_code == 2 and "示例文件见 examples/情景.csv" in out
    assert "情景文件每行一个变化" in out  # what such a file holds
    result = runner.invoke(app, ["build", "mine.xlsx", "data.csv"])
    assert "示例文件在 examples/（指标体系.xlsx、数据.csv、method.yaml、情景.csv）" in \
        result.output.replace("\n", "")
