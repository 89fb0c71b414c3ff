"""Panel (数据): indicator values for units × periods, with unit attributes.

Values are one dense float array shaped ``(period, unit, indicator)`` with NaN
for a missing value, set read-only so that no step can change the data behind
an evaluation. Read panels with :func:`zongheng.read_panel`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from zongheng.errors import DataError, Problem
from zongheng.i18n import register_messages

__all__ = ["MAX_MAGNITUDE", "Panel"]

MAX_MAGNITUDE = 1e100
"""Values at or beyond this size are refused: squares and spans of them overflow float64.

No indicator comes near it (a national GDP in yuan is about 1e14), while a
value near 1e308 makes ``max − min`` infinite and the best unit rank last.
"""

register_messages({
    "panel_not_finite": (
        "有 {n} 个值不是有限数或大到无法计算（绝对值 ≥ 1e100），如 {cells}",
        "{n} value(s) are infinite or too large to compute with (|x| ≥ 1e100), e.g. {cells}",
    ),
})


def _readonly(array: np.ndarray) -> np.ndarray:
    """Return a read-only float64 array; a writeable input is copied, so the caller's stays theirs."""
    if (isinstance(array, np.ndarray) and array.dtype == np.float64 and not array.flags.writeable
            and array.flags.owndata and array.flags.c_contiguous):
        return array  # already frozen and not a view of memory someone else can write
    array = np.array(array, dtype=np.float64, copy=True, order="C")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Panel:
    """Indicator values for units over periods (面板数据).

    Parameters
    ----------
    values : ndarray, shape (period, unit, indicator)
        Raw values; NaN marks a missing value.
    units : sequence of str
        Unit codes (e.g. county names or enterprise credit codes).
    periods : sequence
        Period labels, ascending (years as int).
    indicators : sequence of str
        Indicator codes, in the order of the last axis.
    attributes : DataFrame, optional
        One row per unit (index: unit code) with ``name`` and group columns.
    denominators : ndarray, shape (period, unit, denominator), optional
        Denominator values (e.g. GDP, population, land area).
    denominator_codes : sequence of str
        Codes of the denominators, in the order of the last axis.
    source : str, optional
        Where the data came from (a file name or a dataset's provenance).
    """

    values: np.ndarray
    units: tuple[str, ...]
    periods: tuple[Hashable, ...]
    indicators: tuple[str, ...]
    attributes: pd.DataFrame = field(default_factory=pd.DataFrame)
    denominators: np.ndarray | None = None
    denominator_codes: tuple[str, ...] = ()
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        values = _readonly(self.values)
        shape = (len(self.periods), len(self.units), len(self.indicators))
        if values.shape != shape:
            raise ValueError(f"values must have shape (period, unit, indicator) = {shape}, "
                             f"got {values.shape}")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "units", tuple(str(u) for u in self.units))
        object.__setattr__(self, "periods", tuple(self.periods))
        object.__setattr__(self, "indicators", tuple(self.indicators))
        self._check_finite(values, self.indicators)
        dens = self.denominators
        if dens is None:
            dens = np.empty(shape[:2] + (0,))
        dens = _readonly(dens)
        if dens.shape != shape[:2] + (len(self.denominator_codes),):
            raise ValueError("denominators must have shape (period, unit, denominator), got "
                             f"{dens.shape}")
        object.__setattr__(self, "denominators", dens)
        object.__setattr__(self, "denominator_codes", tuple(self.denominator_codes))
        attrs = self.attributes
        if attrs.empty and len(attrs.columns) == 0:
            attrs = pd.DataFrame(index=pd.Index(self.units, name="unit"))
        attrs = attrs.copy()
        attrs.index = attrs.index.map(str)  # unit codes are text, whatever the caller's index type
        attrs = attrs.reindex(list(self.units))
        attrs.index.name = "unit"
        if "name" not in attrs.columns:
            attrs.insert(0, "name", list(self.units))
        attrs["name"] = attrs["name"].where(attrs["name"].notna(), pd.Series(
            list(self.units), index=attrs.index))
        object.__setattr__(self, "attributes", attrs)

    @property
    def shape(self) -> tuple[int, int, int]:
        """Return ``(n_periods, n_units, n_indicators)``."""
        return self.values.shape  # type: ignore[return-value]

    @property
    def groups(self) -> tuple[str, ...]:
        """Return the names of the group columns among the unit attributes."""
        return tuple(c for c in self.attributes.columns if c != "name")

    def names(self) -> list[str]:
        """Return the display name of each unit."""
        return self.attributes["name"].astype(str).tolist()

    def group(self, column: str) -> np.ndarray:
        """Return the group label of each unit for a group column."""
        return self.attributes[column].to_numpy()

    def period_index(self, period: Hashable) -> int:
        """Return the position of a period; accepts ``"2020"`` for 2020."""
        for i, p in enumerate(self.periods):
            if p == period or str(p) == str(period):
                return i
        raise KeyError(period)

    def to_frame(self) -> pd.DataFrame:
        """Return the values as a long table ``unit, period, indicator, value``."""
        p, u, i = np.meshgrid(np.arange(len(self.periods)), np.arange(len(self.units)),
                              np.arange(len(self.indicators)), indexing="ij")
        return pd.DataFrame({
            "unit": np.asarray(self.units, dtype=object)[u.ravel()],
            "period": np.asarray(self.periods, dtype=object)[p.ravel()],
            "indicator": np.asarray(self.indicators, dtype=object)[i.ravel()],
            "value": self.values.ravel(),
        })

    def with_values(self, values: np.ndarray) -> Panel:
        """Return the same panel with other values (same shape, labels and attributes).

        Fast: the attributes and denominators are shared, not re-indexed (both are
        read-only in practice), so what-if and path searches can call it often.
        """
        values = _readonly(values)
        if values.shape != self.values.shape:
            raise ValueError(f"values must have shape {self.values.shape}, got {values.shape}")
        self._check_finite(values, self.indicators)
        clone = object.__new__(Panel)
        for name in ("units", "periods", "indicators", "attributes", "denominators",
                     "denominator_codes", "source"):
            object.__setattr__(clone, name, getattr(self, name))
        object.__setattr__(clone, "values", values)
        object.__setattr__(clone, "meta", dict(self.meta))
        return clone

    def _check_finite(self, values: np.ndarray, indicators: Sequence[str]) -> None:
        """Refuse ±inf and values too large to compute with, naming a few cells."""
        with np.errstate(invalid="ignore"):
            bad = np.abs(values) >= MAX_MAGNITUDE  # NaN compares False; inf is caught
        if not bad.any():
            return
        cells = [f"{self.units[u]}/{self.periods[p]}/{indicators[i]}={values[p, u, i]!r}"
                 for p, u, i in zip(*np.nonzero(bad), strict=True)][:5]
        raise DataError([Problem("panel_not_finite", {"n": int(bad.sum()), "cells": ", ".join(cells)})])

    def select_indicators(self, positions: Sequence[int], codes: Sequence[str]) -> Panel:
        """Return the panel with these indicator columns (positions), renamed ``codes``."""
        return Panel(self.values[..., list(positions)], self.units, self.periods, tuple(codes),
                     self.attributes, self.denominators, self.denominator_codes, self.source,
                     dict(self.meta))

    def select_units(self, units: Sequence[str]) -> Panel:
        """Return a panel with only these units (in this order)."""
        pos = [self.units.index(u) for u in units]
        return Panel(self.values[:, pos, :], tuple(units), self.periods, self.indicators,
                     self.attributes.loc[list(units)], self.denominators[:, pos, :],
                     self.denominator_codes, self.source, dict(self.meta))
