"""Shapes of the API's answers (接口数据结构), as the OpenAPI description shows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

__all__ = ["ActionIn", "ActionOut", "BulkValueIn", "BulkValuesIn", "BulkValuesOut", "ChangeOut",
           "EvidenceItem", "ExplanationIn", "FlagOut", "FlagsOut", "Grant", "HistoryEntry", "Me",
           "ProblemOut", "ProblemsOut", "SubmissionDetail", "SubmissionItem", "ValueIn", "ValueItem",
           "ValuesIn", "ValuesOut"]


class Grant(BaseModel):
    """One role the caller holds, with its scope."""

    role: str = Field(description="reporter | approver | analyst | leader | congress | admin")
    scope: str = Field(description="own | below | set")
    region: str | None = None
    department: str | None = None
    view_unapproved: bool


class Me(BaseModel):
    """The user a token acts for."""

    username: str
    display_name: str
    grants: list[Grant]


class SubmissionItem(BaseModel):
    """A submission in a list (报送任务)."""

    id: int
    framework: str
    year: int
    period: str
    region: str
    department: str
    state: str = Field(description="draft | submitted | returned | approved | locked")
    due_date: date
    submitted_at: datetime | None
    approved_at: datetime | None


class HistoryEntry(BaseModel):
    """One change of a value (修改记录)."""

    at: datetime
    user: str | None
    old: float | None
    new: float | None
    reason: str


class EvidenceItem(BaseModel):
    """One evidence file of a value (佐证材料); its type is read from the content."""

    id: int
    name: str
    type: str = Field(description="media type, e.g. application/pdf")
    size: int = Field(description="bytes")


class ValueItem(BaseModel):
    """One indicator's value in a submission, with last period's and its history."""

    indicator: str
    name: str
    unit: str
    value: float | None
    comment: str
    previous_period: str | None
    previous: float | None
    history: list[HistoryEntry]
    evidence: list[EvidenceItem] = []


class SubmissionDetail(SubmissionItem):
    """A submission with its values."""

    values: list[ValueItem]


# -- writes (写入接口): values, workflow actions, 说明, bulk values ----------------------------------------
# Limits keep one request small enough to check and save in one transaction on the shared server.

MAX_VALUES = 1000
"""Most cells in one submission's PUT (a framework has a few hundred indicators at most)."""
MAX_BULK = 5000
"""Most cells in one bulk call across submissions."""
MAX_TEXT = 100
"""Longest typed value (“1,234.5”, “12%”, “—”)."""
MAX_CODE = 64
MAX_COMMENT = 2000
MAX_REASON = 2000

Typed = Annotated[StrictInt, Field()] | Annotated[float, Field(strict=True, allow_inf_nan=False)] | Annotated[
    str, Field(max_length=MAX_TEXT)] | None


class ValueIn(BaseModel):
    """One cell to write: the indicator's code and its value as a number, as typed, or null."""

    model_config = ConfigDict(extra="forbid")

    indicator: str = Field(min_length=1, max_length=MAX_CODE, description="指标代码 indicator code")
    value: Typed = Field(description="a number, text as people type it (“1,234”, “12%” for a % "
                                     "indicator, “１２３”, “—” or blank for no value), or null for no value")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT,
                                description="备注; left out or null leaves the comment as it is")


class ValuesIn(BaseModel):
    """The body of ``PUT /submissions/{id}/values``: saved all or nothing."""

    model_config = ConfigDict(extra="forbid")

    values: list[ValueIn] = Field(max_length=MAX_VALUES)


class BulkValueIn(ValueIn):
    """One cell of a bulk write: which submission, which indicator, what value."""

    submission: StrictInt = Field(ge=1, le=2**31 - 1, description="报送任务 id")


class BulkValuesIn(BaseModel):
    """The body of ``POST /bulk/values``: every cell of every submission saved, or none."""

    model_config = ConfigDict(extra="forbid")

    values: list[BulkValueIn] = Field(max_length=MAX_BULK)


class ActionIn(BaseModel):
    """The body of a workflow action: a return needs a reason and a date to come back by."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=MAX_REASON, description="退回原因 (return) or a note")
    due: date | None = Field(default=None, description="补正期限 (return: today or later)")


class ExplanationIn(BaseModel):
    """The body of a 说明 (填写说明) of one check flag."""

    model_config = ConfigDict(extra="forbid")

    explanation: str = Field(min_length=1, max_length=MAX_COMMENT)


class ProblemOut(BaseModel):
    """One located problem: where (body index, submission, indicator), what (key), in zh and en."""

    key: str = Field(description="machine-readable key, e.g. pf_api_not_number")
    index: int | None = Field(default=None, description="0-based position in the body's values list")
    submission: int | None = None
    indicator: str | None = None
    zh: str
    en: str


class ProblemsOut(BaseModel):
    """An error answer: a summary and every problem found (nothing was changed)."""

    detail: str
    problems: list[ProblemOut]


class ChangeOut(BaseModel):
    """One value or comment that this call changed."""

    indicator: str
    old: float | None
    new: float | None
    comment: str | None = Field(default=None, description="the new comment when it changed")


class FlagOut(BaseModel):
    """One open check flag (校验标记) of a submission."""

    id: int
    indicator: str
    kind: str = Field(description="required | range | yoy | relation | sum | peer | history")
    severity: str = Field(description="warning | blocking")
    explanation: str = Field(description="the 填报员's 说明; a blocking flag needs one before submitting")
    zh: str
    en: str


class FlagsOut(BaseModel):
    """A submission's state and open flags, counted."""

    submission: int
    state: str
    warnings: int
    blocking: int
    blocking_unexplained: int = Field(description="what stops a submit until explained")
    flags: list[FlagOut]


class ValuesOut(FlagsOut):
    """What a values write changed, and the flags now on the submission."""

    changed: int
    changes: list[ChangeOut]


class BulkValuesOut(BaseModel):
    """What a bulk write changed, per submission."""

    changed: int
    submissions: list[ValuesOut]


class ActionOut(FlagsOut):
    """A submission after a workflow action."""

    action: str
