"""Importing the organisation: regions and departments from a table, effective-dated, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from zongheng.cli import app as cli
from zongheng.errors import DataError
from zongheng.platform.db import transaction
from zongheng.platform.models import Department, Region
from zongheng.platform.services import org
from zongheng.platform.services.org_import import LEVELS, import_org

# Children before their parents on purpose: the import orders them.
REGIONS = ("代码,名称,上级,层级\n"
           "330784,永康市,330700,县\n330782,义乌市,330700,county\n330703,金东区,330700,县（市、区）\n"
           "330700,金华市,330000,设区市\n330000,浙江省,,省\n")
DEPARTMENTS = ("code,name,parent,region,short_name\n"
               "YK-TJ,永康市统计局,,330784,统计局\nYK-TJ-1,综合科,YK-TJ,330784,\n")


def _write(tmp_path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _count(factory, model) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_regions_then_departments_import_and_a_rerun_changes_nothing(tmp_path, factory):
    regions = _write(tmp_path, "地区.csv", REGIONS)
    with transaction(factory) as s:
        done = import_org(s, regions, "region", date(2024, 1, 1))
    assert sorted(done.added) == ["330000", "330700", "330703", "330782", "330784"] and not done.renamed
    with factory() as s:
        below = {r.code for r in org.below(s, Region, "330700", on=date(2024, 6, 1))}
        assert below == {"330700", "330703", "330782", "330784"}
        assert org.current(s, Region, "330784").level == "county"
    with transaction(factory) as s:
        again = import_org(s, regions, "region", date(2024, 1, 1))
    assert len(again.unchanged) == 5 and not again.added and not again.renamed
    departments = _write(tmp_path, "部门.csv", DEPARTMENTS)
    with transaction(factory) as s:
        import_org(s, departments, "department", date(2024, 1, 1))
    with factory() as s:
        section = org.current(s, Department, "YK-TJ-1")
        assert section.path == "/YK-TJ/YK-TJ-1/" and section.region_code == "330784"
        assert section.short_name == "综合科" and org.current(s, Department, "YK-TJ").short_name == "统计局"


def test_a_new_name_is_a_new_version_from_its_day(tmp_path, factory):
    with transaction(factory) as s:
        import_org(s, _write(tmp_path, "a.csv", REGIONS), "region", date(2020, 1, 1))
    renamed = REGIONS.replace("330703,金东区", "330703,金东新区")
    with transaction(factory) as s:
        done = import_org(s, _write(tmp_path, "b.csv", renamed), "region", date(2025, 1, 1))
    assert done.renamed == ("330703",) and len(done.unchanged) == 4
    with factory() as s:
        assert org.version_on(s, Region, "330703", date(2024, 12, 31)).name == "金东区"
        assert org.version_on(s, Region, "330703", date(2025, 1, 1)).name == "金东新区"


def test_every_problem_is_named_and_nothing_is_written(tmp_path, factory):
    bad = ("代码,名称,上级,层级\n"
           "A,甲,,省\n"          # row 2: fine
           ",乙,A,县\n"          # row 3: blank code
           "C,丙,Z,县\n"         # row 4: unknown parent
           "A,甲二,,省\n"        # row 5: duplicate
           "D,丁,A,村\n"         # row 6: bad level
           "E,戊,F,县\nF,己,E,县\n")  # rows 7–8: a cycle
    path = _write(tmp_path, "bad.csv", bad)
    with pytest.raises(DataError) as caught, transaction(factory) as s:
        import_org(s, path, "region", date(2024, 1, 1))
    # The reader's problems (cells) come first, all of them, and stop the import.
    assert {(p.kind, p.row, p.column) for p in caught.value.problems} == {
        ("org_blank", 3, "代码"), ("org_bad_level", 6, "层级")}
    assert "bad.csv" in str(caught.value) and "'村'" in str(caught.value)
    path.write_text(bad.replace(",村", ",县").replace(",乙,A,县", "B,乙,A,县"), encoding="utf-8")
    with pytest.raises(DataError) as caught, transaction(factory) as s:
        import_org(s, path, "region", date(2024, 1, 1))
    found = {(p.kind, p.row) for p in caught.value.problems}
    assert found == {("org_unknown_parent", 4), ("org_duplicate", 5), ("org_cycle", 7)}
    assert _count(factory, Region) == 0


def test_departments_need_known_regions_and_the_columns_they_read(tmp_path, factory):
    path = _write(tmp_path, "d.csv", "code,name\nX,某局\n")
    with pytest.raises(DataError) as caught, transaction(factory) as s:
        import_org(s, path, "department", date(2024, 1, 1))
    assert [p.params["column"] for p in caught.value.problems] == ["所属地区"]
    path = _write(tmp_path, "d.csv", "code,name,region\nX,某局,999999\n")
    with pytest.raises(DataError) as caught, transaction(factory) as s:
        import_org(s, path, "department", date(2024, 1, 1))
    assert [(p.kind, p.row) for p in caught.value.problems] == [("org_unknown_region", 2)]
    assert _count(factory, Department) == 0


def test_every_level_spelling_maps_to_a_region_level():
    from zongheng.platform.models import RegionLevel

    assert set(LEVELS.values()) == {level.value for level in RegionLevel}


def test_the_command_imports_and_refuses_plainly(tmp_path):
    runner = CliRunner()
    where = ["--data", str(tmp_path / "data")]
    regions = _write(tmp_path, "地区.csv", REGIONS)
    done = runner.invoke(cli, ["org", "import", str(regions), "--from", "2024-01-01", *where])
    assert done.exit_code == 0 and "新增 5 个，更名 0 个，未变 0 个（自 2024-01-01 起生效）" in done.output
    bad_date = runner.invoke(cli, ["org", "import", str(regions), "--from", "2024-13-01", *where])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output
    broken = _write(tmp_path, "坏.csv", "代码,名称,上级,层级\nQ,某地,NOPE,县\n")
    refused = runner.invoke(cli, ["org", "import", str(broken), *where])
    assert refused.exit_code == 2 and "NOPE" in refused.output and "Traceback" not in refused.output
