"""亩均 grading runs (亩均效益评价): receive an enterprise table, grade it in the background, read it.

The table is the one ``zongheng grade`` reads (CSV or xlsx, Chinese or English headers). The
request reads it with the library's reader, so a bad table is refused with the library's located
errors and nothing is stored; a good one is kept (compressed) and graded by a ``grade`` job
(:mod:`.jobs`), so that a large table does not hold the request. The run stores what the library
found (every firm's values, item scores, rank, percentile, grade and reason; the distribution,
the D list with each firm's weakest indicators, the benchmarks) and each firm's township
(乡镇/街道), a column the library ignores but a county reads its counts by.

Who reads a run follows the nearest rule of the evaluation runs (:mod:`.run_access`): the
analyst office (汇总分析员) starts a grading for a region in its scope; analysts and leaders whose
scope reaches that region read it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zongheng.platform.models import GradingInput, GradingRun, Job, Region, Role
from zongheng.platform.services import audit, jobs
from zongheng.platform.services.access import Grant
from zongheng.platform.services.packed import pack, unpack
from zongheng.platform.services.run_access import regions_in_scope

if TYPE_CHECKING:
    from zongheng.enterprise import GradingResult, GradingRule
    from zongheng.io.tables import Table

__all__ = ["GRADE", "MAX_BYTES", "READERS", "STARTERS", "SUFFIXES", "Refused", "Stored", "by_label",
           "demo_table", "export", "firm_card", "perform", "read_upload", "readable", "regions_for",
           "result_of", "sees", "start", "townships_of"]

GRADE = "grade"
"""The job kind of a grading."""
READERS = frozenset({Role.ANALYST, Role.LEADER})
STARTERS = frozenset({Role.ANALYST})
MAX_BYTES = 20 * 1024 * 1024
"""Largest table accepted (20 MB: a county's table of tens of thousands of firms is a few MB)."""
SUFFIXES = (".csv", ".xlsx")
RULE_NAME = "default"
"""The library's default rule (domain.md §3): the one rule a grading from the page uses."""
DEMO_NAME = "永康市企业亩均数据_合成演示.csv"

# Headers of the township column (乡镇/街道), compared without spaces, case, slashes or a bracket.
TOWNSHIP_HEADERS = ("乡镇街道", "乡镇", "街道", "镇街", "所属乡镇", "所属街道", "所属乡镇街道", "乡镇名称",
                    "township", "town", "subdistrict")
TOWNSHIP_BLANK = "（未填）"
# 永康市's 3 街道 and 11 镇, for the synthetic demo table (the bundled table has no township: the
# demo assigns one at random, seeded, and says the data is synthetic).
DEMO_TOWNSHIPS = ("东城街道", "西城街道", "江南街道", "石柱镇", "前仓镇", "舟山镇", "古山镇", "方岩镇",
                  "龙山镇", "西溪镇", "象珠镇", "唐先镇", "花街镇", "芝英镇")
_BRACKET = re.compile(r"[（(\[【][^（()）\]】]*[)）\]】]")


class Refused(ValueError):
    """An upload refused before reading (no file, wrong type, too large): ``key`` is a pf_ message."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


# -- the table ----------------------------------------------------------------------------------


def demo_table() -> bytes:
    """Return the synthetic demo table: the library's bundled 永康 table with a synthetic township.

    The township (乡镇街道) is drawn per firm from :data:`DEMO_TOWNSHIPS` with a fixed seed, so the
    demo is the same every time; the other columns are the bundled file's, as ``zongheng grade
    --demo`` reads them.
    """
    from zongheng.enterprise import bundled_table

    frame = pd.read_csv(bundled_table(), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rng = np.random.default_rng(20240501)
    # The 街道 hold more firms than the 镇 (the county seat's industrial parks): weights assumed.
    weights = np.array([3.0, 3.0, 2.5] + [1.0] * (len(DEMO_TOWNSHIPS) - 3))
    picked = rng.choice(len(DEMO_TOWNSHIPS), size=len(frame), p=weights / weights.sum())
    frame.insert(3, "乡镇街道", np.array(DEMO_TOWNSHIPS, dtype=object)[picked])
    return frame.to_csv(index=False).encode("utf-8-sig")


def _safe_name(name: str) -> str:
    """Return the base name of an uploaded file, without path or control characters (shown in errors)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200] or "table"


def read_upload(name: str, data: bytes, *, rule: GradingRule | None = None) -> Table:
    """Read an uploaded enterprise table with the library's reader (读取企业基础数据).

    Parameters
    ----------
    name : str
        The file name as uploaded: its suffix picks the reader, and errors name it.
    data : bytes
        The file.
    rule : GradingRule, optional
        The rule whose base columns are read (the library's default).

    Returns
    -------
    Table
        The table as read (its ``file`` is ``name``).

    Raises
    ------
    Refused
        No file, a type other than .csv/.xlsx, or larger than :data:`MAX_BYTES`.
    zongheng.errors.DataError
        The library's located problems (file, sheet, row, column, what was expected).
    """
    from zongheng.enterprise import GradingRule
    from zongheng.enterprise.columns import load_enterprises
    from zongheng.io.tables import read_table

    shown = _safe_name(name)
    suffix = Path(shown).suffix.lower()
    if not data:
        raise Refused("pf_grading_error_empty")
    if suffix not in SUFFIXES:
        raise Refused("pf_grading_error_type", name=shown)
    if len(data) > MAX_BYTES:
        raise Refused("pf_grading_error_size", mb=MAX_BYTES // (1024 * 1024))
    with tempfile.TemporaryDirectory() as folder:
        # The user's base name (no separator, a .csv/.xlsx suffix) in a folder of our own: the
        # library's problems name the user's file, and the name cannot reach outside the folder.
        path = Path(folder) / shown
        path.write_bytes(data)
        table = read_table(path)
    rule = rule or GradingRule()
    # Strict: every bad cell (non-numeric, negative, unknown 规模, duplicate code …) at once.
    load_enterprises(table, rule.base_columns, strict=True)
    return table


def _normal(header: object) -> str:
    text = _BRACKET.sub("", str(header)).strip().lower()
    return re.sub(r"[\s/、_\-]", "", text)


def townships_of(table: Table) -> dict[str, str] | None:
    """Return each firm's township by its identifier, or ``None`` when the table has no such column.

    The library ignores the column; it is read here from the same table, matched to the firms by
    the identifier the library reads (credit code, else name).
    """
    from zongheng.enterprise.columns import load_enterprises

    wanted = {_normal(h) for h in TOWNSHIP_HEADERS}
    column = next((c for c in table.frame.columns if _normal(c) in wanted), None)
    if column is None:
        return None
    ids = load_enterprises(table, (), strict=False).data["id"].astype(str).tolist()
    values = table.frame[column].reset_index(drop=True)
    out = {}
    for firm, value in zip(ids, values, strict=True):
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
        out[firm] = text or TOWNSHIP_BLANK
    return out


# -- starting and doing a grading ---------------------------------------------------------------


def regions_for(db: Session, grants: Iterable[Grant]) -> list[Region]:
    """Return the regions (not towns) an analyst may grade a table for, in their tree's order."""
    codes = sorted(regions_in_scope(db, grants, STARTERS))
    if not codes:
        return []
    return list(db.scalars(select(Region).where(Region.code.in_(codes), Region.level != "town")
                           .order_by(Region.path)))


def start(db: Session, name: str, data: bytes, *, region_code: str, user_id: int | None,
          synthetic: bool = False) -> Job:
    """Read an enterprise table, keep it and queue its grading (发起亩均评价); the caller commits.

    Raises
    ------
    Refused, zongheng.errors.DataError
        See :func:`read_upload`; nothing is stored.
    """
    read_upload(name, data)
    kept = GradingInput(name=_safe_name(name), sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                        synthetic=synthetic, content=zlib.compress(data, 6), uploaded_by=user_id)
    db.add(kept)
    db.flush()
    audit.record(db, "grading.upload", user_id=user_id, object_type="grading_input", object_id=kept.id,
                 name=kept.name, sha256=kept.sha256, size=kept.size, synthetic=synthetic)
    return jobs.enqueue(db, GRADE, {"input_id": kept.id, "region_code": region_code}, user_id=user_id)


def perform(factory: sessionmaker, job: Job, progress: jobs.Progress) -> int:
    """Do a ``grade`` job (执行亩均评价): read the kept table, grade it, store the run; return its id."""
    import yaml

    import zongheng as zh
    from zongheng.enterprise import GradingRule, grade_enterprises
    from zongheng.errors import ZonghengError

    args = json.loads(job.payload)
    progress(5, "读取企业数据 reading the table")
    with factory() as db:
        kept = db.get(GradingInput, args["input_id"])
        if kept is None:
            raise ValueError(f"enterprise table {args['input_id']} no longer exists")
        name, data, sha, synthetic = kept.name, zlib.decompress(kept.content), kept.sha256, kept.synthetic
    rule = GradingRule()
    try:
        table = read_upload(name, data, rule=rule)
        progress(30, "评价定级 grading")
        result = grade_enterprises(table, rule)
    except ZonghengError:
        # What only the grading finds (a column some firms' branch needs …) fails the job with the
        # library's located message; the table is not kept, as a table refused on upload is not.
        with factory() as db:
            kept = db.get(GradingInput, args["input_id"])
            if kept is not None:
                audit.record(db, "grading.discard", user_id=job.created_by, object_type="grading_input",
                             object_id=kept.id, job=job.id)
                db.delete(kept)
                db.commit()
        raise
    townships = townships_of(table)
    progress(80, "保存结果 saving the grading")
    everyone = result.distribution[result.distribution["branch"] == "all"].iloc[0]
    with factory() as db:
        run = GradingRun(created_by=job.created_by, region_code=args["region_code"],
                         input_id=args["input_id"],
                         source_name=name, rule_name=RULE_NAME,
                         rule_text=yaml.safe_dump(rule.to_dict(), allow_unicode=True, sort_keys=False,
                                                  width=100),
                         input_sha256=sha, firms=int(everyone["firms"]), graded=int(everyone["graded"]),
                         counts=json.dumps({g: int(everyone[g]) for g in "ABCD"}),
                         code_version=zh.__version__, synthetic=synthetic,
                         results=pack(_record(result, townships)))
        db.add(run)
        db.flush()
        audit.record(db, "grading.store", user_id=job.created_by, object_type="grading_run", object_id=run.id,
                     job=job.id, sha256=sha, firms=run.firms)
        jobs.settle(db, job.id, run.id)     # the grading and its job's end in one commit
        db.commit()
        return run.id


def _column(series: pd.Series) -> list:
    """Return a column as JSON-ready values: NaN and NA as ``None``, numpy scalars as Python."""
    values = series.astype(object).where(series.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _frame(frame: pd.DataFrame) -> dict[str, list]:
    return {str(c): _column(frame[c]) for c in frame.columns}


def _record(result: GradingResult, townships: dict[str, str] | None) -> dict:
    grades = result.grades
    return {"rule": result.rule.to_dict(), "grades": _frame(grades),
            "distribution": _frame(result.distribution), "d_list": _frame(result.d_list),
            "benchmarks": _frame(result.benchmarks),
            "township": None if townships is None else [townships.get(str(i), TOWNSHIP_BLANK)
                                                         for i in grades["id"]]}


# -- reading a run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """A grading as stored: the library's result rebuilt, and each firm's township (or ``None``)."""

    result: GradingResult
    township: list[str] | None


def _rebuilt(columns: dict[str, list], floats: Iterable[str] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for c in floats:
        if c in frame:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    return frame


def result_of(run: GradingRun) -> Stored:
    """Rebuild the library's :class:`~zongheng.enterprise.GradingResult` of a run (读取评价结果)."""
    from zongheng.enterprise import GRADES, GradingResult, GradingRule

    doc = unpack(run.results)
    rule = GradingRule.from_dict(doc["rule"])
    codes = rule.used_indicators
    numbers = [*codes, *(f"{c}_score" for c in codes), "total", "percentile"]
    grades = _rebuilt(doc["grades"], numbers)
    grades["rank"] = pd.array(grades["rank"], dtype="Int64")
    grades["grade"] = pd.Categorical(grades["grade"], categories=list(GRADES))
    grades["reason"] = grades["reason"].fillna("")
    d_list = _rebuilt(doc["d_list"], ["total", "percentile",
                                      *(f"weakest_{i}_share" for i in range(1, rule.weakest + 1))])
    d_list["rank"] = pd.array(d_list["rank"], dtype="Int64")
    distribution = _rebuilt(doc["distribution"], [f"{g}_share" for g in GRADES])
    benchmarks = _rebuilt(doc["benchmarks"], ["weight", "benchmark", "low", "high"])
    result = GradingResult(grades=grades, distribution=distribution, d_list=d_list, benchmarks=benchmarks,
                           rule=rule, framework=rule.resolved_framework)
    return Stored(result, doc["township"])


def by_label(result: GradingResult, labels: Iterable[Any]) -> list[dict]:
    """Count grades per label (乡镇, 行业 …): one row per label, largest first, and the total.

    Each row: ``label``, ``firms``, ``A``–``D`` and ``not_graded``.
    """
    from zongheng.enterprise import GRADES

    frame = pd.DataFrame({"label": [TOWNSHIP_BLANK if x is None else x for x in labels],
                          "grade": result.grades["grade"].astype(object).to_numpy()})
    rows = []
    for label, part in frame.groupby("label", sort=False):
        counts = part["grade"].value_counts()
        row = {"label": label, "firms": len(part), **{g: int(counts.get(g, 0)) for g in GRADES}}
        row["not_graded"] = row["firms"] - sum(row[g] for g in GRADES)
        rows.append(row)
    rows.sort(key=lambda r: (-r["firms"], str(r["label"])))
    total = {"label": None, "firms": len(frame), **{g: sum(r[g] for r in rows) for g in GRADES}}
    total["not_graded"] = total["firms"] - sum(total[g] for g in GRADES)
    return [*rows, total]


def firm_card(stored: Stored, position: int, lang: str = "zh") -> dict | None:
    """Return what the firm card shows for the firm at ``position`` of the grade list; ``None`` past the end.

    ``indicators``: per indicator its value, unit, weight, benchmark, item score, score share
    (item score ÷ weight, what the D list calls weak) and its place among the branch's graded firms
    by that item score (competition rank, ties share the better place; ``percentile`` = place ÷
    graded firms, as the library's overall percentile). ``why``: the branch's cut-offs in ranks.
    """
    from zongheng.enterprise import GRADES, REASONS
    from zongheng.steps.rank import competition_rank

    result = stored.result
    grades = result.grades
    if not 0 <= position < len(grades):
        return None
    row = grades.iloc[position]
    rule, fw = result.rule, result.framework
    branch = next((b for b in rule.branches if b.name == row["branch"]), None)
    weights = rule.branch_weights(branch) if branch is not None else {}
    ranked = grades[(grades["branch"] == row["branch"]) & grades["rank"].notna()] if branch else grades[:0]
    bench = result.benchmarks[result.benchmarks["branch"] == row["branch"]].set_index("indicator")
    indicators = []
    for code in result.indicators:
        if code not in weights:
            continue
        node = fw.node(code)
        score = row[f"{code}_score"]
        place = None
        if not pd.isna(row["rank"]) and not np.isnan(score):
            column = ranked[f"{code}_score"].to_numpy(dtype=float)
            places = competition_rank(column, axis=0)
            mine = int(np.flatnonzero(ranked.index == row.name)[0])
            place = int(places[mine])
        indicators.append({
            "code": code, "name": fw.label(code, lang), "unit": node.unit or "",
            "value": None if np.isnan(row[code]) else float(row[code]),
            "weight": float(weights[code]),
            "benchmark": float(bench.loc[code, "benchmark"]) if code in bench.index else None,
            "score": None if np.isnan(score) else float(score),
            "share": None if np.isnan(score) else float(score) / float(weights[code]),
            "place": place, "places": len(ranked),
            "percentile": None if place is None else place / len(ranked),
        })
    reasons = [r for r in str(row["reason"]).split(";") if r]
    cuts = rule.branch_cuts(branch) if branch is not None else None
    count = len(ranked)
    grade = None if pd.isna(row["grade"]) else str(row["grade"])
    return {
        "position": position, "id": str(row["id"]), "name": str(row["name"]),
        "sector": str(row["sector"]) if "sector" in grades and not pd.isna(row["sector"]) else None,
        "scale": str(row["scale"]), "branch": None if pd.isna(row["branch"]) else str(row["branch"]),
        "township": stored.township[position] if stored.township is not None else None,
        "total": None if np.isnan(row["total"]) else float(row["total"]),
        "rank": None if pd.isna(row["rank"]) else int(row["rank"]), "graded": count,
        "percentile": None if np.isnan(row["percentile"]) else float(row["percentile"]),
        "grade": grade, "grade_label": rule.label(grade, lang) if grade else None,
        "reasons": [(r, REASONS[r][1 if lang == "en" else 0]) for r in reasons if r in REASONS],
        # Rank limits of each grade in this branch: A up to cut_A × graded firms, and so on.
        "cuts": None if cuts is None else [
            {"grade": g, "share": s, "up_to": int(np.floor(s * count + 1e-9))}
            for g, s in zip(GRADES, (*cuts, 1.0), strict=True)],
        "indicators": indicators,
        "weakest": sorted((i for i in indicators if i["share"] is not None), key=lambda i: i["share"])[
            :rule.weakest],
    }


def export(stored: Stored, suffix: str, *, lang: str = "zh", synthetic: bool = False) -> bytes:
    """Return the grade list as the library writes it (.xlsx workbook or .csv), formula-safe.

    The township column, when the table had one, is added after the firm's name.
    """
    from zongheng.enterprise import GradingResult
    from zongheng.enterprise.export import localised, write_result
    from zongheng.io.safe_cells import csv_frame

    result = stored.result
    if suffix == ".csv":
        frame = localised(result, result.grades, lang)
        if stored.township is not None:
            frame.insert(2, "乡镇街道" if lang != "en" else "township", stored.township)
        buffer = io.StringIO()
        csv_frame(frame).to_csv(buffer, index=False)   # a firm named "=HYPERLINK(…)" gets a quote
        return buffer.getvalue().encode("utf-8-sig")
    grades = result.grades
    if stored.township is not None:
        grades = grades.copy()
        grades.insert(2, "乡镇街道" if lang != "en" else "township", stored.township)
    with_township = GradingResult(grades=grades, distribution=result.distribution, d_list=result.d_list,
                                  benchmarks=result.benchmarks, rule=result.rule, framework=result.framework)
    with tempfile.TemporaryDirectory() as folder:
        path = write_result(with_township, Path(folder) / "grades.xlsx", lang=lang, synthetic=synthetic)
        return path.read_bytes()


# -- who reads what -----------------------------------------------------------------------------


def sees(db: Session, grants: list[Grant], run: GradingRun) -> bool:
    """Tell whether a caller with ``grants`` may read ``run``: its region is in their reading scope."""
    return run.region_code in regions_in_scope(db, grants, READERS)


def readable(db: Session, grants: list[Grant], *, limit: int = 200) -> list[GradingRun]:
    """Return the grading runs the caller may read, newest first."""
    mine = sorted(regions_in_scope(db, grants, READERS))
    if not mine:
        return []
    return list(db.scalars(select(GradingRun).where(GradingRun.region_code.in_(mine))
                           .order_by(GradingRun.id.desc()).limit(limit)))
