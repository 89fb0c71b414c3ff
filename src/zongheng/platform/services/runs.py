"""Evaluation runs (评价运行): start one as a background job, do it, read what it found.

A run evaluates a framework version through a period with a method, on the values entered (see
:mod:`.run_inputs`). Its record keeps the inputs (framework YAML and panel, compressed), the
method's YAML, the code version and the input hash, so ``zongheng build`` on the exported inputs
gives the same numbers; and the scores and ranks of every node, unit and period.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from zongheng.platform.models import FrameworkVersion, Job, Run
from zongheng.platform.services import audit, jobs
from zongheng.platform.services.run_inputs import RunInputs, gather

if TYPE_CHECKING:
    import numpy as np

    from zongheng.method import Method

__all__ = ["DEFAULT_METHOD", "EVALUATE", "Results", "methods_for", "perform", "results_of", "start"]

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
          regions: Sequence[str] | None = None, approved_only: bool = False) -> Job:
    """Queue an evaluation of ``version`` through ``period`` (发起评价); the caller commits.

    Raises
    ------
    ValueError
        ``method`` is not one of :func:`methods_for`.
    """
    if method not in methods_for(version):
        raise ValueError(f"method {method!r} is not available for {version.key}")
    payload = {"version_id": version.id, "period": period, "method": method,
               "regions": list(regions) if regions is not None else None, "approved_only": approved_only}
    return jobs.enqueue(db, EVALUATE, payload, user_id=user_id)


def _pack(obj: Any) -> bytes:
    return zlib.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def _unpack(blob: bytes) -> Any:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def _plain(array: np.ndarray) -> list:
    import numpy as np

    # JSON has no NaN: a missing score is null.
    return np.where(np.isnan(array), None, array).tolist()


def _inputs_record(inputs: RunInputs) -> bytes:
    from zongheng.io.framework_yaml import framework_to_dict

    panel = inputs.panel
    return _pack({"framework": framework_to_dict(inputs.framework), "units": list(panel.units),
                  "periods": list(panel.periods), "indicators": list(panel.indicators),
                  "values": _plain(panel.values), "sha256": inputs.sha256})


def perform(factory: sessionmaker, job: Job, progress: jobs.Progress) -> int:
    """Do an ``evaluate`` job (执行评价): gather, build, store the run; return its id."""
    import yaml

    import zongheng as zh

    args = json.loads(job.payload)
    progress(5, "汇集数据 gathering the data")
    with factory() as db:
        version = db.get(FrameworkVersion, args["version_id"])
        if version is None:
            raise ValueError(f"framework version {args['version_id']} no longer exists")
        inputs = gather(db, version, args["period"], regions=args["regions"],
                        approved_only=args["approved_only"])
    method = _method(args["method"])
    progress(30, "计算得分 building the evaluation")
    evaluation = zh.build(inputs.framework, inputs.panel, method, keep="final")
    progress(80, "保存结果 saving the run")
    results = {"nodes": list(evaluation.node_codes), "units": list(evaluation.panel.units),
               "periods": list(evaluation.panel.periods), "scores": _plain(evaluation.scores),
               "ranks": _plain(evaluation.ranks)}
    with factory() as db:
        run = Run(version_id=inputs.version_id, period=inputs.period,
                  regions=json.dumps(list(inputs.regions), ensure_ascii=False),
                  method_name=args["method"],
                  method_text=yaml.safe_dump(method.to_dict(), allow_unicode=True, sort_keys=False),
                  input_sha256=inputs.sha256, approved=inputs.approved,
                  unapproved_values=inputs.unapproved_values, code_version=zh.__version__,
                  created_by=job.created_by, inputs=_inputs_record(inputs), results=_pack(results))
        db.add(run)
        db.flush()
        audit.record(db, "run.create", user_id=job.created_by, object_type="run", object_id=run.id,
                     job=job.id, version=inputs.version_id, period=inputs.period, method=args["method"],
                     sha256=inputs.sha256, approved=inputs.approved)
        db.commit()
        return run.id


@dataclass(frozen=True)
class Results:
    """What a run found: scores and ranks by (period, unit, node)."""

    nodes: tuple[str, ...]
    units: tuple[str, ...]
    periods: tuple[Any, ...]
    scores: np.ndarray
    ranks: np.ndarray


def results_of(run: Run) -> Results:
    """Read a run's scores and ranks back as arrays (NaN where missing)."""
    import numpy as np

    data = _unpack(run.results)
    # null → NaN
    return Results(tuple(data["nodes"]), tuple(data["units"]), tuple(data["periods"]),
                   np.array(data["scores"], dtype=np.float64), np.array(data["ranks"], dtype=np.float64))
