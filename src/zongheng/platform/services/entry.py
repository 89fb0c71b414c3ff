"""Entry of values (填报): read what people type, save a grid all or nothing.

People type numbers the way spreadsheets show them: ``1,234``, ``12%``, full-width ``１２３``, and
``—`` or a blank for "no value". :func:`read_value` reads them with the library's number parser
(:func:`zongheng.io.tables.parse_number`, the one the panel reader uses) and refuses anything else
with the row and indicator named, in Chinese. :func:`save_entries` parses a whole post first and
saves nothing when one cell is wrong, so a grid is never half saved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from zongheng.i18n import MESSAGES, register_messages, text
from zongheng.io.tables import parse_number
from zongheng.platform.models import State, Submission, Value
from zongheng.platform.services import audit
from zongheng.platform.services.submissions import set_values

__all__ = ["EDITABLE", "EntryError", "Problem", "read_value", "save_entries"]

register_messages({
    "pf_entry_not_number": ("第 {row} 行（{code} {name}）：“{text}”不是数值。",
                            "Row {row} ({code} {name}): \"{text}\" is not a number."),
    "pf_entry_percent_unit": ("第 {row} 行（{code} {name}）：“{text}”带百分号，"
                              "但该指标的计量单位是“{unit}”。",
                              "Row {row} ({code} {name}): \"{text}\" has a percent sign but the unit is "
                              "\"{unit}\"."),
    "pf_entry_unknown_row": ("第 {row} 行不属于此报送任务。", "Row {row} is not part of this submission."),
    "pf_entry_comment_long": ("第 {row} 行（{code} {name}）：说明超过 {limit} 字。",
                              "Row {row} ({code} {name}): the comment is longer than {limit} characters."),
    "pf_entry_closed": ("此报送任务状态为“{state}”，不能修改；只有草稿或已退回的任务可以填报。",
                        "This submission is {state} and cannot be changed; only drafts and returned "
                        "submissions can be edited."),
    "pf_entry_nothing_saved": ("有 {n} 处错误，本次未保存任何数值。",
                               "{n} problem(s): nothing was saved."),
})

EDITABLE = frozenset({State.DRAFT.value, State.RETURNED.value})
PERCENT = ("%", "％")
COMMENT_LIMIT = 2000


@dataclass(frozen=True)
class Problem:
    """One refused cell: a message key and its parameters."""

    key: str
    params: dict[str, object]

    def message(self, lang: str = "zh") -> str:
        """Return the problem in ``lang`` (parameters that are message keys are translated too)."""
        params = {k: text(v, lang) if isinstance(v, str) and v in MESSAGES else v
                  for k, v in self.params.items()}
        return text(self.key, lang, **params)


class EntryError(Exception):
    """A post that was refused as a whole (nothing saved); ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message() for p in problems))
        self.problems = problems


def read_value(raw: str, unit: str = "") -> float | None:
    """Read a typed value (读取填报值): a number, or ``None`` for "no value".

    ``12%`` is read as 12 when the indicator's unit is ``%`` (values are kept in the unit of
    measure, so 12% of a percentage indicator is 12); elsewhere a percent sign is refused, because
    0.12 and 12 would both be guesses.

    Raises
    ------
    ValueError
        ``raw`` is not a number; ``args[0]`` is ``"percent"`` when the sign was the trouble.
    """
    cleaned = raw.strip()
    if cleaned.endswith(PERCENT):
        if unit.strip() not in PERCENT:
            raise ValueError("percent")
        cleaned = cleaned[:-1].strip()
        if not cleaned:
            raise ValueError("number")
    number = parse_number(cleaned)
    if number is None:
        raise ValueError("number")
    return None if math.isnan(number) else number


def _located(value: Value, row: int) -> dict[str, object]:
    return {"row": row, "code": value.indicator.code, "name": value.indicator.name}


def save_entries(session: Session, submission: Submission, typed: dict[int, str],
                 comments: dict[int, str], *, user_id: int | None) -> int:
    """Save a grid post (保存填报): value id → typed text, value id → comment; all or nothing.

    Returns
    -------
    int
        How many values or comments changed.

    Raises
    ------
    EntryError
        The submission is not editable, or some cells were refused (each named by row and
        indicator); nothing was changed.
    """
    if submission.state not in EDITABLE:
        raise EntryError([Problem("pf_entry_closed", {"state": f"pf_state_{submission.state}"})])
    # One query for the framework's indicators: each value's ``.indicator`` is then found in the
    # session's identity map instead of a SELECT per value.
    _ = submission.version.indicators
    ordered = sorted(submission.values, key=lambda v: v.indicator.position)
    rows = {v.id: (n, v) for n, v in enumerate(ordered, start=1)}
    problems: list[Problem] = []
    parsed: dict[int, float | None] = {}
    for value_id in sorted(set(typed) | set(comments), key=lambda i: rows.get(i, (10**9, None))[0]):
        if value_id not in rows:
            problems.append(Problem("pf_entry_unknown_row", {"row": value_id}))
            continue
        row, value = rows[value_id]
        if value_id in typed:
            try:
                parsed[value_id] = read_value(typed[value_id], value.indicator.unit)
            except ValueError as exc:
                key = "pf_entry_percent_unit" if exc.args[0] == "percent" else "pf_entry_not_number"
                problems.append(Problem(key, {**_located(value, row), "text": typed[value_id].strip(),
                                              "unit": value.indicator.unit}))
        if len(comments.get(value_id, "")) > COMMENT_LIMIT:
            problems.append(Problem("pf_entry_comment_long",
                                    {**_located(value, row), "limit": COMMENT_LIMIT}))
    if problems:
        raise EntryError(problems)
    changes = set_values(session, [(rows[i][1], number) for i, number in parsed.items()], user_id=user_id,
                         record=False)
    commented = []
    for value_id, comment in comments.items():
        value = rows[value_id][1]
        if value.comment != comment.strip():
            commented.append({"value": value.id, "indicator": value.indicator.code, "old": value.comment,
                              "new": comment.strip()})
            value.comment = comment.strip()
    changed = len(changes) + len(commented)
    if not changed:
        return 0
    # Warnings on save (every rule but "required": a draft may be incomplete), so the grid and the
    # follow-up queue show them at once; blocking ones stop the submit later. The checks read the
    # values as they stand in the session and write everything (values, history, flags) in one flush.
    from zongheng.platform.services.checks.run import check_submission

    _, checks = check_submission(session, submission, on="save")
    # The audit event comes LAST, after the checks: appending takes the chain's head row lock
    # (services.audit.record), which every other save waits for until this transaction commits.
    # Recorded first, that lock was held over the whole save and serialised every reporter's;
    # recorded here, it is held for one UPDATE and one INSERT before the commit.
    audit.record(session, "entry.save", user_id=user_id, object_type="submission", object_id=submission.id,
                 values=changes, comments=commented, checks=checks)
    return changed
