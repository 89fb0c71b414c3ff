"""The data folder's disk fills up: a clear error, nothing half-written, an undamaged database.

The test mounts an 8 MB tmpfs (root and ``mount`` needed; skipped with the reason otherwise),
puts the data folder (SQLite database, secret key) on it, and fills the rest with a file. Then:

- saving the entry grid and confirming an Excel upload answer a 503 page saying the disk is full,
  and change nothing;
- ``zongheng db backup`` to a file on that disk exits with a message and leaves no file, whole or
  partial;
- after space is freed: ``PRAGMA integrity_check`` is ``ok``, the audit chain verifies, every value
  is as before, and the same save succeeds.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from zongheng.platform.db import make_engine, make_sessionmaker
from zongheng.platform.migrate import upgrade
from zongheng.platform.models import AuditEvent, Submission, ValueHistory
from zongheng.platform.services.audit import verify_chain
from zongheng.platform.settings import load_settings

from .conftest import build_world, csrf_of, login
from .fault_server import zongheng_command
from .test_xlsx_roundtrip import _confirm_fields, _download, _edit, _upload, _values, add_pair

DISK_MB = 8
FULL = "服务器磁盘已满"


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs mounted for this test; yield its folder, unmount after."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0700", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _fill(folder: Path) -> Path:
    """Write a file until the disk says ENOSPC; return it (delete it to free the space)."""
    filler = folder / "filler"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as out:
        while True:
            try:
                out.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
        while True:         # the last, smaller pieces too
            try:
                out.write(b"\0" * 512)
            except OSError:
                break
    return filler


def _counts(factory) -> tuple[int, int]:
    with factory() as s:
        return (s.scalar(select(func.count()).select_from(AuditEvent)),
                s.scalar(select(func.count()).select_from(ValueHistory)))


def test_a_full_data_disk_gives_a_clear_error_and_leaves_nothing_half_written(small_disk, tmp_path):
    from fastapi.testclient import TestClient

    from zongheng.platform.app import create_app

    data = small_disk / "data"
    data.mkdir(mode=0o700)
    settings = load_settings(data, None)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    build_world(factory)
    _, sid = add_pair(factory)
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            login(client, "reporter")
            preview = _upload(client, sid, _edit(_download(client, sid), {"E6": 55, "E7": "2,500"}))
            fields = _confirm_fields(preview.text)
            csrf = csrf_of(client.get(f"/submissions/{sid}/entry").text)
            values, counts = _values(factory, sid), _counts(factory)
            value_ids = sorted(v.id for v in factory().get(Submission, sid).values)
            # Every later write must grow the WAL file, which the full disk refuses.
            with engine.connect() as con:
                con.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            filler = _fill(small_disk)

            saved = client.post(f"/submissions/{sid}/entry", headers={"X-CSRF-Token": csrf},
                                data={f"v-{value_ids[0]}": "77"})
            assert saved.status_code == 503 and FULL in saved.text, saved.text[:1000]
            assert saved.headers["Retry-After"] and "Traceback" not in saved.text
            assert "Content-Security-Policy" in saved.headers     # the platform's own page
            confirmed = client.post(f"/submissions/{sid}/upload/confirm", data=fields)
            assert confirmed.status_code == 503 and FULL in confirmed.text

            backup_file = small_disk / "backups" / "zongheng.backup"
            cli = subprocess.run([*zongheng_command(), "db", "backup", str(backup_file), "--data", str(data)],
                                 capture_output=True, text=True)
            assert cli.returncode != 0 and "Traceback" not in cli.stderr + cli.stdout
            assert "磁盘已满" in cli.stderr + cli.stdout, cli.stderr
            folder = backup_file.parent
            assert not folder.exists() or sorted(p.name for p in folder.iterdir()) == []   # no partial file

            filler.unlink()                         # space again
            assert _values(factory, sid) == values and _counts(factory) == counts     # nothing half-written
            with engine.connect() as con:
                assert con.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            with factory() as s:
                assert verify_chain(s) is None
            again = client.post(f"/submissions/{sid}/entry", headers={"X-CSRF-Token": csrf},
                                data={f"v-{value_ids[0]}": "77"})
            assert again.status_code == 200 and _values(factory, sid) != values
    finally:
        app.state.engine.dispose()
        engine.dispose()
