"""A tiny evaluation run for the small test world (conftest.build_world): scope and page tests."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
from sqlalchemy import select

import zongheng as zh
from zongheng.errors import ConstantIndicatorWarning
from zongheng.io.framework_yaml import framework_from_dict
from zongheng.panel import Panel
from zongheng.platform.db import transaction
from zongheng.platform.models import FrameworkVersion, Region
from zongheng.platform.services import runs
from zongheng.platform.services.run_inputs import RunInputs

# Lead departments (牵头单位) are the small world's department short names (conftest.build_world).
FRAMEWORK = {"code": "M", "name": "小指标体系", "children": [
    {"code": "D1", "name": "维度一", "children": [
        {"code": "X1", "name": "指标一", "direction": 1, "department": "DA"},
        {"code": "X2", "name": "指标二", "direction": 1, "department": "DA"}]},
    {"code": "D2", "name": "维度二", "children": [
        {"code": "X3", "name": "指标三", "direction": -1, "department": "DB"}]}]}


def tiny_run(factory, regions: list[str], *, approved: bool = True, user_id: int | None = None) -> int:
    """Store a run over ``regions`` (two periods, values made up by hand); return its id."""
    n = len(regions)
    # 2023 then 2024; in 2024 the last region's X1 jumps by 20 and its X3 (lower is better) falls to
    # the best value, so it climbs. With two regions (default min-max pooled, means): 2023 甲 50.00,
    # 乙 26.19; 2024 甲 50.00, 乙 100.00: 乙 ▲1, 甲 ▼1.
    last = n - 1
    values = np.array([[[10 + u, 5 + u, 3.0 + u] for u in range(n)],
                       [[10 + u + 20 * (u == last), 5 + u, 3.0 + u * (u != last)] for u in range(n)]],
                      dtype=float)
    return store_run(factory, regions, FRAMEWORK, values, approved=approved, user_id=user_id)


def store_run(factory, regions: list[str], framework: dict, values: np.ndarray, *,
              periods: tuple[int, ...] = (2023, 2024), approved: bool = True, user_id: int | None = None,
              version_id: int | None = None) -> int:
    """Store a run of ``framework`` (a dict as in a YAML file) on ``values`` (period, region, indicator).

    The units are the regions' names, the indicators the framework's in order; the run is of the
    first framework version in the database unless ``version_id`` says which, through the last of
    ``periods``. Returns the run's id.
    """
    fw = framework_from_dict(framework)
    with transaction(factory) as s:
        names = dict(s.execute(select(Region.code, Region.name)).all())
        panel = Panel(values, [names[r] for r in regions], list(periods), list(fw.indicator_codes))
        version = s.get(FrameworkVersion, version_id) if version_id is not None else \
            s.scalars(select(FrameworkVersion).order_by(FrameworkVersion.id)).first()
        # The digest of what was evaluated, as a real run's: the pages' rebuilt-evaluation cache is
        # keyed by (run id, digest, method), and every test's database starts its runs at id 1.
        digest = hashlib.sha256(values.tobytes() + repr((regions, names, framework, periods,
                                                         approved)).encode()).hexdigest()
        inputs = RunInputs(fw, panel, version.id, str(periods[-1]), tuple(regions), approved,
                           0 if approved else 3, digest)
        with warnings.catch_warnings():     # one region alone: every indicator is constant
            warnings.simplefilter("ignore", ConstantIndicatorWarning)
            evaluation = zh.build(fw, panel)
        return runs.store(s, inputs, evaluation, "default", user_id=user_id).id


def rebuilt_scores(folder: Path) -> dict[tuple[str, str], str]:
    """Run ``zongheng build`` on a run's unpacked inputs.zip, as a user would; return the composite.

    The CLI's ``(unit, year) → 得分`` of the highest level (the index), as the CSV writes it.
    """
    out = folder / "scores.csv"
    subprocess.run([str(Path(sys.executable).parent / "zongheng"), "build", "framework.yaml", "data.csv",
                    "--method", "method.yaml", "-o", str(out)], cwd=folder, check=True, capture_output=True)
    with open(out, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    top = max(int(r["层级"]) for r in rows)
    return {(r["单位名称"], r["年份"]): r["得分"] for r in rows if int(r["层级"]) == top}
