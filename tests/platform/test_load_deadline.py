"""The deadline-day load generator (bench/load_deadline.py) run small: nothing lost, every count exact.

The figures of the full size (90 counties, 810 reporters) are in docs/reliability/load.md; here the
same generator plays a small hour against a real ``zongheng serve`` it starts on loopback, and the
database must hold every value as last saved, every submission submitted, a history row and an audit
entry per changed value, a ``workflow.submit`` event per submission and an intact audit chain.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from zongheng.platform.throwaway import postgres_bin

BENCH = Path(__file__).resolve().parents[2] / "bench" / "load_deadline.py"


def _generator():
    spec = importlib.util.spec_from_file_location("load_deadline", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("load_deadline", module)   # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return sys.modules["load_deadline"]


def _hour(capsys, backend: str, counties: int, window: float, saves: int, reads: int, board: int) -> dict:
    load = _generator()
    with capsys.disabled():
        [result] = load.main(["--counties", str(counties), "--window", str(window), "--saves", str(saves),
                              "--think", "0.3", "--reads", str(reads), "--board-reads", str(board),
                              "--limit", "300", "--backends", backend])
    return result


def _check(result: dict, counties: int, saves: int, reads: int, board: int) -> None:
    reporters = result["reporters"]
    assert reporters == counties * 9          # 天工鼎: 9 lead departments in every county
    assert result["leaders"] == counties
    assert (result["errors"], result["unfinished"], result["failures"]) == (0, 0, {})
    # A submit refused for a blocking flag (an outlier among peers) is explained on the flags page
    # (one GET, a POST per flag) and sent again: the plan's counts plus those rounds.
    refused = result["submits refused"]
    planned = {"entry page": reporters, "save": reporters * saves, "submit": reporters + refused,
               "dashboard": counties * reads, "board": board}
    counts = {kind: k["n"] for kind, k in result["kinds"].items() if kind != "all"}
    explained = counts.pop("explain", 0)
    assert counts == planned
    assert explained >= 2 * refused
    assert result["requests"] == sum(planned.values()) + explained
    kept = result["kept"]
    assert kept["values"] == 42 * counties    # every indicator of every county, once
    assert kept["values as last saved"] == kept["values"]
    assert kept["submitted"] == kept["submits answered done"] == kept["submissions"] == reporters
    assert kept["values in saves answered saved"] == kept["values"] * saves
    assert kept["history rows"] == kept["values in audit entry.save"] == kept["values"] * saves
    assert kept["audit workflow.submit"] == reporters
    assert kept["audit chain"] == 0


def test_a_small_deadline_hour_keeps_everything_on_sqlite(capsys):
    _check(_hour(capsys, "sqlite", 2, 2.0, 2, 2, 3), 2, 2, 2, 3)


@pytest.mark.soak
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_deadline_hour_of_ten_counties_keeps_everything(capsys, backend):
    if backend == "postgresql" and postgres_bin() is None:
        pytest.skip("Debian's postgresql server is not installed")
    _check(_hour(capsys, backend, 10, 20.0, 3, 4, 10), 10, 3, 4, 10)
