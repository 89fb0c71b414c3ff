"""The API's writes: values, workflow actions, 说明, bulk values, write tokens (SQLite and PostgreSQL).

The small world of conftest.py, with s1 (甲县 DA, draft) given ten indicators X1..X10 (X1 in %,
X2 in 元, the others in 个), and rules that flag X4 above 5 (a warning) and X2 above 1000
(blocking). (X1 is in s3 too, same region and period, so no rule is put on it.)
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.migrate import alembic_config, upgrade
from zongheng.platform.models import (
    ApiToken,
    AuditEvent,
    FrameworkIndicator,
    Role,
    State,
    Submission,
    User,
    Value,
    ValueHistory,
)
from zongheng.platform.services import tokens
from zongheng.platform.services.checks import run as checks_run
from zongheng.platform.services.checks.rules import parse_rules

from .conftest import READS, USERS, csrf_of, login

CODES = [f"X{i}" for i in range(1, 11)]
RULES = parse_rules({"checks": [
    {"kind": "range", "indicators": ["X4"], "max": 5},
    {"kind": "range", "indicators": ["X2"], "max": 1000, "severity": "blocking"}]}, set(CODES))


@pytest.fixture
def ten(factory, world, monkeypatch):
    """Give s1 indicators X2..X10 and the framework RULES; return s1's id."""
    monkeypatch.setattr(checks_run, "load_rules", lambda key, codes=None: RULES)
    with transaction(factory) as s:
        s1 = s.get(Submission, world.submissions["s1"])
        version = s1.version
        for n in range(2, 11):
            indicator = FrameworkIndicator(code=f"X{n}", name=f"指标{n}", unit="元" if n == 2 else "个",
                                           lead_department="DA", position=n - 1)
            version.indicators.append(indicator)
            s.flush()
            s1.values.append(Value(indicator_id=indicator.id))
    return world.submissions["s1"]


@pytest.fixture
def make_token(factory, settings, world):
    """Make a token for a user of the small world; return the token and its id."""
    def make(name: str, *, write: bool = True) -> tuple[str, int]:
        with transaction(factory) as s:
            token, row = tokens.create(s, s.get(User, world.users[name]), settings.secret_key, "t",
                                       can_write=write)
            return token, row.id
    return make


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _values(client, token: str, sid: int) -> dict[str, float | None]:
    body = client.get(f"/api/v1/submissions/{sid}", headers=_bearer(token)).json()
    return {v["indicator"]: v["value"] for v in body["values"]}


def _events(factory, action: str) -> list[dict]:
    with factory() as s:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return [json.loads(e.detail) | {"user_id": e.user_id, "object_id": e.object_id}
                for e in s.scalars(query)]


def test_a_whole_round_by_api_only(client, factory, world, ten, make_token):
    sid = ten
    reporter, reporter_id = make_token("reporter")
    approver, _ = make_token("approver")
    analyst, _ = make_token("analyst")
    # Typed as people type: 12% of a % indicator is 12, "1,234" is 1234, "—" is no value.
    put = client.put(f"/api/v1/submissions/{sid}/values", headers=_bearer(reporter),
                     json={"values": [{"indicator": "X1", "value": "12%", "comment": "口径同上年"},
                                      {"indicator": "X2", "value": "1,234"},
                                      {"indicator": "X3", "value": "—"},
                                      {"indicator": "X4", "value": 7}]})
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["changed"] == 4     # X1's value and comment, X2, X4 (X3 stays empty)
    assert [(c["indicator"], c["old"], c["new"], c["comment"]) for c in body["changes"]] == [
        ("X1", None, 12.0, "口径同上年"), ("X2", None, 1234.0, None), ("X4", None, 7.0, None)]
    # X1 = 12 > 10 is a warning, X2 = 1234 > 1000 blocks.
    assert (body["warnings"], body["blocking"], body["blocking_unexplained"]) == (1, 1, 1)
    blocking = next(f for f in body["flags"] if f["severity"] == "blocking")
    assert blocking["indicator"] == "X2" and blocking["zh"] == "甲县「指标2」为 1,234元，高于上限 1,000元。"
    # Submitting is refused while the blocking flag has no 说明: 409 naming the flag.
    refused = client.post(f"/api/v1/submissions/{sid}/actions/submit", headers=_bearer(reporter))
    assert refused.status_code == 409
    [problem] = refused.json()["problems"]
    assert (problem["key"], problem["indicator"], problem["submission"]) == (
        "pf_api_flag_unexplained", "X2", sid)
    assert f"/flags/{blocking['id']}/explanation" in problem["zh"]
    explained = client.post(f"/api/v1/submissions/{sid}/flags/{blocking['id']}/explanation",
                            headers=_bearer(reporter), json={"explanation": "新增一家规上企业，数据属实。"})
    assert explained.status_code == 200 and explained.json()["blocking_unexplained"] == 0
    submitted = client.post(f"/api/v1/submissions/{sid}/actions/submit", headers=_bearer(reporter), json={})
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    # The approver returns it: reason and due date are required.
    bare = client.post(f"/api/v1/submissions/{sid}/actions/return", headers=_bearer(approver), json={})
    assert bare.status_code == 422
    assert {p["key"] for p in bare.json()["problems"]} == {"pf_wf_reason_needed", "pf_wf_due_needed"}
    due = (date.today() + timedelta(days=3)).isoformat()
    back = client.post(f"/api/v1/submissions/{sid}/actions/return", headers=_bearer(approver),
                       json={"reason": "X2 请核实", "due": due})
    assert back.status_code == 200 and back.json()["state"] == "returned"
    # The reporter fixes X2: the blocking flag is resolved, and the submit goes through.
    fixed = client.put(f"/api/v1/submissions/{sid}/values", headers=_bearer(reporter),
                       json={"values": [{"indicator": "X2", "value": 900}]})
    assert fixed.status_code == 200
    assert fixed.json()["changes"] == [{"indicator": "X2", "old": 1234.0, "new": 900.0, "comment": None}]
    assert fixed.json()["blocking"] == 0
    assert client.post(f"/api/v1/submissions/{sid}/actions/submit",
                       headers=_bearer(reporter)).json()["state"] == "submitted"
    assert client.post(f"/api/v1/submissions/{sid}/actions/approve",
                       headers=_bearer(approver)).json()["state"] == "approved"
    locked = client.post(f"/api/v1/submissions/{sid}/actions/lock", headers=_bearer(analyst))
    assert locked.status_code == 200 and locked.json()["state"] == "locked"
    detail = client.get(f"/api/v1/submissions/{sid}", headers=_bearer(reporter)).json()
    x2 = next(v for v in detail["values"] if v["indicator"] == "X2")
    assert [(h["old"], h["new"], h["user"]) for h in x2["history"]] == [(None, 1234.0, "reporter"),
                                                                       (1234.0, 900.0, "reporter")]
    # Every write is in the audit log with the token that made it.
    writes = _events(factory, "api.values")
    assert [(e["via"], e["token"], e["user_id"], e["object_id"]) for e in writes] == [
        ("api", reporter_id, world.users["reporter"], str(sid))] * 2
    assert [e["via"] for e in _events(factory, "api.submit")] == ["api", "api"]
    assert _events(factory, "api.explain")[0]["flag"] == blocking["id"]
    assert _events(factory, "api.return")[0]["reason"] == "X2 请核实"
    assert len(_events(factory, "workflow.lock")) == 1 and len(_events(factory, "api.lock")) == 1


def test_one_bad_cell_in_ten_saves_nothing_and_is_located(client, factory, ten, make_token):
    token, _ = make_token("reporter")
    cells = [{"indicator": code, "value": str(n)} for n, code in enumerate(CODES, start=1)]
    cells[6]["value"] = "abc"
    refused = client.put(f"/api/v1/submissions/{ten}/values", headers=_bearer(token), json={"values": cells})
    assert refused.status_code == 422
    assert refused.json()["problems"] == [{
        "key": "pf_api_not_number", "index": 6, "submission": ten, "indicator": "X7",
        "zh": "第 7 项（X7 指标7）：“abc”不是数值。", "en": "Item 7 (X7 指标7): \"abc\" is not a number."}]
    assert set(_values(client, token, ten).values()) == {None}
    with factory() as s:
        assert s.scalars(select(ValueHistory)).all() != [] and not s.scalars(
            select(ValueHistory).join(Value).where(Value.submission_id == ten)).all()
    assert _events(factory, "api.values") == []


def test_every_problem_of_a_body_is_listed_at_its_place(client, ten, make_token):
    token, _ = make_token("reporter")
    cells = [{"indicator": "X1", "value": "5"}, {"indicator": "X99", "value": "1"},
             {"indicator": "X1", "value": "6"}, {"indicator": "X2", "value": "12%"},
             {"indicator": "X3", "value": "1,234"}, {"indicator": "X4", "value": "inf"}]
    refused = client.put(f"/api/v1/submissions/{ten}/values", headers=_bearer(token), json={"values": cells})
    assert refused.status_code == 422
    found = [(p["index"], p["indicator"], p["key"]) for p in refused.json()["problems"]]
    assert found == [(1, "X99", "pf_api_unknown_indicator"), (2, "X1", "pf_api_duplicate_indicator"),
                     (3, "X2", "pf_api_percent_unit"), (5, "X4", "pf_api_not_number")]
    assert refused.json()["problems"][1]["zh"] == "第 3 项：指标“X1”在本次请求中重复（已在第 1 项出现）。"
    assert set(_values(client, token, ten).values()) == {None}


def test_the_body_shape_is_checked_with_located_problems(client, ten, make_token):
    token, _ = make_token("reporter")
    url = f"/api/v1/submissions/{ten}/values"
    too_many = client.put(url, headers=_bearer(token),
                          json={"values": [{"indicator": "X1", "value": 1}] * 1001})
    assert too_many.status_code == 422 and too_many.json()["problems"][0]["key"] == "pf_api_invalid"
    for bad, index in (([{"indicator": "X1", "value": True}], 0),
                       ([{"indicator": "X1", "value": 1}, {"indicator": "X2", "value": {"a": 1}}], 1),
                       ([{"indicator": "X1", "value": "9" * 101}], 0),
                       ([{"indicator": "X1", "value": 1, "comment": "长" * 2001}], 0),
                       ([{"indicator": "", "value": 1}], 0),
                       ([{"indicator": "X1", "value": 1, "extra": 2}], 0)):
        response = client.put(url, headers=_bearer(token), json={"values": bad})
        assert response.status_code == 422, bad
        assert {p["index"] for p in response.json()["problems"]} == {index}, bad
    assert client.put(url, headers=_bearer(token), content=b"not json",
                      ).status_code == 422
    assert set(_values(client, token, ten).values()) == {None}


def test_a_read_only_token_reads_but_may_not_write(client, factory, ten, make_token):
    token, _ = make_token("reporter", write=False)
    assert client.get(f"/api/v1/submissions/{ten}/flags", headers=_bearer(token)).status_code == 200
    cell = {"indicator": "X1", "value": 1}
    for method, url, body in (("PUT", f"/api/v1/submissions/{ten}/values", {"values": [cell]}),
                              ("POST", f"/api/v1/submissions/{ten}/actions/submit", {}),
                              ("POST", "/api/v1/bulk/values", {"values": [{"submission": ten, **cell}]})):
        response = client.request(method, url, headers=_bearer(token), json=body)
        assert response.status_code == 403 and response.json()["problems"][0]["key"] == "pf_api_read_only"
    assert _values(client, token, ten)["X1"] is None
    with factory() as s:
        assert s.get(Submission, ten).state == State.DRAFT.value


def test_outside_the_scope_is_404_and_the_wrong_state_409(client, world, ten, make_token):
    token, _ = make_token("reporter")
    body = {"values": [{"indicator": "X1", "value": 1}]}
    other = client.put(f"/api/v1/submissions/{world.submissions['s8']}/values", headers=_bearer(token),
                       json=body)
    missing = client.put("/api/v1/submissions/999999/values", headers=_bearer(token), json=body)
    assert other.status_code == missing.status_code == 404
    assert other.json()["problems"][0]["key"] == missing.json()["problems"][0]["key"] == "pf_api_not_found"
    approved = client.put(f"/api/v1/submissions/{world.submissions['s2']}/values", headers=_bearer(token),
                          json=body)
    assert approved.status_code == 409 and approved.json()["problems"][0]["key"] == "pf_entry_closed"
    assert "已审核" in approved.json()["problems"][0]["zh"]
    approver, _ = make_token("approver")
    early = client.post(f"/api/v1/submissions/{ten}/actions/approve", headers=_bearer(approver))
    assert early.status_code == 409 and early.json()["problems"][0]["key"] == "pf_wf_bad_state"
    # A role that does not take the action: 403 whatever the submission (so nothing is told about it).
    for sid in (ten, world.submissions["s9"]):
        wrong = client.put(f"/api/v1/submissions/{sid}/values", headers=_bearer(approver), json=body)
        assert wrong.status_code == 403 and wrong.json()["problems"][0]["key"] == "pf_api_wrong_role"
    assert "填报数值" in wrong.json()["problems"][0]["zh"]


def test_a_login_cookie_alone_cannot_call_the_api(client, ten):
    login(client, "reporter")
    csrf = csrf_of(client.get("/").text)
    headers = {"X-CSRF-Token": csrf}
    put = client.put(f"/api/v1/submissions/{ten}/values", headers=headers,
                     json={"values": [{"indicator": "X1", "value": 1}]})
    assert put.status_code == 401 and put.headers["www-authenticate"] == "Bearer"
    assert client.post(f"/api/v1/submissions/{ten}/actions/submit", headers=headers).status_code == 401
    assert client.get(f"/api/v1/submissions/{ten}").status_code == 401
    # The page of the same user still shows the value unchanged.
    assert client.get(f"/submissions/{ten}/entry").status_code == 200


def test_explaining_a_flag_is_checked(client, world, ten, make_token):
    token, _ = make_token("reporter")
    body = client.put(f"/api/v1/submissions/{ten}/values", headers=_bearer(token),
                      json={"values": [{"indicator": "X2", "value": 5000}]}).json()
    [flag] = body["flags"]
    url = f"/api/v1/submissions/{ten}/flags/{flag['id']}/explanation"
    assert client.post(url, headers=_bearer(token), json={"explanation": "   "}).json()["problems"][0][
        "key"] == "pf_api_explanation"
    # The flag of another submission, or an unknown one, is not found here.
    elsewhere = client.post(f"/api/v1/submissions/{ten}/flags/999999/explanation", headers=_bearer(token),
                            json={"explanation": "x"})
    assert elsewhere.status_code == 404 and elsewhere.json()["problems"][0]["key"] == "pf_api_flag_not_found"
    assert client.post(url, headers=_bearer(token), json={"explanation": "属实"}).status_code == 200
    listed = client.get(f"/api/v1/submissions/{ten}/flags", headers=_bearer(token)).json()
    assert listed["flags"][0]["explanation"] == "属实" and listed["blocking_unexplained"] == 0


@pytest.fixture
def second(factory, world, ten):
    """A second draft of the reporter (甲县 DA, period 2025) with X1..X3; return its id."""
    with transaction(factory) as s:
        s1 = s.get(Submission, ten)
        sub = Submission(version_id=s1.version_id, department_code="DA", region_code="A", period="2025",
                         due_date=date(2026, 3, 31), state=State.DRAFT.value,
                         values=[Value(indicator_id=v.indicator_id) for v in s1.values
                                 if v.indicator.code in ("X1", "X2", "X3")])
        s.add(sub)
        s.flush()
        return sub.id


def test_bulk_values_across_submissions_all_or_nothing(client, factory, world, ten, second, make_token):
    token, token_id = make_token("reporter")
    ok = client.post("/api/v1/bulk/values", headers=_bearer(token), json={"values": [
        {"submission": ten, "indicator": "X1", "value": "3"},
        {"submission": second, "indicator": "X1", "value": "4%", "comment": "估计数"},
        {"submission": ten, "indicator": "X3", "value": "１２３"}]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["changed"] == 4
    assert [(r["submission"], [c["indicator"] for c in r["changes"]]) for r in ok.json()["submissions"]] == [
        (ten, ["X1", "X3"]), (second, ["X1"])]
    assert (_values(client, token, ten)["X3"], _values(client, token, second)["X1"]) == (123.0, 4.0)
    [event] = _events(factory, "api.bulk_values")
    assert (event["via"], event["token"], event["submissions"]) == ("api", token_id, [ten, second])
    # One bad cell anywhere — another department's submission, an approved one, a bad number — saves nothing.
    refused = client.post("/api/v1/bulk/values", headers=_bearer(token), json={"values": [
        {"submission": ten, "indicator": "X1", "value": "8"},
        {"submission": world.submissions["s8"], "indicator": "X1", "value": "1"},
        {"submission": second, "indicator": "X2", "value": "x"},
        {"submission": world.submissions["s2"], "indicator": "X1", "value": "1"},
        {"submission": 999_999, "indicator": "X1", "value": "1"}]})
    assert refused.status_code == 422
    assert [(p["index"], p["submission"], p["key"]) for p in refused.json()["problems"]] == [
        (1, world.submissions["s8"], "pf_api_not_found"), (2, second, "pf_api_not_number"),
        (3, world.submissions["s2"], "pf_api_closed"), (4, 999_999, "pf_api_not_found")]
    assert _values(client, token, ten)["X1"] == 3.0
    too_big = client.post("/api/v1/bulk/values", headers=_bearer(token), json={"values": [
        {"submission": ten, "indicator": "X1", "value": 1}] * 5001})
    assert too_big.status_code == 422
    approver, _ = make_token("approver")
    refused = client.post("/api/v1/bulk/values", headers=_bearer(approver), json={"values": []})
    assert refused.status_code == 403


def test_the_tokens_page_chooses_read_only_or_write(client, world, factory):
    login(client, "reporter")
    page = client.get("/tokens")
    assert 'name="can_write"' in page.text
    client.post("/tokens", data={"name": "读", "days": "30", "csrf_token": csrf_of(page.text)})
    made = client.post("/tokens", data={"name": "写", "days": "30", "can_write": "1",
                                        "csrf_token": csrf_of(page.text)})
    token = made.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert "只读" in made.text and "读写" in made.text
    with factory() as s:
        rows = {r.name: r.can_write for r in s.scalars(select(ApiToken))}
    assert rows == {"读": False, "写": True}
    [created] = [e for e in _events(factory, "token.create") if e["name"] == "写"]
    assert created["can_write"] is True
    put = client.put(f"/api/v1/submissions/{world.submissions['s1']}/values", headers=_bearer(token),
                     json={"values": [{"indicator": "X1", "value": "5"}]})
    assert put.status_code == 200 and put.json()["changed"] == 1


def test_existing_tokens_stay_read_only_after_the_migration(database_url):
    from alembic import command
    from sqlalchemy import text

    from zongheng.platform.db import make_engine

    engine = make_engine(database_url)
    try:
        upgrade(engine, "0005_api_tokens")
        with engine.begin() as con:
            con.execute(text("INSERT INTO app_user (id, username, display_name, password_hash, disabled, "
                             "failed_logins, created_at) VALUES (1, 'u', '', 'x', false, 0, '2026-01-01')"))
            con.execute(text("INSERT INTO api_token (user_id, name, token_digest, created_at, expires_at) "
                             "VALUES (1, 'old', 'd', '2026-01-01', '2027-01-01')"))
        upgrade(engine)
        with engine.connect() as con:
            assert con.execute(text("SELECT can_write FROM api_token")).scalar_one() in (False, 0)
        config = alembic_config()
        with engine.begin() as con:
            config.attributes["connection"] = con
            command.downgrade(config, "0005_api_tokens")
        with engine.connect() as con:
            assert con.execute(text("SELECT name FROM api_token")).scalar_one() == "old"
    finally:
        engine.dispose()


def test_the_openapi_description_documents_every_write(client):
    spec = client.get("/api/v1/openapi.json").json()
    writes = {("put", "/submissions/{submission_id}/values"), ("post", "/bulk/values"),
              ("post", "/submissions/{submission_id}/actions/{action}"),
              ("post", "/submissions/{submission_id}/flags/{flag_id}/explanation")}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)
            assert "$ref" in json.dumps(operation["responses"]["200"]), (method, path)
            assert "401" in operation["responses"], (method, path)
            if "422" in operation["responses"]:
                schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ProblemsOut"), (method, path)
            if (method, path) in writes:
                expected = {"403", "413", "422"} | (set() if path == "/bulk/values" else {"404", "409"})
                for status in expected:
                    assert status in operation["responses"], (method, path, status)
                schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ProblemsOut")
    assert writes <= {(m, p) for p, item in spec["paths"].items() for m in item}
    action = spec["paths"]["/submissions/{submission_id}/actions/{action}"]["post"]["parameters"]
    assert next(p for p in action if p["name"] == "action")["schema"]["enum"] == [
        "submit", "return", "approve", "lock"]
    assert spec["components"]["schemas"]["ValuesIn"]["properties"]["values"]["maxItems"] == 1000


# -- the authorisation matrix of the API: every route × every role × own and other scope --------------

MATRIX_RULES = parse_rules({"checks": [{"kind": "required", "severity": "blocking"}]}, {"X1"})


def _api_routes(client) -> set[tuple[str, str]]:
    """Every route of the API, as its OpenAPI description lists them (no route is left out of it)."""
    spec = client.get("/api/v1/openapi.json").json()
    return {(m.upper(), p) for p, item in spec["paths"].items() for m in item}


def _cases():
    """Every API route that opens a submission, with its gate; one case per workflow action."""
    from zongheng.platform.api.writes import GATES

    read = GATES["flags"]
    return [("GET", "/submissions/{submission_id}", read, None),
            ("GET", "/submissions/{submission_id}/flags", read, None),
            ("POST", "/submissions/{submission_id}/flags/{flag_id}/explanation", GATES["explain"],
             {"explanation": "属实"}),
            ("PUT", "/submissions/{submission_id}/values", GATES["values"], {"values": []}),
            *[("POST", f"/submissions/{{submission_id}}/actions/{action}", GATES[action], {})
              for action in ("return", "approve", "lock", "submit")]]


def test_the_matrix_covers_every_api_route(client):
    covered = {(m, re.sub(r"/actions/\w+$", "/actions/{action}", p)) for m, p, _, _ in _cases()}
    without_submission = {("GET", "/me"), ("GET", "/submissions"), ("POST", "/bulk/values")}
    assert _api_routes(client) == covered | without_submission


@pytest.mark.parametrize("name", list(USERS))
def test_every_api_route_every_role_own_and_other_scope(client, factory, world, make_token, monkeypatch,
                                                        name):
    monkeypatch.setattr(checks_run, "load_rules", lambda key, codes=None: MATRIX_RULES)
    flags = {}
    with transaction(factory) as s:
        for key in ("s1", "s9"):       # X1 is empty in both: a blocking "required" flag each
            (flag,) = checks_run.run_checks(s, s.get(Submission, world.submissions[key]), on="submit")
            flags[key] = flag.id
    token, _ = make_token(name)
    role = USERS[name][0]
    own = sorted(READS[name])[0]
    for method, path, gate, body in _cases():
        def call(key: str | None, flag: str = "s1", path=path, method=method, body=body):
            sid = world.submissions[key] if key else 999_999
            url = "/api/v1" + path.replace("{submission_id}", str(sid)).replace("{flag_id}", str(flags[flag]))
            return client.request(method, url, headers=_bearer(token), json=body)
        if role not in gate.roles:
            assert call(own).status_code == call("s9", "s9").status_code == 403, (name, path)
            continue
        inside = call(own)
        assert inside.status_code in (200, 409, 422), (name, path, inside.text)
        assert call("s9", "s9").status_code == call(None).status_code == 404, (name, path)
    # Bulk values name their submissions in the body: another's is a located "not found", like none.
    bulk = client.post("/api/v1/bulk/values", headers=_bearer(token), json={"values": [
        {"submission": world.submissions["s9"], "indicator": "X1", "value": 1}]})
    if role is not Role.REPORTER:
        assert bulk.status_code == 403
    else:
        assert bulk.status_code == 422 and bulk.json()["problems"][0]["key"] == "pf_api_not_found"


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, ten, make_token):
    from zongheng.platform.api.limits import MAX_BODY

    token, _ = make_token("reporter")
    url = f"/api/v1/submissions/{ten}/values"
    headers = _bearer(token) | {"content-type": "application/json"}
    big = b'{"values": [], "pad": "' + b"x" * MAX_BODY + b'"}'
    declared = client.put(url, headers=headers, content=big)
    assert declared.status_code == 413 and declared.json()["problems"][0]["key"] == "pf_api_too_large"

    def chunks():       # no Content-Length: counted as it arrives
        yield b'{"values": [], "pad": "'
        for _ in range(9):
            yield b"x" * (1024 * 1024)
        yield b'"}'
    streamed = client.put(url, headers=headers, content=chunks())
    assert streamed.status_code == 413
    assert set(_values(client, token, ten).values()) == {None}
