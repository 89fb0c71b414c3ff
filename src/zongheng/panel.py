"""Panel (数据): indicator values for units × periods, with unit attributes.

Values are one dense float array shaped ``(period, unit, indicator)`` with NaN
for a missing value, set read-only so that no step can change the data behind
an evaluation. Read panels with :func:`zongheng.read_panel`.

The unit attributes (display name, group columns) are kept as plain columns,
one value per unit; :attr:`Panel.attributes` shows them as a pandas DataFrame
on request, so that building and ranking never need pandas.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from zongheng.errors import DataError, Problem
from zongheng.frozen import FrozenMap, freeze_array
from zongheng.i18n import register_messages
from zongheng.io.text import clean_text

if TYPE_CHECKING:
    import pandas as pd

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

_FIELDS = ("values", "units", "periods", "indicators", "names_", "groups_", "denominators",
           "denominator_codes", "source", "meta")


def _readonly(array: np.ndarray) -> np.ndarray:
    """Return a read-only float64 array; a writeable input is copied, so the caller's stays theirs."""
    if (isinstance(array, np.ndarray) and array.dtype == np.float64 and not array.flags.writeable
            and array.flags.owndata and array.flags.c_contiguous):
        return array  # already frozen and not a view of memory someone else can write
    array = np.array(array, dtype=np.float64, copy=True, order="C")
    array.setflags(write=False)
    return array


def _is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA/NaT: a missing label."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and pd.NA/NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def _columns_of(attributes: Any, units: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Return each attribute column as an object array in unit order (missing → None)."""
    if attributes is None:
        return {}
    if hasattr(attributes, "to_dict") and hasattr(attributes, "index"):  # a DataFrame by unit
        frame = attributes.copy()
        frame.index = frame.index.map(str)  # unit codes are text, whatever the caller's index type
        frame = frame.reindex(list(units))
        return {str(c): np.array([None if _is_missing(v) else _clean(v) for v in frame[c].tolist()],
                                 dtype=object) for c in frame.columns}
    out = {}
    for column, values in dict(attributes).items():
        values = list(values)
        if len(values) != len(units):
            raise ValueError(f"attribute {column!r} has {len(values)} values for {len(units)} units")
        out[str(column)] = np.array([None if _is_missing(v) else _clean(v) for v in values], dtype=object)
    return out


def _clean(value: Any) -> Any:
    """Text without control characters (pasted from Word or PDF, they would break .xlsx/.docx)."""
    return clean_text(value) if isinstance(value, str) else value


class Panel:
    """Indicator values for units over periods (面板数据); immutable.

    Parameters
    ----------
    values : ndarray, shape (period, unit, indicator)
        Raw values; NaN marks a missing value. ±inf and values of magnitude
        ≥ :data:`MAX_MAGNITUDE` are a :class:`~zongheng.errors.DataError`.
    units : sequence of str
        Unit codes (e.g. county names or enterprise credit codes).
    periods : sequence
        Period labels, ascending (years as int).
    indicators : sequence of str
        Indicator codes, in the order of the last axis.
    attributes : DataFrame or mapping of column to values, optional
        Per unit: ``name`` (display name) and group columns. A DataFrame is
        indexed by unit code; a mapping gives one value per unit, in unit order.
    denominators : ndarray, shape (period, unit, denominator), optional
        Denominator values (e.g. GDP, population, land area).
    denominator_codes : sequence of str
        Codes of the denominators, in the order of the last axis.
    source : str, optional
        Where the data came from (a file name or a dataset's provenance).
    meta : mapping, optional
        What travels with the data (e.g. ``{"dataset": "asem", "synthetic": False}``).
    """

    __slots__ = (*_FIELDS, "_frame")

    values: np.ndarray
    units: tuple[str, ...]
    periods: tuple[Hashable, ...]
    indicators: tuple[str, ...]
    names_: tuple[str, ...]
    groups_: FrozenMap
    denominators: np.ndarray
    denominator_codes: tuple[str, ...]
    source: str | None
    meta: FrozenMap

    def __init__(self, values: np.ndarray, units: Sequence[str], periods: Sequence[Hashable],
                 indicators: Sequence[str], attributes: Any = None,
                 denominators: np.ndarray | None = None, denominator_codes: Sequence[str] = (),
                 source: str | None = None, meta: Mapping[str, Any] | None = None) -> None:
        units = tuple(str(u) for u in units)
        periods, indicators = tuple(periods), tuple(indicators)
        values = _readonly(values)
        shape = (len(periods), len(units), len(indicators))
        if values.shape != shape:
            raise ValueError(f"values must have shape (period, unit, indicator) = {shape}, "
                             f"got {values.shape}")
        dens = _readonly(np.empty(shape[:2] + (0,)) if denominators is None else denominators)
        if dens.shape != shape[:2] + (len(denominator_codes),):
            raise ValueError("denominators must have shape (period, unit, denominator), got "
                             f"{dens.shape}")
        columns = _columns_of(attributes, units)
        given = columns.pop("name", None)
        names = tuple(u if given is None or _is_missing(n) else str(n)
                      for u, n in zip(units, given if given is not None else units, strict=True))
        self._set(values=values, units=units, periods=periods, indicators=indicators, names_=names,
                  groups_=FrozenMap({k: freeze_array(v) for k, v in columns.items()}),
                  denominators=dens, denominator_codes=tuple(denominator_codes), source=source,
                  meta=FrozenMap(meta or {}))
        _check_finite(self, values)

    def _set(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_frame", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Panel is immutable: cannot set {name!r}; use with_values or with_meta")

    def __reduce__(self) -> tuple:
        return (Panel, (self.values, self.units, self.periods, self.indicators, self._plain_columns(),
                        self.denominators, self.denominator_codes, self.source, dict(self.meta)))

    def _clone(self, **changes: Any) -> Panel:
        """Return a copy with some fields replaced (no checks: the caller keeps them consistent)."""
        clone = object.__new__(Panel)
        clone._set(**{name: changes.get(name, getattr(self, name)) for name in _FIELDS})
        return clone

    # -- what the panel holds ----------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        """Return ``(n_periods, n_units, n_indicators)``."""
        return self.values.shape  # type: ignore[return-value]

    @property
    def groups(self) -> tuple[str, ...]:
        """Return the names of the group columns among the unit attributes."""
        return tuple(self.groups_)

    def names(self) -> list[str]:
        """Return the display name of each unit."""
        return list(self.names_)

    def group(self, column: str) -> np.ndarray:
        """Return the group label of each unit for a group column (None where missing)."""
        return self.groups_[column]

    def _plain_columns(self) -> dict[str, list]:
        return {"name": list(self.names_), **{k: list(v) for k, v in self.groups_.items()}}

    @property
    def attributes(self) -> pd.DataFrame:
        """Return the unit attributes as a DataFrame: index ``unit``, ``name`` and group columns.

        A copy each time: changing it changes nothing in the panel.
        """
        if self._frame is None:
            import pandas as pd

            frame = pd.DataFrame(self._plain_columns(), index=pd.Index(list(self.units), name="unit"))
            object.__setattr__(self, "_frame", frame)
        return self._frame.copy()

    def period_index(self, period: Hashable) -> int:
        """Return the position of a period; accepts ``"2020"`` for 2020."""
        for i, p in enumerate(self.periods):
            if p == period or str(p) == str(period):
                return i
        raise KeyError(period)

    def to_frame(self) -> pd.DataFrame:
        """Return the values as a long table ``unit, period, indicator, value``."""
        import pandas as pd

        p, u, i = np.meshgrid(np.arange(len(self.periods)), np.arange(len(self.units)),
                              np.arange(len(self.indicators)), indexing="ij")
        return pd.DataFrame({
            "unit": np.asarray(self.units, dtype=object)[u.ravel()],
            "period": np.asarray(self.periods, dtype=object)[p.ravel()],
            "indicator": np.asarray(self.indicators, dtype=object)[i.ravel()],
            "value": self.values.ravel(),
        })

    # -- other panels from this one -----------------------------------------------------------
    def with_values(self, values: np.ndarray) -> Panel:
        """Return the same panel with other values (same shape, labels and attributes).

        Fast: labels and attributes are shared, not re-indexed, so what-if and
        path searches can call it often.
        """
        values = _readonly(values)
        if values.shape != self.values.shape:
            raise ValueError(f"values must have shape {self.values.shape}, got {values.shape}")
        _check_finite(self, values)
        return self._clone(values=values)

    def with_meta(self, **meta: Any) -> Panel:
        """Return the same panel with these entries added to :attr:`meta`."""
        return self._clone(meta=FrozenMap({**self.meta, **meta}))

    def with_groups(self, **columns: Sequence[Any]) -> Panel:
        """Return the panel with group columns added or replaced (one label per unit)."""
        added = _columns_of(columns, self.units)
        return self._clone(groups_=FrozenMap({**self.groups_, **{
            k: freeze_array(v) for k, v in added.items()}}))

    def select_indicators(self, positions: Sequence[int], codes: Sequence[str]) -> Panel:
        """Return the panel with these indicator columns (positions), renamed ``codes``."""
        return self._clone(values=freeze_array(self.values[..., list(positions)].copy()),
                           indicators=tuple(codes))

    def select_units(self, units: Sequence[str]) -> Panel:
        """Return a panel with only these units (in this order)."""
        pos = [self.units.index(u) for u in units]
        return self._clone(values=freeze_array(self.values[:, pos, :].copy()), units=tuple(units),
                           names_=tuple(self.names_[k] for k in pos),
                           groups_=FrozenMap({k: freeze_array(v[pos]) for k, v in self.groups_.items()}),
                           denominators=freeze_array(self.denominators[:, pos, :].copy()))

    def __repr__(self) -> str:
        n_p, n_u, n_i = self.shape
        groups = f", groups={list(self.groups)}" if self.groups else ""
        return (f"Panel({n_u} units × {n_p} periods × {n_i} indicators, periods "
                f"{self.periods[0] if n_p else '—'}…{self.periods[-1] if n_p else '—'}{groups})")


def _check_finite(panel: Panel, values: np.ndarray) -> None:
    """Refuse ±inf and values too large to compute with, naming a few cells."""
    with np.errstate(invalid="ignore"):
        bad = np.abs(values) >= MAX_MAGNITUDE  # NaN compares False; inf is caught
    if not bad.any():
        return
    cells = [f"{panel.units[u]}/{panel.periods[p]}/{panel.indicators[i]}={float(values[p, u, i])!r}"
             for p, u, i in zip(*np.nonzero(bad), strict=True)][:5]
    raise DataError([Problem("panel_not_finite", {"n": int(bad.sum()), "cells": ", ".join(cells)})])
