"""Word drafts in the official document style (Word 公文初稿).

Two documents, both from the same tables as the other reports:

- :func:`write_tiangong_docx`: the 天工鼎 evaluation analysis of one unit
  (总体情况, 指标分析, 差距分析, 路径建议, 责任分解), from a
  :class:`~zongheng.report.brief.UnitBrief`;
- :func:`write_eco_docx`: the 生态文明建设情况报告 draft for the People's
  Congress (总体情况, 主要指标完成情况, 存在问题, 下步工作), from
  :func:`~zongheng.analysis.attainment.attainment`.

:func:`docx_to_pdf` renders a draft with LibreOffice as a reader would see it
(with the font aliases of :func:`~zongheng.report.docx_style.fontconfig_file`),
and :func:`pdf_page_png` makes a picture of one page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

from zongheng.errors import ZonghengError
from zongheng.report.docx_eco import write_eco_docx
from zongheng.report.docx_style import fontconfig_file
from zongheng.report.docx_tiangong import write_tiangong_docx

__all__ = ["docx_to_pdf", "pdf_page_png", "write_eco_docx", "write_tiangong_docx"]


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ZonghengError(f"找不到 {name}（请安装 {package}） / {name} not found "
                            f"(install {package})")
    return found


def docx_to_pdf(paths: str | PathLike[str] | Sequence[str | PathLike[str]],
                outdir: str | PathLike[str] | None = None, *, timeout: float = 300) -> list[Path]:
    """Convert Word files to PDF with LibreOffice headless (转换为 PDF).

    Parameters
    ----------
    paths : path or sequence of paths
        The ``.docx`` files; converted in one LibreOffice run.
    outdir : path, optional
        Where the PDFs go; beside the first file by default.
    timeout : float
        Seconds before giving up.

    Returns
    -------
    list of Path
        The PDF files, in the order of ``paths``.

    Raises
    ------
    ZonghengError
        When ``soffice`` is not installed (Debian: ``libreoffice-writer-nogui``)
        or the conversion fails.
    """
    files = [Path(paths)] if isinstance(paths, str | PathLike) else [Path(p) for p in paths]
    soffice = _tool("soffice", "libreoffice-writer-nogui")
    out = Path(outdir) if outdir is not None else files[0].parent
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zongheng-soffice-") as home:
        # A fresh HOME gives LibreOffice its own profile: no lock held by a desktop
        # instance, nothing left behind; FONTCONFIG_FILE maps the 公文 font names.
        env = {**os.environ, "HOME": home, "FONTCONFIG_FILE": str(fontconfig_file())}
        result = subprocess.run(
            [soffice, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(out),
             *map(str, files)], env=env, capture_output=True, text=True, timeout=timeout,
            check=False)
    pdfs = [out / f"{f.stem}.pdf" for f in files]
    missing = [p for p in pdfs if not p.exists()]
    if result.returncode != 0 or missing:
        raise ZonghengError(f"LibreOffice 转换失败 / conversion failed: {result.stderr.strip()}")
    return pdfs


def pdf_page_png(pdf: str | PathLike[str], png: str | PathLike[str], *, page: int = 1,
                 dpi: int = 70) -> Path:
    """Render one page of a PDF as a PNG with ``pdftoppm`` (页面截图).

    Parameters
    ----------
    pdf, png : path
        The PDF to read and the PNG to write.
    page : int
        Page number, from 1.
    dpi : int
        Resolution (70 gives a page about 580 pixels wide).
    """
    pdftoppm = _tool("pdftoppm", "poppler-utils")
    target = Path(png)
    target.parent.mkdir(parents=True, exist_ok=True)
    stem = target.with_suffix("")
    subprocess.run([pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(stem)], check=True, capture_output=True)
    made = stem.with_suffix(".png")
    if made != target:
        made.replace(target)
    return target
