"""What the benchmark scripts say of the machine they ran on (standard library only)."""

from __future__ import annotations

from pathlib import Path


def cpu_model(default: str) -> str:
    """Return the CPU's model name from /proc/cpuinfo, or ``default`` where it cannot be read."""
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return default
