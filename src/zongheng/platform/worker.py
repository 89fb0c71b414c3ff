"""The background worker (后台工作线程): does queued jobs beside the web server, or on its own.

``zongheng serve`` starts one worker thread in the server process (enough for a county: a run of
90 units takes seconds); ``zongheng serve --no-worker`` plus one or more ``zongheng worker``
processes spread the work when runs are large. Any number of workers share the queue safely
(:func:`zongheng.platform.services.jobs.claim`).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Mapping

from sqlalchemy.orm import sessionmaker

from zongheng.platform.services import jobs

__all__ = ["Worker", "handlers"]


def handlers() -> Mapping[str, jobs.Handler]:
    """Return what each job kind runs."""
    from zongheng.platform.services import grading, run_documents, runs

    return {runs.EVALUATE: runs.perform, run_documents.DOCUMENT: run_documents.perform,
            grading.GRADE: grading.perform}


class Worker:
    """A worker thread over the job queue; :meth:`start` and :meth:`stop` it."""

    def __init__(self, factory: sessionmaker, *, poll: float = 1.0) -> None:
        self.factory, self.poll = factory, poll
        self.name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start doing jobs in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name="zongheng-worker", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Do jobs until :meth:`stop` (blocks; ``zongheng worker`` calls it directly)."""
        jobs.work(self.factory, handlers(), worker=self.name, stop=self._stop, poll=self.poll)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the loop to end after the job in hand, and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
