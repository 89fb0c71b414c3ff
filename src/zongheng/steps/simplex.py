r"""Many small linear programmes at once (批量单纯形法): ``max c·x, A x ≤ b, x ≥ 0`` with ``b ≥ 0``.

The benefit-of-the-doubt aggregation solves one such LP per unit; the gap
analysis needs thousands of them per call (one per Shapley coalition), each
a few dozen constraints by a dozen variables. HiGHS answers each in
microseconds but is reached through ``scipy.optimize.linprog`` at some
milliseconds a call, so here the primal simplex method runs on every LP of a
batch at once, one vectorised pivot per iteration:

- the slack basis (``x = 0``) is feasible because ``b ≥ 0``: no phase one;
- the entering column has the most positive reduced cost (Dantzig), the
  leaving row the smallest ratio, ties to the smallest variable label; after
  :data:`_BLAND_AFTER` pivots an LP switches to Bland's rule (smallest label
  with a positive reduced cost), which cannot cycle;
- at the end the optimal vertex is solved afresh from its tight constraints
  (as a simplex code reports it), and checked for primal and dual
  feasibility. An LP that fails the check or runs out of pivots is reported
  as not solved (NaN) for the caller to hand to an exact solver.
"""

from __future__ import annotations

import numpy as np

__all__ = ["max_linear"]

_TOL = 1e-12  # reduced costs and pivot elements, on data scaled to about 1
_FEASIBLE = 1e-9  # primal and dual feasibility of the refined vertex
_BLAND_AFTER = 50  # pivots with Dantzig's rule before Bland's rule takes over


def max_linear(c: np.ndarray, a: np.ndarray, b: np.ndarray, *, max_pivots: int | None = None,
               basis: bool = False) -> tuple[np.ndarray, ...]:
    """Solve a batch of ``max c·x  s.t.  A x ≤ b, x ≥ 0`` with ``b ≥ 0`` (批量线性规划).

    Parameters
    ----------
    c : ndarray, shape (batch, n)
    a : ndarray, shape (batch, k, n)
    b : ndarray, shape (batch, k)
        Non-negative, so that ``x = 0`` is feasible.
    max_pivots : int, optional
        Pivots allowed per LP (default ``50 + 10 (n + k)``).
    basis : bool, default False
        Also return the optimal basis as its tight constraints.

    Returns
    -------
    value : ndarray, shape (batch,)
        The optimum; ``+inf`` where the LP is unbounded; NaN where it was not
        solved (out of pivots, or the optimal vertex failed its check).
    x : ndarray, shape (batch, n)
        An optimal vertex (NaN where not solved or unbounded).
    tight : ndarray, shape (batch, n, n)
        With ``basis=True``: the normals of the *n* constraints tight at that
        vertex, as rows of "normal · x ≤ rhs" (a row of ``A``, or ``−e_j`` for
        ``x_j ≥ 0``); NaN where not solved. An objective ``c'`` is optimal at
        the same vertex when ``c' = tightᵀ λ`` has a solution ``λ ≥ 0``.

    Examples
    --------
    >>> value, x = max_linear(np.array([[1.0, 1.0]]), np.array([[[1.0, 2.0], [3.0, 1.0]]]),
    ...                       np.array([[4.0, 6.0]]))
    >>> value.round(12).tolist(), x.round(12).tolist()
    ([2.8], [[1.6, 1.2]])
    """
    c = np.asarray(c, dtype=np.float64)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    batch, k, n = a.shape
    max_pivots = 50 + 10 * (n + k) if max_pivots is None else max_pivots
    # Compact tableau: rows 0..k-1 hold [Ā | b̄] of the basic variables, row k holds [−c̄ | z].
    tableau = np.empty((batch, k + 1, n + 1))
    tableau[:, :k, :n] = a
    tableau[:, :k, n] = b
    tableau[:, k, :n] = -c
    tableau[:, k, n] = 0.0
    nonbasic = np.broadcast_to(np.arange(n), (batch, n)).copy()  # labels: x_j is j, slack i is n+i
    basic = np.broadcast_to(np.arange(n, n + k), (batch, k)).copy()
    status = np.zeros(batch, dtype=np.int8)  # 0 running, 1 optimal, 2 unbounded, 3 out of pivots
    for pivot in range(max_pivots + 1):
        live = np.flatnonzero(status == 0)
        if not len(live):
            break
        if pivot == max_pivots:
            status[live] = 3
            break
        t = tableau[live]
        reduced = t[:, k, :n]  # −c̄: negative where x_j would raise the objective
        improving = reduced < -_TOL
        optimal = ~improving.any(axis=1)
        status[live[optimal]] = 1
        keep = ~optimal
        live, t, improving = live[keep], t[keep], improving[keep]
        if not len(live):
            break
        rows = np.arange(len(live))
        if pivot < _BLAND_AFTER:
            enter = np.argmin(np.where(improving, t[:, k, :n], np.inf), axis=1)
        else:
            enter = np.argmin(np.where(improving, nonbasic[live], np.iinfo(np.int64).max), axis=1)
        column = t[rows, :k, enter]
        eligible = column > _TOL
        unbounded = ~eligible.any(axis=1)
        status[live[unbounded]] = 2
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(eligible, t[:, :k, n] / column, np.inf)
        least = ratio.min(axis=1, keepdims=True)
        tied = eligible & (ratio <= least + _TOL * np.maximum(1.0, np.abs(least)))
        leave = np.argmin(np.where(tied, basic[live], np.iinfo(np.int64).max), axis=1)
        go = ~unbounded
        live, t, rows, enter, leave = live[go], t[go], rows[: go.sum()], enter[go], leave[go]
        if not len(live):
            continue
        element = t[rows, leave, enter]
        pivot_row = t[rows, leave, :] / element[:, None]
        pivot_row[rows, enter] = 1.0 / element
        pivot_column = t[rows, :, enter].copy()
        t -= pivot_column[:, :, None] * pivot_row[:, None, :]
        t[rows, :, enter] = -pivot_column / element[:, None]
        t[rows, leave, :] = pivot_row
        tableau[live] = t
        entering = nonbasic[live, enter]
        nonbasic[live, enter] = basic[live, leave]
        basic[live, leave] = entering
    value = np.full(batch, np.nan)
    x = np.full((batch, n), np.nan)
    tight = np.full((batch, n, n), np.nan)
    value[status == 2] = np.inf
    done = np.flatnonzero(status == 1)
    if len(done):
        value[done], x[done], tight[done] = _refine(c[done], a[done], b[done], nonbasic[done])
    return (value, x, tight) if basis else (value, x)


def _refine(c: np.ndarray, a: np.ndarray, b: np.ndarray,
            nonbasic: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve each optimal vertex from its tight constraints; NaN where it fails its check.

    The nonbasic variables of the final basis are zero: ``x_j = 0`` for a
    nonbasic ``x_j``, constraint *i* tight for a nonbasic slack. The dual
    solution of that basis must be non-negative for the vertex to be optimal.
    """
    batch, k, n = a.shape
    # Rows of every constraint as "row · x ≤ rhs": the k of A, then −x_j ≤ 0.
    normals = np.concatenate([a, np.broadcast_to(-np.eye(n), (batch, n, n))], axis=1)
    rhs = np.concatenate([b, np.zeros((batch, n))], axis=1)
    constraint = np.where(nonbasic >= n, nonbasic - n, k + nonbasic)  # label → constraint row
    tight = np.take_along_axis(normals, constraint[:, :, None], axis=1)  # (batch, n, n)
    tight_rhs = np.take_along_axis(rhs, constraint, axis=1)
    value = np.full(batch, np.nan)
    x = np.full((batch, n), np.nan)
    solvable = np.abs(np.linalg.det(tight)) > 1e-300
    ok = np.flatnonzero(solvable)
    if not len(ok):
        return value, x, np.full_like(tight, np.nan)
    vertex = np.linalg.solve(tight[ok], tight_rhs[ok][:, :, None])[:, :, 0]
    dual = np.linalg.solve(np.swapaxes(tight[ok], 1, 2), c[ok][:, :, None])[:, :, 0]
    slack = (np.einsum("bkn,bn->bk", normals[ok], vertex) - rhs[ok]).max(axis=1)
    primal = slack <= _FEASIBLE * (1.0 + np.abs(rhs[ok]).max(axis=1))
    dual_ok = (dual >= -_FEASIBLE * (1.0 + np.abs(c[ok]).max(axis=1))[:, None]).all(axis=1)
    good = primal & dual_ok
    rows = ok[good]
    x[rows] = np.maximum(vertex[good], 0.0)
    value[rows] = np.einsum("bn,bn->b", c[rows], vertex[good])
    tight = np.where(np.isnan(value)[:, None, None], np.nan, tight)
    return value, x, tight
