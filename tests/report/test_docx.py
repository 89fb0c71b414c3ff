"""Word drafts: structure (python-docx) and rendering as a reader sees it (LibreOffice → PDF)."""

import shutil
import subprocess
import warnings

import numpy as np
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

import zongheng as zh
from zongheng import display
from zongheng.analysis.attainment import attainment, summary
from zongheng.panel import Panel
from zongheng.report import charts
from zongheng.report.brief import unit_brief
from zongheng.report.docx import docx_to_pdf, pdf_page_png, write_eco_docx, write_tiangong_docx
from zongheng.report.docx_style import STYLE, is_synthetic, typeset

TIANGONG_HEADINGS = ["一、总体情况", "二、指标分析", "三、差距分析", "四、路径建议", "五、责任分解",
                     "六、说明"]
ECO_HEADINGS = ["一、总体情况", "二、主要指标完成情况", "三、主要工作和成效", "四、存在问题", "五、下步工作"]
ECO_COLUMNS = ["序号", "指标（单位）", "属性", "目标值", "实际值", "完成情况", "同比", "五年趋势", "预警"]
PATH_COLUMNS = ["指标", "单位", "本年值", "需达到", "变化", "变化率（%）", "牵头单位"]


@pytest.fixture(scope="module")
def ev():
    ds = zh.datasets.load("tiangong_demo")
    return zh.build(ds.framework, ds.panel, ds.method)


@pytest.fixture(scope="module")
def brief(ev):
    return unit_brief(ev, "永康市", group="设区市", target_rank=2)


@pytest.fixture(scope="module")
def eco():
    return zh.datasets.load("eco_yongkang")


@pytest.fixture(scope="module")
def drafts(tmp_path_factory, brief, eco):
    out = tmp_path_factory.mktemp("docx")
    return {
        "tiangong": write_tiangong_docx(brief, out / "天工鼎_永康市.docx"),
        "eco": write_eco_docx(eco.framework, eco.panel, "永康市", out / "生态文明_永康市.docx"),
    }


def _styled(doc, style):
    return [p.text for p in doc.paragraphs if p.style.name == style]


def _header(table):
    return [c.text for c in table.rows[0].cells]


def _text(doc):
    return "\n".join(p.text for p in doc.paragraphs)


def _east_asia(doc, style):
    fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None
    return fonts.get(qn("w:eastAsia"))


# -- 天工鼎 ----------------------------------------------------------------------------------


def test_tiangong_sections_title_and_synthetic_note(drafts, brief):
    doc = Document(drafts["tiangong"])
    assert _styled(doc, STYLE["h1"]) == TIANGONG_HEADINGS
    assert "（一）分项得分" in _styled(doc, STYLE["h2"])
    assert "（二）差距最大的指标" in _styled(doc, STYLE["h2"])
    title = _styled(doc, STYLE["title"])
    # a 梯形 title broken by meaning (GB/T 9704), never "…评价分析报" / "告"
    assert title == ["永康市2024年浙江制造天工鼎\n评价分析报告"]
    # the synthetic-data note stands on the first page, before the first section
    first = next(i for i, p in enumerate(doc.paragraphs) if p.text == TIANGONG_HEADINGS[0])
    assert any("本报告使用合成演示数据" in p.text for p in doc.paragraphs[:first])


def test_tiangong_states_the_brief_facts(drafts, brief):
    text = _text(Document(drafts["tiangong"]))
    score = f"{brief.score:.2f}"                 # one precision for scores: 2 decimals
    assert score == "85.94"
    assert (f"2024年，永康市天工鼎综合指数得分{score}分，在金华市{len(brief.peers)}个县（市、区）中"
            f"排第{brief.rank}位") in text
    assert "得分比上年提高0.94分" in text          # 85.00 → 85.94, from the shown scores
    assert "已连续3年入选" in text and "获评“金鼎”" in text
    gap = brief.gap
    # the gap is the difference of the shown scores: 87.19 − 85.94 = 1.25
    assert f"上一名{gap.peer_name}得分{gap.peer_score:.2f}分，永康市落后1.25分" in text
    assert f"{gap.peer_score:.2f}" == "87.19"
    assert "综合得分需达到87.19分（比现在提高1.25分）" in text
    assert f"排第{brief.path.achieved_rank}位" in text
    # the assumption of the path in plain words: frozen parameters, verified by rebuilding
    assert "固定不变" in text and "完整重新计算" in text


def test_tiangong_tables_have_repeated_headers_and_expected_columns(drafts, brief):
    doc = Document(drafts["tiangong"])
    tables = doc.tables
    assert len(tables) == 10
    for t in tables:
        tr_pr = t.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
    headers = [_header(t) for t in tables]
    assert ["维度", "得分（分）", "较上年（分）", "金华市排名", "金华市中位数（分）"] in headers
    path_table = tables[headers.index(PATH_COLUMNS)]
    changes = brief.path.changes
    assert len(path_table.rows) == 1 + len(changes)
    for row, (_, c) in zip(path_table.rows[1:], changes.iterrows(), strict=True):
        cells = [cell.text for cell in row.cells]
        assert cells[0] == c["name"] and cells[6] == c["department"]
        needed = float(cells[3])
        # the needed value is rounded so that it still suffices
        assert (needed >= c["needed"] - 1e-9) if c["direction"] == "+" else (needed <= c["needed"] + 1e-9)
    duties = tables[headers.index(["牵头单位", "指标", "单位", "问题", "实际值", "需达到（路径）"])]
    shown = {row.cells[0].text for row in duties.rows[1:]}
    assert shown == set(brief.duties["department"])
    shown_names = {row.cells[1].text for row in duties.rows[1:]}
    assert shown_names == {typeset(n) for n in brief.duties["name"]}   # “415X”, not "415X"
    gap_header = ["维度", "永康市（分）", "义乌市（分）", "对差距贡献（分）", "占差距（%）"]
    gap_dims = tables[headers.index(gap_header)]
    assert [r.cells[0].text for r in gap_dims.rows[1:]] == ["质量变革", "效率变革", "动力变革", "工作评价",
                                                           "天工鼎综合指数"]


def test_tiangong_images_and_placeholders(drafts):
    doc = Document(drafts["tiangong"])
    assert len(doc.inline_shapes) == 2            # dimension bars and the gap waterfall
    for shape in doc.inline_shapes:
        assert shape.width > Cm(10)
    placeholders = _styled(doc, STYLE["placeholder"])
    assert len(placeholders) == 2
    assert all(p.startswith("【待填写：") and p.endswith("】") for p in placeholders)
    assert any("下一步工作举措" in p for p in placeholders)
    captions = _styled(doc, STYLE["caption"])
    assert any(c.startswith("图1") for c in captions) and any(c.startswith("图2") for c in captions)


def test_official_styles_and_page(drafts):
    doc = Document(drafts["tiangong"])
    assert _east_asia(doc, STYLE["body"]) == "仿宋_GB2312"
    assert _east_asia(doc, STYLE["h1"]) == "黑体"
    assert _east_asia(doc, STYLE["h2"]) == "楷体_GB2312"
    assert _east_asia(doc, STYLE["title"]) == "方正小标宋简体"
    lang = doc.styles[STYLE["body"]].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    section = doc.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01) and abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert doc.styles[STYLE["body"]].font.size.pt == 16          # 三号
    assert doc.styles[STYLE["title"]].font.size.pt == 22         # 二号
    # the footer holds a PAGE field (— 1 —)
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml


def test_tiangong_for_the_group_leader_has_no_gap_or_path(ev, tmp_path):
    leader = ev.ranking(group="设区市")
    top = leader[leader["设区市"] == "金华市"]["unit"].iloc[0]
    b = unit_brief(ev, top, group="设区市")
    doc = Document(write_tiangong_docx(b, tmp_path / "leader.docx"))
    assert _styled(doc, STYLE["h1"]) == TIANGONG_HEADINGS
    text = _text(doc)
    assert f"{top}在金华市排第1位，没有排名更前的对标单位" in text
    assert "不需测算提升路径" in text
    assert len(doc.inline_shapes) == 1            # no waterfall without a peer


def test_tiangong_in_english(brief, tmp_path):
    doc = Document(write_tiangong_docx(brief, tmp_path / "en.docx", lang="en"))
    assert _styled(doc, STYLE["h1"]) == ["1. Overview", "2. Indicators",
                                         "3. Gaps to the units above and below",
                                         "4. Path to the target rank", "5. Duties by lead department",
                                         "6. Notes"]
    text = _text(doc)
    assert f"scored {brief.score:.2f}" in text and "synthetic demo data" in text
    assert "[TO BE WRITTEN:" in text and "【" not in text


def test_synthetic_note_follows_the_data(brief, tmp_path):
    doc = Document(write_tiangong_docx(brief, tmp_path / "real.docx", synthetic=False))
    assert "合成演示数据" not in _text(doc)
    panel = brief.evaluation.panel
    assert is_synthetic(panel)
    # values derived from synthetic data (a what-if) stay synthetic; other data are not
    assert is_synthetic(panel.with_values(panel.values + 1.0))
    other = Panel(panel.values + 1.0, panel.units, panel.periods, panel.indicators, panel.attributes)
    assert not is_synthetic(other)


# -- 生态文明建设情况报告 ---------------------------------------------------------------------


def test_eco_sections_and_summary_sentence(drafts, eco):
    doc = Document(drafts["eco"])
    assert _styled(doc, STYLE["h1"]) == ECO_HEADINGS
    # the title breaks by meaning: 关于永康市2024年度 / 生态文明建设情况的报告
    assert _styled(doc, STYLE["title"]) == ["关于永康市2024年度\n生态文明建设情况的报告"]
    text = _text(doc)
    assert "本报告使用合成演示数据" in text
    table = attainment(eco.framework, eco.panel, unit="永康市", period=2024)
    s = summary(table).iloc[0]
    n = {k: int(v) for k, v in s.items() if k != "attained_pct"}
    assert (f"共{n['indicators']}项，其中可评价{n['assessed']}项，达标{n['attained']}项，"
            f"达标率{s['attained_pct']:.1f}%；约束性指标{n['binding']}项，"
            f"达标{n['binding_attained']}项") in text
    assert f"绿灯{n['green']}项、黄灯{n['yellow']}项、红灯{n['red']}项" in text


def test_eco_indicator_table_matches_attainment(drafts, eco):
    doc = Document(drafts["eco"])
    table = attainment(eco.framework, eco.panel, unit="永康市", period=2024)
    main = next(t for t in doc.tables if _header(t) == ECO_COLUMNS)
    assert main.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    rows = [[c.text for c in r.cells] for r in main.rows[1:]]
    indicator_rows = [r for r in rows if r[0].isdigit()]
    aspect_rows = [r for r in rows if not r[0].isdigit()]
    assert len(indicator_rows) == len(table) == 30
    assert len(aspect_rows) == table["aspect"].nunique() and aspect_rows[0][0].startswith("（一）")
    words = {True: "达标", False: "未达标"}
    lights = {"green": "绿", "yellow": "黄", "red": "红"}
    for cells, (_, r) in zip(indicator_rows, table.iterrows(), strict=True):
        assert cells[1].startswith(r["name"])
        if r["rule"] != "yes":
            assert cells[4] == display.value(r["value"])
            assert cells[3].endswith(display.value(r["target"]))
        assert cells[5] == words[bool(r["attained"])]
        assert cells[8] == lights[r["light"]]
    pm25 = next(c for c in indicator_rows if c[1].startswith("PM2.5"))
    assert pm25[1] == "PM2.5年均浓度（µg/m³）" and pm25[6] == "-0.7（向好）" and pm25[7] == "改善"


def test_eco_problems_next_steps_and_images(drafts, eco):
    doc = Document(drafts["eco"])
    table = attainment(eco.framework, eco.panel, unit="永康市", period=2024)
    concerned = table[table["light"].isin(["red", "yellow"])]
    red = table[table["light"] == "red"]
    text = _text(doc)
    h2 = _styled(doc, STYLE["h2"])
    assert f"（一）红灯指标（{len(red)}项）" in h2
    for _, r in concerned.iterrows():
        assert f"{r['name']}（" in text and f"{r['department']}牵头" in text
    # facts only, with the unit of measure: 单位GDP能耗降低 1.2 % against ≥ 3 %
    assert "单位GDP能耗降低（约束性，发改局牵头）：2024年为1.2%，目标为不低于3%，低于目标1.8个百分点" in text
    placeholders = _styled(doc, STYLE["placeholder"])
    departments = set(concerned["department"])
    assert len(placeholders) == 2 + len(departments)     # 主要工作和成效, 总体思路, one per department
    for dept in departments:
        assert f"【待填写：{dept}的下步工作举措和完成时限】" in placeholders
    assert len(doc.inline_shapes) == 2             # lights by aspect, five-year trends


def test_eco_in_english_and_for_another_year(eco, tmp_path):
    doc = Document(write_eco_docx(eco.framework, eco.panel, "永康市", tmp_path / "en.docx",
                                  period="2023", lang="en"))
    assert _styled(doc, STYLE["h1"]) == ["1. Overview", "2. Main indicators",
                                         "3. Work done and results", "4. Problems", "5. Next steps"]
    s = summary(attainment(eco.framework, eco.panel, unit="永康市", period=2023)).iloc[0]
    assert f"In 2023, 永康市 reports on {int(s['indicators'])} supervision indicators" in _text(doc)


def test_eco_unknown_unit_is_a_data_error(eco, tmp_path):
    with pytest.raises(zh.DataError):
        write_eco_docx(eco.framework, eco.panel, "不存在县", tmp_path / "x.docx")


# -- charts ----------------------------------------------------------------------------------


def test_charts_draw_chinese_without_missing_glyphs():
    if charts.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # "Glyph … missing from font" would raise
        png = charts.bars(["质量变革", "效率变革"], {"永康市": [77.3, 89.0], "金华市中位数": [78.3, 85.3]},
                          ylabel="得分（分）")
        wf = charts.waterfall(("永康市", 85.9), [("动力变革", 1.19), ("工作评价", -0.67)],
                              ("义乌市", 87.2))
        lights = charts.lights_by_group(["生态环境优质普惠"], {"green": [2], "yellow": [4], "red": [1]})
        trends = charts.small_trends([{"title": "PM2.5年均浓度（µg/m³）", "x": [2020, 2024],
                                       "y": [33.0, 28.9], "target": 28.0, "light": "yellow"}])
    for image in (png, wf, lights, trends):
        assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 5_000


# -- rendering as a reader sees it -------------------------------------------------------------


def test_pdf_rendering_shows_chinese_headings_and_names(drafts, tmp_path, brief):
    for tool in ("soffice", "pdftotext", "pdftoppm", "pdffonts"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (Debian: libreoffice-writer-nogui, poppler-utils)")
    pdfs = docx_to_pdf([drafts["tiangong"], drafts["eco"]], tmp_path)
    texts = [subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True,
                            check=True).stdout for p in pdfs]
    squeeze = [t.replace(" ", "").replace("\n", "") for t in texts]  # pdftotext spaces digits
    for heading in TIANGONG_HEADINGS:
        assert heading in squeeze[0]
    for heading in ECO_HEADINGS:
        assert heading in squeeze[1]
    assert "永康市" in texts[0] and brief.gap.peer_name in texts[0] and "金华市" in texts[0]
    assert "永康市" in texts[1] and "生态文明建设" in texts[1]
    assert "【待填写" in texts[0] and "【待填写" in texts[1]
    assert "本报告使用合成演示数据" in squeeze[0] and "本报告使用合成演示数据" in squeeze[1]
    # Chinese is drawn with a CJK font (no tofu): the fonts embedded are CJK faces
    for pdf in pdfs:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        assert "CJK" in fonts or "WenQuanYi" in fonts or "wqy" in fonts.lower()
    page = pdf_page_png(pdfs[0], tmp_path / "page1.png")
    data = page.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert 560 <= width <= 600                  # A4 at 70 dpi: 579 pixels wide
    assert np.frombuffer(data, dtype=np.uint8).size > 20_000
