"""Display (显示格式): one way to show every number, for every writer and the command line.

A number leaves zongheng through here, so that the Word draft, the HTML page,
the Excel workbook, the JSON and the console say the same thing:

- **scores** (index, dimension and normalised indicator scores) with 2 decimals,
  **changes** of them signed with 2 decimals, **shares** and probabilities as a
  percentage with 1 decimal;
- **raw indicator values** with 4 significant digits (every digit of the whole
  part above 1,000; trailing zeros after the point dropped), thousands
  separated, never in scientific notation;
- a **requirement** (the value an indicator must reach) rounded *toward
  improvement* — up for higher-is-better, down for lower-is-better — so that the
  printed figure, copied as it is, is still enough;
- a **difference of two shown numbers** computed from the shown numbers, so
  that a reader's subtraction checks ("87.19 − 85.94 = 1.25").

Missing values are an em dash. The kernels are vectorised (:func:`round_toward`);
the text functions take one number.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zongheng.i18n import get_lang

__all__ = [
    "DECIMALS",
    "MISSING",
    "SIGNIFICANT",
    "difference",
    "percent",
    "rank",
    "round_significant",
    "round_toward",
    "score",
    "shown",
    "signed",
    "signed_value",
    "value",
    "value_decimals",
    "value_difference",
]

SIGNIFICANT = 4
"""Significant digits of raw values and requirements (the path verifies plans rounded so)."""

DECIMALS = {"score": 2, "change": 2, "percent": 1, "effort": 2}
"""Decimals per kind of quantity, the same in every document."""

MISSING = "—"


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


# -- rounding kernels -------------------------------------------------------------------------------


def round_significant(values: Any, digits: int = SIGNIFICANT, up: Any = None) -> np.ndarray:
    """Round to ``digits`` significant digits: to nearest, or up where ``up`` and down elsewhere.

    Values within a millionth of a step of a grid point are on it (float noise,
    or a solver's sliver above a tie), so a value already on the grid stays.
    Zero, NaN and ±inf are left as they are.

    Examples
    --------
    >>> round_significant([81.98875, 12345678.0]).tolist()
    [81.99, 12350000.0]
    >>> round_significant([81.98875], up=[False]).tolist()
    [81.98]
    """
    x = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(x) & (x != 0)
    magnitude = np.floor(np.log10(np.where(finite, np.abs(x), 1.0))).astype(int)
    exponent = magnitude - (digits - 1)
    power = 10.0 ** np.abs(exponent)
    # Scale by an exact power of ten, so that a value already on the grid stays on it.
    scaled = np.where(exponent < 0, x * power, x / power)
    if up is None:
        whole = np.round(scaled)
    else:
        up = np.broadcast_to(np.asarray(up, dtype=bool), x.shape)
        whole = np.where(up, np.ceil(scaled - 1e-6), np.floor(scaled + 1e-6))
    out = np.where(exponent < 0, whole / power, whole * power)
    return np.where(finite, out, x)


def round_toward(values: Any, direction: Any, digits: int = SIGNIFICANT) -> np.ndarray:
    """Round raw values to significant digits toward improvement (向改进方向取整).

    Up for higher-is-better (``direction > 0``), down for lower-is-better, so a
    rounded value is never worse than the exact one: a needed value printed and
    copied with ``digits`` significant digits is still enough.

    Examples
    --------
    >>> round_toward([12.3441, 12.3441, -0.0123456], [1, -1, 1]).tolist()
    [12.35, 12.34, -0.01234]
    >>> round_toward([12345678.0], [1]).tolist()
    [12350000.0]
    """
    x = np.asarray(values, dtype=np.float64)
    return round_significant(x, digits, np.broadcast_to(np.asarray(direction) > 0, x.shape))


# -- numbers as text --------------------------------------------------------------------------------


def value_decimals(x: float, digits: int = SIGNIFICANT) -> int:
    """Return the decimals that show ``x`` with ``digits`` significant digits (0 from 1,000 up)."""
    if _missing(x) or x == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(float(x)))))


def value(x: Any, *, direction: int | None = None, digits: int = SIGNIFICANT) -> str:
    """Show a raw indicator value: 4 significant digits, thousands separated, never an exponent.

    With ``direction`` (+1 higher is better, −1 lower is better) the value is a
    requirement and is rounded toward improvement.

    Examples
    --------
    >>> value(81.98875), value(81.98875, direction=-1), value(12345678.4), value(0.0221)
    ('81.99', '81.98', '12,345,678', '0.0221')
    >>> value(81.9), value(-0.1812)
    ('81.9', '-0.1812')
    >>> value(99999999, direction=1), value(None)
    ('100,000,000', '—')
    """
    if _missing(x):
        return MISSING
    x = float(x)
    if direction is not None:
        x = float(round_toward([x], [direction], digits)[0])
    elif abs(x) < 10 ** digits:
        x = float(round_significant([x], digits)[0])
    text = f"{x:,.{value_decimals(x, digits)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _decimals_shown(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def value_difference(new: Any, old: Any, *, direction: int | None = None) -> float:
    """Return ``new − old`` of two raw values as :func:`value` prints them (the reader's subtraction checks).

    ``direction`` shows ``new`` as a requirement (rounded toward improvement), as :func:`value` does.

    Examples
    --------
    >>> value_difference(82.1734, 81.98875), value_difference(81.98875, 82.17, direction=-1)
    (0.18, -0.19)
    >>> value_difference(12345678, 12000000)
    345678.0
    """
    a, b = value(new, direction=direction), value(old)
    if MISSING in (a, b):
        return math.nan
    decimals = max(_decimals_shown(a), _decimals_shown(b))
    return round(float(a.replace(",", "")) - float(b.replace(",", "")), decimals)


def signed_value(x: Any) -> str:
    """Show a change of a raw value with its sign (``+6.1``, ``-0.19``, ``0``), as :func:`value` does.

    Examples
    --------
    >>> signed_value(6.1), signed_value(-0.1912), signed_value(-0.0), signed_value(None)
    ('+6.1', '-0.1912', '0', '—')
    """
    text = value(x)
    if text == MISSING or text.startswith("-") or float(text.replace(",", "")) == 0:
        return "0" if text in ("0", "-0") else text
    return f"+{text}"


def shown(x: Any, kind: str = "score") -> float:
    """Return ``x`` as it is shown for a kind of quantity (rounded to its decimals), NaN if missing."""
    if _missing(x):
        return math.nan
    return round(float(x), DECIMALS[kind])


def score(x: Any, kind: str = "score") -> str:
    """Show a score (or another quantity of ``kind``) with its fixed decimals.

    Examples
    --------
    >>> score(85.9375), score(float("nan"))
    ('85.94', '—')
    """
    if _missing(x):
        return MISSING
    return f"{shown(x, kind):.{DECIMALS[kind]}f}"


def signed(x: Any, kind: str = "change") -> str:
    """Show a change with its sign (``+1.25``, ``-0.19``, ``0.00``); missing as an em dash.

    Examples
    --------
    >>> signed(1.2449), signed(-0.186), signed(-0.001)
    ('+1.24', '-0.19', '0.00')
    """
    if _missing(x):
        return MISSING
    v = shown(x, kind)
    if v == 0:
        return f"{0:.{DECIMALS[kind]}f}"
    return f"{v:+.{DECIMALS[kind]}f}"


def difference(a: Any, b: Any, kind: str = "score") -> float:
    """Return ``a − b`` computed from the two numbers as shown, so the reader's subtraction checks.

    Examples
    --------
    >>> difference(87.1852, 85.9375)
    1.25
    """
    return round(shown(a, kind) - shown(b, kind), DECIMALS[kind])


def percent(p: Any, decimals: int = DECIMALS["percent"]) -> str:
    """Show a share or probability given as a fraction (0.597 → ``59.7%``).

    Examples
    --------
    >>> percent(0.5974), percent(1), percent(None)
    ('59.7%', '100.0%', '—')
    """
    if _missing(p):
        return MISSING
    return f"{100 * float(p):.{decimals}f}%"


def rank(r: Any, *, last: Any = None, of: Any = None, lang: str | None = None) -> str:
    """Show a rank, a tie shown as a tie: ``第3位``, ``并列第5–7位`` (``3rd``, ``tied 5th–7th``).

    Parameters
    ----------
    r : int
        The competition rank (the best place of the tie).
    last : int, optional
        The worst place of the tie (r + the number tied − 1); a tie when > r.
    of : int, optional
        The number of ranked units (``第3位/9``).

    Examples
    --------
    >>> rank(3), rank(5, last=7), rank(3, of=9), rank(5, last=7, lang="en")
    ('第3位', '并列第5–7位', '第3位/9', 'tied 5th–7th')
    """
    if _missing(r):
        return MISSING
    r, lang = int(r), lang or get_lang()
    tied = not _missing(last) and int(last) > r
    total = "" if _missing(of) else f"/{int(of)}"
    if lang == "en":
        body = f"tied {_ordinal(r)}–{_ordinal(int(last))}" if tied else _ordinal(r)
        return body + (f" of {int(of)}" if total else "")
    body = f"并列第{r}–{int(last)}位" if tied else f"第{r}位"
    return body + total


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
