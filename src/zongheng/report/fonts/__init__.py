"""The bundled Chinese font (内置中文字体): a subset of Noto Sans CJK SC, OFL-1.1.

Charts and the HTML report must show Chinese on a machine with no Chinese font
installed. This package holds one regular face, renamed :data:`FONT_FAMILY`,
with GB2312's symbols and level-1 hanzi and every character zongheng prints
(see ``PROVENANCE.md`` beside this file and :mod:`zongheng.report.fonts.build`,
which regenerates it):

* :data:`OTF`, for matplotlib (:mod:`zongheng.report.charts` registers it);
* :data:`WOFF2`, for web pages: :func:`font_face_css` embeds it in an
  ``@font-face`` rule, so a report stays one self-contained file.

There is no bold face: it would double the size of every HTML report, and
browsers and matplotlib embolden the regular face where bold is asked for.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

__all__ = ["FONT_FAMILY", "OTF", "WOFF2", "font_face_css"]

HERE = Path(__file__).resolve().parent
FONT_FAMILY = "Zongheng Sans SC"
"""Family name of the bundled subset (not "Noto Sans CJK SC": it must not pass for the full font)."""
OTF = HERE / "ZonghengSansSC-Regular.otf"
"""The subset as OpenType (CFF outlines), for matplotlib and other desktop renderers."""
WOFF2 = HERE / "ZonghengSansSC-Regular.woff2"
"""The same subset as WOFF2, for browsers."""


@lru_cache(maxsize=2)
def font_face_css(family: str = FONT_FAMILY) -> str:
    """Return an ``@font-face`` rule embedding the bundled font (内嵌字体的 CSS 规则).

    The rule carries :data:`WOFF2` as a base64 ``data:`` URL (about 1 MB of
    text), so the page needs no file or host beside it. Put the rule in the
    page's ``<style>`` and name ``family`` in its ``font-family`` lists, e.g.
    ``font-family: "Noto Sans CJK SC", "Microsoft YaHei", "Zongheng Sans SC",
    sans-serif``: placed after the installed CJK fonts, a machine that has one
    keeps it (with every character) and a machine without one gets the bundled
    font instead of boxes; placed first, every machine draws the same glyphs.

    The face is declared at weight 400 only, so that browsers synthesise bold
    text (headings, ``<b>``) from it instead of drawing it regular.

    Canvas charts (ECharts) draw text once, when they are set up: draw them
    after the font has loaded, e.g. ``document.fonts.load('16px "Zongheng Sans
    SC"').then(drawCharts)``; a ``data:`` font loads within milliseconds.

    Parameters
    ----------
    family : str
        The family name the rule declares.

    Returns
    -------
    str
        One line of CSS, ``@font-face{…}``.
    """
    data = base64.b64encode(WOFF2.read_bytes()).decode("ascii")
    return (f'@font-face{{font-family:"{family}";'
            f'src:url(data:font/woff2;base64,{data}) format("woff2");'
            "font-weight:400;font-style:normal;font-display:swap}")
