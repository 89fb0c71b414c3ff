"""Documents archived with a run (评价文档): made by a job, downloaded as stored, marked 未审核.

The documents are the library's writers' (HTML page, Word draft, Excel workbook) on the run's
record; the unit and score they show are the library's for the same inputs; a download is the
stored bytes (same SHA-256), readable only by those who may read the run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from urllib.parse import quote

import pytest

import zongheng as zh
from zongheng import display
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, FrameworkVersion, Job, Run, RunDocument
from zongheng.platform.services import jobs, run_documents, runs
from zongheng.platform.services.run_inputs import gather
from zongheng.platform.worker import handlers

from .conftest import csrf_of, login
from .test_run_inputs import COUNTIES, demo, entered  # noqa: F401  (fixtures)
from .test_runs_pages import people  # noqa: F401  (fixture)

pytestmark = [pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning:openpyxl")]


@pytest.fixture
def stored(factory, people):  # noqa: F811
    """Two runs of the three counties' 2024 (approved, and marked 未审核), and the library's build."""
    with factory() as s:
        inputs = gather(s, s.get(FrameworkVersion, people), "2024", regions=sorted(COUNTIES))
    ev = zh.build(inputs.framework, inputs.panel, zh.datasets.load("tiangong_demo").method)
    with transaction(factory) as s:
        approved = runs.store(s, inputs, ev, "tiangong_method", user_id=None).id
        unapproved = dataclasses.replace(inputs, approved=False, unapproved_values=5)
        marked = runs.store(s, unapproved, ev, "tiangong_method", user_id=None).id
    return approved, marked, ev


def _generate(client, run_id: int, **form) -> str:
    csrf = csrf_of(client.get(f"/runs/{run_id}").text)
    response = client.post(f"/runs/{run_id}/documents", data={"csrf_token": csrf, **form},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _work(factory) -> Job:
    done = jobs.run_one(factory, handlers(), "test")
    assert done is not None and done.state == "done", done and done.message
    return done


def _top(ev) -> tuple[str, float]:
    """The library's top unit of the last period and its index score."""
    root = ev.node_codes.index(ev.framework.root.code)
    u = min(range(len(ev.panel.units)), key=lambda i: ev.ranks[-1, i, root])
    return ev.panel.units[u], float(ev.scores[-1, u, root])


def _docx_text(data: bytes) -> tuple[str, str]:
    """(body text with the tables', the first page header's text) of a Word file."""
    import docx

    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    headers = [h for s in doc.sections for h in (s.header, s.even_page_header)]
    header = " ".join(p.text for h in headers for p in h.paragraphs)
    return "\n".join(parts), header


def _xlsx(data: bytes):
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(data))


def _cells(ws) -> list:
    return [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]


def test_the_job_makes_three_documents_and_a_download_is_the_stored_file(client, factory, stored):
    approved, _, ev = stored
    login(client, "fenxi")
    page = client.get(f"/runs/{approved}").text
    assert 'id="documents"' in page and "生成文档" in page and "还没有生成文档" in page
    job_url = _generate(client, approved)            # no unit chosen: the top one
    assert job_url.startswith("/jobs/")
    assert "生成文档中" in client.get(job_url).text
    done = _work(factory)
    assert done.kind == run_documents.DOCUMENT and done.result_id == approved
    progress = client.get(job_url + "/progress", headers={"HX-Request": "true"})
    assert progress.headers["HX-Redirect"] == f"/runs/{approved}#documents"

    with factory() as s:
        rows = s.query(RunDocument).filter_by(run_id=approved).order_by(RunDocument.id).all()
        stored_bytes = {r.id: r.data for r in rows}
        meta = [(r.id, r.kind, r.version, r.unit, r.sha256, r.size, r.filename, r.unapproved) for r in rows]
    assert [m[1] for m in meta] == ["html", "docx", "xlsx"] and {m[2] for m in meta} == {1}
    top, score = _top(ev)
    assert {m[3] for m in meta} == {top} and not any(m[7] for m in meta)

    page = client.get(f"/runs/{approved}").text
    files = {}
    for doc_id, kind, _, _, sha, size, filename, _ in meta:
        assert f'href="/runs/{approved}/documents/{doc_id}"' in page
        response = client.get(f"/runs/{approved}/documents/{doc_id}")
        assert response.status_code == 200
        assert response.content == stored_bytes[doc_id]
        assert hashlib.sha256(response.content).hexdigest() == sha and len(response.content) == size
        assert response.headers["content-disposition"].startswith("attachment;")
        assert f"filename*=UTF-8''{quote(filename, safe='')}" in response.headers["content-disposition"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert filename.startswith(f"{top}_2024_") and f"评价{approved}_第1版" in filename
        files[kind] = response.content

    # The documents name the library's top unit and give its score as the library computes it.
    shown = display.score(score)
    html = files["html"].decode("utf-8")
    assert top in html and shown in html and "未审核" not in html
    body, header = _docx_text(files["docx"])
    assert top in body and shown in body and "未审核" not in body + header
    book = _xlsx(files["xlsx"])
    ranking = book.worksheets[1]
    rows = [r for r in ranking.iter_rows(values_only=True) if top in r]
    assert rows and any(isinstance(x, float) and abs(x - score) < 1e-9 for x in rows[0])
    assert not any("未审核" in str(c) for ws in book.worksheets for c in _cells(ws))

    # Asking again makes version 2; version 1 stays as it was.
    _generate(client, approved, unit=COUNTIES["330784"])
    _work(factory)
    with factory() as s:
        again = s.query(RunDocument).filter_by(run_id=approved).order_by(RunDocument.id).all()
        assert [(r.version, r.kind) for r in again] == [(1, "html"), (1, "docx"), (1, "xlsx"),
                                                        (2, "html"), (2, "docx"), (2, "xlsx")]
        assert {r.id: r.data for r in again if r.version == 1} == stored_bytes
        assert {r.unit for r in again if r.version == 2} == {"永康市"}
        events = [(e.action, e.object_id) for e in s.query(AuditEvent).filter(
            AuditEvent.action.like("run_document.%")).order_by(AuditEvent.id)]
    assert [a for a, _ in events].count("run_document.create") == 6
    assert [o for a, o in events if a == "run_document.download"] == [str(m[0]) for m in meta]
    page = client.get(f"/runs/{approved}").text
    assert page.index('data-version="2"') < page.index('data-version="1"')   # newest first


def test_an_unapproved_run_s_documents_say_so_in_every_format(client, factory, stored):
    _, marked, ev = stored
    login(client, "fenxi")
    assert "生成的每个文档都标明“未审核”" in client.get(f"/runs/{marked}").text
    _generate(client, marked)
    _work(factory)
    with factory() as s:
        rows = {r.kind: (r.id, r.unapproved, r.filename)
                for r in s.query(RunDocument).filter_by(run_id=marked)}
    assert all(flag and name.startswith("未审核_") for _, flag, name in rows.values())
    got = {k: client.get(f"/runs/{marked}/documents/{i}").content for k, (i, _, _) in rows.items()}

    html = got["html"].decode("utf-8")
    assert re.search(r"<title>【未审核】", html)
    assert re.search(r'<div class="banner unapproved" role="alert">未审核：', html)
    body, header = _docx_text(got["docx"])
    assert "【未审核】" in header
    assert "\n未审核：" in body and body.index("未审核：") < body.index("一、")   # under the title
    first = _xlsx(got["xlsx"]).worksheets[0]
    assert str(first["A2"].value).startswith("未审核：")
    assert "未审核" in str(_xlsx(got["xlsx"]).worksheets[1]["A2"].value)
    top, _ = _top(ev)
    assert top in body                                          # the same document, marked


def test_a_download_is_for_the_run_s_readers_only(client, factory, stored):
    approved, marked, _ = stored
    with transaction(factory) as s:   # the documents of both runs, made as the worker makes them
        for run_id in (approved, marked):
            run = s.get(Run, run_id)
            run_documents.start(s, run, unit=run_documents.units_by_rank(run)[0], lang="zh", synthetic=False,
                                user_id=None)
    _work(factory)
    _work(factory)
    with factory() as s:
        ids = {(r.run_id, r.kind): r.id for r in s.query(RunDocument)}
    mine, theirs = ids[(approved, "docx")], ids[(marked, "docx")]

    login(client, "lingdao")              # 永康's leader: reads the approved run, not the unapproved one
    assert client.get(f"/runs/{approved}/documents/{mine}").status_code == 200
    assert "生成文档" not in client.get(f"/runs/{approved}").text.split('id="documents"')[1].split("</h2>")[1]
    assert client.get(f"/runs/{marked}/documents/{theirs}").status_code == 404
    assert client.get(f"/runs/{approved}/documents/{theirs}").status_code == 404   # not this run's
    csrf = csrf_of(client.get(f"/runs/{approved}").text)
    refused = client.post(f"/runs/{approved}/documents", data={"csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 403
    login(client, "hangzhou")             # another city: none of the run's regions
    assert client.get(f"/runs/{approved}/documents/{mine}").status_code == 404
    with factory() as s:
        assert s.query(Job).filter_by(kind="document").count() == 2
        downloads = s.query(AuditEvent).filter_by(action="run_document.download").all()
        assert len(downloads) == 1


def test_a_unit_not_in_the_run_queues_nothing(client, factory, stored):
    approved, _, _ = stored
    login(client, "fenxi")
    location = _generate(client, approved, unit="杭州市")
    assert location == f"/runs/{approved}?documents_error=1#documents"
    assert "所选单位不在本次评价中" in client.get(location).text
    csrf = csrf_of(client.get(f"/runs/{approved}").text)
    forged = client.post(f"/runs/{approved}/documents", data={"unit": "永康市"}, follow_redirects=False)
    assert forged.status_code in (400, 403) and csrf
    with factory() as s:
        assert s.query(Job).count() == 0
