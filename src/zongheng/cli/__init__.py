"""Command line (命令行): thin Typer commands over the library.

Each ``commands_*.py`` module registers its commands on :data:`app`; shared
options, loading and error handling live in :mod:`zongheng.cli.common`, tables that
several commands print in :mod:`zongheng.cli.render`. User mistakes are printed
plainly, without a traceback, and exit with status 2.

Every module here imports only typer, rich and light zongheng modules at the top;
numpy, pandas, scipy and the analyses are imported inside the commands, so
``zongheng --help`` and ``--version`` start at once (``tests/test_startup.py``).
"""

from zongheng.cli import (  # noqa: F401  (importing a module registers its commands)
    commands_analyses_a,
    commands_analyses_b,
    commands_analyses_c,
    commands_build,
    commands_demo,
    commands_eco,
    commands_grade,
    commands_platform,
    commands_report,
    commands_template,
    commands_uncertainty,
)
from zongheng.cli.app import app, main

__all__ = ["app", "main"]
