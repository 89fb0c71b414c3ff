"""A unit's brief (单位评价简报): every 纵横 analysis of one unit, gathered once.

The demo, the HTML page, the Word draft and the Excel workbook all show the
same facts; they read them from one :class:`UnitBrief` so that the documents
never disagree with each other.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from zongheng.analysis.gap import GapResult, gap
from zongheng.analysis.path import PathResult, path
from zongheng.analysis.progress import progress
from zongheng.analysis.ranking import AwardResult, evaluate_award
from zongheng.analysis.strengths import select_unit, strengths
from zongheng.errors import ZonghengError, ZonghengWarning
from zongheng.evaluation import Evaluation
from zongheng.i18n import register_messages, text

__all__ = ["UnitBrief", "unit_brief"]

register_messages({
    "brief_award_skipped": (
        "评奖规则未能用于本数据，未评奖：{reason}",
        "the award rule could not be applied to this data, so no award is shown: {reason}",
    ),
})

_NUMERALS = "零一二三四五六七八九十"


def _numeral(n: int) -> str:
    """Return 1–99 as Chinese numerals (三, 十二, 二十); larger as digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _NUMERALS[ones]
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class UnitBrief:
    """Everything the reports say about one unit in one period.

    Attributes
    ----------
    evaluation : Evaluation
    unit, name : str
    period : hashable
    group : str or None
        The peer-group column (e.g. 设区市); ranks and peers are within it.
    peers : DataFrame
        The group's ranking table (``Evaluation.ranking``) for the period.
    history : DataFrame
        The unit's index and dimension scores and ranks over every period:
        ``period, node, name, score, rank, rank_in_group``.
    progress : DataFrame
        The unit's rows of :func:`~zongheng.analysis.progress.progress` (index and dimensions).
    strengths : DataFrame
        :func:`~zongheng.analysis.strengths.strengths` within the group.
    gap : GapResult or None
        The gap to the unit one place up (None for the group's leader).
    behind : GapResult or None
        The unit's lead over the unit one place down, per indicator (None for
        the group's last): the other half of 保三争二, the risk from below.
    path : PathResult or None
        The path to ``target_rank`` (None when the unit already holds it).
    target_rank : int or None
    award : AwardResult or None
        When the framework carries an award rule.
    duties : DataFrame
        责任分解: per lead department, its weak or declining indicators and the
        changes the path asks of it.
    missing : DataFrame
        The unit's indicators without a reported value in the period:
        ``indicator, name, department, imputed`` (the value the method filled
        in, NaN when none), for the documents' 说明.
    notes : tuple of str
        What the documents must say the brief could not do (e.g. an award rule
        that does not fit the data).
    """

    evaluation: Evaluation
    unit: str
    name: str
    period: Hashable
    group: str | None
    peers: pd.DataFrame
    history: pd.DataFrame
    progress: pd.DataFrame
    strengths: pd.DataFrame
    gap: GapResult | None
    path: PathResult | None
    target_rank: int | None
    award: AwardResult | None
    duties: pd.DataFrame
    behind: GapResult | None = None
    missing: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    @property
    def goal(self) -> str:
        """Return the goal in the officials' words: 保三争二 when the target is one place up.

        ``保三`` when the target is the current rank, ``争二`` (or ``争第12``) otherwise;
        English: "hold 3rd, reach 2nd".
        """
        from zongheng.i18n import get_lang

        rank, target = self.rank, self.target_rank or self.rank
        if get_lang() == "en":
            hold = f"hold {_ordinal(rank)}"
            return hold if target >= rank else f"{hold}, reach {_ordinal(target)}"
        if rank > 10:  # officials say 保三争二, but 保第83位、争第82位, not 保八十三争八十二
            hold = f"保第{rank}位"
            if target >= rank:
                return hold
            return f"{hold}、争第{target}位" if target == rank - 1 else f"争第{target}位"
        hold = f"保{_numeral(rank)}"
        if target >= rank:
            return hold
        return f"{hold}争{_numeral(target)}" if target == rank - 1 else f"争{_numeral(target)}"

    @property
    def rank(self) -> int:
        """Return the unit's rank within its group in the period."""
        row = self.peers[self.peers["unit"] == self.unit]
        column = f"rank_in_{self.group}" if self.group else "rank"
        return int(row[column].iloc[0])

    @property
    def score(self) -> float:
        """Return the unit's index score in the period."""
        root = self.evaluation.framework.root.code
        return float(self.peers.loc[self.peers["unit"] == self.unit, root].iloc[0])


def unit_brief(ev: Evaluation, unit: str, *, period: Hashable | None = None,
               group: str | None = None, target_rank: int | None = None,
               max_change: float | None = 0.2, k: int = 3) -> UnitBrief:
    """Gather the 纵横 analyses of one unit (单位简报).

    Parameters
    ----------
    ev : Evaluation
    unit : str
        Unit code or unique name.
    period : hashable, optional
        The last period by default.
    group : str, optional
        Peer-group column; every unit by default.
    target_rank : int, optional
        The rank to reach (e.g. 2 for 保三争二); one place up by default.
    max_change : float or None
        Largest relative change per indicator in the path.
    k : int
        Size of the strength and weakness lists.
    """
    # One check for every analysis below: an unknown unit, a screened-out unit or a
    # unit without a group label is a clear error here, never a traceback further on.
    sel = select_unit(ev, unit, period, group)
    u, p, code, period = sel.u, sel.p, sel.unit, sel.period
    peers = ev.ranking(period, group=group)
    if group is not None:
        label = ev.panel.group(group)[u]
        peers = peers[peers[group].astype(str) == str(label)].reset_index(drop=True)
    column = f"rank_in_{group}" if group else "rank"
    rank = int(peers.loc[peers["unit"] == code, column].iloc[0])
    target = target_rank if target_rank is not None else max(1, rank - 1)

    dims = [ev.framework.root.code, *ev.framework.dimensions]
    prog = progress(ev, nodes=dims)
    prog = prog[prog["unit"] == code].reset_index(drop=True)
    gap_result = gap(ev, code, versus="next", period=period, group=group) if rank > 1 else None
    path_result = None
    if target < rank:
        path_result = path(ev, code, target, period=period, group=group, max_change=max_change)
    notes: list[str] = []
    award = None
    if "award" in ev.framework.meta:
        try:
            award = evaluate_award(ev)
        except ZonghengError as exc:
            # Said in the documents and warned, never dropped in silence.
            notes.append(text("brief_award_skipped", reason=str(exc).splitlines()[-1].strip(" -")))
            warnings.warn(notes[-1], ZonghengWarning, stacklevel=2)
    behind = None
    below = peers.loc[peers[column] > rank, "unit"]
    if len(below):
        behind = gap(ev, code, versus=str(below.iloc[0]), period=period, group=group)
    sw = strengths(ev, code, period=period, group=group, k=k)
    return UnitBrief(ev, code, ev.panel.names()[u], period, group, peers,
                     _history(ev, u, group, dims), prog, sw, gap_result, path_result, target,
                     award, _duties(sw, path_result), behind, _missing(ev, u, p), tuple(notes))


def _history(ev: Evaluation, u: int, group: str | None, dims: list[str]) -> pd.DataFrame:
    cols = [ev.node_codes.index(c) for c in dims]
    rows: list[dict[str, Any]] = []
    group_ranks = ev.group_ranks(group) if group else None
    for p, period in enumerate(ev.panel.periods):
        for code, c in zip(dims, cols, strict=True):
            rows.append({
                "period": period, "node": code, "name": ev.framework.label(code),
                "score": float(ev.scores[p, u, c]), "rank": _int(ev.ranks[p, u, c]),
                "rank_in_group": _int(group_ranks[p, u, c]) if group_ranks is not None else None,
            })
    return pd.DataFrame(rows)


def _int(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def _duties(sw: pd.DataFrame, path_result: PathResult | None) -> pd.DataFrame:
    """Return 责任分解: each lead department's weak or declining indicators and path changes."""
    rows: list[dict[str, Any]] = []
    weak = sw[sw["kind"].isin(["weakness", "declined"])] if len(sw) else sw
    for _, r in weak.iterrows():
        rows.append({"department": r.get("department") or "—", "indicator": r["indicator"],
                     "name": r["name"], "issue": r["kind"], "now": r.get("value"),
                     "needed": np.nan})
    if path_result is not None:
        for _, r in path_result.changes.iterrows():
            rows.append({"department": r.get("department") or "—", "indicator": r["indicator"],
                         "name": r["name"], "issue": "path", "now": r["now"],
                         "needed": r["needed"]})
    frame = pd.DataFrame(rows, columns=["department", "indicator", "name", "issue", "now", "needed"])
    return frame.sort_values(["department", "indicator"], kind="stable").reset_index(drop=True)


def _missing(ev: Evaluation, u: int, p: int) -> pd.DataFrame:
    """Return the unit's indicators with no reported value in period ``p``, and what filled them."""
    fw = ev.framework
    absent = np.flatnonzero(np.isnan(ev.panel.values[p, u]))
    try:
        filled = np.asarray(ev.stage("imputed")[p, u])
    except ZonghengError:  # built with keep="final": what was filled is not kept
        filled = np.full(len(fw.indicator_codes), np.nan)
    inds = fw.indicators
    return pd.DataFrame({
        "indicator": [inds[i].code for i in absent],
        "name": [inds[i].name or inds[i].code for i in absent],
        "department": [inds[i].department for i in absent],
        "imputed": filled[absent].astype(np.float64),
    }, columns=["indicator", "name", "department", "imputed"])
