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
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zongheng.platform.models import (
    FrameworkIndicator,
    FrameworkVersion,
    ReferenceData,
    Region,
    State,
    Submission,
    Value,
)

if TYPE_CHECKING:
    import numpy as np

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
    reference_id: int | None = None
    """The reference data (peers' release) the panel includes."""


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
           approved_only: bool = False, reference: ReferenceData | None = None) -> RunInputs:
    """Assemble the inputs of a run of ``version`` through ``period`` (汇集评价输入).

    Parameters
    ----------
    regions : sequence of str, optional
        Region codes to evaluate; default every region with a submission of ``version`` in
        ``period``.
    approved_only : bool
        Leave out values that are not approved (they become missing) instead of using them.
    reference : ReferenceData, optional
        Peers' released values (参照数据): their units join the panel, with their groups; a value
        entered here for the same region, period and indicator takes the released one's place.

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
    entered_units = _unit_names(db, regions)
    released = _released(reference, codes, period) if reference is not None else None
    periods = sorted({_period_label(r.period) for r in rows} | {_period_label(period)}
                     | set(released.periods if released is not None else ()), key=str)
    units = list(released.units) if released is not None else []
    units += [u for u in entered_units if u not in set(units)]
    values = np.full((len(periods), len(units), len(codes)), np.nan)
    if released is not None:
        p_of = [periods.index(p) for p in released.periods]
        values[np.ix_(p_of, range(len(released.units)), range(len(codes)))] = released.values
    approved = np.array([r.state in APPROVED for r in rows], dtype=bool)
    taken = np.array([r.approved_value if ok else (None if approved_only else r.value)
                      for r, ok in zip(rows, approved, strict=True)], dtype=float)
    kept = ~np.isnan(taken)
    if kept.any():
        p_at, i_at = {p: n for n, p in enumerate(periods)}, {c: n for n, c in enumerate(codes)}
        u_at = {code: units.index(name) for code, name in zip(regions, entered_units, strict=True)}
        where = np.array([(p_at[_period_label(r.period)], u_at[r.region_code], i_at[r.code]) for r in rows])
        values[tuple(where[kept].T)] = taken[kept]
    unapproved = int((kept & ~approved).sum())
    groups = _groups(released, units) if released is not None else None
    panel = Panel(values, units, periods, codes, attributes=groups,
                  source=f"zongheng platform: {version.name} {version.year}, through {period}"
                         + (f"; peers from {reference.name}" if reference is not None else ""))
    digest = _digest(version, units, [str(p) for p in periods], codes, values,
                     reference.sha256 if reference is not None else "")
    return RunInputs(framework, panel, version.id, period, tuple(regions), unapproved == 0, unapproved,
                     digest, reference.id if reference is not None else None)


@dataclass(frozen=True)
class _Released:
    """A reference panel cut to the run: its periods through the run's, the framework's indicators."""

    units: tuple[str, ...]
    periods: tuple[Any, ...]
    values: np.ndarray
    groups: dict[str, list]


def _released(reference: ReferenceData, codes: list[str], period: str) -> _Released:
    import numpy as np

    from zongheng.platform.services.reference import panel_of

    panel = panel_of(reference)
    keep = [n for n, p in enumerate(panel.periods) if str(p) <= str(_period_label(period))]
    values = np.full((len(keep), len(panel.units), len(codes)), np.nan)
    for n, code in enumerate(codes):       # an indicator the release lacks stays missing
        if code in panel.indicators:
            values[:, :, n] = panel.values[keep, :, panel.indicators.index(code)]
    groups = {name: list(panel.group(name)) for name in panel.groups}
    return _Released(panel.units, tuple(panel.periods[n] for n in keep), values, groups)


def _groups(released: _Released, units: list[str]) -> dict[str, list]:
    """Return the released units' groups (设区市, 山区26县 …), blank for units only entered here."""
    at = {u: n for n, u in enumerate(released.units)}
    return {name: [column[at[u]] if u in at else None for u in units]
            for name, column in released.groups.items()}


def _digest(version: FrameworkVersion, units: list[str], periods: list[str], codes: list[str],
            values, reference: str = "") -> str:
    head = json.dumps({"framework": version.content_sha256, "source": hashlib.sha256(
        version.source_text.encode("utf-8")).hexdigest(), "units": units, "periods": periods,
        "indicators": codes, "reference": reference}, ensure_ascii=False, sort_keys=True)
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
    from zongheng.io.safe_cells import csv_frame

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    framework_path, data_path = folder / "framework.yaml", folder / "data.csv"
    write_framework(framework, framework_path)
    frames = []
    for p, label in enumerate(panel.periods):
        frame = pd.DataFrame(panel.values[p], columns=list(panel.indicators))
        for name in reversed(panel.groups):     # 设区市, 山区26县 …: ranks within groups read them
            frame.insert(0, name, list(panel.group(name)))
        frame.insert(0, "period", label)
        frame.insert(0, "unit", list(panel.units))
        frames.append(frame)
    # A unit or group named "=HYPERLINK(…)" gets its quote, as in every CSV the platform serves: the
    # file is opened in Excel as often as it is read by `zongheng build` (whose reader takes it off).
    table = csv_frame(pd.concat(frames, ignore_index=True))
    # repr-exact floats: the numbers read back are the numbers evaluated, to the last bit.
    atomic_write(data_path, lambda tmp: table.to_csv(tmp, index=False, float_format="%.17g",
                                                     encoding="utf-8"))
    return framework_path, data_path
