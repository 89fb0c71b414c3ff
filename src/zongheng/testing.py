"""Test helpers (测试工具): small frameworks and panels, an equality check, a page screenshot.

The screenshot draws an HTML report in headless Chromium.

Public so that users testing their own methods can use them as zongheng's own tests do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from zongheng.evaluation import Evaluation
from zongheng.framework import Framework, framework_from_records
from zongheng.panel import Panel

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "assert_evaluation_equal", "make_framework", "make_panel",
           "screenshot"]


def make_framework(tree: Mapping[str, Sequence[str]], *, directions: Mapping[str, str] | None = None,
                   weights: Mapping[str, float] | None = None,
                   denominators: Mapping[str, str] | None = None) -> Framework:
    """Build a framework from ``{parent: [children]}``; the first key is the index.

    Examples
    --------
    >>> fw = make_framework({"I": ["D1", "D2"], "D1": ["a", "b"], "D2": ["c"]}, directions={"b": "-"})
    >>> fw.indicator_codes, fw.levels["I"]
    (('a', 'b', 'c'), 3)
    """
    directions, weights, denominators = directions or {}, weights or {}, denominators or {}
    parents = {c: p for p, kids in tree.items() for c in kids}
    codes = list(tree) + [c for kids in tree.values() for c in kids if c not in tree]
    records = []
    for code in codes:
        rec: dict = {"code": code, "parent": parents.get(code), "weight": weights.get(code, 1.0)}
        if code in tree:
            rec["type"] = "aggregate"
        else:
            rec["direction"] = directions.get(code, "+")
            if code in denominators:
                rec["denominator"] = denominators[code]
        records.append(rec)
    return framework_from_records(records, [{"key": c} for c in codes])


def make_panel(framework: Framework, values: object, *, units: Sequence[str] | None = None,
               periods: Sequence[object] | None = None,
               groups: Mapping[str, Sequence[object]] | None = None,
               denominators: Mapping[str, Sequence[float]] | None = None) -> Panel:
    """Build a panel for ``framework`` from values shaped (unit, indicator) or (period, unit, indicator).

    Units default to ``U0, U1, …`` and periods to ``2020, 2021, …``.
    """
    array = np.asarray(values, dtype=float)
    if array.ndim == 2:
        array = array[None]
    n_p, n_u, _ = array.shape
    units = list(units) if units is not None else [f"U{i}" for i in range(n_u)]
    periods = list(periods) if periods is not None else list(range(2020, 2020 + n_p))
    attrs = dict(groups or {})
    den_codes = tuple(denominators or ())
    den = None
    if denominators:
        den = np.stack([np.asarray(v, dtype=float).reshape(n_p, n_u) for v in denominators.values()],
                       axis=-1)
    return Panel(array, units, periods, framework.indicator_codes, attrs, den, den_codes)


def assert_evaluation_equal(actual: Evaluation, expected: Evaluation, *, atol: float = 0.0) -> None:
    """Assert that two evaluations have the same units, periods, nodes, scores and ranks."""
    assert actual.panel.units == expected.panel.units, "units differ"
    assert actual.panel.periods == expected.panel.periods, "periods differ"
    assert actual.node_codes == expected.node_codes, "nodes differ"
    np.testing.assert_allclose(actual.scores, expected.scores, rtol=0, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(actual.ranks, expected.ranks)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-default-apps", "--disable-extensions")
"""Debian's chromium, with every background fetch off (a report page must stay offline)."""


def screenshot(html_path: str | Path, png_path: str | Path, *, width: int = 1280, height: int = 900,
               full_page: bool = True, scale: float = 1.0, chromium: str | Path = CHROMIUM) -> Path:
    """Save a PNG of an HTML report as headless Chromium draws it (网页截图).

    Uses Python ``playwright`` with Debian's chromium (no browser download); waits
    until the page says its charts are drawn (``body[data-ready=1]``).

    Parameters
    ----------
    html_path, png_path : str or Path
    width, height : int
        Viewport size in CSS pixels.
    full_page : bool
        The whole page rather than the first screen.
    scale : float
        Device pixels per CSS pixel (e.g. 0.75 for a smaller image, 2 for a sharp one).
    chromium : str or Path
        The Chromium executable.

    Returns
    -------
    Path
        The PNG written.

    Raises
    ------
    RuntimeError
        When playwright or Chromium is missing, or the page's charts do not draw.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # optional: only screenshots and browser tests need it
        raise RuntimeError("screenshot needs the Python package playwright>=1.45 "
                           "(截图需要安装 playwright)") from exc
    if not Path(chromium).exists():
        raise RuntimeError(f"Chromium not found at {chromium} (apt-get install chromium)")
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": width, "height": height},
                                    device_scale_factor=scale)
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=15000)
            page.screenshot(path=str(png_path), full_page=full_page)
        finally:
            browser.close()
    return png_path
