"""The database job queue and evaluation runs (both databases)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import numpy as np
import pytest
import yaml
from sqlalchemy import func, select

import zongheng as zh
from zongheng.method import Method, read_method
from zongheng.platform.db import transaction
from zongheng.platform.models import AuditEvent, FrameworkVersion, Job, JobState, Run, utcnow
from zongheng.platform.services import jobs, runs
from zongheng.platform.services.audit import verify_chain
from zongheng.platform.services.run_inputs import gather

from .test_run_inputs import demo, entered  # noqa: F401  (fixtures)


def _enqueue(factory, n: int = 1, kind: str = "echo") -> list[int]:
    with transaction(factory) as s:
        return [jobs.enqueue(s, kind, {"n": i}, user_id=None).id for i in range(n)]


def test_a_job_is_claimed_done_and_recorded(factory):
    (job_id,) = _enqueue(factory)
    seen = []

    def echo(f, job, progress):
        progress(50, "half way")
        with f() as s:
            seen.append(s.get(Job, job.id).progress)
        return 7

    done = jobs.run_one(factory, {"echo": echo}, "w1")
    assert (done.id, done.state, done.progress, done.result_id) == (job_id, "done", 100, 7)
    assert seen == [50] and done.worker == "w1" and done.attempts == 1 and done.finished_at is not None
    assert jobs.run_one(factory, {"echo": echo}, "w1") is None      # queue empty
    with factory() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions == ["job.enqueue", "job.done"] and verify_chain(s) is None


def test_a_result_stored_with_its_job_settled_is_never_computed_twice(factory):
    """A kill between storing a result and ending the job used to leave the job running: a restart
    requeued it and the evaluation ran again. A handler settles its job in the result's transaction."""
    (job_id,) = _enqueue(factory)
    calls = []

    def store_then_die(f, job, progress):
        calls.append(job.id)
        with f() as s:
            jobs.settle(s, job.id, 41)          # the result and the job's end, one commit
            s.commit()
        raise KeyboardInterrupt                 # the process dies before run_one records anything

    with pytest.raises(KeyboardInterrupt):
        jobs.run_one(factory, {"echo": store_then_die}, "w1")
    with factory() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.result_id, job.progress) == ("done", 41, 100)
        assert jobs.recover(s, stale=timedelta(0)) == (0, 0)     # nothing running to requeue
    assert jobs.run_one(factory, {"echo": store_then_die}, "w1") is None and calls == [job_id]

    # A settled job's normal end writes nothing twice.
    (second,) = _enqueue(factory)
    done = jobs.run_one(factory, {"echo": lambda f, job, progress: _settled(f, job, 9)}, "w1")
    assert (done.id, done.state, done.result_id) == (second, "done", 9)
    with factory() as s:
        ended = s.scalars(select(AuditEvent).where(AuditEvent.action == "job.done")).all()
        assert sorted(json.loads(e.detail)["result"] for e in ended) == [9, 41]
        assert verify_chain(s) is None


def _settled(f, job, result: int) -> int:
    with f() as s:
        jobs.settle(s, job.id, result)
        s.commit()
    return result


def test_a_failing_job_is_marked_failed_with_the_reason(factory):
    _enqueue(factory, 2)

    def broken(f, job, progress):
        if json.loads(job.payload)["n"] == 0:
            raise ValueError("期间 2030 没有数据")
        return None

    first = jobs.run_one(factory, {"echo": broken}, "w1")
    second = jobs.run_one(factory, {"echo": broken}, "w1")
    assert (first.state, first.message) == ("failed", "期间 2030 没有数据")
    assert second.state == "done"


def test_two_workers_never_take_the_same_job(factory):
    ids = _enqueue(factory, 30)
    taken: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def grab(name):
        start.wait()
        while True:
            with factory() as s:
                job = jobs.claim(s, name)
                if job is None:
                    return
                taken[name].append(job.id)

    threads = [threading.Thread(target=grab, args=(n,)) for n in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(taken["a"] + taken["b"]) == ids        # each job once, none lost
    with factory() as s:
        assert set(s.scalars(select(Job.attempts))) == {1}


def test_a_silent_worker_s_job_is_requeued_then_failed(factory):
    (job_id,) = _enqueue(factory)
    with factory() as s:
        jobs.claim(s, "dead")
    later = utcnow() + timedelta(minutes=10)
    for attempt in (1, 2):
        with factory() as s:
            assert jobs.recover(s, now=later, max_attempts=3) == (1, 0)      # back in the queue
            assert s.get(Job, job_id).state == "queued"
            jobs.claim(s, "dead")
            assert s.get(Job, job_id).attempts == attempt + 1
    with factory() as s:
        assert jobs.recover(s, now=later, max_attempts=3) == (0, 1)
        job = s.get(Job, job_id)
        assert job.state == "failed" and "dead" in job.message
        assert jobs.recover(s, now=later) == (0, 0)                          # nothing left running


def test_the_worker_loop_does_jobs_until_stopped(factory):
    stop = threading.Event()
    thread = threading.Thread(target=jobs.work, args=(factory, {"echo": lambda f, j, p: None}),
                              kwargs={"worker": "loop", "stop": stop, "poll": 0.05}, daemon=True)
    thread.start()
    try:
        _enqueue(factory, 3)
        for _ in range(400):
            with factory() as s:
                if s.scalar(select(func.count()).select_from(Job).where(Job.state == "done")) == 3:
                    break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    with factory() as s:
        assert set(s.scalars(select(Job.state))) == {"done"}


@pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")
def test_an_evaluation_run_is_the_library_s_result_and_rebuilds_from_its_record(factory, entered, demo):  # noqa: F811
    with transaction(factory) as s:
        version = s.get(FrameworkVersion, entered)
        assert runs.methods_for(version) == ["tiangong_method", "default"]
        with pytest.raises(ValueError):
            runs.start(s, version, "2024", method="nonsense", user_id=None)
        job_id = runs.start(s, version, "2024", method="tiangong_method", user_id=None).id
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "w1")
    assert (done.id, done.state) == (job_id, JobState.DONE.value), done.message
    with factory() as s:
        run = s.get(Run, done.result_id)
        inputs = gather(s, s.get(FrameworkVersion, entered), "2024")
        found = runs.results_of(run)
        assert run.approved and run.unapproved_values == 0 and run.input_sha256 == inputs.sha256
        assert run.code_version == zh.__version__
        assert json.loads(run.regions) == ["330702", "330782", "330784"]
        # the method recorded is the bundled one, read back
        assert Method.from_dict(yaml.safe_load(run.method_text)) == read_method(
            zh.frameworks.companion("tiangong", "method"))
    expected = zh.build(inputs.framework, inputs.panel, demo.method)
    assert found.units == expected.panel.units and found.nodes == tuple(expected.node_codes)
    np.testing.assert_array_equal(found.scores, expected.scores)
    np.testing.assert_array_equal(found.ranks, expected.ranks)
    assert found.scores.shape == (5, 3, len(expected.node_codes)) and not np.isnan(found.scores[-1]).all()


@pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning")
def test_a_run_rebuilds_to_its_own_scores(factory, entered):  # noqa: F811
    with transaction(factory) as s:
        runs.start(s, s.get(FrameworkVersion, entered), "2024", method="tiangong_method", user_id=None)
    done = jobs.run_one(factory, {runs.EVALUATE: runs.perform}, "w1")
    with factory() as s:
        run = s.get(Run, done.result_id)
        rebuilt = runs.evaluation_of(run)
        found = runs.results_of(run)
        assert runs.evaluation_of(run) is rebuilt                  # cached
    np.testing.assert_array_equal(rebuilt.scores, found.scores)
    np.testing.assert_array_equal(rebuilt.ranks, found.ranks)
