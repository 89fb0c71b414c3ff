"""Text files (文本文件): decode UTF-8 (with or without BOM) or GB18030/GBK.

A leaf module (no pandas), so that reading a method or framework YAML file
does not load the table readers.
"""

from __future__ import annotations

import re
from pathlib import Path

from zongheng.errors import DataError, Problem

__all__ = ["CONTROL_CHARS", "clean_text", "decode", "read_text_any"]

CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""C0 control characters other than tab, line feed and carriage return (XML 1.0 forbids them)."""


def clean_text(text: str) -> str:
    """Return ``text`` without control characters (清除控制字符); see :mod:`zongheng.io.cells`."""
    return CONTROL_CHARS.sub("", text) if CONTROL_CHARS.search(text) else text

ENCODINGS = ("utf-8-sig", "gb18030")
"""Tried in order: UTF-8 (a BOM is dropped), then GB18030, which covers GBK and GB2312."""


def decode(raw: bytes) -> str | None:
    """Return the bytes decoded as UTF-8 or GB18030, None when neither fits."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_text_any(path: str | Path) -> str:
    """Read a text file (YAML, CSV) saved as UTF-8 (with or without BOM) or GB18030/GBK.

    Raises
    ------
    DataError
        When neither encoding decodes it.
    """
    text = decode(Path(path).read_bytes())
    if text is None:
        raise DataError([Problem("file_encoding", file=Path(path).name)])
    return text
