"""Evidence files (佐证材料): add one to a value, remove one, list them, read their bytes.

A 填报员 attaches files to the values of a submission while it can be edited (draft, returned).
Each file is checked before anything is written: the submission's state, the number of files the
value already has, the size (read with a cap, never the whole body), the type read from the
content (:mod:`.sniff`) and that the extension agrees with it. The name is kept as uploaded but
made safe (:func:`safe_name`). The bytes go into the database in the same transaction as the row
and the audit event, so a file is saved whole or not at all, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from zongheng.i18n import register_messages
from zongheng.platform.models import Evidence, EvidenceContent, Submission, User, Value, utcnow
from zongheng.platform.services import audit
from zongheng.platform.services.entry import EDITABLE, Problem
from zongheng.platform.services.sniff import ACCEPTED, Refusal, label_of, sniff

__all__ = ["NAME_LIMIT", "EvidenceError", "Limits", "Listed", "add", "checked_file", "content", "listing",
           "remove", "safe_name", "size_text"]

register_messages({
    "pf_ev_unknown_value": ("所选指标不属于此报送任务。",
                            "The chosen indicator is not part of this submission."),
    "pf_ev_no_file": ("请选择要上传的文件。", "Choose a file to upload."),
    "pf_ev_empty": ("“{name}”是空文件，未上传。", "\"{name}\" is empty and was not uploaded."),
    "pf_ev_too_large": ("“{name}”超过单个文件 {limit} 的上限，未上传。",
                        "\"{name}\" is larger than the {limit} limit per file and was not uploaded."),
    "pf_ev_too_many": ("指标 {code} 已有 {limit} 个佐证材料，达到上限；请先删除不需要的文件。",
                       "Indicator {code} already has {limit} evidence files, the limit; remove one first."),
    "pf_ev_refused": ("“{name}”的内容是{found}，不能作为佐证材料上传。可上传：{accepted}。",
                      "\"{name}\" is {found} and cannot be uploaded as evidence. Accepted: {accepted}."),
    "pf_ev_mislabelled": ("“{name}”的扩展名是 .{ext}，但内容是 {kind} 文件；请改正扩展名后重新上传。",
                          "\"{name}\" is named .{ext} but its content is {kind}; correct the extension "
                          "and upload it again."),
    "pf_ev_accepted": ("PDF；PNG、JPEG、GIF、WebP 图片；Word、Excel、PowerPoint（docx/xlsx/pptx 及 97-2003 "
                       "格式 doc/xls/ppt，WPS 的 wps/et/dps）；OFD；纯文本或 CSV（UTF-8 或 GB18030 编码）",
                       "PDF; PNG, JPEG, GIF, WebP images; Word, Excel, PowerPoint (docx/xlsx/pptx and the "
                       "97-2003 doc/xls/ppt, WPS wps/et/dps); OFD; plain text or CSV (UTF-8 or GB18030)"),
    "pf_sniff_empty": ("空文件", "an empty file"),
    "pf_sniff_markup": ("网页或标记文件（HTML、SVG、XML 等）", "a web page or markup (HTML, SVG, XML …)"),
    "pf_sniff_program": ("程序或脚本", "a program or script"),
    "pf_sniff_archive": ("内容不明的压缩包", "an archive of unknown content"),
    "pf_sniff_macro": ("含宏（VBA）的 Office 文件", "an Office file with macros (VBA)"),
    "pf_sniff_broken": ("已损坏或无法读取的文件", "a damaged file that cannot be read"),
    "pf_sniff_bomb": ("解压后异常巨大的压缩包（疑似压缩炸弹）",
                      "an archive that unpacks to an abnormal size (a zip bomb)"),
    "pf_sniff_entities": ("含 DTD/实体声明的 Office 文件（XML 实体攻击）",
                          "an Office file declaring XML entities (a DTD: an XML entity attack)"),
    "pf_sniff_unknown": ("无法识别的格式", "a format that is not recognised"),
})

NAME_LIMIT = 120
"""Longest file name kept, in characters (the extension is kept when a name is cut)."""
DEFAULT_NAME = "佐证材料"
# Control and format characters (bidirectional overrides that make "exe.pdf" read "fdp.exe"),
# surrogates and line or paragraph separators never belong in a file name.
DROPPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


class EvidenceError(Exception):
    """An upload or removal that was refused (nothing saved); ``problems`` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Limits:
    """How large a file may be and how many files a value may have."""

    max_bytes: int
    max_files: int


@dataclass(frozen=True)
class Listed:
    """One live file as pages and the API list it."""

    id: int
    value_id: int
    name: str
    media_type: str
    size: int
    uploader: str | None
    uploaded_at: datetime

    @property
    def label(self) -> str:
        """Short type name (PDF, Word, …)."""
        return label_of(self.media_type)


def size_text(size: int) -> str:
    """Return a size with its unit: ``512 B``, ``1.5 KB``, ``20 MB`` (1 KB = 1024 B).

    Examples
    --------
    >>> size_text(512), size_text(1536), size_text(20 * 1024 * 1024)
    ('512 B', '1.5 KB', '20 MB')
    """
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")


def safe_name(raw: str) -> str:
    """Make an uploaded file name safe to keep and to offer back (文件名清理).

    Folders are dropped (``../../x.pdf`` → ``x.pdf``, ``C:\\a\\b.doc`` → ``b.doc``), so are
    control and format characters; leading and trailing dots and spaces go; runs of white space
    become one space; a name longer than :data:`NAME_LIMIT` is cut, keeping its extension. Chinese
    and other letters stay. HTML is not escaped here: the pages escape every name they show.

    Examples
    --------
    >>> safe_name("../../x.pdf"), safe_name("C:\\\\报表\\\\2024 年.xlsx"), safe_name("a\\u202egpj.exe")
    ('x.pdf', '2024 年.xlsx', 'agpj.exe')
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(" " if c in "\t\n\r\f\v" or unicodedata.category(c) == "Zs" else c for c in name
                   if c in "\t\n\r\f\v" or unicodedata.category(c) not in DROPPED)
    name = re.sub(" +", " ", name).strip(" .")
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:NAME_LIMIT - len(ext) - 1].rstrip(" .") + "." + ext) if dot and len(ext) <= 10 \
            else name[:NAME_LIMIT]
    return name


def _closed(submission: Submission) -> EvidenceError:
    return EvidenceError([Problem("pf_entry_closed", {"state": f"pf_state_{submission.state}"})])


def _refuse(key: str, **params: object) -> EvidenceError:
    return EvidenceError([Problem(key, params)])


def checked_file(filename: str, stream: BinaryIO | None, limits: Limits) -> tuple[str, str, bytes]:
    """Read an uploaded file and check it (校验上传文件): return its safe name, media type and bytes.

    The checks of every upload on the platform (佐证材料, 销号 evidence): not empty, at most
    ``limits.max_bytes``, a type sniffed from the content that is accepted, and an extension that
    agrees with it (a missing extension is added).

    Raises
    ------
    EvidenceError
        No file, or the file fails a check; the message names the file.
    """
    if stream is None:
        raise _refuse("pf_ev_no_file")
    name = safe_name(filename) or DEFAULT_NAME
    data = stream.read(limits.max_bytes + 1)
    if not data:
        raise _refuse("pf_ev_empty", name=name)
    if len(data) > limits.max_bytes:
        raise _refuse("pf_ev_too_large", name=name, limit=size_text(limits.max_bytes))
    found = sniff(data)
    if isinstance(found, Refusal):
        raise _refuse("pf_ev_refused", name=name, found=found.found, accepted="pf_ev_accepted")
    kind, charset = found
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot and stem else ""
    if kind.key == "txt" and ext in ("txt", "csv"):
        kind = ACCEPTED[ext]
    if not ext:
        name = f"{name}.{kind.extensions[0]}"
    elif ext not in kind.extensions:
        raise _refuse("pf_ev_mislabelled", name=name, ext=ext, kind=kind.label)
    media_type = kind.media_type + (f"; charset={charset}" if charset else "")
    return name, media_type, data


def add(session: Session, submission: Submission, value_id: int | None, filename: str,
        stream: BinaryIO | None, *, user_id: int | None, limits: Limits) -> Evidence:
    """Attach a file to a value of ``submission`` (上传佐证材料), or refuse it whole.

    Parameters
    ----------
    value_id : int
        The value the file supports; it must belong to ``submission``.
    filename : str
        The name the browser sent (made safe with :func:`safe_name`).
    stream : binary file
        The uploaded bytes; at most ``limits.max_bytes + 1`` are read.

    Raises
    ------
    EvidenceError
        The submission is not editable, the value is not one of it, the value has its
        ``limits.max_files`` files, or the file is empty, too large, of a type not accepted or
        named with an extension its content disagrees with. Nothing was written.
    """
    if submission.state not in EDITABLE:
        raise _closed(submission)
    value = session.get(Value, value_id) if value_id else None
    if value is None or value.submission_id != submission.id:
        raise _refuse("pf_ev_unknown_value")
    if stream is None:
        raise _refuse("pf_ev_no_file")
    # A write on the value row first: a second upload to the same value waits here and then
    # counts this one's file, so two at once cannot pass the limit together (SQLite and PostgreSQL).
    session.execute(update(Value).where(Value.id == value.id).values(updated_at=Value.updated_at)
                    .execution_options(synchronize_session=False))
    live = session.scalar(select(func.count()).select_from(Evidence).where(
        Evidence.value_id == value.id, Evidence.removed_at.is_(None)))
    if live >= limits.max_files:
        raise _refuse("pf_ev_too_many", code=value.indicator.code, limit=limits.max_files)
    name, media_type, data = checked_file(filename, stream, limits)
    row = Evidence(value_id=value.id, name=name, media_type=media_type, size=len(data),
                   sha256=hashlib.sha256(data).hexdigest(), uploaded_by=user_id, uploaded_at=utcnow(),
                   content=EvidenceContent(data=data))
    session.add(row)
    session.flush()
    audit.record(session, "evidence.add", user_id=user_id, object_type="evidence", object_id=row.id,
                 submission=submission.id, value=value.id, indicator=value.indicator.code, name=name,
                 media_type=media_type, size=row.size, sha256=row.sha256)
    return row


def remove(session: Session, row: Evidence, *, user_id: int | None) -> bool:
    """Remove a file (删除佐证材料): a soft delete, recorded; the bytes stay in the database.

    Returns ``False`` when the file was already removed (nothing changes).

    Raises
    ------
    EvidenceError
        The submission is not editable (submitted, approved or locked).
    """
    submission = row.value.submission
    if submission.state not in EDITABLE:
        raise _closed(submission)
    if row.removed_at is not None:
        return False
    row.removed_at, row.removed_by = utcnow(), user_id
    audit.record(session, "evidence.remove", user_id=user_id, object_type="evidence", object_id=row.id,
                 submission=submission.id, value=row.value_id, name=row.name, sha256=row.sha256)
    session.flush()
    return True


def listing(session: Session, value_ids: list[int]) -> dict[int, list[Listed]]:
    """Return the live files of each value (value id → files in upload order), in one query."""
    if not value_ids:
        return {}
    query = (select(Evidence.id, Evidence.value_id, Evidence.name, Evidence.media_type, Evidence.size,
                    User.username, Evidence.uploaded_at)
             .outerjoin(User, User.id == Evidence.uploaded_by)
             .where(Evidence.value_id.in_(value_ids), Evidence.removed_at.is_(None))
             .order_by(Evidence.id))
    out: dict[int, list[Listed]] = defaultdict(list)
    for row in session.execute(query):
        out[row.value_id].append(Listed(*row))
    return dict(out)


def content(session: Session, row: Evidence) -> bytes:
    """Return the bytes of a file."""
    return session.get(EvidenceContent, row.id).data
