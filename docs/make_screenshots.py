"""Regenerate the report screenshots in docs/img/ from the current code (synthetic demo data).

Run from the repository root: ``.venv/bin/python docs/make_screenshots.py``. Needs Debian's
chromium (HTML), LibreOffice and poppler (Word, Excel), as the report tests do. The documents
are written to ``out/screenshots/`` (git-ignored) and the images to ``docs/img/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import zongheng as zh
from zongheng.report.brief import unit_brief
from zongheng.report.docx import docx_to_pdf, pdf_page_png
from zongheng.report.html import screenshot
from zongheng.report.writers import rank_uncertainty, write_attainment, write_report
from zongheng.report.xlsx import render_png

OUT = Path("out/screenshots")
IMG = Path("docs/img")


def main() -> None:
    """Write the documents, then their pictures."""
    OUT.mkdir(parents=True, exist_ok=True)
    ds = zh.datasets.load("tiangong_demo")
    ev = zh.build(ds.framework, ds.panel, ds.method)
    brief = unit_brief(ev, "永康市", group="设区市", target_rank=2)  # 保三争二
    # One set of samples, P(keep 3rd) and P(reach 2nd), as `report --uncertainty 10000` does.
    spread = rank_uncertainty(brief, samples=10_000, tops=(brief.rank, brief.target_rank))
    page = write_report(brief, OUT / "永康市.html", format="html", uncertainty=spread)
    screenshot(page, IMG / "report_html.png")
    book = write_report(brief, OUT / "永康市.xlsx", format="xlsx")
    render_png(book, IMG / "report_xlsx.png", sheet=(1, 5, 6), size=(1100, 400))
    tiangong = write_report(brief, OUT / "永康市_天工鼎评价分析.docx", format="docx", uncertainty=spread)
    eco_ds = zh.datasets.load("eco_yongkang")
    eco = write_attainment(eco_ds.framework, eco_ds.panel, "永康市", OUT / "永康市_生态文明建设情况报告.docx",
                           format="docx")
    eco_page = write_attainment(eco_ds.framework, eco_ds.panel, "永康市", OUT / "永康市_生态文明.html",
                                format="html")
    screenshot(eco_page, IMG / "report_html_eco.png")
    pdfs = docx_to_pdf([tiangong, eco], OUT)
    pdf_page_png(pdfs[0], IMG / "report_docx_tiangong.png")
    pdf_page_png(pdfs[1], IMG / "report_docx_eco.png")
    sys.stdout.write("written: " + " ".join(sorted(p.name for p in IMG.glob("report_*.png"))) + "\n")


if __name__ == "__main__":
    main()
