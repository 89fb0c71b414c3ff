"""Platform tables (数据表), SQLAlchemy 2 declarative with typed columns; one module per concept."""

from zongheng.platform.models.approval import ApprovalChainStep, Covers, SubmissionApproval
from zongheng.platform.models.audit import GENESIS, AuditEvent, AuditHead
from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.change_requests import ChangeRequest, RequestState
from zongheng.platform.models.checks import CheckFlag, CheckKind, Severity
from zongheng.platform.models.evidence import Evidence, EvidenceContent
from zongheng.platform.models.frameworks import FrameworkIndicator, FrameworkVersion
from zongheng.platform.models.grading import GradingInput, GradingRun
from zongheng.platform.models.inbox import Message
from zongheng.platform.models.late_entry import LateEntryRequest, LateState
from zongheng.platform.models.org import Department, Region, RegionLevel
from zongheng.platform.models.periods import ReportingPeriod
from zongheng.platform.models.reference import ReferenceData
from zongheng.platform.models.run_documents import RunDocument
from zongheng.platform.models.runs import Job, JobState, Run
from zongheng.platform.models.sessions import LoginSession
from zongheng.platform.models.submissions import UNAPPROVED, State, Submission, Value, ValueHistory
from zongheng.platform.models.tasks import (
    MANUAL_SOURCES,
    Milestone,
    Problem,
    ProblemSource,
    Task,
    TaskEvent,
    TaskEvidence,
    TaskFile,
    TaskState,
)
from zongheng.platform.models.tokens import ApiToken
from zongheng.platform.models.users import Role, RoleAssignment, RoleScopeRegion, Scope, User

__all__ = [
    "GENESIS",
    "MANUAL_SOURCES",
    "UNAPPROVED",
    "ApiToken",
    "ApprovalChainStep",
    "AuditEvent",
    "AuditHead",
    "Base",
    "ChangeRequest",
    "CheckFlag",
    "CheckKind",
    "Covers",
    "Department",
    "Evidence",
    "EvidenceContent",
    "FrameworkIndicator",
    "FrameworkVersion",
    "GradingInput",
    "GradingRun",
    "Job",
    "JobState",
    "LateEntryRequest",
    "LateState",
    "LoginSession",
    "Message",
    "Milestone",
    "Problem",
    "ProblemSource",
    "ReferenceData",
    "Region",
    "RegionLevel",
    "ReportingPeriod",
    "RequestState",
    "Role",
    "RoleAssignment",
    "RoleScopeRegion",
    "Run",
    "RunDocument",
    "Scope",
    "Severity",
    "State",
    "Submission",
    "SubmissionApproval",
    "Task",
    "TaskEvent",
    "TaskEvidence",
    "TaskFile",
    "TaskState",
    "User",
    "Value",
    "ValueHistory",
    "utcnow",
]
