"""Interactive HTML reports (交互式网页报告): one self-contained file that works offline.

Two pages:

- :func:`write_html` — a unit's evaluation, from a
  :class:`~zongheng.report.brief.UnitBrief`: ranking with a peer-group filter,
  index distribution, dimensions, rank trajectories, a heat map of named
  indicators banded by dimension, strengths and weaknesses, the gap to the unit
  above, the goal (保三争二: the lead over the unit behind, P(keep the rank), the
  path up and 责任分解), the award, a county map, rank uncertainty and notes;
- :func:`write_attainment_html` — a unit's attainment of its targets (生态文明
  supervision indicators): targets, attainment, lights and trends, no ranking.

Every number goes through :mod:`zongheng.display` and every word through the
message catalogue, so the pages agree with the Word and Excel reports. The
page references no other host: Apache ECharts (npm ``echarts``, Apache-2.0,
``static/echarts.min.js``) and the county boundaries are inlined.

Modules: :mod:`.page` (template, ECharts, the font hook), :mod:`.blocks`
(sections, tables, numbers as shown), :mod:`.charts` (ECharts options),
:mod:`.text` (shared words), :mod:`.facts`, then the unit page's sections
(:mod:`.standing`, :mod:`.indicators`, :mod:`.goal`, :mod:`.award`,
:mod:`.uncertainty`, :mod:`.county_map`, :mod:`.notes`) gathered by
:mod:`.unit`, and :mod:`.attainment`. ``screenshot`` and the Chromium settings
live in :mod:`zongheng.testing` and are re-exported here, where callers found
them before the split.
"""

from __future__ import annotations

from zongheng.evaluation import Evaluation
from zongheng.report.html.attainment import (
    check_targets,
    is_attainment_framework,
    render_attainment_html,
    unit_attainment,
    write_attainment_html,
    write_unit_attainment_html,
)
from zongheng.report.html.page import ECHARTS_VERSION, FONT_STACK
from zongheng.report.html.text import t as _t
from zongheng.report.html.unit import SECTIONS, render_html, write_html
from zongheng.report.provenance import is_synthetic as _is_panel_synthetic
from zongheng.testing import CHROMIUM, CHROMIUM_ARGS, screenshot

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "ECHARTS_VERSION", "FONT_STACK", "SECTIONS", "SYNTHETIC_BANNER",
           "check_targets", "is_attainment_framework", "is_synthetic", "render_attainment_html",
           "render_html", "screenshot", "unit_attainment", "write_attainment_html", "write_html",
           "write_unit_attainment_html"]

SYNTHETIC_BANNER = _t("synthetic_banner")
"""The banner of a page on synthetic data, in Chinese (as the page shows it by default)."""


def is_synthetic(ev: Evaluation) -> bool:
    """Return whether the evaluation was built on a bundled synthetic dataset (合成数据).

    See :func:`zongheng.report.provenance.is_synthetic`.
    """
    return _is_panel_synthetic(ev.panel)
