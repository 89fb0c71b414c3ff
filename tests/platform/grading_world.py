"""A small 亩均 grading for the test world (conftest.build_world): scope and page tests."""

from __future__ import annotations

import numpy as np

from zongheng.enterprise import generate_enterprises
from zongheng.platform.db import transaction
from zongheng.platform.services import grading, jobs


def table_bytes(n: int = 60, seed: int = 7) -> bytes:
    """Return a synthetic enterprise table with a township column (乡镇街道), as CSV bytes."""
    frame = generate_enterprises(n, seed=seed)
    frame.insert(3, "乡镇街道", np.array(["一镇", "二镇", "三街道"], dtype=object)[np.arange(n) % 3])
    return frame.to_csv(index=False).encode("utf-8-sig")


def tiny_grading(factory, region: str, *, user_id: int | None = None, n: int = 60) -> int:
    """Store a grading of a small synthetic table for ``region`` through the job queue; return its id."""
    with transaction(factory) as s:
        grading.start(s, "企业.csv", table_bytes(n), region_code=region, user_id=user_id)
    done = jobs.run_one(factory, {grading.GRADE: grading.perform}, "test")
    assert done is not None and done.state == "done", done and done.message
    return done.result_id
