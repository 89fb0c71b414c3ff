"""atomic_write: all or nothing, flushed, with the usual permissions."""

import os

import pytest

from zongheng.io.atomic import atomic_write, write_text_atomic


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.docx"
    target.write_text("old", encoding="utf-8")

    def half(tmp):
        tmp.write_text("new, half written", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(target, half)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.docx"]


def test_a_new_file_gets_the_permissions_of_any_new_file(tmp_path):
    mask = os.umask(0o022)
    os.umask(mask)
    written = write_text_atomic(tmp_path / "m.yaml", "normalise: rank\n")
    assert written.stat().st_mode & 0o777 == 0o666 & ~mask
    assert written.read_text(encoding="utf-8") == "normalise: rank\n"
