"""Start-up: ``import zongheng`` and ``zongheng --help`` load none of the heavy libraries.

Each check runs in a fresh interpreter (a subprocess), because this test session has long
imported numpy and pandas. What is asserted is *which modules are loaded*, not how long it
takes: timings go to ``bench/bench_startup.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import zongheng as zh

ROOT = Path(__file__).resolve().parents[1]

# What the command line's help and version must not import (issue 10 §2).
HEAVY = ("numpy", "pandas", "scipy", "scipy.optimize", "scipy.stats", "matplotlib", "dask",
         "distributed", "SALib", "docx", "openpyxl", "pyarrow", "xlsxwriter", "jinja2",
         "fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "argon2", "psycopg")

COMMANDS = ("build", "methods", "progress", "rank", "strengths", "gap", "path", "whatif",
            "attainment", "grade", "report", "template", "uncertainty", "demo", "serve", "worker", "chase")
# Command groups (the platform's): their subcommands' help is checked too.
GROUPS = {"db": ("upgrade", "backup", "restore"), "users": ("add", "disable", "reset", "email"),
          "org": ("import",)}
GROUPS["approval-chain"] = ("show", "set")     # issue 12: approval chain (审核链)


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON document as its last line."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


_RUN_CLI = """
import json, sys
HEAVY = {heavy!r}
runs = {runs!r}
from zongheng.cli import main
loaded = {{"import zongheng.cli": [m for m in HEAVY if m in sys.modules]}}
for args in runs:
    sys.argv = ["zongheng", *args]
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)
    loaded[" ".join(args)] = [m for m in HEAVY if m in sys.modules]
print(json.dumps(loaded))
"""


def test_import_zongheng_loads_neither_pandas_nor_scipy():
    loaded = _fresh("import json, sys, zongheng\n"
                    f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    assert loaded == []


def test_help_and_version_load_no_heavy_library():
    runs = [["--help"], ["--version"], *([c, "--help"] for c in COMMANDS),
            *([g, s, "--help"] for g, subs in GROUPS.items() for s in subs)]
    loaded = _fresh(_RUN_CLI.format(heavy=HEAVY, runs=runs))
    # One entry per run, each listing what was loaded after it: all empty.
    assert loaded == {key: [] for key in ["import zongheng.cli", *(" ".join(r) for r in runs)]}


def test_every_command_is_covered_by_the_help_check():
    from zongheng.cli import app

    registered = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert registered == set(COMMANDS)
    groups = {g.name: {c.name for c in g.typer_instance.registered_commands} for g in app.registered_groups}
    assert groups == {g: set(subs) for g, subs in GROUPS.items()}


def test_console_script_version_matches_the_package_metadata():
    proc = subprocess.run([sys.executable, "-m", "zongheng.cli", "--version"], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert proc.stdout == f"zongheng {version}\n"
    assert zh.__version__ == version


def test_a_bundled_build_needs_no_pandas_and_a_file_build_loads_it():
    # A bundled dataset is read from its compiled form and ranked as plain columns: no pandas
    # (the 0.6 s start-up target of issue 10). Reading a CSV does need the table readers, so the
    # lazy imports do happen when a command needs them.
    asem = zh.datasets.path("asem")
    runs = [["build", "--dataset", "asem", "--top", "1"],
            ["build", str(asem / "iMeta.csv"), str(asem / "iData.csv"), "--method",
             str(asem / "method.yaml"), "--top", "1"]]
    loaded = _fresh(_RUN_CLI.format(heavy=("pandas", "scipy"), runs=runs))
    assert loaded["import zongheng.cli"] == []
    assert loaded[" ".join(runs[0])] == []
    assert "pandas" in loaded[" ".join(runs[1])]


# -- the lazy package ------------------------------------------------------------------------------


def test_public_names_resolve_and_are_listed():
    assert set(zh.__all__) <= set(dir(zh))
    for name in zh.__all__:
        assert getattr(zh, name) is not None, name
    from zongheng.build import build
    from zongheng.io import read_framework
    from zongheng.method import Method

    assert zh.build is build and zh.read_framework is read_framework and zh.Method is Method
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        zh.nope  # noqa: B018


def test_build_is_the_function_whichever_is_imported_first():
    # Importing the submodule zongheng.build sets zongheng.build to the module unless the
    # package keeps it: try the order that used to break, in a fresh interpreter.
    got = _fresh("import json, zongheng.build, zongheng as zh\n"
                 "from zongheng import datasets\n"
                 "ds = datasets.load('asem')\n"
                 "ev = zh.build(ds.framework, ds.panel, ds.method)\n"
                 "print(json.dumps([type(zh.build).__name__, ev.ranking().iloc[0]['unit']]))")
    assert got == ["function", "CHE"]


def test_star_import_gives_every_public_name():
    got = _fresh("import json\nfrom zongheng import *\n"
                 "print(json.dumps(sorted(k for k in dir() if not k.startswith('_') and k != 'json')))")
    assert got == sorted(zh.__all__)
