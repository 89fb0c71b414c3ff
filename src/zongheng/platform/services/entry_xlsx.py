"""The Excel round trip of a submission (Excel 填报模板): download pre-filled, upload with a dry run.

:func:`build_template` writes one workbook per submission: title rows (framework, period, region,
department, due date, and "合成演示数据" on a demo platform), the zh-CN headers, one row per
indicator in framework order with last period's value, the current value and comment, and a hidden
``标识`` sheet naming the submission, its framework version and its indicator codes. Headers,
titles and the identity are locked (sheet protection without a password: it guards against slips,
not against a person); the value and comment columns are open. Every text goes through
:func:`zongheng.io.safe_cells.set_cell`, so an indicator named ``=HYPERLINK(…)`` stays text.

:func:`dry_run` reads an upload without saving anything: the bytes are checked before any parser
sees them (size, a zip with ``[Content_Types].xml``, the unpacked size and ratio, so a zip bomb is
refused unopened), then the identity (a workbook of another submission is refused), then every
value cell with :func:`zongheng.platform.services.entry.read_value`; each refused cell is named
by sheet and reference (``填报!E7``) with what was expected. The result lists the changes (old →
new). :func:`confirm` saves exactly those changes through
:func:`~zongheng.platform.services.entry.save_entries` (checks and history run; all or nothing),
after checking that nothing changed in between.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from zongheng.i18n import register_messages
from zongheng.io.safe_cells import set_cell
from zongheng.io.zipcheck import inflates
from zongheng.platform.models import Department, Region, Submission
from zongheng.platform.services.entry import COMMENT_LIMIT, EDITABLE, Problem, read_value, save_entries
from zongheng.platform.services.org import current
from zongheng.platform.services.submissions import ValueRow, value_rows

__all__ = ["FORMAT", "MAX_BYTES", "Change", "DryRun", "build_template", "comment_digest", "confirm",
           "dry_run", "template_filename"]

register_messages({
    "pf_xlsx_no_file": ("请选择要上传的 Excel 文件（.xlsx）。", "Choose an Excel file (.xlsx) to upload."),
    "pf_xlsx_too_large": ("文件大小超过 {limit} MB，未读取。",
                          "The file is larger than {limit} MB; it was not read."),
    "pf_xlsx_not_xlsx": ("文件不是 Excel 工作簿（.xlsx）；请上传从本页面下载的填报模板。",
                         "The file is not an Excel workbook (.xlsx); upload the template downloaded here."),
    "pf_xlsx_bomb": ("文件解压后超过 {limit} MB 或压缩比异常（疑似压缩炸弹），未读取。",
                     "The file unpacks to more than {limit} MB or is compressed suspiciously well "
                     "(a zip bomb?); it was not read."),
    "pf_xlsx_unreadable": ("无法读取此工作簿（文件已损坏）。",
                           "The workbook cannot be read (the file is damaged)."),
    "pf_xlsx_no_identity": ("此工作簿不是本平台下载的填报模板（缺少“{sheet}”工作表）；请先下载本任务的模板。",
                            "This workbook is not a template downloaded here (no \"{sheet}\" sheet); "
                            "download this submission's template first."),
    "pf_xlsx_other_submission": ("此模板属于另一个报送任务（编号 {other}），不能上传到本任务（编号 {this}）；"
                                 "请下载本任务的模板。",
                                 "This template belongs to another submission (no. {other}), not to this "
                                 "one (no. {this}); download this submission's template."),
    "pf_xlsx_other_version": ("此模板的指标体系版本或指标与本任务不一致；请重新下载模板。",
                              "The template's framework version or indicators differ from this "
                              "submission's; download the template again."),
    "pf_xlsx_no_sheet": ("工作簿中没有“{sheet}”工作表。", "The workbook has no \"{sheet}\" sheet."),
    "pf_xlsx_no_header": ("“{sheet}”工作表中找不到表头（A 列为“代码”、E 列为“本期值”的行）。",
                          "No header row in sheet \"{sheet}\" (a row with 代码 in column A and 本期值 "
                          "in E)."),
    "pf_xlsx_too_many_rows": ("“{sheet}”工作表超过 {limit} 行，不是本任务的模板。",
                              "Sheet \"{sheet}\" has more than {limit} rows: not this submission's "
                              "template."),
    "pf_xlsx_no_code": ("{ref}：缺少指标代码（此行填了数值或说明）。",
                        "{ref}: no indicator code (the row has a value or a comment)."),
    "pf_xlsx_unknown_code": ("{ref}：指标代码“{code}”不属于此报送任务。",
                             "{ref}: indicator code \"{code}\" is not part of this submission."),
    "pf_xlsx_duplicate_code": ("{ref}：指标代码“{code}”重复（第 {first} 行已有）。",
                               "{ref}: indicator code \"{code}\" repeats row {first}."),
    "pf_xlsx_missing_code": ("“{sheet}”工作表缺少指标 {code}（{name}）的行。",
                             "Sheet \"{sheet}\" has no row for indicator {code} ({name})."),
    "pf_xlsx_not_number": ("{ref}（{code} {name}）：“{text}”不是数值；应填数值（如 1234.5、1,234），"
                           "无数据请留空或填“—”。",
                           "{ref} ({code} {name}): \"{text}\" is not a number; expected a number (e.g. "
                           "1234.5, 1,234), or blank or \"—\" for no value."),
    "pf_xlsx_percent_unit": ("{ref}（{code} {name}）：“{text}”带百分号，但计量单位是“{unit}”；"
                             "应填不带百分号的数值。",
                             "{ref} ({code} {name}): \"{text}\" has a percent sign but the unit is "
                             "\"{unit}\"; expected a number without it."),
    "pf_xlsx_formula": ("{ref}（{code} {name}）：公式“{text}”没有计算结果（文件未经 Excel 计算保存）；"
                        "应填数值，或在 Excel 中打开、保存后再上传。",
                        "{ref} ({code} {name}): formula \"{text}\" has no computed result (the file was not "
                        "saved by Excel); expected a number, or open and save it in Excel first."),
    "pf_xlsx_error_cell": ("{ref}（{code} {name}）：单元格是错误值 {text}；应填数值，无数据请留空或填“—”。",
                           "{ref} ({code} {name}): the cell is the error {text}; expected a number, or "
                           "blank or \"—\" for no value."),
    "pf_xlsx_boolean": ("{ref}（{code} {name}）：“{text}”是逻辑值，不是数值。",
                        "{ref} ({code} {name}): \"{text}\" is a true/false value, not a number."),
    "pf_xlsx_date": ("{ref}（{code} {name}）：单元格是日期或时间 {text}，不是数值。",
                     "{ref} ({code} {name}): the cell is a date or time ({text}), not a number."),
    "pf_xlsx_comment_long": ("{ref}（{code} {name}）：说明超过 {limit} 字。",
                             "{ref} ({code} {name}): the comment is longer than {limit} characters."),
    "pf_xlsx_comment_bad": ("{ref}（{code} {name}）：说明单元格是错误值或无结果的公式“{text}”；应填文字。",
                            "{ref} ({code} {name}): the comment cell is an error or a formula without "
                            "result (\"{text}\"); expected text."),
    "pf_xlsx_stale": ("预览之后数据已被修改（{code} {name}），本次未保存；请重新上传。",
                      "The data changed after the preview ({code} {name}); nothing was saved, upload "
                      "again."),
})

FORMAT = "zongheng-entry-1"
"""What the identity sheet says the workbook is; a later layout gets a new one."""

SHEET = "填报"
ID_SHEET = "标识"
HEADERS = ("代码", "指标", "单位", "上期", "本期值", "说明")
CODE_COL, VALUE_COL, COMMENT_COL = 1, 5, 6  # A, E, F
HEADER_ROW = 5
VALUE_FORMAT = "#,##0.00##########"
"""Thousands separators, two decimals at least and every decimal kept up to 12: nothing rounded away."""

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
MAX_MEMBERS = 200
MAX_ROWS = 5000
MB = 1024 * 1024


# -- download ----------------------------------------------------------------------------------------

def _names(session: Session, submission: Submission) -> tuple[str, str]:
    region = current(session, Region, submission.region_code)
    dept = current(session, Department, submission.department_code)
    return (region.name if region else submission.region_code,
            dept.name if dept else submission.department_code)


def template_filename(session: Session, submission: Submission) -> str:
    """Return the template's file name (填报模板文件名): ``小指标体系_2024_甲县_部门DA_填报模板.xlsx``."""
    region, dept = _names(session, submission)
    parts = (submission.version.name, submission.period, region, dept, "填报模板")
    # Characters a file system or a header would trip on become "_".
    return "_".join("".join("_" if c in '\\/:*?"<>|\r\n\t' else c for c in p) for p in parts) + ".xlsx"


def _previous_header(rows: list[ValueRow]) -> str:
    periods = sorted({r.previous_period for r in rows if r.previous_period}, reverse=True)
    return f"{HEADERS[3]}（{'/'.join(periods)}）" if periods else HEADERS[3]


def build_template(session: Session, submission_id: int, *, demo: bool) -> bytes:
    """Write the pre-filled template of a submission (生成填报模板) and return the xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.protection import SheetProtection

    submission, rows = value_rows(session, submission_id)
    region, dept = _names(session, submission)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    version = submission.version
    set_cell(sheet.cell(1, 1), f"{version.name}（{version.year} 版）填报模板").font = Font(bold=True, size=14)
    set_cell(sheet.cell(2, 1), f"报送期：{submission.period}　地区：{region}　部门：{dept}　"
                               f"截止日期：{submission.due_date.isoformat()}　报送任务编号：{submission.id}")
    set_cell(sheet.cell(3, 1), "只填写“本期值”和“说明”两列；无数据请留空或填“—”。"
                               "不要改动其他单元格，上传时会先预览检查，确认后才保存。")
    if demo:
        set_cell(sheet.cell(4, 1), "合成演示数据：地区名称真实，数值由程序生成，不代表任何地区的真实情况。"
                 ).font = Font(bold=True, color="B00020")
    headers = list(HEADERS)
    headers[3] = _previous_header(rows)
    fill = PatternFill("solid", fgColor="DDE6F0")
    for col, title in enumerate(headers, start=1):
        cell = set_cell(sheet.cell(HEADER_ROW, col), title)
        cell.font, cell.fill = Font(bold=True), fill
    open_cell = Protection(locked=False)
    for n, row in enumerate(rows, start=HEADER_ROW + 1):
        indicator = row.indicator
        set_cell(sheet.cell(n, 1), indicator.code)
        set_cell(sheet.cell(n, 2), indicator.name)
        set_cell(sheet.cell(n, 3), indicator.unit)
        previous = sheet.cell(n, 4, row.previous)
        previous.number_format = VALUE_FORMAT
        value = sheet.cell(n, VALUE_COL, row.value.value)
        value.number_format, value.protection = VALUE_FORMAT, open_cell
        comment = set_cell(sheet.cell(n, COMMENT_COL), row.value.comment or None)
        comment.protection = open_cell
        comment.alignment = Alignment(wrap_text=True)
    for letter, width in zip("ABCDEF", (12, 36, 10, 16, 16, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    # No password: the lock stops slips (typing over a code), and a person may lift it; the upload
    # checks the codes and the identity anyway.
    sheet.protection = SheetProtection(sheet=True, formatColumns=False, formatRows=False,
                                       selectLockedCells=False)

    identity = book.create_sheet(ID_SHEET)
    facts = (("格式", FORMAT), ("报送任务编号", submission.id), ("指标体系版本编号", version.id),
             ("指标体系", version.key), ("年度版本", version.year), ("报送期", submission.period),
             ("地区代码", submission.region_code), ("部门代码", submission.department_code))
    for n, (label, fact) in enumerate(facts, start=1):
        set_cell(identity.cell(n, 1), label)
        set_cell(identity.cell(n, 2), fact)
    set_cell(identity.cell(len(facts) + 2, 1), "指标代码")
    for n, row in enumerate(rows, start=len(facts) + 3):
        set_cell(identity.cell(n, 1), row.indicator.code)
    identity.protection = SheetProtection(sheet=True)
    identity.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- upload ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One value or comment the upload would change (old → new)."""

    value_id: int
    code: str
    name: str
    unit: str
    cell: str
    old_value: float | None
    new_value: float | None
    old_comment: str
    new_comment: str

    @property
    def value_changed(self) -> bool:
        """The value changes (not only the comment)."""
        return self.old_value != self.new_value

    @property
    def comment_changed(self) -> bool:
        """The comment changes."""
        return self.old_comment != self.new_comment


@dataclass
class DryRun:
    """What an upload would do (试导入结果): every problem cell, or the changes; nothing saved."""

    sha256: str
    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem: the changes may be confirmed."""
        return not self.problems


def _sniff(data: bytes) -> Problem | None:
    """Refuse what is not a small, honest xlsx before any parser opens it."""
    if len(data) > MAX_BYTES:
        return Problem("pf_xlsx_too_large", {"limit": MAX_BYTES // MB})
    if not data.startswith(b"PK\x03\x04"):
        return Problem("pf_xlsx_not_xlsx", {})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Problem("pf_xlsx_not_xlsx", {})
    if "[Content_Types].xml" not in {m.filename for m in members}:
        return Problem("pf_xlsx_not_xlsx", {})
    if len(members) > MAX_MEMBERS or inflates(members, MAX_UNPACKED):
        return Problem("pf_xlsx_bomb", {"limit": MAX_UNPACKED // MB})
    return None


def _ref(sheet: str, row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{sheet}!{get_column_letter(col)}{row}"


def _rows(book: Any, name: str, max_col: int) -> list[tuple[Any, ...]]:
    """Return up to MAX_ROWS + 1 rows of cells (A..max_col) of a read-only sheet."""
    out = []
    for cells in book[name].iter_rows(min_row=1, max_col=max_col):
        out.append(tuple(cells) + (None,) * (max_col - len(cells)))
        if len(out) > MAX_ROWS:
            break
    return out


def _value(cell: Any) -> Any:
    return None if cell is None else cell.value


def _kind(cell: Any) -> str:
    return "n" if cell is None else getattr(cell, "data_type", "n")


def _plain(number: float | int) -> str:
    # repr round-trips a float exactly through the number parser.
    return repr(float(number)) if isinstance(number, float) else str(number)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_identity(book: Any, submission: Submission, codes: list[str]) -> Problem | None:
    if ID_SHEET not in book.sheetnames:
        return Problem("pf_xlsx_no_identity", {"sheet": ID_SHEET})
    rows = [tuple(_value(c) for c in r) for r in _rows(book, ID_SHEET, 2)]
    facts = {r[0]: r[1] for r in rows if r and isinstance(r[0], str)}
    if facts.get("格式") != FORMAT:
        return Problem("pf_xlsx_no_identity", {"sheet": ID_SHEET})
    other = facts.get("报送任务编号")
    if str(other).strip() != str(submission.id):
        return Problem("pf_xlsx_other_submission", {"other": _text(other), "this": submission.id})
    start = next((i for i, r in enumerate(rows) if r[0] == "指标代码"), len(rows)) + 1
    listed = [str(r[0]) for r in rows[start:] if r[0] not in (None, "")]
    if str(facts.get("指标体系版本编号")) != str(submission.version_id) or listed != codes:
        return Problem("pf_xlsx_other_version", {})
    return None


def _read_value_cell(shown: Any, formula: Any, ref: str, row: ValueRow,
                     problems: list[Problem]) -> tuple[bool, float | None]:
    """Read one 本期值 cell; return (read, value) or note its problem and return (False, None)."""
    indicator = row.indicator
    where = {"ref": ref, "code": indicator.code, "name": indicator.name, "unit": indicator.unit}
    value, kind = _value(shown), _kind(shown)
    if _kind(formula) == "f" and value is None:
        problems.append(Problem("pf_xlsx_formula", {**where, "text": str(_value(formula))}))
        return False, None
    if kind == "e":
        problems.append(Problem("pf_xlsx_error_cell", {**where, "text": str(value)}))
        return False, None
    if isinstance(value, bool):
        problems.append(Problem("pf_xlsx_boolean", {**where, "text": "TRUE" if value else "FALSE"}))
        return False, None
    if isinstance(value, datetime | date | time | timedelta):
        problems.append(Problem("pf_xlsx_date", {**where, "text": str(value)}))
        return False, None
    typed = "" if value is None else _plain(value) if isinstance(value, int | float) else str(value)
    try:
        return True, read_value(typed, indicator.unit)
    except ValueError as exc:
        key = "pf_xlsx_percent_unit" if exc.args[0] == "percent" else "pf_xlsx_not_number"
        problems.append(Problem(key, {**where, "text": typed.strip()}))
        return False, None


def _read_comment_cell(shown: Any, formula: Any, ref: str, row: ValueRow,
                       problems: list[Problem]) -> str | None:
    indicator = row.indicator
    where = {"ref": ref, "code": indicator.code, "name": indicator.name}
    value = _value(shown)
    if _kind(shown) == "e" or (_kind(formula) == "f" and value is None):
        problems.append(Problem("pf_xlsx_comment_bad", {**where, "text": str(_value(formula))}))
        return None
    comment = "" if value is None else _text(value).strip()
    if len(comment) > COMMENT_LIMIT:
        problems.append(Problem("pf_xlsx_comment_long", {**where, "limit": COMMENT_LIMIT}))
        return None
    return comment


def dry_run(session: Session, submission_id: int, data: bytes) -> DryRun:
    """Read an uploaded template without saving (试导入): every problem cell and the changes.

    Parameters
    ----------
    data : bytes
        The uploaded file as it came.
    """
    result = DryRun(hashlib.sha256(data).hexdigest())
    submission, rows = value_rows(session, submission_id)
    if submission.state not in EDITABLE:
        result.problems.append(Problem("pf_entry_closed", {"state": f"pf_state_{submission.state}"}))
        return result
    refused = _sniff(data)
    if refused is not None:
        result.problems.append(refused)
        return result
    from openpyxl import load_workbook

    try:
        shown_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formula_book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors …) for a damaged file
        result.problems.append(Problem("pf_xlsx_unreadable", {}))
        return result
    try:
        _read_sheet(shown_book, formula_book, submission, rows, result)
    except Exception:  # a damaged sheet part surfaces only while the rows are read
        result.problems = [Problem("pf_xlsx_unreadable", {})]
        result.changes = []
    finally:
        shown_book.close()
        formula_book.close()
    return result


def _header_row(cells: list[tuple[Any, ...]]) -> int | None:
    for n, row in enumerate(cells[:20]):
        if _value(row[CODE_COL - 1]) == HEADERS[0] and _value(row[VALUE_COL - 1]) == HEADERS[4]:
            return n
    return None


def _read_sheet(shown_book: Any, formula_book: Any, submission: Submission, rows: list[ValueRow],
                result: DryRun) -> None:
    problems = result.problems
    codes = [r.indicator.code for r in rows]
    identity = _read_identity(shown_book, submission, codes)
    if identity is not None:
        problems.append(identity)
        return
    if SHEET not in shown_book.sheetnames:
        problems.append(Problem("pf_xlsx_no_sheet", {"sheet": SHEET}))
        return
    shown, formulas = _rows(shown_book, SHEET, COMMENT_COL), _rows(formula_book, SHEET, COMMENT_COL)
    if len(shown) > MAX_ROWS:
        problems.append(Problem("pf_xlsx_too_many_rows", {"sheet": SHEET, "limit": MAX_ROWS}))
        return
    header = _header_row(shown)
    if header is None:
        problems.append(Problem("pf_xlsx_no_header", {"sheet": SHEET}))
        return
    by_code = {r.indicator.code: r for r in rows}
    seen: dict[str, int] = {}
    for index in range(header + 1, len(shown)):
        line = index + 1
        cells = shown[index]
        formula_cells = formulas[index] if index < len(formulas) else (None,) * COMMENT_COL
        code_value = _value(cells[CODE_COL - 1])
        code = "" if code_value is None else _text(code_value).strip()
        if not code:
            if any(_value(c) not in (None, "") for c in (cells[VALUE_COL - 1], cells[COMMENT_COL - 1])):
                problems.append(Problem("pf_xlsx_no_code", {"ref": _ref(SHEET, line, CODE_COL)}))
            continue
        code_ref = _ref(SHEET, line, CODE_COL)
        if code not in by_code:
            problems.append(Problem("pf_xlsx_unknown_code", {"ref": code_ref, "code": code}))
            continue
        if code in seen:
            problems.append(Problem("pf_xlsx_duplicate_code",
                                    {"ref": code_ref, "code": code, "first": seen[code]}))
            continue
        seen[code] = line
        row = by_code[code]
        value_ref = _ref(SHEET, line, VALUE_COL)
        read, number = _read_value_cell(cells[VALUE_COL - 1], formula_cells[VALUE_COL - 1], value_ref, row,
                                        problems)
        comment = _read_comment_cell(cells[COMMENT_COL - 1], formula_cells[COMMENT_COL - 1],
                                     _ref(SHEET, line, COMMENT_COL), row, problems)
        if not read or comment is None:
            continue
        old_comment = row.value.comment or ""
        if number != row.value.value or comment != old_comment:
            result.changes.append(Change(row.value.id, code, row.indicator.name, row.indicator.unit,
                                         value_ref, row.value.value, number, old_comment, comment))
    missing = Counter(codes) - Counter(seen)
    for code in codes:
        if code in missing:
            problems.append(Problem("pf_xlsx_missing_code", {"sheet": SHEET, "code": code,
                                                             "name": by_code[code].indicator.name}))
    if problems:
        result.changes = []


def comment_digest(comment: str) -> str:
    """Return a short digest of a comment: the confirmation carries it instead of the old text."""
    return hashlib.sha256(comment.encode()).hexdigest()[:32]


def confirm(session: Session, submission: Submission, changes: list[dict[str, Any]], *, user_id: int | None,
            sha256: str) -> int:
    """Save the changes of a confirmed dry run (确认导入) through the entry service; all or nothing.

    Parameters
    ----------
    changes : list of dict
        ``{"id", "old", "new", "old_comment", "new_comment"}`` per changed value, as the dry run
        found them (the page carries them signed); ``old_comment`` is the digest of the comment
        (:func:`comment_digest`), which is all the staleness check needs.

    Returns
    -------
    int
        How many values or comments changed.

    Raises
    ------
    EntryError
        The submission is no longer editable, a value changed since the dry run, or a cell was
        refused; nothing was saved.
    """
    from zongheng.platform.services import audit
    from zongheng.platform.services.entry import EntryError

    values = {v.id: v for v in submission.values}
    stale = []
    for change in changes:
        value = values.get(change["id"])
        if (value is None or value.value != change["old"]
                or comment_digest(value.comment or "") != change["old_comment"]):
            indicator = value.indicator if value is not None else None
            stale.append(Problem("pf_xlsx_stale", {"code": indicator.code if indicator else change["id"],
                                                   "name": indicator.name if indicator else ""}))
    if stale:
        raise EntryError(stale)
    typed = {c["id"]: "" if c["new"] is None else _plain(c["new"]) for c in changes if c["new"] != c["old"]}
    comments = {c["id"]: c["new_comment"] for c in changes
                if comment_digest(c["new_comment"]) != c["old_comment"]}
    changed = save_entries(session, submission, typed, comments, user_id=user_id)
    audit.record(session, "submission.xlsx_upload", user_id=user_id, object_type="submission",
                 object_id=submission.id, sha256=sha256, changed=changed)
    return changed
