"""What an evaluation run reads (评价输入): the framework and the panel of entered values.

A run evaluates one framework version through one period. Its panel holds every earlier period of
the same framework (any year's version, matched by indicator code), so 纵向比进步 has a past to
compare with. A value of an approved or locked submission is read as approved (``approved_value``);
any other value is 未审核: :func:`gather` either leaves it out (``approved_only=True``) or uses it
and says so (``RunInputs.approved`` is ``False``), so every page and document of the run can be
marked. The inputs carry a SHA-256 of their canonical form: two runs on the same numbers have the
same hash, and :func:`export_inputs` writes files the library's ``zongheng build`` reads back to the
same numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import FrameworkIndicator, FrameworkVersion, Region, State, Submission, Value

if TYPE_CHECKING:
    from zongheng.framework import Framework
    from zongheng.panel import Panel

__all__ = ["RunInputs", "export_inputs", "framework_of", "gather"]

APPROVED = (State.APPROVED.value, State.LOCKED.value)


@dataclass(frozen=True)
class RunInputs:
    """The framework and panel a run evaluates, and what they are made of."""

    framework: Framework
    panel: Panel
    version_id: int
    period: str
    """The period evaluated (the panel's last)."""
    regions: tuple[str, ...]
    """Region codes, in the panel's unit order."""
    approved: bool
    """Every value used was approved; ``False`` marks the run 未审核."""
    unapproved_values: int
    """How many values used were not approved (0 when ``approved_only``)."""
    sha256: str
    """Hash of the canonical inputs: framework text, units, periods, indicators, values."""


def framework_of(version: FrameworkVersion) -> Framework:
    """Return the library's framework of a stored version (its YAML, read as the CLI reads a file)."""
    from zongheng.errors import FrameworkError
    from zongheng.io.framework_yaml import _repair, framework_from_dict
    from zongheng.io.yaml_file import parse_yaml

    doc = parse_yaml(version.source_text, file=f"{version.key}-{version.year}.yaml", error=FrameworkError,
                     repair=_repair)
    return framework_from_dict(doc, file=f"{version.key}-{version.year}.yaml")


def _period_label(period: str) -> int | str:
    # The library's readers read "2024" as the year 2024: the exported CSV must give the same label.
    return int(period) if period.isdigit() else period


def _unit_names(db: Session, codes: Sequence[str]) -> list[str]:
    names = dict(db.execute(select(Region.code, Region.name).where(
        Region.code.in_(codes), Region.valid_to.is_(None))).all())
    shown = [names.get(c, c) for c in codes]
    # Two regions of one name (两个"城关镇") would be one unit in a table: keep their codes apart.
    return [f"{n}（{c}）" if shown.count(n) > 1 else n for n, c in zip(shown, codes, strict=True)]


def gather(db: Session, version: FrameworkVersion, period: str, *, regions: Sequence[str] | None = None,
           approved_only: bool = False) -> RunInputs:
    """Assemble the inputs of a run of ``version`` through ``period`` (汇集评价输入).

    Parameters
    ----------
    regions : sequence of str, optional
        Region codes to evaluate; default every region with a submission of ``version`` in
        ``period``.
    approved_only : bool
        Leave out values that are not approved (they become missing) instead of using them.

    Raises
    ------
    ValueError
        No region has a submission of ``version`` in ``period``.
    """
    import numpy as np

    from zongheng.panel import Panel

    framework = framework_of(version)
    codes = list(framework.indicator_codes)
    if regions is None:
        regions = sorted(db.scalars(select(Submission.region_code).distinct().where(
            Submission.version_id == version.id, Submission.period == period)))
    regions = list(regions)
    if not regions:
        raise ValueError(f"no region reports {version.key} {version.year} in {period}")
    rows = db.execute(
        select(Submission.period, Submission.region_code, FrameworkIndicator.code, Submission.state,
               Value.value, Value.approved_value)
        .join(Value.submission).join(Value.indicator).join(Submission.version)
        .where(FrameworkVersion.key == version.key, Submission.period <= period,
               Submission.region_code.in_(regions), FrameworkIndicator.code.in_(codes))).all()
    periods = sorted({r.period for r in rows} | {period})
    p_at, u_at, i_at = ({x: n for n, x in enumerate(seq)} for seq in (periods, regions, codes))
    values = np.full((len(periods), len(regions), len(codes)), np.nan)
    unapproved = 0
    for r in rows:
        approved = r.state in APPROVED
        number = r.approved_value if approved else (None if approved_only else r.value)
        if number is None:
            continue
        unapproved += not approved
        values[p_at[r.period], u_at[r.region_code], i_at[r.code]] = number
    units = _unit_names(db, regions)
    panel = Panel(values, units, [_period_label(p) for p in periods], codes,
                  source=f"zongheng platform: {version.name} {version.year}, through {period}")
    return RunInputs(framework, panel, version.id, period, tuple(regions), unapproved == 0, unapproved,
                     _digest(version, units, periods, codes, values))


def _digest(version: FrameworkVersion, units: list[str], periods: list[str], codes: list[str],
            values) -> str:
    head = json.dumps({"framework": version.content_sha256, "source": hashlib.sha256(
        version.source_text.encode("utf-8")).hexdigest(), "units": units, "periods": periods,
        "indicators": codes}, ensure_ascii=False, sort_keys=True)
    # NaN has many bit patterns: write one, so equal panels hash equal.
    canonical = [None if math.isnan(x) else float(x) for x in values.ravel().tolist()]
    body = json.dumps(canonical, separators=(",", ":"))
    return hashlib.sha256((head + "\n" + body).encode("utf-8")).hexdigest()


def export_inputs(framework: Framework, panel: Panel, folder: str | Path) -> tuple[Path, Path]:
    """Write a run's inputs as ``framework.yaml`` and ``data.csv`` (导出评价输入); return the paths.

    ``zongheng build framework.yaml data.csv`` (or :func:`zongheng.read_panel`) reads them back to
    the same panel: the run can be reproduced by the library alone.
    """
    import pandas as pd

    from zongheng.io import write_framework
    from zongheng.io.atomic import atomic_write

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    framework_path, data_path = folder / "framework.yaml", folder / "data.csv"
    write_framework(framework, framework_path)
    frames = []
    for p, label in enumerate(panel.periods):
        frame = pd.DataFrame(panel.values[p], columns=list(panel.indicators))
        frame.insert(0, "period", label)
        frame.insert(0, "unit", list(panel.units))
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    # repr-exact floats: the numbers read back are the numbers evaluated, to the last bit.
    atomic_write(data_path, lambda tmp: table.to_csv(tmp, index=False, float_format="%.17g",
                                                     encoding="utf-8"))
    return framework_path, data_path
