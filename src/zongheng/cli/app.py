"""The Typer application that every command module registers on."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.core import TyperOption

from zongheng import __version__
from zongheng.cli.os_errors import os_error_text

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

