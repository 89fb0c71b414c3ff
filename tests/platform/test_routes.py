"""Every registered route × every role × own and other scope; every route refuses anonymous callers.

The route list comes from the app itself (zongheng.platform.pages.registry.routes), so a route
added later is tested here without anyone remembering to: a route whose path parameters this
test cannot fill fails it.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest

from zongheng.platform.models import Role
from zongheng.platform.pages.registry import routes

from .conftest import READS, USERS, csrf_of, login

PUBLIC = {("GET", "/login"), ("POST", "/login")}
ROLES = {name: role for name, (role, _) in USERS.items()}


def _url(path: str, submission_id: int | None, token_id: int | None = None, *, run_id: int | None = None,
         job_id: int | None = None, evidence_id: int | None = None, unit: str = "A",
         document_id: int | None = None, grading_id: int | None = None, firm: int = 0,
         task_id: int | None = None, file_id: int | None = None, problem_id: int | None = None) -> str:
    if "{evidence_id}" in path:
        path = path.replace("{evidence_id}", str(evidence_id or 1))
    if "{submission_id}" in path:
        path = path.replace("{submission_id}", str(submission_id))
    if "{token_id}" in path:
        path = path.replace("{token_id}", str(token_id or 1))
    for name, value in (("{run_id}", run_id), ("{job_id}", job_id), ("{document_id}", document_id),
                        ("{task_id}", task_id), ("{file_id}", file_id), ("{problem_id}", problem_id)):
        path = path.replace(name, str(value or 1))
    path = path.replace("{unit}", quote(unit))      # a unit of the run, by its name (URL-encoded)
    path = path.replace("{department}", quote("DA"))    # a lead department of run_world's framework
    path = path.replace("{grading_id}", str(grading_id or 1))
    path = path.replace("{firm}", str(firm))        # a firm of the grading, by its place in the list
    assert "{" not in path, f"the authorisation test cannot fill the parameters of {path}"
    return path


def test_the_registry_lists_every_route_and_only_the_login_is_public(app):
    specs = routes(app)
    assert {(r.method, r.path) for r in specs if r.public} == PUBLIC
    assert {(r.method, r.path) for r in specs} >= {("GET", "/"), ("GET", "/submissions/{submission_id}"),
                                                   ("POST", "/logout")}


def test_an_ungated_route_stops_the_app(settings):
    from zongheng.platform.app import create_app
    from zongheng.platform.pages.registry import check_routes

    app = create_app(settings)
    app.add_api_route("/leak", lambda: "data")
    with pytest.raises(RuntimeError, match="/leak"):
        check_routes(app)
    app.state.engine.dispose()


def test_every_data_route_refuses_an_anonymous_caller(app, client, world):
    for spec in routes(app):
        if spec.public:
            continue
        url = _url(spec.path, world.submissions["s2"])
        response = client.request(spec.method, url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), spec
        assert "12.5" not in response.text
        htmx = client.request(spec.method, url, headers={"HX-Request": "true"}, follow_redirects=False)
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login", spec


@pytest.mark.parametrize("name", list(USERS))
def test_every_route_every_role_own_and_other_scope(app, client, world, name, factory):
    login(client, name)
    csrf = csrf_of(client.get("/").text)
    own = sorted(READS[name])[0]
    other = "s9"        # city D: outside every test user's scope
    for spec in sorted(routes(app), key=lambda r: (r.method == "POST", r.path == "/logout")):  # logout last
        if spec.public:
            continue
        headers = {"X-CSRF-Token": csrf} if spec.method != "GET" else {}
        if ROLES[name] not in spec.roles:
            response = client.request(spec.method, _url(spec.path, world.submissions[own]), headers=headers,
                                      follow_redirects=False)
            assert response.status_code == 403, spec
            continue
        if spec.object is not None and spec.object[0] == "token":
            # A token belongs to its user: one's own opens, another user's looks like none.
            mine, theirs = _tokens(factory, world, name)
            inside = client.request(spec.method, _url(spec.path, None, mine), headers=headers,
                                    follow_redirects=False)
            outside = client.request(spec.method, _url(spec.path, None, theirs), headers=headers,
                                     follow_redirects=False)
            assert inside.status_code == 303 and outside.status_code == 404, spec
            continue
        if spec.object is not None and spec.object[0] in ("run", "job"):
            # A run is read by everyone whose scope touches one of its regions (city C's A and B
            # reach every test user; city D's reach none); a job by the analyst who started it.
            mine, theirs = _runs_and_jobs(factory, world, name)[spec.object[0]]
            key = f"{spec.object[0]}_id"
            unit = {"unit": _first_unit(factory, mine)} if spec.object[0] == "run" else {}
            # A run's document ({document_id}) opens through its own run: each run gets one.
            docs = {r: _document(factory, r) for r in (mine, theirs)} if "{document_id}" in spec.path else {}
            inside = client.request(spec.method, _url(spec.path, None, **{key: mine}, **unit,
                                                      document_id=docs.get(mine)),
                                    headers=headers, follow_redirects=False)
            outside = client.request(spec.method, _url(spec.path, None, **{key: theirs}, **unit,
                                                       document_id=docs.get(theirs)),
                                     headers=headers, follow_redirects=False)
            missing = client.request(spec.method, _url(spec.path, None, **{key: 999_999}, **unit,
                                                       document_id=docs.get(mine)),
                                     headers=headers, follow_redirects=False)
            # A POST on a run (生成文档) queues a job and goes to its page.
            assert inside.status_code in ((200, 303) if spec.method == "POST" else (200,)), spec
            assert outside.status_code == missing.status_code == 404, spec
            continue
        if spec.object is not None and spec.object[0] == "grading":
            # A 亩均 grading is read by analysts and leaders whose scope reaches its region (A: every
            # admitted test user; D: none of them).
            from .grading_world import tiny_grading

            ours, far = tiny_grading(factory, "A"), tiny_grading(factory, "D")
            inside, outside, missing = (
                client.request(spec.method, _url(spec.path, None, grading_id=i), headers=headers,
                               follow_redirects=False) for i in (ours, far, 999_999))
            # A POST on a grading (D firms → problems) goes on to the ledger.
            assert inside.status_code in ((200, 303) if spec.method == "POST" else (200,)), spec
            assert outside.status_code == missing.status_code == 404, spec
            continue
        if spec.object is not None and spec.object[0] in ("task", "problem"):
            # A task opens to whoever's scope holds its region and department (B's DB for 人大, A's
            # DA for the others); a problem to the analysts over its region; city D's to nobody here.
            ours = _task_world(factory, "B" if name == "congress" else "A")
            far = _task_world(factory, "D")
            none = {"task_id": 999_999, "problem_id": 999_999, "file_id": ours["file_id"]}
            inside, outside, missing = (
                client.request(spec.method, _url(spec.path, None, **ids), headers=headers,
                               follow_redirects=False) for ids in (ours, far, none))
            # A move the task's state or the caller's role refuses shows the task again (400).
            assert inside.status_code in ((200, 303, 400) if spec.method == "POST" else (200,)), spec
            assert outside.status_code == missing.status_code == 404, spec
            continue
        if spec.object is not None and spec.object[0] == "evidence":
            # An evidence file opens like the submission it belongs to (issue 12, evidence files).
            mine, theirs = _evidence(factory, world, own), _evidence(factory, world, other)
            inside, outside, missing = (
                client.request(spec.method, _url(spec.path, None, evidence_id=i), headers=headers,
                               follow_redirects=False) for i in (mine, theirs, 999_999))
            assert inside.status_code in (200, 303), spec
            assert outside.status_code == missing.status_code == 404, spec
            continue
        if spec.object is not None:
            assert spec.object[0] == "submission"
            inside = client.request(spec.method, _url(spec.path, world.submissions[own]), headers=headers,
                                    follow_redirects=False)
            outside = client.request(spec.method, _url(spec.path, world.submissions[other]), headers=headers,
                                     follow_redirects=False)
            missing = client.request(spec.method, _url(spec.path, 999_999), headers=headers,
                                     follow_redirects=False)
            assert inside.status_code in (200, 303), spec
            # Outside the scope looks exactly like not existing.
            assert outside.status_code == missing.status_code == 404, spec
            continue
        response = client.request(spec.method, _url(spec.path, None), headers=headers, follow_redirects=False)
        # Admitted: a page, a redirect, or (a form posted empty) a refusal of its input, never 403/404.
        assert response.status_code in ((200, 303, 400) if spec.method == "POST" else (200, 303)), spec


def _runs_and_jobs(factory, world, name: str) -> dict[str, tuple[int, int]]:
    """Make a run over A and B and one over D, a job of ``name`` and one of another user."""
    from zongheng.platform.db import transaction
    from zongheng.platform.services import jobs

    from .run_world import tiny_run

    ours, far = tiny_run(factory, ["A", "B"]), tiny_run(factory, ["D"])
    other = next(n for n in USERS if n != name)
    with transaction(factory) as s:
        mine = jobs.enqueue(s, "evaluate", {}, user_id=world.users[name]).id
        theirs = jobs.enqueue(s, "evaluate", {}, user_id=world.users[other]).id
    return {"run": (ours, far), "job": (mine, theirs)}


def _document(factory, run_id: int) -> int:
    """Store a small document of run ``run_id`` (fills {document_id}); return its id."""
    from zongheng.platform.db import transaction
    from zongheng.platform.models import RunDocument

    with transaction(factory) as s:
        row = RunDocument(run_id=run_id, version=1, kind="html", unit="A", lang="zh", filename="a.html",
                          media_type="text/html; charset=utf-8", size=2, sha256="0" * 64, unapproved=False,
                          data=b"ok")
        s.add(row)
        s.flush()
        return row.id


def _task_world(factory, region: str) -> dict[str, int]:
    """A problem at ``region`` given to its department as a task with one evidence file (fills {task_id},
    {file_id} and {problem_id}); return their ids."""
    from zongheng.platform.db import transaction
    from zongheng.platform.models import Problem, Task, TaskEvidence, TaskFile

    with transaction(factory) as s:
        problem = Problem(source="weakest", region_code=region, indicator_code="X1", title="X1 居末位")
        task = Task(problem=problem, region_code=region, department_code="D" + region, due=date(2030, 1, 1),
                    evidence=[TaskEvidence(text="已完成", files=[TaskFile(
                        name="a.txt", media_type="text/plain", size=2, sha256="0" * 64, data=b"ok")])])
        s.add(task)
        s.flush()
        return {"task_id": task.id, "file_id": task.evidence[0].files[0].id, "problem_id": problem.id}


def _first_unit(factory, run_id: int) -> str:
    """Return the first unit of a run, as the run names it (fills {unit})."""
    from zongheng.platform.models import Run
    from zongheng.platform.services import runs

    with factory() as s:
        return runs.results_of(s.get(Run, run_id)).units[0]


def _tokens(factory, world, name: str) -> tuple[int, int]:
    """Make a token for ``name`` and one for another user; return their ids."""
    from zongheng.platform.db import transaction
    from zongheng.platform.models import User
    from zongheng.platform.services import tokens

    other = next(n for n in USERS if n != name)
    with transaction(factory) as s:
        mine = tokens.create(s, s.get(User, world.users[name]), "k", "mine")[1].id
        theirs = tokens.create(s, s.get(User, world.users[other]), "k", "theirs")[1].id
    return mine, theirs


def _evidence(factory, world, key: str) -> int:
    """Attach a small text file to the value of submission ``key`` (any state); return its id."""
    from zongheng.platform.db import transaction
    from zongheng.platform.models import Evidence, EvidenceContent, Submission

    with transaction(factory) as s:
        value = s.get(Submission, world.submissions[key]).values[0]
        row = Evidence(value_id=value.id, name="a.txt", media_type="text/plain; charset=utf-8", size=2,
                       sha256="0" * 64, content=EvidenceContent(data=b"ok"))
        s.add(row)
        s.flush()
        return row.id


@pytest.mark.parametrize("name", list(USERS))
def test_every_submission_page_opens_for_exactly_the_readers(client, world, name):
    login(client, name)
    for key, sid in world.submissions.items():
        status = client.get(f"/submissions/{sid}").status_code
        assert status == (200 if key in READS[name] else 404), (name, key)


def test_roles_of_the_matrix_are_all_the_roles():
    assert set(ROLES.values()) == set(Role)


def test_a_malformed_address_is_an_html_error_after_login_and_a_redirect_before(client, world):
    assert client.get("/submissions/abc", follow_redirects=False).status_code == 303
    login(client, "analyst")
    for bad in ("abc", "0", "-1", "9" * 30):
        response = client.get(f"/submissions/{bad}")
        assert response.status_code == 400 and "请求无效" in response.text, bad
        assert response.headers["content-type"].startswith("text/html")
