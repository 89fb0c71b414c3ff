"""Evaluation runs (评价运行): start one as a background job, do it, read what it found.

A run evaluates a framework version through a period with a method, on the values entered (see
:mod:`.run_inputs`). Its record keeps the inputs (framework YAML and panel, compressed), the
method's YAML, the code version and the input hash, so ``zongheng build`` on the exported inputs
gives the same numbers; the scores and ranks of every node, unit and period; and every stage of
the pipeline with its ranks (:mod:`.run_stages`, read with :func:`stages_of`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from zongheng.platform.models import FrameworkVersion, Job, ReferenceData, Run
from zongheng.platform.services import audit, jobs
from zongheng.platform.services.packed import (
    arrays,
    open_arrays,
    pack,
    ranks_from,
    ranks_to,
    unpack_with_tail,
)
from zongheng.platform.services.run_inputs import RunInputs, gather

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

    from zongheng.evaluation import Evaluation
    from zongheng.framework import Framework
    from zongheng.method import Method
    from zongheng.panel import Panel
    from zongheng.platform.services.run_stages import RunStages

__all__ = ["DEFAULT_METHOD", "EVALUATE", "Comparison", "Results", "compare", "evaluation_of", "export",
           "inputs_of", "methods_for", "perform", "results_of", "stages_of", "start", "store"]

EVALUATE = "evaluate"
DEFAULT_METHOD = "default"


def methods_for(version: FrameworkVersion) -> list[str]:
    """Return the methods a run of ``version`` may use: the framework's bundled one, then the default."""
    from zongheng import frameworks

    try:
        frameworks.companion(version.key, "method")
    except KeyError:
        return [DEFAULT_METHOD]
    return [f"{version.key}_method", DEFAULT_METHOD]


def _method(name: str) -> Method:
    from zongheng import frameworks
    from zongheng.method import Method, read_method

    if name == DEFAULT_METHOD:
        return Method()
    key, _, kind = name.rpartition("_")
    return read_method(frameworks.companion(key, kind))


def start(db: Session, version: FrameworkVersion, period: str, *, method: str, user_id: int | None,
          regions: Sequence[str] | None = None, approved_only: bool = False,
          reference_id: int | None = None) -> Job:
    """Queue an evaluation of ``version`` through ``period`` (发起评价); the caller commits.

    Raises
    ------
    ValueError
        ``method`` is not one of :func:`methods_for`.
    """
    if method not in methods_for(version):
        raise ValueError(f"method {method!r} is not available for {version.key}")
    payload = {"version_id": version.id, "period": period, "method": method,
               "regions": list(regions) if regions is not None else None, "approved_only": approved_only,
               "reference_id": reference_id}
    return jobs.enqueue(db, EVALUATE, payload, user_id=user_id)


def _inputs_record(inputs: RunInputs) -> bytes:
    from zongheng.io.framework_yaml import framework_to_dict

    panel = inputs.panel
    # The values in the .npz tail, as the results' arrays (:func:`.packed.arrays`).
    return pack({"framework": framework_to_dict(inputs.framework), "units": list(panel.units),
                 "periods": list(panel.periods), "indicators": list(panel.indicators),
                 "values": "arrays", "sha256": inputs.sha256,
                 "groups": {g: list(panel.group(g)) for g in panel.groups}},
                tail=arrays({"inputs.values": panel.values}))


def perform(factory: sessionmaker, job: Job, progress: jobs.Progress) -> int:
    """Do an ``evaluate`` job (执行评价): gather, build, store the run; return its id."""
    import zongheng as zh

    args = json.loads(job.payload)
    progress(5, "汇集数据 gathering the data")
    with factory() as db:
        version = db.get(FrameworkVersion, args["version_id"])
        if version is None:
            raise ValueError(f"framework version {args['version_id']} no longer exists")
        reference = db.get(ReferenceData, args["reference_id"]) if args.get("reference_id") else None
        if args.get("reference_id") and reference is None:
            raise ValueError(f"reference data {args['reference_id']} no longer exists")
        inputs = gather(db, version, args["period"], regions=args["regions"],
                        approved_only=args["approved_only"], reference=reference)
    method = _method(args["method"])
    progress(30, "计算得分 building the evaluation")
    # keep="all": the run keeps every stage's data (:mod:`.run_stages`), not only the scores
    evaluation = zh.build(inputs.framework, inputs.panel, method, keep="all")
    progress(60, "排名不确定性 rank uncertainty")
    uncertainty = _uncertainty(evaluation)
    progress(80, "保存结果 saving the run")
    with factory() as db:
        run = store(db, inputs, evaluation, args["method"], user_id=job.created_by, job_id=job.id,
                    uncertainty=uncertainty)
        jobs.settle(db, job.id, run.id)     # the run and its job's end in one commit
        db.commit()
        return run.id


def _uncertainty(evaluation: Evaluation) -> dict | None:
    """P(rank ≤ k) for the dashboard (:mod:`.rank_uncertainty`); None when the library cannot vary it."""
    from zongheng.errors import ZonghengError
    from zongheng.platform.services.rank_uncertainty import summarise

    try:
        return summarise(evaluation)
    except (ZonghengError, ValueError):   # e.g. a single unit, or no weight to vary: the page says 未计算
        return None


def store(db: Session, inputs: RunInputs, evaluation: Evaluation, method_name: str, *,
          user_id: int | None, job_id: int | None = None, uncertainty: dict | None = None) -> Run:
    """Write the immutable record of an evaluation of ``inputs`` (保存评价结果); the caller commits.

    ``uncertainty``: the rank-uncertainty summary (:func:`.rank_uncertainty.summarise`), if any.
    An ``evaluation`` built with ``keep="all"`` also leaves every stage with the run
    (:func:`.run_stages.pack_stages`); one built with ``keep="final"`` only the final scores.
    """
    import numpy as np
    import yaml

    import zongheng as zh
    from zongheng.platform.services.run_stages import stage_arrays

    groups = list(evaluation.panel.groups)
    n_units = len(evaluation.panel.units)
    # The arrays go in the blob's .npz tail (a national run's scores are millions of numbers: JSON
    # would take seconds to read back on every page); the JSON keeps the axes and the labels.
    results = {"nodes": list(evaluation.node_codes), "units": list(evaluation.panel.units),
               "periods": list(evaluation.panel.periods),
               "groups": {g: [None if x is None else str(x) for x in evaluation.panel.group(g)]
                          for g in groups},
               "arrays": {"group_ranks": groups}}
    members = {"results.scores": np.asarray(evaluation.scores, dtype=np.float64),
               "results.ranks": ranks_to(evaluation.ranks, n_units),
               **{f"results.group_ranks.{n}": ranks_to(evaluation.group_ranks(g), n_units)
                  for n, g in enumerate(groups)},
               **stage_arrays(evaluation, inputs.panel)}
    if uncertainty is not None:
        results["rank_uncertainty"] = uncertainty
    run = Run(version_id=inputs.version_id, period=inputs.period, reference_id=inputs.reference_id,
              regions=json.dumps(list(inputs.regions), ensure_ascii=False), method_name=method_name,
              method_text=yaml.safe_dump(evaluation.method.to_dict(), allow_unicode=True, sort_keys=False),
              input_sha256=inputs.sha256, approved=inputs.approved,
              unapproved_values=inputs.unapproved_values, code_version=zh.__version__, created_by=user_id,
              inputs=_inputs_record(inputs),
              results=pack(results, tail=arrays(members)))
    db.add(run)
    db.flush()
    audit.record(db, "run.create", user_id=user_id, object_type="run", object_id=run.id, job=job_id,
                 version=inputs.version_id, period=inputs.period, method=method_name, sha256=inputs.sha256,
                 approved=inputs.approved)
    return run


@dataclass(frozen=True)
class Results:
    """What a run found: scores and ranks by (period, unit, node), and ranks within groups."""

    nodes: tuple[str, ...]
    units: tuple[str, ...]
    periods: tuple[Any, ...]
    scores: np.ndarray
    ranks: np.ndarray
    groups: dict[str, list[str | None]] = field(default_factory=dict)
    """Each group column's label per unit (设区市 → 金华市 …)."""
    group_ranks: dict[str, np.ndarray] = field(default_factory=dict)
    """Ranks within each unit's group, per group column, shaped like ``ranks``."""
    uncertainty: dict[str, Any] | None = None
    """P(rank ≤ k) (:mod:`.rank_uncertainty`); None for a run made without it (未计算)."""
    stages_kept: bool = False
    """The run kept every stage (:func:`stages_of`); False for a run made before they were kept."""


def results_of(run: Run) -> Results:
    """Read a run's scores and ranks back as arrays (NaN where missing).

    A run's arrays are in its blob's ``.npz`` tail; a run made before they were (its arrays in the
    JSON, ``null`` for NaN) reads as it always did.
    """
    import numpy as np

    from zongheng.platform.services.run_stages import MANIFEST

    data, tail = unpack_with_tail(run.results)
    groups = data.get("groups", {})
    if "arrays" in data:
        with open_arrays(tail) as archive:
            scores = archive["results.scores"]
            ranks = ranks_from(archive["results.ranks"])
            group_ranks = {g: ranks_from(archive[f"results.group_ranks.{n}"])
                           for n, g in enumerate(data["arrays"]["group_ranks"])}
            kept = MANIFEST in archive.files
    else:
        scores = np.array(data["scores"], dtype=np.float64)      # null → NaN
        ranks = np.array(data["ranks"], dtype=np.float64)
        group_ranks = {g: np.array(r, dtype=np.float64) for g, r in data.get("group_ranks", {}).items()}
        kept = False
    return Results(tuple(data["nodes"]), tuple(data["units"]), tuple(data["periods"]), scores, ranks,
                   groups, group_ranks, data.get("rank_uncertainty"), kept)


def stages_of(run: Run) -> RunStages | None:
    """Return every stage a run kept, with ranks (:mod:`.run_stages`); None for an older run."""
    from zongheng.platform.services.run_stages import stages_of as read

    return read(run)


def inputs_of(run: Run) -> tuple[Framework, Panel]:
    """Return the framework and panel a run evaluated, from its record."""
    import numpy as np

    from zongheng.io.framework_yaml import framework_from_dict
    from zongheng.panel import Panel

    data, tail = unpack_with_tail(run.inputs)
    if data["values"] == "arrays":
        with open_arrays(tail) as archive:
            values = archive["inputs.values"]
    else:                                    # a run made before: the values in the JSON, null → NaN
        values = np.array(data["values"], dtype=np.float64)
    panel = Panel(values, data["units"], data["periods"], data["indicators"],
                  attributes=data.get("groups") or None, source=f"zongheng platform run {run.id}")
    return framework_from_dict(data["framework"]), panel


README = """zongheng 评价结果 #{id} 的输入 (inputs of evaluation run #{id})

{version} · {period} · 方法 method: {method} · 输入哈希 input SHA-256: {sha}
{approved}
用 zongheng 重算 (rebuild with the library):

    zongheng build framework.yaml data.csv --method method.yaml

得分与平台上的结果相同 (the scores equal the platform's).
"""


def export(run: Run, folder: Path) -> list[Path]:
    """Write a run's inputs, method and a README into ``folder`` (导出); return the files."""
    from zongheng.io.atomic import atomic_write
    from zongheng.platform.services.run_inputs import export_inputs

    framework, panel = inputs_of(run)
    written = list(export_inputs(framework, panel, folder))
    method = folder / "method.yaml"
    atomic_write(method, lambda tmp: tmp.write_text(run.method_text, encoding="utf-8"))
    readme = folder / "README.txt"
    approved = "全部数据已审核 (all data approved)" if run.approved else \
        f"未审核：{run.unapproved_values} 个数值尚未审核 (NOT APPROVED: {run.unapproved_values} values)"
    text = README.format(id=run.id, version=f"{run.version.name} {run.version.year}", period=run.period,
                         method=run.method_name, sha=run.input_sha256, approved=approved)
    atomic_write(readme, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [*written, method, readme]


@dataclass(frozen=True)
class Comparison:
    """Two runs side by side (对比): what differs in their inputs and method, and in their results."""

    same_inputs: bool
    same_method: bool
    units: tuple[str, ...]
    """Units of both runs, in the first run's order."""
    before: list[tuple[float, float]]
    """Per unit: (score, rank) of the index in the first run's last period."""
    after: list[tuple[float, float]]
    changed_values: list[tuple[str, Any, str, float, float]]
    """(unit, period, indicator, first run's value, second run's value) that differ."""

    @property
    def why(self) -> str:
        """``data``, ``method``, ``both`` or ``nothing``: what makes the results differ."""
        return {(True, True): "nothing", (False, True): "data", (True, False): "method"}.get(
            (self.same_inputs, self.same_method), "both")


def compare(first: Run, second: Run, *, limit: int = 200) -> Comparison:
    """Compare two runs unit by unit, and list the input values that differ (up to ``limit``)."""
    import numpy as np

    fw_a, panel_a = inputs_of(first)
    fw_b, panel_b = inputs_of(second)
    res_a, res_b = results_of(first), results_of(second)
    units = tuple(u for u in res_a.units if u in set(res_b.units))
    root_a, root_b = res_a.nodes.index(fw_a.root.code), res_b.nodes.index(fw_b.root.code)

    def at(res: Results, root: int, unit: str) -> tuple[float, float]:
        u = res.units.index(unit)
        return float(res.scores[-1, u, root]), float(res.ranks[-1, u, root])

    def common(a: tuple, b: tuple) -> tuple[list, list, list]:
        shared = [x for x in a if x in set(b)]
        return shared, [a.index(x) for x in shared], [b.index(x) for x in shared]

    periods, pa, pb = common(panel_a.periods, panel_b.periods)
    shared_units, ua, ub = common(panel_a.units, panel_b.units)
    codes, ca, cb = common(panel_a.indicators, panel_b.indicators)
    x = panel_a.values[np.ix_(pa, ua, ca)]
    y = panel_b.values[np.ix_(pb, ub, cb)]
    differs = ~((x == y) | (np.isnan(x) & np.isnan(y)))
    changed = [(shared_units[u], periods[p], codes[c], float(x[p, u, c]), float(y[p, u, c]))
               for p, u, c in zip(*np.nonzero(differs), strict=True)][:limit]
    return Comparison(first.input_sha256 == second.input_sha256, first.method_text == second.method_text,
                      units, [at(res_a, root_a, u) for u in units], [at(res_b, root_b, u) for u in units],
                      changed)


_REBUILT: dict[tuple[int, str, str], Evaluation] = {}
_REBUILT_MAX = 8


def evaluation_of(run: Run) -> Evaluation:
    """Return the library's evaluation of a run, rebuilt from its record (重建评价), cached.

    The unit and dashboard pages ask the library's analyses (progress, strengths, gap, path,
    what-if) of the very inputs and method the run used; the scores are the run's (a test checks).
    A few recent runs are kept in memory: a page view does not rebuild twice.
    """
    import yaml

    import zongheng as zh
    from zongheng.method import Method

    key = (run.id, run.input_sha256, run.method_text)
    if key not in _REBUILT:
        framework, panel = inputs_of(run)
        method = Method.from_dict(yaml.safe_load(run.method_text) or {})
        if len(_REBUILT) >= _REBUILT_MAX:
            _REBUILT.pop(next(iter(_REBUILT)))
        _REBUILT[key] = zh.build(framework, panel, method)
    return _REBUILT[key]
