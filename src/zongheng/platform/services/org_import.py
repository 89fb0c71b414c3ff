"""Import the organisation (组织机构导入): regions or departments from a CSV or Excel table.

One row per region (``代码, 名称, 上级, 层级``) or department (``代码, 名称, 上级, 所属地区, 简称``);
English headers (``code, name, parent, level, region, short_name``) read too. The import is
idempotent and effective-dated: a new code is added from the given day, a code whose name changed
is renamed from that day (a new version: 更名、撤县设区), an unchanged row is left alone. Every
problem (missing column, blank code, duplicate code, unknown parent or region, bad level, a cycle)
is reported at once with its file, row and column, and nothing is written unless all rows are good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from zongheng.errors import DataError, Problem
from zongheng.i18n import register_messages
from zongheng.io.zipcheck import check_zip
from zongheng.platform.models import Department, Region
from zongheng.platform.services import org

__all__ = ["OrgRow", "Outcome", "apply_rows", "import_org", "read_rows"]

register_messages({
    "org_no_column": ("缺少列“{column}”（可用表头：{aliases}）",
                      "the column '{column}' is missing (headers that read: {aliases})"),
    "org_blank": ("“{column}”为空", "'{column}' is blank"),
    "org_duplicate": ("代码 '{code}' 重复（首次出现在第 {first} 行）",
                      "the code '{code}' appears twice (first in row {first})"),
    "org_unknown_parent": ("上级 '{parent}' 既不在本表中，也不在平台中",
                           "the parent '{parent}' is neither in this table nor on the platform"),
    "org_unknown_region": ("所属地区 '{region}' 不在平台中", "the region '{region}' is not on the platform"),
    "org_bad_level": ("层级 '{level}' 应为 {allowed} 之一", "the level '{level}' must be one of {allowed}"),
    "org_cycle": ("代码 '{code}' 的上级关系成环", "the parents of '{code}' form a cycle"),
    "org_moved": ("代码 '{code}' 的上级由 '{old}' 改为 '{new}'：调整隶属关系请用新代码",
                  "the parent of '{code}' changes from '{old}' to '{new}': give a moved unit a new code"),
})

# Header → field, Chinese and English spellings.
HEADERS = {
    "code": ("代码", "编码", "code"), "name": ("名称", "name"),
    "parent": ("上级", "上级代码", "parent"),
    "level": ("层级", "level"), "region": ("所属地区", "地区", "region"),
    "short_name": ("简称", "short_name"),
}
REQUIRED = {"region": ("code", "name", "level"), "department": ("code", "name", "region")}
LEVELS = {"province": "province", "省": "province", "city": "city", "市": "city", "设区市": "city",
          "county": "county", "县": "county", "县（市、区）": "county", "town": "town", "乡镇": "town",
          "街道": "town", "园区": "town", "乡镇-园区": "town"}


@dataclass(frozen=True)
class OrgRow:
    """One row of the table, with the row number a spreadsheet shows (header = 1)."""

    row: int
    code: str
    name: str
    parent: str | None
    level: str | None = None
    region: str | None = None
    short_name: str = ""


@dataclass(frozen=True)
class Outcome:
    """What an import did."""

    added: tuple[str, ...]
    renamed: tuple[str, ...]
    unchanged: tuple[str, ...]


def read_rows(path: Path, kind: str) -> list[OrgRow]:
    """Read the table of ``kind`` ("region" or "department"); every problem at once (DataError)."""
    import pandas as pd

    from zongheng.io.text import read_text_any

    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            check_zip(path)     # before pandas unpacks anything
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            import io

            frame = pd.read_csv(io.StringIO(read_text_any(path)), dtype=str, keep_default_na=False)
    except DataError:
        raise
    except Exception as exc:  # a program named .xlsx, a broken zip, XML entities: the reader's reason
        detail = str(exc) or type(exc).__name__
        raise DataError([Problem("file_unreadable", {"detail": detail}, file=path.name)]) from None
    columns = {str(c).strip(): c for c in frame.columns}
    found = {field: next((columns[a] for a in aliases if a in columns), None)
             for field, aliases in HEADERS.items()}
    problems = [Problem("org_no_column", {"column": HEADERS[f][0], "aliases": "/".join(HEADERS[f])},
                        file=path.name) for f in REQUIRED[kind] if found[f] is None]
    if problems:
        raise DataError(problems)
    rows: list[OrgRow] = []
    for n, record in enumerate(frame.to_dict("records"), start=2):
        cell = {f: str(record[c]).strip() if c is not None else "" for f, c in found.items()}
        for f in REQUIRED[kind]:
            if not cell[f]:
                problems.append(Problem("org_blank", {"column": HEADERS[f][0]}, file=path.name, row=n,
                                        column=HEADERS[f][0]))
        level = None
        if kind == "region" and cell["level"]:
            level = LEVELS.get(cell["level"])
            if level is None:
                problems.append(Problem("org_bad_level", {"level": cell["level"],
                                                          "allowed": "、".join(sorted(set(LEVELS)))},
                                        file=path.name, row=n, column=HEADERS["level"][0]))
        rows.append(OrgRow(n, cell["code"], cell["name"], cell["parent"] or None, level,
                           cell["region"] or None, cell["short_name"]))
    if problems:
        raise DataError(problems)
    return rows


def apply_rows(session: Session, kind: str, rows: list[OrgRow], on: date, *, file: str = "",
               actor: int | None = None) -> Outcome:
    """Add, rename or keep each row from day ``on``, parents first; all or nothing."""
    model = Region if kind == "region" else Department
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for r in rows:
        if r.code in first:
            problems.append(Problem("org_duplicate", {"code": r.code, "first": first[r.code]}, file=file,
                                    row=r.row, column="代码"))
        first.setdefault(r.code, r.row)
    by_code = {r.code: r for r in rows}
    for r in rows:
        if r.parent and r.parent not in by_code and org.current(session, model, r.parent) is None:
            problems.append(Problem("org_unknown_parent", {"parent": r.parent}, file=file, row=r.row,
                                    column="上级"))
        if kind == "department" and r.region and org.current(session, Region, r.region) is None:
            problems.append(Problem("org_unknown_region", {"region": r.region}, file=file, row=r.row,
                                    column="所属地区"))
        existing = org.current(session, model, r.code)
        if existing is not None and existing.parent_code != r.parent:
            moved = {"code": r.code, "old": existing.parent_code or "—", "new": r.parent or "—"}
            problems.append(Problem("org_moved", moved, file=file, row=r.row, column="上级"))
    order = _parents_first(rows, problems, file)
    if problems:
        raise DataError(problems)
    added, renamed, unchanged = [], [], []
    for r in order:
        columns = {"level": r.level} if kind == "region" else {"region_code": r.region,
                                                                "short_name": r.short_name or r.name}
        existing = org.current(session, model, r.code)
        if existing is None:
            org.add(session, model, r.code, r.name, parent=r.parent, valid_from=on, actor=actor, **columns)
            added.append(r.code)
        elif existing.name != r.name:
            org.rename(session, model, r.code, r.name, on, actor=actor)
            renamed.append(r.code)
        else:
            unchanged.append(r.code)
    return Outcome(tuple(added), tuple(renamed), tuple(unchanged))


def _parents_first(rows: list[OrgRow], problems: list[Problem], file: str) -> list[OrgRow]:
    """Order rows so that a parent in the table comes before its children; report cycles."""
    by_code = {r.code: r for r in rows}
    done: set[str] = set()
    order: list[OrgRow] = []
    for r in rows:
        chain: list[OrgRow] = []
        node: OrgRow | None = r
        while node is not None and node.code not in done:
            if node in chain:
                problems.append(Problem("org_cycle", {"code": node.code}, file=file, row=node.row,
                                        column="上级"))
                return order
            chain.append(node)
            node = by_code.get(node.parent) if node.parent else None
        for item in reversed(chain):
            done.add(item.code)
            order.append(item)
    return order


def import_org(session: Session, path: Path, kind: str, on: date, *, actor: int | None = None) -> Outcome:
    """Read a table and apply it (组织机构导入); see the module's description."""
    return apply_rows(session, kind, read_rows(path, kind), on, file=path.name, actor=actor)

