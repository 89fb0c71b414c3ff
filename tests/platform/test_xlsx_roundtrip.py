"""The Excel round trip (Excel 填报模板): download pre-filled, edit, dry run, confirm; refusals; scope."""

from __future__ import annotations

import base64
import html
import io
import re
import struct
import zipfile
from datetime import date
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import select

from zongheng.platform.db import transaction
from zongheng.platform.models import (
    AuditEvent,
    FrameworkIndicator,
    FrameworkVersion,
    Role,
    State,
    Submission,
    Value,
    ValueHistory,
)
from zongheng.platform.services import submissions, users
from zongheng.platform.services.entry_xlsx import build_template

from .conftest import PASSWORD, csrf_of, login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE_NAME = '=HYPERLINK("http://evil.example","点击")'
# K1 in %, K2 in 万元, K3 in 个, K4 in 亿元, lead DA: the test reporter's (DA@A).
INDICATORS = (("K1", "比率一", "%"), ("K2", "产值二", "万元"), ("K3", "个数三", "个"),
              ("K4", HOSTILE_NAME, "亿元"))
NOT_XLSX = "文件不是 Excel 工作簿（.xlsx）；请上传从本页面下载的填报模板。"
BOMB = "文件解压后超过 50 MB 或压缩比异常（疑似压缩炸弹），未读取。"


def add_pair(factory, *, key: str = "quad", state: State = State.DRAFT) -> tuple[int, int]:
    """A framework of four indicators; an approved 2023 submission and a 2024 one of DA@A.

    2023 holds K1 = 10 and K2 = 1500; 2024 starts with K2 = 1200 ("上期 1500"), K4 = 7 and a
    hostile comment on K3. Returns (2023 id, 2024 id).
    """
    with transaction(factory) as s:
        version = FrameworkVersion(
            key=key, year=2024, name="四项体系", content_sha256="2" * 64, source_text="",
            indicators=[FrameworkIndicator(code=c, name=n, unit=u, lead_department="DA", position=p)
                        for p, (c, n, u) in enumerate(INDICATORS)])
        s.add(version)
        s.flush()
        ids = []
        for period, st in (("2023", State.APPROVED), ("2024", state)):
            sub = Submission(version_id=version.id, department_code="DA", region_code="A", period=period,
                             due_date=date(int(period) + 1, 3, 31), state=st.value,
                             values=[Value(indicator_id=i.id) for i in version.indicators])
            s.add(sub)
            s.flush()
            ids.append(sub.id)
        old, new = (sorted(s.get(Submission, i).values, key=lambda v: v.indicator.position) for i in ids)
        submissions.set_value(s, old[0], 10.0, user_id=None)
        submissions.set_value(s, old[1], 1500.0, user_id=None)
        submissions.set_value(s, new[1], 1200.0, user_id=None)
        submissions.set_value(s, new[3], 7.0, user_id=None)
        new[2].comment = "=1+1 来自上报"
    return ids[0], ids[1]


def _values(factory, sid: int) -> dict[str, tuple[float | None, str]]:
    with factory() as s:
        return {v.indicator.code: (v.value, v.comment) for v in s.get(Submission, sid).values}


def _download(client, sid: int) -> bytes:
    response = client.get(f"/submissions/{sid}/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    return response.content


def _edit(data: bytes, cells: dict[str, object]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["填报"]
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, sid: int, data: bytes, name: str = "t.xlsx"):
    csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
    return client.post(f"/submissions/{sid}/upload", data={"csrf_token": csrf},
                       files={"file": (name, data, XLSX)})


def _problems(page: str) -> list[str]:
    found = re.search(r'id="xlsx-problems">(.*?)</div>', page, re.S)
    assert found, "no problem list on the page"
    return [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def _confirm_fields(page: str) -> dict[str, str]:
    form = re.search(r'action="/submissions/\d+/upload/confirm"(.*?)</form>', page, re.S)
    assert form, "no confirmation form"
    return dict(re.findall(r'name="(csrf_token|payload|signature)" value="([^"]*)"', form.group(1)))


# -- download -------------------------------------------------------------------------------------------

def test_the_template_is_prefilled_in_framework_order_with_identity_and_locks(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    response = client.get(f"/submissions/{sid}/template.xlsx")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="submission-{sid}.xlsx"; filename*=UTF-8\'\'')
    assert unquote(disposition.split("UTF-8''")[1]) == "四项体系_2024_甲县_部门DA_填报模板.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["填报"]
    assert sheet["A1"].value == "四项体系（2024 版）填报模板"
    assert sheet["A2"].value == ("报送期：2024　地区：甲县　部门：部门DA　截止日期：2025-03-31　"
                                 f"报送任务编号：{sid}")
    assert sheet["A4"].value is None                      # not a demo platform
    assert [c.value for c in sheet[5]] == ["代码", "指标", "单位", "上期（2023）", "本期值", "说明"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=6)]
    assert rows == [["K1", "比率一", "%", 10, None, None],
                    ["K2", "产值二", "万元", 1500, 1200, None],
                    ["K3", "个数三", "个", None, None, "=1+1 来自上报"],
                    ["K4", HOSTILE_NAME, "亿元", None, 7, None]]
    assert sheet.protection.sheet and sheet.protection.password is None
    assert sheet["A6"].protection.locked and sheet["A5"].protection.locked and sheet["D6"].protection.locked
    assert not sheet["E6"].protection.locked and not sheet["F6"].protection.locked
    assert sheet["E7"].number_format == "#,##0.00##########"
    identity = book["标识"]
    assert identity.sheet_state == "hidden" and identity.protection.sheet
    facts = {r[0].value: r[1].value for r in identity.iter_rows(max_row=8)}
    assert facts["报送任务编号"] == sid and facts["格式"] == "zongheng-entry-1"
    assert [r[0].value for r in identity.iter_rows(min_row=11)] == ["K1", "K2", "K3", "K4"]


def test_formula_like_text_is_written_as_text_never_as_a_formula(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    data = _download(client, sid)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml       # no formula anywhere
    sheet = openpyxl.load_workbook(io.BytesIO(data))["填报"]
    for ref, text in (("B9", HOSTILE_NAME), ("F8", "=1+1 来自上报")):
        cell = sheet[ref]
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, ref


def test_a_demo_platform_says_so_in_the_title_rows(factory, world):
    _, sid = add_pair(factory)
    with factory() as s:
        sheet = openpyxl.load_workbook(io.BytesIO(build_template(s, sid, demo=True)))["填报"]
    assert sheet["A4"].value.startswith("合成演示数据")


# -- upload: dry run, confirm ---------------------------------------------------------------------------

def test_dry_run_lists_every_problem_cell_then_the_fixed_file_is_confirmed(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    before = _values(factory, sid)
    template = _download(client, sid)
    bad = _edit(template, {"E6": "abc", "E7": "12%", "E8": "=SUM(1,2)", "E9": "#DIV/0!", "F9": "x" * 2001})
    page = _upload(client, sid, bad)
    assert page.status_code == 200
    assert _problems(page.text) == [
        "填报!E6（K1 比率一）：“abc”不是数值；应填数值（如 1234.5、1,234），无数据请留空或填“—”。",
        "填报!E7（K2 产值二）：“12%”带百分号，但计量单位是“万元”；应填不带百分号的数值。",
        "填报!E8（K3 个数三）：公式“=SUM(1,2)”没有计算结果（文件未经 Excel 计算保存）；"
        "应填数值，或在 Excel 中打开、保存后再上传。",
        f"填报!E9（K4 {HOSTILE_NAME}）：单元格是错误值 #DIV/0!；应填数值，无数据请留空或填“—”。",
        f"填报!F9（K4 {HOSTILE_NAME}）：说明超过 2000 字。",
    ]
    assert "upload/confirm" not in page.text                    # a file with problems cannot be confirmed
    assert _values(factory, sid) == before                      # the dry run saved nothing

    # Fixed: "12%" is right for the % indicator, a number stored as text, a number, "—" for none.
    good = _edit(template, {"E6": "12%", "E7": "1,234", "E8": 5, "E9": "—", "F6": "口径调整"})
    preview = _upload(client, sid, good)
    assert "xlsx-problems" not in preview.text
    changes = re.findall(r'<tr data-indicator="(K\d)"><td>([^<]+)</td>.*?class="num old">([^<]*)</td>'
                         r'<td class="num new">([^<]*)</td>', preview.text, re.S)
    assert changes == [("K1", "填报!E6", "—", "12"), ("K2", "填报!E7", "1,200", "1,234"),
                       ("K3", "填报!E8", "—", "5"), ("K4", "填报!E9", "7", "—")]
    assert _values(factory, sid) == before                      # still nothing saved
    saved = client.post(f"/submissions/{sid}/upload/confirm", data=_confirm_fields(preview.text))
    assert saved.status_code == 200 and "已从 Excel 保存 5 项修改" in saved.text   # 4 values + 1 comment
    assert _values(factory, sid) == {"K1": (12.0, "口径调整"), "K2": (1234.0, ""),
                                     "K3": (5.0, "=1+1 来自上报"), "K4": (None, "")}
    with factory() as s:
        history = s.execute(select(FrameworkIndicator.code, ValueHistory.old, ValueHistory.new)
                            .join(Value, ValueHistory.value_id == Value.id).join(Value.indicator)
                            .where(Value.submission_id == sid,
                                   ValueHistory.user_id == world.users["reporter"])
                            .order_by(ValueHistory.id)).all()
        upload = s.scalars(select(AuditEvent).where(AuditEvent.action == "submission.xlsx_upload")).one()
    assert [tuple(h) for h in history] == [("K1", None, 12.0), ("K2", 1200.0, 1234.0), ("K3", None, 5.0),
                                           ("K4", 7.0, None)]
    assert str(sid) == str(upload.object_id)

    # The same confirmation again: the values it expected as "old" are gone, nothing changes.
    again = client.post(f"/submissions/{sid}/upload/confirm", data=_confirm_fields(preview.text))
    assert "预览之后数据已被修改（K1 比率一）" in again.text


def _with_cached_result(data: bytes, ref: str, formula: str, cached: str) -> bytes:
    """Give a formula cell the result Excel would have saved with it (openpyxl writes none)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                pattern = rf'<c r="{ref}"[^>]*><f>{re.escape(formula)}</f><v\s*/?>(</v>)?'
                cell = re.search(pattern, content.decode())
                assert cell, "the formula cell was not written as expected"
                content = content.replace(cell.group(0).encode(),
                                          f'<c r="{ref}"><f>{formula}</f><v>{cached}</v>'.encode())
            target.writestr(item, content)
    return out.getvalue()


def test_a_formula_with_its_result_is_read_and_booleans_and_dates_are_refused(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    edited = _edit(_download(client, sid), {"E6": "=1+2", "E7": True, "E8": date(2024, 5, 1)})
    page = _upload(client, sid, edited)
    assert _problems(page.text) == [
        "填报!E6（K1 比率一）：公式“=1+2”没有计算结果（文件未经 Excel 计算保存）；"
        "应填数值，或在 Excel 中打开、保存后再上传。",
        "填报!E7（K2 产值二）：“TRUE”是逻辑值，不是数值。",
        "填报!E8（K3 个数三）：单元格是日期或时间 2024-05-01 00:00:00，不是数值。",
    ]
    cached = _with_cached_result(_edit(_download(client, sid), {"E6": "=1+2"}), "E6", "1+2", "3")
    preview = _upload(client, sid, cached)
    assert "xlsx-problems" not in preview.text
    client.post(f"/submissions/{sid}/upload/confirm", data=_confirm_fields(preview.text))
    assert _values(factory, sid)["K1"] == (3.0, "")


def test_a_declared_oversized_request_is_refused_before_it_is_read(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
    response = client.post(f"/submissions/{sid}/upload", data={"csrf_token": csrf},
                           files={"file": ("t.xlsx", b"PK\x03\x04" + b"\0" * (6 * 1024 * 1024), XLSX)})
    assert response.status_code == 413 and "上传的文件超过 5 MB，未读取。" in response.text


def test_an_unchanged_file_has_nothing_to_confirm(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    page = _upload(client, sid, _download(client, sid))
    assert 'id="xlsx-no-changes"' in page.text and "upload/confirm" not in page.text


def test_a_tampered_or_foreign_confirmation_saves_nothing(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    preview = _upload(client, sid, _edit(_download(client, sid), {"E6": 99}))
    fields = _confirm_fields(preview.text)
    body = base64.urlsafe_b64decode(fields["payload"]).replace(b"99.0", b"98.0")
    forged = {**fields, "payload": base64.urlsafe_b64encode(body).decode()}
    page = client.post(f"/submissions/{sid}/upload/confirm", data=forged)
    assert "确认已失效或不属于本次上传" in page.text
    # Another login session of the same user cannot confirm it either.
    client.post("/logout", data={"csrf_token": fields["csrf_token"]})
    login(client, "reporter")
    csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
    page = client.post(f"/submissions/{sid}/upload/confirm", data={**fields, "csrf_token": csrf})
    assert "确认已失效或不属于本次上传" in page.text
    assert _values(factory, sid)["K1"] == (None, "")


def test_a_value_changed_after_the_preview_stops_the_confirmation(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    preview = _upload(client, sid, _edit(_download(client, sid), {"E7": 1300}))
    with transaction(factory) as s:
        value = next(v for v in s.get(Submission, sid).values if v.indicator.code == "K2")
        submissions.set_value(s, value, 1250.0, user_id=None)
    page = client.post(f"/submissions/{sid}/upload/confirm", data=_confirm_fields(preview.text))
    assert "预览之后数据已被修改（K2 产值二），本次未保存；请重新上传。" in page.text
    assert _values(factory, sid)["K2"] == (1250.0, "")


# -- refusals -------------------------------------------------------------------------------------------

def test_another_submissions_workbook_is_refused(client, world, factory):
    _, sid = add_pair(factory)
    _, other = add_pair(factory, key="quad2")
    login(client, "reporter")
    page = _upload(client, sid, _edit(_download(client, other), {"E6": 1}))
    assert _problems(page.text) == [f"此模板属于另一个报送任务（编号 {other}），"
                                    f"不能上传到本任务（编号 {sid}）；请下载本任务的模板。"]
    # A workbook that is not a template at all (no identity sheet).
    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)
    page = _upload(client, sid, plain.getvalue())
    assert _problems(page.text) == ["此工作簿不是本平台下载的填报模板（缺少“标识”工作表）；"
                                    "请先下载本任务的模板。"]


def test_rows_with_unknown_or_repeated_codes_and_missing_rows_are_named(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    book = openpyxl.load_workbook(io.BytesIO(_download(client, sid)))
    sheet = book["填报"]
    sheet["A8"] = "K9"                     # K3's row now names an unknown code
    sheet["A9"] = "K1"                     # K4's row repeats K1
    sheet["E10"], sheet["F11"] = 3, "孤行"   # a value and a comment without a code
    out = io.BytesIO()
    book.save(out)
    assert _problems(_upload(client, sid, out.getvalue()).text) == [
        "填报!A8：指标代码“K9”不属于此报送任务。",
        "填报!A9：指标代码“K1”重复（第 6 行已有）。",
        "填报!A10：缺少指标代码（此行填了数值或说明）。",
        "填报!A11：缺少指标代码（此行填了数值或说明）。",
        "“填报”工作表缺少指标 K3（个数三）的行。",
        f"“填报”工作表缺少指标 K4（{HOSTILE_NAME}）的行。",
    ]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(("data", "message"), [
    (b"code,value\nK1,12\n", NOT_XLSX),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, NOT_XLSX),        # the old .xls format
    (_zip({"a.txt": b"hello"}), NOT_XLSX),
    (b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024), "文件大小超过 5 MB，未读取。"),
    # 60 MB of zeros packs to about 60 KB: over the unpacked limit.
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)}),
     BOMB),
    # 4 MB packing about 1000 to 1: under the size limit, refused for its ratio.
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": b"\0" * (4 * 1024 * 1024)}),
     BOMB),
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not-a-workbook"}),
     "无法读取此工作簿（文件已损坏）。"),
], ids=["csv", "xls", "zip", "oversized", "bomb-size", "bomb-ratio", "damaged"])
def test_files_that_are_not_small_honest_xlsx_are_refused_unopened(client, world, factory, data, message):
    _, sid = add_pair(factory)
    login(client, "reporter")
    page = _upload(client, sid, data)
    assert page.status_code == 200 and _problems(page.text) == [message]


def _lying(data: bytes, name: bytes, size: int) -> bytes:
    """Make the zip's headers claim ``size`` unpacked bytes for member ``name`` (a bomb in disguise)."""
    out = bytearray(data)
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = out.find(signature)
        while at >= 0 and out[at + name_at:at + name_at + len(name)] != name:
            at = out.find(signature, at + 1)
        assert at >= 0
        out[at + offset:at + offset + 4] = struct.pack("<I", size)
    return bytes(out)


def test_a_zip_that_understates_its_unpacked_size_is_not_inflated_past_it(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"\0" * (20 * 1024 * 1024)})
    disguised = _lying(bomb, b"xl/workbook.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(disguised)) as archive:      # the headers now say 1000 bytes
        assert archive.getinfo("xl/workbook.xml").file_size == 1000
    page = _upload(client, sid, disguised)
    # zipfile stops at the declared 1000 bytes and the CRC fails: unreadable, never 20 MB unpacked.
    assert _problems(page.text) == ["无法读取此工作簿（文件已损坏）。"]


def test_an_upload_without_a_file_or_to_a_closed_submission_is_refused(client, world, factory):
    _, sid = add_pair(factory)
    _, closed = add_pair(factory, key="quad3", state=State.SUBMITTED)
    login(client, "reporter")
    csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
    page = client.post(f"/submissions/{sid}/upload", data={"csrf_token": csrf})
    assert page.status_code == 200 and _problems(page.text) == ["请选择要上传的 Excel 文件（.xlsx）。"]
    page = _upload(client, closed, _download(client, closed))
    assert _problems(page.text) == ["此报送任务状态为“已报送”，不能修改；只有草稿或已退回的任务可以填报。"]
    assert 'id="xlsx-upload"' not in client.get(f"/submissions/{closed}/entry").text


# -- scope -----------------------------------------------------------------------------------------------

def test_another_departments_reporter_sees_nothing_and_an_approver_may_not_upload(client, world, factory):
    _, sid = add_pair(factory)
    with transaction(factory) as s:
        user = users.create(s, "reporter_db", PASSWORD)
        users.assign(s, user, Role.REPORTER, region="B", department="DB")
    login(client, "reporter")
    data = _download(client, sid)
    client.cookies.clear()
    login(client, "reporter_db")
    csrf = csrf_of(client.get("/").text)
    assert client.get(f"/submissions/{sid}/template.xlsx").status_code == 404
    refused = client.post(f"/submissions/{sid}/upload", data={"csrf_token": csrf},
                          files={"file": ("t.xlsx", data, XLSX)})
    assert refused.status_code == 404
    client.cookies.clear()
    login(client, "approver")
    csrf = csrf_of(client.get("/").text)
    assert client.get(f"/submissions/{sid}/template.xlsx").status_code == 200   # approvers read it
    refused = client.post(f"/submissions/{sid}/upload", data={"csrf_token": csrf},
                          files={"file": ("t.xlsx", data, XLSX)})
    assert refused.status_code == 403
    assert _values(factory, sid)["K1"] == (None, "")


def test_the_entry_page_links_the_template_and_offers_the_upload(client, world, factory):
    _, sid = add_pair(factory)
    login(client, "reporter")
    page = client.get(f"/submissions/{sid}/entry").text
    assert f'href="/submissions/{sid}/template.xlsx"' in page
    assert f'action="/submissions/{sid}/upload" enctype="multipart/form-data"' in page
