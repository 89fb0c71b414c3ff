"""Sheets as a reader sees them (工作表截图): xlsx → PDF → PNG through LibreOffice.

Used by the tests and the documentation to look at a workbook the way it
opens and prints; not needed to write one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["render_pdf", "render_png"]


def render_pdf(xlsx: str | Path, pdf: str | Path, *, single_page: bool = False,
               timeout: float = 120) -> Path:
    """Print a workbook to PDF with LibreOffice (打印预览): the pages a printer would give.

    Parameters
    ----------
    xlsx, pdf : path
    single_page : bool
        One page per sheet (a screenshot of the whole sheet) instead of the
        workbook's own print setup (paper, print titles, fit to width).
    timeout : float
        Seconds allowed.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    FileNotFoundError
        If ``soffice`` is not installed.
    """
    soffice = shutil.which("soffice")
    if soffice is None:
        raise FileNotFoundError("render_pdf needs soffice (LibreOffice)")
    pdf = Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zongheng-xlsx-") as tmp:
        # A fresh profile: a user's running LibreOffice would otherwise swallow the call.
        env = {**os.environ, "HOME": tmp}
        fmt = ('pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
               if single_page else "pdf")
        subprocess.run([soffice, "--headless", "--convert-to", fmt, "--outdir", tmp,
                        str(Path(xlsx).resolve())], check=True, capture_output=True, env=env,
                       timeout=timeout)
        shutil.move(Path(tmp) / (Path(xlsx).stem + ".pdf"), pdf)
    return pdf


def render_png(xlsx: str | Path, png: str | Path, *, sheet: int | Sequence[int] = 1,
               dpi: int = 60, size: tuple[int, int] | None = (1200, 700),
               pdf: str | Path | None = None, timeout: float = 120) -> Path:
    """Render sheets as LibreOffice shows them (工作表截图): xlsx → PDF → PNG.

    Uses ``soffice --headless`` (export with one page per sheet) and ``pdftoppm``.

    Parameters
    ----------
    xlsx, png : path
    sheet : int or sequence of int
        The sheet's position, 0 for the first; several are stacked top to bottom
        (needs Pillow, which matplotlib brings).
    dpi : int
    size : (width, height) or None
        Crop each sheet's top-left corner to this many pixels (what a screen shows first).
    pdf : path, optional
        Keep the PDF (every sheet on one page, in order) here.
    timeout : float
        Seconds allowed for each tool.

    Returns
    -------
    Path
        The PNG written.

    Raises
    ------
    FileNotFoundError
        If ``soffice`` or ``pdftoppm`` is not installed.
    """
    pdftoppm = shutil.which("pdftoppm")
    if shutil.which("soffice") is None or pdftoppm is None:
        raise FileNotFoundError("render_png needs soffice (LibreOffice) and pdftoppm (poppler)")
    sheets = [sheet] if isinstance(sheet, int) else list(sheet)
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zongheng-xlsx-") as tmp:
        exported = render_pdf(xlsx, Path(tmp) / "book.pdf", single_page=True, timeout=timeout)
        pages = []
        for k in sheets:
            args = [pdftoppm, "-r", str(dpi), "-png", "-f", str(k + 1), "-l", str(k + 1),
                    "-singlefile"]
            if size is not None:
                args += ["-x", "0", "-y", "0", "-W", str(size[0]), "-H", str(size[1])]
            page = Path(tmp) / f"page{k}"
            subprocess.run([*args, str(exported), str(page)], check=True, capture_output=True,
                           timeout=timeout)
            pages.append(page.with_suffix(".png"))
        if len(pages) == 1:
            shutil.move(pages[0], png)
        else:
            _stack(pages, png)
        if pdf is not None:
            shutil.move(exported, pdf)
    return png


def _stack(pages: Sequence[Path], out: Path, gap: int = 12) -> None:
    """Stack page images top to bottom on white, a grey rule between them."""
    from PIL import Image, ImageDraw

    images = [Image.open(p).convert("RGB") for p in pages]
    width = max(im.width for im in images)
    height = sum(im.height for im in images) + gap * (len(images) - 1)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    y = 0
    for k, im in enumerate(images):
        canvas.paste(im, (0, y))
        y += im.height
        if k < len(images) - 1:
            draw.rectangle((0, y + gap // 2 - 1, width, y + gap // 2), fill="#A6A6A6")
            y += gap
    canvas.save(out)
