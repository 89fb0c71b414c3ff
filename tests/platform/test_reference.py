"""Reference data: peers' released values join a run; values entered here take their place (both DBs)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import zongheng as zh
from zongheng.errors import DataError
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, FrameworkVersion, ReferenceData, Run, Submission
from zongheng.platform.services import jobs, runs
from zongheng.platform.services.reference import import_reference, panel_of
from zongheng.platform.services.run_inputs import gather

from .test_run_inputs import COUNTIES, demo, entered  # noqa: F401  (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")
DATASET = zh.datasets.path("tiangong_demo")


@pytest.fixture
def released(factory, entered):  # noqa: F811
    """The bundled synthetic 天工鼎 table of all 90 counties, imported as the province's release."""
    with transaction(factory) as s:
        version = s.get(FrameworkVersion, entered)
        return import_reference(s, version, DATASET / "data.csv", units=DATASET / "units.csv",
                                name="天工鼎指标数据 2020–2024（合成演示）", source="zongheng 内置合成数据",
                                user_id=None).id


def test_the_release_is_stored_as_read(factory, released, demo):  # noqa: F811
    with factory() as s:
        ref = s.get(ReferenceData, released)
        panel = panel_of(ref)
        assert ref.units == 90 and json.loads(ref.periods) == ["2020", "2021", "2022", "2023", "2024"]
        assert s.query(AuditEvent).filter_by(action="reference.import").count() == 1
    np.testing.assert_array_equal(panel.values, demo.panel.values)
    assert panel.units == demo.panel.units and panel.groups == ("设区市", "山区26县", "工业大县")
    assert list(panel.group("设区市")) == [str(x) for x in demo.panel.group("设区市")]


def test_a_run_ranks_among_the_peers_with_the_values_entered_here(factory, entered, released, demo):  # noqa: F811
    with transaction(factory) as s:       # 永康 corrects one 2024 value on the platform
        sub = s.query(Submission).filter_by(region_code="330784", period="2024").first()
        value = sub.values[0]
        code, new = value.indicator.code, value.approved_value * 2 + 1
        value.value = value.approved_value = new
    with factory() as s:
        inputs = gather(s, s.get(FrameworkVersion, entered), "2024", reference=s.get(ReferenceData, released))
    panel = inputs.panel
    assert panel.units == demo.panel.units and panel.periods == demo.panel.periods     # 90 peers, in order
    expected = demo.panel.values.copy()
    expected[-1, demo.panel.units.index("永康市"), demo.panel.indicators.index(code)] = new
    np.testing.assert_array_equal(panel.values, expected)
    assert list(panel.group("山区26县")) == [str(x) for x in demo.panel.group("山区26县")]
    assert inputs.reference_id == released and inputs.approved
    ours = zh.build(inputs.framework, panel, demo.method)
    theirs = zh.build(demo.framework, demo.panel.with_values(expected), demo.method)
    np.testing.assert_array_equal(ours.scores, theirs.scores)


def test_the_reference_changes_the_hash_and_is_kept_on_the_run(factory, entered, released):  # noqa: F811
    with factory() as s:
        version = s.get(FrameworkVersion, entered)
        alone = gather(s, version, "2024").sha256
        peers = gather(s, version, "2024", reference=s.get(ReferenceData, released)).sha256
    assert alone != peers
    with transaction(factory) as s:
        runs.start(s, s.get(FrameworkVersion, entered), "2024", method="tiangong_method", user_id=None,
                   reference_id=released)
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "w")
    assert done.state == "done", done.message
    with factory() as s:
        run = s.get(Run, done.result_id)
        assert run.reference_id == released and run.input_sha256 == peers
        assert len(runs.results_of(run).units) == 90
        _, panel = runs.inputs_of(run)
        assert panel.groups == ("设区市", "山区26县", "工业大县")


def test_a_table_that_does_not_read_is_refused_whole(factory, entered, tmp_path):  # noqa: F811
    bad = tmp_path / "release.csv"
    with open(DATASET / "data.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[3][4] = "一百"                                      # not a number, row 4 of the file
    with open(bad, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    with transaction(factory) as s, pytest.raises(DataError) as err:
        import_reference(s, s.get(FrameworkVersion, entered), bad, name="坏表", source="", user_id=None)
    assert "release.csv" in str(err.value) and "一百" in str(err.value)
    with factory() as s:
        assert s.query(ReferenceData).count() == 0


def test_the_analyst_imports_a_release_and_a_run_uses_it(client, factory, entered):  # noqa: F811
    import re

    from zongheng.platform.models import Role, Scope
    from zongheng.platform.services import users

    from .conftest import PASSWORD, csrf_of, login

    with transaction(factory) as s:
        users.assign(s, users.create(s, "fenxi", PASSWORD), Role.ANALYST,
                     scope=Scope.BELOW, region="3307", view_unapproved=True)
        users.assign(s, users.create(s, "lingdao", PASSWORD), Role.LEADER, region="330784")
    login(client, "lingdao")
    assert client.get("/reference").status_code == 403
    login(client, "fenxi")
    csrf = csrf_of(client.get("/reference").text)
    files = {"file": ("天工鼎2024.csv", (DATASET / "data.csv").read_bytes(), "text/csv"),
             "units": ("地区.csv", (DATASET / "units.csv").read_bytes(), "text/csv")}
    form = {"csrf_token": csrf, "version_id": str(entered), "name": "全省发布（合成）",
            "source": "合成演示数据"}
    page = client.post("/reference", data=form, files=files)
    assert page.status_code == 200 and "已导入“全省发布（合成）”：90 个地区" in page.text
    bad = client.post("/reference", data={"csrf_token": csrf, "version_id": str(entered), "name": "x"},
                      files={"file": ("../../evil.exe", b"MZ", "application/octet-stream")})
    assert bad.status_code == 400 and "文件应为 .csv 或 .xlsx" in bad.text
    broken = client.post("/reference", data={"csrf_token": csrf, "version_id": str(entered), "name": "x"},
                         files={"file": ("坏表.csv", "地区,年份,Q01\n婺城区,2024,一百\n".encode(),
                                         "text/csv")})
    assert broken.status_code == 400 and "坏表.csv" in broken.text and "未保存任何内容" in broken.text
    with factory() as s:
        assert s.query(ReferenceData).count() == 1
        reference_id = s.query(ReferenceData).one().id
    runs_page = client.get("/runs").text
    assert f'<option value="{reference_id}">全省发布（合成）</option>' in runs_page
    version_id = re.search(r'name="version_id" value="(\d+)"', runs_page).group(1)
    started = client.post("/runs", data={"csrf_token": csrf, "version_id": version_id, "period": "2024",
                                         "method": "tiangong_method", "reference_id": str(reference_id)},
                          follow_redirects=False)
    assert started.headers["location"].startswith("/jobs/")
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "w")
    assert done.state == "done", done.message
    page = client.get(f"/runs/{done.result_id}").text
    assert page.count('<tr data-unit="') == 90
    login(client, "lingdao")      # 永康 is among the run's regions: the leader reads the 90-county ranking
    assert client.get(f"/runs/{done.result_id}").status_code == 200


def test_the_run_page_ranks_within_a_group(client, factory, entered, released, demo):  # noqa: F811
    import re

    from zongheng.platform.models import Role, Scope
    from zongheng.platform.services import users

    from .conftest import PASSWORD, login

    with transaction(factory) as s:
        users.assign(s, users.create(s, "fenxi", PASSWORD), Role.ANALYST,
                     scope=Scope.BELOW, region="3307", view_unapproved=True)
        runs.start(s, s.get(FrameworkVersion, entered), "2024", method="tiangong_method", user_id=None,
                   reference_id=released)
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "w")
    login(client, "fenxi")
    page = client.get(f"/runs/{done.result_id}?group=设区市&label=金华市").text
    shown = re.findall(r'<tr data-unit="([^"]+)">\s*<td class="num rank">(\d+)</td>', page)
    ev = zh.build(demo.framework, demo.panel, demo.method)
    root = ev.node_codes.index(demo.framework.root.code)
    jinhua = [u for u, c in zip(demo.panel.units, demo.panel.group("设区市"), strict=True) if c == "金华市"]
    expected = {u: int(ev.group_ranks("设区市")[-1, demo.panel.units.index(u), root]) for u in jinhua}
    assert {u: int(r) for u, r in shown} == expected and len(shown) == 9
    assert "设区市：金华市（组内排名）" in page
    assert page.count('<tr data-unit="') == 9
    unknown = client.get(f"/runs/{done.result_id}?group=设区市&label=火星市").text   # not a label: everyone
    assert unknown.count('<tr data-unit="') == 90
