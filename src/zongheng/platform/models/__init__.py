"""Platform tables (数据表), SQLAlchemy 2 declarative with typed columns; one module per concept."""

from zongheng.platform.models.audit import GENESIS, AuditEvent, AuditHead
from zongheng.platform.models.base import Base, utcnow
from zongheng.platform.models.frameworks import FrameworkIndicator, FrameworkVersion
from zongheng.platform.models.org import Department, Region, RegionLevel
from zongheng.platform.models.sessions import LoginSession
from zongheng.platform.models.submissions import UNAPPROVED, State, Submission, Value, ValueHistory
from zongheng.platform.models.users import Role, RoleAssignment, RoleScopeRegion, Scope, User

__all__ = [
    "GENESIS", "UNAPPROVED", "AuditEvent", "AuditHead", "Base", "Department", "FrameworkIndicator",
    "FrameworkVersion", "LoginSession", "Region", "RegionLevel", "Role", "RoleAssignment",
    "RoleScopeRegion", "Scope", "State", "Submission", "User", "Value", "ValueHistory", "utcnow",
]
from zongheng.platform.models.change_requests import ChangeRequest, RequestState

__all__ += ["ChangeRequest", "RequestState"]
