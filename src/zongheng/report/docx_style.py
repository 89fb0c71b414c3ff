"""Official document style for Word drafts (公文格式): styles, tables, figures, numbers.

The drafts follow the usual layout of Chinese government documents (GB/T 9704
for the page and fonts, adapted to an analysis report): A4, title in
方正小标宋简体 二号, first-level headings ``一、`` in 黑体 三号, second-level
``（一）`` in 楷体_GB2312 三号, body in 仿宋_GB2312 三号 with a 28-point line
pitch and a two-character first-line indent, page numbers ``— 1 —``.

Fonts are set on **named styles** (标题, 一级标题 …), each through the
east-Asian font slot (``w:eastAsia``) with the theme fonts removed (otherwise
the theme wins) and ``w:lang w:val="en-US" w:eastAsia="zh-CN"`` so that shared glyphs take
their Simplified forms. Machines without these fonts substitute them: Word on
Windows has most of them; LibreOffice uses the fontconfig aliases shipped in
``fontconfig.conf`` beside this module (see :func:`fontconfig_file`).

Numbers are written by :func:`num` and :func:`with_unit` so that every figure
keeps its unit of measure.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from zongheng.report.provenance import is_synthetic

__all__ = [
    "STYLE",
    "FontSet",
    "add_caption",
    "add_heading",
    "add_note",
    "add_paragraph",
    "add_picture",
    "add_placeholder",
    "add_table",
    "add_title",
    "fontconfig_file",
    "is_synthetic",
    "join",
    "merge_row",
    "new_document",
    "num",
    "shade",
    "signed",
    "with_unit",
]

# Style names (样式名) as they appear in Word's style pane; tests look for them.
STYLE = {
    "title": "Title",                 # 标题 (Word's built-in, restyled)
    "h1": "Heading 1",                # 一级标题 一、
    "h2": "Heading 2",                # 二级标题 （一）
    "body": "Normal",                 # 正文
    "note": "公文说明",                # the synthetic-data line under the title
    "caption": "公文图表标题",          # 表1 … / 图1 …
    "table": "公文表格文字",
    "table_header": "公文表头",
    "placeholder": "公文待填写",        # 【待填写：…】
}


@dataclass(frozen=True)
class FontSet:
    """The font names written into the document (字体方案).

    Attributes
    ----------
    title, heading1, heading2, body : str
        East-Asian fonts of the title, the two heading levels and the body.
    latin_body, latin_heading : str
        Western fonts (digits and Latin letters).
    """

    title: str = "方正小标宋简体"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    body: str = "仿宋_GB2312"
    latin_body: str = "仿宋_GB2312"
    latin_heading: str = "黑体"


# In Chinese the digits follow the CJK font (as typed in Word by staff); in English a
# Western serif and sans are the natural choice and LibreOffice maps them as usual.
_FONTS = {"zh": FontSet(), "en": FontSet(latin_body="Times New Roman", latin_heading="Arial")}

_BLACK = RGBColor(0, 0, 0)
_HEADER_FILL = "D9D9D9"


def fontconfig_file() -> Path:
    """Return the fontconfig file mapping the official font names to installed fonts.

    ``FONTCONFIG_FILE=<this> soffice --headless --convert-to pdf …`` renders
    仿宋_GB2312 / 楷体_GB2312 / 方正小标宋简体 in Noto Serif CJK SC and 黑体 in
    Noto Sans CJK SC (falling back to WenQuanYi), instead of one sans font for all.
    """
    return Path(str(resources.files("zongheng.report") / "fontconfig.conf"))


# -- fonts on styles ------------------------------------------------------------------------


def _set_fonts(rpr: object, east_asia: str, latin: str) -> None:
    """Write the four font slots of an ``w:rPr`` and drop the theme fonts (they would win)."""
    fonts = rpr.get_or_add_rFonts()  # type: ignore[attr-defined]
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    lang = rpr.find(qn("w:lang"))  # type: ignore[attr-defined]
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)  # type: ignore[attr-defined]
    # Western text stays English (word wrapping, no breaks inside numbers); CJK text is
    # Simplified Chinese, so that shared glyphs take their mainland forms.
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style(doc: DocumentObject, name: str, *, base: str | None = None,
           kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH):
    styles = doc.styles
    if name in [s.name for s in styles]:
        return styles[name]
    style = styles.add_style(name, kind)
    if base:
        style.base_style = styles[base]
    style.quick_style = True
    return style


def _configure(doc: DocumentObject, style_name: str, *, east_asia: str, latin: str,
               size: float, bold: bool = False, align: WD_ALIGN_PARAGRAPH | None = None,
               indent_chars: float = 0.0, line: float | None = None,
               before: float = 0.0, after: float = 0.0, base: str | None = None,
               keep_next: bool = False) -> None:
    style = _style(doc, style_name, base=base)
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = _BLACK
    _set_fonts(style.element.get_or_add_rPr(), east_asia, latin)
    pf = style.paragraph_format
    pf.alignment = align
    pf.first_line_indent = Pt(size * indent_chars) if indent_chars else Pt(0)
    pf.left_indent = Pt(0)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.keep_with_next = keep_next
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing = Pt(line)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    # The built-in Title has a bottom border and headings a theme colour: remove both.
    ppr = style.element.get_or_add_pPr()
    for tag in ("w:pBdr", "w:numPr"):
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)


def new_document(lang: str = "zh", *, title: str = "") -> DocumentObject:
    """Return an empty A4 document with the official styles (公文样式).

    Parameters
    ----------
    lang : {"zh", "en"}
        Document language; sets the Latin fonts and the core properties.
    title : str
        Written to the document properties.
    """
    fonts = _FONTS.get(lang, _FONTS["zh"])
    doc = Document()
    # Styles left on theme fonts take the theme's face for this East-Asian language: python-docx's
    # template says ja-JP (ＭＳ 明朝, absent from a Chinese Word); zh-CN gives the theme's 宋体.
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    # GB/T 9704 margins: top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right 2.6 cm.
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.5)

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr_default, fonts.body, fonts.latin_body)

    # 三号 (16 pt) on a 28-point pitch for Chinese; an English draft reads better at 12 pt,
    # left-aligned (justified Latin text at 16 pt leaves wide gaps between words).
    zh = lang != "en"
    size, pitch, big = (16.0, 28.0, 22.0) if zh else (12.0, 18.0, 18.0)
    indent = 2 if zh else 0
    body = {"east_asia": fonts.body, "latin": fonts.latin_body}
    _configure(doc, STYLE["body"], **body, size=size, indent_chars=indent, line=pitch,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY if zh else WD_ALIGN_PARAGRAPH.LEFT,
               after=0 if zh else 6)
    _configure(doc, STYLE["title"], east_asia=fonts.title, latin=fonts.title, size=big,
               align=WD_ALIGN_PARAGRAPH.CENTER, line=big * 1.6, before=0, after=6)
    _configure(doc, STYLE["h1"], east_asia=fonts.heading1, latin=fonts.latin_heading, size=size,
               indent_chars=indent, line=pitch, before=6, after=0 if zh else 4, keep_next=True)
    _configure(doc, STYLE["h2"], east_asia=fonts.heading2, latin=fonts.latin_body, size=size,
               indent_chars=indent, line=pitch, after=0 if zh else 4, keep_next=True)
    _configure(doc, STYLE["note"], east_asia=fonts.heading2, latin=fonts.latin_body, size=12,
               align=WD_ALIGN_PARAGRAPH.CENTER, line=22, after=12, base=STYLE["body"])
    _configure(doc, STYLE["caption"], east_asia=fonts.heading1, latin=fonts.latin_heading,
               size=12 if zh else 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=4,
               base=STYLE["body"], keep_next=True)
    _configure(doc, STYLE["table"], **body, size=10.5 if zh else 9.5, base=STYLE["body"])
    _configure(doc, STYLE["table_header"], east_asia=fonts.heading1, latin=fonts.latin_heading,
               size=10.5 if zh else 9.5, align=WD_ALIGN_PARAGRAPH.CENTER, base=STYLE["body"])
    _configure(doc, STYLE["placeholder"], east_asia=fonts.heading2, latin=fonts.latin_body,
               size=size, indent_chars=indent, line=pitch, base=STYLE["body"])
    # Placeholders must stand out on screen and on paper: red on a yellow highlight.
    ph = doc.styles[STYLE["placeholder"]]
    ph.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    ph.font.highlight_color = WD_COLOR_INDEX.YELLOW
    for name in (STYLE["h1"], STYLE["h2"]):
        doc.styles[name].font.bold = False  # 公文 headings are not bold: the font is the weight

    doc.core_properties.title = title
    doc.core_properties.language = "zh-CN" if lang == "zh" else "en-GB"
    doc.core_properties.author = "zongheng"
    _page_numbers(doc)
    return doc


def _page_numbers(doc: DocumentObject) -> None:
    """Put ``— N —`` centred in the footer (公文页码)."""
    footer = doc.sections[0].footer
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.add_run("— ")
    run = p.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)
    p.add_run(" —")
    for r in p.runs:
        r.font.size = Pt(14)


# -- blocks ---------------------------------------------------------------------------------


def _width(text: str) -> float:
    """Return the printed width of a text in CJK characters (Latin letters and digits: half)."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def add_title(doc: DocumentObject, *parts: str, line: float = 19.0) -> Paragraph:
    """Add the document title (标题), breaking it between ``parts`` when it is too long.

    Official titles are broken by meaning, not wherever the line ends
    (``关于永康市2024年度`` / ``生态文明建设情况的报告``): the parts are joined on one
    line when they fit in ``line`` CJK characters (二号 on A4), else one per line.
    """
    p = doc.add_paragraph(style=STYLE["title"])
    if _width("".join(parts)) <= line:
        p.add_run("".join(parts))
        return p
    for i, part in enumerate(parts):
        run = p.add_run(part)
        if i < len(parts) - 1:
            run.add_break()
    return p


def add_note(doc: DocumentObject, text: str) -> Paragraph:
    """Add a centred note under the title (e.g. 本报告使用合成演示数据)."""
    return doc.add_paragraph(text, style=STYLE["note"])


def add_heading(doc: DocumentObject, text: str, level: int = 1) -> Paragraph:
    """Add a heading: level 1 ``一、…`` (黑体), level 2 ``（一）…`` (楷体)."""
    return doc.add_paragraph(text, style=STYLE["h1"] if level == 1 else STYLE["h2"])


def add_paragraph(doc: DocumentObject, text: str) -> Paragraph:
    """Add a body paragraph (正文)."""
    return doc.add_paragraph(text, style=STYLE["body"])


def add_placeholder(doc: DocumentObject, text: str) -> Paragraph:
    """Add a paragraph that officials must write (待填写), marked 【…】 in red on yellow."""
    return doc.add_paragraph(text, style=STYLE["placeholder"])


def add_caption(doc: DocumentObject, text: str) -> Paragraph:
    """Add a table or figure title (表1 … above a table, 图1 … below a figure)."""
    return doc.add_paragraph(text, style=STYLE["caption"])


def add_picture(doc: DocumentObject, png: bytes, caption: str, *, width_cm: float = 15.0) -> None:
    """Add a centred chart image with its caption below it."""
    p = doc.add_paragraph(style=STYLE["caption"])
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))
    add_caption(doc, caption).paragraph_format.keep_with_next = False


def shade(cell: _Cell, fill: str) -> None:
    """Fill a table cell with a colour (``"D9D9D9"``)."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _cell_text(cell: _Cell, text: str, style: str, align: WD_ALIGN_PARAGRAPH | None,
               size: float | None = None) -> None:
    p = cell.paragraphs[0]
    p.style = style
    p.alignment = align
    run = p.add_run(text)
    if size is not None:
        run.font.size = Pt(size)


def _row_flag(row: object, tag: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    el = OxmlElement(tag)
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cell_margins(table: Table, margin: object) -> None:
    """Narrow the left and right cell margins (Word's 0.19 cm wastes a column on A4)."""
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(margin.twips)))  # type: ignore[attr-defined]
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def add_table(doc: DocumentObject, header: Sequence[str], rows: Sequence[Sequence[object]], *,
              widths_cm: Sequence[float], align: Sequence[str] | None = None,
              size: float | None = None) -> Table:
    """Add a table with a repeated, shaded header row (表头) and fixed column widths.

    Parameters
    ----------
    header : sequence of str
        Column titles, units in them (``得分（分）``).
    rows : sequence of sequences
        Cell texts (converted with ``str``).
    widths_cm : sequence of float
        Column widths; they should add up to at most the text width (15.6 cm).
    align : sequence of {"l", "c", "r"}, optional
        Per-column alignment of the body cells; left by default.
    size : float, optional
        Font size in points for a dense table (9 = 小五); the style's 10.5 (五号) by default.
    """
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    where = {"l": WD_ALIGN_PARAGRAPH.LEFT, "c": WD_ALIGN_PARAGRAPH.CENTER,
             "r": WD_ALIGN_PARAGRAPH.RIGHT}
    aligns = [where[a] for a in (align or "l" * len(header))]
    _cell_margins(table, Cm(0.1))
    head = table.rows[0]
    _row_flag(head, "w:tblHeader")  # repeat the header row on every page
    for cell, text in zip(head.cells, header, strict=True):
        _cell_text(cell, str(text), STYLE["table_header"], WD_ALIGN_PARAGRAPH.CENTER, size)
        shade(cell, _HEADER_FILL)
    for row, values in zip(table.rows[1:], rows, strict=True):
        _row_flag(row, "w:cantSplit")
        for cell, value, a in zip(row.cells, values, aligns, strict=True):
            _cell_text(cell, str(value), STYLE["table"], a, size)
    for i, width in enumerate(widths_cm):
        # Word reads the cell widths, LibreOffice the grid columns: set both.
        table.columns[i].width = Cm(width)
        for cell in table.columns[i].cells:
            cell.width = Cm(width)
    return table


def merge_row(table: Table, row: int, text: str, *, fill: str = "F2F2F2",
              size: float | None = None) -> None:
    """Merge a body row across all columns into one shaded label (e.g. a group of indicators)."""
    cells = table.rows[row].cells
    merged = cells[0].merge(cells[-1])
    for p in merged.paragraphs[1:]:
        p._element.getparent().remove(p._element)
    p = merged.paragraphs[0]
    for r in list(p.runs):
        r._element.getparent().remove(r._element)
    run = p.add_run(text)
    run.bold = True
    if size:
        run.font.size = Pt(size)
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    shade(merged, fill)


def join(lang: str, *sentences: str) -> str:
    """Join sentences: no space in Chinese, one space in English."""
    return ("" if lang == "zh" else " ").join(s for s in sentences if s)


# -- numbers with their units ---------------------------------------------------------------


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float | np.floating) and math.isnan(float(x)))


def num(x: object, decimals: int | None = None) -> str:
    """Return a number as text (数值): fixed decimals, or as few as the value needs (≤ 3).

    >>> num(28.9), num(0.221), num(986.0), num(85.93669, 1), num(float("nan"))
    ('28.9', '0.221', '986', '85.9', '—')
    """
    if _missing(x):
        return "—"
    value = float(x)  # type: ignore[arg-type]
    if decimals is not None:
        text = f"{value:.{decimals}f}"
    else:
        text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "-0.0", "-0.00") else text


def signed(x: object, decimals: int | None = None) -> str:
    """Return a number with its sign (``+1.2``, ``-0.7``, ``0``)."""
    if _missing(x):
        return "—"
    text = num(x, decimals)
    return text if text.startswith("-") or float(text) == 0 else f"+{text}"


def with_unit(text: str, measure: str | None, lang: str = "zh", *, change: bool = False) -> str:
    """Append the unit of measure (计量单位) to a formatted number.

    A change of a percentage is in percentage points (个百分点). ``是/否`` items
    and an empty unit add nothing.

    >>> with_unit("85.9", "分"), with_unit("1.2", "%", change=True), with_unit("3", "家", "en")
    ('85.9分', '1.2个百分点', '3 家')
    """
    if text == "—" or not measure or measure in ("是/否", "yes/no"):
        return text
    if measure == "%" and change:
        return f"{text}{'个百分点' if lang == 'zh' else ' percentage points'}"
    if lang == "zh" or measure == "%":
        return f"{text}{measure}"
    return f"{text} {measure}"


# -- synthetic data -------------------------------------------------------------------------


