"""The REST API: token authentication, the same scopes as the pages, the OpenAPI description."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import ApiToken, AuditEvent, User, utcnow
from zongheng.platform.services import tokens

from .conftest import READS, USERS, csrf_of, login


@pytest.fixture
def make_token(factory, settings, world):
    """Make a token for a user of the small world, with the app's secret key."""
    def make(name: str, *, days: int = 30) -> str:
        with transaction(factory) as s:
            token, _ = tokens.create(s, s.get(User, world.users[name]), settings.secret_key, "test",
                                     days=days)
        return token
    return make


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_unknown_revoked_or_expired_token_is_401(client, world, factory, make_token):
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/submissions", headers=_bearer("zh_nonsense"))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    token = make_token("reporter")
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    with transaction(factory) as s:
        row = s.scalars(select(ApiToken)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    live = make_token("reporter")
    with transaction(factory) as s:
        user = s.get(User, world.users["reporter"])
        live_row = s.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None),
                                                    ApiToken.expires_at > utcnow())).one()
        assert tokens.revoke(s, user, live_row.id)
    assert client.get("/api/v1/me", headers=_bearer(live)).status_code == 401
    # A disabled user's token stops working at once.
    third = make_token("analyst")
    with transaction(factory) as s:
        s.get(User, world.users["analyst"]).disabled = True
    assert client.get("/api/v1/me", headers=_bearer(third)).status_code == 401


def test_the_database_keeps_a_digest_never_the_token(world, factory, make_token):
    token = make_token("leader")
    with factory() as s:
        row = s.scalars(select(ApiToken)).one()
        assert token.startswith("zh_") and len(token) > 40
        assert row.token_digest != token and token not in row.token_digest and len(row.token_digest) == 64
        events = [e.action for e in s.scalars(select(AuditEvent))]
    assert "token.create" in events


@pytest.mark.parametrize("name", list(USERS))
def test_a_token_lists_exactly_what_its_user_may_read(client, world, make_token, name):
    token = make_token(name)
    listed = client.get("/api/v1/submissions", headers=_bearer(token)).json()
    assert {item["id"] for item in listed} == {world.submissions[k] for k in READS[name]}
    for key, sid in world.submissions.items():
        status = client.get(f"/api/v1/submissions/{sid}", headers=_bearer(token)).status_code
        assert status == (200 if key in READS[name] else 404), (name, key)


def test_a_submission_carries_its_values_and_their_history(client, world, factory, make_token):
    token = make_token("reporter")
    body = client.get(f"/api/v1/submissions/{world.submissions['s2']}", headers=_bearer(token)).json()
    assert (body["state"], body["period"], body["region"], body["department"]) == (
        "approved", "2023", "A", "DA")
    [value] = body["values"]
    assert (value["indicator"], value["unit"], value["value"]) == ("X1", "%", 12.5)
    [change] = value["history"]
    assert (change["user"], change["old"], change["new"]) == ("reporter", None, 12.5)
    me = client.get("/api/v1/me", headers=_bearer(token)).json()
    assert me["username"] == "reporter"
    assert me["grants"] == [{"role": "reporter", "scope": "own", "region": "A", "department": "DA",
                             "view_unapproved": True}]


def test_filters_and_paging_are_checked(client, world, factory, make_token):
    token = make_token("analyst")
    drafts = client.get("/api/v1/submissions?state=draft", headers=_bearer(token)).json()
    assert {d["id"] for d in drafts} == {world.submissions["s1"], world.submissions["s8"]}
    page = client.get("/api/v1/submissions?limit=2&offset=1", headers=_bearer(token)).json()
    assert [p["id"] for p in page] == sorted(world.submissions[k] for k in READS["analyst"])[1:3]
    for bad in ("state=bogus", "limit=0", "limit=100000", "offset=-1"):
        assert client.get(f"/api/v1/submissions?{bad}", headers=_bearer(token)).status_code == 422, bad
    for bad in ("0", "abc", "9" * 30):
        assert client.get(f"/api/v1/submissions/{bad}", headers=_bearer(token)).status_code == 422, bad


def test_the_openapi_description_is_served_and_no_cdn_page(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/me", "/submissions", "/submissions/{submission_id}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/api/v1/docs").status_code == 404  # Swagger UI would need a CDN


def test_the_tokens_page_shows_a_new_token_once_and_revokes(client, world):
    login(client, "approver")
    page = client.get("/tokens")
    assert page.status_code == 200 and "还没有访问令牌" in page.text
    assert client.post("/tokens", data={"name": "统计系统", "days": "30"}).status_code == 403  # no CSRF
    made = client.post("/tokens", data={"name": "统计系统", "days": "30", "csrf_token": csrf_of(page.text)})
    assert made.status_code == 200 and "只显示这一次" in made.text
    token = made.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert client.get("/api/v1/me", headers=_bearer(token)).json()["username"] == "approver"
    again = client.get("/tokens").text
    assert token not in again and "统计系统" in again and "有效" in again
    too_long = client.post("/tokens", data={"name": "x", "days": "9999", "csrf_token": csrf_of(again)})
    assert too_long.status_code == 400
    token_id = int(again.split('data-token="')[1].split('"')[0])
    revoked = client.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(again)})
    assert revoked.status_code == 200 and "已撤销" in revoked.text
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_the_database_down_answers_503_with_retry_after_not_a_bare_500(client, world, make_token,
                                                                       monkeypatch):
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    token = make_token("reporter")
    assert client.get("/api/v1/submissions", headers=_bearer(token)).status_code == 200

    def refuse(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "execute", refuse)
    down = client.get("/api/v1/submissions", headers=_bearer(token))
    assert down.status_code == 503 and down.headers["Retry-After"] == "5"
    body = down.json()
    assert [p["key"] for p in body["problems"]] == ["pf_db_unavailable"]
    assert "数据库暂时无法访问" in body["problems"][0]["zh"] and "server closed" not in down.text
    written = client.put("/api/v1/submissions/1/values", headers=_bearer(token), json={"values": []})
    assert written.status_code == 503
    monkeypatch.undo()
    assert client.get("/api/v1/submissions", headers=_bearer(token)).status_code == 200
    # The 503 is in the description a client reads.
    spec = client.get("/api/v1/openapi.json").json()
    assert all("503" in operation["responses"] for path in spec["paths"].values()
               for operation in path.values())
