"""What makes a framework one judged against targets (目标达成类指标体系): one definition for all writers."""

from __future__ import annotations

from zongheng.framework import Framework

__all__ = ["has_targets", "is_attainment"]


def is_attainment(framework: Framework) -> bool:
    """Return whether a framework is judged by target attainment (目标达成类指标体系).

    Its indicators carry an attainment rule (``rule: ">="``, ``"<="`` or ``"yes"``), as the
    生态文明建设情况监督指标 do: each indicator is judged against its own target, and a
    normalised composite score, a rank among units, a gap or a path to a rank would be an
    invented number.
    """
    return any(ind.rule for ind in framework.indicators)


def has_targets(framework: Framework) -> bool:
    """Return whether any indicator can be judged: a ``>=``/``<=`` rule with its target, or a yes/no item.

    A target without a rule says nothing about which side of it is good, so it does not count.
    """
    return any((ind.rule in (">=", "<=") and ind.target is not None) or ind.rule == "yes"
               for ind in framework.indicators)
