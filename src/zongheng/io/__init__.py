"""Readers and writers: frameworks (YAML, Excel, COINr iMeta), panels, results.

The table readers need pandas; a YAML framework or method does not. Modules are
imported when first used, so that reading YAML (and ``import zongheng``) stays light.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zongheng.errors import FrameworkError, Problem
from zongheng.framework import Framework

if TYPE_CHECKING:
    import pandas as pd

    from zongheng.io.panel_reader import read_panel

__all__ = ["read_framework", "read_panel", "write_framework"]


def _is_frame(source: object) -> bool:
    """Whether ``source`` is a pandas DataFrame (pandas cannot hold one unless it is imported)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(source, pandas.DataFrame)


def __getattr__(name: str) -> Any:
    # read_panel lives with the table readers (pandas): imported on first use.
    if name == "read_panel":
        from zongheng.io.panel_reader import read_panel

        return read_panel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_framework(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None) -> Framework:
    """Read a framework (指标体系) from YAML, an Excel/CSV table, COINr's iMeta, or a DataFrame.

    Parameters
    ----------
    source : path or DataFrame
        ``.yaml``/``.yml``: a nested tree; ``.xlsx``/``.csv``/DataFrame: one row
        per element with a parent column.
    sheet : str or int, optional
        Excel sheet of the framework.

    Raises
    ------
    FrameworkError
        Listing every problem with its row or key.
    """
    if _is_frame(source):
        from zongheng.io.framework_table import read_framework_table

        return read_framework_table(source)
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from zongheng.io.framework_yaml import read_framework_yaml

        return read_framework_yaml(path)
    if suffix in (".xlsx", ".xlsm", ".csv", ".txt"):
        from zongheng.io.framework_table import read_framework_table

        return read_framework_table(path, sheet=sheet)
    raise FrameworkError([Problem("file_unsupported", {"suffix": suffix}, file=path.name)])


def write_framework(framework: Framework, path: str | Path) -> None:
    """Write a framework to YAML (``.yaml`` or ``.yml``); reading it back gives an equal framework.

    Raises
    ------
    ValueError
        If the file name does not end in ``.yaml`` or ``.yml``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".yaml", ".yml"):
        raise ValueError(f"a framework is written to .yaml or .yml, not {suffix!r}")
    from zongheng.io.framework_yaml import write_framework_yaml

    write_framework_yaml(framework, path)
