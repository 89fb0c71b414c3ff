"""The authorisation function, as a matrix: every role × every submission of the small world."""

from __future__ import annotations

from datetime import date

import pytest

from zongheng.platform.db import transaction
from zongheng.platform.models import Region, User
from zongheng.platform.services import access, org

from .conftest import READS, SUBMISSIONS, USERS


@pytest.mark.parametrize("name", list(USERS))
def test_each_role_reads_exactly_its_scope(factory, world, name):
    with factory() as s:
        user = s.get(User, world.users[name])
        visible = {sub.id for sub in s.scalars(access.visible_submissions(s, user))}
        expected = {world.submissions[k] for k in READS[name]}
        assert visible == expected
        for key, sid in world.submissions.items():
            assert access.can(s, user, "read", sid) is (key in READS[name]), key


def test_actions_are_limited_to_their_roles(factory, world):
    with factory() as s:
        reporter, approver, leader = (s.get(User, world.users[n]) for n in ("reporter", "approver", "leader"))
        s1, s9 = world.submissions["s1"], world.submissions["s9"]
        assert access.can(s, reporter, "enter", s1)
        assert not access.can(s, reporter, "approve", s1)
        assert access.can(s, approver, "approve", s1)
        assert not access.can(s, leader, "enter", world.submissions["s2"])
        assert not access.can(s, reporter, "enter", s9)


def test_a_renamed_region_keeps_its_submissions_in_scope(factory, world):
    with transaction(factory) as s:
        org.rename(s, Region, "A", "甲区", date(2020, 1, 1))     # 撤县设区: same code, new name
    with factory() as s:
        leader = s.get(User, world.users["leader"])
        visible = {sub.id for sub in s.scalars(access.visible_submissions(s, leader))}
        assert visible == {world.submissions[k] for k in READS["leader"]}


def test_the_world_is_what_the_comments_say(factory, world):
    from zongheng.platform.models import Submission

    with factory() as s:
        got = {k: (sub.department_code, sub.region_code, sub.state)
               for k, sub in ((k, s.get(Submission, i)) for k, i in world.submissions.items())}
    assert got == {k: (d, r, st.value) for k, (d, r, st) in SUBMISSIONS.items()}
