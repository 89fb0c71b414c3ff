"""The 未审核 mark (``unapproved=True``): every writer, every format, shows it first; never otherwise."""

from __future__ import annotations

import pytest

import zongheng as zh
from zongheng.report.brief import unit_brief
from zongheng.report.writers import FORMATS, write_attainment, write_report

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")


@pytest.fixture(scope="module")
def brief():
    ds = zh.datasets.load("tiangong_demo")
    return unit_brief(zh.build(ds.framework, ds.panel, ds.method), "永康市")


def _mark(path) -> str:
    """The text where each format puts the mark: the HTML title and first banner, the Word title
    page and header, the workbook's first sheet (its first rows)."""
    if path.suffix == ".html":
        html = path.read_text(encoding="utf-8")
        return html[html.index("<title>"):html.index("</title>")] + html[html.index("<body"):][:400]
    if path.suffix == ".docx":
        import docx

        doc = docx.Document(str(path))
        header = " ".join(p.text for p in doc.sections[0].header.paragraphs)
        return header + " ".join(p.text for p in doc.paragraphs[:4])
    import openpyxl

    first = openpyxl.load_workbook(path).worksheets[0]
    return " ".join(str(c) for row in first.iter_rows(max_row=3, values_only=True) for c in row if c)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_evaluation_documents_carry_the_mark_only_when_asked(brief, fmt, tmp_path):
    marked = write_report(brief, tmp_path / f"marked.{fmt}", format=fmt, unapproved=True)
    plain = write_report(brief, tmp_path / f"plain.{fmt}", format=fmt)
    assert "未审核" in _mark(marked)
    assert "未审核" not in _mark(plain)
    english = write_report(brief, tmp_path / f"en.{fmt}", format=fmt, lang="en", unapproved=True)
    assert "NOT APPROVED" in _mark(english) and "未审核" in _mark(english)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_attainment_documents_carry_the_mark_only_when_asked(fmt, tmp_path):
    ds = zh.datasets.load("eco_yongkang")
    unit = ds.panel.units[0]
    marked = write_attainment(ds.framework, ds.panel, unit, tmp_path / f"m.{fmt}", format=fmt,
                              unapproved=True)
    plain = write_attainment(ds.framework, ds.panel, unit, tmp_path / f"p.{fmt}", format=fmt)
    assert "未审核" in _mark(marked)
    assert "未审核" not in _mark(plain)
