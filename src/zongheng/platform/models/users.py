"""Users and their roles (用户与角色).

A user holds any number of role assignments; each assignment is a role with a scope: the own unit
(本单位), the own unit and everything below it (本级及下级), or a chosen set of regions (指定范围).
"View unapproved data" (查看未审核数据) is a separate right on the assignment, because a 领导
who reads approved figures need not see a department's draft.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zongheng.platform.models.base import Base, utcnow

__all__ = ["Role", "RoleAssignment", "RoleScopeRegion", "Scope", "User"]


class Role(StrEnum):
    """Roles (角色)."""

    REPORTER = "reporter"     # 填报员: enters the values of their department's indicators
    APPROVER = "approver"     # 审核员: the department head who approves them
    ANALYST = "analyst"       # 汇总分析员 (经信局/统计局): sees everything, returns data, evaluates
    LEADER = "leader"         # 领导: reads
    CONGRESS = "congress"     # 人大: reads reports and follow-ups
    ADMIN = "admin"           # 管理员: users, frameworks, deadlines


class Scope(StrEnum):
    """How far an assignment reaches (权限范围)."""

    OWN = "own"               # 本单位: the assignment's region (and department, if it names one)
    BELOW = "below"           # 本级及下级: that region or department and every one under it
    SET = "set"               # 指定范围: the regions listed in role_scope_region


class User(Base):
    """A person who logs in (用户)."""

    __tablename__ = "app_user"   # "user" is a reserved word in PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Where 催办 and other notices are mailed when SMTP is set (empty: the in-app inbox only)."""
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id hash in PHC format (``$argon2id$v=19$m=…``)."""
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    """Failed attempts since the last successful login; too many lock the account for a while."""
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")


class RoleAssignment(Base):
    """One role held by a user, with its scope (角色授权)."""

    __tablename__ = "role_assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(8), default=Scope.OWN.value)
    region_code: Mapped[str | None] = mapped_column(String(64))
    """The region the scope starts from (``None`` with scope ``set``)."""
    department_code: Mapped[str | None] = mapped_column(String(64))
    """The department the scope starts from; ``None`` means every department of the regions."""
    view_unapproved: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="roles")
    regions: Mapped[list[RoleScopeRegion]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")


class RoleScopeRegion(Base):
    """A region in the chosen set of a ``set`` scope."""

    __tablename__ = "role_scope_region"
    __table_args__ = (UniqueConstraint("assignment_id", "region_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("role_assignment.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(String(64))
