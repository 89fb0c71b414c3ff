"""What the analyses print (review findings 23, 24, 25, 33) and what the demo installs (19).

- ``--top`` limits every table of ``progress`` (``--all`` lists every unit);
- ``uncertainty --unit --group`` lists the unit's group and its group-rank distribution;
- ``path`` names a unit once, says what the effort is in words, rounds the score to reach up,
  prints no solver figures such as ``2.037e-05`` and no empty 假设 line;
- the demo reports its wall time from the process start; progress bars only on a terminal;
- dask is an optional extra that nothing imports unless a cluster is asked for, and
  ``make demo`` installs no test tools.
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from zongheng.cli import app
from zongheng.cli.common import process_seconds, progress_bar

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _out(*args: str, env=None) -> str:
    result = runner.invoke(app, list(args), env=env or {"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return result.output


def _data_rows(out: str, after: str) -> list[str]:
    """Return the rows of the table whose title contains ``after`` (up to the next blank/note)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    rule = next(i for i in range(start, len(lines)) if lines[i].startswith("─"))
    rows = []
    for line in lines[rule + 1:]:
        if not re.match(r"^\s*\d", line) or re.search(r"more unit|另有", line):  # a row, not a note
            break
        rows.append(line)
    return rows


def test_progress_top_limits_both_tables():
    out = _out("progress", "--dataset", "tiangong_demo", "--top", "3")
    assert len(_data_rows(out, "进步最大")) == 3
    assert len(_data_rows(out, "纵向比进步")) == 3  # it used to list all 90 units after the top 3
    assert "另有 87 个单位未列出（用 --top 调整，或 --all 列出全部）" in out
    out = _out("progress", "--dataset", "tiangong_demo", "--top", "3", "--all")
    assert len(_data_rows(out, "纵向比进步")) == 90


def test_uncertainty_with_a_group_lists_the_group_and_its_rank_distribution():
    args = ("uncertainty", "--dataset", "tiangong_demo", "--samples", "400", "--vary",
            "weights,normalise,aggregate", "--unit", "永康市", "--group", "设区市", "--top", "2")
    out = _out(*args)
    rows = _data_rows(out, "名义")
    # The 9 counties of 金华, in their nominal group order, not the 90 of the province.
    assert [row.split()[1] for row in rows] == ["婺城区", "义乌市", "永康市", "浦江县", "东阳市",
                                                "磐安县", "金东区", "武义县", "兰溪市"]
    assert "只列出 设区市=金华市 组内的 9 个单位" in out
    # The distribution is of the rank within 金华 (3rd now), not of the province (16th).
    assert "组内排名" in out
    doc = json.loads(_out(*args, "--json"))
    ranks = [d["rank"] for d in doc["unit"]["distribution"]]
    assert min(ranks) >= 1 and max(ranks) <= 9
    printed = [int(line.split()[0]) for line in _data_rows(out, "组内排名")]
    assert printed == ranks


def test_path_console_wording():
    out = _out("path", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
               "--target-rank", "2", env={"COLUMNS": "200"})
    assert out.splitlines()[0] == "找路径 · 永康市 · 2024"  # not "永康市 永康市"
    assert "调整幅度: 各指标相对调整幅度合计 20.3%（每项为调整量占现值的比例）" in out
    assert not re.search(r"\de-\d", out)  # no solver figures in scientific notation
    assumption = next(line for line in out.splitlines() if line.startswith("假设"))
    assert len(assumption) > 20  # the assumption is said, not an empty line
    needed = float(re.search(r"需达到的得分: ([\d.]+)", out).group(1))
    achieved = float(re.search(r"调整后（完整重建验证）: 第 2 名，得分 ([\d.]+)", out).group(1))
    # The score to reach is rounded up (87.1843 → 87.19): the printed figure is enough.
    assert needed == 87.19 and achieved >= needed
    # E02 is lower-is-better: 81.98875 is needed, shown 81.98 (81.99 would not be enough).
    e02 = next(line for line in out.splitlines() if line.startswith("E02"))
    assert "82.17 → 81.98" in e02
    # Assessed scores (工作评价) are marked, with how to leave them out.
    assert "W05†" in out and "--exclude W" in out


def test_progress_bar_only_on_a_terminal(capsys):
    with progress_bar("抽样", 10) as tick:  # pytest's stderr is no terminal: nothing shown
        tick(10)
    assert capsys.readouterr().err == ""
    with progress_bar("抽样", 10, show=True) as tick:
        tick(5)
    assert "抽样" in capsys.readouterr().err


def test_process_seconds_counts_from_the_process_start():
    code = ("import time; time.sleep(0.5); from zongheng.cli.common import process_seconds; "
            "print(process_seconds())")
    seconds = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                   check=True).stdout)
    assert seconds >= 0.5  # the sleep before the import is counted
    assert process_seconds() > 0


def test_dask_is_an_optional_extra_and_the_demo_installs_no_dev_tools():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(dep.startswith("dask") for dep in project["dependencies"])
    assert any(dep.startswith("dask[distributed]") for dep in project["optional-dependencies"]["cluster"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_recipe = makefile.split("$(VENV)/.demo:", 1)[1].split("\n\n", 1)[0]
    assert "--extra" not in demo_recipe and "sync" in demo_recipe
    assert re.search(r"^demo: \$\(VENV\)/\.demo$", makefile, re.M)


def test_commands_run_without_dask():
    # dask and distributed made unimportable: every command but a cluster run still works.
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None\n"
        "from typer.testing import CliRunner\n"
        "from zongheng.cli import app\n"
        "r = CliRunner()\n"
        "ok = [r.invoke(app, a).exit_code for a in (\n"
        "    ['build', '--dataset', 'asem', '--top', '1'],\n"
        "    ['uncertainty', '--dataset', 'asem', '--samples', '50'])]\n"
        "bad = r.invoke(app, ['uncertainty', '--dataset', 'asem', '--samples', '50', '--workers', '2'])\n"
        "print(ok, bad.exit_code, 'zongheng[cluster]' in bad.output)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.stdout.split() == ["[0,", "0]", "2", "True"], proc.stdout + proc.stderr


def test_whatif_top_still_shows_the_units_the_scenario_changed():
    out = _out("whatif", "--dataset", "tiangong_demo", "--scenario", str(ROOT / "examples" / "情景.csv"),
               "--group", "设区市", "--top", "3", "--lang", "en")
    rows = _data_rows(out, "What-if")
    assert len(rows) == 4 and "永康市" in rows[-1]  # the first 3, then the changed unit
    # +10 % on Q01 and +20 % on D01 lift 永康市 from 16th to 15th (3rd in 金华 still).
    assert rows[-1].split()[:4] == ["15", "(+1)", "3", "(0)"]
    assert "prefecture city" in out  # the group column's English name, not 设区市
    assert "86 more unit(s) not listed" in out
