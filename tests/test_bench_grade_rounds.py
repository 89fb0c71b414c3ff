"""bench/bench_grade_rounds.py: how it reads bench_grade_phases lines; one real round (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_grade_rounds as rounds  # noqa: E402

LINE = ("/x/duckdb_engine.py grades: whole 111.7 s wall, 208.8 s CPU, 3169 MiB | check 12.5/24.1 "
        "benchmarks 11.6/22.5 write 68.7/129.8")


def test_a_line_is_read_whole_and_by_phase() -> None:
    whole, phases = rounds.parse(LINE)
    assert whole == (111.7, 208.8, 3169.0)
    assert phases == {"check": (12.5, 24.1), "benchmarks": (11.6, 22.5), "write": (68.7, 129.8)}
    with pytest.raises(ValueError, match="not a bench_grade_phases line"):
        rounds.parse("Traceback (most recent call last):")


def test_medians_and_range_of_a_version() -> None:
    lines = [LINE.replace("111.7", w).replace("68.7/", f"{p}/") for w, p in
             (("120.0", "70.0"), ("100.0", "60.0"), ("110.0", "65.0"))]
    text = rounds.summary("new", lines)
    assert text.startswith("new: 3 runs, whole median 110.0 s wall (100.0–120.0)")
    assert "write 65.0" in text and "check 12.5" in text


def test_one_round_of_two_versions_on_a_tiny_table(tmp_path: Path) -> None:
    from zongheng.enterprise.generator import write_synthetic

    table = tmp_path / "firms.parquet"
    write_synthetic(table, 500, seed=3)
    src = str(ROOT / "src")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_grade_rounds.py"), str(table),
                           str(tmp_path / "out.parquet"), "--rounds", "1", "--src", f"a={src}",
                           "--src", f"b={src}"], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines[-2:]] == ["a", "b"]
    assert all("1 runs, whole median" in line for line in lines[-2:])
    assert sum(" a: whole " in line or " b: whole " in line for line in lines) == 2
    assert (tmp_path / "out.parquet").stat().st_size > 0
