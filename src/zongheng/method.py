"""Method (方法): the ordered steps of a build, declared in YAML or Python.

A method has one step per stage — denominate → impute → screen → treat →
normalise → weight → aggregate — and aggregation may differ per level. It reads
from and writes to the same YAML, so any result can be reproduced::

    scope: pooled
    denominate: framework
    impute: {method: group_mean, group: EurAsia_group}
    screen: {method: availability, min_share: 0.9}
    treat: winsorise
    normalise: {method: minmax, low: 0, high: 100}
    weight: framework
    aggregate: arithmetic          # or {2: arithmetic, 3: {method: …}} per level
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zongheng.errors import MethodError, Problem
from zongheng.frozen import FrozenMap
from zongheng.io.yaml_file import read_yaml
from zongheng.steps import STAGES, Scope, Step, step_from_spec
from zongheng.steps.aggregate import Aggregator, Arithmetic
from zongheng.steps.denominate import ByFramework
from zongheng.steps.impute import NoImpute
from zongheng.steps.normalise import MinMax
from zongheng.steps.screen import NoScreen
from zongheng.steps.stages import AggregateStage, FillAfterNormalise, aggregator_of
from zongheng.steps.treat import NoTreat
from zongheng.steps.weight import FrameworkWeights

__all__ = ["DATA_STAGES", "Method", "read_method", "write_method"]

DATA_STAGES = ("denominate", "impute", "screen", "treat", "normalise")
"""The stages that transform indicator values, in order, before weighting and aggregation."""


@dataclass(frozen=True)
class Method:
    """The steps of a build (构建方法).

    Parameters
    ----------
    denominate, impute, screen, treat, normalise, weight : Step
        One step per stage. By default: divide by the denominators the
        framework declares (``framework``; indicators without one pass
        through), no imputation, no screen, no treatment, min-max 0–100,
        framework weights.
    aggregate : Step or mapping of int to Step
        One aggregation for every level, or one per level (2 = the level above
        the indicators); levels not named use ``default``.
    scope : str
        Default reference scope of data-driven parameters: ``pooled``,
        ``per_period`` or ``base:<period>``.
    """

    denominate: Step = field(default_factory=ByFramework)
    impute: Step = field(default_factory=NoImpute)
    screen: Step = field(default_factory=NoScreen)
    treat: Step = field(default_factory=NoTreat)
    normalise: Step = field(default_factory=MinMax)
    weight: Step = field(default_factory=FrameworkWeights)
    aggregate: Aggregator | Mapping[int, Aggregator] = field(default_factory=Arithmetic)
    scope: str = "pooled"

    def __post_init__(self) -> None:
        # Accept YAML forms in Python too: Method(impute="mean", treat={"method": …}).
        for stage in STAGES:
            value = getattr(self, stage)
            if not isinstance(value, Step):
                value = _parse_stage(stage, value)
            if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
                value = FrozenMap(value)  # a per-level mapping is frozen like the rest
            object.__setattr__(self, stage, value)
        object.__setattr__(self, "scope", Scope.parse(self.scope).to_spec())

    def aggregator(self, level: int) -> Aggregator:
        """Return the aggregation step of a level."""
        return aggregator_of(self.aggregate, level)

    def plan(self) -> tuple[tuple[str, Step], ...]:
        """Return the steps a build runs, in order, each with the name of its stage.

        The data stages (denominate → normalise), then a ``fill`` stage when the
        imputation ``fills_after_normalise``, then weighting and aggregation as
        one :class:`~zongheng.steps.stages.AggregateStage` that keeps its weights.
        """
        steps: list[tuple[str, Step]] = [(stage, getattr(self, stage)) for stage in DATA_STAGES]
        if self.impute.fills_after_normalise:
            steps.append(("fill", FillAfterNormalise(self.impute)))
        steps.append(("aggregate", AggregateStage(self.weight, self.aggregate)))
        return tuple(steps)

    def replace(self, **changes: Any) -> Method:
        """Return a copy with some stages changed (steps or their YAML forms).

        Raises
        ------
        MethodError
            Naming an unknown stage (with the closest known one).
        """
        known = (*STAGES, "scope")
        unknown = [k for k in changes if k not in known]
        if unknown:
            raise MethodError([Problem("method_unknown_stage", {"stage": k, "allowed": ", ".join(known)},
                                       key=str(k)) for k in unknown])
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | None) -> Method:
        """Make a method from its YAML mapping; stages not named take their defaults."""
        spec = dict(spec or {})
        problems = [Problem("method_unknown_stage", {"stage": k, "allowed": ", ".join(
            (*STAGES, "scope"))}, key=str(k)) for k in spec if k not in (*STAGES, "scope")]
        kwargs: dict[str, Any] = {}
        for stage in STAGES:
            if stage in spec:
                try:
                    kwargs[stage] = _parse_stage(stage, spec[stage])
                except MethodError as exc:
                    problems.extend(exc.problems)
        if "scope" in spec:
            try:
                kwargs["scope"] = Scope.parse(spec["scope"]).to_spec()
            except MethodError as exc:
                problems.extend(exc.problems)
        if problems:
            raise MethodError(problems)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Return the YAML mapping; stages left at their defaults are left out."""
        default = Method()
        out: dict[str, Any] = {}
        if self.scope != default.scope:
            out["scope"] = self.scope
        for stage in STAGES:
            value = getattr(self, stage)
            if stage == "aggregate" and isinstance(value, Mapping):
                out[stage] = {k: v.to_spec() for k, v in value.items()}
            elif value != getattr(default, stage):
                out[stage] = value.to_spec()
        return out


def _is_level_map(value: Any) -> bool:
    return isinstance(value, Mapping) and "method" not in value


def _parse_stage(stage: str, spec: Any) -> Step | dict:
    if stage == "aggregate" and _is_level_map(spec):
        out = {}
        for k, v in spec.items():
            if k != "default" and not str(k).strip().lstrip("-").isdigit():
                raise MethodError([Problem("method_bad_param", {
                    "name": "aggregate", "detail": f"level keys are numbers (2, 3 …) or 'default'; "
                                                   f"got {k!r}"}, key=f"{stage}.{k}")])
            out[k if k == "default" else int(k)] = step_from_spec(stage, v, key=f"{stage}.{k}")
        return out
    return step_from_spec(stage, spec)


def read_method(path: str | Path) -> Method:
    """Read a method from a YAML file.

    Raises
    ------
    MethodError
        Naming the key of every unknown stage, method or parameter.
    """
    path = Path(path)
    doc = read_yaml(path, error=MethodError)
    try:
        return Method.from_dict(doc.get("method", doc) if isinstance(doc, dict) else doc)
    except MethodError as exc:
        raise MethodError([dataclasses.replace(p, file=path.name) for p in exc.problems]) from None


def write_method(method: Method, path: str | Path) -> None:
    """Write a method to a YAML file (all at once: an older file stays whole if it fails)."""
    from zongheng.io.atomic import write_text_atomic

    write_text_atomic(path, yaml.safe_dump(method.to_dict(), allow_unicode=True, sort_keys=False))
