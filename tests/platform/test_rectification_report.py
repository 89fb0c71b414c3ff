"""The 整改情况报告 draft (services/rectification_report.py), read back with python-docx.

task_world.py's 审议意见: item 1 has a closed task (DA) and an overdue one (DA2), item 2 one in
progress (DA), item 3 none; a 领导批示 has one pending task (DA). The counts and sentences below are
derived from that table by hand.
"""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from zongheng.platform.services import rectification_report

from .task_world import CONGRESS, INSTRUCTION, PAST, build_tasks, closed_day
from .test_tasks import DUE, TODAY, _user


@pytest.fixture
def placed(factory, world) -> dict[str, int]:
    return build_tasks(factory)


def _document(factory, name: str = "analyst", **options):
    with factory() as s:
        data = rectification_report.rectification_report(s, _user(s, name), today=TODAY, **options)
    return Document(io.BytesIO(data))


def _texts(doc, style: str | None = None) -> list[str]:
    return [p.text for p in doc.paragraphs if style is None or p.style.name == style]


def test_the_draft_answers_each_item_with_its_tasks_states_evidence_and_dates(factory, placed):
    doc = _document(factory)
    assert _texts(doc, "Title") == ["关于甲县人大常委会审议意见\n整改落实情况的报告"]
    assert any("草稿" in t for t in _texts(doc, "公文说明"))
    body = _texts(doc, "Normal")
    assert body[0] == (f"人大常委会审议意见共3条，已分解为整改任务3项。截至{TODAY.isoformat()}，已销号1项，"
                       "整改中1项，待认领1项；逾期未销号1项。")
    assert _texts(doc, "Heading 1") == ["一、审议意见整改落实情况", "二、整改任务清单"]
    assert _texts(doc, "Heading 2") == [f"（{n}）{t}" for n, t in zip("一二三", CONGRESS, strict=True)]
    day = closed_day(factory, placed["congress_done"])
    assert body[1:5] == [
        f"1. 部门DA（责任人：reporter）：关停三家高耗能企业。当前状态：已销号，时限{DUE.isoformat()}，"
        f"{day.isoformat()}销号。整改成效：已关停三家企业，指标一新值为3%。",
        f"2. 部门DA2：【待填写：整改措施】。当前状态：待认领，时限{PAST.isoformat()}，"
        f"已逾期{(TODAY - PAST).days}天。",
        f"1. 部门DA（责任人：reporter）：新建两座污水处理厂。当前状态：整改中，时限{DUE.isoformat()}。",
        "此项尚未分解为整改任务。",
    ]
    assert not any("领导批示" in t for t in _texts(doc))
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["序号", "审议意见", "责任单位", "时限", "状态", "销号日期"],
        ["1", CONGRESS[0], "部门DA", DUE.isoformat(), "已销号", day.isoformat()],
        ["2", CONGRESS[0], "部门DA2", PAST.isoformat(), "待认领", "—"],
        ["3", CONGRESS[1], "部门DA", DUE.isoformat(), "整改中", "—"],
    ]


def test_the_draft_is_set_in_the_official_chinese_fonts(factory, placed):
    doc = _document(factory)
    fonts = {name: doc.styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
             for name in ("Title", "Normal", "Heading 1", "Heading 2")}
    assert fonts == {"Title": "方正小标宋简体", "Normal": "仿宋_GB2312", "Heading 1": "黑体",
                     "Heading 2": "楷体_GB2312"}
    assert "草稿" in doc.core_properties.keywords


def test_leaders_instructions_are_an_optional_part(factory, placed):
    doc = _document(factory, instructions=True)
    assert _texts(doc, "Heading 1") == ["一、审议意见整改落实情况", "二、领导批示落实情况",
                                        "三、整改任务清单"]
    assert _texts(doc, "Heading 2")[-1] == f"（一）{INSTRUCTION}"
    body = _texts(doc, "Normal")
    assert body[1] == "领导批示1件，分解为整改任务1项，已销号0项。"
    assert f"1. 部门DA：【待填写：整改措施】。当前状态：待认领，时限{DUE.isoformat()}。" in body
    items = [row.cells[1].text for row in doc.tables[0].rows][1:]
    assert items == [CONGRESS[0], CONGRESS[0], CONGRESS[1], INSTRUCTION]


def test_a_department_reads_its_own_tasks_and_the_items_given_to_nobody(factory, placed):
    doc = _document(factory, "reporter")     # DA at A: not DA2's overdue task
    text = "\n".join(_texts(doc))
    assert "部门DA2" not in text
    assert _texts(doc, "Normal")[0] == (f"人大常委会审议意见共3条，已分解为整改任务2项。"
                                        f"截至{TODAY.isoformat()}，已销号1项，整改中1项，"
                                        "待认领0项；逾期未销号0项。")
    assert "此项尚未分解为整改任务。" in text
    # 人大 over {B} sees no item at A; the report of B has none either.
    for name, options in (("congress", {}), ("analyst", {"region_code": "B"})):
        doc = _document(factory, name, **options)
        assert _texts(doc, "Normal")[0].startswith("人大常委会审议意见共0条，已分解为整改任务0项。"), name
        assert (_texts(doc, "Heading 2"), doc.tables) == ([], [])
    title = _texts(_document(factory, region_code="B"), "Title")
    assert title == ["关于乙县人大常委会审议意见\n整改落实情况的报告"]


def test_the_draft_in_english(factory, placed):
    doc = _document(factory, lang="en")
    assert _texts(doc, "Title")[0].startswith("Report of 甲县 on")
    body = _texts(doc, "Normal")
    assert body[0].startswith("The review of the People's Congress made 3 points, given to responsible units "
                              "as 3 tasks.")
    assert body[1].startswith("1. 部门DA (in charge: reporter): 关停三家高耗能企业. Status: closed")
    assert body[1].endswith("Result: 已关停三家企业; 指标一 now 3%.")
