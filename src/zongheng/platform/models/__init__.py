"""Platform tables (数据表), SQLAlchemy 2 declarative with typed columns; one module per concept."""

from zongheng.platform.models.audit import GENESIS, AuditEvent, AuditHead
from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.change_requests import ChangeRequest, RequestState
from zongheng.platform.models.checks import CheckFlag, CheckKind, Severity
from zongheng.platform.models.frameworks import FrameworkIndicator, FrameworkVersion
from zongheng.platform.models.inbox import Message
from zongheng.platform.models.late_entry import LateEntryRequest, LateState
from zongheng.platform.models.org import Department, Region, RegionLevel
from zongheng.platform.models.periods import ReportingPeriod
from zongheng.platform.models.sessions import LoginSession
from zongheng.platform.models.submissions import UNAPPROVED, State, Submission, Value, ValueHistory
from zongheng.platform.models.tokens import ApiToken
from zongheng.platform.models.users import Role, RoleAssignment, RoleScopeRegion, Scope, User

__all__ = [
    "GENESIS", "UNAPPROVED", "ApiToken", "AuditEvent", "AuditHead", "Base", "ChangeRequest", "CheckFlag",
    "CheckKind", "Department", "FrameworkIndicator", "FrameworkVersion", "LateEntryRequest", "LateState",
    "LoginSession", "Message", "Region", "RegionLevel", "ReportingPeriod", "RequestState", "Role",
    "RoleAssignment", "RoleScopeRegion", "Scope", "Severity", "State", "Submission", "User", "Value",
    "ValueHistory", "utcnow",
]

from zongheng.platform.models.approval import ApprovalChainStep, Covers, SubmissionApproval

__all__ += ["ApprovalChainStep", "Covers", "SubmissionApproval"]
