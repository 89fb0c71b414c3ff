"""docs/methods.md is generated from the registry and must stay current."""

import re
from pathlib import Path

from zongheng.catalogue import catalogue, methods_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "methods.md"


def test_methods_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == methods_markdown(), (
        "docs/methods.md is stale: run `.venv/bin/python -m zongheng.catalogue > docs/methods.md`")


def test_every_method_has_a_bilingual_summary():
    for entry in catalogue():
        assert entry["summary"], entry["key"]
        assert re.search(r"[\u4e00-\u9fff]", entry["summary"]), (entry["stage"], entry["key"])
