"""The audit log is hash-chained: it verifies, and an edited, deleted or forged row is found."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent
from zongheng.platform.services import audit


def _five_events(factory) -> None:
    with transaction(factory) as s:
        for n in range(5):
            audit.record(s, "test.event", user_id=n, object_type="thing", object_id=n, n=n, note="说明")


def _drop_guards(con, dialect: str) -> None:
    # Someone with database access can drop the triggers; the chain must still tell.
    for verb in ("update", "delete"):
        con.execute(text(f"DROP TRIGGER audit_event_no_{verb}" + (" ON audit_event" if dialect == "postgresql"
                                                                    else "")))


def test_the_chain_verifies_and_links_each_row_to_the_previous(factory):
    _five_events(factory)
    with factory() as s:
        assert audit.verify_chain(s) is None
        rows = s.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    # The first hash, recomputed by hand from the documented content.
    first = rows[0]
    content = {"id": 1, "at": first.at.isoformat(timespec="microseconds"), "user_id": 0,
               "action": "test.event", "object_type": "thing", "object_id": "0",
               "detail": json.dumps({"n": 0, "note": "说明"}, sort_keys=True, ensure_ascii=False)}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert first.hash == hashlib.sha256((canonical + "0" * 64).encode()).hexdigest()


def test_updating_or_deleting_an_event_is_refused(factory, engine):
    _five_events(factory)
    for statement in ("UPDATE audit_event SET action = 'x' WHERE id = 2",
                      "DELETE FROM audit_event WHERE id = 2"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as con:
            con.execute(text(statement))


def test_an_edited_row_is_found(factory, engine):
    _five_events(factory)
    with engine.begin() as con:
        _drop_guards(con, engine.dialect.name)
        con.execute(text("UPDATE audit_event SET detail = '{\"n\": 99}' WHERE id = 3"))
    with factory() as s:
        assert audit.verify_chain(s) == 3


def test_a_rehashed_forgery_breaks_the_next_link(factory, engine):
    # The forger recomputes row 3's own hash; row 4 still names the old one.
    _five_events(factory)
    with engine.begin() as con:
        _drop_guards(con, engine.dialect.name)
    with transaction(factory) as s:
        row = s.get(AuditEvent, 3)
        row.action = "forged"
        row.hash = audit.event_hash(row, row.prev_hash)
    with factory() as s:
        assert audit.verify_chain(s) == 4


def test_deleted_rows_are_found_in_the_middle_and_at_the_end(factory, engine):
    _five_events(factory)
    with engine.begin() as con:
        _drop_guards(con, engine.dialect.name)
        con.execute(text("DELETE FROM audit_event WHERE id = 5"))
    with factory() as s:
        assert audit.verify_chain(s) == 5       # the head still counts five
    with engine.begin() as con:
        con.execute(text("DELETE FROM audit_event WHERE id = 2"))
    with factory() as s:
        assert audit.verify_chain(s) == 3


def test_concurrent_appenders_keep_one_chain(factory):
    # Eight writers at once (request threads): every event lands, in one unbroken chain.
    errors = []

    def write(n: int) -> None:
        try:
            for k in range(10):
                with transaction(factory) as s:
                    audit.record(s, "test.concurrent", user_id=n, k=k)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as s:
        assert s.query(AuditEvent).count() == 80
        assert audit.verify_chain(s) is None
