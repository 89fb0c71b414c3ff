"""The Excel results workbook: sheets, headers, formats and the brief's numbers."""

import shutil
import struct
import subprocess
import warnings

import openpyxl
import pytest

import zongheng as zh
from zongheng.analysis.attainment import attainment, summary
from zongheng.report.brief import unit_brief
from zongheng.report.xlsx import (
    SHEETS,
    render_png,
    sheet_names,
    text_width,
    write_attainment_xlsx,
    write_results_xlsx,
    write_xlsx,
)

UNIT = "永康市"
FOCUS_FILL = "FFF2CC"


def _load(path):
    # xlsxwriter's Excel 2010 data-bar extension is unknown to openpyxl: it warns and drops it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def ds():
    return zh.datasets.load("tiangong_demo")


@pytest.fixture(scope="module")
def ev(ds):
    return zh.build(ds.framework, ds.panel, ds.method)


@pytest.fixture(scope="module")
def brief(ev):
    return unit_brief(ev, UNIT, group="设区市", target_rank=2)


@pytest.fixture(scope="module")
def book_path(brief, ds, tmp_path_factory):
    # How long this takes is measured in bench/bench_reports.py, not asserted here.
    path = tmp_path_factory.mktemp("xlsx") / "永康市.xlsx"
    write_xlsx(brief, path, source=ds.title, synthetic=ds.synthetic)
    return path


@pytest.fixture(scope="module")
def wb(book_path):
    return _load(book_path)


def _header_row(ws, first: str) -> int:
    """The row whose first cell is ``first`` (a table's header)."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no header row starting with {first!r} in {ws.title}")


def _headers(ws, row: int) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value is not None}


def _rules(ws) -> dict[str, list]:
    out: dict[str, list] = {}
    for cf in ws.conditional_formatting:
        out.setdefault(str(cf.sqref), []).extend(cf.rules)
    return out


def _focus_row(ws, name_col: int, first: int) -> int:
    for r in range(first, ws.max_row + 1):
        if ws.cell(r, name_col).value == UNIT:
            return r
    raise AssertionError(f"{UNIT} not in {ws.title}")


def test_sheets_in_order(wb):
    # 后一名差距 (the lead over the unit below: 保三) added for review finding 5.
    assert wb.sheetnames == ["说明", "排名", "指标值", "标准化值", "进步", "差距", "后一名差距", "路径",
                             "优劣势", "责任分解"]
    assert wb.sheetnames == sheet_names("zh") and len(SHEETS) == 10


def test_every_sheet_says_the_data_are_synthetic(wb, brief, ev, tmp_path):
    for ws in wb.worksheets:
        text = " ".join(str(c.value) for row in ws.iter_rows(max_row=4) for c in row if c.value)
        assert "演示数据为合成数据" in text, ws.title
    plain = _load(write_xlsx(brief, tmp_path / "real.xlsx", synthetic=False))
    assert not any("合成数据" in str(c.value) for ws in plain.worksheets
                   for row in ws.iter_rows(max_row=6) for c in row if c.value)


def test_about_sheet_states_source_and_method(wb, ds):
    cells = {row[0].value: row[1].value for row in wb["说明"].iter_rows(min_row=4, max_col=2)
             if row[0].value}
    assert cells["数据来源"] == ds.title
    assert cells["评价单位"] == UNIT
    assert "金华市（设区市），共 9 个单位" == cells["对比范围"]
    # Review finding 17: the method in words, never YAML keys (was "标准化: efficacy").
    assert "标准化：功效系数法" in cells["计算方法"] and "汇总：加权算术平均" in cells["计算方法"]
    assert "efficacy" not in cells["计算方法"] and "interpolate" not in cells["计算方法"]
    assert "演示数据为合成数据" in cells["数据说明"]  # was English "synthetic" (finding 17)


def test_ranking_sheet(wb, brief, ev):
    ws = wb["排名"]
    header = _header_row(ws, "排名")
    cols = _headers(ws, header)
    for h in ("位次变化", "组内排名（设区市）", "组内位次变化（设区市）", "名称", "设区市",
              "天工鼎综合指数（分）", "质量变革（分）", "工作评价（分）"):
        assert h in cols, h
    n = len(ev.panel.units)
    assert ws.freeze_panes == f"{openpyxl.utils.get_column_letter(cols['名称'] + 1)}{header + 1}"
    last = openpyxl.utils.get_column_letter(max(cols.values()))
    assert ws.auto_filter.ref == f"A{header}:{last}{header + n}"
    # the focus unit's numbers are the brief's, written as numbers and highlighted
    r = _focus_row(ws, cols["名称"], header + 1)
    score = ws.cell(r, cols["天工鼎综合指数（分）"])
    assert score.data_type == "n" and score.value == pytest.approx(brief.score)
    assert score.number_format == "0.00"
    group_rank = ws.cell(r, cols["组内排名（设区市）"])
    assert group_rank.value == brief.rank == 3 and group_rank.number_format == "0"
    assert ws.cell(r, cols["名称"]).fill.fgColor.rgb.endswith(FOCUS_FILL)
    assert ws.cell(r, cols["名称"]).font.b
    change = ws.cell(r + 1, cols["位次变化"])
    assert change.data_type == "n" and "▲" in change.number_format and "▼" in change.number_format
    assert not ws.cell(header + 1, cols["名称"]).fill.fgColor.rgb.endswith(FOCUS_FILL)


def test_ranking_conditional_formats(wb, ev):
    ws = wb["排名"]
    header = _header_row(ws, "排名")
    cols = _headers(ws, header)
    rules = _rules(ws)
    n = len(ev.panel.units)

    def rng(name):
        letter = openpyxl.utils.get_column_letter(cols[name])
        return f"{letter}{header + 1}:{letter}{header + n}"

    for name in ("天工鼎综合指数（分）", "质量变革（分）", "效率变革（分）", "动力变革（分）",
                 "工作评价（分）"):
        (scale,) = rules[rng(name)]
        assert scale.type == "colorScale" and len(scale.colorScale.cfvo) == 3
    lights = [r.formula[0] for r in rules[rng("排名")]]
    assert any(f.endswith("<=3)") for f in lights)
    assert any(f"0.75*{n}" in f for f in lights)          # bottom quarter of 90 units
    group_lights = [r.formula[0] for r in rules[rng("组内排名（设区市）")]]
    assert any("COUNTIF" in f for f in group_lights)      # bottom quarter of the unit's group
    arrows = {(r.type, r.operator) for r in rules[rng("位次变化")]}
    assert arrows == {("cellIs", "greaterThan"), ("cellIs", "lessThan")}
    green, red = rules[rng("位次变化")]
    assert green.dxf.font.color.rgb.endswith("006100") and red.dxf.font.color.rgb.endswith("9C0006")


def test_indicator_values_headers_units_and_formats(wb, ev, brief):
    ws = wb["指标值"]
    header = _header_row(ws, "排名")
    cols = _headers(ws, header)
    assert "规上工业亩均税收（万元/亩）" in cols
    assert "单位工业增加值能耗（吨标准煤/万元）" in cols
    codes = {c.value: c.column for c in ws[header - 1] if c.value}
    assert codes["E06"] == cols["规上工业亩均税收（万元/亩）"]
    band = next(m for m in ws.merged_cells.ranges
                if m.min_row == header - 2 and m.min_col <= codes["E06"] <= m.max_col)
    assert ws.cell(band.min_row, band.min_col).value == "效率变革"   # the dimension band
    assert ws.freeze_panes.endswith(str(header + 1))
    r = _focus_row(ws, cols["名称"], header + 1)
    u = ev.panel.units.index(UNIT)
    p = ev.panel.periods.index(brief.period)
    e06 = ev.framework.indicator_codes.index("E06")
    cell = ws.cell(r, codes["E06"])
    assert cell.data_type == "n" and cell.value == pytest.approx(ev.panel.values[p, u, e06])
    # a count of firms shows without decimals, a tax intensity with two
    assert ws.cell(r, codes["Q08"]).number_format == "#,##0"
    assert cell.number_format == "#,##0.00"
    # colour scales follow the direction: lower energy use is green
    rules = _rules(ws)
    letter = openpyxl.utils.get_column_letter(codes["E04"])
    (energy,) = rules[f"{letter}{header + 1}:{letter}{header + len(ev.panel.units)}"]
    assert energy.colorScale.color[0].rgb.endswith("63BE7B")


def test_normalised_sheet(wb, ev, brief):
    ws = wb["标准化值"]
    header = _header_row(ws, "排名")
    codes = {c.value: c.column for c in ws[header - 1] if c.value}
    r = _focus_row(ws, _headers(ws, header)["名称"], header + 1)
    sel = brief.strengths[brief.strengths["indicator"] == "E04"].iloc[0]
    assert ws.cell(r, codes["E04"]).value == pytest.approx(sel["normalised"])


def test_progress_sheet(wb, brief):
    ws = wb["进步"]
    header = _header_row(ws, "排名")
    bands = [c.value for c in ws[header - 1] if c.value]
    assert bands[:2] == ["天工鼎综合指数", "质量变革"]
    subs = [c.value for c in ws[header]]
    assert {"得分（分）", "较上期（分）", "较2020年（分）", "位次变化", "较2020年位次变化"} <= set(subs)
    r = _focus_row(ws, _headers(ws, header)["名称"], header + 1)
    index_cols = [c.column for c in ws[header - 1] if c.value == "天工鼎综合指数"]
    first = index_cols[0]
    last_row = brief.progress[(brief.progress["period"] == brief.period)
                              & (brief.progress["node"] == "TGD")].iloc[0]
    assert ws.cell(r, first).value == pytest.approx(last_row["score"])
    assert ws.cell(r, first + 1).value == pytest.approx(last_row["score_change"])
    assert ws.cell(r, first + 2).value == pytest.approx(last_row["score_change_base"])
    # the unit's history below the table, one row per period and node
    history = _header_row(ws, "年份")
    filter_last = int(ws.auto_filter.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert history > filter_last and ws.cell(history + 1, 1).value == 2020


def test_gap_sheet(wb, brief):
    ws = wb["差距"]
    g = brief.gap
    header = _header_row(ws, "代码")
    cols = _headers(ws, header)
    assert ws.auto_filter.ref.startswith(f"A{header}:")
    n = len(g.indicators)
    contrib = [ws.cell(r, cols["贡献（分）"]).value for r in range(header + 1, header + 1 + n)]
    assert contrib == pytest.approx(g.indicators["contribution"].tolist())
    assert sum(contrib) == pytest.approx(g.gap)
    assert ws.cell(header + 1, cols["有效权重"]).number_format == "0.0%"
    assert ws.cell(header + 1, cols["占差距比重"]).number_format == "0.0%"
    letter = openpyxl.utils.get_column_letter(cols["贡献（分）"])
    (bars,) = _rules(ws)[f"{letter}{header + 1}:{letter}{header + n}"]
    assert bars.type == "dataBar"
    # summary above: this unit, the peer and the gap
    assert ws["A4"].value == "本单位" and ws["B4"].value == UNIT and ws["C4"].value == pytest.approx(
        g.unit_score)
    # Review finding 11: the gap is the difference of the two scores as shown (2 decimals).
    assert ws["B5"].value == g.peer_name
    assert ws["C6"].value == round(round(g.peer_score, 2) - round(g.unit_score, 2), 2)
    assert ws["C6"].number_format == "0.00"
    # dimension subtotals below, ending with the total
    sub = _header_row(ws, "分维度小计") + 1
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=sub + 1, max_row=sub + 5,
                                                             max_col=6)]
    assert [r[0] for r in rows[:4]] == list(g.dimensions["dimension"])
    assert rows[4][1] == "合计" and rows[4][4] == pytest.approx(g.total)
    assert [r[4] for r in rows[:4]] == pytest.approx(g.dimensions["contribution"].tolist())


def test_path_sheet(wb, brief):
    ws = wb["路径"]
    r = brief.path
    summary = _headers(ws, _header_row(ws, "当前名次"))
    top = _header_row(ws, "当前名次") + 1
    assert ws.cell(top, summary["调整后名次（完整重建验证）"]).value == r.achieved_rank <= 2
    # Review findings 3/4: scores as shown (2 decimals), never achieved < needed with 可达 是.
    assert ws.cell(top, summary["需达到得分（分）"]).value == round(r.needed_score, 2)
    assert ws.cell(top, summary["调整后得分（分）"]).value >= round(r.needed_score, 2)
    header = _header_row(ws, "代码")
    cols = _headers(ws, header)
    n = len(r.changes)
    assert ws.auto_filter.ref.startswith(f"A{header}:")
    needed = [ws.cell(k, cols["需达到"]).value for k in range(header + 1, header + 1 + n)]
    assert needed == pytest.approx(r.changes["needed"].tolist())
    pct = ws.cell(header + 1, cols["变化率"])
    assert pct.value == pytest.approx(r.changes["change_pct"].iloc[0] / 100)
    assert "0.0%" in pct.number_format
    assert [ws.cell(k, cols["牵头单位"]).value for k in range(header + 1, header + 1 + n)] == \
        r.changes["department"].tolist()


def test_strengths_and_duties(wb, brief):
    ws = wb["优劣势"]
    header = _header_row(ws, "类型")
    cols = _headers(ws, header)
    kinds = [ws.cell(k, 1).value for k in range(header + 1, header + 1 + len(brief.strengths))]
    assert set(kinds) == {"优势", "短板", "下降"}
    letter = openpyxl.utils.get_column_letter(cols["组内名次"])
    size = openpyxl.utils.get_column_letter(cols["组内单位数"])
    lights = _rules(ws)[f"{letter}{header + 1}:{letter}{header + len(brief.strengths)}"]
    assert any(f"0.75*${size}{header + 1}" in r.formula[0] for r in lights)
    ws = wb["责任分解"]
    header = _header_row(ws, "牵头单位")
    depts = [ws.cell(k, 1).value for k in range(header + 1, header + 1 + len(brief.duties))]
    assert depts == brief.duties["department"].tolist()
    assert ws.auto_filter.ref.startswith(f"A{header}:")
    issues = {ws.cell(k, 4).value for k in range(header + 1, header + 1 + len(brief.duties))}
    assert issues == {"短板", "下降", "路径提升"}


def test_column_widths_count_cjk_as_two(wb):
    assert text_width("排名") == 4 and text_width("Rank") == 4
    assert text_width("规上工业亩均税收（万元/亩）") == 27
    ws = wb["排名"]
    cols = _headers(ws, _header_row(ws, "排名"))
    width = {h: ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width
             for h, c in cols.items()}
    assert width["排名"] < width["位次变化"] < width["天工鼎综合指数（分）"]
    ws = wb["差距"]
    cols = _headers(ws, _header_row(ws, "代码"))
    letter = openpyxl.utils.get_column_letter(cols["指标"])
    # the longest indicator name (24 CJK characters) fits
    assert ws.column_dimensions[letter].width >= 40


def test_english_workbook(brief, ds, tmp_path):
    wb = _load(write_xlsx(brief, tmp_path / "en.xlsx", lang="en", synthetic=True))
    assert wb.sheetnames == sheet_names("en") == [
        "About", "Ranking", "Indicator values", "Normalised values", "Progress", "Gap",
        "Lead over next", "Path", "Strengths", "Duties"]
    ws = wb["Indicator values"]
    cols = _headers(ws, _header_row(ws, "Rank"))
    e06 = ds.framework.node("E06")
    assert f"{e06.name_en} (万元/亩)" in cols
    assert "Synthetic demo data" in str(ws["A2"].value)


def test_results_workbook_without_a_unit(ev, tmp_path):
    wb = _load(write_results_xlsx(ev, tmp_path / "all.xlsx", group="设区市", period=2023))
    # 历年排名 (every period, filter 年份) added for review finding 14.
    assert wb.sheetnames == sheet_names(unit=False) == ["说明", "排名", "指标值", "标准化值", "进步",
                                                        "历年排名"]
    ws = wb["排名"]
    header = _header_row(ws, "排名")
    assert "组内排名（设区市）" in _headers(ws, header)
    assert "2023" in ws["A1"].value
    assert not any(ws.cell(r, 1).fill.fgColor.rgb.endswith(FOCUS_FILL)
                   for r in range(header + 1, ws.max_row + 1))
    bare = _load(write_results_xlsx(ev, tmp_path / "bare.xlsx"))
    assert "组内排名（设区市）" not in _headers(bare["排名"], _header_row(bare["排名"], "排名"))


def test_leader_has_no_gap_table(ev, tmp_path):
    table = ev.ranking(group="设区市")
    leader = table[table["设区市"] == "金华市"]["unit"].iloc[0]
    wb = _load(write_xlsx(unit_brief(ev, leader, group="设区市"), tmp_path / "leader.xlsx"))
    assert "已排第一" in wb["差距"]["A2"].value
    assert "已达到目标名次" in wb["路径"]["A2"].value


def test_synthetic_and_source_follow_the_dataset_by_default(brief, ds, tmp_path):
    # datasets.load marks the panel; a report made without saying so still says it
    wb = _load(write_xlsx(brief, tmp_path / "default.xlsx"))
    assert "演示数据为合成数据" in str(wb["排名"]["A2"].value)
    cells = {row[0].value: row[1].value for row in wb["说明"].iter_rows(min_row=4, max_col=2)}
    # Review finding 17: the bundled dataset named in Chinese (its title is half English).
    assert cells["数据来源"] == "内置数据集 tiangong_demo（合成演示数据，90 个单位，2020–2024年）"


def test_attainment_workbook_is_wired(tmp_path):
    eco = zh.datasets.load("eco_yongkang")
    table = attainment(eco.framework, eco.panel, unit=UNIT)
    wb = _load(write_attainment_xlsx(table, tmp_path / "eco.xlsx", title=eco.framework.meta["title"],
                                     source=eco.title, synthetic=eco.synthetic))
    assert wb.sheetnames == sheet_names(attainment=True) == ["说明", "达标情况", "达标汇总"]
    ws = wb["达标情况"]
    header = _header_row(ws, "时期")
    cols = _headers(ws, header)
    assert ws.freeze_panes == f"F{header + 1}" and ws.auto_filter.ref.startswith(f"A{header}:")
    assert "演示数据为合成数据" in str(ws["A2"].value)
    # latest period first; the first row is the first indicator of 2024, written as numbers
    last = table[table["period"] == 2024].iloc[0]
    assert ws.cell(header + 1, cols["时期"]).value == 2024
    assert ws.cell(header + 1, cols["代码"]).value == last["indicator"]
    assert ws.cell(header + 1, cols["实际值"]).value == pytest.approx(last["value"])
    assert ws.cell(header + 1, cols["目标值"]).value == pytest.approx(last["target"])
    lights = {ws.cell(r, cols["预警"]).value for r in range(header + 1, header + 1 + len(table))}
    assert lights == {"绿", "黄", "红"}
    letter = openpyxl.utils.get_column_letter(cols["预警"])
    rules = _rules(ws)[f"{letter}{header + 1}:{letter}{header + len(table)}"]
    assert [(r.operator, r.formula[0], r.dxf.fill.bgColor.rgb[-6:]) for r in rules] == [
        ("equal", '"绿"', "C6EFCE"), ("equal", '"黄"', "FFEB9C"), ("equal", '"红"', "FFC7CE")]
    ws = wb["达标汇总"]
    header = _header_row(ws, "单位名称")
    cols = _headers(ws, header)
    want = summary(table).loc[(UNIT, 2024)]
    row = next(r for r in range(header + 1, ws.max_row + 1)
               if ws.cell(r, cols["时期"]).value == 2024)
    assert ws.cell(row, cols["达标率(%)"]).value == pytest.approx(want["attained_pct"])
    assert ws.cell(row, cols["红灯"]).value == want["red"]


def test_bad_lang(brief, tmp_path):
    with pytest.raises(ValueError, match="lang"):
        write_xlsx(brief, tmp_path / "x.xlsx", lang="fr")


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="needs LibreOffice (soffice) and poppler (pdftoppm)")
def test_renders_in_libreoffice(book_path, tmp_path):
    # the 排名 and 差距 sheets, each cropped to what a screen shows first, stacked
    png = render_png(book_path, tmp_path / "sheets.png", sheet=(1, 5), dpi=60, size=(1200, 500),
                     pdf=tmp_path / "book.pdf")
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert 600 < width <= 1200 and height == 2 * 500 + 12
    if shutil.which("pdftotext"):
        def page(k):
            return subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), str(tmp_path / "book.pdf"),
                                   "-"], capture_output=True, text=True, check=True).stdout
        ranking, gap = page(2), page(6)   # one page per sheet, in order
        for word in ("排名", UNIT, "天工鼎综合指数", "合成数据", "组内排名"):
            assert word in ranking
        for word in ("差距", "义乌市", "分维度小计", "合计"):
            assert word in gap
