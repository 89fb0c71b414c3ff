"""Indicator systems on the platform: import any framework file the library reads, freeze, refuse."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

import zongheng as zh
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, FrameworkVersion
from zongheng.platform.services import frameworks

from .conftest import csrf_of, login

TIANGONG = Path(zh.__file__).parent / "frameworks" / "tiangong.yaml"
TABLE = ("code,parent,name,direction,weight,department\n"
         "I,,小指数,,,\nA,I,甲,+,1,经信局\nB,I,乙,-,1,统计局\n")


def _post(client, page: str, key: str, year: object, name: str, data: bytes):
    return client.post("/frameworks", data={"key": key, "year": str(year), "csrf_token": csrf_of(page)},
                       files={"file": (name, data, "application/octet-stream")})


def _versions(factory) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(FrameworkVersion))


def test_the_admin_imports_yaml_and_a_table_and_a_year_is_never_replaced(client, world, factory):
    login(client, "admin")
    page = client.get("/frameworks").text
    before = _versions(factory)
    done = _post(client, page, "tiangong", 2025, "tiangong.yaml", TIANGONG.read_bytes())
    assert done.status_code == 200 and "已导入 tiangong 2025 年版本（42 项指标）" in done.text
    again = _post(client, done.text, "tiangong", 2025, "tiangong.yaml", TIANGONG.read_bytes())
    assert again.status_code == 400 and "2025 年版本已存在" in again.text
    table = _post(client, again.text, "small", 2025, "指标体系.csv", TABLE.encode("utf-8"))
    assert table.status_code == 200 and "（2 项指标）" in table.text
    assert _versions(factory) == before + 2
    with factory() as s:
        kept = s.scalars(select(FrameworkVersion).where(FrameworkVersion.key == "small")).one()
        # A table is kept as the library's YAML of it: reading that back gives the same framework.
        assert [(i.code, i.lead_department) for i in kept.indicators] == [("A", "经信局"), ("B", "统计局")]
        yaml_text = kept.source_text
        events = [e.action for e in s.scalars(select(AuditEvent))]
    assert events.count("framework.import") == 2
    path = Path(client.app.state.settings.data_dir) / "back.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    assert zh.read_framework(path).indicator_codes == ("A", "B")


def test_a_bad_file_lists_its_problems_and_saves_nothing(client, world, factory):
    login(client, "admin")
    page = client.get("/frameworks").text
    before = _versions(factory)
    bad = b"code: I\nchildren:\n  - {code: a, direction: sideways}\n  - {code: a, direction: +}\n"
    response = _post(client, page, "bad", 2025, "bad.yaml", bad)
    assert response.status_code == 400 and "未保存任何内容" in response.text
    assert "sideways" in response.text and "bad.yaml, 键 children[0].direction" in response.text
    too_big = b"#" * (5 * 2**20 + 1)
    for name, data, message in (("x.exe", b"MZ", "文件应为 .yaml"), ("big.yaml", too_big, "超过 5 MB")):
        refused = _post(client, page, "k", 2025, name, data)
        assert refused.status_code == 400 and message in refused.text, name
    assert _post(client, page, "Bad Key", 2025, "a.yaml", b"").status_code == 400
    assert _post(client, page, "k", 1999, "a.yaml", b"").status_code == 400
    assert _versions(factory) == before


def test_a_hostile_file_name_is_never_used_as_a_path(client, world, factory, tmp_path):
    login(client, "admin")
    page = client.get("/frameworks").text
    target = tmp_path / "escaped.yaml"
    name = f"../../../../../../{target}"
    response = _post(client, page, "trav", 2025, name, TIANGONG.read_bytes())
    assert response.status_code == 200 and not target.exists()


def test_analysts_read_the_list_and_only_admins_import(client, world):
    login(client, "analyst")
    page = client.get("/frameworks")
    assert page.status_code == 200 and 'action="/frameworks"' not in page.text
    assert _post(client, page.text, "k", 2025, "a.yaml", TIANGONG.read_bytes()).status_code == 403
    client.cookies.clear()
    login(client, "reporter")
    assert client.get("/frameworks").status_code == 403
    assert 'href="/frameworks"' not in client.get("/").text


def test_a_version_freezes_once_and_the_freeze_is_audited(world, factory):
    with transaction(factory) as s:
        version = s.scalars(select(FrameworkVersion)).first()
        assert frameworks.freeze(s, version, actor=world.users["analyst"]) is True
        assert frameworks.freeze(s, version) is False
    with factory() as s:
        assert s.scalars(select(FrameworkVersion)).first().frozen
        assert [e.action for e in s.scalars(select(AuditEvent))].count("framework.freeze") == 1
