"""Runs through the pages: start → job progress → run page → export → ``zongheng build`` (both databases).

The numbers on the run page are the library's for the same inputs; the exported files rebuild them
with the CLI as a user would run it.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import date

import numpy as np
import pytest

import zongheng as zh
from zongheng import display
from zongheng.platform.db import transaction
from zongheng.platform.models import FrameworkVersion, Job, Role, Run, Scope
from zongheng.platform.services import jobs, runs, users
from zongheng.platform.services.run_inputs import gather

from .conftest import PASSWORD, csrf_of, login
from .run_world import rebuilt_scores, tiny_run
from .test_run_inputs import COUNTIES, demo, entered  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")


@pytest.fixture
def people(factory, entered):  # noqa: F811
    """An analyst over 金华 (may view unapproved data), 永康's leader, a reader of Hangzhou's 上城区."""
    from zongheng.platform.models import Region
    from zongheng.platform.services import org

    with transaction(factory) as s:
        org.add(s, Region, "3301", "杭州市", parent="33", level="city", valid_from=date(2000, 1, 1))
        for name, role, scope in (
                ("fenxi", Role.ANALYST, {"scope": Scope.BELOW, "region": "3307", "view_unapproved": True}),
                ("lingdao", Role.LEADER, {"region": "330784"}),
                ("hangzhou", Role.LEADER, {"scope": Scope.BELOW, "region": "3301"})):
            users.assign(s, users.create(s, name, PASSWORD), role, **scope)
    return entered


def _post(client, url: str, **data):
    csrf = csrf_of(client.get("/runs").text) if "csrf_token" not in data else data.pop("csrf_token")
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def _ranking(html: str) -> dict[str, tuple[str, str, str]]:
    rows = re.findall(r'<tr data-unit="([^"]+)">\s*<td class="num rank">([^<]+)</td>'
                      r'<td>(?:<a [^>]+>)?[^<]+(?:</a>)?</td>\s*'
                      r'<td class="num score">([^<]+)</td>\s*<td class="num change">(.*?)</td>', html, re.S)
    return {u: (rank, score, re.sub(r"<[^>]+>", "", change)) for u, rank, score, change in rows}


def test_the_analyst_starts_a_run_and_reads_the_library_s_numbers(client, factory, people, tmp_path):
    login(client, "fenxi")
    page = client.get("/runs").text
    version_id = re.search(r'name="version_id" value="(\d+)"', page).group(1)
    started = _post(client, "/runs", version_id=version_id, period="2024", method="tiangong_method")
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    job_url = started.headers["location"]
    assert 'data-state="queued"' in client.get(job_url).text
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "test")
    assert done.state == "done", done.message
    progress = client.get(job_url + "/progress", headers={"HX-Request": "true"})
    assert progress.headers["HX-Redirect"] == f"/runs/{done.result_id}"

    page = client.get(f"/runs/{done.result_id}").text
    assert "未审核" not in page
    shown = _ranking(page)
    with factory() as s:
        inputs = gather(s, s.get(FrameworkVersion, people), "2024", regions=sorted(COUNTIES))
    ev = zh.build(inputs.framework, inputs.panel, zh.datasets.load("tiangong_demo").method)
    root = ev.node_codes.index(inputs.framework.root.code)
    assert set(shown) == set(COUNTIES.values())
    for u, unit in enumerate(ev.panel.units):
        rank, before = int(ev.ranks[-1, u, root]), int(ev.ranks[-2, u, root])
        change = "–" if rank == before else (f"▲{before - rank}" if before > rank else f"▼{rank - before}")
        assert shown[unit] == (str(rank), display.score(ev.scores[-1, u, root]), change), unit

    # The export rebuilds the same numbers with the CLI, as a user would run it.
    archive = client.get(f"/runs/{done.result_id}/inputs.zip")
    assert archive.headers["content-type"] == "application/zip"
    folder = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(archive.content)).extractall(folder)
    assert {p.name for p in folder.iterdir()} == {"framework.yaml", "data.csv", "method.yaml", "README.txt"}
    cli = rebuilt_scores(folder)
    for unit in ev.panel.units:
        assert cli[(unit, "2024")] == shown[unit][1], unit


def test_who_reads_which_run(client, factory, people):
    with factory() as s:
        version = s.get(FrameworkVersion, people)
        inputs = gather(s, version, "2024")
    with transaction(factory) as s:
        ev = zh.build(inputs.framework, inputs.panel, zh.datasets.load("tiangong_demo").method)
        approved = runs.store(s, inputs, ev, "tiangong_method", user_id=None).id
        unapproved = dataclasses.replace(inputs, approved=False, unapproved_values=5)
        marked = runs.store(s, unapproved, ev, "tiangong_method", user_id=None).id
    login(client, "lingdao")                     # 永康 is in both runs; unapproved data is not his to see
    assert client.get(f"/runs/{approved}").status_code == 200
    assert client.get(f"/runs/{marked}").status_code == 404
    assert f'data-run="{approved}"' in client.get("/runs").text and f'data-run="{marked}"' not in \
        client.get("/runs").text
    login(client, "fenxi")
    page = client.get(f"/runs/{marked}").text
    assert "未审核：本结果使用了 5 个尚未审核的数值" in page
    login(client, "hangzhou")                    # 杭州: none of the run's regions
    assert client.get(f"/runs/{approved}").status_code == 404
    assert "权限范围内还没有评价结果" in client.get("/runs").text


def test_a_leader_cannot_start_a_run_and_nothing_is_queued(client, factory, people):
    login(client, "lingdao")
    csrf = csrf_of(client.get("/tokens").text)
    refused = client.post("/runs", data={"csrf_token": csrf, "version_id": str(people), "period": "2024",
                                         "method": "default"}, follow_redirects=False)
    assert refused.status_code == 403
    with factory() as s:
        assert s.query(Job).count() == 0 and s.query(Run).count() == 0


def test_a_bad_start_form_says_what_is_wrong(client, factory, people):
    login(client, "fenxi")
    for data in ({"version_id": str(people), "period": "2024", "method": "made-up"},
                 {"version_id": "x", "period": "2024", "method": "default"},
                 {"version_id": str(people), "period": "", "method": "default"}):
        response = _post(client, "/runs", **data)
        assert response.headers["location"] == "/runs?error=pf_run_error_form"
        assert "请选择指标体系、评价期和方法" in client.get(response.headers["location"]).text
    nowhere = _post(client, "/runs", version_id=str(people), period="1999", method="default")
    assert "您的权限范围内没有该指标体系在此期间的报送任务" in client.get(nowhere.headers["location"]).text
    with factory() as s:
        assert s.query(Job).count() == 0


def test_the_world_run_shows_rank_changes(client, factory, world):
    run_id = tiny_run(factory, ["A", "B"])
    login(client, "analyst")
    shown = _ranking(client.get(f"/runs/{run_id}").text)
    # 乙县 (B) jumps on X1 in 2024 and passes 甲县 (A): ▲1 and ▼1.
    assert shown["乙县"] == ("1", "100.00", "▲1")
    assert shown["甲县"] == ("2", "50.00", "▼1")
    with factory() as s:
        found = runs.results_of(s.get(Run, run_id))
    assert np.isfinite(found.scores).all()


def test_the_server_s_own_worker_does_the_run(settings, factory, people):
    # `zongheng serve` starts a worker thread with the app: the job page turns into the run by itself.
    import time

    from fastapi.testclient import TestClient

    from zongheng.platform.app import create_app

    app = create_app(settings, worker=True)
    try:
        with TestClient(app) as client:
            login(client, "fenxi")
            version_id = re.search(r'name="version_id" value="(\d+)"', client.get("/runs").text).group(1)
            job_url = _post(client, "/runs", version_id=version_id, period="2024",
                            method="tiangong_method").headers["location"]
            for _ in range(600):    # a bounded wait, not a timing assertion
                progress = client.get(job_url + "/progress", headers={"HX-Request": "true"})
                if "HX-Redirect" in progress.headers or 'data-state="failed"' in progress.text:
                    break
                time.sleep(0.1)
            assert progress.headers.get("HX-Redirect", "").startswith("/runs/"), progress.text
            assert client.get(progress.headers["HX-Redirect"]).status_code == 200
    finally:
        app.state.engine.dispose()
    with factory() as s:
        assert [j.state for j in s.query(Job)] == ["done"] and s.query(Run).count() == 1


def test_two_runs_side_by_side_say_whether_data_or_method_changed(client, factory, world):
    import dataclasses as dc

    from zongheng.platform.services.run_inputs import RunInputs

    first = tiny_run(factory, ["A", "B"])
    same = tiny_run(factory, ["A", "B"])
    with transaction(factory) as s:      # the same method on data where 甲县's 2024 X1 is 15, not 10
        run = s.get(Run, first)
        framework, panel = runs.inputs_of(run)
        values = panel.values.copy()
        values[1, 0, 0] = 15.0
        inputs = RunInputs(framework, panel.with_values(values), run.version_id, "2024", ("A", "B"), True, 0,
                           "1" * 64)
        other_data = runs.store(s, inputs, zh.build(framework, inputs.panel), "default", user_id=None).id
        zscores = zh.build(framework, panel, {"normalise": "zscore"})
        other_method = runs.store(s, dc.replace(inputs, panel=panel, sha256=run.input_sha256), zscores,
                                  "zscore", user_id=None).id
    login(client, "analyst")
    page = client.get(f"/runs/compare?a={first}&b={same}").text
    assert 'data-why="nothing"' in page and "结果一致" in page
    page = client.get(f"/runs/compare?a={first}&b={other_data}").text
    assert 'data-why="data"' in page
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\w+)</td><td class=\"num\">([^<]+)</td>"
                      r"<td class=\"num\">([^<]+)</td></tr>", page)
    assert rows == [("甲县", "2024", "X1", "10", "15")]
    assert 'data-why="method"' in client.get(f"/runs/compare?a={first}&b={other_method}").text
    assert client.get("/runs/compare", follow_redirects=False).status_code == 303
    login(client, "congress")                    # 乙县 only: reads both runs (B is in them)
    assert client.get(f"/runs/compare?a={first}&b={same}").status_code == 200
    far = tiny_run(factory, ["D"])
    assert client.get(f"/runs/compare?a={first}&b={far}").status_code == 404
