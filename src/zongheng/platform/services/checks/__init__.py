"""Checks (数据校验): declarative rules, outlier detection for skewed data, and stored flags.

DHIS2's validation rules and outlier detection, made for economic data: see :mod:`.rules`,
:mod:`.outliers` and :mod:`.run` (``run_checks``, ``blocking_unexplained``, ``explain``).
"""

from zongheng.platform.services.checks.run import blocking_unexplained, explain, flags_in_scope, run_checks

__all__ = ["blocking_unexplained", "explain", "flags_in_scope", "run_checks"]
