"""Shapes of the API's answers (接口数据结构), as the OpenAPI description shows them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

__all__ = ["EvidenceItem", "Grant", "HistoryEntry", "Me", "SubmissionDetail", "SubmissionItem", "ValueItem"]


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
