"""What every section of a unit's page needs from the brief, read once (单位页面的公共事实).

Positions are looked up in dicts built once, never with ``tuple.index`` inside a
loop: the page's time grows linearly with the number of units.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from zongheng.errors import ZonghengError
from zongheng.evaluation import Evaluation
from zongheng.report.brief import UnitBrief
from zongheng.report.html.blocks import shown_value
from zongheng.report.html.text import group_rank, in_group, t

__all__ = ["UnitFacts"]


class UnitFacts:
    """Positions, names and labels of the brief's unit, period and group."""

    def __init__(self, brief: UnitBrief, lang: str) -> None:
        ev = brief.evaluation
        self.brief, self.ev, self.lang = brief, ev, lang
        fw = ev.framework
        self.root = fw.root.code
        self.dims = list(fw.dimensions)
        self.p = ev.panel.period_index(brief.period)
        self.pos = {u: i for i, u in enumerate(ev.panel.units)}
        self.u = self.pos[brief.unit]
        nodes = {c: i for i, c in enumerate(ev.node_codes)}
        self.col = {c: nodes[c] for c in [self.root, *self.dims]}
        self.node_col = nodes
        self.names = dict(zip(ev.panel.units, ev.panel.names(), strict=True))
        self.group = brief.group
        self.label = str(ev.panel.group(brief.group)[self.u]) if brief.group else None
        self.peer_units = [str(x) for x in brief.peers["unit"]]
        self.index_label = fw.label(self.root, lang)
        self.period_label = t("year", p=brief.period)

    def node(self, code: str) -> str:
        """Return a node's name in the page's language."""
        return self.ev.framework.label(code, self.lang)

    @property
    def scope(self) -> str:
        """The peer group in running text: 金华市 / in 金华市 (all units without a group)."""
        return in_group(self.label)

    @property
    def rank_label(self) -> str:
        """The heading of the unit's rank in its group: 金华市内名次 (总名次 without a group)."""
        return group_rank(self.label)

    def ranks(self) -> np.ndarray:
        """Ranks of the index within the group (overall without one), shaped (period, unit)."""
        r = self.ev.group_ranks(self.group) if self.group else self.ev.ranks
        return r[:, :, self.col[self.root]]

    @cached_property
    def _indicator_col(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.ev.panel.indicators)}

    @cached_property
    def _framework_col(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.ev.framework.indicator_codes)}

    @cached_property
    def _imputed(self) -> np.ndarray | None:
        try:
            return np.asarray(self.ev.stage("imputed")[self.p])
        except ZonghengError:  # built with keep="final": what was filled is not kept
            return None

    def raw(self, unit: int, code: str) -> str:
        """Return a unit's raw value of an indicator as shown: ``79.4（插补）`` when it was filled in."""
        i = self._indicator_col[code]
        value = self.ev.panel.values[self.p, unit, i]
        filled = self._imputed[unit, self._framework_col[code]] \
            if self._imputed is not None and np.isnan(value) else None
        return shown_value(value, filled)

    def raw_of(self, unit_code: str, code: str) -> str:
        """Return :meth:`raw` of the unit with this code."""
        return self.raw(self.pos[unit_code], code)


def top_dimension(ev: Evaluation, code: str) -> str:
    """Return the top-level dimension an indicator belongs to (the index itself for a flat one)."""
    fw = ev.framework
    root = fw.root.code
    node = code
    while fw.node(node).parent not in (root, None):
        node = fw.node(node).parent  # type: ignore[assignment]
    return node if fw.node(node).parent == root else root
