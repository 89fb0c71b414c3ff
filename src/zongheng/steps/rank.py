"""Rank (排名): competition ranking with one tolerance for float noise, overall and within groups.

Every rank zongheng reports comes from this module: ``ev.ranks`` and
``ev.group_ranks`` (so ``ev.ranking()``, the ranking tables, award rules and
the path to a target rank), the places of the most improved units, and every
rank of the uncertainty engine, nominal and sampled. The same scores therefore
always get the same ranks.

Ties (并列)
-----------
Ranks are competition ranks (1, 2, 2, 4): a unit's rank is 1 + the number of
units with a clearly higher score. Scores closer than

    τ = 2⁻⁴⁰ · E    (:data:`TIE_BITS` = 40)

tie, where E is the *extent* of the scores ranked together (one period, one
node, one group): their range, or their largest magnitude when that is larger.
τ is about 10⁻¹² of the scores: far above the differences that the order of
floating-point sums leaves between mathematically equal scores (a few 10⁻¹⁶ of
their magnitude), far below any difference that means something. Ties chain:
sorted scores each within τ of the next tie as one. Differences are measured
on an integer grid, at least 2 and up to 16 steps per τ (τ / 16 for the widest
set of scores, at most τ / 2 for any), so a difference within one grid step of
τ itself may fall either way; exact multiples of τ do not.

How
---
The scores are mapped onto one integer grid (one reduction over all of them)
and each is packed with its unit's number into one 64-bit key (the cell in the
high bits), so one in-place integer sort per row gives both the order and the
cells. A row's lowest and highest cells, at its ends, give its extent and so
its τ in cells; neighbours less than τ apart tie, checked on the flattened
rows in one pass. A row far narrower than the widest (τ under 2 steps) is
sorted again on a grid of its own. Vectorised over every other axis; faster
than ``scipy.stats.rankdata(method="min", nan_policy="omit")``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

__all__ = [
    "TIE_BITS",
    "OnGrid",
    "competition_rank",
    "group_rank",
    "layout",
    "ranks_by_unit",
    "sorted_places",
    "tie_extent",
]

#: Scores closer than 2**-TIE_BITS of their extent tie (the tolerance τ).
TIE_BITS = 40

#: Grid steps per τ, as a power of two, when the unit number leaves room in the key.
FINE_BITS = 4

#: Grid steps per τ below which a row is sorted again on a grid of its own.
MIN_STEPS = 2


def tie_extent(lo: np.ndarray | float, hi: np.ndarray | float) -> np.ndarray:
    """Return the extent E that the tolerance is a share of: the range, or the magnitude if larger.

    Rounding errors scale with the magnitude of the scores, so the tolerance
    never gets finer than 2⁻⁴⁰ of it, even when the scores are close together.
    """
    return np.maximum(np.asarray(hi) - lo, np.maximum(np.abs(lo), np.abs(hi)))


def unit_bits(n: int) -> int:
    """Return the bits the number of one of ``n`` units needs in a packed key."""
    return max(1, (n - 1).bit_length())


def layout(n: int) -> tuple[int, bool]:
    """Return the grid steps per τ (as bits) for ``n`` units, and whether keys can be packed.

    A key holds the cell (up to 2**(TIE_BITS + fine) + a margin) and the unit
    number in 63 bits; past about a million units there is no room left for
    the unit, and the order comes from an ``argsort`` instead.
    """
    fine = min(FINE_BITS, 61 - TIE_BITS - unit_bits(n))
    return (fine, True) if fine >= 1 else (FINE_BITS, False)


@dataclass(frozen=True)
class OnGrid:
    """Scores already mapped onto a grid (the uncertainty engine's products give them so).

    ``cells`` holds ``(score − origin) · inv + 0.5`` as floats (row, unit),
    finite; ``zero`` is the cell of the score 0 (``0.5 − origin · inv``) and
    ``inv`` the cells per unit of score. Any ``inv`` works: each row's
    tolerance is found in cells from its own extent, as for plain scores.
    """

    cells: np.ndarray
    zero: float
    inv: float

    def columns(self, which: np.ndarray) -> OnGrid:
        """Return the scores of some units (columns), on the same grid."""
        return OnGrid(self.cells[:, which], self.zero, self.inv)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Return the scores of some rows."""
        return (self.cells[rows] - self.zero) / self.inv


def _grid(scores: np.ndarray, fine: int, own: bool, extent: float | None, finite: bool
          ) -> tuple[np.ndarray, np.ndarray | float, np.ndarray | float, np.ndarray | None]:
    """Map scores (row, unit) onto integer cells of τ/2**fine of their extent.

    With ``own``, each row gets a grid of its own extent (two reductions per
    row); otherwise one grid spans the extent of all rows. Missing scores get
    cells below every score (each its own), ±inf above or below every finite
    score.

    Returns
    -------
    cells : ndarray of int64
    zero, inv : float or ndarray (row, 1)
        The cell of the score 0 and the cells per unit of score.
    low : ndarray (row, 2) or None
        Per row, the cells placed below every finite score (NaN, −inf) and
        above (+inf); None when every score is finite.
    """
    axis = 1 if own else None
    lo = scores.min(axis=axis, keepdims=own)
    hi = scores.max(axis=axis, keepdims=own)
    with np.errstate(invalid="ignore"):  # inf − inf
        clean = bool(np.isfinite(hi - lo).all())  # NaN and ±inf reach the minimum or the maximum
    if not clean and finite:
        raise FloatingPointError("a score to rank is not finite")
    if not clean:
        nan, pos, neg = np.isnan(scores), scores == np.inf, scores == -np.inf
        known = ~(nan | pos | neg)
        lo = np.where(known, scores, np.inf).min(axis=axis, keepdims=own)
        hi = np.where(known, scores, -np.inf).max(axis=axis, keepdims=own)
        empty = ~np.isfinite(lo)
        lo, hi = np.where(empty, 0.0, lo), np.where(empty, 0.0, hi)
    e = tie_extent(lo, hi)
    if extent is not None and np.isfinite(extent):
        e = np.maximum(e, abs(float(extent)))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(e > 0, float(1 << (TIE_BITS + fine)) / e, 0.0)
    # (x − lo) · inv + 0.5 in two passes; + 0.5 rounds to the nearest cell, so scores on the
    # grid stay on it (exactly when inv is a power of two).
    zero = 0.5 - lo * inv
    with np.errstate(invalid="ignore"):  # inf × 0 where nothing is finite: replaced below
        half = scores * inv
        half += zero
    if not clean:
        half[~known] = 0.0
    cells = half.astype(np.int64)
    if clean:
        return cells, zero, inv, None
    step = 1 << fine  # sentinels 2 τ apart at least: none ties anything
    cells[pos] = (1 << (TIE_BITS + fine)) + 2 * step
    cells[neg] = -2 * step
    column = np.broadcast_to(np.arange(cells.shape[1], dtype=np.int64), cells.shape)
    cells[nan] = -2 * step * (2 + column[nan])
    return cells, zero, inv, np.column_stack([(nan | neg).sum(axis=1), pos.sum(axis=1)])


def _sort(cells: np.ndarray, packed: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Sort each row of cells (overwritten).

    Returns the units by place, the sorted keys (cell × 2**bits + unit) and
    ``bits``; without packing (past a million units) the keys are the cells
    and ``bits`` is 0.
    """
    n = cells.shape[1]
    if not packed:
        units = np.argsort(cells, axis=1, kind="stable")
        return units, np.take_along_axis(cells, units, axis=1), 0
    bits = unit_bits(n)
    key = cells
    key <<= bits  # the unit in the low bits: one sort gives both the order and the unit
    key |= np.arange(n, dtype=np.int64)
    key.sort(axis=1)
    return key & ((1 << bits) - 1), key, bits


def _tolerance(keys: np.ndarray, bits: int, zero: np.ndarray | float, inv: np.ndarray | float,
               extent: float | None, ends: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's tolerance τ in cells, from its lowest and highest finite cell.

    Returns
    -------
    steps : ndarray of float (row,)
        τ in cells (the grid's resolution of the row's tolerance).
    extent : ndarray of float (row,)
        The row's extent in cells (0: every score equal, or none finite).
    """
    n = keys.shape[1]
    rows = np.arange(len(keys))
    first = np.zeros(len(keys), dtype=np.int64) if ends is None else np.minimum(ends[:, 0], n - 1)
    last = np.full(len(keys), n - 1) if ends is None else np.maximum(n - 1 - ends[:, 1], 0)
    lo = (keys[rows, first] >> bits).astype(np.float64)
    hi = (keys[rows, last] >> bits).astype(np.float64)
    z = np.ravel(np.broadcast_to(zero, (len(keys), 1)))
    e = tie_extent(lo - z, hi - z)
    if ends is not None:
        e = np.where(first <= last, e, 0.0)
    if extent is not None and np.isfinite(extent):
        e = np.maximum(e, abs(float(extent)) * np.ravel(np.broadcast_to(inv, (len(keys), 1))))
    return e * 2.0**-TIE_BITS, e


def _ties(keys: np.ndarray, bits: int, limit: np.ndarray) -> np.ndarray | None:
    """Return where neighbours tie (row, place − 1) for the rows with a tie, or None without.

    Neighbours tie when their cells are less than the row's ``limit`` apart.
    A key is cell × 2**bits + unit, so a key gap below ``limit × 2**bits``
    holds every tie (and, rarely, cells ``limit`` apart whose units fall the
    other way): the whole batch is screened in one pass over the flattened
    keys, and only the rows it flags are checked on their cells.
    """
    flat = keys.ravel()
    gap = np.empty(flat.size, dtype=np.int64)
    np.subtract(flat[1:], flat[:-1], out=gap[:-1])
    gap = gap.reshape(keys.shape)
    top = int(limit.max()) << bits
    gap[:, -1] = top  # the gap from a row's last key to the next row's first: never a tie
    near = gap < top
    if not near.any():  # the usual case
        return None
    rows = np.flatnonzero(near.any(axis=1))
    cells = keys[rows] >> bits
    tie = (cells[:, 1:] - cells[:, :-1]) < limit[rows, None]
    full = np.zeros((len(keys), keys.shape[1] - 1), dtype=bool)
    full[rows] = tie
    return full


def sorted_places(scores: np.ndarray | OnGrid, *, extent: float | None = None, finite: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort each row of scores; return the units by place and the ranks of rows with ties.

    Parameters
    ----------
    scores : ndarray of float64 (row, unit), or OnGrid
        Not modified.
    extent : float, optional
        A lower bound of each row's extent E (see :func:`competition_rank`).
    finite : bool
        Raise ``FloatingPointError`` on a score that is not finite.

    Returns
    -------
    units : ndarray (row, place)
        The column at each place, **worst first** (ascending scores: the
        arrays stay contiguous); place *j* has rank ``n − j`` when the row has
        no tie.
    ranks : ndarray (tied row, place)
        The competition rank at each place of the rows with a tie.
    tied : ndarray of bool (row,)
        Rows with at least one tie.

    Notes
    -----
    All rows share one grid (one reduction over the whole array) and each
    row's τ is measured in its cells from the row's own lowest and highest
    score, which the sort gives for free. A row whose τ spans fewer than
    :data:`MIN_STEPS` cells (its extent far below the others') is sorted again
    on a grid of its own.
    """
    n = scores.cells.shape[1] if isinstance(scores, OnGrid) else scores.shape[1]
    fine, packed = layout(n)
    if isinstance(scores, OnGrid):
        cells, zero, inv, ends = scores.cells.astype(np.int64), scores.zero, scores.inv, None
    else:
        cells, zero, inv, ends = _grid(scores, fine, False, extent, finite)
    units, keys, bits = _sort(cells, packed)
    steps, e = _tolerance(keys, bits, zero, inv, extent, ends)
    weak = (steps < MIN_STEPS) & (e > 0) if len(steps) else np.zeros(0, dtype=bool)
    if weak.any():  # far narrower than the rest: a grid of their own
        own = scores.scores(weak) if isinstance(scores, OnGrid) else scores[weak]
        cells, zero, inv, ends = _grid(own, fine, True, extent, finite)
        units[weak], keys[weak], _ = _sort(cells, packed)
        steps[weak] = _tolerance(keys[weak], bits, zero, inv, extent, ends)[0]
    none = np.zeros(len(units), dtype=bool)
    if n < 2 or not len(units):
        return units, np.zeros((0, n), dtype=np.int64), none
    # Neighbours less than τ apart tie. τ within 2⁻²⁰ of a whole number of cells is that number:
    # the row's extent comes from rounded cells, and τ of exact grid multiples must stay exact.
    tie = _ties(keys, bits, np.maximum(np.ceil(steps - 2.0**-20), 1).astype(np.int64))
    tied = none if tie is None else tie.any(axis=1)
    if not tied.any():
        return units, np.zeros((0, n), dtype=np.int64), none
    # Best first, a place starting a new score gets its own rank, ties keep the first's.
    start = np.ones((int(tied.sum()), n), dtype=bool)
    start[:, 1:] = ~tie[tied][:, ::-1]
    ranks = np.maximum.accumulate(np.where(start, np.arange(1, n + 1), 0), axis=1)[:, ::-1]
    return units, ranks, tied


def ranks_by_unit(units: np.ndarray, ranks: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """Return the rank of each unit (row, unit) from :func:`sorted_places`."""
    n = units.shape[1]
    full = np.broadcast_to(np.arange(n, 0, -1), units.shape).copy()
    full[tied] = ranks
    out = np.empty_like(full)
    np.put_along_axis(out, units, full, axis=1)
    return out


def competition_rank(scores: np.ndarray, axis: int = -2, *, extent: float | None = None) -> np.ndarray:
    """Rank scores from the highest (1), ties sharing the best place: 1, 2, 2, 4 (竞争排名).

    Scores closer than τ = 2⁻⁴⁰ of their extent tie (see the module notes):
    differences left by floating-point sums are ties, not ranks. Missing
    scores get no rank (NaN); +inf ranks above every finite score.

    Parameters
    ----------
    scores : ndarray
    axis : int
        The axis of the units ranked together; vectorised over the others.
    extent : float, optional
        A lower bound of the extent E of the tolerance: pass the extent of the
        scores when ranking differences of scores (progress), whose rounding
        errors follow the scores, not the differences.

    Returns
    -------
    ndarray of float
        The ranks, NaN for a missing score.

    Examples
    --------
    >>> competition_rank(np.array([3.0, 5.0, 3.0, 1.0]), axis=0).tolist()
    [2.0, 1.0, 2.0, 4.0]
    >>> competition_rank(np.array([0.1 + 0.2, 0.3, 0.4]), axis=0).tolist()  # 0.30000000000000004
    [2.0, 2.0, 1.0]
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 0:
        raise ValueError("competition_rank needs at least one axis of units")
    moved = np.moveaxis(scores, axis, -1)
    n = moved.shape[-1]
    if n == 0 or moved.size == 0:
        return np.full(scores.shape, np.nan)
    rows = np.ascontiguousarray(moved.reshape(-1, n))
    missing = np.isnan(rows)
    out = ranks_by_unit(*sorted_places(rows, extent=extent)).astype(np.float64)
    out[missing] = np.nan
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def group_rank(scores: np.ndarray, labels: np.ndarray, axis: int = -2, *,
               extent: float | None = None) -> np.ndarray:
    """Rank within each group of units (组内排名); ``labels`` gives each unit's group.

    Each group is ranked on its own by :func:`competition_rank` (the
    tolerance is a share of the group's extent). Units with a missing label
    (None, NaN, pd.NA, blank) are not ranked.
    """
    scores = np.moveaxis(np.asarray(scores, dtype=np.float64), axis, -1)
    out = np.full(scores.shape, np.nan)
    codes = group_codes(labels)
    for k in range(codes.max(initial=-1) + 1):  # a loop over groups, not units
        members = codes == k
        out[..., members] = competition_rank(scores[..., members], axis=-1, extent=extent)
    return np.moveaxis(out, -1, axis)


def _is_no_label(value: object) -> bool:
    """None, NaN, pandas' NA/NaT, or blank text: no group."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        differs = value != value  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
    try:
        return bool(differs)
    except TypeError:  # pandas' NA: whether it equals itself is unknown, so it is no label
        return True


def group_codes(labels: np.ndarray) -> np.ndarray:
    """Return a group number per unit (0, 1, … in order of appearance), −1 for a missing label.

    Labels are equal as Python values are (so ``1`` and ``1.0`` are one group,
    as in :func:`pandas.factorize`); None, NaN, pandas' NA and blank text are
    no group.

    Examples
    --------
    >>> group_codes(np.array(["b", "a", None, "b", " "], dtype=object)).tolist()
    [0, 1, -1, 0, -1]
    """
    labels = np.asarray(labels, dtype=object).ravel()
    pd = sys.modules.get("pandas")  # a bundled build never imports pandas (test_startup)
    if pd is not None and len(labels) > _FACTORIZE_FROM:
        # pandas.factorize hashes each label once in C (a dict look-up per unit in Python cost
        # 1.7 s at 10⁶ units), numbers them in order of appearance and gives −1 to None, NaN
        # and pd.NA; the few distinct labels are then checked for being no label (blank text).
        seen, uniques = pd.factorize(labels, sort=False, use_na_sentinel=True)
        blank = np.fromiter((_is_no_label(k) for k in uniques), dtype=bool, count=len(uniques))
        renumber = np.append(np.cumsum(~blank) - 1, -1)  # the last entry is for factorize's −1
        renumber[:-1][blank] = -1
        return renumber[seen]
    # One dict look-up per unit (hashing is faster than sorting objects), then the few
    # distinct labels are checked for being no label at all.
    index: dict = {}
    seen = np.fromiter((index.setdefault(v, len(index)) for v in labels), dtype=np.intp,
                       count=len(labels))
    blank = np.fromiter((_is_no_label(k) for k in index), dtype=bool, count=len(index))
    renumber = np.cumsum(~blank) - 1
    renumber[blank] = -1
    return renumber[seen]


#: Above this many labels (and with pandas loaded) group codes come from ``pandas.factorize``.
_FACTORIZE_FROM = 10_000
