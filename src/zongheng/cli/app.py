"""The Typer application that every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="纵横 zongheng: 指标体系评价、排名与对标 (evaluate, rank, benchmark).")


def main() -> None:
    """Entry point of the ``zongheng`` command."""
    app(prog_name="zongheng")
