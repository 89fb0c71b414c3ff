"""Treat outliers (异常值处理): winsorisation and transformations of skewed indicators.

Winsorisation driven by skewness and kurtosis (JRC/COINr), winsorisation at
percentiles, the log (plain, COIN Tool, skew-direction) and Box-Cox
transformations; every data-driven parameter is learned over the reference scope.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.i18n import register_messages
from zongheng.steps.base import Context, Overrides, State, Step, register

__all__ = [
    "BoxCox",
    "BoxCoxState",
    "ClipState",
    "LogState",
    "LogTransform",
    "NoTreat",
    "SkewLogState",
    "SkewLogTransform",
    "TreatByIndicator",
    "TreatState",
    "Winsorise",
    "WinsorisePercentile",
    "WinsoriseState",
    "kurtosis",
    "skewness",
]


@dataclass(frozen=True, kw_only=True)
class TreatState(State):
    """What a treatment reports per scope group and indicator (``Evaluation.treated`` reads it).

    ``winsorised_`` counts the points moved to a cap, ``log_`` marks the
    indicators log-transformed instead; ``group_of_period_`` maps each period
    to its scope group.
    """

    group_of_period_: np.ndarray
    winsorised_: np.ndarray
    log_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class WinsoriseState(TreatState):
    """The caps (±inf where a side is not treated) and the range of the log fallback."""

    lo_: np.ndarray
    hi_: np.ndarray
    log_min_: np.ndarray
    log_max_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class ClipState(TreatState):
    """The percentile caps (±inf where a side is not clipped)."""

    lo_: np.ndarray
    hi_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class LogState(TreatState):
    """The range the COIN Tool log shifts by (absent for the plain log)."""

    min_: np.ndarray | None = None
    max_: np.ndarray | None = None


@dataclass(frozen=True, kw_only=True)
class SkewLogState(LogState):
    """The range and the sign of each indicator's skewness."""

    sign_: np.ndarray


@dataclass(frozen=True, kw_only=True)
class BoxCoxState(State):
    """The shift, λ and which indicators are transformed, per scope group."""

    group_of_period_: np.ndarray
    min_: np.ndarray
    offset_: np.ndarray
    lmbda_: np.ndarray
    transformed_: np.ndarray


@register
@dataclass(frozen=True)
class NoTreat(Step):
    """No outlier treatment (不处理异常值)."""

    stage = "treat"
    key = "none"
    elementwise = True
    affine = True


@register
@dataclass(frozen=True)
class TreatByIndicator(Overrides):
    """A default treatment with per-indicator overrides (按指标设置异常值处理).

    Each named indicator gets its own treatment, fitted on that indicator
    alone; every other indicator gets ``default``. In YAML::

        treat: {method: by_indicator, default: winsorise,
                overrides: {FDI: none, Goods: {method: boxcox, lmbda: 0}}}

    Missing values and constant columns are handled as each treatment does.

    Parameters
    ----------
    default : treatment, default "none"
        The treatment of the indicators not named.
    overrides : mapping of indicator code to treatment
        A code that is not an indicator is a
        :class:`~zongheng.errors.MethodError` naming it.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.5
    (treat indicators case by case); COINr ``Treat(indiv_specs = …)``.
    """

    stage = "treat"


def _moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return n, Σd², Σd³, Σd⁴ over axis −2, ignoring NaN."""
    n = np.sum(~np.isnan(values), axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(values, axis=-2) / n
    d = values - mean[..., None, :]
    d2 = d * d
    return n, np.nansum(d2, axis=-2), np.nansum(d2 * d, axis=-2), np.nansum(d2 * d2, axis=-2)


def _skew_kurt(x: np.ndarray, known: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return G1 and G2 of each column of ``x`` (row, column) in one pass, unknown rows left out."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(known, x, 0.0).sum(axis=0) / n
        d = np.where(known, x - mean, 0.0)
        d2 = d * d
        s2, s3, s4 = d2.sum(axis=0), (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)
        g1 = np.sqrt(n) * s3 / s2**1.5 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        r = n * s4 / (s2 * s2)
        g2 = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return np.where(n >= 3, g1, np.nan), np.where(n >= 4, g2, np.nan)


def _g1_g2(n: np.ndarray, s2: np.ndarray, s3: np.ndarray, s4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return G1 and G2 from the count and the central sums Σd², Σd³, Σd⁴ (as :func:`_skew_kurt`)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * s3 / s2**1.5 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
        r = n * s4 / (s2 * s2)
        g2 = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return np.where(n >= 3, g1, np.nan), np.where(n >= 4, g2, np.nan)


_BLOCK_ROWS = 8192  # rows of a block: a block of 40 columns (2.6 MB) stays in cache


def _column_summary(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return min, max, count, G1, G2 and the mean of each column of ``x`` (row, column), ignoring NaN.

    Two passes over blocks of rows (the mean, then the central sums), so the
    temporaries stay in cache instead of costing a pass over the whole array
    each: at 10⁶ × 40 the whole-array form took a second.
    """
    n_rows, n_cols = x.shape
    n = np.zeros(n_cols)
    total = np.zeros(n_cols)
    lo, hi = np.full(n_cols, np.nan), np.full(n_cols, np.nan)
    # Block-sized work arrays made once: a fresh few-MB temporary per operation and block costs
    # page faults as the allocator gives memory back and takes it again. The operations are the
    # same as written plainly (``np.where(known, b, 0.0).sum(axis=0)`` …), so are the sums.
    rows = min(n_rows, _BLOCK_ROWS)
    known, unknown = np.empty((rows, n_cols), dtype=bool), np.empty((rows, n_cols), dtype=bool)
    d, d2, t = np.empty((rows, n_cols)), np.empty((rows, n_cols)), np.empty((rows, n_cols))
    for start in range(0, n_rows, _BLOCK_ROWS):
        b = x[start:start + _BLOCK_ROWS]
        m = len(b)
        np.isnan(b, out=unknown[:m])
        np.logical_not(unknown[:m], out=known[:m])
        n += known[:m].sum(axis=0)
        np.copyto(t[:m], b)
        np.copyto(t[:m], 0.0, where=unknown[:m])
        total += t[:m].sum(axis=0)
        lo, hi = np.fmin(lo, np.fmin.reduce(b, axis=0)), np.fmax(hi, np.fmax.reduce(b, axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    s2, s3, s4 = np.zeros(n_cols), np.zeros(n_cols), np.zeros(n_cols)
    for start in range(0, n_rows, _BLOCK_ROWS):
        b = x[start:start + _BLOCK_ROWS]
        m = len(b)
        np.subtract(b, mean, out=d[:m])
        np.isnan(d[:m], out=unknown[:m])
        np.copyto(d[:m], 0.0, where=unknown[:m])
        np.multiply(d[:m], d[:m], out=d2[:m])
        s2 += d2[:m].sum(axis=0)
        np.multiply(d2[:m], d[:m], out=t[:m])
        s3 += t[:m].sum(axis=0)
        np.multiply(d2[:m], d2[:m], out=t[:m])
        s4 += t[:m].sum(axis=0)
    g1, g2 = _g1_g2(n, s2, s3, s4)
    return lo, hi, n.astype(int), g1, g2, mean


class _Tails:
    """One column split into a fixed core and its few extreme values (the tails), for winsorising.

    Winsorisation moves only the largest or smallest values, so the central
    sums of the untouched core are computed once (about the core's own mean)
    and shifted to each round's mean by the binomial expansion; only the tail
    values are summed again. A round costs a few operations on ``2·k`` values
    instead of passes over every row. :meth:`step` returns None when a round
    would move a value shared with the core (ties at the edge of the tail):
    the caller then winsorises that column the plain way.
    """

    #: Built from the whole column as the plain partition gives it (see :func:`_fast_tails`).
    exact = True
    #: How much ``Σd²`` cancelled in the last :meth:`stats` (its terms' size over its value).
    conditioning = 1.0

    def __init__(self, values: np.ndarray, k: int) -> None:
        n = values.size
        part = np.partition(values, [k - 1, n - k])
        core = part[k:n - k]
        self.tail = np.concatenate([part[:k], part[n - k:]])
        self.core_min, self.core_max = core.min(), core.max()
        self.n_core, self.n = core.size, n
        self.centre = core.sum() / core.size
        d = core - self.centre
        d2 = d * d
        self.c1, self.c2, self.c3, self.c4 = d.sum(), d2.sum(), (d2 * d).sum(), (d2 * d2).sum()

    def stats(self) -> tuple[float, float]:
        """Return G1 and G2 of the column with the tail values as they are now."""
        mean = (self.n_core * self.centre + self.c1 + self.tail.sum()) / self.n
        a = mean - self.centre  # the core's deviations from ``mean`` are d − a
        c1, c2, c3, c4, m = self.c1, self.c2, self.c3, self.c4, self.n_core
        s2 = c2 - 2 * a * c1 + m * a**2
        s3 = c3 - 3 * a * c2 + 3 * a**2 * c1 - m * a**3
        s4 = c4 - 4 * a * c3 + 6 * a**2 * c2 - 4 * a**3 * c1 + m * a**4
        e = self.tail - mean
        e2 = e * e
        g1, g2 = _g1_g2(np.float64(self.n), s2 + e2.sum(), s3 + (e2 * e).sum(), s4 + (e2 * e2).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            self.conditioning = float((abs(c2) + abs(2 * a * c1) + m * a**2 + e2.sum()) / (s2 + e2.sum()))
        return float(g1), float(g2)

    @classmethod
    def from_parts(cls, tail: np.ndarray, core_min: float, core_max: float, n: int, centre: float,
                   sums: np.ndarray) -> _Tails:
        """Return tails found without the whole column: ``sums`` are Σd … Σd⁴ of the core about ``centre``.

        Its statistics round differently from the partitioned column's (other order of
        the sums), so a round whose statistic lies near a threshold is not decided on it
        (:meth:`Winsorise._winsorise_tails` raises :class:`_Unsure`).
        """
        self = cls.__new__(cls)
        self.tail = tail
        self.core_min, self.core_max = core_min, core_max
        self.n, self.n_core = n, n - tail.size
        self.centre = centre
        self.c1, self.c2, self.c3, self.c4 = (float(v) for v in sums)
        self.exact = False
        return self

    def step(self, upper: bool) -> tuple[float, int] | None:
        """Move the values at the maximum (``upper``) or minimum to the next value: (cap, count)."""
        t = self.tail
        cur = t.max() if upper else t.min()
        if cur == (self.core_max if upper else self.core_min):
            return None
        at = t == cur
        rest = t[~at]
        if upper:
            nxt = max(rest.max(), self.core_max) if rest.size else self.core_max
        else:
            nxt = min(rest.min(), self.core_min) if rest.size else self.core_min
        t[at] = nxt
        return float(nxt), int(at.sum())


#: From this many rows the failing columns' tails are found from a sample's bound (:func:`_fast_tails`)
#: instead of a partition of each whole column.
_FAST_TAILS_FROM = 65_536
#: Rows of the sample that bounds the tails (every ``rows // _SAMPLE_ROWS``-th row).
_SAMPLE_ROWS = 2**14
#: Relative distance to a threshold (and to 0 for the sign of G1) under which a statistic of the
#: fast tails decides nothing. Their sums differ from the partitioned column's in rounding only
#: (≈ 1e-15 relative), many orders of magnitude below this.
_MARGIN = 1e-8


class _Unsure(Exception):
    """A round of the fast tails whose statistic is too near a threshold (or ill-conditioned)."""


def _fast_tails(cols: np.ndarray, columns: np.ndarray, k: int, centre: np.ndarray,
                counts: np.ndarray) -> dict[int, _Tails]:
    """Return the tails of some columns of ``cols`` (row, column) without partitioning them whole.

    The ``k + 1``-th largest (smallest) value of a sample of rows bounds the column's
    ``k + 1`` largest (smallest) values from below (above): a subset has no more values
    beyond a bound than the whole. One pass over blocks of rows collects the few values
    beyond the bounds, exactly, and sums the powers of the others' deviations from
    ``centre`` (the columns' means; ``counts`` are their numbers of values); the collected
    values are then sorted, the ``k`` most extreme on each side are the tail and the rest
    join the core's sums. The tail, the core's extremes and counts are those of the whole
    column exactly; only the sums' rounding differs. A column whose sample has too few
    values, or whose bounds meet (few distinct values), or with too many values beyond them
    (ties at a bound), is not returned: the caller partitions it whole.
    """
    rows = cols.shape[0]
    sample = cols[::max(1, rows // _SAMPLE_ROWS)][:, columns]
    m = sample.shape[0]
    if m <= k:
        return {}
    unknown = np.isnan(sample)
    high = np.partition(np.where(unknown, -np.inf, sample), m - k - 1, axis=0)[m - k - 1]
    low = np.partition(np.where(unknown, np.inf, sample), k, axis=0)[k]
    usable = np.isfinite(high) & np.isfinite(low) & (low < high)
    columns, high, low = columns[usable], high[usable], low[usable]
    centre, counts = centre[columns], counts[columns]  # ``centre`` and ``counts`` are per column of ``cols``
    if not columns.size:
        return {}
    b, w = min(rows, _BLOCK_ROWS), columns.size
    x, d, d2, t = np.empty((b, w)), np.empty((b, w)), np.empty((b, w)), np.empty((b, w))
    beyond, other = np.empty((b, w), dtype=bool), np.empty((b, w), dtype=bool)
    sums = np.zeros((4, w))
    found, found_in = [], []
    with np.errstate(invalid="ignore"):
        for start in range(0, rows, _BLOCK_ROWS):
            block = cols[start:start + _BLOCK_ROWS]
            r = len(block)
            xb, db, d2b, tb, bb, ob = x[:r], d[:r], d2[:r], t[:r], beyond[:r], other[:r]
            np.take(block, columns, axis=1, out=xb, mode="clip")
            np.greater_equal(xb, high, out=bb)
            np.less_equal(xb, low, out=ob)
            np.logical_or(bb, ob, out=bb)
            at, col = np.nonzero(bb)
            if at.size:
                found.append(xb[at, col])
                found_in.append(col)
            np.isnan(xb, out=ob)
            np.logical_or(bb, ob, out=bb)  # left out of the core's sums: beyond a bound, or missing
            np.subtract(xb, centre, out=db)
            np.copyto(db, 0.0, where=bb)
            sums[0] += db.sum(axis=0)
            np.multiply(db, db, out=d2b)
            sums[1] += d2b.sum(axis=0)
            np.multiply(d2b, db, out=tb)
            sums[2] += tb.sum(axis=0)
            np.multiply(d2b, d2b, out=tb)
            sums[3] += tb.sum(axis=0)
    values = np.concatenate(found) if found else np.empty(0)
    owner = np.concatenate(found_in) if found_in else np.empty(0, dtype=np.intp)
    order = np.lexsort((values, owner))
    values, owner = values[order], owner[order]
    edges = np.searchsorted(owner, np.arange(w + 1))
    out: dict[int, _Tails] = {}
    for c in range(w):  # a loop over the failing columns (a few), not over rows
        v = values[edges[c]:edges[c + 1]]
        n_low = int(np.searchsorted(v, low[c], side="right"))  # v is sorted: ≤ low, then ≥ high
        n_high = v.size - n_low
        if n_low <= k or n_high <= k or v.size > max(rows // 8, 64 * k):
            continue  # (never fewer than k + 1 by the bound; too many: ties at a bound)
        e = np.concatenate([v[k:n_low], v[n_low:v.size - k]]) - centre[c]  # beyond a bound, in the core
        e2 = e * e
        core = sums[:, c] + np.array([e.sum(), e2.sum(), (e2 * e).sum(), (e2 * e2).sum()])
        tail = np.concatenate([v[:k], v[v.size - k:]])
        out[int(columns[c])] = _Tails.from_parts(tail, float(v[k]), float(v[v.size - k - 1]),
                                                 int(counts[c]), float(centre[c]), core)
    return out


def skewness(values: np.ndarray) -> np.ndarray:
    """Return the adjusted Fisher–Pearson skewness G1 of each column (axis −2), ignoring NaN.

    .. math:: G_1 = \\frac{\\sqrt{n}\\,\\sum d^3}{(\\sum d^2)^{3/2}} \\cdot
              \\frac{\\sqrt{n(n-1)}}{n-2}

    The definition of Excel's ``SKEW`` and of e1071/COINr ``type = 2``; NaN
    for fewer than 3 values or a constant column.
    """
    n, s2, s3, _ = _moments(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * s3 / s2**1.5
        out = g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0)
    return np.where(n >= 3, out, np.nan)


def kurtosis(values: np.ndarray) -> np.ndarray:
    """Return the bias-corrected excess kurtosis G2 of each column (axis −2), ignoring NaN.

    .. math:: G_2 = \\frac{(n+1)\\left(\\frac{n \\sum d^4}{(\\sum d^2)^2} - 3\\right) + 6}
              {(n-2)(n-3)} (n-1)

    The definition of Excel's ``KURT``; NaN for fewer than 4 values.
    """
    n, s2, _, s4 = _moments(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = n * s4 / (s2 * s2)
        out = ((n + 1.0) * (r - 3.0) + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))
    return np.where(n >= 4, out, np.nan)


@register
@dataclass(frozen=True)
class Winsorise(Step):
    """Winsorisation driven by skewness and kurtosis (偏度峰度驱动的缩尾处理).

    The JRC/COINr procedure, per indicator over the reference scope: an
    indicator *passes* when

    .. math:: |G_1| < \\text{skew} \\quad\\text{or}\\quad G_2 < \\text{kurtosis}

    (:func:`skewness`, :func:`kurtosis`). A failing
    indicator is winsorised one step at a time — when G1 ≥ 0 the values equal
    to the maximum become the largest remaining value, otherwise the values
    equal to the minimum become the smallest remaining value — re-checking after
    each step, while fewer than ``max_points`` points sit at a cap. If it still
    fails, the winsorisation is discarded and the original values are
    log-transformed, :math:`x \\mapsto \\ln(x - \\min + 0.01(\\max - \\min))`
    (``fallback="log"``), or left winsorised (``fallback="none"``).

    Fitting learns caps ``lo_``/``hi_`` and the log flag per indicator; applying
    clips to the caps, so the same treatment applies to every period of the scope.

    Missing values stay missing and are left out of the statistics. A constant
    column, or one with fewer than 4 values, has undefined skewness or kurtosis,
    counts as passing and is left unchanged. For other outlier treatments see
    ``percentile`` (fixed quantile caps), ``log``, ``log_skew`` and ``boxcox``.

    Parameters
    ----------
    max_points : int, default 5
        The most points winsorised per indicator.
    skew : float, default 2.0
        Threshold of absolute skewness.
    kurtosis : float, default 3.5
        Threshold of kurtosis.
    fallback : {"log", "none"}
        What to do with an indicator that still fails.
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.5;
    Becker W. et al., COINr (R package), ``Treat()``.
    """

    stage = "treat"
    key = "winsorise"
    elementwise = True
    max_points: int = 5
    skew: float = 2.0
    kurtosis: float = 3.5
    fallback: str = "log"
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.fallback not in ("log", "none"):
            raise ValueError(f"fallback must be 'log' or 'none', got {self.fallback!r}")
        if self.max_points < 0:
            raise ValueError(f"max_points must be ≥ 0, got {self.max_points}")

    def _fails(self, skew: np.ndarray, kurt: np.ndarray) -> np.ndarray:
        # NaN statistics (too few values, constant) count as passing: nothing to treat.
        return (np.abs(skew) >= self.skew) & (kurt >= self.kurtosis)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the caps and the log fallback over the scope (vectorised over indicators).

        Each round works only on the columns still failing, and missing values never
        change, so their mask and counts are computed once.
        """
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        n_groups, n_rows, n_ind = sample.shape
        cols = np.moveaxis(sample, -2, 0).reshape(n_rows, n_groups * n_ind)  # (row, group·indicator)
        if n_rows:
            lo, hi, n, skew, kurt, mean = _column_summary(cols)
        else:
            lo = hi = mean = np.full(n_groups * n_ind, np.nan)
            n = np.zeros(n_groups * n_ind, dtype=int)
            skew = kurt = np.full(n_groups * n_ind, np.nan)
        failing = self._fails(skew, kurt)
        treated = failing.copy()
        lo_cap, hi_cap = lo.copy(), hi.copy()
        n_hi = np.zeros(lo.shape, dtype=int)
        n_lo = np.zeros(lo.shape, dtype=int)
        plain = []
        k = self.max_points + 1
        candidates = np.flatnonzero(failing & (self.max_points > 0))
        fast: dict[int, _Tails] = {}
        if n_rows >= _FAST_TAILS_FROM:
            fast = _fast_tails(cols, candidates[n[candidates] > 4 * k], k, mean, n)
        for j in candidates:  # a loop over failing columns
            if n[j] <= 4 * k:
                plain.append(j)
                continue
            try:  # the fast tails decide when no statistic is near a threshold, else the exact ones
                if j not in fast:
                    raise _Unsure
                done = self._winsorise_tails(fast[j], skew[j])
            except _Unsure:
                column = cols[:, j]
                done = self._winsorise_tails(_Tails(column[~np.isnan(column)], k), skew[j])
            if done is None:
                plain.append(j)
                continue
            failing[j], lo_cap[j], hi_cap[j], n_lo[j], n_hi[j] = done
        idx = np.asarray(plain, dtype=int)
        x = cols[:, idx]
        kn = ~np.isnan(x)
        na, sk = n[idx], skew[idx]
        while idx.size:
            upper = sk >= 0  # positive skew: the high outliers go first
            with np.errstate(all="ignore"):
                cur = np.where(upper, np.fmax.reduce(x, axis=0), np.fmin.reduce(x, axis=0))
                at = x == cur
                rest = np.where(at, np.nan, x)
                nxt = np.where(upper, np.fmax.reduce(rest, axis=0), np.fmin.reduce(rest, axis=0))
            x = np.where(at, nxt, x)
            # Points at the cap before this step: the ones just moved, which include every
            # point moved on this side before (COINr counts the same way).
            count = at.sum(axis=0)
            hi_cap[idx] = np.where(upper, nxt, hi_cap[idx])
            n_hi[idx] = np.where(upper, count, n_hi[idx])
            lo_cap[idx] = np.where(upper, lo_cap[idx], nxt)
            n_lo[idx] = np.where(upper, n_lo[idx], count)
            sk, kt = _skew_kurt(x, kn, na)
            still = self._fails(sk, kt)
            failing[idx] = still
            keep = still & (n_hi[idx] + n_lo[idx] < self.max_points)
            idx, x, kn, na, sk = idx[keep], x[:, keep], kn[:, keep], na[keep], sk[keep]
        use_log = treated & failing & (self.fallback == "log")

        def shaped(a: np.ndarray) -> np.ndarray:
            return a.reshape(n_groups, n_ind)

        if use_log.any() and ctx.scope_of(self).kind == "base":
            # The log's shift comes from the base period: a later value below it has no log.
            lo_g, hi_g = shaped(lo)[group_of_period][:, None, :], shaped(hi)[group_of_period][:, None, :]
            arg = np.where(shaped(use_log)[group_of_period][:, None, :],
                           values - lo_g + 0.01 * (hi_g - lo_g), np.nan)
            _require_positive(arg, ctx, "treat_out_of_range", scope=ctx.scope_of(self).to_spec(),
                              method="winsorise (log)")

        # Untreated sides get infinite caps, so a base-period scope clips nothing else.
        return WinsoriseState(
            lo_=shaped(np.where(use_log | (n_lo == 0), -np.inf, lo_cap)),
            hi_=shaped(np.where(use_log | (n_hi == 0), np.inf, hi_cap)),
            log_=shaped(use_log),
            log_min_=shaped(lo),
            log_max_=shaped(hi),
            group_of_period_=group_of_period,
            winsorised_=shaped(np.where(treated & ~use_log, n_hi + n_lo, 0)),
        )

    def _near(self, skew: float, kurt: float, conditioning: float) -> bool:
        """Whether rounding could change a decision taken on these statistics (see :data:`_MARGIN`).

        The decisions are ``|G1| ≥ skew``, ``G2 ≥ kurtosis`` and the sign of G1 (the side
        of the next round); a statistic within the margin of one of them, a statistic that
        is not finite, or a Σd² that cancelled by more than a factor 10⁶ is too near.
        """
        if not (np.isfinite(skew) and np.isfinite(kurt) and conditioning < 1e6):
            return True
        margin = _MARGIN * max(1.0, conditioning)
        return bool(abs(abs(skew) - self.skew) <= margin * max(1.0, abs(self.skew), abs(skew))
                    or abs(kurt - self.kurtosis) <= margin * max(1.0, abs(self.kurtosis), abs(kurt))
                    or abs(skew) <= margin)

    def _winsorise_tails(self, tails: _Tails, skew: float) -> tuple[bool, float, float, int, int] | None:
        """Winsorise one column round by round on its tails (the plain loop's steps, exactly).

        Returns whether it still fails, the low and high caps and the points at
        each, or None when a round reaches values shared with the core. Tails found
        without the whole column (not ``exact``) raise :class:`_Unsure` on a round
        whose statistics are too near a threshold to decide.
        """
        lo_cap, hi_cap = float(tails.tail.min()), float(tails.tail.max())
        n_lo = n_hi = 0
        still = True
        while True:
            upper = skew >= 0
            moved = tails.step(upper)
            if moved is None:
                return None
            if upper:
                hi_cap, n_hi = moved
            else:
                lo_cap, n_lo = moved
            skew, kurt = tails.stats()
            if not tails.exact and self._near(skew, kurt, tails.conditioning):
                raise _Unsure
            still = bool(self._fails(np.float64(skew), np.float64(kurt)))
            if not (still and n_hi + n_lo < self.max_points):
                return still, lo_cap, hi_cap, n_lo, n_hi

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Clip to the learned caps; log-transform the indicators that needed it."""
        return _clip_log(values, state, np.empty(np.shape(values), dtype=np.float64))

    def fit_apply_owned(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """As ``fit_apply``, clipping in place (no copy of the data)."""
        state = self.fit(values, ctx)
        if type(self).apply is not Winsorise.apply or values.dtype != np.float64:
            return state, self.apply(values, state, ctx)
        return state, _clip_log(values, state, values)


def _clip_log(values: np.ndarray, state: State, out: np.ndarray) -> np.ndarray:
    """Write the winsorised values into ``out`` (may be ``values``): clipped, or logged where learned.

    Row blocks (axis −2) of the data, so the clip and the log of the few logged
    columns run in cache with block-sized temporaries (an array of the data's
    size costs more in page faults than the arithmetic). Untreated sides have
    infinite caps, so one clip covers every column. Each cell gets the same
    operations as ``clip(x, lo, hi)`` and ``log(x − min + 0.01·(max − min))``.
    """
    g = state.group_of_period_
    lo, hi = state.lo_[g][:, None, :], state.hi_[g][:, None, :]
    use_log = state.log_[g][:, None, :]
    c = np.flatnonzero(use_log.any(axis=(0, 1)))
    if c.size:
        mn, mx = state.log_min_[g][:, None, c], state.log_max_[g][:, None, c]
        shift = 0.01 * (mx - mn)
        use_c = use_log[..., c]
        every_period = bool(use_c.all())
    rows = np.shape(values)[-2]
    # One work array for the logged columns of a block, reused block after block (a fresh
    # temporary per operation and block costs page faults); the same operations per cell.
    work = np.empty(np.shape(values)[:-2] + (min(rows, _BLOCK_ROWS), c.size)) if c.size else None
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, max(rows, 1), _BLOCK_ROWS):
            at = (..., slice(start, start + _BLOCK_ROWS), slice(None))
            x, y = values[at], out[at]
            if work is not None:  # from the values before clipping: ``y`` may be ``x``
                w = work[..., :x.shape[-2], :]
                np.take(x, c, axis=-1, out=w, mode="clip")
                np.subtract(w, mn, out=w)
                np.add(w, shift, out=w)
                np.log(w, out=w)
            np.clip(x, lo, hi, out=y)
            if work is not None:
                if not every_period:  # a period whose scope group does not log: its clipped values
                    np.copyto(w, y[..., c], where=~use_c)
                y[..., c] = w
    return out


# -- shared helpers of the transformations -----------------------------------------------------

register_messages({
    "treat_log_nonpositive": (
        "指标 {indicator} 有 {n} 个值 ≤ 0（如 {cells}），不能直接取对数：请改用 log 的默认 "
        "kind: ct（先平移为正数）、log_skew，或 boxcox（shift: true）",
        "indicator {indicator} has {n} value(s) ≤ 0 (e.g. {cells}): the plain log is undefined; "
        "use log with the default kind: ct (shifted to positive values), log_skew, "
        "or boxcox with shift: true",
    ),
    "treat_boxcox_nonpositive": (
        "指标 {indicator} 有 {n} 个值 ≤ 0（如 {cells}），Box-Cox 变换要求正数：请设 shift: true"
        "（先平移 x − min + 1）",
        "indicator {indicator} has {n} value(s) ≤ 0 (e.g. {cells}): Box-Cox needs positive "
        "values; set shift: true (x − min + 1 first)",
    ),
    "treat_out_of_range": (
        "指标 {indicator} 有 {n} 个值（如 {cells}）超出参照范围 {scope} 学得的取值范围，"
        "{method} 变换无定义：请改用 scope: pooled",
        "indicator {indicator} has {n} value(s) (e.g. {cells}) outside the range learned over "
        "the scope {scope}, where {method} is undefined; use scope: pooled",
    ),
})


def _cells(bad: np.ndarray, ctx: Context, limit: int = 3) -> str:
    """Name up to ``limit`` cells of a (period, unit) mask as ``unit (period)``."""
    p, u = np.nonzero(bad)
    return ", ".join(f"{ctx.panel.units[b]} ({ctx.panel.periods[a]})"
                     for a, b in zip(p[:limit], u[:limit], strict=True))


def _require_positive(arg: np.ndarray, ctx: Context, kind: str, **params: object) -> None:
    """Raise a MethodError naming each indicator with a known ``arg`` ≤ 0 (NaN is ignored)."""
    with np.errstate(invalid="ignore"):
        bad = arg <= 0
    problems = []
    for i in np.flatnonzero(bad.any(axis=(-3, -2))):  # a loop over failing indicators only
        problems.append(Problem(kind, {"indicator": ctx.indicator_codes[i],
                                       "n": int(bad[..., i].sum()),
                                       "cells": _cells(bad[..., i], ctx), **params}, key="treat"))
    if problems:
        raise MethodError(problems)


def _range(sample: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return min, max and a *usable* flag (some values, not constant) per column of a sample."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
        lo = np.nanmin(sample, axis=-2) if sample.shape[-2] else np.full(
            sample.shape[:-2] + sample.shape[-1:], np.nan)
        hi = np.nanmax(sample, axis=-2) if sample.shape[-2] else lo.copy()
    return lo, hi, hi > lo  # NaN compares False: no data or constant → unusable


def _per_period(array: np.ndarray, group_of_period: np.ndarray) -> np.ndarray:
    """Spread a (group, indicator) parameter to (period, 1, indicator) for broadcasting."""
    return array[group_of_period][:, None, :]


@register
@dataclass(frozen=True)
class WinsorisePercentile(Step):
    """Winsorisation at percentiles (按百分位数缩尾).

    Each indicator is clipped to its ``lower`` and ``upper`` quantiles,
    learned over the reference scope:

    .. math:: x' = \\min\\bigl(\\max(x,\\, q_{lower}),\\, q_{upper}\\bigr)

    Quantiles interpolate linearly between order statistics (``numpy.nanquantile``'s
    default, R's type 7). ``lower = 0`` (``upper = 1``) means no lower (upper)
    cap at all, so that a ``base:<period>`` scope does not clip later periods to
    the base period's minimum (maximum).

    Missing values stay missing and are ignored when learning the quantiles; a
    constant column has both caps equal to its value and is unchanged; a column
    without any value over the scope gets no caps.

    Parameters
    ----------
    lower : float, default 0.05
        Lower quantile, in [0, 1).
    upper : float, default 0.95
        Upper quantile, in (0, 1], above ``lower``.
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.5 and
    step 5 (outliers); Becker W. et al., COINr (R package), ``Treat()``.
    """

    stage = "treat"
    key = "percentile"
    elementwise = True
    lower: float = 0.05
    upper: float = 0.95
    scope: str | None = None

    def __post_init__(self) -> None:
        for name in ("lower", "upper"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
        if not 0 <= self.lower < self.upper <= 1:
            raise ValueError(f"need 0 ≤ lower < upper ≤ 1, got lower={self.lower}, "
                             f"upper={self.upper}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn the caps ``lo_``/``hi_`` (scope group, indicator) and count the points beyond."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN
            lo = np.nanquantile(sample, self.lower, axis=-2)
            hi = np.nanquantile(sample, self.upper, axis=-2)
        lo = np.where((self.lower > 0) & ~np.isnan(lo), lo, -np.inf)
        hi = np.where((self.upper < 1) & ~np.isnan(hi), hi, np.inf)
        with np.errstate(invalid="ignore"):
            beyond = (sample < lo[..., None, :]) | (sample > hi[..., None, :])
        return ClipState(lo_=lo, hi_=hi, group_of_period_=group_of_period,
                         winsorised_=beyond.sum(axis=-2), log_=np.zeros(lo.shape, dtype=bool))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Clip every period to the caps of its scope group (NaN stays NaN)."""
        g = state.group_of_period_
        return np.clip(values, _per_period(state.lo_, g), _per_period(state.hi_, g))


@register
@dataclass(frozen=True)
class LogTransform(Step):
    """Log transformation (对数变换).

    ``kind="ct"`` (default) is the COIN Tool log of COINr's ``log_CT``, shifted so
    that every value is positive, with the minimum and maximum learned over the
    reference scope:

    .. math:: x' = \\ln\\bigl(x - \\min x + 0.01(\\max x - \\min x)\\bigr)

    ``kind="plain"`` is :math:`x' = \\ln x`; a value ≤ 0 is then a
    :class:`~zongheng.errors.MethodError` naming the indicator and its cells.
    The transformation keeps the order of values, compresses the upper tail and
    so reduces positive skew.

    Missing values stay missing. With ``kind="ct"`` a column constant over the
    scope (or with no value) is left unchanged, since :math:`\\ln 0` is
    undefined; with ``kind="plain"`` a constant positive column becomes the
    constant :math:`\\ln x`. A value outside the range learned over a
    ``base:<period>`` scope where the shifted logarithm is undefined (below
    :math:`\\min - 0.01(\\max - \\min)`) is a MethodError.

    Parameters
    ----------
    kind : {"ct", "plain"}, default "ct"
        Shifted COIN Tool log, or the natural log of the values as they are.
    scope : str, optional
        Reference scope of the minimum and maximum; the method's by default.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §1.5;
    Becker W. et al., COINr (R package), ``log_CT()``.
    """

    stage = "treat"
    key = "log"
    elementwise = True
    kind: str = "ct"
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("ct", "plain"):
            raise ValueError(f"kind must be 'ct' or 'plain', got {self.kind!r}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn ``min_``/``max_`` per scope group and check that the logarithm is defined."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        lo, hi, usable = _range(sample)
        zeros = np.zeros(lo.shape, dtype=int)
        if self.kind == "plain":
            _require_positive(values, ctx, "treat_log_nonpositive")
            return LogState(log_=np.ones(lo.shape, dtype=bool), winsorised_=zeros,
                            group_of_period_=group_of_period)
        arg = values - _per_period(lo - 0.01 * (hi - lo), group_of_period)
        _require_positive(np.where(_per_period(usable, group_of_period), arg, np.nan), ctx,
                          "treat_out_of_range", scope=ctx.scope_of(self).to_spec(), method="log")
        return LogState(min_=lo, max_=hi, log_=usable, winsorised_=zeros,
                        group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Take the (shifted) logarithm of every indicator that has one."""
        if self.kind == "plain":
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.log(values)
        g = state.group_of_period_
        lo, hi = _per_period(state.min_, g), _per_period(state.max_, g)
        with np.errstate(invalid="ignore", divide="ignore"):
            logged = np.log(values - lo + 0.01 * (hi - lo))
        return np.where(_per_period(state.log_, g), logged, values)


@register
@dataclass(frozen=True)
class SkewLogTransform(Step):
    """Log transformation following the direction of skew (按偏度方向的对数变换).

    COINr's ``log_CT_plus``: with :math:`a = 0.01(\\max - \\min)` and the
    skewness :math:`G_1` (see :func:`skewness`), all learned over the reference
    scope,

    .. math::
        x' = \\begin{cases}
             \\ln(x - \\min + a) & G_1 \\ge 0 \\\\
             -\\ln(\\max + a - x) & G_1 < 0
             \\end{cases}

    The negative-skew form mirrors the positive one, so both keep the order of
    values and reduce the absolute skewness whichever tail is long.

    Missing values stay missing. A column constant over the scope (or with no
    value) is left unchanged; a column with too few values for a skewness
    (fewer than 3) takes the positive-skew form. A value outside the range
    learned over a ``base:<period>`` scope where the logarithm is undefined is a
    :class:`~zongheng.errors.MethodError`.

    Parameters
    ----------
    scope : str, optional
        Reference scope; the method's by default.

    References
    ----------
    Becker W. et al., COINr (R package), ``log_CT_plus()``; OECD/JRC (2008),
    *Handbook on Constructing Composite Indicators*, §1.5.
    """

    stage = "treat"
    key = "log_skew"
    elementwise = True
    scope: str | None = None

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn ``min_``, ``max_`` and the sign of the skewness ``sign_`` per scope group."""
        sample, group_of_period = ctx.scope_of(self).split(values, ctx)
        lo, hi, usable = _range(sample)
        sign = np.where(skewness(sample) < 0, -1.0, 1.0)
        state = SkewLogState(min_=lo, max_=hi, sign_=sign, log_=usable,
                             winsorised_=np.zeros(lo.shape, dtype=int), group_of_period_=group_of_period)
        arg = self._argument(values, state)
        _require_positive(np.where(_per_period(usable, group_of_period), arg, np.nan), ctx,
                          "treat_out_of_range", scope=ctx.scope_of(self).to_spec(),
                          method="log_skew")
        return state

    @staticmethod
    def _argument(values: np.ndarray, state: State) -> np.ndarray:
        g = state.group_of_period_
        lo, hi = _per_period(state.min_, g), _per_period(state.max_, g)
        a = 0.01 * (hi - lo)
        return np.where(_per_period(state.sign_, g) > 0, values - lo + a, hi + a - values)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Apply the form that matches each indicator's skew."""
        g = state.group_of_period_
        with np.errstate(invalid="ignore", divide="ignore"):
            logged = _per_period(state.sign_, g) * np.log(self._argument(values, state))
        return np.where(_per_period(state.log_, g), logged, values)


@register
@dataclass(frozen=True)
class BoxCox(Step):
    """Box-Cox transformation (Box-Cox 变换).

    Values are first made positive as COINr does, :math:`y = x - \\min x + 1`
    with the minimum over the reference scope (``shift=False`` keeps
    :math:`y = x`), then

    .. math::
        x' = \\begin{cases}
             (y^{\\lambda} - 1)/\\lambda & \\lambda \\ne 0 \\\\
             \\ln y & \\lambda = 0
             \\end{cases}

    With ``lmbda`` null, λ is fitted per indicator by maximum likelihood over
    the scope (``scipy.stats.boxcox``), so the transformed values are as close
    to normal as a power can make them; a given ``lmbda`` is used for every
    indicator (1 leaves the shape unchanged, 0 is the log).

    Missing values stay missing and are left out of the fit. A column constant
    over the scope (or with no value) is left unchanged. With ``shift=False`` a
    value ≤ 0 is a :class:`~zongheng.errors.MethodError` naming the indicator;
    with a ``base:<period>`` scope a value of another period more than 1 below
    the base minimum is one too.

    Parameters
    ----------
    lmbda : float or None, default None
        The power λ; null to fit it by maximum likelihood.
    shift : bool, default True
        Shift to :math:`x - \\min x + 1` before transforming.
    scope : str, optional
        Reference scope of the minimum and of λ; the method's by default.

    References
    ----------
    Box G.E.P. and Cox D.R. (1964), An analysis of transformations, *JRSS B*
    26(2); SciPy, ``scipy.stats.boxcox``; Becker W. et al., COINr (R package),
    ``boxcox()``; OECD/JRC (2008), *Handbook on Constructing Composite
    Indicators*, §1.5.
    """

    stage = "treat"
    key = "boxcox"
    elementwise = True
    lmbda: float | None = None
    shift: bool = True
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.lmbda is not None:
            if isinstance(self.lmbda, bool) or not isinstance(self.lmbda, (int, float)) \
                    or not np.isfinite(self.lmbda):
                raise ValueError(f"lmbda must be a finite number or null, got {self.lmbda!r}")
            object.__setattr__(self, "lmbda", float(self.lmbda))
        if not isinstance(self.shift, bool):
            raise ValueError(f"shift must be true or false, got {self.shift!r}")

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn ``min_`` and ``lmbda_`` per scope group; check that the values are positive."""
        from scipy import stats  # here, not at the top: scipy.stats takes a second to import

        scope = ctx.scope_of(self)
        sample, group_of_period = scope.split(values, ctx)
        lo, _, usable = _range(sample)
        offset = lo - 1.0 if self.shift else np.zeros(lo.shape)
        if self.shift:
            arg = values - _per_period(offset, group_of_period)
            _require_positive(np.where(_per_period(usable, group_of_period), arg, np.nan), ctx,
                              "treat_out_of_range", scope=scope.to_spec(), method="boxcox")
        else:
            _require_positive(values, ctx, "treat_boxcox_nonpositive")
        if self.lmbda is not None:
            lmbda = np.where(usable, self.lmbda, np.nan)
        else:
            lmbda = np.full(lo.shape, np.nan)
            shifted = sample - offset[..., None, :]
            for g, i in zip(*np.nonzero(usable), strict=True):  # per indicator, not per unit
                column = shifted[g, :, i]
                lmbda[g, i] = stats.boxcox(column[~np.isnan(column)])[1]
        return BoxCoxState(min_=lo, offset_=offset, lmbda_=lmbda, transformed_=usable,
                           group_of_period_=group_of_period)

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Shift and transform with each indicator's λ; constant columns pass through."""
        from scipy import special

        g = state.group_of_period_
        y = values - _per_period(state.offset_, g)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            out = special.boxcox(y, _per_period(np.nan_to_num(state.lmbda_, nan=1.0), g))
        return np.where(_per_period(state.transformed_, g), out, values)
