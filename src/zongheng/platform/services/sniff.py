"""What a file is, read from its bytes (文件类型识别): the types accepted as evidence, and why not.

The browser's Content-Type and the file's extension are claims; the content decides. A few bytes
at the start tell PDF and the image formats apart; a ZIP is an Office Open XML document (Word,
Excel, PowerPoint: told apart by their part folders) or an OFD document (China's electronic
document format, ``OFD.xml`` at the root) by the names of its members; a legacy Office file is a
Compound File whose directory names its main stream (``WordDocument``, ``Workbook``,
``PowerPoint Document``); plain text is valid UTF-8 or GB18030 with no control characters. Web
pages, SVG, scripts, programs, documents with macros and anything unknown are refused.

Magic bytes in one small module rather than libmagic: no system library to install on a
government intranet, and the list of accepted types is short.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from zongheng.io.zipcheck import inflates

__all__ = ["ACCEPTED", "Kind", "Refusal", "label_of", "sniff"]


@dataclass(frozen=True)
class Kind:
    """An accepted type: its name, media type and the extensions it may carry."""

    key: str
    label: str
    media_type: str
    extensions: tuple[str, ...]


@dataclass(frozen=True)
class Refusal:
    """Content that is not accepted: a message key saying what it looks like."""

    found: str


def _kinds(*rows: tuple[str, str, str, tuple[str, ...]]) -> dict[str, Kind]:
    return {row[0]: Kind(*row) for row in rows}


ACCEPTED = _kinds(
    ("pdf", "PDF", "application/pdf", ("pdf",)),
    ("png", "PNG", "image/png", ("png",)),
    ("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg")),
    ("gif", "GIF", "image/gif", ("gif",)),
    ("webp", "WebP", "image/webp", ("webp",)),
    ("docx", "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    ("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    ("pptx", "PowerPoint",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
    ("ofd", "OFD", "application/ofd", ("ofd",)),
    # Kingsoft WPS saves its own .wps/.et/.dps in the same Compound File layout as .doc/.xls/.ppt.
    ("doc", "Word 97-2003", "application/msword", ("doc", "wps")),
    ("xls", "Excel 97-2003", "application/vnd.ms-excel", ("xls", "et")),
    ("ppt", "PowerPoint 97-2003", "application/vnd.ms-powerpoint", ("ppt", "dps")),
    ("txt", "TXT", "text/plain", ("txt",)),
    ("csv", "CSV", "text/csv", ("csv",)),
)
"""Every accepted type by key (pdf, png, …); ``txt`` and ``csv`` are the same content, named by extension."""

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
PROGRAMS = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
            b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\x00asm")
ARCHIVES = (b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")
# C0 controls other than tab, line feed, form feed and carriage return, and DEL: not text. They
# cannot occur inside a UTF-8 or GB18030 multi-byte character, so the bytes can be searched.
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MARKUP = ("<!doctype", "<html", "<script", "<svg", "<?xml", "<iframe", "<body", "<head", "<object",
          "<embed", "javascript:")
MACRO_STREAMS = {"_vba_project_cur", "_vba_project", "vba", "macros"}
FREE = 0xFFFFFFFA  # sector numbers above this are markers (end of chain, free, FAT sector)


def label_of(media_type: str) -> str:
    """Return the short name of an accepted media type (``application/pdf`` → ``PDF``)."""
    base = media_type.split(";")[0].strip()
    for kind in ACCEPTED.values():
        if kind.media_type == base:
            return kind.label
    return base


def _image(data: bytes) -> Kind | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return ACCEPTED["png"]
    if data.startswith(b"\xff\xd8\xff"):
        return ACCEPTED["jpeg"]
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ACCEPTED["gif"]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ACCEPTED["webp"]
    return None


def _declares_entities(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> bool:
    """Tell whether an XML part starts with a DTD (entities: billion laughs, external files).

    Office Open XML forbids DTDs in its parts, so only an attack has one; the start of each part
    (where a DOCTYPE must be) is read, never the whole.
    """
    for member in members:
        if member.filename.lower().endswith((".xml", ".rels")):
            with archive.open(member) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                return True
    return False


def _zip(data: bytes) -> Kind | Refusal:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = [m.filename for m in members]
            if inflates(members):
                return Refusal("pf_sniff_bomb")
            if _declares_entities(archive, members):
                return Refusal("pf_sniff_entities")
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return Refusal("pf_sniff_broken")
    lower = [n.lower() for n in names]
    if "ofd.xml" in lower:
        return ACCEPTED["ofd"]
    if "[content_types].xml" not in lower:
        return Refusal("pf_sniff_archive")
    if any(n.endswith("vbaproject.bin") for n in lower):
        return Refusal("pf_sniff_macro")
    found = {key for key, folder in (("docx", "word/"), ("xlsx", "xl/"), ("pptx", "ppt/"))
             if any(n.startswith(folder) for n in lower)}
    return ACCEPTED[found.pop()] if len(found) == 1 else Refusal("pf_sniff_archive")


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at:at + 4], "little")


def _ole_names(data: bytes) -> set[str]:
    """Return the names in a Compound File's directory (MS-CFB); ValueError if it is damaged."""
    shift = int.from_bytes(data[30:32], "little")
    if len(data) < 512 or shift not in (9, 12):
        raise ValueError("header")
    size = 1 << shift

    def sector(n: int) -> bytes:
        chunk = data[(n + 1) * size:(n + 2) * size]
        if len(chunk) != size:
            raise ValueError("sector")
        return chunk

    fat_sectors = [_u32(data, 76 + 4 * i) for i in range(109)]
    difat, hops = _u32(data, 68), 0
    while difat <= FREE:            # further FAT sector numbers, for files above ~7 MB
        hops += 1
        if hops > len(data) // size:
            raise ValueError("loop")
        block = sector(difat)
        fat_sectors += [_u32(block, 4 * i) for i in range(size // 4 - 1)]
        difat = _u32(block, size - 4)
    fat = b"".join(sector(n) for n in fat_sectors if n <= FREE)
    names: set[str] = set()
    current, hops = _u32(data, 48), 0
    while current <= FREE:
        hops += 1
        if hops > len(fat) // 4 or 4 * current + 4 > len(fat):
            raise ValueError("directory")
        block = sector(current)
        for at in range(0, size, 128):
            entry = block[at:at + 128]
            length, kind = int.from_bytes(entry[64:66], "little"), entry[66]
            if kind in (1, 2) and 2 <= length <= 64:
                names.add(entry[:length - 2].decode("utf-16-le", "replace"))
        current = _u32(fat, 4 * current)
    return names


def _ole(data: bytes) -> Kind | Refusal:
    try:
        names = _ole_names(data)
    except ValueError:
        return Refusal("pf_sniff_broken")
    if {n.lower() for n in names} & MACRO_STREAMS:
        return Refusal("pf_sniff_macro")
    if "WordDocument" in names:
        return ACCEPTED["doc"]
    if "Workbook" in names or "Book" in names:
        return ACCEPTED["xls"]
    if "PowerPoint Document" in names:
        return ACCEPTED["ppt"]
    return Refusal("pf_sniff_unknown")


def _text(data: bytes) -> tuple[Kind, str] | Refusal:
    if CONTROL.search(data):
        return Refusal("pf_sniff_unknown")
    for encoding, charset in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        try:
            content = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        lowered = content.lstrip("\ufeff \t\r\n").lower()
        if lowered.startswith("<") or any(m in lowered for m in MARKUP):
            return Refusal("pf_sniff_markup")
        if lowered.startswith("#!"):
            return Refusal("pf_sniff_program")
        return ACCEPTED["txt"], charset
    return Refusal("pf_sniff_unknown")


def sniff(data: bytes) -> tuple[Kind, str] | Refusal:
    """Tell what ``data`` is (识别文件类型): an accepted kind with its text charset, or a refusal.

    Returns
    -------
    (Kind, str) or Refusal
        The kind and, for text, ``"utf-8"`` or ``"gb18030"`` (``""`` otherwise); or a
        :class:`Refusal` whose ``found`` is a message key saying what the content looks like.

    Examples
    --------
    >>> sniff(b"%PDF-1.7\\n%%EOF")[0].key
    'pdf'
    >>> sniff("年份,产值\\n2024,12.5\\n".encode("gb18030"))[1]
    'gb18030'
    >>> sniff(b"<html><script>alert(1)</script></html>").found
    'pf_sniff_markup'
    """
    if not data:
        return Refusal("pf_sniff_empty")
    if data.startswith(b"%PDF-"):
        return ACCEPTED["pdf"], ""
    image = _image(data)
    if image is not None:
        return image, ""
    if data.startswith(ZIP):
        found = _zip(data)
        return (found, "") if isinstance(found, Kind) else found
    if data.startswith(OLE):
        found = _ole(data)
        return (found, "") if isinstance(found, Kind) else found
    if data.startswith(PROGRAMS):
        return Refusal("pf_sniff_program")
    if data.startswith(ARCHIVES):
        return Refusal("pf_sniff_archive")
    return _text(data)
