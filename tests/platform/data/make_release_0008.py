"""Make ``release_0008.db``: a small platform database as the release at commit 3d165dd left it.

Run with THAT release's source first on the path (see README.md in this folder); it refuses to
run on a newer schema, so the stored file is what the previous release wrote, not today's models
squeezed into an old shape.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from zongheng.platform.db import make_engine, make_sessionmaker, transaction
from zongheng.platform.migrate import head_revision, upgrade
from zongheng.platform.models import Department, FrameworkIndicator, FrameworkVersion, Region, Role, Scope
from zongheng.platform.services import jobs, org, submissions, users, workflow
from zongheng.platform.services.passwords import use_cheapest_for_tests

RELEASE_HEAD = "0008_approval_chain"
PASSWORD = "old release password"
START = date(2000, 1, 1)


def main(target: Path) -> None:
    if head_revision() != RELEASE_HEAD:
        sys.exit(f"run this with the release whose newest migration is {RELEASE_HEAD}, not {head_revision()}")
    if target.exists():
        target.unlink()
    use_cheapest_for_tests()        # small hashes: the test logs in with PASSWORD
    engine = make_engine(f"sqlite:///{target}")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        org.add(s, Region, "33", "浙江省", level="province", valid_from=START)
        org.add(s, Region, "3307", "金华市", parent="33", level="city", valid_from=START)
        org.add(s, Region, "330784", "永康市", parent="3307", level="county", valid_from=START)
        for code, short in (("TJ", "统计局"), ("JX", "经信局")):
            org.add(s, Department, code, f"永康市{short}", region_code="330784", short_name=short,
                    valid_from=START)
        org.rename(s, Region, "330784", "永康市（更名）", date(2020, 1, 1))
        indicators = [FrameworkIndicator(code=f"X{n}", name=f"指标{n}", unit="%",
                                         lead_department=("统计局", "经信局")[n % 2], position=n)
                      for n in range(4)]
        version = FrameworkVersion(key="mini", year=2024, name="旧版指标体系", content_sha256="a" * 64,
                                   source_text="code: M\n", indicators=indicators)
        s.add(version)
        s.flush()
        reporter = users.create(s, "tianbao", PASSWORD, display_name="填报员")
        users.assign(s, reporter, Role.REPORTER, region="330784", department="TJ")
        other = users.create(s, "jingxin", PASSWORD, display_name="经信局填报员")
        users.assign(s, other, Role.REPORTER, region="330784", department="JX")
        approver = users.create(s, "shenhe", PASSWORD, display_name="审核员")
        users.assign(s, approver, Role.APPROVER, scope=Scope.BELOW, region="330784")
        analyst = users.create(s, "fenxi", PASSWORD)
        users.assign(s, analyst, Role.ANALYST, scope=Scope.BELOW, region="3307", view_unapproved=True)
        owed = submissions.expected_submissions(s, version, "330784", "2024", date(2025, 3, 31),
                                                {"统计局": "TJ", "经信局": "JX"})
        for k, sub in enumerate(owed):
            who = reporter if sub.department_code == "TJ" else other
            for n, value in enumerate(sub.values):
                submissions.set_value(s, value, 10.5 * (n + 1) + k, user_id=who.id)
            submissions.set_value(s, sub.values[0], 99.25, user_id=who.id, reason="更正")
            workflow.transition(s, sub, "submit", user=who)
        workflow.transition(s, owed[0], "approve", user=approver)
        workflow.transition(s, owed[1], "return", user=approver, reason="请核对", due=date(2099, 4, 10))
        jobs.enqueue(s, "evaluate", {"version_id": version.id, "period": "2024"}, user_id=analyst.id)
    engine.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("release_0008.db"))
