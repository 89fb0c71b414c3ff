"""Zip bombs (压缩炸弹): refuse an .xlsx/.docx whose members unpack to far more than they weigh.

An .xlsx is a zip. A sheet of a few hundred kilobytes can stand for gigabytes of XML (deflate packs
repeated bytes about 1000 to 1), and a reader that unpacks it spends that memory or that time.
The members' declared sizes tell it before anything is unpacked, and they cannot lie: CPython's
zipfile stops a member at its declared size and fails its CRC check if the data would go on.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from zongheng.errors import DataError, Problem
from zongheng.i18n import register_messages

__all__ = ["MAX_RATIO", "MAX_UNPACKED", "check_zip", "inflates"]

MAX_RATIO = 200
"""Office XML packs about 5–20 to 1; a member of over 1 MB packed far tighter is a bomb, not data."""
MAX_UNPACKED = 1024**3
"""Whatever its ratio, a workbook that unpacks to more than 1 GiB is not read."""
_MB = 1024 * 1024

register_messages({
    "file_bomb": ("文件解压后超过 {limit} MB 或压缩比异常（超过 {ratio}:1，疑似压缩炸弹），未读取",
                  "the file unpacks to over {limit} MB or packs over {ratio}:1 (a zip bomb): not read"),
})


def inflates(members: list[zipfile.ZipInfo], limit: int = MAX_UNPACKED) -> bool:
    """Tell whether an archive's members make a zip bomb, by their declared sizes.

    A bomb unpacks to over ``limit`` bytes in all, or has a member of over 1 MB packed at more
    than :data:`MAX_RATIO` to 1.
    """
    return sum(m.file_size for m in members) > limit or any(
        m.file_size > _MB and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)


def check_zip(path: str | Path, limit: int = MAX_UNPACKED) -> None:
    """Raise :class:`~zongheng.errors.DataError` naming the file when ``path`` is a zip bomb.

    A file that is not a zip at all passes: its reader says what is wrong with it.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if inflates(members, limit):
        raise DataError([Problem("file_bomb", {"limit": limit // _MB, "ratio": MAX_RATIO}, file=path.name)])
