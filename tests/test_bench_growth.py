"""The fitting and reporting functions of bench/bench_growth.py (tiny sizes, no timing asserted)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import bench_growth as bg  # noqa: E402


def test_fit_power_recovers_exponent_and_coefficient():
    sizes = [1e2, 1e3, 1e4, 1e5]
    fit = bg.fit_power(sizes, [3.0 * s ** 1.5 for s in sizes])
    assert fit.exponent == pytest.approx(1.5)
    assert fit.coefficient == pytest.approx(3.0)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.points == 4
    assert fit.predict(1e6) == pytest.approx(3.0 * 1e9)


def test_fit_power_flat_and_noisy():
    flat = bg.fit_power([10, 100, 1000], [2.0, 2.0, 2.0])
    assert flat.exponent == pytest.approx(0.0, abs=1e-12)
    assert flat.r2 == 1.0  # no variance to explain: a flat line fits it exactly
    noisy = bg.fit_power([10, 100, 1000, 10000], [10, 130, 900, 11000])
    assert 0.9 < noisy.exponent < 1.1
    assert 0.95 < noisy.r2 < 1.0


def test_fit_power_leaves_out_unusable_points():
    # None, NaN, zero and negative values cannot be on a log scale: they are left out.
    fit = bg.fit_power([1, 10, 100, 1000, 10000], [None, math.nan, 0.0, 5.0, 50.0])
    assert fit.points == 2
    assert fit.exponent == pytest.approx(1.0)
    assert math.isnan(fit.r2)  # two points: any line fits
    assert bg.fit_power([10, 10], [1.0, 2.0]) is None  # one distinct size
    assert bg.fit_power([10], [1.0]) is None
    assert bg.fit_power([], []) is None


def test_fit_tail_uses_the_largest_sizes():
    sizes = [10, 100, 1000, 10000, 100000]
    values = [1.0, 1.0, 1.0, 10.0, 100.0]  # fixed cost first, then linear
    assert bg.fit_tail(sizes, values, tail=3).exponent == pytest.approx(1.0)
    assert bg.fit_tail(sizes, values, tail=2).exponent == pytest.approx(1.0)
    assert bg.fit_tail(sizes, values, tail=5).exponent < 0.8  # the fixed cost bends the line
    assert bg.fit_tail(sizes, values, tail=0).points == 5  # 0 = every point
    # Unusable values do not count toward the tail.
    assert bg.fit_tail([1, 10, 100], [1.0, 10.0, None], tail=2).exponent == pytest.approx(1.0)


def test_parse_sizes():
    assert bg.parse_sizes("1e3, 3000,1_000,1e2") == [100, 1000, 3000]
    for bad in ("", "abc", "0", "-5", "1.5", "inf"):
        with pytest.raises(ValueError):
            bg.parse_sizes(bad)


def test_parse_only():
    known = ["build", "grade", "path"]
    assert bg.parse_only(None, known) == known
    assert bg.parse_only("path,build", known) == ["build", "path"]  # in the known order
    with pytest.raises(ValueError, match="unknown operation nope; choose among build, grade, path"):
        bg.parse_only("build,nope", known)
    with pytest.raises(ValueError):
        bg.parse_only(" , ", known)


def _points() -> list[bg.Point]:
    return [bg.Point("build", n, times=[1e-5 * n, 2e-5 * n, 1.5e-5 * n], cpu=[1e-8 * n ** 1.5] * 3,
                     load=2.5, setup_s=0.1,
                     base_mib=100.0, peak_mib=100.0 + 1e-3 * n, op_mib=1e-3 * n)
            for n in (1000, 10_000, 100_000)]


def test_point_median_and_summarise():
    points = _points() + [bg.Point("build", 10 ** 6, status="timeout (> 300 s)")]
    assert points[0].median == pytest.approx(1.5e-2)
    assert bg.Point("x", 1).median is None
    fits = bg.summarise(points)
    assert fits["time_tail"].exponent == pytest.approx(1.0)
    assert fits["cpu_tail"].exponent == pytest.approx(1.5)
    # op memory of 1 MiB and more counts: 10 and 100 MiB (1 MiB at 10^3 is the threshold)
    assert fits["memory_tail"].exponent == pytest.approx(1.0)
    assert fits["memory_tail"].points == 3


def test_markdown_table_and_report():
    points = _points() + [bg.Point("build", 10 ** 6, status="timeout (> 300 s)")]
    text = bg.markdown_table("build", points, description="zh.build of n units")
    lines = text.splitlines()
    assert lines[0] == "#### build"
    assert "zh.build of n units" in text
    assert "| 10^3 | 15.0 ms | 10.0 ms | 20.0 ms | 0.3 ms | 101 | 1.0 | 2.5 |  |" in lines
    assert "| 10^5 | 1.50 s | 1.00 s | 2.00 s | 0.32 s | 200 | 100 | 2.5 |  |" in lines
    assert "| 10^6 | — | — | — | — | — | — | — | timeout (> 300 s) |" in lines
    assert "Exponent of wall time: **1.00 (3 pts, R² 1.000)**" in text
    assert "of CPU time: 1.50 (3 pts, R² 1.000)" in text
    report = bg.report_markdown({"build": points, "grade": [bg.Point("grade", 10, status="failed: x")]},
                                "Measured today.")
    assert report.startswith("Measured today.\n")
    assert "| build | 10^5 | 1.50 s | 100 | 1.00 | 1.50 | 1.00 |" in report
    assert "| grade | — | — | — | — | — | — (failed: x) |" in report


def test_point_from_dict_ignores_unknown_keys():
    point = bg.Point.from_dict({"operation": "grade", "size": 10, "times": [1.0], "future": 1})
    assert point == bg.Point("grade", 10, times=[1.0])


def test_size_formatting():
    assert bg._fmt_size(1000) == "10^3"
    assert bg._fmt_size(3000) == "3,000"
    assert bg._fmt_size(100) == "100"


def test_splice_between_markers():
    doc = f"# Growth\n\nintro\n\n{bg.BEGIN}\nold\n{bg.END}\n\nafter\n"
    new = bg.splice(doc, "new table\n")
    assert new == f"# Growth\n\nintro\n\n{bg.BEGIN}\nnew table\n{bg.END}\n\nafter\n"
    assert bg.splice("no markers", "body\n") == "body\n"


def test_next_too_big_predicts_from_the_memory_fit():
    points = _points()  # peak 200 MiB at 10^5, op memory linear
    # 10^6: 200 + (1000 - 100) = 1100 MiB predicted
    assert bg.next_too_big(points, 10 ** 6, available_mib=1000) == pytest.approx(1100)
    assert bg.next_too_big(points, 10 ** 6, available_mib=10_000) is None
    assert bg.next_too_big([], 10 ** 6, available_mib=1) is None  # nothing to predict from


def test_worker_and_report_end_to_end(tmp_path):
    # One tiny point through the real subprocess path: the JSON and the markdown between markers.
    doc = tmp_path / "growth.md"
    doc.write_text(f"intro\n{bg.BEGIN}\n{bg.END}\nend\n", encoding="utf-8")
    out = tmp_path / "growth.json"
    done = subprocess.run([sys.executable, str(BENCH / "bench_growth.py"), "--only", "grade",
                           "--sizes", "50", "--repeats", "1", "--json", str(out),
                           "--markdown", str(doc)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    (point,) = data["points"]["grade"]
    assert point["status"] == "ok" and point["size"] == 50 and len(point["times"]) == 1
    assert point["peak_mib"] > 0
    assert len(point["cpu"]) == 1 and point["cpu"][0] > 0 and point["load"] >= 0
    assert "load_after" in data["machine"]
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(f"intro\n{bg.BEGIN}\nMeasured ") and text.endswith(f"{bg.END}\nend\n")
    assert "| 50 |" in text


def test_bad_options_are_clear_errors():
    done = subprocess.run([sys.executable, str(BENCH / "bench_growth.py"), "--only", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "unknown operation nope" in done.stderr
    assert "Traceback" not in done.stderr


def test_merge_runs_joins_json_documents():
    machine = {"date": "2026-12-05 07:00 UTC", "commit": "abc", "cpu": "CPU", "cpus": 2,
               "python": "3.11", "numpy": "2", "pandas": "3", "load_before": [1.0, 2.0, 3.0],
               "load_after": [4.0, 5.0, 6.0]}
    first = {"machine": machine, "repeats": 3,
             "points": {"grade": [{"operation": "grade", "size": 10, "times": [1.0]}]}}
    second = {"machine": machine, "repeats": 1,
              "points": {"build": [{"operation": "build", "size": 10, "times": [2.0]}],
                         "grade": [{"operation": "grade", "size": 100, "times": [3.0]}]}}
    results, head = bg.merge_runs([first, second])
    assert list(results) == ["build", "grade"]  # the operations' own order
    assert [p.size for p in results["grade"]] == [100]  # the last run that has it
    # The first run's only operation was measured again: only the second is quoted.
    (line,) = head.splitlines()
    assert line.startswith("- build, grade: Measured 2026-12-05 07:00 UTC at commit abc")
    assert "median of 1 runs" in line and "4.00 / 5.00 / 6.00 after" in line
    _, head = bg.merge_runs([first, second, {**first, "repeats": 7}])
    assert [line[:9] for line in head.splitlines()] == ["- build: ", "- grade: "]
    assert "median of 7 runs" in head.splitlines()[1]
