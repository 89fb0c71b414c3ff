"""Attack, uploads: bombs, XML entities, oversized and mislabelled files, path traversal (issue 15).

Every way a file enters the platform — the entry workbook (填报 Excel), evidence (佐证材料), 销号
evidence, the 亩均 table, a framework file (YAML/xlsx/csv) and the organisation import (CLI) — gets
the same hostile files:

- ``zip_bomb``: an .xlsx whose one sheet unpacks to ``BOMB_MB`` MB of blanks (a ~1000:1 ratio);
- ``billion_laughs``: a valid workbook whose sheet declares nested entities (10⁹ ``lol``);
- ``external_entity``: a valid workbook whose sheet pulls ``file:///etc/passwd`` (XXE);
- ``oversized``: one byte over the route's own limit;
- ``mislabelled``: a Windows program (``MZ``…) named like the file the route expects;
- ``traversal``: a good file named ``../../…`` (must be stored, if at all, under its base name);
- for framework files also ``yaml_object`` (``!!python/object/apply:os.system``) and ``yaml_aliases``
  (nested aliases standing for 10⁹ nodes).

A refused file must answer 4xx with a message saying why (never a 500 or a traceback), leave every
table's row count as it was, put ``/etc/passwd`` nowhere (answer, database), and touch nothing
outside the data folder. SQLite only: the checks sit before the database.
"""

from __future__ import annotations

import html
import io
import re
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from zongheng.enterprise import generate_enterprises
from zongheng.errors import ZonghengError
from zongheng.platform.db import transaction
from zongheng.platform.models import Base, Evidence, Submission, Task
from zongheng.platform.pages import entry_xlsx as entry_page
from zongheng.platform.pages import frameworks as frameworks_page
from zongheng.platform.services import entry_xlsx, grading, tasks
from zongheng.platform.services.org_import import import_org

from .attack_world import database_url  # noqa: F401  (SQLite only)
from .conftest import csrf_of, login
from .test_routes import _task_world
from .test_tasks import PNG, _user

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")

BOMB_MB = 120
PASSWD = b"root:x:0:0"
MARKER = f"zh-attack-{uuid.uuid4().hex[:8]}"
"""In every traversal name, so a file written anywhere by it can be looked for."""
TRIED: dict[str, int] = {}
"""Hostile files refused per route (for docs/reliability/attack.md)."""
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
       + b"\x00" * 400)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"



# -- hostile files ---------------------------------------------------------------------------------

def zip_bomb(xlsx: bytes, mb: int = BOMB_MB) -> bytes:
    """``xlsx`` (a valid workbook) with ``mb`` MB of blanks in its first sheet (valid XML, ~1000:1)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    sheet = next(n for n in source.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != sheet:
                z.writestr(info, data)
                continue
            head, _, tail = data.decode("utf-8").partition("</sheetData>")
            with z.open(info.filename, "w", force_zip64=True) as part:
                part.write(head.encode("utf-8"))
                chunk = b" " * (1 << 20)
                for _ in range(mb):
                    part.write(chunk)
                part.write(("</sheetData>" + tail).encode("utf-8"))
    return out.getvalue()


LAUGHS = ('<!DOCTYPE worksheet [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)) + "]>")
XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_entity(xlsx: bytes, doctype: str, reference: str) -> bytes:
    """Rewrite ``xlsx``'s first sheet with ``doctype`` and a cell whose text is ``reference``."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    sheet = next(n for n in source.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == sheet:
                text = data.decode("utf-8")
                text = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") + doctype, text, count=1)
                cell = f'<row r="900"><c r="A900" t="inlineStr"><is><t>{reference}</t></is></c></row>'
                text = text.replace("</sheetData>", cell + "</sheetData>", 1) if "</sheetData>" in text else \
                    text.replace("<sheetData/>", f"<sheetData>{cell}</sheetData>", 1)
                data = text.encode("utf-8")
            z.writestr(info, data)
    return out.getvalue()


def hostile_files(good: bytes, name: str, limit: int) -> dict[str, tuple[str, bytes]]:
    """The hostile files for a route that takes ``name``-like files of at most ``limit`` bytes."""
    stem, suffix = name.rsplit(".", 1)
    files = {
        "mislabelled": (f"{stem}.{suffix}", EXE),
        "oversized": (name, good + b"\0" * (limit + 1 - len(good))),
        "traversal": (f"../../../../{MARKER}-{stem}.{suffix}", good),
    }
    if good.startswith(b"PK"):
        files |= {"zip_bomb": (name, zip_bomb(good)),
                  "billion_laughs": (name, with_entity(good, LAUGHS, "&lol9;")),
                  "external_entity": (name, with_entity(good, XXE, "&xxe;"))}
    return files


def enterprises_xlsx() -> bytes:
    out = io.BytesIO()
    generate_enterprises(12, seed=3).to_excel(out, index=False)
    return out.getvalue()


# -- what must hold after each refusal -------------------------------------------------------------

def _counts(factory) -> dict[str, int]:
    with factory() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                if t.name not in ("login_session", "user_account")}


def _outside(tmp_path: Path) -> set[Path]:
    """Files outside the data folder where a traversal could land: the test folder, cwd, the temp dir."""
    import tempfile

    found = {p for p in tmp_path.rglob("*") if "data" not in p.relative_to(tmp_path).parts[:1]}
    for root in (Path.cwd(), Path(tempfile.gettempdir()), Path("/tmp")):
        found |= {p for p in root.glob(f"**/{MARKER}*") if p.exists()} if root != Path.cwd() else \
            set(root.glob(f"{MARKER}*"))
    return found


MESSAGES: dict[str, str] = {}
"""The refusal each hostile file got (route and attack → its first problem line), for the document."""


def _refused(response, where: str, words: tuple[str, ...]) -> str:
    # A refusal is a 4xx, or (the entry workbook's preview, the evidence form) the page again with its
    # problems: either way the words that say why must be on it.
    assert response.status_code in (200, 400, 413, 422), (where, response.status_code, response.text[-400:])
    text = html.unescape(response.text)
    assert "Traceback" not in text and PASSWD.decode() not in text, where
    assert any(w in text for w in words), (where, text[-1500:])
    return text


def _problem_line(response) -> str:
    """The first line of the answer that says what was wrong (for the document's table)."""
    text = html.unescape(re.sub(r"<[^>]+>", "\n", response.text))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    why = r"未读取|未上传|未保存|未能|不能|无法|超过|炸弹|实体|不是|应为"
    said = [line for line in lines if re.search(why, line)]
    return f"{response.status_code} " + " / ".join(line[:120] for line in said[:3])


def _no_passwd_stored(settings) -> None:
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    for file in path.parent.glob(path.name + "*"):
        assert PASSWD not in file.read_bytes(), file


def _try(client, factory, tmp_path, settings, where: str, post, files: dict[str, tuple[str, bytes]],
         words: dict[str, tuple[str, ...]]) -> None:
    """Post every hostile file; a refusal changes nothing; a traversal name is stored as its base name."""
    before, outside = _counts(factory), _outside(tmp_path)
    # The traversal last: its good file may be kept, and a kept file changes what the next may do.
    for attack, (name, data) in sorted(files.items(), key=lambda item: item[0] == "traversal"):
        response = post(name, data)
        MESSAGES[f"{where}: {attack}"] = _problem_line(response)
        if attack == "traversal":
            assert response.status_code < 500, (where, attack, response.status_code)
            assert MARKER not in str(_outside(tmp_path) - outside), (where, attack)
            before = _counts(factory)       # a good file under a bad name may be kept (by its base name)
            continue
        _refused(response, f"{where} {attack}", words[attack.removeprefix("xlsx_")])
        assert _counts(factory) == before, (where, attack)
        TRIED[where] = TRIED.get(where, 0) + 1
    assert _outside(tmp_path) == outside, where
    _no_passwd_stored(settings)


# -- the routes ------------------------------------------------------------------------------------

EVIDENCE_REFUSALS = {"mislabelled": ("内容是程序或脚本",), "oversized": ("超过单个文件 20 MB 的上限",),
                     "zip_bomb": ("疑似压缩炸弹",), "billion_laughs": ("XML 实体攻击",),
                     "external_entity": ("XML 实体攻击",)}
"""What an evidence or 销号 file refusal says, by attack (the checks of services/evidence.checked_file)."""
TABLE_REFUSALS = {"zip_bomb": ("疑似压缩炸弹",), "billion_laughs": ("amplification factor",),
                  "external_entity": ("undefined entity &xxe;",)}
"""What the library's table reader says of a workbook bomb or entities (zongheng.io.tables)."""


def test_the_entry_workbook_upload(client, world, factory, tmp_path, settings):
    sid = world.submissions["s1"]
    login(client, "reporter")
    good = client.get(f"/submissions/{sid}/template.xlsx").content

    def post(name: str, data: bytes):
        csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
        return client.post(f"/submissions/{sid}/upload", data={"csrf_token": csrf},
                           files={"file": (name, data, "application/octet-stream")})

    files = hostile_files(good, "填报.xlsx", entry_xlsx.MAX_BYTES)
    files["oversized_body"] = ("填报.xlsx", b"\0" * (entry_page.MAX_BODY + 1))
    _try(client, factory, tmp_path, settings, "entry xlsx", post, files,
         {"mislabelled": ("文件不是 Excel 工作簿",), "oversized": ("文件大小超过 5 MB，未读取",),
          "zip_bomb": ("疑似压缩炸弹",), "billion_laughs": ("无法读取此工作簿",),
          "external_entity": ("无法读取此工作簿",), "oversized_body": ("上传的文件超过 5 MB，未读取",)})
    # The traversal-named good template was read as any template: nothing is written before 确认.
    with factory() as s:
        assert s.get(Submission, sid).values[0].value is None


def test_the_evidence_upload(client, world, factory, tmp_path, settings):
    sid = world.submissions["s1"]
    login(client, "reporter")
    with factory() as s:
        value_id = s.get(Submission, sid).values[0].id

    def post(name: str, data: bytes):
        csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
        return client.post(f"/submissions/{sid}/evidence", files={"file": (name, data, "image/png")},
                           data={"csrf_token": csrf, "value_id": str(value_id)})

    files = hostile_files(PNG, "证明.png", settings.evidence_max_bytes)
    files |= {f"xlsx_{k}": v for k, v in hostile_files(enterprises_xlsx(), "台账.xlsx", 10**9).items()
              if k in ("zip_bomb", "billion_laughs", "external_entity")}
    _try(client, factory, tmp_path, settings, "evidence", post, files, EVIDENCE_REFUSALS)
    with factory() as s:
        names = s.scalars(select(Evidence.name).where(Evidence.value_id == value_id)).all()
    assert names == [f"{MARKER}-证明.png"]         # the traversal's good file, by its base name


def test_the_task_evidence_upload(client, world, factory, tmp_path, settings):
    task_id = _task_world(factory, "A")["task_id"]
    with transaction(factory) as s:
        tasks.claim(s, _user(s, "reporter"), s.get(Task, task_id))
    login(client, "reporter")

    def post(name: str, data: bytes):
        csrf = csrf_of(client.get(f"/tasks/{task_id}").text)
        return client.post(f"/tasks/{task_id}/request", data={"csrf_token": csrf, "text": "已整改"},
                           files={"files": (name, data, "image/png")})

    files = hostile_files(PNG, "整改.png", settings.evidence_max_bytes)
    files |= {f"xlsx_{k}": v for k, v in hostile_files(enterprises_xlsx(), "台账.xlsx", 10**9).items()
              if k in ("zip_bomb", "billion_laughs", "external_entity")}
    _try(client, factory, tmp_path, settings, "task evidence", post, files, EVIDENCE_REFUSALS)


def test_the_grading_upload(client, world, factory, tmp_path, settings):
    login(client, "analyst")

    def post(name: str, data: bytes):
        csrf = csrf_of(client.get("/grading").text)
        return client.post("/grading", data={"csrf_token": csrf, "region_code": "A"},
                           files={"file": (name, data, "application/octet-stream")})

    files = hostile_files(enterprises_xlsx(), "企业.xlsx", grading.MAX_BYTES)
    files["mislabelled_csv"] = ("企业.csv", EXE)
    _try(client, factory, tmp_path, settings, "grading", post, files,
         {"mislabelled": ("无法读取文件",), "oversized": ("文件超过 20 MB",), **TABLE_REFUSALS,
          "mislabelled_csv": ("无法识别文件编码",)})


def test_the_framework_import(client, world, factory, tmp_path, settings):
    login(client, "admin")
    good = "code: M\nname: 体系\nchildren:\n  - {code: X1, name: 指标一, direction: 1}\n".encode()
    year = iter(range(2030, 2100))

    def post(name: str, data: bytes):
        csrf = csrf_of(client.get("/frameworks").text)
        return client.post("/frameworks", data={"csrf_token": csrf, "key": "attack", "year": str(next(year))},
                           files={"file": (name, data, "application/octet-stream")})

    files = hostile_files(good, "体系.yaml", frameworks_page.MAX_BYTES)
    files |= {f"xlsx_{k}": v for k, v in hostile_files(enterprises_xlsx(), "体系.xlsx", 10**9).items()
              if k in ("zip_bomb", "billion_laughs", "external_entity")}
    pwned = tmp_path / f"{MARKER}-pwned"
    files["yaml_object"] = ("体系.yaml", f'!!python/object/apply:os.system ["touch {pwned}"]\n'.encode())
    files["yaml_aliases"] = ("体系.yaml", ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10))).encode())
    _try(client, factory, tmp_path, settings, "framework", post, files,
         {"mislabelled": ("无法识别文件编码",), "oversized": ("文件超过 5 MB",), **TABLE_REFUSALS,
          "yaml_object": ("could not determine a constructor",), "yaml_aliases": ("别名 (*) 展开后会超过",)})
    assert not pwned.exists()


def test_the_organisation_import(factory, tmp_path, world):
    rows = pd.DataFrame({"代码": ["Z1"], "名称": ["新县"], "上级": ["C"], "层级": ["county"]})
    out = io.BytesIO()
    rows.to_excel(out, index=False)
    good = out.getvalue()
    files = {k: v for k, v in hostile_files(good, "regions.xlsx", 10**9).items() if k != "oversized"}
    files["mislabelled_csv"] = ("regions.csv", EXE)
    before = _counts(factory)
    for attack, (name, data) in files.items():
        path = tmp_path / "upload" / Path(name).name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        if attack == "traversal":
            continue
        with transaction(factory) as s, pytest.raises(ZonghengError) as refused:
            import_org(s, path, "region", date(2024, 1, 1))
        message = str(refused.value)
        assert path.name in message and PASSWD.decode() not in message, (attack, message)
        expected = {"mislabelled": "无法读取文件", "mislabelled_csv": "无法识别文件编码",
                    "zip_bomb": "疑似压缩炸弹", "billion_laughs": "无法读取文件",
                    "external_entity": "无法读取文件"}[attack]
        assert expected in message, (attack, message)
        assert _counts(factory) == before, attack
        TRIED["organisation import"] = TRIED.get("organisation import", 0) + 1

