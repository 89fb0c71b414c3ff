"""zongheng uncertainty: tables, JSON, Sobol indices, a spec file, Dask workers, plain errors."""

import json

from typer.testing import CliRunner

import zongheng as zh
from zongheng.analysis.uncertainty import analyse, default_spec, evaluate, sample
from zongheng.cli import (
    app,
    commands_uncertainty,  # noqa: F401  (registers the command)
)

runner = CliRunner()
VARY = "weights,normalise,aggregate,treat"


def _json(args):
    result = runner.invoke(app, ["uncertainty", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_equals_the_library_for_the_same_seed():
    doc = _json(["--dataset", "asem", "--samples", "2000", "--seed", "3", "--vary", VARY,
                 "--unit", "NLD", "--top", "2", "--group", "EurAsia_group"])
    ds = zh.datasets.load("asem")
    ev = zh.build(ds.framework, ds.panel, ds.method)
    spec = default_spec(ev, VARY.split(","))
    result = evaluate(ev, spec, sample(ev, spec, 2000, seed=3), groups=["EurAsia_group"])
    table = analyse(result, top=2, group="EurAsia_group").table
    assert doc["samples"] == 2000 and doc["combinations"] == 20 and doc["top"] == 2
    assert doc["varied"] == VARY.split(",")
    rows = {r["unit"]: r for r in doc["units"]}
    for r in table.to_dict("records"):
        got = rows[r["unit"]]
        assert got["median_rank"] == r["median_rank"] and got["q95"] == r["q95"]
        assert got["p_top"] == r["p_top"] and got["p_top_in_group"] == r["p_top_in_group"]
    nld = doc["unit"]
    assert nld["unit"] == "NLD" and nld["nominal_rank"] == 2
    probabilities = [d["probability"] for d in nld["distribution"]]
    assert abs(sum(probabilities) - 1) < 1e-12
    assert nld["p_top"] == sum(d["probability"] for d in nld["distribution"] if d["rank"] <= 2)


def test_table_in_english_with_the_units_distribution():
    result = runner.invoke(app, ["uncertainty", "--dataset", "asem", "--samples", "500", "--vary",
                                 "weights,aggregate,normalise", "--unit", "Netherlands", "--rows", "5",
                                 "--lang", "en"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Rank uncertainty · 2018 · 500 samples · 4 method combination(s)" in out
    assert "weights ×(1 ± 25%) (level 3, 4)" in out
    assert "weighted arithmetic mean / weighted geometric mean" in out
    assert "Netherlands (NLD): nominal rank 2" in out and "Cumulative" in out
    assert "46 more unit(s) not listed" in out


def test_sobol_table_plot_and_a_spec_file(tmp_path):
    spec = tmp_path / "u.yaml"
    spec.write_text("weights: {levels: [3], spread: 0.4}\naggregate: [arithmetic, geometric]\n"
                    "normalise: [{method: minmax, low: 1, high: 100}]\n", encoding="utf-8")
    plot = tmp_path / "sobol.png"
    doc = _json(["--dataset", "asem", "--samples", "200", "--spec", str(spec), "--sobol",
                 "--unit", "CHE", "--plot", str(plot)])
    assert doc["sobol_n"] == 256 and doc["samples"] == 256 * 4  # weights, aggregate + 2
    assert doc["spec"]["weights"] == [{"levels": [3], "kind": "uniform", "spread": 0.4}]
    inputs = {(r["output"], r["input"]) for r in doc["sobol"]}
    assert inputs == {(o, i) for o in ("mean_abs_shift", "rank:CHE") for i in ("weights", "aggregate")}
    assert plot.read_bytes()[:4] == b"\x89PNG"
    # --vary picks items: those the file sets come from it, the others are the defaults
    doc = _json(["--dataset", "asem", "--samples", "50", "--spec", str(spec), "--vary",
                 "weights,treat"])
    assert doc["spec"]["weights"][0]["spread"] == 0.4 and len(doc["spec"]["treat"]) == 5
    assert "aggregate" not in doc["spec"]


def test_dask_workers_give_the_local_result():
    args = ["--dataset", "asem", "--samples", "1500", "--seed", "5", "--vary", VARY]
    local = _json(args)
    remote = _json([*args, "--workers", "2"])
    for key in ("units", "mean_abs_shift", "share_moved", "combinations"):
        assert remote[key] == local[key]


def test_user_mistakes_exit_2_without_traceback(tmp_path):
    bad_spec = tmp_path / "bad.yaml"
    bad_spec.write_text("weights: {spread: 2}\n", encoding="utf-8")
    cases = [
        ["--dataset", "asem", "--vary", "weights,colour"],
        ["--dataset", "asem", "--unit", "Atlantis"],
        ["--dataset", "asem", "--group", "nogroup"],
        ["--dataset", "asem", "--spec", str(bad_spec)],
        ["--dataset", "asem", "--spec", str(tmp_path / "missing.yaml")],
        ["--dataset", "asem", "--plot", str(tmp_path / "x.png")],
        ["--dataset", "asem", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
        ["--dataset", "asem", "--vary", "aggregate"],  # geometric on min-max 0–100: zeros
    ]
    for args in cases:
        result = runner.invoke(app, ["uncertainty", *args, "--samples", "20"])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["uncertainty", "--dataset", "asem", "--vary", "aggregate",
                                 "--samples", "20", "--lang", "en"])
    assert "aggregate=geometric" in result.output and "cannot be built" in result.output
