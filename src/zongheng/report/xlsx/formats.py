"""Number formats (数字格式): Excel shows what :mod:`zongheng.display` prints.

A cell keeps its number; its format has the decimals every other document
shows: scores ``0.00``, shares ``0.0%``, ranks ``0``, rank changes ▲/▼, raw
values 4 significant digits (:func:`value_format`). A requirement is stored
already rounded toward improvement (:func:`shown_value` with ``direction``),
because Excel rounds a stored 81.98875 to the nearest, 81.99, which would not
be enough for a lower-is-better indicator.
"""

from __future__ import annotations

import math
from typing import Any

from zongheng import display

__all__ = ["ARROW", "PCT", "RANK", "SCORE", "SIGNED", "SIGNED_PCT", "shown_value", "value_format"]

_S = display.DECIMALS["score"]
SCORE = "0." + "0" * _S
SIGNED = f"+{SCORE};-{SCORE};{SCORE}"
PCT = "0." + "0" * display.DECIMALS["percent"] + "%"
SIGNED_PCT = f"+{PCT};-{PCT};{PCT}"
RANK = "0"
ARROW = '"▲"0;"▼"0;"–"'  # a rank change stays a number: ▲2 is 2, ▼1 is −1


def shown_value(x: Any, *, direction: int | None = None) -> float:
    """Return a raw value as :func:`zongheng.display.value` shows it, as a number (NaN if missing).

    Examples
    --------
    >>> shown_value(81.98875), shown_value(81.98875, direction=-1), shown_value(12345.6)
    (81.99, 81.98, 12346.0)
    """
    shown = display.value(x, direction=direction)
    return math.nan if shown == display.MISSING else float(shown.replace(",", ""))


def _decimals(shown: str) -> int:
    return len(shown.partition(".")[2]) if shown != display.MISSING else 0


def value_format(x: Any, *, signed: bool = False, suffix: str = "",
                 direction: int | None = None) -> str:
    """Return the number format that shows a raw value as :func:`zongheng.display.value` does.

    Four significant digits, thousands separated: ``#,##0.00`` for 81.99,
    ``#,##0.0000`` for 0.0221, ``#,##0`` from 1,000 up. ``suffix`` is shown
    after the number (``（插补）``); ``signed`` puts a sign in front.

    Examples
    --------
    >>> value_format(81.98875), value_format(0.0221), value_format(12345.6), value_format(-0.19, signed=True)
    ('#,##0.00', '#,##0.0000', '#,##0', '+#,##0.00;-#,##0.00;0.00')
    >>> value_format(79.4, suffix="（插补）")
    '#,##0.0"（插补）"'
    """
    decimals = _decimals(display.value(x, direction=direction))
    body = "#,##0" + ("." + "0" * decimals if decimals else "")
    tail = f'"{suffix}"' if suffix else ""
    if signed:
        zero = "0" + ("." + "0" * decimals if decimals else "")
        return f"+{body}{tail};-{body}{tail};{zero}{tail}"
    return body + tail
