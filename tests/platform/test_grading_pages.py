"""The 亩均 page (both databases): every count, grade and firm card equals the library's grading of the
same table; a bad table is refused with the library's located problems and nothing is kept; who
starts and who reads follows the scope rule; downloads never carry a formula.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from zongheng.enterprise import GRADES, generate_enterprises, grade_enterprises
from zongheng.platform.models import GradingInput, GradingRun, Job
from zongheng.platform.services import grading, jobs
from zongheng.platform.worker import handlers

from .conftest import csrf_of, login
from .grading_world import table_bytes


def _start(client, *, demo: bool = False, name: str = "企业.csv", data: bytes = b"", region: str = "A"):
    csrf = csrf_of(client.get("/grading").text)
    fields = {"csrf_token": csrf, "region_code": region}
    if demo:
        return client.post("/grading", data={**fields, "source": "demo"}, follow_redirects=False)
    return client.post("/grading", data=fields, files={"file": (name, data, "text/csv")},
                       follow_redirects=False)


def _grade(client, factory, **kw) -> int:
    """Start a grading through the form, do its job as the worker would, return the run's id."""
    response = _start(client, **kw)
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    done = jobs.run_one(factory, handlers(), "w")
    assert done is not None and done.id == job_id and done.state == "done", done and done.message
    page = client.get(f"/jobs/{job_id}")
    assert f'href="/grading/{done.result_id}"' in page.text     # the job page opens the grading
    return done.result_id


def _counts(page: str, by: str) -> dict[str, dict[str, int]]:
    """Read one counts table of the grading page: label → firms, A–D, not graded ('' is the total)."""
    found = re.search(rf'<table class="list grading-counts" data-by="{by}">(.*?)</table>', page, re.S)
    table = found.group(1)
    out = {}
    for label, row in re.findall(r'<tr data-label="([^"]*)"[^>]*>(.*?)</tr>', table, re.S):
        cells = {g: int(n) for g, n in re.findall(r'data-grade="([ABCD])">(\d+)<', row)}
        cells["firms"] = int(re.search(r'class="num firms">(\d+)<', row).group(1))
        cells["not_graded"] = int(re.search(r'class="num not-graded">(\d+)<', row).group(1))
        out[label] = cells
    return out


def _expected(frame: pd.DataFrame, labels: pd.Series) -> dict[str, dict[str, int]]:
    """Count the library's grades by ``labels`` (aligned with ``frame``), with the total under ''."""
    out = {}
    for label, part in list(frame.groupby(labels.to_numpy(), sort=False)) + [("", frame)]:
        grades = part["grade"].astype(object)
        row = {g: int((grades == g).sum()) for g in GRADES}
        row["firms"] = len(part)
        row["not_graded"] = int(grades.isna().sum())
        out[str(label)] = row
    return out


@pytest.fixture
def analyst(client, world):
    login(client, "analyst")
    return client


def test_the_demo_grading_page_is_the_librarys_grading_of_the_same_table(analyst, factory, tmp_path):
    grading_id = _grade(analyst, factory, demo=True)
    table = tmp_path / "demo.csv"
    table.write_bytes(grading.demo_table())
    result = grade_enterprises(table)       # what `zongheng grade demo.csv` computes
    raw = pd.read_csv(table, dtype=str, encoding="utf-8-sig")
    township = result.grades["id"].map(dict(zip(raw["统一社会信用代码"], raw["乡镇街道"], strict=True)))

    page = analyst.get(f"/grading/{grading_id}")
    assert page.status_code == 200
    text = page.text
    assert "合成演示数据" in text       # synthetic, and it says so
    assert _counts(text, "township") == _expected(result.grades, township)
    assert _counts(text, "sector") == _expected(result.grades, result.grades["sector"])
    by_branch = _counts(text, "branch")
    for row in result.distribution.to_dict("records"):
        key = "" if row["branch"] == "all" else row["branch"]
        assert by_branch[key] == {**{g: row[g] for g in GRADES}, "firms": row["firms"],
                                  "not_graded": row["not_graded"]}
    # The D list: the library's firms in its order, each with its weakest indicators.
    shown = re.findall(r'<tr data-firm="([^"]+)" data-position="(\d+)">(.*?)</tr>', text, re.S)
    assert [firm for firm, _, _ in shown] == result.d_list["id"].tolist()
    for (_, _, row), expected in zip(shown, result.d_list.to_dict("records"), strict=True):
        weakest = [expected[f"weakest_{i}"] for i in (1, 2) if isinstance(expected[f"weakest_{i}"], str)]
        assert re.findall(r'data-indicator="(\w+)"', row) == weakest
        assert re.search(r'class="num total">([^<]+)<', row).group(1) == f"{expected['total']:.2f}"
        assert int(re.search(r'class="num rank">(\d+)<', row).group(1)) == expected["rank"]

    # Every firm's grade: the download is the library's grade list, firm by firm.
    csv = pd.read_csv(io.BytesIO(analyst.get(f"/grading/{grading_id}/grades.csv").content), dtype=str,
                      encoding="utf-8-sig", keep_default_na=False)
    mine = dict(zip(csv["统一社会信用代码"], csv["等级"], strict=True))
    theirs = result.grades.set_index("id")["grade"].astype(object).fillna("")
    assert len(mine) == len(theirs) == 2000
    assert all(mine[firm] == grade for firm, grade in theirs.items())
    assert dict(zip(csv["统一社会信用代码"], csv["乡镇街道"], strict=True)) == dict(
        zip(result.grades["id"], township, strict=True))
    # The stored run is the library's result, column for column.
    with factory() as s:
        stored = grading.result_of(s.get(GradingRun, grading_id)).result
    pd.testing.assert_frame_equal(stored.grades.drop(columns=["grade", "rank", "reason", "scale", "branch"]),
                                  result.grades.drop(columns=["grade", "rank", "reason", "scale", "branch"]),
                                  check_dtype=False)
    assert stored.grades["rank"].astype("float").fillna(0).tolist() == (
        result.grades["rank"].astype("float").fillna(0).tolist())

    # A D firm's card: grade, rank, each item score and place, from the library's numbers.
    firm, position, _ = shown[0]
    card = analyst.get(f"/grading/{grading_id}/firms/{position}").text
    row = result.grades[result.grades["id"] == firm].iloc[0]
    assert f'data-grade="D" data-rank="{row["rank"]}"' in card
    branch = result.grades[(result.grades["branch"] == row["branch"]) & result.grades["rank"].notna()]
    for code in result.rule.branch_weights(next(b for b in result.rule.branches if b.name == row["branch"])):
        cells = re.search(rf'<tr data-indicator="{code}">(.*?)</tr>', card, re.S).group(1)
        assert re.search(r'class="num score">([^<]+)<', cells).group(1) == f"{row[f'{code}_score']:.2f}"
        # Competition rank: ties share the better place.
        place = int((branch[f"{code}_score"] > row[f"{code}_score"]).sum()) + 1
        assert re.search(r'class="num place">(\d+) / (\d+)', cells).groups() == (str(place), str(len(branch)))
    # An exempt firm is not graded, and its card says why.
    exempt = int(result.grades.index[result.grades["reason"].astype(str).str.contains("exempt")][0])
    card = analyst.get(f"/grading/{grading_id}/firms/{exempt}").text
    assert 'data-grade=""' in card and "免评" in card
    assert analyst.get(f"/grading/{grading_id}/firms/2000").status_code == 404
    listing = analyst.get("/grading").text
    assert f'data-grading="{grading_id}" data-synthetic="1"' in listing
    # English is one click away: the same numbers, English words.
    english = analyst.get(f"/grading/{grading_id}?lang=en").text
    assert "By township" in english and "Synthetic demo data" in english
    assert _counts(english, "branch") == by_branch
    card = analyst.get(f"/grading/{grading_id}/firms/{exempt}?lang=en").text
    assert "Not graded: exempt" in card


def test_an_uploaded_table_is_graded_as_the_library_grades_it(analyst, factory, tmp_path):
    data = table_bytes(80, seed=11)
    grading_id = _grade(analyst, factory, name="永康企业.csv", data=data)
    (tmp_path / "t.csv").write_bytes(data)
    result = grade_enterprises(tmp_path / "t.csv")
    text = analyst.get(f"/grading/{grading_id}").text
    assert "合成演示数据" not in text
    raw = pd.read_csv(tmp_path / "t.csv", dtype=str, encoding="utf-8-sig")
    township = result.grades["id"].map(dict(zip(raw["统一社会信用代码"], raw["乡镇街道"], strict=True)))
    assert _counts(text, "township") == _expected(result.grades, township)
    with factory() as s:
        run = s.get(GradingRun, grading_id)
        assert (run.firms, run.source_name, run.synthetic) == (80, "永康企业.csv", False)
        assert run.input_sha256 == hashlib.sha256(data).hexdigest()
        assert json.loads(run.counts) == {g: int((result.grades["grade"] == g).sum()) for g in GRADES}


@pytest.mark.parametrize("case", ["bad_cell", "no_scale", "wrong_type", "empty"])
def test_a_bad_table_is_refused_with_located_problems_and_nothing_is_kept(analyst, factory, case):
    frame = generate_enterprises(12, seed=3).astype(object)
    name = "企业.csv"
    if case == "bad_cell":
        frame.loc[2, "税收(万元)"] = "abc"
    elif case == "no_scale":
        frame = frame.drop(columns=["规模"])
    data = frame.to_csv(index=False).encode("utf-8")
    if case == "wrong_type":
        name = "企业.pdf"
    if case == "empty":
        response = _start(analyst, name="", data=b"")
    else:
        response = _start(analyst, name=name, data=data)
    assert response.status_code == 400
    text = html.unescape(response.text)
    expected = {"bad_cell": ["未保存任何内容", "企业.csv, 第 4 行, 列 F (税收(万元))", "'abc' 不是数字"],
                "no_scale": ["未保存任何内容", "缺少列 '规模'"],
                "wrong_type": ["企业.pdf 的类型不支持"],
                "empty": ["请选择要上传的企业基础数据表"]}[case]
    for piece in expected:
        assert piece in text, piece
    assert "Traceback" not in text
    with factory() as s:
        kept = [s.scalar(select(func.count()).select_from(t)) for t in (GradingInput, GradingRun, Job)]
    assert kept == [0, 0, 0]


def test_who_starts_and_who_reads(client, world, factory):
    from .grading_world import tiny_grading

    ours, far = tiny_grading(factory, "A"), tiny_grading(factory, "D")
    login(client, "leader")     # below A: reads A's grading, not D's; starts none
    listing = client.get("/grading").text
    assert f'data-grading="{ours}"' in listing and f'data-grading="{far}"' not in listing
    assert 'action="/grading"' not in listing
    assert client.get(f"/grading/{ours}").status_code == 200
    assert client.get(f"/grading/{far}").status_code == 404
    csrf = csrf_of(client.get("/").text)
    refused = client.post("/grading", data={"csrf_token": csrf, "source": "demo", "region_code": "A"},
                          follow_redirects=False)
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "congress")
    assert client.get("/grading").status_code == 403
    assert client.get(f"/grading/{ours}").status_code == 403
    client.cookies.clear()
    login(client, "analyst")    # below C: may not grade for city D
    csrf = csrf_of(client.get("/grading").text)
    outside = client.post("/grading", data={"csrf_token": csrf, "source": "demo", "region_code": "D"},
                          follow_redirects=False)
    assert outside.status_code == 400 and "请选择您权限范围内的地区" in outside.text
    no_csrf = client.post("/grading", data={"source": "demo", "region_code": "A"}, follow_redirects=False)
    assert no_csrf.status_code == 403


def test_the_downloads_never_carry_a_formula(analyst, factory):
    frame = generate_enterprises(30, seed=5).astype(object)
    evil = '=HYPERLINK("http://example.com","点击")'
    frame.loc[0, "企业名称"] = evil
    grading_id = _grade(analyst, factory, name="evil.csv", data=frame.to_csv(index=False).encode("utf-8"))
    csv = analyst.get(f"/grading/{grading_id}/grades.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    names = pd.read_csv(io.BytesIO(csv.content), dtype=str, encoding="utf-8-sig")["企业名称"].tolist()
    assert "'" + evil in names and evil not in names
    xlsx = analyst.get(f"/grading/{grading_id}/grades.xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == evil]
    assert cells and all(c.data_type == "s" for c in cells)      # text, never a formula


def test_a_table_only_the_grading_refuses_fails_its_job_with_the_located_problem(analyst, factory):
    # The reader accepts a table without 工业增加值 (规下 firms need none); the grading of its 规上 firms
    # needs it: the job fails with the library's message, and the table is not kept.
    frame = generate_enterprises(40, seed=2).drop(columns=["工业增加值(万元)"])
    response = _start(analyst, name="缺列.csv", data=frame.to_csv(index=False).encode("utf-8"))
    assert response.status_code == 303
    done = jobs.run_one(factory, handlers(), "w")
    assert done.state == "failed" and "缺少列 '工业增加值(万元)'" in done.message
    assert "Traceback" not in done.message
    with factory() as s:
        kept = [s.scalar(select(func.count()).select_from(t)) for t in (GradingInput, GradingRun)]
    assert kept == [0, 0]
    listing = html.unescape(analyst.get("/grading").text)
    assert f'data-job="{done.id}" data-state="failed"' in listing and "缺少列 '工业增加值(万元)'" in listing
