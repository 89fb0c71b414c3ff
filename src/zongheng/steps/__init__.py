"""The steps of a method, grouped by stage; importing this registers them all."""

from zongheng.steps import aggregate, denominate, impute, normalise, screen, treat, weight
from zongheng.steps.base import STAGES, Context, Scope, State, Step, registry, step_from_spec

__all__ = [
    "STAGES",
    "Context",
    "Scope",
    "State",
    "Step",
    "aggregate",
    "denominate",
    "impute",
    "normalise",
    "registry",
    "screen",
    "step_from_spec",
    "treat",
    "weight",
]
