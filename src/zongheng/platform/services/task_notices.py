"""Who hears of a task's move (任务通知): the in-app inbox, mirrored by mail when SMTP is set.

=========  ===================================================  ==============================
move       who is told                                          message
=========  ===================================================  ==============================
assign     the 责任单位's 填报员 (its head if it has none)        pf_msg_task_assigned
request    the analysts over the task                           pf_msg_task_requested
verify     the 责任人 and whoever asked to close                  pf_msg_task_closed
send_back  the 责任人 and whoever asked to close                  pf_msg_task_returned
reopen     the 责任人 (the department's 填报员 if none)           pf_msg_task_reopened
=========  ===================================================  ==============================

The one who moved the task is never told of their own move. 催办 has its own messages and levels
(services/chasing.py).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from zongheng.i18n import register_messages
from zongheng.platform.models import Department, Role, Task, User
from zongheng.platform.services import chasing
from zongheng.platform.services.mailer import MailConfig, addresses_of, notify

__all__ = ["KEYS", "tell"]

register_messages({
    "pf_msg_task_assigned": ("新整改任务：“{title}”已下达给{department}，时限 {due}，请认领。",
                             "New task: “{title}” was given to {department}, due {due}; please claim it."),
    "pf_msg_task_requested": ("申请销号：“{title}”（{department}）已提交佐证，请核实。",
                              "Asked to close: “{title}” ({department}) has its evidence in; please verify."),
    "pf_msg_task_closed": ("已销号：“{title}”经核实销号。", "Closed: “{title}” was verified and closed."),
    "pf_msg_task_returned": ("退回：“{title}”的销号申请被退回，理由：{note}",
                             "Sent back: the request to close “{title}” was refused: {note}"),
    "pf_msg_task_reopened": ("重新打开：“{title}”已重新打开，理由：{note}",
                             "Reopened: “{title}” was opened again: {note}"),
})

KEYS = {"assign": "pf_msg_task_assigned", "request": "pf_msg_task_requested", "verify": "pf_msg_task_closed",
        "send_back": "pf_msg_task_returned", "reopen": "pf_msg_task_reopened"}
"""The message of each move that tells someone."""


def _who(db: Session, task: Task, action: str, today: date) -> list[User]:
    if action in ("assign", "reopen") and (action == "assign" or task.owner_id is None):
        return chasing.recipients(db, task, 1, today)
    if action == "request":
        return chasing.reaching(db, task, frozenset({Role.ANALYST}), today)
    ids = {i for i in (task.owner_id, task.requested_by) if i is not None}
    return [u for u in (db.get(User, i) for i in sorted(ids)) if u is not None and not u.disabled]


def tell(db: Session, task: Task, action: str, actor: User, *, today: date, note: str = "",
         mail: MailConfig | None = None, base_url: str = "") -> list[int]:
    """Tell the people a move concerns (the table above); return the user ids told.

    A move without a message (claim, measures, steps) tells nobody. Call it after the move
    succeeded and before the commit: the message commits with the move.
    """
    key = KEYS.get(action)
    if key is None:
        return []
    told = [u.id for u in _who(db, task, action, today) if u.id != actor.id]
    addresses = addresses_of(db, told)
    department = chasing.names_of(db, Department, [task.department_code], today).get(
        task.department_code, task.department_code)
    for user_id in told:
        notify(db, user_id, key, config=mail, address=addresses.get(user_id), link=f"/tasks/{task.id}",
               sender_id=actor.id, base_url=base_url, title=task.problem.title, department=department,
               due=task.due.isoformat(), note=note)
    return told
