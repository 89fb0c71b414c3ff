"""The platform commands: ``users``, ``db``, and ``serve --demo`` (with uvicorn stopped short)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from zongheng.cli import app as cli
from zongheng.platform.models import Role
from zongheng.platform.services import passwords, users
from zongheng.platform.services.demo import STATES_2024

from .conftest import PASSWORD

runner = CliRunner(env={"COLUMNS": "200"})


def _args(database_url: str, tmp_path) -> list[str]:
    args = ["--data", str(tmp_path / "data")]
    return args if database_url.startswith("sqlite") else [*args, "--database", database_url]


def test_users_add_disable_reset(database_url, tmp_path, engine, factory):
    where = _args(database_url, tmp_path)
    added = runner.invoke(cli, ["users", "add", "zhou", "--role", "填报员", "--region", "A",
                                "--password-stdin", *where], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "已新增用户 zhou" in added.output and PASSWORD not in added.output
    assert "以下代码目前没有对应的地区或部门" in added.output and "：A" in added.output
    generated = runner.invoke(cli, ["users", "add", "wu", "--role", "analyst", "--scope", "below", "--region",
                                    "C", "--view-unapproved", *where])
    assert generated.exit_code == 0, generated.output
    printed = re.search(r"只显示这一次，请妥善转交）：(\S+)", generated.output).group(1)
    with factory() as s:
        assert users.authenticate(s, "zhou", PASSWORD).username == "zhou"
        wu = users.authenticate(s, "wu", printed)
        assert [(r.role, r.scope, r.region_code, r.view_unapproved) for r in wu.roles] == [
            (Role.ANALYST.value, "below", "C", True)]
    assert runner.invoke(cli, ["users", "disable", "zhou", *where]).exit_code == 0
    with factory() as s:
        assert users.authenticate(s, "zhou", PASSWORD) is None
    reset = runner.invoke(cli, ["users", "reset", "wu", *where])
    assert reset.exit_code == 0
    new = re.search(r"只显示这一次，请妥善转交）：(\S+)", reset.output).group(1)
    with factory() as s:
        assert users.authenticate(s, "wu", new) is not None and users.authenticate(s, "wu", printed) is None


def test_user_mistakes_are_plain_messages(tmp_path):
    where = ["--data", str(tmp_path / "data")]
    bad_role = runner.invoke(cli, ["users", "add", "x", "--role", "boss", "--region", "A", *where])
    assert bad_role.exit_code == 2 and "--role 'boss' 不是角色" in bad_role.output
    bad_scope = runner.invoke(cli, ["users", "add", "x", "--role", "领导", "--scope", "all", *where])
    assert bad_scope.exit_code == 2 and "--scope 'all' 不是范围" in bad_scope.output
    no_region = runner.invoke(cli, ["users", "add", "x", "--role", "领导", *where])
    assert no_region.exit_code == 2 and "scope 'own' needs a region" in no_region.output
    short = runner.invoke(cli, ["users", "add", "x", "--role", "领导", "--region", "A", "--password-stdin",
                                *where], input="short\n")
    assert short.exit_code == 2 and "至少 10 个字符" in short.output
    missing = runner.invoke(cli, ["users", "disable", "nobody", *where])
    assert missing.exit_code == 2 and "没有用户 nobody" in missing.output
    assert "Traceback" not in "".join(r.output for r in (bad_role, bad_scope, no_region, short, missing))


def test_db_upgrade_backup_restore(tmp_path):
    where = ["--data", str(tmp_path / "data")]
    up = runner.invoke(cli, ["db", "upgrade", *where])
    from zongheng.platform.migrate import head_revision

    assert up.exit_code == 0 and f"数据库已升级到版本 {head_revision()}：" in up.output
    add = ["users", "add", "--role", "admin", "--region", "A", *where]
    assert runner.invoke(cli, [*add, "sun"]).exit_code == 0
    saved = runner.invoke(cli, ["db", "backup", str(tmp_path / "b.db"), *where])
    assert saved.exit_code == 0 and "已备份到" in saved.output
    assert runner.invoke(cli, [*add, "li"]).exit_code == 0
    restored = runner.invoke(cli, ["db", "restore", str(tmp_path / "b.db"), *where])
    assert restored.exit_code == 0, restored.output
    again = runner.invoke(cli, ["users", "disable", "li", *where])
    assert again.exit_code == 2 and "没有用户 li" in again.output       # added after the backup: gone
    assert runner.invoke(cli, ["users", "disable", "sun", *where]).exit_code == 0
    bad = runner.invoke(cli, ["db", "restore", str(tmp_path / "none.db"), *where])
    assert bad.exit_code == 2 and "备份文件不存在" in bad.output


@pytest.fixture
def served(database_url, tmp_path, monkeypatch):
    """Run ``zongheng serve --demo``, catching the app uvicorn would have served."""
    caught = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: caught.update(app=app, **kw))
    result = runner.invoke(cli, ["serve", "--demo", "--port", "8123", *_args(database_url, tmp_path)])
    assert result.exit_code == 0, result.output
    yield result.output, caught
    caught["app"].state.engine.dispose()


def _demo_passwords(output: str) -> dict[str, str]:
    alphabet = re.escape(passwords._ALPHABET)
    return dict(re.findall(rf"│ (\w+)\s+│ \w+\s+│.*│ ([{alphabet}]{{14}}) │", output))


def _login(client, username, password):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)


def test_serve_demo_seeds_and_every_role_sees_its_home_page(served, tmp_path):
    output, caught = served
    assert (caught["host"], caught["port"]) == ("127.0.0.1", 8123)
    assert "演示账号（合成数据；密码只显示这一次）" in output
    accounts = _demo_passwords(output)
    assert set(accounts) == {"tianbao", "shenhe", "fenxi", "lingdao", "renda", "admin"}
    assert (tmp_path / "data" / "DEMO").exists()
    states = {}
    for username, password in accounts.items():
        with TestClient(caught["app"]) as client:
            assert _login(client, username, password).status_code == 303, username
            html = client.get("/").text
            assert "演示数据为合成数据" in html
            states[username] = set(re.findall(r'data-state="(\w+)"', html))
            first = re.search(r'data-submission="(\d+)"', html).group(1)
            page = client.get(f"/submissions/{first}")
            assert page.status_code == 200 and "上期值" in page.text
    # 统计局's own two: 2024 still a draft (first dealt state), 2023 locked.
    assert states["tianbao"] == states["shenhe"] == {"draft", "locked"}
    assert states["fenxi"] == {s.value for s in STATES_2024}          # every state, unapproved too
    assert states["lingdao"] == states["renda"] == states["admin"] == {"approved", "locked"}


def test_serve_demo_twice_does_not_seed_again(served, database_url, tmp_path, monkeypatch):
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: app.state.engine.dispose())
    second = runner.invoke(cli, ["serve", "--demo", *_args(database_url, tmp_path)])
    assert second.exit_code == 0 and "未重新生成演示数据" in second.output
    assert _demo_passwords(second.output) == {}


def test_an_unreachable_database_is_a_plain_message(tmp_path):
    # Port 1 on loopback: nothing listens there.
    result = runner.invoke(cli, ["db", "upgrade", "--data", str(tmp_path / "d"), "--database",
                                 "postgresql://nobody:secret@127.0.0.1:1/none"])
    assert result.exit_code == 2
    assert "无法连接数据库 postgresql+psycopg://nobody:***@127.0.0.1:1/none" in result.output
    assert "secret" not in result.output and "Traceback" not in result.output


def test_users_add_names_the_codes_that_match_nothing(database_url, tmp_path, world):
    where = _args(database_url, tmp_path)
    known = runner.invoke(cli, ["users", "add", "zheng", "--role", "reporter", "--region", "A",
                                "--department", "DA", *where])
    assert known.exit_code == 0 and "没有对应的地区或部门" not in known.output
    typo = runner.invoke(cli, ["users", "add", "feng", "--role", "人大", "--scope", "set",
                               "--regions", "B,BB", *where])
    assert typo.exit_code == 0 and "没有对应的地区或部门，该用户暂时看不到任何数据：BB\n" in typo.output
