"""The Typer application that every command module registers on."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="纵横 zongheng: 指标体系评价、排名与对标 (evaluate, rank, benchmark).")


def main() -> None:
    """Entry point of the ``zongheng`` command.

    A file that cannot be written (a folder in the way, no permission, a file open in Excel)
    is a user's problem: a plain message and exit status 2, not a traceback.
    """
    try:
        app(prog_name="zongheng")
    except OSError as exc:
        sys.stderr.write(f"{exc.strerror or exc}: {exc.filename or ''}\n")
        sys.exit(2)
