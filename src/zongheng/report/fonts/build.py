"""Build the bundled Chinese font (内置中文字体子集) from Noto Sans CJK SC.

Run from the repository, with the dev extra installed (fontTools and brotli)::

    .venv/bin/python -m zongheng.report.fonts.build

It reads the Simplified Chinese face of Debian's ``fonts-noto-cjk``
(``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc``, or ``--source``),
keeps the characters of :func:`characters`, renames the family to
:data:`~zongheng.report.fonts.FONT_FAMILY` and writes the OTF (for matplotlib)
and the WOFF2 (for the HTML report) beside this file. The same source and the
same repository give byte-identical files.

The character set is GB2312 without its level-2 hanzi (3,755 level-1 hanzi and
the 682 symbols of rows 1–9), ASCII, Latin-1, common punctuation, and every
character that zongheng itself can print: the string literals of its Python
sources (docstrings and other bare string statements excepted) and the text of
its data files (frameworks, datasets, templates, map names). The test
``tests/report/test_fonts.py`` fails when a character is added to any of those
without rebuilding the font.
"""

from __future__ import annotations

import argparse
import ast
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from zongheng.report import fonts

PACKAGE = Path(__file__).resolve().parents[2]
"""The ``zongheng`` package directory, whose sources and data are scanned."""

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
"""Debian ``fonts-noto-cjk`` (1:20220127+repack1-1: Noto Sans CJK 2.004), OFL-1.1."""
SOURCE_FAMILY = "Noto Sans CJK SC"

DATA_SUFFIXES = (".yaml", ".yml", ".csv", ".json", ".geojson", ".j2", ".md")
"""Data files whose whole text can reach a chart or a report page (a dataset README gives its title)."""

NOT_IN_SOURCE = frozenset("✔")
"""Characters zongheng's sources hold that Noto Sans CJK SC lacks, each never printed.

``✔`` is one spelling of "yes" that :mod:`zongheng.enterprise.columns` accepts in input.
"""

# Punctuation and symbols of Chinese and English text beyond GB2312 (which already has
# “”‘’、。·…—～ and the fullwidth forms): dashes, bullets, per-mille, primes, arrows.
_EXTRA_RANGES = ((0x0020, 0x007E),   # ASCII
                 (0x00A0, 0x00FF),   # Latin-1 supplement: accented names, ° ± × ÷ ² ³
                 (0x2010, 0x2027),   # dashes, quotes, bullets, ellipsis
                 (0x2030, 0x203B),   # ‰ ′ ″ ‹ › ※
                 (0x3000, 0x303F),   # CJK symbols and punctuation
                 (0xFF01, 0xFF5E),   # fullwidth ASCII
                 (0xFFE0, 0xFFE6))   # fullwidth ￠ ￡ ￢ ￣ ￤ ￥ ￦


def gb2312(rows: Iterable[int]) -> str:
    """Return the characters of the given GB2312 rows (区, 1–94), in code order.

    Rows 1–9 are the symbols, 16–55 the 3,755 level-1 hanzi (一级字库), 56–87
    the level-2 hanzi.
    """
    out = []
    for row in rows:
        for cell in range(1, 95):
            try:
                out.append(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # unassigned code points (row ends, rows 10–15)
    return "".join(out)


def _printable(chars: Iterable[str]) -> set[str]:
    """Drop control, format (BOM, zero-width) and private-use characters and line breaks."""
    return {c for c in chars if unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}}


def _literal_text(source: str) -> str:
    """Return the string literals of Python ``source``, bare string statements excepted.

    A bare string statement is a docstring (of a module, class or function, or
    the attribute docstrings after an assignment): documentation, never printed.
    """
    tree = ast.parse(source)
    bare = {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    return "".join(node.value for node in ast.walk(tree)
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)
                   and id(node) not in bare)


def package_characters(package: Path = PACKAGE) -> set[str]:
    """Return every printable character zongheng can print (程序用到的字符).

    The string literals of every ``.py`` under ``package`` (messages, terms,
    labels, templates in code) and the text of every data file (:data:`DATA_SUFFIXES`:
    frameworks, datasets and their names, the HTML template, the map's county names).
    """
    text: list[str] = []
    for path in sorted(package.rglob("*.py")):
        text.append(_literal_text(path.read_text(encoding="utf-8")))
    for path in sorted(package.rglob("*")):
        if path.suffix in DATA_SUFFIXES and path.is_file():
            text.append(path.read_text(encoding="utf-8-sig"))
    return _printable("".join(text))


def characters(package: Path = PACKAGE, available: set[str] | None = None) -> str:
    """Return the character set of the bundled font, sorted by code point.

    GB2312 rows 1–9 and 16–55 (symbols and level-1 hanzi) and :data:`_EXTRA_RANGES`,
    as far as they are ``available`` in the source font (all when None), and every
    one of :func:`package_characters` but :data:`NOT_IN_SOURCE`.
    """
    chars = set(gb2312([*range(1, 10), *range(16, 56)]))
    chars |= {chr(c) for lo, hi in _EXTRA_RANGES for c in range(lo, hi + 1)}
    chars = _printable(chars)
    if available is not None:
        chars &= available
    chars |= package_characters(package) - NOT_IN_SOURCE
    return "".join(sorted(chars))


def _source_face(path: Path, family: str):  # -> fontTools.ttLib.TTFont
    from fontTools.ttLib import TTCollection, TTFont

    faces = TTCollection(str(path)).fonts if path.suffix.lower() in {".ttc", ".otc"} \
        else [TTFont(str(path))]
    for face in faces:
        if face["name"].getDebugName(1) == family:
            return face
    raise SystemExit(f"{path}: no face named {family!r}")


def _rename(font, source_version: str) -> None:
    """Give the subset its own family name (not the source's: see PROVENANCE.md)."""
    family, postscript = fonts.FONT_FAMILY, fonts.FONT_FAMILY.replace(" ", "") + "-Regular"
    name = font["name"]
    name.names = [r for r in name.names if r.nameID not in {1, 2, 3, 4, 6, 10, 16, 17}]
    for name_id, value in ((1, family), (2, "Regular"), (4, family), (6, postscript),
                           (3, f"{source_version};{postscript};zongheng subset"),
                           (10, f"A subset of {SOURCE_FAMILY} {source_version} for zongheng's charts "
                                "and HTML reports: GB2312 symbols and level-1 hanzi, and the "
                                "characters zongheng prints.")):
        name.setName(value, name_id, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FullName, top.FamilyName = family, family
    # A CID-keyed font names each of its font dicts too ("NotoSansCJKjp-Regular-Ideographs");
    # PDF writers such as LibreOffice show that name, so it is renamed as well.
    for fd in getattr(top, "FDArray", None) or ():
        if hasattr(fd, "FontName"):
            fd.FontName = f"{postscript}-{fd.FontName.rsplit('-', 1)[-1]}"


def build(source: Path = SOURCE, out: Path = fonts.HERE) -> dict[str, object]:
    """Write the OTF and WOFF2 subsets into ``out``; return what was built.

    Returns a mapping with the character count, the glyph count and the file sizes.
    """
    from fontTools import subset

    font = _source_face(source, SOURCE_FAMILY)
    source_version = f"{font['head'].fontRevision:.3f}"
    cmap = font.getBestCmap()
    chars = characters(available={chr(c) for c in cmap})
    lacking = sorted(c for c in chars if ord(c) not in cmap)
    if lacking:
        raise SystemExit(f"{SOURCE_FAMILY} lacks {''.join(lacking)!r}: add them to NOT_IN_SOURCE "
                         "with the reason they are never printed")
    options = subset.Options()
    options.layout_features = ["kern"]   # horizontal text; no vertical or locale variants
    options.desubroutinize = True        # a smaller WOFF2: brotli compresses flat charstrings better
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    _rename(font, source_version)
    font.recalcTimestamp = False         # keep the source's dates: same input, same bytes
    out.mkdir(parents=True, exist_ok=True)
    font.flavor = None
    font.save(str(out / fonts.OTF.name))
    font.flavor = "woff2"
    font.save(str(out / fonts.WOFF2.name))
    return {"characters": len(chars), "glyphs": len(font.getGlyphOrder()),
            "otf_bytes": (out / fonts.OTF.name).stat().st_size,
            "woff2_bytes": (out / fonts.WOFF2.name).stat().st_size}


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m zongheng.report.fonts.build [--source TTC] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help=f"the Noto Sans CJK file holding {SOURCE_FAMILY!r} (.ttc or .otf)")
    parser.add_argument("--out", type=Path, default=fonts.HERE, help="where to write the fonts")
    args = parser.parse_args(argv)
    built = build(args.source, args.out)
    print(", ".join(f"{k}: {v:,}" for k, v in built.items()))  # noqa: T201


if __name__ == "__main__":
    main()
