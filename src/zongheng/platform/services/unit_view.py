"""One unit of a run, as the unit page shows it (单位画像): the library's analyses, ready to read.

Every number comes from the library's analyses of the run's own evaluation
(:func:`~zongheng.platform.services.runs.evaluation_of`): ``progress`` (纵向比进步), the ranks
overall and within groups (横向比进位), ``strengths`` (优势短板), ``gap`` (差距), ``path`` (路径,
with its 责任分解 per lead department) and ``whatif`` (情景模拟). Numbers are turned into text by
:mod:`zongheng.display` here, so the page and its test read one formatting.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from zongheng import display
from zongheng.errors import Problem, ZonghengError
from zongheng.i18n import register_messages, using_lang

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.analysis.path import PathResult
    from zongheng.evaluation import Evaluation
    from zongheng.framework import Indicator
    from zongheng.platform.models import Run

__all__ = ["PathAnswer", "PathForm", "asks_of", "department_lines", "gaps", "group_label", "indicator_label",
           "longitudinal", "node_label", "path_answer", "path_of", "path_query", "path_rows", "position",
           "progress_of", "read_path_form", "standing", "strengths_of", "whatif_inputs", "whatif_of"]

register_messages({
    "pf_unit_yes": ("是", "yes"),
    "pf_unit_no": ("否", "no"),
    "pf_unit_whatif_not_number": ("指标 {indicator} 的输入 “{value}” 不是数值",
                                  "the value “{value}” typed for {indicator} is not a number"),
})

_PROGRESS: dict[tuple[int, str, str], tuple[pd.DataFrame, tuple[str, ...]]] = {}
_PROGRESS_MAX = 8


def position(ev: Evaluation, unit: str) -> int | None:
    """Return the unit's position in the run by its name as the run has it, None if not there."""
    units = ev.panel.units
    return units.index(unit) if unit in units else None


def indicator_label(ind: Indicator, lang: str) -> str:
    """Return an indicator's name in ``lang`` (Chinese when there is no English name)."""
    return (ind.name_en if lang == "en" and ind.name_en else ind.name) or ind.code


def node_label(ev: Evaluation, code: str, lang: str) -> str:
    """Return a node's (dimension's) name in ``lang``."""
    node = ev.framework.node(code)
    return (node.name_en if lang == "en" and node.name_en else node.name) or code


def _errors(error: ZonghengError, lang: str) -> str:
    problems = getattr(error, "problems", ())
    return "；".join(p.message(lang) for p in problems) if problems else str(error)


def _int(x: Any) -> int | None:
    """Return a whole number, None for NaN or pandas' <NA>."""
    try:
        return None if x is None or math.isnan(float(x)) else int(x)
    except TypeError:
        return None


# -- 纵向比进步 ------------------------------------------------------------------------------------


def progress_of(run: Run, ev: Evaluation, lang: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Return ``ev.progress()`` for a run and its warnings (kept: the frame covers every unit)."""
    key = (run.id, run.input_sha256, run.method_text)     # a run is immutable: its analyses are too
    if key not in _PROGRESS:
        with warnings.catch_warnings(record=True) as caught, using_lang(lang):
            warnings.simplefilter("always")
            frame = ev.progress()
        from zongheng.analysis.progress import IncomparableScoresWarning

        notes = tuple(str(w.message) for w in caught if issubclass(w.category, IncomparableScoresWarning))
        if len(_PROGRESS) >= _PROGRESS_MAX:
            _PROGRESS.pop(next(iter(_PROGRESS)))
        _PROGRESS[key] = (frame, notes)
    return _PROGRESS[key]


def longitudinal(ev: Evaluation, frame: pd.DataFrame, unit: str, lang: str) -> dict[str, Any]:
    """纵向比进步: the unit's index score and rank per period, and each indicator's change.

    Returns ``periods`` (period, score, rank, rank change, dimension scores) and ``indicators``
    (last period: value, change on the previous and on the first period with the unit of
    measure, and the change of its score).
    """
    fw = ev.framework
    mine = frame[frame["unit"] == unit]
    root = fw.root.code
    dims = list(fw.children.get(root, ()))
    # Not dict(groupby): a GroupBy has a ``keys`` attribute (the column name) that dict() would call.
    by_node = {code: rows for code, rows in mine.groupby("node", sort=False)}  # noqa: C416
    periods = []
    for n, period in enumerate(ev.panel.periods):
        index = by_node[root].iloc[n]
        periods.append({
            "period": period, "score": display.score(index["score"]),
            "change": display.signed(index["score_change"]), "rank": _int(index["rank"]),
            "rank_change": _int(index["rank_change"]),
            "dims": [display.score(by_node[d].iloc[n]["score"]) for d in dims]})
    indicators = []
    for ind in fw.indicators:
        last = by_node[ind.code].iloc[-1]
        indicators.append({
            "code": ind.code, "name": indicator_label(ind, lang), "measure": ind.unit or "",
            "department": ind.department or "", "value": display.value(last["value"]),
            "change": display.signed_value(last["value_change"]),
            "change_base": display.signed_value(last["value_change_base"]),
            "score_change": display.signed(last["score_change"]),
            "score_change_base": display.signed(last["score_change_base"])})
    return {"periods": periods, "dims": [node_label(ev, d, lang) for d in dims], "indicators": indicators,
            "first": ev.panel.periods[0], "last": ev.panel.periods[-1]}


# -- 横向比进位 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Neighbour:
    """A unit just ahead of or behind the unit: its name, score and the difference in points."""

    unit: str
    score: str
    difference: str


def _neighbours(scores: np.ndarray, members: np.ndarray, u: int, names: Sequence[str]
                ) -> tuple[Neighbour | None, Neighbour | None]:
    """Return the nearest member strictly above and strictly below ``u`` (first in data order on a tie)."""
    mine = scores[u]
    with np.errstate(invalid="ignore"):
        above = members & (scores > mine)
        below = members & (scores < mine)

    def pick(mask: np.ndarray, best: Any) -> Neighbour | None:
        if not mask.any():
            return None
        q = int(np.flatnonzero(mask & (scores == best(scores[mask])))[0])
        return Neighbour(names[q], display.score(scores[q]), display.signed(scores[q] - mine))

    return pick(above, np.min), pick(below, np.max)


def group_label(labels: Sequence[Any], label: Any, lang: str) -> str:
    """Return a group label as text; a 0/1 column (山区26县) says 是/否 (yes/no)."""
    from zongheng.i18n import text

    if {str(x) for x in labels if x is not None} <= {"0", "1", "0.0", "1.0", "True", "False"}:
        return text("pf_unit_yes" if str(label) in ("1", "1.0", "True") else "pf_unit_no", lang)
    return str(label)


def standing(ev: Evaluation, u: int, lang: str) -> list[dict[str, Any]]:
    """横向比进位: the unit's rank overall and within each of its groups, the change, its neighbours.

    One row per scope: ``column`` and ``label`` (None overall), ``rank``, ``of`` (scored units of
    the scope), ``change`` (places climbed since the previous period), ``ahead`` and ``behind``.
    """
    from zongheng.steps.rank import group_codes

    panel = ev.panel
    p = len(panel.periods) - 1
    root = ev.node_codes.index(ev.framework.root.code)
    scores = ev.scores[p, :, root]
    scored = ~np.isnan(scores)
    names = panel.units
    scopes: list[tuple[str | None, Any, np.ndarray, np.ndarray]] = [
        (None, None, np.ones(len(names), dtype=bool), ev.ranks)]
    for column in panel.groups:
        codes = group_codes(panel.group(column))
        if codes[u] >= 0:
            scopes.append((column, panel.group(column)[u], codes == codes[u], ev.group_ranks(column)))
    rows = []
    for column, label, members, ranks in scopes:
        rank = _int(ranks[p, u, root])
        before = _int(ranks[p - 1, u, root]) if p > 0 else None
        ahead, behind = _neighbours(scores, members & scored, u, names)
        rows.append({"column": column, "rank": rank, "of": int((members & scored).sum()),
                     "label": None if column is None else group_label(panel.group(column), label, lang),
                     "change": None if rank is None or before is None else before - rank,
                     "ahead": ahead, "behind": behind})
    return rows


# -- 优势短板 -------------------------------------------------------------------------------------


def strengths_of(ev: Evaluation, unit: str, lang: str) -> tuple[list[dict[str, Any]], str | None]:
    """Return the rows of ``ev.strengths(unit)`` ready to show, or an error message."""
    try:
        with using_lang(lang):
            table = ev.strengths(unit)
    except ZonghengError as error:
        return [], _errors(error, lang)
    inds = {i.code: i for i in ev.framework.indicators}
    rows = []
    for r in table.to_dict("records"):
        ind = inds[r["indicator"]]
        rows.append({"kind": r["kind"], "code": r["indicator"], "name": indicator_label(ind, lang),
                     "dimension": node_label(ev, r["dimension"], lang), "rank": _int(r["rank"]),
                     "of": _int(r["group_size"]), "value": display.value(r["value"]),
                     "change": display.signed_value(r["change"]), "measure": r["unit_of_measure"] or "",
                     "department": r["department"] or ""})
    return rows, None


# -- 找差距 --------------------------------------------------------------------------------------

GAP_ROWS = 10
"""Indicators shown per gap: the largest contributions (the dimension subtotals show the rest)."""


def gaps(ev: Evaluation, unit: str, behind: str | None, lang: str) -> list[dict[str, Any]]:
    """Return the gap to the unit ahead, to the unit behind and to the leader (``ev.gap``).

    Each: ``kind`` (next, behind, leader), the peer, scores, the gap in points, the dimension
    subtotals and the :data:`GAP_ROWS` largest indicator contributions; or ``error``.
    """
    inds = {i.code: i for i in ev.framework.indicators}
    asks: list[tuple[str, str]] = [("next", "next")]
    if behind is not None:
        asks.append(("behind", behind))
    asks.append(("leader", "leader"))
    out = []
    for kind, versus in asks:
        try:
            with using_lang(lang):
                found = ev.gap(unit, versus=versus)
        except ZonghengError as error:
            out.append({"kind": kind, "error": _errors(error, lang)})
            continue
        indicators = []
        for r in found.indicators.head(GAP_ROWS).to_dict("records"):
            ind = inds[r["indicator"]]
            indicators.append({
                "code": r["indicator"], "name": indicator_label(ind, lang),
                "measure": r["unit_of_measure"] or "",
                "unit_value": display.value(r["unit_value"]), "peer_value": display.value(r["peer_value"]),
                "contribution": display.signed(r["contribution"]), "share": display.percent(r["share"]),
                "department": r["department"] or ""})
        dimensions = [{"code": r["dimension"], "name": node_label(ev, r["dimension"], lang),
                       "unit_score": display.score(r["unit_score"]),
                       "peer_score": display.score(r["peer_score"]),
                       "contribution": display.signed(r["contribution"])}
                      for r in found.dimensions.to_dict("records")]
        out.append({"kind": kind, "peer": found.peer_name, "peer_rank": found.peer_rank,
                    "unit_score": display.score(found.unit_score),
                    "peer_score": display.score(found.peer_score),
                    "gap": display.signed(found.gap), "method": found.method, "notes": list(found.notes),
                    "dimensions": dimensions, "indicators": indicators})
    return out


# -- 找路径 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathForm:
    """What the user asked of the path: target rank, the rank's scope, the levers held, the margin."""

    target: int
    group: str | None = None
    exclude: tuple[str, ...] = ()
    margin: float = 0.0
    problems: tuple[str, ...] = field(default=())
    """Message keys of inputs that were not understood (the default was used)."""


def read_path_form(ev: Evaluation, u: int, query: Mapping[str, str], excluded: Sequence[str]) -> PathForm:
    """Read the path form's query: ``target``, ``group``, ``exclude`` (repeated) and ``margin``.

    The default target is one place better than now overall or within the group (保三争二: from
    3rd, 2nd); an input that does not read keeps its default and names itself in ``problems``.
    """
    from zongheng.io.tables import parse_number

    panel, fw = ev.panel, ev.framework
    root = ev.node_codes.index(fw.root.code)
    group = query.get("group") or None
    problems: list[str] = []
    if group is not None and group not in panel.groups:
        group, problems = None, ["pf_unit_bad_group"]
    ranks = ev.ranks if group is None else ev.group_ranks(group)
    now = _int(ranks[-1, u, root])
    target = max(1, (now or 2) - 1)
    typed = (query.get("target") or "").strip()
    if typed:
        number = parse_number(typed)
        if number is not None and not math.isnan(number) and number.is_integer() and 1 <= number <= 100_000:
            target = int(number)
        else:
            problems.append("pf_unit_bad_target")
    margin = 0.0
    typed = (query.get("margin") or "").strip()
    if typed:
        number = parse_number(typed)
        if number is not None and not math.isnan(number) and 0 <= number <= 100:
            margin = float(number)
        else:
            problems.append("pf_unit_bad_margin")
    known = set(fw.indicator_codes) | set(fw.children.get(fw.root.code, ()))
    exclude = tuple(dict.fromkeys(c for c in excluded if c in known))
    return PathForm(target, group, exclude, margin, tuple(problems))


def path_of(ev: Evaluation, unit: str, form: PathForm, lang: str) -> tuple[PathResult | None, str | None]:
    """Return ``ev.path`` for the form, or the library's message when it cannot answer."""
    try:
        with using_lang(lang):
            return ev.path(unit, form.target, group=form.group, exclude=list(form.exclude) or None,
                           margin=form.margin), None
    except ZonghengError as error:
        return None, _errors(error, lang)


def _direction(symbol: str) -> int:
    return -1 if symbol in ("-", "−") else 1


def path_rows(ev: Evaluation, result: PathResult, lang: str) -> list[dict[str, Any]]:
    """Return the path's changes ready to show: now, needed (rounded toward improvement), change."""
    inds = {i.code: i for i in ev.framework.indicators}
    rows = []
    for r in result.changes.to_dict("records"):
        ind = inds[r["indicator"]]
        rows.append({"code": r["indicator"], "name": indicator_label(ind, lang),
                     "measure": r["measure"] or "",
                     "now": display.value(r["now"]),
                     "needed": display.value(r["needed"], direction=_direction(r["direction"])),
                     "change": display.signed_value(r["change"]),
                     "change_pct": display.signed(r["change_pct"], "percent") + "%",
                     "share": display.percent(r["effort_share"]), "department": r["department"] or ""})
    return rows


NO_DEPARTMENT = "—"
"""The 责任分解 line of indicators without a lead department."""


def department_lines(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """责任分解: one line per lead department listing what it is asked to lift, in the path's order."""
    lines: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        lines.setdefault(r["department"] or NO_DEPARTMENT, []).append(r)
    return [{"department": d, "asks": items} for d, items in lines.items()]


def asks_of(rows: Sequence[Mapping[str, Any]], department: str) -> list[Mapping[str, Any]]:
    """Return what one lead department is asked to lift: its line of :func:`department_lines`."""
    for line in department_lines(rows):
        if line["department"] == department:
            return line["asks"]
    return []


@dataclass(frozen=True)
class PathAnswer:
    """The path a page asked for: the form as read, the library's answer or its message, the rows."""

    form: PathForm
    result: PathResult | None
    error: str | None
    rows: list[dict[str, Any]]


def path_answer(ev: Evaluation, unit: str, u: int, query: Mapping[str, str], excluded: Sequence[str],
                lang: str) -> PathAnswer:
    """Read the path form and ask the library (``ev.path``): what the unit and department pages show."""
    form = read_path_form(ev, u, query, excluded)
    result, error = path_of(ev, unit, form, lang)
    return PathAnswer(form, result, error, path_rows(ev, result, lang) if result is not None else [])


def path_query(unit: str, form: PathForm) -> str:
    """Return the query string that asks the same path again (the department page's links carry it)."""
    from urllib.parse import urlencode

    pairs: list[tuple[str, str]] = [("unit", unit), ("target", str(form.target))]
    if form.group is not None:
        pairs.append(("group", form.group))
    pairs += [("exclude", code) for code in form.exclude]
    if form.margin:
        pairs.append(("margin", repr(form.margin)))
    return urlencode(pairs)


# -- 情景模拟 ------------------------------------------------------------------------------------


def whatif_inputs(ev: Evaluation, u: int, lang: str) -> list[dict[str, Any]]:
    """Return the sandbox's inputs: every indicator's last-period value of the unit, exactly (repr)."""
    row = ev.panel.values[-1, u]
    return [{"code": ind.code, "name": indicator_label(ind, lang), "measure": ind.unit or "",
             "value": exact(row[i]), "shown": display.value(row[i])}
            for i, ind in enumerate(ev.framework.indicators)]


def exact(x: float) -> str:
    """Return a value as text that reads back as the same float: ``5`` for 5.0, ``0.221``; blank if missing.

    The sandbox compares what comes back with the run's value: a rounded figure would count as a change.
    """
    x = float(x)
    if math.isnan(x):
        return ""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def whatif_of(ev: Evaluation, u: int, typed: Mapping[str, str], lang: str
              ) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Re-score with the values typed for the unit's last period (``ev.whatif``); nothing is saved.

    Only values that differ from the run's are changes; a value that does not read as a number is
    refused naming its indicator. Returns the unit's score and rank before and after, or problems.
    """
    from zongheng.io.tables import parse_number

    fw, panel = ev.framework, ev.panel
    period, unit = panel.periods[-1], panel.units[u]
    now = panel.values[-1, u]
    changes, problems = [], []
    for i, ind in enumerate(fw.indicators):
        text = typed.get(ind.code)
        if text is None or not text.strip():
            continue
        number = parse_number(text)
        if number is None or math.isnan(number):
            problems.append(Problem("pf_unit_whatif_not_number", {
                "indicator": f"{ind.code} {indicator_label(ind, lang)}", "value": text[:40]}))
            continue
        if number != now[i]:
            changes.append({"unit": unit, "indicator": ind.code, "period": period, "value": number})
    if problems:
        return None, problems
    root = ev.node_codes.index(fw.root.code)
    before = {"score": display.score(ev.scores[-1, u, root]), "rank": _int(ev.ranks[-1, u, root])}
    if not changes:
        return {"changes": [], "before": before, "after": before, "rank_change": 0,
                "score_change": display.signed(0.0), "of": int((~np.isnan(ev.scores[-1, :, root])).sum())}, []
    try:
        with warnings.catch_warnings(), using_lang(lang):
            warnings.simplefilter("ignore")
            result = ev.whatif(changes)
    except ZonghengError as error:
        return None, list(getattr(error, "problems", ()))
    row = result.table[result.table["unit"] == unit].iloc[0]
    inds = {i.code: i for i in fw.indicators}
    shown = [{"code": c["indicator"], "name": indicator_label(inds[c["indicator"]], lang),
              "measure": inds[c["indicator"]].unit or "", "before": display.value(c["before"]),
              "after": display.value(c["after"])} for c in result.changes.to_dict("records")]
    return {"changes": shown, "before": before,
            "after": {"score": display.score(row["index_after"]), "rank": _int(row["rank_after"])},
            "rank_change": _int(row["rank_change"]), "score_change": display.signed(row["index_change"]),
            "of": int(result.table["rank_after"].notna().sum())}, []


def period_label(period: Hashable) -> str:
    """Return a period as text (2024, not 2024.0)."""
    return str(period)
