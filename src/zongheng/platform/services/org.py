"""Organisation service (组织机构): add, rename and query the effective-dated trees.

Regions and departments share one shape (:class:`~zongheng.platform.models.org._Versioned`), so
every function here takes the model class: ``add(session, Region, …)``, ``below(session,
Department, "330784-TJJ", on=date(2024, 1, 1))``.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from zongheng.platform.models import Department, Region
from zongheng.platform.services import audit

__all__ = ["add", "below", "current", "rename", "valid_on", "version_on"]

Node = TypeVar("Node", Region, Department)


def valid_on(model: type[Node], on: date) -> ColumnElement[bool]:
    """Return the SQL condition that a row version holds on day ``on``."""
    return and_(model.valid_from <= on, or_(model.valid_to.is_(None), model.valid_to > on))


def version_on(session: Session, model: type[Node], code: str, on: date) -> Node | None:
    """Return the version of ``code`` that holds on ``on`` (``None`` if it did not exist then)."""
    query = select(model).where(model.code == code, valid_on(model, on))
    return session.scalars(query).one_or_none()


def current(session: Session, model: type[Node], code: str) -> Node | None:
    """Return the open version of ``code`` (``valid_to`` unset)."""
    return session.scalars(select(model).where(model.code == code, model.valid_to.is_(None))).one_or_none()


def add(session: Session, model: type[Node], code: str, name: str, *, parent: str | None = None,
        valid_from: date = date(2000, 1, 1), actor: int | None = None, **columns: object) -> Node:
    """Add a region or department (新增), under ``parent`` as it stands on ``valid_from``.

    Raises
    ------
    ValueError
        The parent did not exist on that day, or ``code`` is already open.
    """
    if current(session, model, code) is not None:
        raise ValueError(f"{model.__tablename__} {code!r} already exists")
    prefix = "/"
    if parent is not None:
        up = version_on(session, model, parent, valid_from)
        if up is None:
            raise ValueError(f"parent {parent!r} of {code!r} does not exist on {valid_from}")
        prefix = up.path
    node = model(code=code, name=name, parent_code=parent, path=f"{prefix}{code}/",
                 valid_from=valid_from, **columns)
    session.add(node)
    session.flush()
    audit.record(session, f"{model.__tablename__}.add", user_id=actor, object_type=model.__tablename__,
                 object_id=code, name=name, parent=parent, valid_from=valid_from)
    return node


def rename(session: Session, model: type[Node], code: str, name: str, on: date, *, actor: int | None = None,
           **columns: object) -> Node:
    """Rename from day ``on`` (更名、撤县设区): close the open version and open a new one.

    The code, the parent and the path stay, so scopes and submissions keep pointing at it; the old
    name stays readable for the days it held.
    """
    old = current(session, model, code)
    if old is None:
        raise ValueError(f"{model.__tablename__} {code!r} has no open version")
    if on <= old.valid_from:
        raise ValueError(f"{code!r}: a new version must start after {old.valid_from}, got {on}")
    old.valid_to = on
    keep = {c: getattr(old, c) for c in ("parent_code", "path")}
    if model is Region:
        keep["level"] = old.level
    else:
        keep |= {"region_code": old.region_code, "short_name": old.short_name}
    new = model(code=code, name=name, valid_from=on, **(keep | columns))
    session.add(new)
    session.flush()
    audit.record(session, f"{model.__tablename__}.rename", user_id=actor, object_type=model.__tablename__,
                 object_id=code, old=old.name, new=name, on=on)
    return new


def below(session: Session, model: type[Node], code: str, *, on: date | None = None,
          include_self: bool = True) -> list[Node]:
    """Return ``code`` and everything under it on day ``on`` (本级及下级), by materialised path."""
    on = on or date.today()
    top = version_on(session, model, code, on)
    if top is None:
        return []
    query = select(model).where(model.path.startswith(top.path, autoescape=True), valid_on(model, on))
    if not include_self:
        query = query.where(model.code != code)
    return list(session.scalars(query.order_by(model.path)))
