"""The bad-input table of the reliability review (2026-12), re-run case by case.

The review tried 268 inputs on the command line and classed 103 of them silent wrong, unclear
message, crash, data loss or security. Each of those is a case here, by the review's id, with
its input (``tests/data/reliability/``, see PROVENANCE.md) and what the command must do now:
exit 2 with a message naming the file, sheet, row, column or key and what was expected, or
exit 0 with the right result. Every case runs ``zongheng`` through its entry point
(:func:`zongheng.cli.app.main`, as the installed command does) in a copy of the inputs, so an
output or input file is checked afterwards, and an exception other than the exit is a failure
(the CLI prints no traceback).

The table with the review's and today's behaviour of each case is docs/reliability/cli.md.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
import openpyxl
import pytest

import zongheng
from zongheng.cli.app import main

DATA = Path(__file__).resolve().parents[1] / "data" / "reliability"
DATASETS = Path(zongheng.__file__).parent / "datasets"
M = ("-m", "base/m_mean.yaml")


@dataclass(frozen=True)
class Case:
    """One row of the review's table: the command, the exit status and what must be said."""

    args: tuple[str, ...]
    code: int
    says: tuple[str, ...] = ()
    check: Callable[[Path, str], None] | None = None
    setup: Callable[[Path], None] | None = None
    never: tuple[str, ...] = ()
    marks: tuple = field(default=())


def _run(folder: Path, args: tuple[str, ...], capsys, monkeypatch) -> tuple[int, str]:
    """Run ``zongheng args`` in ``folder``; return the exit status and stdout + stderr."""
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", "200")  # one message, one line: substrings are not wrapped
    args = tuple(a.replace("@ECO/", f"{DATASETS / 'eco_yongkang'}/")
                 .replace("@TG/", f"{DATASETS / 'tiangong_demo'}/") for a in args)
    monkeypatch.setattr(sys, "argv", ["zongheng", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- checks on what a command wrote ------------------------------------------------------------

def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _xlsx_cells(path: Path) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _no_formula(name: str, hostile: str) -> Callable[[Path, str], None]:
    """The workbook holds the hostile text as text, and no formula at all."""
    def check(folder: Path, _out: str) -> None:
        cells = _xlsx_cells(folder / name)
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert any(hostile in str(c.value) for c in cells), f"{hostile!r} not written"
    return check


def _csv_safe(name: str) -> Callable[[Path, str], None]:
    """No CSV cell a spreadsheet would run: = + @ never lead, a leading - only for a number."""
    def check(folder: Path, _out: str) -> None:
        with open(folder / name, encoding="utf-8-sig", newline="") as handle:
            cells = [c for row in csv.reader(handle) for c in row]
        assert any("HYPERLINK" in c for c in cells)
        for cell in cells:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                float(cell)
    return check


def _no_control_characters(name: str, needle: str) -> Callable[[Path, str], None]:
    def check(folder: Path, _out: str) -> None:
        path = folder / name
        texts = ([str(c.value) for c in _xlsx_cells(path)] if path.suffix == ".xlsx"
                 else [_docx_text(path)])
        assert any(needle in t for t in texts)
        assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", t) for t in texts)
    return check


def _nothing_written(*names: str) -> Callable[[Path, str], None]:
    def check(folder: Path, _out: str) -> None:
        assert [n for n in names if (folder / n).exists()] == []
        assert list(folder.rglob(".zongheng-*")) == []  # no temporary left behind
    return check


def _unchanged(name: str) -> Callable[[Path, str], None]:
    original = (DATA / name).read_bytes()

    def check(folder: Path, _out: str) -> None:
        assert (folder / name).read_bytes() == original
    return check


def _ranks(out: str) -> dict[str, int]:
    """Rank of each unit in a printed ranking table (lines ``rank  unit  score …``)."""
    return {m[2]: int(m[1]) for m in re.finditer(r"^\s*(\d+)\s+(\S+)\s+-?\d+\.\d\d", out, re.M)}


def _docx_says(name: str, present: tuple[str, ...], absent: tuple[str, ...] = ()):
    def check(folder: Path, _out: str) -> None:
        text = _docx_text(folder / name)
        for s in present:
            assert s in text, s
        for s in absent:
            assert s not in text, s
    return check


def _k5(folder: Path, out: str) -> None:
    found = json.loads(out[out.index("{"):])
    assert found["current_rank"] == 16 and found["achieved_rank"] == 16
    assert found["best_rank"] < found["current_rank"]  # the best reachable, not the current one


def _progress_ties(folder: Path, out: str) -> None:
    # 80 units improve by +20.00 each (float noise apart): all share the first place.
    firsts = re.findall(r"^\s+1\s+s\d\d\s", out.split("纵向比进步")[0], re.M)
    assert len(firsts) == 80


def _template_rows(name: str, first: list, count: int) -> Callable[[Path, str], None]:
    def check(folder: Path, _out: str) -> None:
        sheet = openpyxl.load_workbook(folder / name)["数据"]
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2) if r[0].value is not None]
        assert rows[0][:len(first)] == first
        assert len(rows) == count
        assert len({r[0] for r in rows}) == count  # each unit once
    return check


def _english_template(folder: Path, _out: str) -> None:
    """An English workbook, filled in, reads back as the data entered."""
    from zongheng.io import read_framework, read_panel

    book = openpyxl.load_workbook(folder / "t.xlsx")
    assert book.sheetnames == ["Instructions", "Data", "Indicators"]
    # The workbook's own words are English; names the framework has only in Chinese stay so.
    said = [str(c.value) for row in book["Instructions"].iter_rows(min_row=2) for c in row]
    said += [str(c.value) for c in book["Indicators"][1]]
    assert not [t for t in said if re.search(r"[\u4e00-\u9fff]", t)]
    sheet = book["Data"]
    assert [c.value for c in sheet[1]][:3] == ["name", "year", "A1 (亿元)"]
    for r, (unit, a1) in enumerate((("u1", 10), ("u2", 30), ("u3", 20)), start=2):
        for c, value in enumerate((unit, 2024, a1, 5, 1), start=1):
            sheet.cell(row=r, column=c, value=value)
    book.save(folder / "t.xlsx")
    panel = read_panel(folder / "t.xlsx", read_framework(folder / "base/fw.yaml"))
    assert list(panel.units) == ["u1", "u2", "u3"]
    values = panel.to_frame().set_index(["unit", "period", "indicator"])["value"]
    assert values[("u2", 2024, "A1")] == 30 and values[("u3", 2024, "A2")] == 5


def _branch_sheets(name: str) -> Callable[[Path, str], None]:
    def check(folder: Path, _out: str) -> None:
        book = openpyxl.load_workbook(folder / name)
        fixed = {"说明", "等级分布", "D类名单", "基准值", "评价办法"}
        branches = [s for s in book.sheetnames if s not in fixed]
        assert len(branches) == 2 and len(set(branches)) == 2
        assert all(len(s) <= 31 and not set(s) & set("/\\:*?[]") for s in branches)
        sizes = [book[s].max_row for s in branches]
        assert sizes[0] != sizes[1]  # 规上 and 规下 each kept, not one written over the other
    return check


def _symlink(folder: Path) -> None:
    (folder / "target.html").write_text("old", encoding="utf-8")
    (folder / "link.html").symlink_to("target.html")


def _link_kept(folder: Path, _out: str) -> None:
    assert (folder / "link.html").is_symlink()
    assert (folder / "target.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def _filled_template(folder: Path) -> None:
    (folder / "填报模板.xlsx").write_bytes(b"filled by an analyst")


def _gbk_rule(folder: Path) -> None:
    text = (DATA / "ent" / "rule_long.yaml").read_text(encoding="utf-8")
    (folder / "rule_gbk.yaml").write_bytes(("# 评价办法（GBK 编码）\n" + text).encode("gbk"))


def _leaf_data(folder: Path) -> None:
    (folder / "leaf.csv").write_text("unit,year,LEAF\nu1,2024,1\nu2,2024,2\n", encoding="utf-8")


def _deep_chain(levels: int) -> Callable[[Path], None]:
    """Write a framework table ``levels`` deep (IDX → N0 → … → LEAF) and data for its leaf."""
    def setup(folder: Path) -> None:
        rows = ["代码,上级,名称,方向,权重", "IDX,,综合,,"]
        rows += [f"N{i},{'IDX' if i == 0 else f'N{i - 1}'},n{i},,1" for i in range(levels)]
        rows.append(f"LEAF,N{levels - 1},leaf,+,1")
        (folder / "deep.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        _leaf_data(folder)
    return setup


def _deep_yaml(folder: Path) -> None:
    """Write a framework nested 10,000 levels deep in YAML flow style (270 KB)."""
    levels = 10_000
    text = ("{code: IDX, children: [" + "".join(f"{{code: N{i}, children: [" for i in range(levels))
            + "{code: LEAF, direction: +}" + "]}" * levels + "]}\n")
    (folder / "deep.yaml").write_text(text, encoding="utf-8")
    _leaf_data(folder)


def _u2_first(folder: Path, out: str) -> None:
    assert _ranks(out) == {"u2": 1, "u1": 2}


def _checks(*checks: Callable[[Path, str], None]) -> Callable[[Path, str], None]:
    def check(folder: Path, out: str) -> None:
        for c in checks:
            c(folder, out)
    return check


HYPERLINK = '=HYPERLINK("http://evil.example/x"'
REPORT_TG = ("report", "--dataset", "tiangong_demo", "--unit", "永康市")
SCREENED = ("base/fw.yaml", "known/data_screen.csv", "-m", "known/m_screen.yaml", "--unit", "u5")
BLANK = ("base/fw.yaml", "known/data_blankgroup.csv", *M, "--unit", "u5", "--group", "city")
TOP = ("'--top'", "greater than or equal to 1")
ON_LINUX = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="/proc is Linux's")

CASES: dict[str, Case] = {
    # -- data files ----------------------------------------------------------------------------
    "F_tabs": Case(("build", "base/fw.yaml", "f/tabs.csv"), 2, ("tabs.csv", "制表符", ".tsv")),
    "F_semi": Case(("build", "base/fw.yaml", "f/semi.csv"), 2, ("semi.csv", "分号分隔")),
    "F_huge": Case(("build", "base/fw.yaml", "f/huge.csv"), 2,
                   ("huge.csv, 第 2 行, 列 D (A1): 1e308 太大", "第 5 行, 列 D (A1): 1e307")),
    "X_formula": Case(("build", "base/fw.yaml", "f/formula.xlsx"), 2,
                      ("formula.xlsx, 数据!D3: 公式 =D2*2 没有计算结果", "数据!D5")),
    "X_formula_imp": Case(("build", "base/fw.yaml", "f/formula.xlsx", *M), 2,
                          ("formula.xlsx, 数据!D3: 公式 =D2*2 没有计算结果",)),
    "X_errcells": Case(("build", "base/fw.yaml", "f/errcells.xlsx"), 2,
                       ("errcells.xlsx, 数据!D2: 单元格是 Excel 错误值 #DIV/0!", "数据!D3")),
    "X_errcells_imp": Case(("build", "base/fw.yaml", "f/errcells.xlsx", *M), 2,
                           ("数据!D2: 单元格是 Excel 错误值 #DIV/0!",)),
    # The hidden, stale first sheet has u1 A1 = 999 (u1 would rank 1st); the visible one 10.
    "X_hidden_first": Case(("build", "base/fw.yaml", "f/hidden_first.xlsx"), 0,
                           check=lambda _f, out: _ranks(out)["u1"] == 4 or pytest.fail(out)),
    "X_bool": Case(("build", "base/fw.yaml", "f/bool.xlsx"), 2,
                   ("bool.xlsx, Sheet!E3: 单元格是逻辑值 TRUE", "Sheet!F5")),
    "X_title_row": Case(("build", "base/fw.yaml", "f/title_row.xlsx"), 2,
                        ("title_row.xlsx, 工作表 数据: 第 1 行不是表头", "表头看来在第 2 行")),
    "XB_cellbomb": Case(("build", "base/fw.yaml", "x/cellbomb.xlsx"), 2,
                        ("cellbomb.xlsx, Sheet!A1048576: 单位代码为空",)),
    "D_periods_mixed": Case(("build", "base/fw.yaml", "f/periods_mixed.csv"), 0, ("时期 2024",),
                            never=("2024年",)),
    "D_periods_mixed_imp": Case(("progress", "base/fw.yaml", "f/periods_mixed.csv", *M), 0,
                                ("2024 较 2023",), never=("2024年 较 2024",)),
    "D_leadzero": Case(("build", "base/fw.yaml", "f/leadzero.csv"), 2,
                       ("leadzero.csv, 第 4 行, 列 A (unit): 单位代码 '1' 与第 2 行的 '001' 只差前导零",)),
    "D_units_dup": Case(("build", "base/fw.yaml", "base/data.csv", "--units", "f/units_dup.csv"), 2,
                        ("units_dup.csv, 第 3 行: 单位 'u1' 在单位信息表中重复（首次出现在第 2 行）",)),
    "D_yearfloat": Case(("build", "base/fw.yaml", "f/yearfloat.csv", "--period", "2023"), 0,
                        check=lambda _f, out: set(_ranks(out)) == {"u1", "u2"} or pytest.fail(out)),
    "AMB_samename": Case(("strengths", "base/fw.yaml", "base/data.csv", *M, "--units",
                          "f/units_samename5.csv", "--unit", "永康"), 2,
                         ("--unit: 名称 '永康' 对应多个单位（代码 u1, u2）",)),
    "K10_bracket": Case(("build", "base/fw.yaml", "known/data_bracket.csv"), 2,
                        ("列 C (产值（元）)", "「元」与指标体系中 A1 的单位「亿元」不一致",
                         "列 D (能耗(千克))")),
    "K16_sheet_csv": Case(("build", "base/fw.yaml", "base/data.csv", "--sheet", "nosuch"), 2,
                          ("data.csv: --sheet nosuch 只用于 Excel 文件",)),
    "W_extreme": Case(("whatif", "base/fw.yaml", "base/data.csv", *M, "--scenario",
                       "known/scen_extreme.yaml"), 2, ("u1/2024/A1=inf", "1e100")),
    # -- frameworks ----------------------------------------------------------------------------
    "FW_dupkeys": Case(("build", "fw/dupkeys.yaml", "base/data.csv"), 2,
                       ("dupkeys.yaml, 第 7 行, 键 children[0].weight", "'direction' 在同一层写了两次")),
    "FW_target_weird": Case(("build", "fw/target_weird.yaml", "base/data.csv"), 2,
                            ("键 children[0].target: 'A1' 的 target 必须是有限的数字",
                             "键 children[1].target", "键 children[2].goalposts")),
    "FW_indpar": Case(("build", "fw/indicator_is_parent.csv", "base/data.csv"), 2,
                      ("data.csv, 列 D (A1): 列 'A1' 是指标体系中的汇总项 A1（下级: A2）",)),
    "FW_deep990": Case(("build", "fw/deep990.csv", "leaf.csv"), 0, setup=_leaf_data, check=_u2_first),
    "FW_deep2000": Case(("build", "fw/deep2000.csv", "leaf.csv"), 0, setup=_leaf_data,
                        check=_u2_first),
    "FW_deep3000": Case(("build", "fw/deep3000.csv", "leaf.csv"), 0, setup=_leaf_data,
                        check=_u2_first),
    "FW_deep_csv": Case(("build", "deep.csv", "leaf.csv"), 0, setup=_deep_chain(10_000),
                        check=_u2_first, marks=(pytest.mark.soak,)),
    "FW_deep_yaml": Case(("build", "deep.yaml", "leaf.csv"), 2,
                         ("deep.yaml, 第 1 行, 列 ", "YAML 嵌套超过 1000 层", "elements:"), setup=_deep_yaml),
    "FW_bomb": Case(("build", "fw/bomb.yaml", "base/data.csv"), 2,
                    ("bomb.yaml: 别名 (*) 展开后会超过 100,000 个节点",)),
    "K1_den_default": Case(("build", "known/fw_den.yaml", "known/data_den.csv"), 0,
                           check=lambda _f, out: _ranks(out)["small"] == 1 or pytest.fail(out)),
    "K2_den_byname": Case(("build", "known/fw_den.yaml", "known/data_den_name.csv"), 0,
                          check=lambda _f, out: _ranks(out)["small"] == 1 or pytest.fail(out)),
    # -- options -------------------------------------------------------------------------------
    "C_top_neg": Case(("build", "base/fw.yaml", "base/data.csv", "--top", "-3"), 2, TOP),
    "C_top_zero": Case(("build", "base/fw.yaml", "base/data.csv", "--top", "0"), 2, TOP),
    "C_rank_top_neg": Case(("rank", "base/fw.yaml", "base/data.csv", *M, "--top", "-5"), 2, TOP),
    "C_prog_top_neg": Case(("progress", "base/fw.yaml", "base/data.csv", *M, "--top", "-2"), 2, TOP),
    "C_grade_limit_neg": Case(("grade", "--demo", "--limit", "-3"), 2,
                              ("'--limit'", "greater than or equal to 1")),
    "C_fw_is_dir": Case(("build", "f", "base/data.csv"), 2, ("FRAMEWORK f: 是文件夹，不是文件",)),
    "C_prog_base_bad": Case(("progress", "base/fw.yaml", "base/data.csv", *M, "--base", "1999"), 2,
                            ("--base: 时期 '1999' 不在数据中（已有: 2023, 2024）",), never=("方法",)),
    "C_prog_by_bad": Case(("progress", "base/fw.yaml", "base/data.csv", *M, "--by", "foo"), 2,
                          ("--by: by 应为 score | rank，实际为 'foo'",), never=("方法",)),
    "C_prog_node_bad": Case(("progress", "base/fw.yaml", "base/data.csv", *M, "--node", "ZZZ"), 2,
                            ("--node: 节点 'ZZZ' 不在指标体系中",), never=("方法",)),
    "C_rank_award_missing": Case(("rank", "base/fw.yaml", "base/data.csv", *M, "--award",
                                  "nope.yaml"), 2, ("--award nope.yaml: 文件不存在",),
                                 never=("方法",)),
    "C_str_badunit": Case(("strengths", "base/fw.yaml", "base/data.csv", *M, "--unit", "不存在市"),
                          2, ("--unit: 单位 '不存在市' 不在数据中",), never=("方法",)),
    "C_gap_vs_bad": Case(("gap", "base/fw.yaml", "base/data.csv", *M, "--unit", "u1", "--vs",
                          "bogus"), 2, ("--vs:", "实际为 'bogus'"), never=("键 unit",)),
    "C_gap_vs_above": Case(("gap", "--dataset", "tiangong_demo", "--unit", "永康市", "--vs", "150"),
                           2, ("--vs: 目标分 150 超出 '永康市' 的总分可达范围 60–100",)),
    "C_gap_vs_neg": Case(("gap", "--dataset", "tiangong_demo", "--unit", "永康市", "--vs", "-5"),
                         2, ("--vs: 目标分 -5 超出",)),
    "K5_path_met": Case(("path", "--dataset", "tiangong_demo", "--unit", "永康市", "--target-rank",
                         "20", "--json"), 0, check=_k5),
    "K9_progress_tie2": Case(("progress", "known/fw1.yaml", "known/data_tie2.csv", "--top", "3"), 0,
                             check=_progress_ties),
    "U_workers_many": Case(("uncertainty", "--dataset", "tiangong_demo", "--workers", "500"), 2,
                           ("--workers:", "实际为 500",)),
    "K16_units_with_dataset": Case(("build", "--dataset", "asem", "--units", "nope.csv"), 2,
                                   ("--units nope.csv: 文件不存在",)),
    "K16_template_html": Case((*REPORT_TG, "-f", "html", "--template", "eco", "-o", "u.html"), 2,
                              ("没有目标值，不能生成生态文明报告", "--template tiangong"),
                              check=_nothing_written("u.html")),
    "EN_badunit": Case(("strengths", "base/fw.yaml", "base/data.csv", *M, "--unit", "nope",
                        "--lang", "en"), 2, ("--unit: the unit 'nope' is not in the data",),
                       never=("method",)),
    # -- screened-out units and blank groups (known #3, #4, #14) -------------------------------
    "K3_report_screened": Case(("report", *SCREENED, "-o", "r.html"), 2,
                               ("--unit: 单位 'u5' 在 2024 被筛选排除",), check=_nothing_written("r.html")),
    "K3_report_screened_docx": Case(("report", *SCREENED, "-f", "docx", "-o", "r.docx"), 2,
                                    ("单位 'u5' 在 2024 被筛选排除",), check=_nothing_written("r.docx")),
    "EN_report_screened": Case(("report", *SCREENED, "--lang", "en", "-o", "r.html"), 2,
                               ("the unit 'u5' is screened out in 2024",),
                               check=_nothing_written("r.html")),
    "K3_report_blankgroup": Case(("report", *BLANK, "-o", "r.html"), 2,
                                 ("--group: 单位 'u5' 在分组列 'city' 中没有取值",),
                                 check=_nothing_written("r.html")),
    "K3_report_blankgroup_docx": Case(("report", *BLANK, "-f", "docx", "-o", "r.docx"), 2,
                                      ("单位 'u5' 在分组列 'city' 中没有取值",),
                                      check=_nothing_written("r.docx")),
    "K3_report_blankgroup_xlsx": Case(("report", *BLANK, "-f", "xlsx", "-o", "r.xlsx"), 2,
                                      ("单位 'u5' 在分组列 'city' 中没有取值",),
                                      check=_nothing_written("r.xlsx")),
    "K4_whatif_blankgroup": Case(("whatif", "base/fw.yaml", "known/data_blankgroup.csv", *M,
                                  "--scenario", "known/scen.csv", "--group", "city"), 0,
                                 check=lambda _f, out: re.search(r"— \(—\)\s+—\s+u5", out)
                                 or pytest.fail(out)),
    "K14_strengths_screened": Case(("strengths", *SCREENED), 2, ("单位 'u5' 在 2024 被筛选排除",)),
    "K14_unc_screened": Case(("uncertainty", *SCREENED, "-n", "20", "--no-progress"), 0,
                             ("u5: 在 2024 的任何抽样中都没有排名",), never=("名义第 — 名",)),
    # -- Word drafts (known #7, #8, #16) ---------------------------------------------------------
    "K7_eco_notargets": Case(("report", "known/eco_notargets.yaml", "@ECO/data.csv", "--units",
                              "@ECO/units.csv", "--unit", "永康市", "-f", "docx", "--template", "eco",
                              "-o", "e.docx"), 0,
                             check=_docx_says("e.docx", ("可评价2项", "另有28项指标因缺少目标值"),
                                              ("各项监督指标均为绿灯",))),
    "K8_tiangong_tied": Case(("report", "base/fw.yaml", "known/data_tiedims.csv", "--unit", "u3",
                              "--group", "city", "-f", "docx", "-o", "t.docx"), 0,
                             check=_docx_says("t.docx", ("2个维度在Y均排第1位",), ("排名最低的是",))),
    "K16_unc_docx": Case((*REPORT_TG, "-f", "docx", "--uncertainty", "200", "-o", "u.docx"), 0,
                         check=_docx_says("u.docx", ("200次测算中", "概率为"))),
    # -- YAML in GBK -----------------------------------------------------------------------------
    "GBK_award": Case(("rank", "base/fw.yaml", "base/data.csv", *M, "--award", "known/award_gbk.yaml"),
                      0, ("获奖名单", "第一")),
    "GBK_warnrule": Case(("attainment", "--dataset", "eco_yongkang", "--unit", "永康市", "--rule",
                          "known/rule_gbk.yaml"), 0, ("目标达成与预警 · 永康市",)),
    "GBK_spec": Case(("uncertainty", "base/fw.yaml", "base/data.csv", *M, "--spec",
                      "known/spec_gbk.yaml", "-n", "20", "--no-progress"), 0, ("×(1 ± 20%)",)),
    "GBK_graderule": Case(("grade", "--demo", "--rule", "rule_gbk.yaml"), 0,
                          ("规模以上工业企业亩均效益综合评价分组甲类企业名单一",), setup=_gbk_rule),
    "W_gbk_yaml": Case(("whatif", "base/fw.yaml", "base/data.csv", *M, "--scenario",
                        "known/scen_gbk.yaml"), 0, ("+150.0%",)),
    # -- hostile names -----------------------------------------------------------------------------
    "ANSI_term": Case(("build", "base/fw.yaml", "f/ansi.csv"), 0, ("PWNED-TITLE",), never=("\x1b",)),
    "XSS_build_xlsx": Case(("build", "xss/fw_xss.yaml", "xss/data_xss.csv", "--group", "city", "-o",
                            "b.xlsx"), 0, check=_no_formula("b.xlsx", HYPERLINK)),
    "XSS_build_csv": Case(("build", "xss/fw_xss.yaml", "xss/data_xss.csv", "--group", "city", "-o",
                           "b.csv"), 0, check=_csv_safe("b.csv")),
    "T_units_bad": Case(("template", "base/fw.yaml", "--units", "xss/units_bad.csv", "-o", "t.xlsx"),
                        0, check=_no_formula("t.xlsx", HYPERLINK)),
    "G_bad_xlsx": Case(("grade", "ent/ent_bad.csv", "-o", "g.xlsx"), 0,
                       check=_no_formula("g.xlsx", "=HYPERLINK(")),
    "G_bad_csv": Case(("grade", "ent/ent_bad.csv", "-o", "g.csv"), 0, check=_csv_safe("g.csv")),
    "CTRL_build_xlsx": Case(("build", "base/fw.yaml", "f/ctrl.csv", "-o", "c.xlsx"), 0,
                            check=_no_control_characters("c.xlsx", "badname")),
    "CTRL_report_docx_self": Case(("report", "base/fw.yaml", "f/ctrl.csv", "--unit", "badname", "-f",
                                   "docx", "-o", "c.docx"), 0,
                                  check=_no_control_characters("c.docx", "badname")),
    "CTRL_template2": Case(("template", "base/fw.yaml", "--units", "f/ctrl_units.csv", "-o",
                            "c.xlsx"), 0, check=_no_control_characters("c.xlsx", "badname")),
    "CTRL_grade_xlsx": Case(("grade", "f/ctrl_ent.csv", "-o", "c.xlsx"), 0,
                            check=_no_control_characters("c.xlsx", "坏企业")),
    "G_sheetchars": Case(("grade", "--demo", "--rule", "ent/rule_sheet.yaml", "--by-branch", "-o",
                          "g.xlsx"), 0, check=_branch_sheets("g.xlsx")),
    "G_longbranch2": Case(("grade", "--demo", "--rule", "ent/rule_long2.yaml", "--by-branch", "-o",
                           "g.xlsx"), 0, check=_branch_sheets("g.xlsx")),
    # -- templates (known #13) -------------------------------------------------------------------
    "K14_template_units_diqu": Case(("template", "tiangong", "--units", "@TG/units.csv", "-o",
                                     "t.xlsx"), 0, check=_template_rows("t.xlsx", ["上城区"], 90)),
    "XSS_template": Case(("template", "base/fw.yaml", "--units", "base/data.csv", "-o", "t.xlsx"), 0,
                         check=_template_rows("t.xlsx", ["u1"], 5)),
    "K14_template_en": Case(("template", "base/fw.yaml", "--lang", "en", "-o", "t.xlsx"), 0,
                            ("Written: t.xlsx",), check=_english_template),
    "EN_template_units": Case(("template", "tiangong", "--units", "@TG/units.csv", "--lang", "en",
                               "-o", "t.xlsx"), 0, ("Written: t.xlsx",)),
    # -- outputs -----------------------------------------------------------------------------------
    "O_proc": Case((*REPORT_TG, "-o", "/proc/zh.html"), 2, ("/proc/zh.html: 文件或其所在文件夹不存在",),
                   never=(".zongheng-", "Traceback"), marks=(ON_LINUX,)),
    "O_parent_file": Case(("build", "base/fw.yaml", "base/data.csv", "-o", "base/data.csv/x.csv"), 2,
                          ("base/data.csv/x.csv: 路径中有一段是文件，不是文件夹",),
                          check=_unchanged("base/data.csv")),
    "O_longname": Case(("build", "base/fw.yaml", "base/data.csv", "-o", "L" * 600 + ".csv"), 2,
                       ("L" * 40, ".csv: 文件名太长"), never=(".zongheng-",)),
    "O_grade_proc": Case(("grade", "--demo", "-o", "/proc/g.xlsx"), 2,
                         ("/proc/g.xlsx: 文件或其所在文件夹不存在",), never=(".zongheng-",),
                         marks=(ON_LINUX,)),
    "O_demo_file": Case(("demo", "-o", "base/data.csv"), 2, ("base/data.csv: 已有同名文件",),
                        check=_unchanged("base/data.csv")),
    "O_proc_en": Case((*REPORT_TG, "-o", "/proc/zh.html", "--lang", "en"), 2,
                      ("/proc/zh.html: No such file or directory",), never=("文件夹", ".zongheng-"),
                      marks=(ON_LINUX,)),
    "O_symlink": Case((*REPORT_TG, "-o", "link.html"), 0, setup=_symlink, check=_link_kept),
    "SAME_build_csv": Case(("build", "same/fw.yaml", "same/data.csv", "-o", "same/data.csv"), 2,
                           ("--output same/data.csv 是输入文件（DATA）",),
                           check=_unchanged("same/data.csv")),
    "SAME_grade": Case(("grade", "same/ent.csv", "-o", "same/ent.csv"), 2,
                       ("--output same/ent.csv 是输入文件（TABLE）",), check=_unchanged("same/ent.csv")),
    "SAME_filled_after": Case(("template", "same/fw.yaml"), 2, ("填报模板.xlsx", "--force"),
                              setup=_filled_template,
                              check=lambda f, _o: (f / "填报模板.xlsx").read_bytes()
                              == b"filled by an analyst" or pytest.fail("template replaced")),
}


@pytest.mark.parametrize("case_id", [pytest.param(k, marks=v.marks) for k, v in CASES.items()])
def test_review_case(case_id, tmp_path, capsys, monkeypatch):
    case = CASES[case_id]
    folder = tmp_path / "cases"
    shutil.copytree(DATA, folder)
    if case.setup:
        case.setup(folder)
    code, out = _run(folder, case.args, capsys, monkeypatch)
    assert code == case.code, out
    assert "Traceback" not in out
    flat = re.sub(r"\s*\n\s*", " ", out)  # a long message may still wrap in a box
    for needle in case.says:
        assert needle in out or needle in flat, f"{needle!r} not in:\n{out}"
    for needle in case.never:
        assert needle not in out, f"{needle!r} in:\n{out}"
    if case.check:
        case.check(folder, out)


# -- writers interrupted mid-write (KILL_*, DF_docx_full, CONC_template) ----------------------
# The review killed the process or filled the disk while a Word draft, a template, a plot or
# the demo's JSON was written, and the old file was lost. A write that fails half-way (here: a
# full disk after some bytes) must leave the old file as it was, no temporary file, and a
# message naming the file; every such writer goes through the atomic writer now.

def _half_then_full(real):
    def save(self_or_obj, target, *args, **kwargs):
        Path(target).write_bytes(b"PK\x03\x04 half a file")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
    return save


INTERRUPTED = {
    "KILL_docx_tiangong": ((*REPORT_TG, "-f", "docx", "-o", "old.docx"), "docx.document.Document.save"),
    "KILL_docx_eco": (("report", "--dataset", "eco_yongkang", "--unit", "永康市", "-f", "docx",
                       "--template", "eco", "-o", "old.docx"), "docx.document.Document.save"),
    "DF_docx_full": (("report", "--dataset", "eco_yongkang", "--unit", "永康市", "-f", "docx",
                      "--template", "eco", "-o", "old.docx"), "docx.document.Document.save"),
    "KILL_template": (("template", "tiangong", "--force", "-o", "old.xlsx"),
                      "openpyxl.workbook.workbook.Workbook.save"),
    "CONC_template": (("template", "eco", "--force", "-o", "old.xlsx"),
                      "openpyxl.workbook.workbook.Workbook.save"),
    "KILL_plot_png": (("uncertainty", "--dataset", "asem", "--sobol", "--samples", "16",
                       "--no-progress", "--plot", "old.png"), "matplotlib.figure.Figure.savefig"),
}


@pytest.mark.parametrize("case_id", list(INTERRUPTED))
def test_interrupted_write_keeps_the_old_file(case_id, tmp_path, capsys, monkeypatch):
    args, target = INTERRUPTED[case_id]
    old = tmp_path / args[-1]
    old.write_bytes(b"the previous report")
    module_name, cls_name, method = target.rsplit(".", 2)
    module = __import__(module_name, fromlist=[cls_name])
    cls = getattr(module, cls_name)
    monkeypatch.setattr(cls, method, _half_then_full(getattr(cls, method)))
    code, out = _run(tmp_path, args, capsys, monkeypatch)
    assert code == 2, out
    assert f"{old.name}: 磁盘已满" in out or f"{old}: 磁盘已满" in out, out
    assert old.read_bytes() == b"the previous report"
    assert list(tmp_path.glob(".zongheng-*")) == []


@pytest.mark.soak
def test_demo_json_interrupted_keeps_the_old_brief(tmp_path, capsys, monkeypatch):
    """KILL_demo_json: the demo's JSON brief is written all at once (the demo takes ~30 s)."""
    import zongheng.io.atomic as atomic

    old = tmp_path / "demo" / "天工鼎_永康市_简报.json"
    old.parent.mkdir()
    old.write_text('{"old": true}', encoding="utf-8")
    real = atomic.atomic_write

    def full_disk_for_json(path, write):
        if Path(path).suffix != ".json":
            return real(path, write)

        def half(tmp):
            Path(tmp).write_text("{", encoding="utf-8")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))
        return real(path, half)

    # write_text_atomic, which the demo's JSON goes through, calls the module's atomic_write.
    monkeypatch.setattr(atomic, "atomic_write", full_disk_for_json)
    code, out = _run(tmp_path, ("demo", "-o", "demo"), capsys, monkeypatch)
    assert code == 2, out
    assert "简报.json: 磁盘已满" in out
    assert old.read_text(encoding="utf-8") == '{"old": true}'
    assert list(old.parent.glob(".zongheng-*")) == []


def test_the_kept_inputs_are_all_used():
    """Every file copied for these cases is named by a case (nothing kept for nothing)."""
    named = " ".join(" ".join(c.args) for c in CASES.values())
    kept = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()}
    unused = sorted(k for k in kept - {"ent/rule_long.yaml"} if k not in named)  # read by a setup
    assert unused == []


# -- the real thing: kill -9 and two writers at once (KILL_template, CONC_template) ----------

def _zongheng(*args: str | Path) -> list[str]:
    return [str(Path(sys.executable).parent / "zongheng"), *map(str, args)]


def _intact(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as book:
            return book.testzip() is None
    except (zipfile.BadZipFile, OSError):
        return False


@pytest.mark.soak
def test_kill_9_during_template_leaves_the_old_or_the_new_workbook(tmp_path, record_property):
    """Eight ``template`` runs killed at 0.2 … 3 s: the workbook is always a whole one."""
    target = tmp_path / "t.xlsx"
    subprocess.run(_zongheng("template", "tiangong", "-o", target), check=True, capture_output=True)
    landed = 0
    for delay in (0.2, 0.6, 1.0, 1.4, 1.8, 2.2, 2.6, 3.0):
        process = subprocess.Popen(_zongheng("template", "eco", "--force", "-o", target),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            landed += 1
            process.send_signal(signal.SIGKILL)
        process.wait()
        assert _intact(target), f"broken workbook after a kill at {delay} s"
    record_property("kills_landed_of_8", landed)  # the figure of docs/reliability/cli.md
    assert landed >= 1  # at least one kill hit a running command (else the test tried nothing)


@pytest.mark.soak
def test_two_template_runs_writing_one_file_leave_a_whole_workbook(tmp_path):
    """Five rounds of two ``template`` commands at once on one file (the review: 3 in 10 broke)."""
    target = tmp_path / "t.xlsx"
    for _ in range(5):
        runs = [subprocess.Popen(_zongheng("template", name, "--force", "-o", target),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for name in ("tiangong", "eco")]
        assert [r.wait() for r in runs] == [0, 0]
        assert _intact(target)
