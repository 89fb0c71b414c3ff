"""The Typer application that every command module registers on."""

from __future__ import annotations

import errno
import sys
from typing import Annotated

import typer
from typer.core import TyperOption

from zongheng import __version__

_type_shown = TyperOption.display_type_rich


def _flag_type(self: TyperOption, ctx: typer.Context) -> str | None:
    """Show no value type for a flag: ``--help`` takes no ``<bool>``, it is given or not."""
    if getattr(self, "is_flag", False) and self.metavar is None:
        return None
    return _type_shown(self, ctx)


# Typer shows "<bool>" after every flag, its own --help included, as if it took a value;
# flags are told apart here, once, for every command.
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="纵横 zongheng: 指标体系评价、排名与对标 (evaluate, rank, benchmark).")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"zongheng {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="显示版本 show the version and exit")]
    = False,
) -> None:
    """纵横 zongheng: 指标体系评价、排名与对标 (evaluate, rank, benchmark)."""


def main() -> None:
    """Entry point of the ``zongheng`` command.

    A file that cannot be written (a folder in the way, no permission, a file open in Excel)
    is a user's problem: a plain message and exit status 2, not a traceback.
    """
    try:
        app(prog_name="zongheng")
    except OSError as exc:
        sys.stderr.write(os_error_text(exc) + "\n")
        sys.exit(2)


# What the system's English error means for the file asked for (the system's words follow).
_REASONS = {
    errno.ENOENT: "文件夹不存在或不能在此创建文件",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "不允许写入",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "磁盘配额已满",
    errno.EROFS: "只读文件系统",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ENOTDIR: "路径中有一段是文件，不是文件夹",
    errno.EEXIST: "已有同名文件，不能用作文件夹",
    errno.EISDIR: "这是文件夹，不是文件",
}


def os_error_text(exc: OSError) -> str:
    """Return ``file: 原因（system reason）`` for an error from reading or writing a file."""
    reason = _REASONS.get(exc.errno or 0)
    system = exc.strerror or str(exc)
    said = f"{reason}（{system}）" if reason else system
    return f"{exc.filename}: {said}" if exc.filename else said
