"""亩均效益 grading engine (亩均效益综合评价): scores, ranks and A/B/C/D grades of enterprises.

For each branch (规上, 规下 …) of the rule, every firm's indicators are computed
from its base data (亩均税收 = 税收 / 用地面积 …), scored against benchmarks
(value / 基准值 × 权重, optionally capped) or by the 功效系数 method, summed,
ranked within the branch and graded by percentile cut-offs. Exempt firms (免评)
and protected firms (保护期) are scored but not graded; a safety/environment
violation (一票否决) caps the grade. Everything is array arithmetic over all
firms at once: the only loops run over branches and indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from zongheng.enterprise.columns import EnterpriseTable, load_enterprises
from zongheng.enterprise.rule import GRADES, Branch, GradingRule, read_rule
from zongheng.errors import DataError, MethodError, Problem
from zongheng.framework import Framework
from zongheng.i18n import register_messages
from zongheng.io.tables import Table
from zongheng.steps.normalise import efficacy
from zongheng.steps.rank import competition_rank

__all__ = ["REASONS", "GradingResult", "grade_enterprises"]

register_messages({
    "muyun_grade_bad_benchmark": (
        "分组 {branch} 的指标 {indicator} 基准值为 {value}，必须为正数（可在规则的 benchmarks 中给定）",
        "the benchmark of {indicator} in the branch {branch} is {value}; it must be positive "
        "(give it under benchmarks in the rule)",
    ),
    "muyun_grade_all_undefined": (
        "分组 {branch} 的指标 {indicator} 对所有参评企业都无法计算（分母为 0）",
        "the indicator {indicator} cannot be computed for any graded firm of the branch {branch} "
        "(the denominator is 0)",
    ),
})

# Why a firm has no grade, or a capped one. Bits, so that a firm can have several reasons.
REASONS = {
    "no_branch": ("无适用分组", "fits no branch"),
    "no_land": ("无用地面积", "no land area"),
    "exempt": ("免评", "exempt"),
    "protected": ("保护期", "protected"),
    "veto": ("一票否决", "veto (safety/environment violation)"),
}
_BITS = {name: 1 << i for i, name in enumerate(REASONS)}

# A firm is in grade A when rank ≤ cut_A × graded firms, and so on; a rank exactly on a cut-off takes
# the better grade. The tolerance keeps a product such as 0.95 × 20 from landing a hair off 19.
_EPS = 1e-9


@dataclass(frozen=True)
class GradingResult:
    """The result of a grading (评价结果).

    Attributes
    ----------
    grades : pandas.DataFrame
        One row per firm, by branch then rank (ungraded firms last): ``id``,
        ``name``, (``sector``), ``scale``, ``branch``, each indicator's value
        ``<code>`` and item score ``<code>_score`` (NaN where the branch does not
        use it), ``total``, ``rank`` and ``percentile`` (rank / graded firms of
        the branch; 0.1 = in the top 10 %) among the graded firms, ``grade``
        (A–D, empty when not graded) and ``reason`` (``exempt``, ``protected``,
        ``veto``, ``no_land``, ``no_branch``, joined by ``;``).
    distribution : pandas.DataFrame
        Per branch and for all firms: ``firms``, ``graded``, counts ``A``–``D``,
        their shares of the graded firms ``A_share``–``D_share`` and ``not_graded``.
    d_list : pandas.DataFrame
        The D firms (for 低效整治): ``id``, ``name``, ``branch``, ``total``,
        ``rank``, ``percentile``, ``reason`` and their weakest indicators
        ``weakest_1``, ``weakest_1_share`` … (item score / weight, lowest first).
    benchmarks : pandas.DataFrame
        Per branch and indicator: ``weight``, ``benchmark`` and where it came from
        (``given``, ``total``, ``mean``, ``median``), ``low``/``high`` of the
        功效系数, ``population`` (the graded firms it was learned from).
    rule : GradingRule
    framework : Framework
    """

    grades: pd.DataFrame
    distribution: pd.DataFrame
    d_list: pd.DataFrame
    benchmarks: pd.DataFrame
    rule: GradingRule
    framework: Framework

    @property
    def indicators(self) -> tuple[str, ...]:
        """Return the codes of the indicators used, in framework order."""
        return self.rule.used_indicators

    def branch(self, name: str) -> pd.DataFrame:
        """Return the grade list of one branch."""
        return self.grades[self.grades["branch"] == name]

    def headers(self, lang: str = "zh") -> dict[str, str]:
        """Return a readable header for every column of the frames, in ``lang``."""
        from zongheng.enterprise.export import headers

        return headers(self, lang)


def grade_enterprises(table: str | Path | pd.DataFrame | Table,
                      rule: GradingRule | str | Path | dict | None = None, *,
                      sheet: str | int | None = None) -> GradingResult:
    """Grade enterprises on 亩均效益 (亩均效益综合评价).

    Parameters
    ----------
    table : path, DataFrame or Table
        One row per enterprise with its base data, Chinese or English headers
        (see :data:`zongheng.enterprise.BASE_COLUMNS`).
    rule : GradingRule, path, dict, optional
        The grading rule; the default follows domain.md §3 (黄岩 weights,
        county-wide benchmark, A 20 % / B to 75 % / C to 95 % / D the last 5 %).
    sheet : str or int, optional
        Excel sheet of the table.

    Returns
    -------
    GradingResult

    Raises
    ------
    DataError
        When the table misses a column some firms' branch needs, or has bad cells
        (every one named, at once).
    MethodError
        When the rule is invalid or a computed benchmark is not positive.

    Notes
    -----
    - A base column is needed only by the firms whose branch uses it: a 规下 firm
      graded on 亩均税收 may leave 工业增加值 blank.
    - A zero denominator (no emissions, no revenue, no employees …) leaves the
      indicator undefined; its item score follows ``rule.undefined_item``.
    - A firm with no land area (land ≤ 0, e.g. a tenant) in a branch that uses a
      per-mu indicator is scored on its other indicators, gets no total and is
      not graded (``no_land``).
    - Ties share the better rank; a firm whose rank falls exactly on a cut-off
      (rank ≤ share × graded firms) takes the better grade, so tied firms at a
      cut-off all take it.
    """
    rule = _as_rule(rule)
    loaded = load_enterprises(table, rule.base_columns, sheet=sheet, strict=False)
    data = loaded.data
    fw = rule.resolved_framework
    codes = rule.used_indicators
    n, k = len(data), len(codes)

    land = data["land_area"].to_numpy() if "land_area" in data else np.full(n, np.nan)
    ranges = any(b.min_land is not None or b.max_land is not None for b in rule.branches)
    branch_of = _assign_branches(data, rule.branches, land)
    # Every problem at once: bad cells, then what the firms' branches need.
    problems = [*loaded.problems, *(loaded.require("land_area") if ranges else [])]
    problems += [p for p in _branch_requirements(loaded, rule, branch_of) if p not in problems]
    if problems:
        raise DataError(problems)
    values = _indicator_values(data, rule)
    per_mu = np.array([rule.formulas[c][1] == "land_area" for c in codes])
    exempt, protected, veto = (data[c].to_numpy(dtype=bool) for c in ("exempt", "protected", "veto"))

    scores = np.full((n, k), np.nan)
    total = np.full(n, np.nan)
    rank = np.full(n, np.nan)
    percentile = np.full(n, np.nan)
    grade = np.full(n, -1, dtype=np.int8)  # index into GRADES; -1 = not graded
    reasons = np.zeros(n, dtype=np.int64)
    reasons[branch_of < 0] |= _BITS["no_branch"]
    reasons[exempt] |= _BITS["exempt"]
    reasons[protected] |= _BITS["protected"]
    reasons[veto] |= _BITS["veto"]
    bench_rows: list[dict] = []

    for b, branch in enumerate(rule.branches):  # a loop over branches, not firms
        members = np.flatnonzero(branch_of == b)
        w = rule.branch_weights(branch)
        cols = np.array([codes.index(c) for c in w])
        wv = np.array(list(w.values()))
        no_land = (land[members] <= 0) & per_mu[cols].any()
        reasons[members[no_land]] |= _BITS["no_land"]
        # Who is ranked (and learns the benchmarks): not exempt, with land, and not protected
        # unless protected firms are graded (a floor) or vetoed (protection does not shield a veto).
        ranked = (~exempt[members] & ~no_land
                  & (~protected[members] | (rule.protected_floor is not None) | veto[members]))
        x = values[np.ix_(members, cols)]
        parts = _parts(data, members[ranked], [codes[c] for c in cols], rule)
        item, rows = _score_items(x, wv, ranked, parts, branch, rule, [codes[c] for c in cols], fw)
        bench_rows.extend(rows)
        # Undefined per-mu items of firms without land stay undefined: they get no total.
        item[np.ix_(no_land, per_mu[cols])] = np.nan
        scores[np.ix_(members, cols)] = item
        tot = item.sum(axis=1)
        total[members] = tot

        pos = members[ranked]
        count = len(pos)
        if count == 0:
            continue
        r = competition_rank(tot[ranked], axis=0)
        rank[pos] = r
        percentile[pos] = r / count
        cuts = np.array(rule.branch_cuts(branch)) * count + _EPS
        g = (r[:, None] > cuts[None, :]).sum(axis=1).astype(np.int8)
        g = np.where(veto[pos], np.maximum(g, GRADES.index(rule.veto_grade)), g)
        if rule.protected_floor is not None:
            floor = GRADES.index(rule.protected_floor)
            g = np.where(protected[pos] & ~veto[pos], np.minimum(g, floor), g)
        grade[pos] = g

    grades = _grades_frame(data, codes, values, scores, total, rank, percentile, grade, reasons,
                           branch_of, rule)
    return GradingResult(
        grades=grades,
        distribution=_distribution(grades, rule),
        d_list=_d_list(grades, codes, rule),
        benchmarks=pd.DataFrame(bench_rows, columns=["branch", "indicator", "weight", "benchmark",
                                                     "source", "low", "high", "population"]),
        rule=rule,
        framework=fw,
    )


def _as_rule(rule: GradingRule | str | Path | dict | None) -> GradingRule:
    if rule is None:
        return GradingRule()
    if isinstance(rule, GradingRule):
        return rule
    if isinstance(rule, dict):
        return GradingRule.from_dict(rule)
    return read_rule(rule)


def _branch_requirements(loaded: EnterpriseTable, rule: GradingRule, branch_of: np.ndarray) -> list[Problem]:
    """Return the problems of columns absent or blank for firms whose branch needs them.

    A branch without firms needs nothing, and a column only 规上 indicators use may be
    blank for 规下 firms.
    """
    problems: list[Problem] = []
    for b, branch in enumerate(rule.branches):
        rows = branch_of == b
        if not rows.any():
            continue
        needed = dict.fromkeys(col for c in rule.branch_weights(branch) for col in rule.formulas[c][:2])
        for key in needed:
            problems.extend(p for p in loaded.require(key, rows, branch.name) if p not in problems)
    return problems


def _indicator_values(data: pd.DataFrame, rule: GradingRule) -> np.ndarray:
    """Return ``(firm, indicator)`` values; NaN where the denominator is 0 or a cell is blank."""
    out = np.empty((len(data), len(rule.used_indicators)))
    nothing = np.full(len(data), np.nan)
    for j, code in enumerate(rule.used_indicators):  # a loop over the (six) indicators
        num, den, scale = rule.formulas[code]
        # A column absent from the table is needed by no firm (checked before): all NaN.
        top = data[num].to_numpy() if num in data else nothing
        bottom = data[den].to_numpy() if den in data else nothing
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, j] = np.where(bottom > 0, top / bottom * scale, np.nan)
    return out


def _assign_branches(data: pd.DataFrame, branches: tuple[Branch, ...], land: np.ndarray) -> np.ndarray:
    """Return each firm's branch index (the first that fits), −1 when none does."""
    scale = data["scale"].cat.codes.to_numpy()  # categories 规上, 规下
    categories = list(data["scale"].cat.categories)
    out = np.full(len(data), -1, dtype=np.int64)
    for b, branch in enumerate(branches):
        fits = out < 0
        if branch.scale != "all":
            fits &= scale == categories.index(branch.scale)
        if branch.min_land is not None:
            fits &= land >= branch.min_land
        if branch.max_land is not None:
            fits &= land < branch.max_land
        out[fits] = b
    return out


def _parts(data: pd.DataFrame, rows: np.ndarray, codes: list[str],
           rule: GradingRule) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Return numerator, denominator and scale of each indicator over the ranked firms."""
    out = []
    for code in codes:
        num, den, scale = rule.formulas[code]
        # Columns of a branch with firms are present (checked before grading).
        out.append((data[num].to_numpy()[rows] if len(rows) else np.empty(0),
                    data[den].to_numpy()[rows] if len(rows) else np.empty(0), scale))
    return out


def _score_items(x: np.ndarray, w: np.ndarray, ranked: np.ndarray,
                 parts: list[tuple[np.ndarray, np.ndarray, float]], branch: Branch, rule: GradingRule,
                 codes: list[str], fw: Framework) -> tuple[np.ndarray, list[dict]]:
    """Return the item scores of a branch's firms ``(firm, indicator)`` and benchmark rows."""
    given = rule.branch_benchmarks(branch)
    ref = x[ranked]
    defined = ~np.isnan(ref)
    population = defined.sum(axis=0)
    problems: list[Problem] = []
    rows: list[dict] = []
    if rule.scoring == "benchmark":
        bench = np.empty(len(codes))
        source = []
        for j, code in enumerate(codes):
            if code in given:
                bench[j], how = given[code], "given"
            else:
                bench[j] = _benchmark(ref[:, j], parts[j], rule.benchmark) * rule.benchmark_factor
                how = rule.benchmark
            source.append(how)
            if ranked.any() and not bench[j] > 0:
                problems.append(Problem("muyun_grade_bad_benchmark", {
                    "branch": branch.name, "indicator": fw.label(code), "value": _show(bench[j])}))
        with np.errstate(divide="ignore", invalid="ignore"):  # a bad benchmark is raised below
            ratio = x / bench
        if rule.cap is not None:
            ratio = np.minimum(ratio, rule.cap)
        item = ratio * w
        rows = [{"branch": branch.name, "indicator": c, "weight": float(w[j]), "benchmark": float(bench[j]),
                 "source": source[j], "low": np.nan, "high": np.nan, "population": int(population[j])}
                for j, c in enumerate(codes)]
    else:
        if len(ref):
            low = np.where(population > 0, np.where(defined, ref, np.inf).min(axis=0), np.nan)
            high = np.where(population > 0, np.where(defined, ref, -np.inf).max(axis=0), np.nan)
        else:  # nobody graded in this branch (all exempt, or no firms): nothing to learn from
            low = high = np.full(len(codes), np.nan)
        # Firms outside the ranking (exempt …) may fall outside [min, max]: clip to the scale.
        share_score = efficacy(x, low, high, rule.efficacy_base, rule.efficacy_span, clip=True)
        item = share_score * w / 100.0
        rows = [{"branch": branch.name, "indicator": c, "weight": float(w[j]), "benchmark": np.nan,
                 "source": "efficacy", "low": float(low[j]), "high": float(high[j]),
                 "population": int(population[j])} for j, c in enumerate(codes)]
    for j, code in enumerate(codes):
        if ranked.any() and population[j] == 0:
            problems.append(Problem("muyun_grade_all_undefined", {"branch": branch.name,
                                                             "indicator": fw.label(code)}))
    if problems:
        raise MethodError(problems)
    return _fill_undefined(item, ranked, rule.undefined_item), rows


def _benchmark(column: np.ndarray, part: tuple[np.ndarray, np.ndarray, float], how: str) -> float:
    """Return the computed benchmark of one indicator over the ranked firms.

    ``total`` is the branch-wide ratio Σ numerator / Σ denominator over the firms
    where the indicator is defined (how a county's 亩均税收 is published);
    ``mean`` and ``median`` are taken over the firms' own ratios.
    """
    defined = ~np.isnan(column)
    if not defined.any():
        return np.nan
    if how == "mean":
        return float(column[defined].mean())
    if how == "median":
        return float(np.median(column[defined]))
    num, den, scale = part
    return float(num[defined].sum() / den[defined].sum() * scale)


def _fill_undefined(item: np.ndarray, ranked: np.ndarray, how: str) -> np.ndarray:
    """Give undefined items (zero denominators) the average, zero or best item score."""
    missing = np.isnan(item)
    if not missing.any():
        return item
    if how == "zero":
        fill = np.zeros(item.shape[1])
    elif not ranked.any():  # nobody to learn an average or a best score from
        fill = np.full(item.shape[1], np.nan)
    else:
        ref = item[ranked]
        with np.errstate(all="ignore"):
            fill = np.nanmean(ref, axis=0) if how == "average" else np.nanmax(ref, axis=0)
    return np.where(missing, fill[None, :], item)


def _show(value: float) -> str:
    return "NaN" if np.isnan(value) else f"{value:g}"


# -- frames -----------------------------------------------------------------------------------


def _reason_text(bits: np.ndarray) -> pd.Categorical:
    """Return reason codes joined by ';' (one string per distinct combination, not per firm)."""
    unique, inverse = np.unique(bits, return_inverse=True)
    names = [";".join(name for name, bit in _BITS.items() if u & bit) for u in unique]
    return pd.Categorical.from_codes(inverse.ravel(), categories=names)


def _grades_frame(data: pd.DataFrame, codes: tuple[str, ...], values: np.ndarray, scores: np.ndarray,
                  total: np.ndarray, rank: np.ndarray, percentile: np.ndarray, grade: np.ndarray,
                  reasons: np.ndarray, branch_of: np.ndarray, rule: GradingRule) -> pd.DataFrame:
    # Branch, grade and reason are categoricals: a million firms share a few values, and building
    # a million Python strings (or Arrow strings) would dominate the run time.
    columns: dict[str, object] = {"id": data["id"], "name": data["name"]}
    if "sector" in data:
        columns["sector"] = data["sector"]
    columns["scale"] = data["scale"]
    columns["branch"] = pd.Categorical.from_codes(branch_of, categories=[b.name for b in rule.branches])
    for j, code in enumerate(codes):
        columns[code] = values[:, j]
        columns[f"{code}_score"] = scores[:, j]
    columns["total"] = total
    columns["rank"] = pd.arrays.IntegerArray(np.where(np.isnan(rank), 0, rank).astype(np.int64),
                                             np.isnan(rank))
    columns["percentile"] = percentile
    columns["grade"] = pd.Categorical.from_codes(grade.astype(np.int64), categories=list(GRADES))
    columns["reason"] = _reason_text(reasons)
    frame = pd.DataFrame(columns)
    # The 公示 order: branch by branch, then by rank; ungraded firms after, in the table's order.
    branch_key = np.where(branch_of < 0, len(rule.branches), branch_of)
    order = np.lexsort((np.arange(len(frame)), np.where(np.isnan(rank), np.inf, rank), branch_key))
    return frame.take(order).reset_index(drop=True)


def _distribution(grades: pd.DataFrame, rule: GradingRule) -> pd.DataFrame:
    keys = [b.name for b in rule.branches]
    counts = pd.crosstab(grades["branch"], grades["grade"]).reindex(index=keys, columns=list(GRADES),
                                                                    fill_value=0)
    firms = grades["branch"].value_counts().reindex(keys, fill_value=0)
    counts.columns = counts.columns.astype(str)
    return distribution_frame(counts, firms, len(grades))


def distribution_frame(counts: pd.DataFrame, firms: pd.Series, all_firms: int) -> pd.DataFrame:
    """Return :attr:`GradingResult.distribution` from the grade counts of each branch.

    ``counts`` has one row per branch (index: its name) and the columns A–D; ``firms`` the
    firms of each branch; ``all_firms`` every firm of the table, those fitting no branch too.
    """
    frame = counts.copy()
    frame.insert(0, "firms", firms)
    frame.loc["all"] = frame.sum()
    frame.loc["all", "firms"] = all_firms  # firms fitting no branch are counted here only
    frame.insert(1, "graded", frame[list(GRADES)].sum(axis=1))
    set_shares(frame)
    frame["not_graded"] = frame["firms"] - frame["graded"]
    return frame.rename_axis("branch").reset_index()


def set_shares(frame: pd.DataFrame) -> None:
    """Set each grade's share of the graded firms (``A_share`` …) from ``A``–``D`` and ``graded``."""
    graded = frame["graded"]
    for g in GRADES:
        frame[f"{g}_share"] = (frame[g] / graded.where(graded > 0)).astype(float)


def _d_list(grades: pd.DataFrame, codes: tuple[str, ...], rule: GradingRule) -> pd.DataFrame:
    base = ["id", "name", "branch", "total", "rank", "percentile", "reason"]
    d = grades[grades["grade"] == "D"]
    out = d[base].reset_index(drop=True)
    if rule.weakest == 0 or len(d) == 0:
        for i in range(1, rule.weakest + 1):
            out[f"weakest_{i}"] = pd.Series(dtype=object)
            out[f"weakest_{i}_share"] = pd.Series(dtype=float)
        return out
    # Item score over weight (share of the indicator's points) of each D firm; indicators its
    # branch does not use never count as weak. A stable sort keeps framework order on ties.
    share = (d[[f"{c}_score" for c in codes]].to_numpy()
             / _weights_of(d, rule, codes))
    share = np.where(np.isnan(share), np.inf, share)
    order = np.argsort(share, axis=1, kind="stable")[:, :rule.weakest]
    picked = np.take_along_axis(share, order, axis=1)
    code_arr = np.array(codes, dtype=object)
    for i in range(rule.weakest):
        valid = np.isfinite(picked[:, i]) if i < order.shape[1] else np.zeros(len(d), dtype=bool)
        col = order[:, i] if i < order.shape[1] else np.zeros(len(d), dtype=int)
        out[f"weakest_{i + 1}"] = np.where(valid, code_arr[col], None)
        out[f"weakest_{i + 1}_share"] = np.where(valid, picked[:, i] if i < order.shape[1] else np.nan,
                                                 np.nan)
    return out


def _weights_of(frame: pd.DataFrame, rule: GradingRule, codes: tuple[str, ...]) -> np.ndarray:
    """Return each row's weights by its branch (NaN where the branch does not use an indicator)."""
    out = np.full((len(frame), len(codes)), np.nan)
    branch = frame["branch"].to_numpy(dtype=object)
    for b in rule.branches:
        rows = branch == b.name
        for code, weight in rule.branch_weights(b).items():
            out[rows, codes.index(code)] = weight
    return out
