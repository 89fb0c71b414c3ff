"""Attack, XSS: hostile names stored through the services, then every page read by every role (issue 15).

A world whose region (unit) names, department name, indicator names, user name, value comment,
problem titles, 措施, 退回 reason, 审议意见, evidence and 销号 file names and API-token name are
script payloads is read through every GET route of the registry (read from the app, so a page added
later is read too), as each of the six roles. Every HTML answer must:

- carry none of the payloads' active markup (an ``<img``/``<script``/``<svg``/``<iframe`` tag, or an
  attribute breaking out of its quotes) and no ``href``/``src``/``action`` that is a ``javascript:``
  URL; the payloads still show, escaped, somewhere (else the test would pass on empty pages);
- carry the strict Content-Security-Policy (no ``'unsafe-inline'``/``'unsafe-eval'`` for scripts, no
  framing) and the other security headers; have no inline script (only ``src="/static/…"`` and
  ``type="application/json"`` data blocks).

Downloads (xlsx, csv, zip, docx, files) are checked for ``nosniff`` and for not being served as HTML.
SQLite only: escaping does not depend on the database.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import numpy as np
import pytest
from sqlalchemy import select

from zongheng.platform.app import SECURITY_HEADERS
from zongheng.platform.db import transaction
from zongheng.platform.models import (
    Department,
    FrameworkIndicator,
    Problem,
    ProblemSource,
    Region,
    Submission,
    Task,
    User,
)
from zongheng.platform.pages.registry import routes
from zongheng.platform.services import entry, evidence, jobs, runs, task_notices, tasks, tokens

from .attack_world import database_url  # noqa: F401  (SQLite only)
from .conftest import READS, USERS, login
from .grading_world import tiny_grading
from .run_world import store_run
from .test_tasks import PNG

# Each payload tries a different context: element content, a quoted attribute, a textarea, a URL.
HOSTILE = {
    "region_a": "<img src=x onerror=alert(1)>甲县",
    "region_b": '"><script>alert(2)</script>乙县',
    "department": "<svg onload=alert(3)>部门",
    "indicator": "'><iframe src=javascript:alert(4)>指标",
    "dimension": "<script>alert(5)</script>维度",
    "user": '<img src=x onerror=alert("名")>',
    "comment": "</textarea><script>alert(6)</script>说明",
    "title": "<script>alert(7)</script>问题",
    "measures": "javascript:alert(8)",
    "reason": "\"><img src=x onerror=alert(9)>退回",
    "task_file": "<img src=x onerror=alert(10)>.png",
    "evidence_file": '"><svg onload=alert(11)>.png',
    "token": "<script>alert(12)</script>令牌",
}
ACTIVE = re.compile(r"<(img|script|svg|iframe)\b[^>]*(onerror|onload|alert|javascript)|<script>alert",
                    re.IGNORECASE)
TODAY = date.today()
READ: dict[str, int] = {}
"""Pages read and payload sightings (for docs/reliability/attack.md)."""



def _user(s, name: str) -> User:
    return s.scalars(select(User).where(User.username == name)).one()


def hostile_world(factory, world) -> dict[str, object]:
    """Rename the small world's units, department, indicator and a user to payloads, and store payloads
    through the services: a comment, a run, problems and tasks (with a file, 措施 and a 退回 reason),
    inbox notices, an evidence file, a grading and an API token. Return the ids the pages need."""
    with transaction(factory) as s:
        for code, key in (("A", "region_a"), ("B", "region_b")):
            s.scalars(select(Region).where(Region.code == code)).one().name = HOSTILE[key]
        s.scalars(select(Department).where(Department.code == "DA")).one().name = HOSTILE["department"]
        s.scalars(select(FrameworkIndicator)).one().name = HOSTILE["indicator"]
        _user(s, "reporter").display_name = HOSTILE["user"]
    with transaction(factory) as s:
        s1 = s.get(Submission, world.submissions["s1"])
        entry.save_entries(s, s1, {s1.values[0].id: "7"}, {s1.values[0].id: HOSTILE["comment"]},
                           user_id=world.users["reporter"])
        evidence_row = evidence.add(s, s1, s1.values[0].id, HOSTILE["evidence_file"], io.BytesIO(PNG),
                                    user_id=world.users["reporter"], limits=evidence.Limits(1 << 20, 3))
        evidence_id = evidence_row.id
    framework = {"code": "M", "name": "小指标体系", "children": [
        {"code": "D1", "name": HOSTILE["dimension"], "children": [
            {"code": "X1", "name": HOSTILE["indicator"], "direction": 1, "department": "DA"},
            {"code": "X2", "name": "指标二", "direction": 1, "department": "DA"}]}]}
    values = np.array([[[10.0, 5.0], [12.0, 4.0]], [[11.0, 6.0], [15.0, 3.0]]])
    run_id = store_run(factory, ["A", "B"], framework, values)
    limits = evidence.Limits(1 << 20, 3)
    task_ids = []
    with transaction(factory) as s:
        analyst, reporter = _user(s, "analyst"), _user(s, "reporter")
        for region, department, source in (("A", "DA", ProblemSource.WEAKEST),
                                           ("B", "DB", ProblemSource.CONGRESS)):
            problem = tasks.record_problem(s, analyst, source=source, region_code=region,
                                           title=HOSTILE["title"], indicator_code="X1", run_id=run_id)
            task = tasks.assign(s, analyst, problem, due=TODAY + timedelta(days=30),
                                department_code=department, today=TODAY)
            task_notices.tell(s, task, "assign", analyst, today=TODAY)
            task_ids.append(task.id)
        task = s.get(Task, task_ids[0])
        tasks.claim(s, reporter, task)
        tasks.set_measures(s, reporter, task, HOSTILE["measures"])
        tasks.request_close(s, reporter, task, text=HOSTILE["title"], new_value=13.0,
                            files=[(HOSTILE["task_file"], io.BytesIO(PNG))], limits=limits)
        tasks.send_back(s, analyst, task, HOSTILE["reason"])
        task_notices.tell(s, task, "send_back", analyst, today=TODAY, note=HOSTILE["reason"])
        file_id = task.evidence[0].files[0].id
        problem_id = s.scalars(select(Problem.id).order_by(Problem.id)).first()
        job_id = jobs.enqueue(s, "evaluate", {}, user_id=analyst.id).id
        token_ids = {name: tokens.create(s, _user(s, name), "k", HOSTILE["token"])[1].id for name in USERS}
    return {"run": run_id, "tasks": task_ids, "file": file_id, "problem": problem_id, "job": job_id,
            "tokens": token_ids, "evidence": evidence_id, "grading": tiny_grading(factory, "A")}


def _urls(path: str, name: str, ids: dict[str, object], world) -> list[str]:
    """Every address of ``path`` worth reading as user ``name`` in the hostile world."""
    filled = {"{run_id}": ids["run"], "{job_id}": ids["job"], "{file_id}": ids["file"],
              "{problem_id}": ids["problem"], "{evidence_id}": ids["evidence"],
              "{grading_id}": ids["grading"],
              "{token_id}": ids["tokens"][name], "{department}": "DA", "{firm}": 0, "{document_id}": 1}
    for key, value in filled.items():
        path = path.replace(key, str(value))
    variants = [path]
    if "{unit}" in path:
        variants = [path.replace("{unit}", quote(HOSTILE[k], safe="")) for k in ("region_a", "region_b")]
    if "{task_id}" in path:
        variants = [v.replace("{task_id}", str(t)) for v in variants for t in ids["tasks"]]
    if "{submission_id}" in path:
        keys = sorted(READS[name] & {"s1", "s2", "s7"}) or sorted(READS[name])[:1]
        variants = [v.replace("{submission_id}", str(world.submissions[k])) for v in variants for k in keys]
    assert not any("{" in v for v in variants), f"cannot fill the parameters of {path}"
    return variants


@pytest.mark.parametrize("name", list(USERS))
def test_every_page_escapes_hostile_names_under_a_strict_policy(app, client, world, factory, name,
                                                                monkeypatch):
    # run_world stores every run with the digest "0"*64, and runs.evaluation_of caches by (id, digest,
    # method): another test's run 1 would be served for this one's.
    monkeypatch.setattr(runs, "_REBUILT", {})
    ids = hostile_world(factory, world)
    login(client, name)
    shown: set[str] = set()
    pages = 0
    for spec in routes(app):
        if spec.method != "GET" or spec.public or USERS[name][0] not in spec.roles:
            continue
        for url in _urls(spec.path, name, ids, world):
            response = client.get(url, follow_redirects=False)
            assert response.status_code < 500, (url, response.status_code)
            for header in ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
                assert response.headers.get(header) == SECURITY_HEADERS[header], (url, header)
            kind = response.headers.get("content-type", "")
            if not kind.startswith("text/html"):
                # A download is never offered as a page, and the browser may not guess otherwise.
                assert response.status_code != 200 or "html" not in kind, (url, kind)
                continue
            pages += 1
            _assert_safe(url, response)
            text = html.unescape(response.text)
            shown |= {k for k, v in HOSTILE.items() if v in text}
    READ[name] = pages
    # Not vacuous: the payloads this role may see were on its pages (escaped).
    expected = {"analyst": {"region_a", "region_b", "department", "indicator", "dimension", "title",
                            "measures", "reason", "task_file", "evidence_file", "token"},
                "reporter": {"region_a", "indicator", "comment", "title", "measures", "reason", "task_file",
                             "evidence_file", "token"},
                "congress": {"region_b", "title", "token"}}.get(name, {"token"})
    assert expected <= shown, (name, expected - shown)


class _Tags(HTMLParser):
    """The start tags of a page as a browser parses them, attribute values unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _assert_safe(url: str, response) -> None:
    body = response.text
    assert not ACTIVE.search(body), (url, ACTIVE.search(body).group(0))
    parser = _Tags()
    parser.feed(body)
    for tag, attrs in parser.tags:
        assert not [a for a in attrs if a.startswith("on")], (url, tag, attrs)      # no inline handler
        for name in ("href", "src", "action", "formaction"):
            target = re.sub(r"[\x00-\x20]", "", attrs.get(name) or "").lower()
            assert not target.startswith(("javascript:", "data:text/html", "vbscript:")), (url, tag, attrs)
        if tag == "script":     # only files of this site, or inert JSON data
            inert = attrs.get("type") == "application/json"
            assert (attrs.get("src") or "").startswith("/static/") or inert, (url, attrs)
        assert tag not in ("iframe", "object", "embed", "base"), (url, tag)
    policy = response.headers["Content-Security-Policy"]
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (p.strip() for p in policy.split(";")) if d)
    script = directives.get("script-src", directives.get("default-src", ""))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script, url
    assert directives.get("frame-ancestors") == "'none'" and directives.get("object-src") == "'none'", url
