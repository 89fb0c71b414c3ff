"""Errors and warnings (错误与警告).

Readers and validators never stop at the first mistake: they collect every
:class:`Problem` (where it is and what was expected) and raise one error that
lists them all, so a user fixes a spreadsheet in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from zongheng.i18n import get_lang, text

__all__ = [
    "ArgumentError",
    "ConstantIndicatorWarning",
    "DataError",
    "FrameworkError",
    "MethodError",
    "Problem",
    "ZonghengError",
    "ZonghengWarning",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in user input (输入问题).

    Parameters
    ----------
    kind : str
        Key of the message in the catalogue of :mod:`zongheng.i18n`.
    params : dict
        Values filled into the message. A value that is itself a
        :class:`Problem` stands for a location (e.g. where a duplicate was
        first seen) and is rendered in the message's language.
    file, sheet, row, column, key : str or int, optional
        Where the problem is. ``row`` is the row number as the user sees it
        (1-based, header is row 1 in a spreadsheet); ``key`` is a YAML path.
    cell : str, optional
        A spreadsheet cell reference such as ``数据!D7``.
    """

    kind: str
    params: dict = field(default_factory=dict)
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    cell: str | None = None

    def where(self, lang: str | None = None) -> str:
        """Return the location as text, e.g. ``data.xlsx, 数据!D7``."""
        lang = lang or get_lang()
        parts: list[str] = []
        if self.file:
            parts.append(str(self.file))
        if self.cell:
            parts.append(self.cell)
        else:
            if self.sheet:
                parts.append(text("loc_sheet", lang, sheet=self.sheet))
            if self.row is not None:
                parts.append(text("loc_row", lang, row=self.row))
            if self.column is not None:
                parts.append(text("loc_column", lang, column=self.column))
        if self.key:
            parts.append(text("loc_key", lang, key=self.key))
        return ", ".join(parts)

    def message(self, lang: str | None = None) -> str:
        """Return the problem as one line: location, then what is wrong."""
        lang = lang or get_lang()
        params = {k: (v.where(lang) or "?") if isinstance(v, Problem) else v
                  for k, v in self.params.items()}
        body = text(self.kind, lang, **params)
        where = self.where(lang)
        return f"{where}: {body}" if where else body


class ZonghengError(Exception):
    """Base class of zongheng's errors."""


class _ProblemsError(ZonghengError, ValueError):
    """An error carrying every problem found, rendered one per line."""

    title_kind = "data_error_title"

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__(self.render())

    def render(self, lang: str | None = None) -> str:
        """Return the title and every problem, one per line, in ``lang``."""
        lang = lang or get_lang()
        head = text(self.title_kind, lang, n=len(self.problems))
        lines = [f"  - {p.message(lang)}" for p in self.problems]
        return "\n".join([head, *lines])

    def __str__(self) -> str:
        return self.render()


class FrameworkError(_ProblemsError):
    """The framework (指标体系) is invalid; lists every problem found."""

    title_kind = "framework_error_title"


class DataError(_ProblemsError):
    """The data (数据) cannot be loaded; lists every problem with its cell."""

    title_kind = "data_error_title"


class MethodError(_ProblemsError):
    """The method (方法) is invalid or cannot run on this data."""

    title_kind = "method_error_title"


def raise_if(problems: Iterable[Problem], error: type[_ProblemsError]) -> None:
    """Raise ``error`` listing ``problems`` when there is at least one."""
    problems = list(problems)
    if problems:
        raise error(problems)


class ArgumentError(_ProblemsError, TypeError):
    """A function of the library was called with arguments of the wrong kind (调用参数有误)."""

    title_kind = "argument_error_title"


class ZonghengWarning(UserWarning):
    """Base class of zongheng's warnings."""


class ConstantIndicatorWarning(ZonghengWarning):
    """An indicator has the same value for every unit, so it cannot discriminate."""
