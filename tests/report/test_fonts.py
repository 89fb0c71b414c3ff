"""The bundled Chinese font: what it covers, and charts and pages drawn on a machine without Chinese fonts.

"Without Chinese fonts" is simulated without touching the machine: matplotlib runs in a
subprocess that forgets every font file but its own (DejaVu, STIX), and Chromium runs with a
``FONTCONFIG_FILE`` that lists only matplotlib's font folder. Both are what a fresh Linux
server or container without ``fonts-noto-cjk`` offers.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from fontTools.ttLib import TTFont

import zongheng
import zongheng as zh
from zongheng import i18n, terms
from zongheng.report import fonts
from zongheng.report.fonts import build

CHROMIUM = Path("/usr/bin/chromium")
MPL_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@pytest.fixture(scope="module")
def cmap() -> set[str]:
    return {chr(c) for c in TTFont(str(fonts.OTF)).getBestCmap()}


def _strings(obj: object) -> list[str]:
    """Every string inside ``obj`` (dataclasses, mappings, sequences, arrays, data frames)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, pd.DataFrame):
        return [*_strings(list(obj.columns)), *_strings(obj.to_numpy().ravel().tolist())]
    if isinstance(obj, np.ndarray):
        return _strings(obj.ravel().tolist())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _strings([getattr(obj, f.name) for f in dataclasses.fields(obj)])
    if hasattr(obj, "items"):
        return [s for k, v in obj.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(obj, list | tuple | set | frozenset):
        return [s for item in obj for s in _strings(item)]
    return []


def _hanzi_and_symbols(strings: list[str]) -> set[str]:
    return build._printable("".join(strings)) - build.NOT_IN_SOURCE


# -- what the subset holds ---------------------------------------------------------------------


def test_subset_has_gb2312_level_1_and_its_symbols(cmap):
    level_1 = build.gb2312(range(16, 56))
    assert len(level_1) == 3755                      # GB 2312-80: 一级汉字 3,755
    assert set(level_1) <= cmap
    symbols = build._printable(build.gb2312(range(1, 10)))
    assert set("，。、；：？！“”（）《》【】—…·％①⒈Ⅰ") <= cmap
    assert len(symbols) == 682                       # GB 2312-80: 682 非汉字图形字符
    assert symbols <= cmap, "".join(sorted(symbols - cmap))


def test_subset_leaves_out_level_2_hanzi(cmap):
    # The size budget: the 3,008 rarer hanzi are not there unless zongheng prints them (place
    # names such as 婺城区, 衢州市, 畲族: 15 of them today).
    level_2 = set(build.gb2312(range(56, 88)))
    assert len(level_2) == 3008
    assert {"婺", "衢", "畲"} <= level_2 & cmap
    assert len(level_2 & cmap) < 100


def test_subset_covers_every_character_zongheng_prints(cmap):
    # The build script's own scan (string literals of every module and every data file):
    # fails when someone adds a character without running `python -m zongheng.report.fonts.build`.
    missing = build.package_characters() - build.NOT_IN_SOURCE - cmap
    assert missing == set(), "".join(sorted(missing))


def test_subset_covers_the_catalogues_frameworks_and_datasets(cmap):
    # Independently of the scan: the text as the program holds it after loading everything.
    for module in pkgutil.walk_packages(zongheng.__path__, "zongheng."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)   # every module registers its messages
    strings = _strings(dict(i18n.MESSAGES))
    strings += _strings([terms._STAGES, terms._METHODS, terms._PARAMS, terms._VALUES])
    for name in zh.frameworks.available():
        strings += _strings(zh.frameworks.load(name).nodes)
    for name in zh.datasets.available():
        ds = zh.datasets.load(name)
        panel = ds.panel
        strings += [ds.title, *_strings(ds.framework.nodes), *panel.units, *panel.indicators,
                    *_strings(panel.names_), *_strings(panel.groups_), *_strings(panel.attributes)]
    strings.append((Path(fonts.__file__).parents[1] / "templates" / "report.html.j2").read_text("utf-8"))
    assert len(strings) > 1000 and "景宁畲族自治县" in strings
    missing = _hanzi_and_symbols(strings) - cmap
    assert missing == set(), "".join(sorted(missing))


def test_package_data_is_small_and_licensed():
    assert fonts.OTF.stat().st_size + fonts.WOFF2.stat().st_size < 2_500_000
    licence = (fonts.HERE / "LICENSE").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence
    provenance = (fonts.HERE / "PROVENANCE.md").read_text(encoding="utf-8")
    # The note gives the sizes of the files it describes.
    assert f"{fonts.OTF.stat().st_size:,} bytes" in provenance
    assert f"{fonts.WOFF2.stat().st_size:,} bytes" in provenance
    assert "fonts-noto-cjk" in provenance


def test_subset_has_its_own_family_name():
    # OFL §3: a Modified Version may not use the source's names; the source's copyright stays.
    names = TTFont(str(fonts.OTF))["name"]
    assert names.getDebugName(1) == fonts.FONT_FAMILY == "Zongheng Sans SC"
    assert names.getDebugName(6) == "ZonghengSansSC-Regular"
    assert "Adobe" in names.getDebugName(0)
    assert "Open Font License" in names.getDebugName(13)


def test_woff2_is_the_same_font_as_the_otf():
    otf, woff2 = TTFont(str(fonts.OTF)), TTFont(str(fonts.WOFF2))
    assert woff2.flavor == "woff2"
    assert woff2.getBestCmap() == otf.getBestCmap()


def test_font_face_css_embeds_the_woff2():
    import base64
    import re

    css = fonts.font_face_css()
    match = re.fullmatch(r'@font-face\{font-family:"Zongheng Sans SC";'
                         r'src:url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\) format\("woff2"\);'
                         r"font-weight:400;font-style:normal;font-display:swap\}", css)
    assert match is not None
    assert base64.b64decode(match.group(1)) == fonts.WOFF2.read_bytes()
    # The HTML report must stay under 3 MB with ECharts (1.1 MB) and the data beside it.
    assert len(css) < 1_100_000


# -- charts without a Chinese font -------------------------------------------------------------

# Run in a fresh interpreter: matplotlib forgets every font file outside its own folder and finds
# no system font, then draws the charts; prints the warnings it saw and facts about the drawing.
_CHART_SCRIPT = r"""
import json, sys, warnings
from pathlib import Path
import matplotlib
from matplotlib import font_manager as fm

own = Path(matplotlib.get_data_path()).resolve()
fm.fontManager.ttflist = [f for f in fm.fontManager.ttflist if Path(f.fname).resolve().is_relative_to(own)]
fm.fontManager.afmlist = [f for f in fm.fontManager.afmlist if Path(f.fname).resolve().is_relative_to(own)]
fm.findSystemFonts = lambda *args, **kwargs: []

case, rare = sys.argv[1], sys.argv[2]
from zongheng.report import charts, fonts
if case == "no_bundled_font":        # a broken installation: the font file is gone too
    fonts.OTF = fonts.HERE / "absent.otf"

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    drawn = [
        charts.bars(["质量变革", "效率变革"], {"永康市": [77.3, 89.0], "金华市中位数": [78.3, 85.3]},
                    ylabel="得分（分）", title="分维度得分"),
        charts.waterfall(("永康市", 85.9), [("动力变革", 1.19), ("工作评价", -0.67)], ("义乌市", 87.2)),
        charts.lights_by_group(["生态环境优质普惠"], {"green": [2], "yellow": [4], "red": [1]}),
        charts.small_trends([{"title": "PM2.5年均浓度（µg/m³）", "x": [2020, 2024],
                              "y": [33.0, 28.9], "target": 28.0, "light": "yellow"}]),
    ]
    if case == "rare":               # twice, in two charts: still one warning
        drawn.append(charts.bars([rare + "街道"], {"得分": [80.0]}))
        drawn.append(charts.bars(["东" + rare], {"得分": [81.0]}))
    one = charts.bars(["永"], {"得分": [80.0]})
    other = charts.bars(["康"], {"得分": [80.0]})
print(json.dumps({
    "warnings": [[w.category.__name__, str(w.message)] for w in caught],
    "families": charts._rc()["font.family"],
    "fonts": sorted({Path(f.fname).name for f in fm.fontManager.ttflist} - {
        p.name for p in (own / "fonts" / "ttf").iterdir()}),
    "png": all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in drawn),
    "same_picture_for_different_hanzi": one == other,
}))
"""


def _draw_charts(tmp_path: Path, case: str, rare: str = "") -> dict:
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"),
           "FONTCONFIG_FILE": str(_fontconfig_without_system_fonts(tmp_path))}
    done = subprocess.run([sys.executable, "-c", _CHART_SCRIPT, case, rare], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    # Nothing else on stderr: no matplotlib "findfont" log lines, no warning printed past us.
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_charts_draw_chinese_with_the_bundled_font_and_no_warning(tmp_path):
    seen = _draw_charts(tmp_path, "bundled")
    assert seen["fonts"] == [fonts.OTF.name]                # the only font beside matplotlib's own
    assert seen["families"] == ["Zongheng Sans SC", "DejaVu Sans"]
    assert seen["warnings"] == []                            # no "Glyph … missing from font(s)"
    assert seen["png"]
    assert not seen["same_picture_for_different_hanzi"]      # 永 and 康 are drawn, not two boxes


def test_a_character_outside_the_subset_is_said_once(tmp_path, cmap):
    rare = next(c for c in build.gb2312(range(56, 88)) if c not in cmap)   # a level-2 hanzi
    seen = _draw_charts(tmp_path, "rare", rare)
    assert len(seen["warnings"]) == 1, seen["warnings"]
    category, message = seen["warnings"][0]
    assert category == "MissingGlyphWarning"
    assert rare in message and "方框" in message


def test_a_character_outside_the_subset_comes_from_an_installed_font(cmap, monkeypatch):
    import warnings

    from zongheng.report import charts

    if charts.system_cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    monkeypatch.setattr(charts, "_MISSING_SAID", [])     # not yet said in this process
    rare = next(c for c in build.gb2312(range(56, 88)) if c not in cmap)
    assert charts._rc()["font.family"][:2] == ["Zongheng Sans SC", charts.system_cjk_font()]
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # a box would warn (MissingGlyphWarning)
        assert charts.bars([rare + "街道"], {"得分": [80.0]})[:4] == b"\x89PNG"


def test_without_any_chinese_font_one_warning_only(tmp_path):
    # The reviewer saw 182 matplotlib glyph warnings after the useful one; now there is one.
    seen = _draw_charts(tmp_path, "no_bundled_font")
    assert seen["families"] == ["DejaVu Sans"]
    assert [w[0] for w in seen["warnings"]] == ["MissingCJKFontWarning"]
    assert seen["same_picture_for_different_hanzi"]          # the test can tell boxes from glyphs


# -- a page in Chromium without a Chinese font -------------------------------------------------


def _fontconfig_without_system_fonts(tmp_path: Path) -> Path:
    """A fontconfig file whose only fonts are matplotlib's (Latin: DejaVu, STIX)."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
                    f"<dir>{MPL_FONTS}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>\n",
                    encoding="utf-8")
    return conf


_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><style>{css}
body {{ margin: 0; font-size: 16px; white-space: nowrap; }}
.bundled {{ font-family: "Noto Sans CJK SC", "Zongheng Sans SC", sans-serif; }}
.fallback {{ font-family: sans-serif; }}</style>
<p><span id="bundled" class="bundled">质量变革永康市</span></p>
<p><span id="fallback" class="fallback">质量变革永康市</span></p>
<p><span id="b1" class="bundled">永</span> <span id="b2" class="bundled">康</span></p>
<p><span id="f1" class="fallback">永</span> <span id="f2" class="fallback">康</span></p></html>"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (/usr/bin/chromium)")
def test_page_draws_chinese_with_the_embedded_font_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    from zongheng.report.html import CHROMIUM_ARGS

    page_file = tmp_path / "page.html"
    page_file.write_text(_PAGE.format(css=fonts.font_face_css()), encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig_without_system_fonts(tmp_path))}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), env=env)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            seen = page.evaluate("""async () => {
                await document.fonts.ready;
                const width = id => document.getElementById(id).getBoundingClientRect().width;
                return {bundled: document.fonts.check('16px "Zongheng Sans SC"', '质量变革永康市'),
                        status: [...document.fonts].map(f => f.status),
                        widths: [width('bundled'), width('fallback')]};
            }""")
            shots = {i: page.locator(f"#{i}").screenshot() for i in ("b1", "b2", "f1", "f2")}
        finally:
            browser.close()
    assert seen["status"] == ["loaded"]
    assert seen["bundled"]
    # Each hanzi of Noto Sans CJK advances one em: 7 characters at 16 px are 112 px wide.
    assert seen["widths"][0] == pytest.approx(7 * 16, abs=0.5)
    # Without the embedded font the browser has no glyph: the boxes are narrower, and alike.
    assert seen["widths"][1] != pytest.approx(7 * 16, abs=0.5)
    assert shots["f1"] == shots["f2"]
    assert shots["b1"] != shots["b2"]                        # 永 and 康 drawn as themselves


# -- Word: font names, not font files ------------------------------------------------------------

# The faces of GB/T 9704 as a Chinese Word installation names them (and their modern twins).
CHINESE_WORD_FONTS = {"宋体", "仿宋_GB2312", "仿宋", "楷体_GB2312", "楷体", "黑体", "方正小标宋简体"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_word_documents_name_fonts_a_chinese_word_has(tmp_path, lang):
    import re
    import zipfile

    from zongheng.report.docx_style import STYLE, new_document

    doc = new_document(lang)
    for key in ("title", "h1", "h2", "body", "caption", "table", "table_header"):
        doc.add_paragraph("永康市", style=STYLE[key])
    doc.save(tmp_path / "draft.docx")
    with zipfile.ZipFile(tmp_path / "draft.docx") as z:
        names = z.namelist()
        styles, settings, theme = (z.read(f"word/{part}").decode("utf-8")
                                   for part in ("styles.xml", "settings.xml", "theme/theme1.xml"))
    east_asian = set(re.findall(r'<w:rFonts [^>]*w:eastAsia="([^"]+)"', styles))
    assert east_asian and east_asian <= CHINESE_WORD_FONTS, east_asian
    # Styles left on theme fonts take the theme's Simplified Chinese face (宋体), not ＭＳ 明朝.
    assert re.search(r'<w:themeFontLang [^>]*w:eastAsia="zh-CN"', settings)
    assert theme.count('<a:font script="Hans" typeface="宋体"/>') == 2     # major and minor
    assert not [n for n in names if n.startswith("word/fonts/")]           # nothing embedded


@pytest.mark.skipif(not all(shutil.which(t) for t in ("soffice", "pdffonts", "pdftotext")),
                    reason="needs LibreOffice and poppler-utils")
def test_word_draft_converts_with_the_bundled_font_when_no_chinese_font(tmp_path):
    # The project's fontconfig file, with the system fonts replaced by matplotlib's Latin ones:
    # the 公文 font names then fall back to the bundled font instead of boxes.
    from zongheng.report.docx_style import STYLE, fontconfig_file, new_document

    project = fontconfig_file().read_text(encoding="utf-8")
    system = '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
    bundled = '<dir prefix="relative">fonts</dir>'
    assert system in project and bundled in project
    conf = tmp_path / "fonts.conf"
    conf.write_text(project.replace(system, f"<dir>{MPL_FONTS}</dir><cachedir>{tmp_path / 'fc'}</cachedir>")
                    .replace(bundled, f"<dir>{fonts.HERE}</dir>"), encoding="utf-8")
    doc = new_document("zh")
    doc.add_paragraph("关于永康市生态文明建设情况的报告", style=STYLE["title"])
    doc.add_paragraph("一、总体情况", style=STYLE["h1"])
    doc.add_paragraph("永康市综合得分居金华市第三位。", style=STYLE["body"])
    doc.save(tmp_path / "draft.docx")
    env = {**os.environ, "HOME": str(tmp_path / "home"), "FONTCONFIG_FILE": str(conf)}
    subprocess.run(["soffice", "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
                    str(tmp_path), str(tmp_path / "draft.docx")], env=env, capture_output=True,
                   timeout=300, check=True)
    pdf = str(tmp_path / "draft.pdf")
    listed = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
    embedded = [line.split()[0].split("+")[-1] for line in listed.splitlines()[2:]]
    assert embedded and all(name.startswith("ZonghengSansSC-Regular") for name in embedded), listed
    shown = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    assert "关于永康市生态文明建设情况的报告" in shown and "永康市综合得分居金华市第三位。" in shown


# -- chart labels print numbers as every document does ----------------------------------------


def test_chart_labels_use_the_display_formats(monkeypatch):
    from matplotlib.text import Text

    from zongheng.report import charts

    drawn: list[list[str]] = []
    monkeypatch.setattr(charts, "_png", lambda fig: drawn.append(
        [t.get_text() for t in fig.findobj(Text) if t.get_text()]) or b"")
    charts.waterfall(("永康市", 85.9375), [("动力变革", 1.19), ("工作评价", 0.0577)], ("义乌市", 87.1852))
    charts.bars(["质量变革", "效率变革"], {"永康市": [77.3, 89.0]})
    # Scores with 2 decimals and changes signed (display.score / display.signed), as in the
    # text beside the chart: 85.94 + 1.19 + 0.06 = 87.19.
    assert {"85.94", "+1.19", "+0.06", "87.19"} <= set(drawn[0])
    assert {"77.30", "89.00"} <= set(drawn[1])


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (/usr/bin/chromium)")
def test_the_demo_report_needs_no_system_font(tmp_path, cmap):
    # Issue 11 item 6: the real report, opened where fontconfig sees no Chinese font, loads the
    # embedded face and has a glyph for every character it shows, in the text and the charts.
    from playwright.sync_api import sync_playwright

    import zongheng as zh
    from zongheng.report.brief import unit_brief
    from zongheng.report.html import CHROMIUM_ARGS, write_html

    ds = zh.datasets.load("tiangong_demo")
    brief = unit_brief(zh.build(ds.framework, ds.panel, ds.method), "永康市", group="设区市")
    out = write_html(brief, tmp_path / "report.html")
    env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig_without_system_fonts(tmp_path))}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), env=env)
        try:
            page = browser.new_page()
            page.goto(Path(out).as_uri())
            seen = page.evaluate("""async () => {
                await document.fonts.ready;
                // the charts' labels are drawn on canvas from the page's JSON data
                const charts = JSON.stringify(JSON.parse(document.getElementById('zh-data').textContent));
                return {text: document.body.innerText + charts,
                        faces: [...document.fonts].map(f => [f.family, f.status])};
            }""")
        finally:
            browser.close()
    bundled = [status for family, status in seen["faces"] if "Zongheng Sans SC" in family]
    assert bundled == ["loaded"]
    shown = {c for c in seen["text"] if not c.isspace() and ord(c) > 0x7F}
    assert len(shown) > 300  # the page's Chinese, not an empty body
    assert shown - cmap == set()
