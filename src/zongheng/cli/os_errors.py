"""Errors from reading or writing a file, said for the user (文件读写错误)."""

from __future__ import annotations

import errno

__all__ = ["os_error_text"]

# What the system's English error means for the file asked for (the system's words follow).
_REASONS = {
    errno.ENOENT: "文件或其所在文件夹不存在",
    errno.EACCES: "没有读写权限",
    errno.EPERM: "不允许访问",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "磁盘配额已满",
    errno.EROFS: "只读文件系统",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ENOTDIR: "路径中有一段是文件，不是文件夹",
    errno.EEXIST: "已有同名文件，不能用作文件夹",
    errno.EISDIR: "这是文件夹，不是文件",
}


def os_error_text(exc: OSError) -> str:
    """Return ``file: 原因（system reason）`` for an error from reading or writing a file.

    In English (``--lang en``) the system's own words are the message.
    """
    from zongheng.i18n import get_lang

    system = exc.strerror or str(exc)
    reason = None if get_lang() == "en" else _REASONS.get(exc.errno or 0)
    said = f"{reason}（{system}）" if reason else system
    return f"{exc.filename}: {said}" if exc.filename else said
