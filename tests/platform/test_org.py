"""Effective-dated organisation trees and "own and below" by materialised path."""

from __future__ import annotations

import json
from datetime import date

import pytest

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, Department, Region
from zongheng.platform.services import org


def _tree(factory) -> None:
    # 浙江 ─ 金华 ─ 金华县 (renamed 金东区 on 2001-01-01, code kept) ─ 某镇 (from 2010)
    #             └ 义乌市
    with transaction(factory) as s:
        org.add(s, Region, "33", "浙江省", level="province", valid_from=date(1990, 1, 1))
        org.add(s, Region, "3307", "金华市", parent="33", level="city", valid_from=date(1990, 1, 1))
        org.add(s, Region, "330703", "金华县", parent="3307", level="county", valid_from=date(1990, 1, 1))
        org.add(s, Region, "330782", "义乌市", parent="3307", level="county", valid_from=date(1990, 1, 1))
        org.rename(s, Region, "330703", "金东区", date(2001, 1, 1))
        org.add(s, Region, "330703101", "某镇", parent="330703", level="town", valid_from=date(2010, 1, 1))


def _names(nodes) -> list[str]:
    return [n.name for n in nodes]


def test_a_rename_is_a_new_version_with_the_same_code_and_path(factory):
    _tree(factory)
    with factory() as s:
        old = org.version_on(s, Region, "330703", date(2000, 6, 1))
        new = org.version_on(s, Region, "330703", date(2001, 1, 1))
        assert (old.name, old.valid_to) == ("金华县", date(2001, 1, 1))
        assert (new.name, new.valid_to, new.level) == ("金东区", None, "county")
        assert old.path == new.path == "/33/3307/330703/"
        assert org.current(s, Region, "330703").name == "金东区"
        assert org.version_on(s, Region, "330703101", date(2005, 1, 1)) is None
        renamed = s.query(AuditEvent).filter_by(action="region.rename").one()
        assert (renamed.object_id, json.loads(renamed.detail)) == (
            "330703", {"old": "金华县", "new": "金东区", "on": "2001-01-01"})
        assert s.query(AuditEvent).filter_by(action="region.add").count() == 5


def test_own_and_below_follows_the_date(factory):
    _tree(factory)
    with factory() as s:
        # Path order: /33/3307/, /33/3307/330703/, /33/3307/330703/330703101/, /33/3307/330782/
        assert _names(org.below(s, Region, "3307", on=date(2000, 6, 1))) == ["金华市", "金华县", "义乌市"]
        assert _names(org.below(s, Region, "3307", on=date(2005, 6, 1))) == ["金华市", "金东区", "义乌市"]
        assert _names(org.below(s, Region, "3307", on=date(2020, 1, 1))) == [
            "金华市", "金东区", "某镇", "义乌市"]
        assert _names(org.below(s, Region, "330703", on=date(2020, 1, 1), include_self=False)) == ["某镇"]
        assert org.below(s, Region, "330703101", on=date(2005, 1, 1)) == []


def test_a_prefix_is_not_a_parent(factory):
    # "/33/3307/" must not match a sibling whose code merely starts alike ("33070").
    with transaction(factory) as s:
        org.add(s, Region, "33", "省", level="province")
        org.add(s, Region, "3307", "市", parent="33", level="city")
        org.add(s, Region, "33070", "另一个市", parent="33", level="city")
        org.add(s, Region, "330701", "县", parent="3307", level="county")
    with factory() as s:
        assert [r.code for r in org.below(s, Region, "3307")] == ["3307", "330701"]


def test_department_tree_and_rename_keep_region_and_short_name(factory):
    with transaction(factory) as s:
        org.add(s, Department, "TJJ", "永康市统计局", region_code="330784", short_name="统计局",
                valid_from=date(2000, 1, 1))
        org.add(s, Department, "TJJ-1", "综合统计科", parent="TJJ", region_code="330784",
                short_name="综合统计科", valid_from=date(2000, 1, 1))
        org.rename(s, Department, "TJJ", "永康市统计局（新）", date(2019, 3, 1))
    with factory() as s:
        new = org.current(s, Department, "TJJ")
        assert (new.region_code, new.short_name, new.path) == ("330784", "统计局", "/TJJ/")
        assert [d.code for d in org.below(s, Department, "TJJ")] == ["TJJ", "TJJ-1"]


def test_bad_additions_and_renames_are_refused(factory):
    with transaction(factory) as s:
        org.add(s, Region, "33", "浙江省", level="province", valid_from=date(2000, 1, 1))
        with pytest.raises(ValueError, match="does not exist on 1999-01-01"):
            org.add(s, Region, "3307", "金华市", parent="33", level="city", valid_from=date(1999, 1, 1))
        with pytest.raises(ValueError, match="already exists"):
            org.add(s, Region, "33", "浙江省", level="province")
        with pytest.raises(ValueError, match="must start after"):
            org.rename(s, Region, "33", "浙江", date(1999, 1, 1))
