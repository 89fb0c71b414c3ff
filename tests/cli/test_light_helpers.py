"""The CLI's light helpers: lazy stand-ins and formatters that never import pandas themselves."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from zongheng.cli.common import is_missing, plain, whole
from zongheng.cli.lazy import lazy


def _fresh(code: str) -> object:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_lazy_imports_on_first_use_only():
    got = _fresh(
        "import json, sys\n"
        "from zongheng.cli.lazy import lazy\n"
        "split = lazy('shlex', 'split')\n"  # a module neither typer nor rich imports
        "before = 'shlex' in sys.modules\n"
        "words = split('a \"b c\"')\n"
        "print(json.dumps([before, 'shlex' in sys.modules, words]))")
    assert got == [False, True, ["a", "b c"]]


def test_lazy_behaves_as_the_object():
    items = lazy("zongheng.analysis.uncertainty.spec", "VARY_ITEMS")
    from zongheng.analysis.uncertainty.spec import VARY_ITEMS

    assert "weights" in items and "bogus" not in items
    assert list(items) == list(VARY_ITEMS) and len(items) == len(VARY_ITEMS)
    assert items[0] == VARY_ITEMS[0] and ", ".join(items) == ", ".join(VARY_ITEMS)
    pandas = lazy("pandas")
    assert pandas.isna(None) and pandas.DataFrame is pd.DataFrame
    assert repr(lazy("json", "dumps")) == "<lazy json.dumps (not imported yet)>"


def test_formatters_work_before_pandas_is_imported():
    got = _fresh(
        "import json, sys\n"
        "from zongheng.cli.common import plain, whole\n"
        "cells = [whole(2), whole(None), whole(float('nan')), whole(3.0)]\n"
        "doc = plain({'a': float('inf'), 'b': [1, float('nan')], 3: 'x'})\n"
        "print(json.dumps([cells, doc, 'pandas' in sys.modules, 'numpy' in sys.modules]))")
    assert got == [["2", "—", "—", "3"], {"a": None, "b": [1, None], "3": "x"},
                   False, False]


def test_formatters_with_numpy_and_pandas_values():
    assert whole(np.float64(2.0)) == "2" and whole(np.int64(7)) == "7"
    assert whole(np.float32("nan")) == "—" and whole(pd.NA) == "—"
    assert is_missing(np.float64("nan")) and not is_missing(0.0) and not is_missing("")
    frame = pd.DataFrame({"unit": ["a", "b"], "score": [1.0, np.nan]})
    assert plain({"rows": frame, "n": np.int64(2), "na": pd.NA, "s": pd.Series({"x": -np.inf})}) == {
        "rows": [{"unit": "a", "score": 1.0}, {"unit": "b", "score": None}], "n": 2, "na": None,
        "s": {"x": None}}
