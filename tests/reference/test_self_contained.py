"""The tests read nothing outside the repository, and tests/data matches its provenance note."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
DATA = TESTS / "data"
PROVENANCE = DATA / "PROVENANCE.md"

# Spelt in pieces so that this file does not match itself.
OUTSIDE = ("../" + "shared", "shared" + "/data", "shared" + "_data")


def _text_files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".xlsx", ".png"}]


def test_no_file_under_tests_refers_to_the_shared_folder():
    # A lone clone has no shared folder beside it: a test that reads there fails for every user.
    offenders = []
    for path in _text_files(TESTS):
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{path.relative_to(TESTS)}: {needle}" for needle in OUTSIDE if needle in text]
    assert offenders == []


def _recorded_sha256() -> dict[str, str]:
    text = PROVENANCE.read_text(encoding="utf-8")
    table = text.split("<!-- sha256:begin -->")[1].split("<!-- sha256:end -->")[0]
    return dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", table, flags=re.MULTILINE))


def test_every_data_file_has_its_recorded_sha256():
    recorded = _recorded_sha256()
    present = {p.relative_to(DATA).as_posix() for p in _text_files(DATA)} - {"PROVENANCE.md"}
    assert set(recorded) == present  # every file listed, nothing listed that is not there
    for name, digest in recorded.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
