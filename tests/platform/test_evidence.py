"""Evidence files (佐证材料): upload, list, download, refuse, remove, back up; SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
import zipfile
import zlib
from dataclasses import replace
from urllib.parse import quote

import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, Evidence, EvidenceContent, State, Submission
from zongheng.platform.services import audit
from zongheng.platform.services import evidence as service
from zongheng.platform.services.sniff import Refusal, sniff

from .conftest import csrf_of, login

# -- tiny valid files, made here -------------------------------------------------------------------


def png() -> bytes:
    """A 1×1 RGB PNG: signature, IHDR, IDAT, IEND with their CRCs."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx() -> bytes:
    from docx import Document

    out = io.BytesIO()
    document = Document()
    document.add_paragraph("2024 年统计公报摘录")
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active.append(["年份", "产值"])
    book.save(out)
    return out.getvalue()


def a_zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


def ole(*streams: str) -> bytes:
    """A Compound File (MS-CFB v3, 512-byte sectors): sector 0 the FAT, sector 1 the directory."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26], header[26:28], header[28:30] = (0x3E).to_bytes(2, "little"), (3).to_bytes(2, "little"), \
        b"\xfe\xff"
    header[30:32], header[32:34] = (9).to_bytes(2, "little"), (6).to_bytes(2, "little")
    header[44:48] = (1).to_bytes(4, "little")            # one FAT sector…
    header[48:52] = (1).to_bytes(4, "little")            # …the directory starts at sector 1
    header[56:60] = (4096).to_bytes(4, "little")
    header[60:64], header[68:72] = b"\xfe\xff\xff\xff", b"\xfe\xff\xff\xff"   # no mini FAT, no DIFAT
    header[76:80] = (0).to_bytes(4, "little")            # the FAT is sector 0
    header[80:512] = b"\xff" * 432
    fat = bytearray(b"\xff" * 512)
    fat[0:4], fat[4:8] = b"\xfd\xff\xff\xff", b"\xfe\xff\xff\xff"      # FAT sector; end of chain
    directory = bytearray()
    for number, (name, kind) in enumerate([("Root Entry", 5), *((s, 2) for s in streams)]):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[0:len(encoded)], entry[64:66], entry[66] = encoded, len(encoded).to_bytes(2, "little"), kind
        entry[68:80] = b"\xff" * 12
        entry[116:120] = b"\xfe\xff\xff\xff"
        directory += entry
        assert number < 4
    directory += bytes(512 - len(directory))
    return bytes(header + fat + directory)


OOXML = "application/vnd.openxmlformats-officedocument"
ACCEPTED = [
    ("证明.pdf", PDF, "application/pdf", "PDF"),
    ("现场照片.png", png(), "image/png", "PNG"),
    ("统计公报.docx", docx(), f"{OOXML}.wordprocessingml.document", "Word"),
    ("台账.xlsx", xlsx(), f"{OOXML}.spreadsheetml.sheet", "Excel"),
    ("明细.csv", "年份,产值\n2024,12.5\n".encode(), "text/csv; charset=utf-8", "CSV"),
    ("说明.txt", "本期产值含新建园区。\r\n".encode("gbk"), "text/plain; charset=gb18030", "TXT"),
    ("电子公文.ofd", a_zip("OFD.xml", "Doc_0/Document.xml"), "application/ofd", "OFD"),
    ("旧表.xls", ole("Workbook"), "application/vnd.ms-excel", "Excel 97-2003"),
]


# -- the sniffer on its own ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "media_type", "label"), ACCEPTED)
def test_each_accepted_type_is_read_from_its_content(name, data, media_type, label):
    found = sniff(data)
    assert not isinstance(found, Refusal), name
    kind, _charset = found
    assert kind.media_type == media_type.split(";")[0].replace("text/csv", "text/plain")
    assert name.rsplit(".", 1)[1] in kind.extensions or kind.key == "txt"


@pytest.mark.parametrize(("data", "found"), [
    (b"<!doctype html><html><body><script>alert(1)</script></body></html>", "pf_sniff_markup"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "pf_sniff_markup"),
    (b"\xef\xbb\xbf  \n<?xml version='1.0'?><a/>", "pf_sniff_markup"),
    (b"note\n<script>alert(1)</script>", "pf_sniff_markup"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "pf_sniff_program"),
    (b"\x7fELF\x02\x01\x01", "pf_sniff_program"),
    (b"#!/bin/sh\nrm -rf /\n", "pf_sniff_program"),
    (a_zip("payload.exe"), "pf_sniff_archive"),
    (a_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "pf_sniff_macro"),
    (ole("WordDocument", "Macros"), "pf_sniff_macro"),
    (ole("Something"), "pf_sniff_unknown"),
    (b"PK\x03\x04 but not really a zip", "pf_sniff_broken"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 truncated", "pf_sniff_broken"),
    (b"abc\x00def", "pf_sniff_unknown"),
    (bytes(range(256)), "pf_sniff_unknown"),
    (b"", "pf_sniff_empty"),
])
def test_everything_else_is_refused_with_what_it_looks_like(data, found):
    assert sniff(data) == Refusal(found)


def test_ooxml_kinds_are_told_apart_by_their_part_folders():
    assert sniff(a_zip("[Content_Types].xml", "ppt/presentation.xml"))[0].key == "pptx"
    assert sniff(docx())[0].key == "docx" and sniff(xlsx())[0].key == "xlsx"
    assert sniff(ole("WordDocument"))[0].key == "doc"
    assert sniff(ole("PowerPoint Document"))[0].key == "ppt"
    # Both word/ and xl/ parts: not a document we can name.
    assert sniff(a_zip("[Content_Types].xml", "word/document.xml", "xl/workbook.xml")) == \
        Refusal("pf_sniff_archive")


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../x.pdf", "x.pdf"),
    ("..\\..\\windows\\system.ini.txt", "system.ini.txt"),
    ("  .hidden.txt ", "hidden.txt"),
    ("a\x00b\x1f\u202ec.pdf", "abc.pdf"),
    ("统计\t公报\n2024.pdf", "统计 公报 2024.pdf"),
    ("..", ""),
    ("长" * 300 + ".xlsx", "长" * (service.NAME_LIMIT - 5) + ".xlsx"),
])
def test_names_lose_folders_and_control_characters_and_keep_chinese(raw, safe):
    assert service.safe_name(raw) == safe
    assert len(service.safe_name(raw)) <= service.NAME_LIMIT


# -- through the pages ------------------------------------------------------------------------------


def _value_id(factory, world, key: str = "s1") -> int:
    with factory() as s:
        return s.get(Submission, world.submissions[key]).values[0].id


def _upload(client, world, factory, name, data, *, key="s1", content_type="application/octet-stream",
            value_id=None):
    page = client.get(f"/submissions/{world.submissions[key]}/entry")
    csrf = csrf_of(page.text) if page.status_code == 200 else csrf_of(client.get("/").text)
    vid = value_id if value_id is not None else _value_id(factory, world, key)
    return client.post(f"/submissions/{world.submissions[key]}/evidence",
                       data={"csrf_token": csrf, "value_id": str(vid)},
                       files={"file": (name, data, content_type)}, follow_redirects=False)


def _live(factory) -> list[Evidence]:
    with factory() as s:
        return list(s.scalars(select(Evidence).where(Evidence.removed_at.is_(None)).order_by(Evidence.id)))


def test_each_accepted_type_uploads_lists_and_downloads_byte_for_byte(client, world, factory):
    login(client, "reporter")
    for name, data, _media, _label in ACCEPTED:
        # The browser's claimed type is ignored: the content decides.
        response = _upload(client, world, factory, name, data, content_type="text/html")
        assert response.status_code == 303, (name, response.text[:500])
        assert response.headers["location"].endswith(f"#ev-{_value_id(factory, world)}")
    rows = _live(factory)
    assert [r.name for r in rows] == [a[0] for a in ACCEPTED]
    page = client.get(f"/submissions/{world.submissions['s1']}/entry").text
    for row, (name, data, media_type, label) in zip(rows, ACCEPTED, strict=True):
        assert row.media_type == media_type and row.size == len(data)
        assert row.sha256 == hashlib.sha256(data).hexdigest()
        assert f'href="/evidence/{row.id}"' in page and name in page
        assert f"{service.size_text(len(data))} · {label} · reporter" in page
        download = client.get(f"/evidence/{row.id}")
        assert download.status_code == 200 and download.content == data
        assert download.headers["content-type"] == media_type
        assert download.headers["content-disposition"] == (
            f"attachment; filename=\"{'_' * (len(name) - len(name.rsplit('.', 1)[1]) - 1)}."
            f"{name.rsplit('.', 1)[1]}\"; filename*=UTF-8''{quote(name)}")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in download.headers["content-security-policy"]
    # A reader in scope downloads too; the read-only page lists the files without upload forms.
    login(client, "approver")
    assert client.get(f"/evidence/{rows[0].id}").content == PDF
    read_only = client.get(f"/submissions/{world.submissions['s1']}").text
    assert "证明.pdf" in read_only and "/evidence\"" not in read_only and "/remove" not in read_only


@pytest.mark.parametrize(("name", "data", "says"), [
    ("page.html", b"<!doctype html><html><script>alert(1)</script></html>", "网页或标记文件"),
    ("notes.txt", b"<html><body>hi</body></html>", "网页或标记文件"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "网页或标记文件"),
    ("setup.exe", b"MZ\x90\x00" + bytes(200), "程序或脚本"),
    ("report.pdf", b"MZ\x90\x00" + bytes(200), "程序或脚本"),
    ("bundle.zip", a_zip("a.exe", "b.dll"), "内容不明的压缩包"),
    ("macro.docx", a_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "含宏"),
])
def test_types_that_are_not_accepted_are_refused_naming_the_file(client, world, factory, name, data, says):
    login(client, "reporter")
    response = _upload(client, world, factory, name, data)
    assert response.status_code == 200
    assert f"“{name}”的内容是{says}" in response.text and "可上传：PDF" in response.text
    assert _live(factory) == []


def test_an_extension_that_disagrees_with_the_content_is_refused(client, world, factory):
    login(client, "reporter")
    response = _upload(client, world, factory, "扫描件.pdf", png())
    assert "“扫描件.pdf”的扩展名是 .pdf，但内容是 PNG 文件" in response.text
    response = _upload(client, world, factory, "台账.docx", xlsx())
    assert "但内容是 Excel 文件" in response.text
    assert _live(factory) == []
    # No extension at all: the one the content has is added.
    assert _upload(client, world, factory, "扫描件", png()).status_code == 303
    assert [r.name for r in _live(factory)] == ["扫描件.png"]


def test_empty_oversize_and_too_many_files_are_refused(settings, engine, world, factory):
    from fastapi.testclient import TestClient

    from zongheng.platform.app import create_app

    app = create_app(replace(settings, evidence_max_bytes=1000, evidence_max_files=2))
    with TestClient(app) as client:
        login(client, "reporter")
        assert "“空.pdf”是空文件" in _upload(client, world, factory, "空.pdf", b"").text
        # Over the limit per file but within the body allowance: read up to the cap, refused by name.
        big = PDF + b"%" * 1000
        assert "“大.pdf”超过单个文件 1000 B 的上限" in _upload(client, world, factory, "大.pdf", big).text
        # Far over: refused from the declared length, before the body is read.
        huge = _upload(client, world, factory, "巨.pdf", PDF + b"%" * 200_000)
        assert huge.status_code == 413 and "超过佐证材料的大小上限" in huge.text
        assert _live(factory) == []
        for n in range(2):
            assert _upload(client, world, factory, f"{n}.pdf", PDF).status_code == 303
        third = _upload(client, world, factory, "2.pdf", PDF)
        assert "指标 X1 已有 2 个佐证材料，达到上限" in third.text
        assert len(_live(factory)) == 2
        # A removed file no longer counts.
        first = _live(factory)[0]
        client.post(f"/evidence/{first.id}/remove", data={"csrf_token": csrf_of(third.text)})
        assert _upload(client, world, factory, "2.pdf", PDF).status_code == 303
    app.state.engine.dispose()


def test_a_hostile_name_is_stored_safe_and_shown_escaped(client, world, factory):
    login(client, "reporter")
    assert _upload(client, world, factory, "../../x.pdf", PDF).status_code == 303
    hostile = "<img src=x onerror=alert(1)><script>alert(2).pdf"
    assert _upload(client, world, factory, hostile, PDF).status_code == 303
    assert [r.name for r in _live(factory)] == ["x.pdf", hostile]
    page = client.get(f"/submissions/{world.submissions['s1']}/entry").text
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2).pdf" in page
    assert "<script>alert(2)" not in page and "<img src=x" not in page
    download = client.get(f"/evidence/{_live(factory)[1].id}")
    assert 'filename="<img src=x onerror=alert(1)><script>alert(2).pdf"' in \
        download.headers["content-disposition"]


def test_a_submission_that_is_not_editable_takes_no_files_and_loses_none(client, world, factory):
    login(client, "reporter")
    assert _upload(client, world, factory, "a.pdf", PDF).status_code == 303
    row = _live(factory)[0]
    with transaction(factory) as s:
        s.get(Submission, world.submissions["s1"]).state = State.SUBMITTED.value
    refused = _upload(client, world, factory, "b.pdf", PDF)
    assert "此报送任务状态为“已报送”，不能修改" in refused.text
    removal = client.post(f"/evidence/{row.id}/remove", data={"csrf_token": csrf_of(refused.text)})
    assert "此报送任务状态为“已报送”，不能修改" in removal.text
    assert [r.id for r in _live(factory)] == [row.id]
    # The page shows the file but offers no upload or remove.
    page = client.get(f"/submissions/{world.submissions['s1']}/entry").text
    assert "a.pdf" in page and 'enctype="multipart/form-data"' not in page and "/remove" not in page


def test_outside_the_scope_looks_like_nothing(client, world, factory):
    login(client, "reporter")
    # Another department's submission (DB@B): the reporter of DA can neither upload nor see.
    assert _upload(client, world, factory, "a.pdf", PDF, key="s8").status_code == 404
    # A value of another submission named in the form: refused, nothing saved.
    other_value = _upload(client, world, factory, "a.pdf", PDF, value_id=_value_id(factory, world, "s8"))
    assert "所选指标不属于此报送任务" in other_value.text
    assert _live(factory) == []
    with transaction(factory) as s:
        value = s.get(Submission, world.submissions["s8"]).values[0]
        theirs = Evidence(value_id=value.id, name="b.pdf", media_type="application/pdf", size=len(PDF),
                          sha256="0" * 64, content=EvidenceContent(data=PDF))
        s.add(theirs)
        s.flush()
        theirs_id = theirs.id
    csrf = csrf_of(client.get("/").text)
    assert client.get(f"/evidence/{theirs_id}").status_code == 404
    assert client.post(f"/evidence/{theirs_id}/remove", data={"csrf_token": csrf}).status_code == 404
    # A reader of approved data only does not see a draft's files either.
    assert _upload(client, world, factory, "mine.pdf", PDF).status_code == 303
    login(client, "leader")
    assert client.get(f"/evidence/{_live(factory)[-1].id}").status_code == 404


def test_removal_is_a_recorded_soft_delete(client, world, factory):
    login(client, "reporter")
    assert _upload(client, world, factory, "证明.pdf", PDF).status_code == 303
    row = _live(factory)[0]
    csrf = csrf_of(client.get("/").text)
    response = client.post(f"/evidence/{row.id}/remove", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert _live(factory) == []
    assert client.get(f"/evidence/{row.id}").status_code == 404
    assert "证明.pdf" not in client.get(f"/submissions/{world.submissions['s1']}/entry").text
    with factory() as s:
        kept = s.get(Evidence, row.id)
        assert kept.removed_at is not None and kept.removed_by == world.users["reporter"]
        assert s.get(EvidenceContent, row.id).data == PDF          # the bytes stay
        events = s.scalars(select(AuditEvent).where(AuditEvent.object_type == "evidence")
                           .order_by(AuditEvent.id)).all()
        assert [(e.action, e.object_id, e.user_id) for e in events] == [
            ("evidence.add", str(row.id), world.users["reporter"]),
            ("evidence.remove", str(row.id), world.users["reporter"])]
        assert '"sha256": "' + hashlib.sha256(PDF).hexdigest() in events[0].detail
        assert audit.verify_chain(s) is None


def test_a_form_without_a_file_or_token_is_refused(client, world, factory):
    login(client, "reporter")
    sid = world.submissions["s1"]
    csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
    empty = client.post(f"/submissions/{sid}/evidence",
                        data={"csrf_token": csrf, "value_id": str(_value_id(factory, world))})
    assert empty.status_code == 200 and "请选择要上传的文件" in empty.text
    no_token = client.post(f"/submissions/{sid}/evidence", data={"value_id": str(_value_id(factory, world))},
                           files={"file": ("a.pdf", PDF, "application/pdf")})
    assert no_token.status_code == 403
    assert _live(factory) == []


def test_backup_and_restore_carry_the_files(settings, engine, factory, world, tmp_path):
    from zongheng.platform.services import backup

    if not settings.database_url.startswith("sqlite") and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not on the PATH")
    data = docx()
    with transaction(factory) as s:
        submission = s.get(Submission, world.submissions["s1"])
        row = service.add(s, submission, submission.values[0].id, "统计公报.docx", io.BytesIO(data),
                          user_id=world.users["reporter"], limits=service.Limits(10**6, 10))
        row_id = row.id
    file = backup.backup(settings.database_url, tmp_path / "b" / "zongheng.backup")
    with transaction(factory) as s:
        s.delete(s.get(Evidence, row_id))
    with factory() as s:
        assert s.get(Evidence, row_id) is None
    engine.dispose()
    backup.restore(settings.database_url, file)
    with factory() as s:
        restored = s.get(Evidence, row_id)
        assert restored.name == "统计公报.docx" and service.content(s, restored) == data
        assert restored.sha256 == hashlib.sha256(data).hexdigest()


def test_the_api_lists_each_values_files(client, world, factory, settings):
    from zongheng.platform.models import User
    from zongheng.platform.services import tokens

    login(client, "reporter")
    assert _upload(client, world, factory, "证明.pdf", PDF).status_code == 303
    row = _live(factory)[0]
    with transaction(factory) as s:
        token, _ = tokens.create(s, s.get(User, world.users["reporter"]), settings.secret_key, "t")
    answer = client.get(f"/api/v1/submissions/{world.submissions['s1']}",
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json()["values"][0]["evidence"] == [
        {"id": row.id, "name": "证明.pdf", "type": "application/pdf", "size": len(PDF)}]
