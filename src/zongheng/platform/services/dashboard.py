"""The dashboard of a run (领导驾驶舱): rank, change, scorecard, rank target, trajectory, P(rank ≤ k).

Everything is read from the run's stored results (scores, ranks, group ranks, the rank-uncertainty
summary kept when the run was made), so the page needs no computation beyond arithmetic on them:
no spinner. The one library call is the attainment table of a framework with targets.

Colours of the scorecard (红黄绿):

- an indicator with a target (``rule`` ``>=``/``<=`` and a target, or a yes/no item) takes the
  library's early-warning light (:func:`zongheng.analysis.attainment.attainment`);
- every other node is coloured by its standing among the peers (the run's units, or those of the
  focus unit's group): with *n* peers ranked, green when rank ≤ n/3 (top third), red when
  rank > 2n/3 (bottom third), yellow between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from zongheng import display

if TYPE_CHECKING:
    from zongheng.framework import Framework
    from zongheng.panel import Panel
    from zongheng.platform.services.runs import Results

__all__ = ["HOLD", "REACH", "Light", "RankTarget", "peer_colour", "peers_of", "probabilities", "rank_target",
           "scorecard", "trajectory"]

HOLD, REACH = 3, 2
"""保三争二: hold 3rd place, reach 2nd, within the group."""


def peer_colour(rank: float, n: int) -> str:
    """Colour a rank among ``n`` ranked peers: ``green`` top third, ``red`` bottom third, else ``yellow``.

    Examples
    --------
    >>> [peer_colour(r, 9) for r in (1, 3, 4, 6, 7, 9)]
    ['green', 'green', 'yellow', 'yellow', 'red', 'red']
    >>> peer_colour(float("nan"), 9)
    'none'
    """
    if math.isnan(rank) or n == 0:
        return "none"
    if 3 * rank <= n:
        return "green"
    if 3 * rank > 2 * n:
        return "red"
    return "yellow"


@dataclass(frozen=True)
class Light:
    """One node of the scorecard: its score, rank among the peers and colour."""

    code: str
    name: str
    depth: int
    """1: a dimension; 2 and below: its sub-dimensions and indicators."""
    score: str
    rank: int | None
    peers: int
    colour: str
    rule: str
    """``peers`` or ``target``."""
    value: str = ""
    target: str = ""


@dataclass(frozen=True)
class RankTarget:
    """The focus unit's rank among its peers and the scores at the target ranks (保三争二)."""

    rank: int | None
    peers: int
    score: str
    marks: list[dict[str, Any]]
    """Per target rank k (3 then 2): ``k``, ``score`` (the k-th best score), ``needed`` (points to
    reach it; ``0.00`` when held) and ``held``."""


def _int(x: float) -> int | None:
    return None if math.isnan(x) else int(x)


def peers_of(found: Results, group: tuple[str, str] | None) -> np.ndarray:
    """Positions of the peers: every unit, or the units of one group label."""
    if group is None:
        return np.arange(len(found.units))
    column, label = group
    return np.array([u for u, x in enumerate(found.groups[column]) if x == label], dtype=int)


def _ranks(found: Results, group: tuple[str, str] | None) -> np.ndarray:
    return found.ranks if group is None else found.group_ranks[group[0]]


def _subtree(framework: Framework, code: str, depth: int) -> list[tuple[str, int]]:
    out = [(code, depth)]
    for child in framework.children.get(code, ()):
        out += _subtree(framework, child, depth + 1)
    return out


def _targets(framework: Framework, panel: Panel, focus: str) -> dict[str, tuple[str, str, str]]:
    """Return indicator code → (light, value, target) for indicators judged against a target."""
    from zongheng.analysis.attainment import attainment
    from zongheng.report.targets import has_targets

    if not has_targets(framework):
        return {}
    judged = {i.code for i in framework.indicators
              if (i.rule in (">=", "<=") and i.target is not None) or i.rule == "yes"}
    table = attainment(framework, panel, unit=focus, period=panel.periods[-1])
    return {row.indicator: (str(row.light), display.value(row.value), display.value(row.target))
            for row in table.itertuples() if row.indicator in judged and isinstance(row.light, str)}


def scorecard(found: Results, framework: Framework, panel: Panel, focus: str,
              group: tuple[str, str] | None, lang: str) -> list[Light]:
    """Every dimension and indicator of the focus unit, coloured (红黄绿), in framework order."""
    at = {c: n for n, c in enumerate(found.nodes)}
    u = found.units.index(focus)
    last = len(found.periods) - 1
    ranks = _ranks(found, group)[last]
    peers = peers_of(found, group)
    targets = _targets(framework, panel, focus)
    lights = []
    for child in framework.children.get(framework.root.code, ()):
        for code, depth in _subtree(framework, child, 1):
            node = framework.node(code)
            name = node.name_en if lang == "en" and node.name_en else node.name
            col = at[code]
            rank = ranks[u, col]
            n = int(np.isfinite(ranks[peers, col]).sum())
            score = display.score(found.scores[last, u, col])
            if code in targets:
                light, value, target = targets[code]
                lights.append(Light(code, name, depth, score, _int(rank), n, light, "target", value, target))
            else:
                lights.append(Light(code, name, depth, score, _int(rank), n, peer_colour(rank, n), "peers"))
    return lights


def rank_target(found: Results, root: str, focus: str, group: tuple[str, str] | None,
                marks: Sequence[int] = (HOLD, REACH)) -> RankTarget:
    """Return the focus unit's rank among its peers, the k-th best score and the points it needs for it."""
    col = found.nodes.index(root)
    last = len(found.periods) - 1
    u = found.units.index(focus)
    peers = peers_of(found, group)
    scores = found.scores[last, peers, col]
    ordered = np.sort(scores[np.isfinite(scores)])[::-1]
    own, rank = found.scores[last, u, col], _ranks(found, group)[last, u, col]
    out = []
    for k in marks:
        if k > len(ordered):
            continue
        kth = ordered[k - 1]
        held = not math.isnan(rank) and rank <= k
        needed = 0.0 if held else (kth - own if not math.isnan(own) else math.nan)
        out.append({"k": k, "score": display.score(kth), "needed": display.score(needed), "held": held})
    return RankTarget(_int(rank), len(ordered), display.score(own), out)


def trajectory(found: Results, root: str, focus: str, group: tuple[str, str] | None
               ) -> tuple[list[int | None], list[int | None]]:
    """Return the focus unit's rank per period, overall and within its group (empty without a group)."""
    col, u = found.nodes.index(root), found.units.index(focus)
    overall = [_int(x) for x in found.ranks[:, u, col]]
    within = [_int(x) for x in found.group_ranks[group[0]][:, u, col]] if group is not None else []
    return overall, within


def probabilities(found: Results, focus: str, group: tuple[str, str] | None
                  ) -> tuple[list[float | None] | None, list[float | None] | None]:
    """P(rank ≤ 1, 2, 3) of the focus unit, overall and within its group; None when not computed."""
    summary = found.uncertainty
    if not summary or focus not in summary["units"]:
        return None, None
    u = summary["units"].index(focus)
    within = summary["groups"].get(group[0]) if group is not None else None
    return summary["p_top"][u], (within[u] if within is not None else None)
