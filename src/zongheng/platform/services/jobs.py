"""The background-job queue (后台任务队列): rows in the database, claimed one worker at a time.

No broker and no second server: a county's platform runs on one machine, often on SQLite. A
worker claims the oldest queued job with a conditional UPDATE (``… WHERE state = 'queued'``), so
two workers racing for one job cannot both win, on SQLite (one writer at a time) or PostgreSQL
(the loser's UPDATE waits for the winner's commit, then matches no row). A running job writes a
heartbeat with its progress; :func:`recover` puts a job whose worker died (no heartbeat for a
while, or at once when the worker was a process on this machine that no longer exists, as after
``kill -9`` and a restart) back in the queue, or marks it failed after ``max_attempts``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from zongheng.platform.models import Job, JobState, utcnow
from zongheng.platform.services import audit

__all__ = ["Handler", "Progress", "beat", "claim", "enqueue", "recover", "run_one", "work", "worker_gone"]

log = logging.getLogger("zongheng.platform.jobs")

_LIVE: set[str] = set()
"""Names of the workers looping in this process (:func:`work`); guarded by ``_LIVE_LOCK``."""
_LIVE_LOCK = threading.Lock()

Progress = Callable[[int, str], None]
"""What a handler calls to report progress: percent (0–100) and a short message."""
Handler = Callable[[sessionmaker, Job, Progress], "int | None"]
"""Does a job's work; returns the id of what it made (a run), or ``None``."""


def enqueue(db: Session, kind: str, payload: Mapping[str, Any], *, user_id: int | None) -> Job:
    """Put a job in the queue (提交后台任务) in the caller's transaction."""
    job = Job(kind=kind, payload=json.dumps(payload, ensure_ascii=False, sort_keys=True), created_by=user_id,
              state=JobState.QUEUED.value, progress=0, message="", attempts=0, worker="")
    db.add(job)
    db.flush()
    audit.record(db, "job.enqueue", user_id=user_id, object_type="job", object_id=job.id, kind=kind,
                 payload=dict(payload))
    return job


def claim(db: Session, worker: str, kinds: Collection[str] | None = None) -> Job | None:
    """Take the oldest queued job for ``worker`` and commit; ``None`` when the queue is empty."""
    for _ in range(20):     # another worker may take the candidate first: try the next one
        query = select(Job.id).where(Job.state == JobState.QUEUED.value).order_by(Job.id).limit(1)
        if kinds is not None:
            query = query.where(Job.kind.in_(sorted(kinds)))
        candidate = db.scalar(query)
        if candidate is None:
            db.rollback()
            return None
        now = utcnow()
        taken = db.execute(update(Job).where(Job.id == candidate, Job.state == JobState.QUEUED.value).values(
            state=JobState.RUNNING.value, worker=worker[:100], started_at=now, heartbeat_at=now,
            attempts=Job.attempts + 1, message=""))
        if taken.rowcount == 1:
            db.commit()
            return db.get(Job, candidate)
        db.rollback()
    return None


def beat(db: Session, job_id: int, progress: int, message: str = "") -> None:
    """Record a running job's progress and that its worker is alive (心跳); commits."""
    db.execute(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING.value).values(
        progress=max(0, min(100, int(progress))), message=message[:500], heartbeat_at=utcnow()))
    db.commit()


def settle(db: Session, job_id: int, result_id: int) -> None:
    """Mark a job done with its result in the caller's transaction (no commit).

    A handler that stores its result calls this in the same transaction: a ``kill -9`` can then
    never leave a stored result behind a job still marked running, which a restart would requeue
    and compute again (a second run of the same evaluation).
    """
    _mark(db, job_id, JobState.DONE, result_id=result_id)


def _mark(db: Session, job_id: int, state: JobState, *, message: str = "",
          result_id: int | None = None) -> None:
    job = db.get(Job, job_id)
    if job is None or job.state == JobState.DONE.value:     # settled with its result already
        return
    job.state, job.finished_at, job.result_id = state.value, utcnow(), result_id
    job.message = message[:2000]
    if state is JobState.DONE:
        job.progress = 100
    audit.record(db, f"job.{state.value}", user_id=None, object_type="job", object_id=job_id,
                 kind=job.kind, result=result_id, message=message[:500])


def _finish(db: Session, job_id: int, state: JobState, *, message: str = "",
            result_id: int | None = None) -> None:
    _mark(db, job_id, state, message=message, result_id=result_id)
    db.commit()


def worker_gone(worker: str) -> bool:
    """Tell whether ``worker`` is a worker that certainly no longer runs.

    That is: its name (``host:pid:thread``, :class:`~zongheng.platform.worker.Worker`) names a
    process on this machine that has ended, or a worker of this process that stopped looping.

    A name from another machine, or not of that form, is never judged gone: only its silence
    (the heartbeat) tells.
    """
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():      # this process: a restarted server may have been given the dead one's pid
        with _LIVE_LOCK:
            return worker not in _LIVE
    try:
        os.kill(pid, 0)         # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:     # exists, owned by someone else
        return False
    return False


def recover(db: Session, *, stale: timedelta = timedelta(minutes=5), max_attempts: int = 3,
            now: datetime | None = None) -> tuple[int, int]:
    """Requeue running jobs whose worker went silent or died, or fail them after ``max_attempts``.

    A job is recovered when its heartbeat is older than ``stale``, or at once when its worker was
    a process on this machine that no longer runs (:func:`worker_gone`): after ``kill -9`` and a
    restart the job does not wait out the silence. Commits.

    Returns
    -------
    (requeued, failed)
    """
    cutoff = (now or utcnow()) - stale
    running = select(Job).where(Job.state == JobState.RUNNING.value).order_by(Job.id)
    silent = list(db.scalars(running.where(Job.heartbeat_at < cutoff)))
    seen = {job.id for job in silent}
    silent += [job for job in db.scalars(running) if job.id not in seen and worker_gone(job.worker)]
    requeued = failed = 0
    for job in silent:
        if job.attempts >= max_attempts:
            job.state, job.finished_at = JobState.FAILED.value, utcnow()
            job.message = f"worker {job.worker} stopped responding {job.attempts} times"
            failed += 1
        else:
            job.state, job.worker = JobState.QUEUED.value, ""
            requeued += 1
        audit.record(db, "job.recover", object_type="job", object_id=job.id, state=job.state,
                     attempts=job.attempts)
    db.commit()
    return requeued, failed


def run_one(factory: sessionmaker, handlers: Mapping[str, Handler], worker: str) -> Job | None:
    """Claim one job and do it; return the job (done or failed), ``None`` if there was none."""
    with factory() as db:
        job = claim(db, worker, handlers)
        if job is None:
            return None
        db.expunge(job)

    def progress(percent: int, message: str = "") -> None:
        with factory() as beat_db:
            beat(beat_db, job.id, percent, message)

    try:
        result = handlers[job.kind](factory, job, progress)
    except Exception as exc:   # a job's failure is recorded, never kills the worker
        log.exception("job %s (%s) failed", job.id, job.kind)
        with factory() as db:
            _finish(db, job.id, JobState.FAILED, message=_reason(exc))
    else:
        with factory() as db:
            _finish(db, job.id, JobState.DONE, result_id=result)
    with factory() as db:
        return db.get(Job, job.id)


def _reason(exc: BaseException) -> str:
    from zongheng.errors import ZonghengError

    # A user's mistake (a framework or method the library refuses) is shown as the library says it.
    return str(exc) if isinstance(exc, ZonghengError | ValueError) else f"{type(exc).__name__}: {exc}"


def work(factory: sessionmaker, handlers: Mapping[str, Handler], *, worker: str, stop: threading.Event,
         poll: float = 1.0, stale: timedelta = timedelta(minutes=5)) -> None:
    """Do jobs until ``stop`` is set (工作循环): recover silent ones, then claim, do, repeat."""
    with _LIVE_LOCK:
        _LIVE.add(worker)
    try:
        while not stop.is_set():
            try:
                with factory() as db:
                    recover(db, stale=stale)
                done = run_one(factory, handlers, worker)
            except Exception:   # the database restarting must not end the loop: wait and try again
                log.exception("job worker %s: the queue is not reachable", worker)
                done = None
            if done is None:
                stop.wait(poll)
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(worker)
