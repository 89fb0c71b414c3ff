"""Console tables at 80 columns (review findings 16, 22, 29): nothing cropped, nothing repeated.

An 80-column terminal is the default of macOS and Windows, of a pipe and of a CI log. Every
line must fit, the key (last) column must keep its header and its cells, long names fold
instead of the table dropping its right edge, and a 名称 column that repeats 单位 is left out.
"""

import re

from rich.cells import cell_len
from typer.testing import CliRunner

from zongheng.cli import app

runner = CliRunner()
NARROW = {"COLUMNS": "80"}


def _run(*args: str, env=NARROW) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _table_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip()]


def _fits(out: str, width: int = 80) -> None:
    # Notes and sentences may run on (the terminal wraps them); table rows never do.
    rows = [line for line in _table_lines(out) if "  " in line.strip()]
    too_wide = [line for line in rows if cell_len(line) > width]
    assert not too_wide, too_wide[:3]


def test_attainment_keeps_its_warning_and_trend_columns_at_80():
    out = _run("attainment", "--dataset", "eco_yongkang", "--unit", "永康市")
    _fits(out)
    header = next(line for line in out.splitlines() if "预警" in line and "趋势" in line)
    assert header.split()[0] == "预警" and header.split()[-1] == "趋势"  # light first, trend last
    pm25 = next(line for line in out.splitlines() if "PM2.5年均浓度" in line)
    # ≤28 target, 28.9 actual: 0.9 short of it, the light yellow, the trend whole ("改善").
    assert "● 黄" in pm25 and "差目标 0.9" in pm25 and pm25.rstrip().endswith("改善")
    # 空气质量优良天数比例 ≥92, 92.6: ahead by 0.6; the sign does not flip with the direction (#29).
    air = next(line for line in out.splitlines() if "空气质量优良天数" in line)
    assert "超目标 0.6" in air
    # A yes/no indicator shows 是/否, not 1/0 (#29): 生态保护红线面积不减少 target 是, value 是.
    red_line = next(line for line in out.splitlines() if "生态保护红线" in line)
    assert re.search(r"是\s+是", red_line) and not re.search(r"\b1\b", red_line)


def test_attainment_in_english_at_80_still_shows_names_and_trend():
    out = _run("attainment", "--dataset", "eco_yongkang", "--unit", "永康市", "--lang", "en")
    _fits(out)
    assert "Annual mean" in out and "improving" in out and "short by 0.9" in out
    assert out.count("Synthetic demo data") == 1  # said once (#32)


def test_rankings_drop_a_name_column_that_repeats_the_unit():
    out = _run("rank", "--dataset", "tiangong_demo", "--group", "设区市", "--top", "5")
    _fits(out)
    header = next(line for line in out.splitlines() if "排名" in line and "单位" in line)
    assert "名称" not in header  # tiangong's unit codes are their names: 永康市 once, not twice
    assert header.split()[-1] == "较上期"
    out = _run("build", "--dataset", "asem", "--top", "3")
    header = next(line for line in out.splitlines() if line.startswith("排名"))
    assert "名称" in header  # ASEM: CHE and Switzerland differ, both are shown


def test_ranking_with_long_dimension_names_keeps_unit_names_whole_at_80():
    out = _run("build", "--dataset", "asem", "--group", "EurAsia_group", "--lang", "en", "--top", "2")
    _fits(out)
    assert "Switzerland" in out and "Netherlands" in out  # not folded to "Switzerlan / d"
    assert "Conn = Connectivity; Sust = Sustainability" in out  # the codes heading the columns


def test_gap_table_folds_names_and_keeps_every_column_at_80():
    out = _run("gap", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
               "--vs", "next", "--top", "5")
    _fits(out)
    header = [line for line in out.splitlines() if "牵头单位" in line]
    assert header and header[0].split()[-1] == "牵头单位"  # the last column is whole
    assert "制造业招大引强" in out  # a name folds at 8 characters a line, not 3 ("制造业 / 招大引")
    assert "按维度小计" in out and "+1.25" in out


def test_gap_shows_an_imputed_value_as_imputed():
    out = _run("gap", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
               "--vs", "next", env={"COLUMNS": "160"})
    # D10 has no 2024 value for 永康市: interpolation filled 79.4, which the table says.
    d10 = next(line for line in out.splitlines() if "数字化改造覆盖率" in line)
    assert "79.4（插补）" in d10 and "73.9" in d10
    assert "标“插补”的数值是缺失后由方法填补的" in out


def test_strengths_fit_80_with_the_department_last():
    out = _run("strengths", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市")
    _fits(out)
    assert next(line for line in out.splitlines() if "牵头单位" in line).split()[-1] == "牵头单位"
    assert "退步：较 2023 年变差的指标" in out


def test_grade_shows_percentiles_as_percent_and_notes_the_cap():
    out = _run("grade", "--demo")
    _fits(out)
    assert "位次百分比" in out and "位次 0." not in out
    first = next(line for line in out.splitlines() if line.lstrip().startswith("523 "))
    assert "95.1%" in first  # rank 523 of 550 graded 规上 firms: 523 / 550 = 95.1 %
    # Benchmark scores are not capped in the 黄岩 rule: the note says so and names the option.
    assert "单项得分未封顶" in out and "cap: 1.5" in out
    assert "亩均税收 (万元/亩)" in out  # the benchmarks carry their units


def test_english_tables_at_80_break_names_between_words():
    for command in (["strengths", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市"],
                    ["gap", "--dataset", "tiangong_demo", "--unit", "永康市", "--group", "设区市",
                     "--top", "10"]):
        out = _run(*command, "--lang", "en")
        _fits(out)
        # Long English names fold at spaces: no "manufacturi / ng", no "transformatio / n".
        assert not re.search(r"manufacturi\s|transformatio\s|departme\s", out), out
        assert next(line for line in out.splitlines() if "dept." in line).split()[-1] == "dept."
    assert "A narrow terminal: the normalised scores are left out" in out  # said when it happens
    wide = _run(*command, "--lang", "en", env={"COLUMNS": "200"})
    assert "Unit" in wide and "norm." in wide and "narrow" not in wide


def test_grade_distribution_keeps_branch_names_whole_in_english_at_80():
    out = _run("grade", "--demo", "--lang", "en", "--limit", "3")
    _fits(out)
    rows = [line for line in out.splitlines() if line.startswith(("above-scale", "below-scale"))]
    # The count stays beside the branch, its share goes under it: 108 of 550 graded = 19.6 %.
    assert rows[0].split()[:6] == ["above-scale", "580", "550", "108", "300", "114"]
    assert "(19.6%)" in out and "Not" in out and "graded" in out
    wide = _run("grade", "--demo", "--lang", "en", "--limit", "3", env={"COLUMNS": "120"})
    assert "108 (19.6%)" in wide  # one line when there is room


def test_a_ranking_with_two_groups_keeps_names_whole_at_80():
    out = _run("rank", "--dataset", "asem", "--group", "EurAsia_group", "--group", "GDP_group",
               "--top", "3", "--lang", "en")
    _fits(out)
    assert "Switzerland" in out and "Netherlands" in out  # not "Switzerl / and"
    out = _run("rank", "--dataset", "tiangong_demo", "--group", "设区市", "--group", "山区26县",
               "--top", "3", "--lang", "en")
    _fits(out)
    assert "prefecture" in out and "A narrow terminal: some columns are left out" in out
    assert re.search(r"^\s+1\s+\+2\s+杭州市\s+1\s+no\s+1\s+桐庐县\s+91\.51\s+\+2\.47$", out, re.M)


def test_progress_on_one_period_is_a_data_problem():
    result = runner.invoke(app, ["progress", "--dataset", "asem"])
    assert result.exit_code == 2
    assert result.output.strip() == "数据只有一个时期（2018），纵向比进步需要至少两期数据"
