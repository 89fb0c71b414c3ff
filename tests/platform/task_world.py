"""Tasks in every state for the small world (conftest.build_world): the 台账, report and record tests.

Built with the steps of test_tasks.py (one transaction per step, as a person would take them).
Departments DA (worked by reporter and approver), DA2 (at A, nobody works it) and DB (at B):

=================  ======  ===========  ====================  =====================================
name               where   source       时限                   what happened
=================  ======  ===========  ====================  =====================================
closed             A, DA   weakest      DUE                   claimed, 措施, two 节点 (one done),
                                                              evidence 13.5 and a file, verified
late               A, DA   weakest      PAST                  claimed, evidence 12, verified (late)
returned           A, DA   decline      DUE                   claimed, evidence 1, sent back
reopened           A, DA   weakest      DUE                   claimed, evidence 2, verified, reopened
overdue            A, DA2  weakest      PAST                  nothing: 待认领 and overdue
formula            B, DB   weakest      DUE                   nothing (its title is a formula)
congress_done      A, DA   congress 1   DUE                   claimed, 措施, evidence 3, verified
congress_late      A, DA2  congress 1   PAST                  nothing: overdue
congress_open      A, DA   congress 2   DUE                   claimed, 措施
instruction        A, DA   instruction  DUE                   nothing
=================  ======  ===========  ====================  =====================================

A third 审议意见 (``congress_3``, at A) is recorded and given to nobody.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from zongheng.platform.db import transaction
from zongheng.platform.models import Milestone, Problem, ProblemSource, Task
from zongheng.platform.services import tasks

from .test_tasks import DUE, PNG, TODAY, _ask, _do, _user

PAST = TODAY - timedelta(days=10)
FORMULA = '=HYPERLINK("http://evil.example","点击")'
CONGRESS = ("审议意见：加快淘汰落后产能", "审议意见：提高污水处理率", "审议意见：加强生态补偿")
INSTRUCTION = "领导批示：亩均效益提升"


def closed_day(factory, task_id: int) -> date:
    """The local day (Asia/Shanghai) of a task's stored 销号 time (UTC)."""
    with factory() as s:
        at = s.get(Task, task_id).closed_at
    return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Shanghai")).date()


def _problem(factory, source: ProblemSource, region: str, title: str, by: str = "analyst") -> int:
    with transaction(factory) as s:
        return tasks.record_problem(s, _user(s, by), source=source, region_code=region, title=title,
                                    indicator_code="X1").id


def _give(factory, problem_id: int, department: str, due=DUE) -> int:
    """Assign on the day 20 days before ``due`` when that is past, as if it had been given then."""
    with transaction(factory) as s:
        on = min(TODAY, due - timedelta(days=20))
        return tasks.assign(s, _user(s, "analyst"), s.get(Problem, problem_id), due=due,
                            department_code=department, today=on).id


def _closed(factory, task_id: int, value: float, text: str = "已完成", files=()) -> None:
    _do(factory, "reporter", tasks.claim, task_id)
    _do(factory, "reporter", _ask(text, value, files), task_id)
    _do(factory, "analyst", tasks.verify, task_id)


def build_tasks(factory) -> dict[str, int]:
    """Create the tasks of the table above; return their ids by name (and ``congress_3``, a problem)."""
    ids: dict[str, int] = {}
    weakest = ProblemSource.WEAKEST
    ids["closed"] = _give(factory, _problem(factory, weakest, "A", "X1 居末位"), "DA")
    _do(factory, "reporter", tasks.claim, ids["closed"])
    _do(factory, "reporter", lambda s, u, t: tasks.set_measures(s, u, t, "引进两家规上企业"), ids["closed"])
    signed = _do(factory, "reporter", lambda s, u, t: tasks.add_milestone(s, u, t, "签约", TODAY).id,
                 ids["closed"])
    _do(factory, "reporter", lambda s, u, t: tasks.add_milestone(s, u, t, "投产", DUE), ids["closed"])
    with transaction(factory) as s:
        tasks.complete_milestone(s, _user(s, "reporter"), s.get(Milestone, signed))
    _do(factory, "reporter", _ask("已引进两家企业", 13.5, [("签约.png", io.BytesIO(PNG))]), ids["closed"])
    _do(factory, "analyst", tasks.verify, ids["closed"])

    ids["late"] = _give(factory, _problem(factory, weakest, "A", "X1 连续两年下滑"), "DA", PAST)
    _closed(factory, ids["late"], 12.0, "补报完成")

    ids["returned"] = _give(factory, _problem(factory, ProblemSource.DECLINE, "A", "X1 位次下降"), "DA")
    _do(factory, "approver", tasks.claim, ids["returned"])
    _do(factory, "approver", _ask("完成", 1.0), ids["returned"])
    _do(factory, "analyst", lambda s, u, t: tasks.send_back(s, u, t, "数值未经统计局核实"), ids["returned"])

    ids["reopened"] = _give(factory, _problem(factory, weakest, "A", "X1 低于目标"), "DA")
    _closed(factory, ids["reopened"], 2.0)
    _do(factory, "analyst", lambda s, u, t: tasks.reopen(s, u, t, "下期数值回落"), ids["reopened"])

    ids["overdue"] = _give(factory, _problem(factory, weakest, "A", "X1 短板"), "DA2", PAST)
    ids["formula"] = _give(factory, _problem(factory, weakest, "B", FORMULA), "DB")

    first = _problem(factory, ProblemSource.CONGRESS, "A", CONGRESS[0])
    ids["congress_done"] = _give(factory, first, "DA")
    _do(factory, "reporter", tasks.claim, ids["congress_done"])
    _do(factory, "reporter", lambda s, u, t: tasks.set_measures(s, u, t, "关停三家高耗能企业"),
        ids["congress_done"])
    _do(factory, "reporter", _ask("已关停三家企业", 3.0), ids["congress_done"])
    _do(factory, "analyst", tasks.verify, ids["congress_done"])
    ids["congress_late"] = _give(factory, first, "DA2", PAST)
    ids["congress_open"] = _give(factory, _problem(factory, ProblemSource.CONGRESS, "A", CONGRESS[1]), "DA")
    _do(factory, "reporter", tasks.claim, ids["congress_open"])
    _do(factory, "reporter", lambda s, u, t: tasks.set_measures(s, u, t, "新建两座污水处理厂"),
        ids["congress_open"])
    ids["congress_3"] = _problem(factory, ProblemSource.CONGRESS, "A", CONGRESS[2])
    ids["instruction"] = _give(factory, _problem(factory, ProblemSource.INSTRUCTION, "A", INSTRUCTION,
                                                 by="leader"), "DA")
    return ids
