"""The 台账 (services/task_ledger.py) on SQLite and PostgreSQL, read back from the written files.

The world is task_world.py's: ten tasks in every state. What a row must say is derived from that
table by hand; the 销号日期 is the local day (Asia/Shanghai) of the stored UTC time.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from zongheng.platform.db import transaction
from zongheng.platform.models import TaskEvent
from zongheng.platform.services import task_ledger

from .task_world import FORMULA, PAST, build_tasks, closed_day
from .test_tasks import DUE, TODAY, _user

ORDER = ("closed", "late", "returned", "reopened", "overdue", "formula", "congress_done", "congress_late",
         "congress_open", "instruction")
"""The tasks in ledger order: by problem, then task (the order task_world creates them)."""
HEADERS = ["序号", "问题", "地区", "指标", "责任单位", "责任人", "整改措施", "时限", "进展", "状态",
           "销号日期", "佐证"]
RED = "FFC7CE"


@pytest.fixture
def placed(factory, world) -> dict[str, int]:
    return build_tasks(factory)


def _book(factory, name: str, lang: str = "zh") -> task_ledger.Ledger:
    with factory() as s:
        return task_ledger.ledger(s, _user(s, name), lang=lang, today=TODAY)


def _sheet(book: task_ledger.Ledger):
    return openpyxl.load_workbook(io.BytesIO(task_ledger.ledger_xlsx(book))).active


def _rows(sheet) -> dict[int, dict[str, object]]:
    """The data rows under the header (row 3) by 序号, each as {header: cell}."""
    header = [c.value for c in sheet[3]]
    return {row[0].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=4)}


def test_the_ledger_holds_each_task_with_its_state_dates_progress_and_evidence(factory, placed):
    book = _book(factory, "analyst")
    assert book.task_ids.tolist() == [placed[n] for n in ORDER]
    sheet = _sheet(book)
    assert sheet["A1"].value == "整改任务台账"
    assert "共 10 项任务，逾期 2 项" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == HEADERS
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("C4", "A3:L13")
    rows = _rows(sheet)
    assert sorted(rows) == list(range(1, 11))
    by = {name: {h: c.value for h, c in rows[n].items()} for n, name in enumerate(ORDER, start=1)}

    closed = by["closed"]
    shown = [closed[h] for h in ("问题", "地区", "指标", "责任单位", "责任人", "整改措施", "状态")]
    assert shown == ["X1 居末位（短板指标）", "甲县", "X1 指标一", "部门DA", "reporter", "引进两家规上企业",
                     "已销号"]
    assert closed["时限"] == datetime.combine(DUE, datetime.min.time())
    assert closed["销号日期"] == datetime.combine(closed_day(factory, placed["closed"]), datetime.min.time())
    assert closed["佐证"] == "已引进两家企业；新值：13.5%；附件：签约.png"
    day = closed_day(factory, placed["closed"]).isoformat()
    assert closed["进展"] == f"{day} 核实销号；节点完成 1/2；下一节点：投产（{DUE.isoformat()}）"
    assert rows[1]["时限"].number_format == rows[1]["销号日期"].number_format == "yyyy-mm-dd"
    # 进展 of the first task wraps to two lines: its row is two lines high, a short one is not set.
    assert (sheet.row_dimensions[4].height, sheet.row_dimensions[5].height) == (30, None)

    assert (by["late"]["时限"].date(), by["late"]["状态"]) == (PAST, "已销号")
    returned = by["returned"]
    assert (returned["问题"], returned["状态"], returned["销号日期"], returned["责任人"]) == (
        "X1 位次下降（退步）", "退回", None, "approver")
    assert returned["进展"].endswith("退回：数值未经统计局核实")
    assert (by["reopened"]["状态"], by["reopened"]["佐证"]) == ("整改中", "已完成；新值：2%")
    assert by["reopened"]["进展"].endswith("重新打开：下期数值回落")
    overdue = by["overdue"]
    assert (overdue["责任单位"], overdue["状态"], overdue["责任人"]) == ("部门DA2", "待认领", None)
    assert by["congress_done"]["问题"] == "审议意见：加快淘汰落后产能（人大审议意见）"
    assert by["instruction"]["问题"] == "领导批示：亩均效益提升（领导批示）"

    # Overdue: not closed and due before today; the closed-late task is not overdue any more.
    red = {name for n, name in enumerate(ORDER, start=1)
           if all(c.fill.fgColor.rgb.endswith(RED) for c in rows[n].values())}
    assert red == {"overdue", "congress_late"}
    assert book.overdue.tolist() == [name in red for name in ORDER]


def test_progress_is_the_latest_step_not_a_reminder(factory, placed):
    # A 催办 (written by services/chasing.py as an "urge" event) after the 退回 is no step of the work.
    with transaction(factory) as s:
        s.add(TaskEvent(task_id=placed["returned"], action="urge", from_state="returned", to_state="returned",
                        note="请尽快重新申请"))
    progress = _rows(_sheet(_book(factory, "analyst")))[ORDER.index("returned") + 1]["进展"].value
    assert progress.endswith("退回：数值未经统计局核实")


def test_a_title_that_is_a_formula_stays_text(factory, placed):
    book = _book(factory, "analyst")
    cell = _rows(_sheet(book))[ORDER.index("formula") + 1]["问题"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (FORMULA + "（短板指标）", "s", True)
    rows = list(csv.reader(io.StringIO(task_ledger.ledger_csv(book).decode("utf-8-sig"))))
    assert rows[ORDER.index("formula") + 1][1] == "'" + FORMULA + "（短板指标）"


def test_the_csv_has_the_same_rows_with_iso_dates(factory, placed):
    book = _book(factory, "analyst")
    data = task_ledger.ledger_csv(book)
    assert data.startswith("\ufeff".encode())     # Excel and WPS read UTF-8 by the BOM
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == HEADERS
    assert [int(r[0]) for r in rows] == list(range(1, 11))
    closed = rows[ORDER.index("closed")]
    assert (closed[7], closed[9], closed[10]) == (DUE.isoformat(), "已销号",
                                                  closed_day(factory, placed["closed"]).isoformat())
    assert (rows[ORDER.index("overdue")][7], rows[ORDER.index("overdue")][10]) == (PAST.isoformat(), "")


def test_english_headers_states_and_words(factory, placed):
    book = _book(factory, "analyst", lang="en")
    sheet = _sheet(book)
    assert sheet["A1"].value == "Rectification task ledger"
    assert [c.value for c in sheet[3]] == ["No.", "Problem", "Region", "Indicator", "Responsible unit",
                                           "Person in charge", "Measures", "Deadline", "Progress", "Status",
                                           "Closed on", "Evidence"]
    row = {h: c.value for h, c in _rows(sheet)[1].items()}
    assert (row["Problem"], row["Status"]) == ("X1 居末位 (among the weakest)", "closed")
    assert row["Evidence"] == "已引进两家企业; new value: 13.5%; files: 签约.png"
    assert "milestones done 1/2; next: 投产" in row["Progress"]


@pytest.mark.parametrize(("name", "expected"), [
    # reporter: own A, DA → DA's tasks at A only (not DA2's, not B's).
    ("reporter", {"closed", "late", "returned", "reopened", "congress_done", "congress_open", "instruction"}),
    # 人大 over the set {B}: B's one task.
    ("congress", {"formula"}),
])
def test_a_users_ledger_holds_only_the_tasks_of_their_scope(factory, placed, name, expected):
    book = _book(factory, name)
    assert set(book.task_ids.tolist()) == {placed[n] for n in expected}
    departments = {row["责任单位"].value for row in _rows(_sheet(book)).values()}
    assert departments == ({"部门DA"} if name == "reporter" else {"部门DB"})


def test_a_ledger_without_tasks_is_its_header(factory, world):
    book = _book(factory, "analyst")
    sheet = _sheet(book)
    assert ([c.value for c in sheet[3]], sheet.max_row, sheet.auto_filter.ref) == (HEADERS, 3, "A3:L3")
    assert task_ledger.ledger_csv(book).decode("utf-8-sig").splitlines() == [",".join(HEADERS)]
