"""Login throttling per source address (按来源限速): password spraying across many accounts.

The account lock (:data:`zongheng.platform.services.users.MAX_FAILED`) stops guessing one
account's password; it does not stop one machine trying a common password against every
account, one try each. :class:`LoginThrottle` counts failed logins per source address in a
sliding window and refuses further attempts from a source past :data:`MAX_FAILED_PER_SOURCE`
until its oldest failure leaves the window. Successful logins do not count.

The counts live in the server process (one ``zongheng serve`` process serves the platform; a
restart forgets them, which only gives an attacker one more window). Behind a reverse proxy the
source is the proxy unless uvicorn is told to trust its ``X-Forwarded-For`` (``--proxy-headers``
with ``--forwarded-allow-ips``): set that up, or every user shares one budget.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

__all__ = ["MAX_FAILED_PER_SOURCE", "WINDOW_SECONDS", "LoginThrottle"]

MAX_FAILED_PER_SOURCE = 30
"""Failed logins one source address may make in :data:`WINDOW_SECONDS`: a busy office behind one
NAT address mistyping passwords stays far below it; a spraying script meets it in seconds."""
WINDOW_SECONDS = 600.0


class LoginThrottle:
    """Failed logins per source address in a sliding window (thread-safe: routes run in a pool).

    Parameters
    ----------
    limit, window : int, float
        At most ``limit`` failures per source in the last ``window`` seconds.
    clock : callable, optional
        Monotonic seconds (a test moves time with its own clock).
    """

    def __init__(self, limit: int = MAX_FAILED_PER_SOURCE, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, source: str, now: float) -> deque[float]:
        times = self._failures[source]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def wait(self, source: str) -> int:
        """Return the seconds ``source`` must wait before trying again (0: it may try now)."""
        with self._lock:
            now = self.clock()
            times = self._recent(source, now)
            if len(times) < self.limit:
                if not times:
                    self._failures.pop(source, None)   # keep the table to sources with failures
                return 0
            return max(1, int(times[len(times) - self.limit] + self.window - now + 0.999))

    def failed(self, source: str) -> bool:
        """Count one failed login from ``source``; return True when it has just reached the limit."""
        with self._lock:
            now = self.clock()
            times = self._recent(source, now)
            times.append(now)
            return len(times) == self.limit
