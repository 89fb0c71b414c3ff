"""The 闭环 in Debian's Chromium: a run's problems become tasks, closed on evidence; 审议意见 followed.

Two walks on the demo platform, each as the people who do it, each in their own browser context:

1. run → 问题清单 → 整改任务 → 佐证 → 销号. The analyst (``fenxi``) starts 天工鼎 2024, finds the
   run's problems by the rules, gives 永康市 problems to their 牵头单位 (one of them 统计局, the demo
   reporter's department); 统计局's 填报员 (``tianbao``) claims it, writes the measures, adds a step and
   asks to close it with a statement, the indicator's new value and a PNG; the analyst checks and
   closes it (核实销号), the page shows 已销号 and the 整改成效; the 台账 downloads as Excel and holds it.
2. 审议意见 → 整改任务 → 整改情况报告. 人大 (``renda``, set on 永康市) records a review item on
   /congress; the analyst gives it to a named department on /tasks; /congress follows the item to its
   task's state, and its 整改情况报告 draft (Word) names the item and the department.

Set ``ZONGHENG_DOCS_IMG=1`` to also write docs/img/platform_tasks.png, platform_task.png and
platform_congress.png.
"""

from __future__ import annotations

import re
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest

from .browser_steps import demo_chromium, publish, start_tiangong_run
from .test_browser import live_demo, needs_chromium  # noqa: F401  (live_demo: fixture)

DEPARTMENT = "永康市统计局"
"""The demo reporter's department (``tianbao`` reports for 统计局 only)."""


def _png() -> bytes:
    """A 2×2 grey PNG, written by hand (a real image: the upload check sniffs the content)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * 2 for _ in range(2))     # filter byte, two grey pixels
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _problems_from_run(page) -> int:
    """On the run page, press 按规则生成问题清单; on /tasks, return how many problems it says are new."""
    page.click("form.rules-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/tasks\?rules=\d+-\d+-\d+#problems$"))
    notice = page.locator("p.rules-done").inner_text()
    found = re.search(r"新增问题 (\d+) 个", notice)
    assert found, notice
    return int(found.group(1))


def _assign(page, row, due: date, department: str | None = None) -> int:
    """Give the problem of ``row`` to its 牵头单位 (or ``department``, by name); return the new task's id."""
    form = row.locator("form.assign-form")
    if department is not None:
        form.locator("select[name=department]").select_option(label=department)
    form.locator("input[name=due]").fill(due.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/tasks/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _give_out(page, today: date) -> tuple[int, str]:
    """Give three 永康市 problems to their 牵头单位: one of 统计局's, two others (the ledger's table).

    统计局's is a 路径抓手 (its page says the value the path needs). Returns its task's id and title.
    """
    rows = page.locator("table.problems tr[data-problem]")
    ours = rows.filter(has_text="永康市：").filter(has_text="路径抓手").filter(
        has=page.locator("select[name=department] option", has_text=f"牵头单位 {DEPARTMENT}")).first
    title = ours.locator("td").nth(1).inner_text().split(" ")[0]
    task = _assign(page, ours, today + timedelta(days=30))
    assert page.locator("p.task-meta").get_attribute("data-state") == "pending"
    meta = page.locator("p.task-meta").inner_text()
    assert f"责任单位：{DEPARTMENT}" in meta and "待认领" in meta
    for days in (5, 45):               # one due within a week: the table's 7 天内到期 column
        page.goto(page.url.rsplit("/tasks/", 1)[0] + "/tasks#problems")
        other = page.locator("table.problems tr[data-problem]").filter(has=page.locator(
            "select[name=department] option:first-child", has_text="牵头单位")).filter(
            has_not=page.locator("option:first-child", has_text=DEPARTMENT)).first
        _assign(page, other, today + timedelta(days=days))
    return task, title


def _do_the_work(page, base: str, task: int) -> float:
    """As 统计局's 填报员: claim, measures, a step, 申请销号 with a new value and a PNG; return the value."""
    page.goto(f"{base}/tasks/{task}")
    page.click("form.claim-form button[type=submit]")
    page.wait_for_selector("p.task-meta[data-state=in_progress]")
    assert "tianbao" in page.locator("p.task-meta").inner_text()       # the 责任人 now
    page.fill("form.measures-form textarea[name=text]", "逐月调度规上企业利润，联合税务核对口径（演示）")
    page.click("form.measures-form button[type=submit]")
    page.wait_for_selector("p.measures-text")
    assert "逐月调度" in page.inner_text("p.measures-text")
    page.fill("form.milestone-form input[name=title]", "完成一季度企业走访")
    page.fill("form.milestone-form input[name=due]", (date.today() + timedelta(days=20)).isoformat())
    page.click("form.milestone-form button[type=submit]")
    page.wait_for_selector("ul.milestones li:has-text('完成一季度企业走访')")
    # The department reaches what the path to the target rank needs: the indicator improves.
    new_value = float(page.locator("dd.fact[data-fact=needed]").inner_text().replace(",", ""))
    form = page.locator("form.request-form")
    form.locator("textarea[name=text]").fill("利润增速已回升，附企业走访记录（演示）")
    form.locator("input[name=new_value]").fill(str(new_value))
    form.locator("input[name=files]").set_input_files(
        {"name": "走访记录.png", "mimeType": "image/png", "buffer": _png()})
    form.locator("button[type=submit]").click()
    page.wait_for_selector("p.task-meta[data-state=requested]")
    assert page.locator("div.evidence-item a.task-file").inner_text() == "走访记录.png"
    assert page.locator("form.verify-form").count() == 0          # the asker cannot close it
    return new_value


def _verify(page, base: str, task: int, new_value: float, shots: Path) -> None:
    """As the analyst: 核实销号; the page says 已销号, by whom, and shows the 整改成效 with the new value."""
    page.goto(f"{base}/tasks/{task}")
    page.fill("form.verify-form input[name=note]", "佐证齐全，同意销号")
    page.click("form.verify-form button[type=submit]")
    page.wait_for_selector("p.task-meta[data-state=closed]")
    assert "已销号" in page.locator("p.task-meta span.state").inner_text()
    assert "fenxi" in page.inner_text("p.closed-note")
    effect = page.locator("section.task-effect")
    assert effect.get_attribute("data-verdict") == "improved"        # read with the indicator's direction
    assert "改善" in effect.locator("strong.verdict").inner_text()
    given = effect.locator("tr[data-kind=evidence] td.num").first.inner_text()
    assert float(given.replace(",", "")) == new_value
    assert effect.locator("tr[data-kind=run]").count() >= 1            # the run that found it
    actions = page.locator("table.events tr[data-action]").evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    for action in ("assign", "claim", "work", "request", "verify"):
        assert action in actions, actions
    notes = page.locator("table.events tr[data-action=work] td:last-child").all_inner_texts()
    assert notes == ["修改整改措施", "新增节点：完成一季度企业走访"], notes      # not the stored codes
    page.screenshot(path=str(shots / "platform_task.png"), full_page=True)


def _ledger(page, base: str, title: str, shots: Path) -> None:
    """The 台账 page (the departments' table) and its Excel download, which holds the closed task."""
    from openpyxl import load_workbook

    page.goto(f"{base}/tasks")
    closed = page.locator("table.tasks tr[data-state=closed]")
    assert closed.count() == 1 and title in closed.inner_text()
    departments = page.locator("table.by-department tbody tr")
    assert departments.count() == 2                     # the two still open; 统计局's is closed
    assert page.locator("table.record tbody tr").filter(has_text=DEPARTMENT).count() == 1
    with page.expect_download() as download:
        page.click("a.ledger-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:     # Playwright's file has no .xlsx suffix
        sheet = load_workbook(f).active
    rows = [[str(c) if c is not None else "" for c in row]
            for row in sheet.iter_rows(min_row=4, values_only=True)]   # rows 1–3: title, date, header
    assert len(rows) == 3
    ours = [row for row in rows if any(title in c for c in row)]
    assert len(ours) == 1 and DEPARTMENT in ours[0] and "已销号" in ours[0], ours
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.screenshot(path=str(shots / "platform_tasks.png"), full_page=False)   # the tables, not every problem


@needs_chromium
@pytest.mark.parametrize("live_demo", [True], indirect=True)
def test_a_runs_problem_becomes_a_task_closed_on_evidence(live_demo, tmp_path):  # noqa: F811
    base = live_demo[0]
    today = date.today()
    with demo_chromium(live_demo) as chromium:
        analyst = chromium.login("fenxi")
        analyst.set_viewport_size({"width": 1400, "height": 900})
        start_tiangong_run(analyst)
        created = _problems_from_run(analyst)
        assert created > 0
        assert analyst.locator("table.problems tr[data-problem]").count() == created   # none before
        task, title = _give_out(analyst, today)
        reporter = chromium.login("tianbao")
        new_value = _do_the_work(reporter, base, task)
        _verify(analyst, base, task, new_value, tmp_path)
        _ledger(analyst, base, title, tmp_path)
    publish(tmp_path, *("platform_tasks.png", "platform_task.png"))


ITEM = "加快推进工业固废资源化利用，提高一般工业固体废物综合利用率（演示）"
NAMED = "永康市生态环境局"


def _report_text(path: Path) -> str:
    """Every paragraph and table cell of a Word file, as python-docx reads it."""
    from docx import Document

    with open(path, "rb") as f:
        doc = Document(f)
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


@needs_chromium
def test_a_congress_review_item_is_followed_to_its_task_and_report(live_demo, tmp_path):  # noqa: F811
    base = live_demo[0]
    with demo_chromium(live_demo) as chromium:
        congress = chromium.login("renda")
        congress.set_viewport_size({"width": 1400, "height": 900})
        congress.click("a[href='/congress']")
        congress.wait_for_url(base + "/congress")
        assert congress.locator("table.congress-items").count() == 0
        form = congress.locator("form.congress-form")
        form.locator("select[name=region]").select_option(label="永康市")
        form.locator("textarea[name=title]").fill(ITEM)
        form.locator("button[type=submit]").click()
        congress.wait_for_url(base + "/congress")
        item = congress.locator("table.congress-items tr[data-item]")
        assert item.count() == 1 and ITEM in item.inner_text()
        assert "尚未下达任务" in item.inner_text()

        analyst = chromium.login("fenxi")
        analyst.goto(base + "/tasks#problems")
        row = analyst.locator("table.problems tr[data-problem]").filter(has_text=ITEM)
        assert "人大审议意见" in row.inner_text()
        task = _assign(analyst, row, date.today() + timedelta(days=60), department=NAMED)
        assert f"责任单位：{NAMED}" in analyst.inner_text("p.task-meta")

        congress.reload()
        follow = congress.locator("table.congress-items div.item-task[data-state=pending]")
        assert follow.count() == 1
        assert f"#{task}" in follow.inner_text() and NAMED in follow.inner_text()
        assert "待认领" in follow.locator("span.state").inner_text()
        congress.screenshot(path=str(tmp_path / "platform_congress.png"), full_page=True)
        with congress.expect_download() as download:
            congress.click("a.report-link")
        assert download.value.suggested_filename.endswith(".docx")
        report = _report_text(Path(download.value.path()))
    assert ITEM in report and NAMED in report
    publish(tmp_path, "platform_congress.png")
