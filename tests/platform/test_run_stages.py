"""Every stage of a run, kept with it (各阶段得分与排名): the library's numbers, downloadable.

A run started through the pages keeps the data after every step of the pipeline with its ranks
(both databases); the tidy CSV download must equal ``zh.build(..., keep="all")`` on the run's
exported inputs, value for value. A run made before stages were kept (no tail in its results
blob) still reads: the link is absent and the download says why. The download follows the run's
scope.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile

import numpy as np
import pytest

import zongheng as zh
from zongheng.method import read_method
from zongheng.platform.db import transaction
from zongheng.platform.models import FrameworkVersion, Run
from zongheng.platform.services import jobs, runs
from zongheng.platform.services.packed import pack, plain, unpack
from zongheng.platform.services.run_inputs import gather
from zongheng.steps.rank import competition_rank

from .conftest import login
from .run_world import tiny_run
from .test_run_inputs import COUNTIES, demo, entered  # noqa: F401  (fixtures)
from .test_runs_pages import _post, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")

STAGES = ("denominated", "imputed", "screened", "treated", "normalised", "aggregated")


def _started_run(client, factory) -> int:
    login(client, "fenxi")
    version_id = re.search(r'name="version_id" value="(\d+)"', client.get("/runs").text).group(1)
    started = _post(client, "/runs", version_id=version_id, period="2024", method="tiangong_method")
    assert started.status_code == 303
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "test")
    assert done.state == "done", done.message
    return done.result_id


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _library(client, run_id: int, folder) -> zh.Evaluation:
    """Build the run again from its exported inputs with the library, keeping every stage."""
    archive = client.get(f"/runs/{run_id}/inputs.zip")
    zipfile.ZipFile(io.BytesIO(archive.content)).extractall(folder)
    framework = zh.read_framework(folder / "framework.yaml")
    panel = zh.read_panel(folder / "data.csv", framework)
    return zh.build(framework, panel, read_method(folder / "method.yaml"), keep="all")


def _expected_ranks(ev, stage: str) -> np.ndarray:
    values = ev.stage(stage)
    if stage == "aggregated":
        return ev.ranks
    if stage != "normalised":      # before normalisation: rank 1 is the best value, by direction
        values = values * ev.framework.directions
    return competition_rank(values, axis=-2)


def test_every_stage_and_rank_is_the_library_s(client, factory, people, tmp_path):  # noqa: F811
    run_id = _started_run(client, factory)
    page = client.get(f"/runs/{run_id}").text
    assert f'href="/runs/{run_id}/stages.csv"' in page
    ev = _library(client, run_id, tmp_path / "export")
    rows = _rows(client.get(f"/runs/{run_id}/stages.csv"))
    assert list(rows[0]) == ["stage", "period", "node", "unit", "score", "rank"]

    expected = 0
    at_unit = {u: n for n, u in enumerate(ev.panel.units)}
    at_period = {str(p): n for n, p in enumerate(ev.panel.periods)}
    seen = {}
    for stage in STAGES:
        codes = ev.node_codes if stage == "aggregated" else ev.framework.indicator_codes
        expected += len(ev.panel.periods) * len(ev.panel.units) * len(codes)
        seen[stage] = (ev.stage(stage), _expected_ranks(ev, stage), {c: n for n, c in enumerate(codes)})
    assert len(rows) == expected
    stages_met = set()
    for r in rows:
        values, ranks, at_code = seen[r["stage"]]
        stages_met.add(r["stage"])
        p, u, c = at_period[r["period"]], at_unit[r["unit"]], at_code[r["node"]]
        want, rank = values[p, u, c], ranks[p, u, c]
        if math.isnan(want):
            assert r["score"] == "", r
        else:
            assert float(r["score"]) == want, r          # exact: written in full
        assert r["rank"] == ("" if math.isnan(rank) else str(int(rank))), r
    assert stages_met == set(STAGES)

    # The stages differ where the 天工鼎 method acts (interpolation, capping, efficacy scores), and
    # an unchanged stage is kept once: screen is "none".
    with factory() as s:
        kept = runs.stages_of(s.get(Run, run_id))
    assert kept.same_as["screened"] == "imputed" and kept.same_as["aggregated"] == "scores"
    assert kept.same_as["denominated"] == "raw" and kept.same_as["treated"] is None
    assert not np.array_equal(ev.stage("imputed"), ev.stage("denominated"), equal_nan=True)

    # One unit only.
    one = _rows(client.get(f"/runs/{run_id}/stages.csv", params={"unit": "永康市"}))
    assert {r["unit"] for r in one} == {"永康市"}
    assert one == [r for r in rows if r["unit"] == "永康市"]
    missing = client.get(f"/runs/{run_id}/stages.csv", params={"unit": "杭州市"})
    assert missing.status_code == 404 and "该评价结果中没有这个地区" in missing.text


def test_a_run_made_before_stages_were_kept_reads_and_says_so(client, factory, people):  # noqa: F811
    with factory() as s:
        inputs = gather(s, s.get(FrameworkVersion, people), "2024")
    with transaction(factory) as s:
        ev = zh.build(inputs.framework, inputs.panel, zh.datasets.load("tiangong_demo").method,
                      keep="final")
        final_only = runs.store(s, inputs, ev, "tiangong_method", user_id=None).id
    old = tiny_run(factory, sorted(COUNTIES))
    with transaction(factory) as s:       # as written before: every array in the JSON, nothing after it
        run = s.get(Run, old)
        assert runs.stages_of(run) is not None
        found = runs.results_of(run)
        before = {k: v for k, v in unpack(run.results).items() if k != "arrays"}
        run.results = pack({**before, "scores": plain(found.scores), "ranks": plain(found.ranks),
                            "group_ranks": {g: plain(r) for g, r in found.group_ranks.items()}})
    login(client, "fenxi")
    with factory() as s:                  # the older run still reads: the same scores and ranks
        again = runs.results_of(s.get(Run, old))
    np.testing.assert_array_equal(again.scores, found.scores)
    np.testing.assert_array_equal(again.ranks, found.ranks)
    for run_id in (final_only, old):
        with factory() as s:
            run = s.get(Run, run_id)
            assert runs.stages_of(run) is None and not runs.results_of(run).stages_kept
        page = client.get(f"/runs/{run_id}")
        assert page.status_code == 200 and "stages.csv" not in page.text
        answer = client.get(f"/runs/{run_id}/stages.csv")
        assert answer.status_code == 404 and "生成于平台保存各阶段数据之前" in answer.text
    assert "made before the platform kept every stage" in client.get(f"/runs/{old}/stages.csv?lang=en").text


def test_the_download_follows_the_run_s_scope(client, factory, people):  # noqa: F811
    jinhua = tiny_run(factory, sorted(COUNTIES))
    unapproved = tiny_run(factory, sorted(COUNTIES), approved=False)
    login(client, "hangzhou")                   # Hangzhou's reader sees none of 金华's runs
    for run_id in (jinhua, unapproved):
        denied = client.get(f"/runs/{run_id}/stages.csv")
        assert denied.status_code == 404 and "text/csv" not in denied.headers["content-type"]
    login(client, "lingdao")                    # 永康's leader: the approved run only
    assert _rows(client.get(f"/runs/{jinhua}/stages.csv"))
    assert client.get(f"/runs/{unapproved}/stages.csv").status_code == 404
    client.cookies.clear()
    anonymous = client.get(f"/runs/{jinhua}/stages.csv", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
