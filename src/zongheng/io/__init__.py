"""Readers and writers: frameworks (YAML, Excel, COINr iMeta), panels, results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from zongheng.errors import FrameworkError, Problem
from zongheng.framework import Framework
from zongheng.io.framework_table import read_framework_table
from zongheng.io.framework_yaml import read_framework_yaml, write_framework_yaml
from zongheng.io.panel_reader import read_panel

__all__ = ["read_framework", "read_panel", "write_framework"]


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
    if isinstance(source, pd.DataFrame):
        return read_framework_table(source)
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_framework_yaml(path)
    if suffix in (".xlsx", ".xlsm", ".csv", ".txt"):
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
    write_framework_yaml(framework, path)
