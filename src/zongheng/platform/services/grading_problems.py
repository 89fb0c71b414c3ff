"""D-grade firms become problems (亩均 D 类企业 → 问题清单): the 低效整治 list on the 闭环 ledger.

A 亩均 grading (services/grading.py) lists its D firms with their weakest indicators. Each D firm is
one problem of source ``d_grade`` in the grading's region, with the firm's numbers and a link to its
card; grading again keeps one open problem per firm (updated from the newer grading, never
repeated), as the run rules do (:func:`~zongheng.platform.services.problem_rules.record_findings`).
The analyst gives each to a 责任单位 (usually 经信局 or the township) on the ledger.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from zongheng.i18n import LANGS, register_messages, text
from zongheng.platform.models import GradingRun, ProblemSource, Role, User
from zongheng.platform.services import access, grading, tasks
from zongheng.platform.services.problem_rules import TITLE_LANG, Finding, Outcome, record_findings
from zongheng.platform.services.run_access import regions_in_scope

__all__ = ["d_findings", "problems_from_grading"]

register_messages({
    "pf_rules_title_d_grade": ("{firm}：亩均效益评价为 D 类", "{firm}: graded D on output per mu"),
})

KEY = "pf_rules_title_d_grade"


def _num(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def d_findings(run: GradingRun) -> list[Finding]:
    """Return one finding per D firm of a grading, with its total, rank, percentile and weakest indicators."""
    stored = grading.result_of(run)
    result = stored.result
    position = {str(firm): n for n, firm in enumerate(result.grades["id"])}
    d_list = result.d_list
    out = []
    for record in d_list.to_dict("records"):
        at = position[str(record["id"])]
        firm = f"{record['name']}（{record['id']}）"
        weak = [record.get(f"weakest_{i}") for i in range(1, result.rule.weakest + 1)]
        params = {lang: {"firm": firm} for lang in LANGS}
        detail = {"grading": run.id, "firm": str(record["id"]), "name": str(record["name"]),
                  "township": stored.township[at] if stored.township is not None else None,
                  "score": _num(record.get("total")),
                  "rank": None if pd.isna(record.get("rank")) else int(record["rank"]),
                  "of": len(result.grades), "percentile": _num(record.get("percentile")),
                  "weakest": [w for w in weak if isinstance(w, str)],
                  "link": f"/grading/{run.id}/firms/{at}", "rule": ProblemSource.D_GRADE.value,
                  "title_key": KEY, "title_params": params}
        out.append(Finding(ProblemSource.D_GRADE, run.region_code, None,
                           text(KEY, TITLE_LANG, **params[TITLE_LANG]), detail))
    return out


def problems_from_grading(db: Session, user: User | None, run: GradingRun) -> Outcome:
    """Record the grading's D firms as problems of its region (D 类企业生成问题); the caller commits.

    Raises
    ------
    TaskError
        ``pf_task_source_not_yours`` when ``user`` is not an analyst over the grading's region
        (nothing is written).
    """
    if user is not None and run.region_code not in regions_in_scope(
            db, access.grants(db, user), frozenset({Role.ANALYST})):
        raise tasks.TaskError("pf_task_source_not_yours", roles=Role.ANALYST.value)
    return record_findings(db, user, d_findings(run), [run.region_code], origin="grading", origin_id=run.id)
