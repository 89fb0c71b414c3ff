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

Numbers are formatted by :mod:`zongheng.display` (the one formatter of every
writer); :func:`with_unit` appends the unit of measure in sentences, tables put
it in the header. Text passes through :func:`typeset`: ASCII double quotes
become “ ”, and 【待填写：…】 placeholders inside a sentence are marked like
whole placeholder paragraphs (red on yellow).

The page follows GB/T 9704: a 28-point line grid with a character grid
(``docGrid linesAndChars``), page numbers ``— 1 —`` in 宋体 四号 on the outer
side (odd pages right, even pages left, one character in from the edge).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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

from zongheng import display, terms
from zongheng.report.provenance import is_synthetic, unapproved_text

__all__ = [
    "STYLE",
    "FontSet",
    "add_byline",
    "add_caption",
    "add_heading",
    "add_note",
    "add_paragraph",
    "add_picture",
    "add_placeholder",
    "add_signature",
    "add_table",
    "add_title",
    "fontconfig_file",
    "is_synthetic",
    "join",
    "mark_unapproved",
    "measure_name",
    "merge_row",
    "new_document",
    "shade",
    "title_lines",
    "typeset",
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
               keep_next: bool = False, grid: bool = True) -> None:
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
    for tag in ("w:pBdr", "w:numPr", "w:snapToGrid"):
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)
    if not grid:
        # Text of another size than the body (title, tables, captions) keeps its own pitch:
        # on the body's grid a 10.5-point table line would take a whole 28-point line.
        _snap_off(ppr)


# What follows w:snapToGrid in w:pPr and w:spacing in w:rPr (ECMA-376 order): Word refuses a
# document whose elements are out of this order ("unreadable content").
_AFTER_SNAP = ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
               "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
               "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
                  "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
                  "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _snap_off(ppr: object) -> None:
    el = OxmlElement("w:snapToGrid")
    el.set(qn("w:val"), "0")
    ppr.insert_element_before(el, *_AFTER_SNAP)  # type: ignore[attr-defined]


# GB/T 9704: 22 lines of 28 characters of 三号 (16 pt) on the 156 × 225 mm type area.
GRID_CHARS = 28
GRID_PITCH = 28.0  # points between lines
GRID_TIGHTEN = -5  # twentieths of a point: 16 − 0.25 = 15.75 pt ≤ 442 pt / 28 characters


def _spacing(doc: DocumentObject, style_name: str, twentieths: int) -> None:
    """Set a style's character spacing (字符间距) in twentieths of a point."""
    rpr = doc.styles[style_name].element.get_or_add_rPr()
    for old in rpr.findall(qn("w:spacing")):
        rpr.remove(old)
    el = OxmlElement("w:spacing")
    el.set(qn("w:val"), str(twentieths))
    rpr.insert_element_before(el, *_AFTER_SPACING)


def _grid(doc: DocumentObject) -> None:
    """Set the document grid of the first section: lines and characters (文档网格).

    The line pitch is the body's exact 28 points. The character pitch is the body's
    own size (``charSpace`` 0): a negative ``charSpace`` (what makes Word count 28
    cells) makes LibreOffice give every character two cells. 28 characters of 16 pt
    need 448 pt and the line has 442 (15.6 cm), so the body styles are set 0.25 pt
    tighter (字符间距紧缩, ``w:spacing`` −5 twentieths; see :data:`GRID_TIGHTEN`):
    LibreOffice then sets 28 characters a line, as GB/T 9704 asks.
    """
    sect = doc.sections[0]._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(GRID_PITCH * 20)))
    grid.set(qn("w:charSpace"), "0")


def _settings(doc: DocumentObject, lang: str) -> None:
    """Odd and even footers (页码 on the outer side of each page)."""
    doc.settings.odd_and_even_pages_header_footer = True


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

    # 三号 (16 pt) on a 28-point pitch for Chinese; an English draft reads better at 12 pt,
    # left-aligned (justified Latin text at 16 pt leaves wide gaps between words).
    zh = lang != "en"
    size, pitch, big = (16.0, GRID_PITCH, 22.0) if zh else (12.0, 18.0, 18.0)

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr_default, fonts.body, fonts.latin_body)
    for tag in ("w:sz", "w:szCs"):  # the grid's character pitch is the default size
        el = rpr_default.find(qn(tag))
        if el is not None:
            el.set(qn("w:val"), str(round(size * 2)))

    indent = 2 if zh else 0
    body = {"east_asia": fonts.body, "latin": fonts.latin_body}
    _configure(doc, STYLE["body"], **body, size=size, indent_chars=indent, line=pitch,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY if zh else WD_ALIGN_PARAGRAPH.LEFT,
               after=0 if zh else 6)
    _configure(doc, STYLE["title"], east_asia=fonts.title, latin=fonts.title, size=big,
               align=WD_ALIGN_PARAGRAPH.CENTER, line=big * 1.6, before=0, after=6, grid=False)
    _configure(doc, STYLE["h1"], east_asia=fonts.heading1, latin=fonts.latin_heading, size=size,
               indent_chars=indent, line=pitch, before=6, after=0 if zh else 4, keep_next=True)
    _configure(doc, STYLE["h2"], east_asia=fonts.heading2, latin=fonts.latin_body, size=size,
               indent_chars=indent, line=pitch, after=0 if zh else 4, keep_next=True)
    _configure(doc, STYLE["note"], east_asia=fonts.heading2, latin=fonts.latin_body, size=12,
               align=WD_ALIGN_PARAGRAPH.CENTER, line=22, after=12, base=STYLE["body"], grid=False)
    _configure(doc, STYLE["caption"], east_asia=fonts.heading1, latin=fonts.latin_heading,
               size=12 if zh else 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=4,
               base=STYLE["body"], keep_next=True, grid=False)
    _configure(doc, STYLE["table"], **body, size=10.5 if zh else 9.5, base=STYLE["body"],
               grid=False)
    _configure(doc, STYLE["table_header"], east_asia=fonts.heading1, latin=fonts.latin_heading,
               size=10.5 if zh else 9.5, align=WD_ALIGN_PARAGRAPH.CENTER, base=STYLE["body"],
               grid=False)
    _configure(doc, STYLE["placeholder"], east_asia=fonts.heading2, latin=fonts.latin_body,
               size=size, indent_chars=indent, line=pitch, base=STYLE["body"])
    # Placeholders must stand out on screen and on paper: red on a yellow highlight.
    ph = doc.styles[STYLE["placeholder"]]
    ph.font.color.rgb = _PLACEHOLDER_RED
    ph.font.highlight_color = WD_COLOR_INDEX.YELLOW
    for name in (STYLE["h1"], STYLE["h2"]):
        doc.styles[name].font.bold = False  # 公文 headings are not bold: the font is the weight

    doc.core_properties.title = title
    doc.core_properties.language = "zh-CN" if lang == "zh" else "en-GB"
    doc.core_properties.author = "zongheng"
    if zh:
        _grid(doc)
        for name in ("body", "h1", "h2", "placeholder"):
            _spacing(doc, STYLE[name], GRID_TIGHTEN)
        for name in ("title", "note", "caption", "table", "table_header"):  # off the grid
            _spacing(doc, STYLE[name], 0)
    _settings(doc, lang)
    _page_numbers(doc)
    return doc


_PLACEHOLDER_RED = RGBColor(0xC0, 0x00, 0x00)


def _page_field(p: Paragraph) -> None:
    """Append ``— N —`` with a PAGE field, in 宋体 四号 (14 pt)."""
    p.add_run("— ")
    run = p.add_run()
    for kind, field in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                        ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif field == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = field
        else:
            el = OxmlElement("w:t")
            el.text = field
        run._r.append(el)
    p.add_run(" —")
    for r in p.runs:
        r.font.size = Pt(14)
        _set_fonts(r._r.get_or_add_rPr(), "宋体", "宋体")


def _page_numbers(doc: DocumentObject) -> None:
    """Put ``— N —`` in the footers (公文页码): odd pages right, even pages left (GB/T 9704).

    One character (四号, 14 pt) in from the edge of the type area, as the standard asks.
    """
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        p.alignment = align
        pf = p.paragraph_format
        pf.first_line_indent = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            pf.right_indent = Pt(14)
        else:
            pf.left_indent = Pt(14)
        _snap_off(p._p.get_or_add_pPr())
        _page_field(p)


# -- text -----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"(【待填写[^】]*】|\[TO BE WRITTEN[^\]]*\])")


def typeset(text: str) -> str:
    """Return text as printed: ASCII double quotes as “ ” (公文 quotes), in pairs.

    Data names such as ``数字经济"一号工程"`` carry straight quotes; an odd one out
    closes nothing and opens a quote.

    >>> typeset('数字经济"一号工程"、"415X"集群')
    '数字经济“一号工程”、“415X”集群'
    """
    if '"' not in text:
        return text
    out, opening = [], True
    for ch in text:
        if ch == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


def _runs(p: Paragraph, text: str) -> Paragraph:
    """Fill a paragraph, marking 【待填写：…】 parts as placeholders (red on yellow)."""
    for part in _PLACEHOLDER.split(typeset(text)):
        if not part:
            continue
        run = p.add_run(part)
        if _PLACEHOLDER.fullmatch(part):
            run.font.color.rgb = _PLACEHOLDER_RED
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return p


# -- blocks ---------------------------------------------------------------------------------


def _width(text: str) -> float:
    """Return the printed width of a text in CJK characters (Latin letters and digits: half)."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def title_lines(parts: Sequence[str], *, line: float = 16.0, width: float = 19.0) -> list[str]:
    """Break a title between its parts of meaning into a 梯形 (trapezoid) title (标题回行).

    GB/T 9704 asks that a title broken over lines keep its words whole and its lines
    balanced, in a trapezoid or diamond: never ``…评价分析报`` / ``告``. The parts are
    the units of meaning (``永康市``, ``2024年``, ``浙江制造天工鼎``, ``评价分析报告``);
    a title up to ``line`` characters wide stays on one line, a longer one takes the
    fewest lines of at most ``width`` characters each (二号 on A4: 19), the most even
    ones, and of those the one whose upper line is longer (a 正梯形).

    >>> title_lines(["永康市", "2024年", "浙江制造天工鼎", "评价分析报告"])
    ['永康市2024年浙江制造天工鼎', '评价分析报告']
    >>> title_lines(["关于永康市2024年度", "生态文明建设情况的报告"])
    ['关于永康市2024年度', '生态文明建设情况的报告']
    """
    parts = [p for p in parts if p]
    if _width("".join(parts)) <= line or len(parts) < 2:
        return ["".join(parts)]
    best: tuple[tuple[float, ...], list[str]] | None = None
    n = len(parts)
    for count in range(2, n + 1):
        for cuts in itertools.combinations(range(n - 1), count - 1):
            bounds = [0, *(c + 1 for c in cuts), n]
            lines = ["".join(parts[a:b]) for a, b in itertools.pairwise(bounds)]
            widths = [_width(x) for x in lines]
            if max(widths) > width:
                continue
            spread = max(widths) - min(widths)
            # Fewest lines, then the most even, then longer lines first (正梯形).
            key = (count, spread, *(-w for w in widths))
            if best is None or key < best[0]:
                best = (key, lines)
        if best is not None:
            return best[1]
    return parts


def add_title(doc: DocumentObject, *parts: str, line: float = 16.0) -> Paragraph:
    """Add the document title (标题), broken between ``parts`` by :func:`title_lines`.

    Official titles are broken by meaning, not wherever the line ends
    (``永康市2024年浙江制造天工鼎`` / ``评价分析报告``).
    """
    p = doc.add_paragraph(style=STYLE["title"])
    lines = title_lines(parts, line=line)
    for i, line_text in enumerate(lines):
        run = p.add_run(typeset(line_text))
        if i < len(lines) - 1:
            run.add_break()
    return p


def add_note(doc: DocumentObject, text: str) -> Paragraph:
    """Add a centred note under the title (e.g. 本报告使用合成演示数据)."""
    return _runs(doc.add_paragraph(style=STYLE["note"]), text)


def mark_unapproved(doc: DocumentObject, lang: str = "zh") -> Paragraph:
    """Mark a draft made from data not all approved (未审核): every page's header, a red note.

    The note goes where it is called (under the title); the header is that of every page, odd
    and even, so a page printed alone still says it.
    """
    mark = unapproved_text(lang, short=True)
    section = doc.sections[0]
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(f"【{mark}】")
        run.bold = True
        run.font.color.rgb = _PLACEHOLDER_RED
    note = doc.add_paragraph(style=STYLE["note"])
    run = note.add_run(unapproved_text(lang))
    run.bold = True
    run.font.color.rgb = _PLACEHOLDER_RED
    return note


def add_heading(doc: DocumentObject, text: str, level: int = 1) -> Paragraph:
    """Add a heading: level 1 ``一、…`` (黑体), level 2 ``（一）…`` (楷体)."""
    return _runs(doc.add_paragraph(style=STYLE["h1"] if level == 1 else STYLE["h2"]), text)


def add_paragraph(doc: DocumentObject, text: str, *, indent: bool = True,
                  align: WD_ALIGN_PARAGRAPH | None = None) -> Paragraph:
    """Add a body paragraph (正文); 【待填写：…】 parts in it are marked as placeholders.

    ``indent=False`` sets it flush left (a 称谓 such as 主任、各位副主任…：).
    """
    p = _runs(doc.add_paragraph(style=STYLE["body"]), text)
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    if align is not None:
        p.alignment = align
    return p


def add_byline(doc: DocumentObject, text: str) -> Paragraph:
    """Add a centred 楷体 line under the title (报告人、会议 line of a report to the 人大).

    【待填写：…】 parts in it are marked as placeholders.
    """
    p = _runs(doc.add_paragraph(style=STYLE["h2"]), text)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.keep_with_next = False
    return p


def add_placeholder(doc: DocumentObject, text: str) -> Paragraph:
    """Add a paragraph that officials must write (待填写), marked 【…】 in red on yellow."""
    return doc.add_paragraph(typeset(text), style=STYLE["placeholder"])


def add_signature(doc: DocumentObject, issuer: str, date: str, *, lang: str = "zh") -> None:
    """Add the 落款 (issuing body) and 成文日期 at the end, right-aligned (GB/T 9704).

    The date stands four characters in from the right edge and the issuer is centred
    over it; an empty line separates them from the text. Either may be a 【待填写】
    placeholder.
    """
    add_paragraph(doc, "")
    size = 16.0 if lang != "en" else 12.0
    date_right = 4.0 if lang != "en" else 0.0
    shift = max(0.0, (_width(date) - _width(issuer)) / 2) if lang != "en" else 0.0
    for text_, right in ((issuer, date_right + shift), (date, date_right)):
        p = add_paragraph(doc, text_, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = Pt(size * right)
        p.paragraph_format.keep_with_next = True


def add_caption(doc: DocumentObject, text: str) -> Paragraph:
    """Add a table or figure title (表1 … above a table, 图1 … below a figure)."""
    return _runs(doc.add_paragraph(style=STYLE["caption"]), text)


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
    run = p.add_run(typeset(text))
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
              size: float | None = None, keep_together: bool | None = None) -> Table:
    """Add a table with a repeated, shaded header row (表头) and fixed column widths.

    Parameters
    ----------
    header : sequence of str
        Column titles, units in them (``得分（分）``); a column of values with
        different units has a 单位 column beside it, never the unit in each cell.
    rows : sequence of sequences
        Cell texts (converted with ``str``).
    widths_cm : sequence of float
        Column widths; they should add up to at most the text width (15.6 cm).
    align : sequence of {"l", "c", "r"}, optional
        Per-column alignment of the body cells; left by default.
    size : float, optional
        Font size in points for a dense table (9 = 小五); the style's 10.5 (五号) by default.
    keep_together : bool, optional
        Keep the table on one page (every row kept with the next); by default for
        tables of up to 10 rows, so that a short table never leaves its header and
        one row at the foot of a page.
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
    for cell, text_ in zip(head.cells, header, strict=True):
        _cell_text(cell, str(text_), STYLE["table_header"], WD_ALIGN_PARAGRAPH.CENTER, size)
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
    if keep_together if keep_together is not None else len(rows) <= 10:
        for row in table.rows[:-1]:
            for cell in row.cells:
                for par in cell.paragraphs:
                    par.paragraph_format.keep_with_next = True
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
    run = p.add_run(typeset(text))
    run.bold = True
    if size:
        run.font.size = Pt(size)
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    shade(merged, fill)


def join(lang: str, *sentences: str) -> str:
    """Join sentences: no space in Chinese, one space in English."""
    return ("" if lang == "zh" else " ").join(s for s in sentences if s)


# -- numbers with their units ---------------------------------------------------------------

def measure_name(measure: str | None, lang: str = "zh") -> str:
    """Return a unit of measure in the document's language (``分`` → ``points``).

    Units with no Chinese in them (``%``, ``µg/m³``) are the same in both languages;
    an unknown Chinese unit is kept as it is (one table: :func:`zongheng.terms.measure_name`).
    """
    return terms.measure_name(measure, lang)


def with_unit(value: str, measure: str | None, lang: str = "zh", *, change: bool = False) -> str:
    """Append the unit of measure (计量单位) to a formatted number, in a sentence.

    A change of a percentage is in percentage points (个百分点). ``是/否`` items
    and an empty unit add nothing.

    >>> with_unit("85.94", "分"), with_unit("1.2", "%", change=True), with_unit("3", "家", "en")
    ('85.94分', '1.2个百分点', '3 firms')
    """
    if value == display.MISSING or not measure or measure in ("是/否", "yes/no"):
        return value
    if measure == "%" and change:
        return f"{value}{'个百分点' if lang == 'zh' else ' percentage points'}"
    if lang == "zh" or measure == "%":
        return f"{value}{measure}"
    return f"{value} {measure_name(measure, lang)}"
