"""A save of the entry grid as one batch: one audit event listing every change, recorded last;
history rows per value; the checks read unflushed values; a save's statements do not grow with
its values. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sqlalchemy import event, select

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, CheckFlag, Submission, Value, ValueHistory
from zongheng.platform.services import audit, submissions
from zongheng.platform.services.checks import run_checks
from zongheng.platform.services.checks.outliers import _nanmedian
from zongheng.platform.services.checks.run import check_submission
from zongheng.platform.services.entry import save_entries

from .test_checks_run import _world
from .test_flow_entry import _ids, add_trio


def _events(s, after: int = 0) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)))


def _history(s, ids: dict[str, int]) -> list[ValueHistory]:
    return list(s.scalars(select(ValueHistory).where(ValueHistory.value_id.in_(ids.values()))
                          .order_by(ValueHistory.id)))


def _last_id(factory) -> int:
    with factory() as s:
        return max((e.id for e in _events(s)), default=0)


def test_one_save_is_one_audit_event_listing_every_change(factory, world):
    sid = add_trio(factory)
    ids = _ids(factory, sid)
    before = _last_id(factory)
    with transaction(factory) as s:
        typed = {ids["T1"]: "12%", ids["T2"]: "1,234", ids["T3"]: ""}
        changed = save_entries(s, s.get(Submission, sid), typed, {ids["T3"]: " 暂无数据 "},
                               user_id=world.users["reporter"])
    assert changed == 3                 # T1, T2 and T3's comment; T3's value stays empty
    with factory() as s:
        events = _events(s, before)
        assert [e.action for e in events] == ["entry.save"]
        save = events[0]
        assert (save.object_type, save.object_id, save.user_id) == ("submission", str(sid),
                                                                    world.users["reporter"])
        detail = json.loads(save.detail)
        assert detail["values"] == [
            {"value": ids["T1"], "indicator": "T1", "old": None, "new": 12.0},
            {"value": ids["T2"], "indicator": "T2", "old": None, "new": 1234.0}]
        assert detail["comments"] == [{"value": ids["T3"], "indicator": "T3", "old": "", "new": "暂无数据"}]
        assert detail["checks"] == {"opened": 0, "resolved": 0, "open": 0}    # no rules, too few peers
        # Every value keeps its own history row (the grid and the API show them).
        rows = _history(s, ids)
        reporter = world.users["reporter"]
        assert [(r.value_id, r.old, r.new, r.user_id) for r in rows] == [
            (ids["T1"], None, 12.0, reporter), (ids["T2"], None, 1234.0, reporter)]
        assert audit.verify_chain(s) is None
    # Saving the same grid again changes nothing: no event, no history.
    with transaction(factory) as s:
        assert save_entries(s, s.get(Submission, sid), {ids["T1"]: "12", ids["T2"]: "1234"}, {},
                            user_id=world.users["reporter"]) == 0
    with factory() as s:
        assert [e.action for e in _events(s, before)] == ["entry.save"]
        assert len(_history(s, ids)) == 2


def test_the_save_event_comes_after_the_checks_flags(factory):
    ids = _world(factory)
    before = _last_id(factory)
    with transaction(factory) as s:
        sub = s.get(Submission, ids["K1"])
        x1 = next(v for v in sub.values if v.indicator.code == "X1")
        # 1,001 against county peers around 100 and a past around 100: both outlier tests flag it.
        assert save_entries(s, sub, {x1.id: "1,001"}, {}, user_id=None) == 1
    with factory() as s:
        events = _events(s, before)
        assert [e.action for e in events] == ["entry.save"]
        detail = json.loads(events[0].detail)
        assert detail["values"] == [{"value": x1.id, "indicator": "X1", "old": 1000.0, "new": 1001.0}]
        flags = s.scalars(select(CheckFlag).where(CheckFlag.submission_id == ids["K1"])).all()
        assert sorted(f.kind for f in flags) == ["history", "peer"]
        assert detail["checks"] == {"opened": 2, "resolved": 0, "open": 2}
        # Checked again once written: the same flags, nothing opened or resolved. The save judged
        # the value it had not yet flushed exactly as the database now holds it.
        again = run_checks(s, s.get(Submission, ids["K1"]), on="save")
        assert {(f.kind, json.dumps(f.params, sort_keys=True)) for f in again} == {
            (f.kind, json.dumps(f.params, sort_keys=True)) for f in flags}
        assert json.loads(_events(s, before)[-1].detail)["opened"] == 0


def test_checks_read_the_values_as_they_stand_in_the_session(factory):
    ids = _world(factory)
    with transaction(factory) as s:
        sub = s.get(Submission, ids["K1"])
        x1 = next(v for v in sub.values if v.indicator.code == "X1")
        x1.value = 100.0            # in line with the peers and the past, not flushed
        with s.no_autoflush:
            assert s.scalar(select(Value.value).where(Value.id == x1.id)) == 1000.0   # the database's
        flags, summary = check_submission(s, sub, on="save")
        assert flags == [] and summary == {"opened": 0, "resolved": 0, "open": 0}


def test_set_values_keeps_history_and_records_one_event(factory, world):
    sid = add_trio(factory)
    ids = _ids(factory, sid)
    before = _last_id(factory)
    with transaction(factory) as s:
        t1, t2, t3 = (s.get(Value, ids[c]) for c in ("T1", "T2", "T3"))
        assert t2.history == []                 # loaded: the new row must appear in it
        done = submissions.set_values(s, [(t1, 5.0), (t2, 7.0), (t3, None)], user_id=world.users["admin"],
                                      reason="核对")
        assert [d["indicator"] for d in done] == ["T1", "T2"]          # T3 was already empty
        assert [(h.old, h.new, h.reason) for h in t2.history] == [(None, 7.0, "核对")]
    with factory() as s:
        events = _events(s, before)
        assert [e.action for e in events] == ["values.set"]
        assert json.loads(events[0].detail)["changes"] == [
            {"value": ids["T1"], "indicator": "T1", "old": None, "new": 5.0},
            {"value": ids["T2"], "indicator": "T2", "old": None, "new": 7.0}]
        assert [(h.value_id, h.new) for h in _history(s, ids)] == [(ids["T1"], 5.0), (ids["T2"], 7.0)]
        # set_value, for one value, still records value.set (change requests, late entry).
        submissions.set_value(s, s.get(Value, ids["T1"]), 6.0, user_id=None, reason="变更")
        assert _events(s, before)[-1].action == "value.set"
        assert [h.new for h in s.get(Value, ids["T1"]).history] == [5.0, 6.0]


def _statements(factory, sid: int, typed: dict[int, str]) -> int:
    engine = factory.kw["bind"]
    count = []

    def counted(*_args) -> None:
        count.append(1)

    with factory() as s:
        sub = s.get(Submission, sid)
        event.listen(engine, "before_cursor_execute", counted)
        try:
            save_entries(s, sub, typed, {}, user_id=None)
            s.commit()
        finally:
            event.remove(engine, "before_cursor_execute", counted)
    return len(count)


def test_a_save_costs_the_same_statements_for_one_value_or_many(factory):
    """Per-value work (a flush, an audit event, a history load per value) would grow the count."""
    ids = _world(factory)
    with factory() as s:
        k2 = {v.indicator.code: v.id for v in s.get(Submission, ids["K2"]).values}
        k3 = {v.indicator.code: v.id for v in s.get(Submission, ids["K3"]).values}
    one = _statements(factory, ids["K2"], {k2["X1"]: "101"})
    both = _statements(factory, ids["K3"], {k3["X1"]: "121", k3["X2"]: "31"})
    assert one == both


@pytest.mark.parametrize("seed", range(5))
def test_the_fast_median_is_numpys(seed):
    rng = np.random.default_rng(seed)
    for rows, cols in ((0, 3), (1, 4), (2, 2), (7, 5), (300, 10), (4, 1)):
        a = rng.lognormal(3, 2, size=(rows, cols)) * rng.choice([1.0, -1.0, 0.0], size=(rows, cols))
        a[rng.random(a.shape) < 0.3] = np.nan
        if a.size:
            a[0, 0] = np.inf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(a, axis=0) if rows else np.full(cols, np.nan)
        assert np.array_equal(_nanmedian(a), expected, equal_nan=True)
    history = rng.normal(size=(5, 3, 4))
    history[rng.random(history.shape) < 0.4] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.array_equal(_nanmedian(history), np.nanmedian(history, axis=0), equal_nan=True)
