"""Steps (步骤): the building blocks of a method, and their registry.

A step is a frozen dataclass holding only its parameters (as in scikit-learn).
``fit`` learns what the step needs from the data over a reference *scope* and
returns it as a frozen, typed :class:`State`; ``apply`` is pure and uses that
state. Steps are registered per stage under a snake_case key, the name used in
method YAML.

The step contract (步骤约定)
--------------------------
Every stage of a build is a step, and the build is a plain loop over them::

    ctx = step.prepare(raw, ctx)          # every step, before the loop
    state, out = step.fit_apply(x, ctx)   # each step in turn
    ctx = step.publish(state, ctx)        # what later steps may read

A step says what it is through class-level *capabilities*, which the build,
``replay`` and the analyses (path, gap, rank uncertainty) ask instead of
checking concrete classes, so a new step gets the fast, exact paths when it
declares them:

``elementwise``
    With the state held fixed, output cell (p, u, i) depends on input cell
    (p, u, i) alone.
``affine``
    ``elementwise`` and, for a known input value, an affine function of it
    (filling a missing cell from the state counts: known cells are kept).
``reads``
    ``"raw"`` when the step's decision depends on the raw data only, so it can
    be made before any other step (a screen telling imputation which units it
    need not fill); ``"input"`` otherwise.
``fills_after_normalise``
    An imputation that can only fill once normalised values exist (sibling
    mean): the method runs its :meth:`fill_normalised` as a stage of its own
    right after normalisation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from zongheng.errors import MethodError, Problem
from zongheng.framework import Framework
from zongheng.frozen import FrozenMap, freeze_array
from zongheng.panel import Panel

__all__ = [
    "NO_STATE",
    "STAGES",
    "Context",
    "Overrides",
    "Scope",
    "State",
    "Step",
    "register",
    "registry",
    "step_from_spec",
]

STAGES = ("denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate")


@dataclass(frozen=True, kw_only=True)
class State:
    """What a step learned in ``fit`` (学习到的参数): frozen, its arrays read-only.

    Each step that learns something declares a subclass with one field per
    learned quantity, named with a trailing underscore (scikit-learn's
    convention), e.g. ``MinMaxState(min_, max_, group_of_period_)``.
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, freeze_array(value))
            elif isinstance(value, dict):
                object.__setattr__(self, f.name, FrozenMap(value))
            elif isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))

    def replace(self, **changes: Any) -> State:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)


NO_STATE = State()
"""The state of a step that learns nothing."""

_REGISTRY: dict[str, dict[str, type[Step]]] = {stage: {} for stage in STAGES}


def register(cls: type[Step]) -> type[Step]:
    """Register a step class under its ``stage`` and ``key`` (class decorator)."""
    _REGISTRY[cls.stage][cls.key] = cls
    return cls


def registry(stage: str) -> dict[str, type[Step]]:
    """Return the step classes of a stage by key."""
    return dict(_REGISTRY[stage])


@dataclass(frozen=True)
class Step:
    """Base class of every step: parameters only, ``fit`` learns, ``apply`` transforms."""

    stage: ClassVar[str] = ""
    key: ClassVar[str] = ""
    # Capabilities (see the module's documentation). The defaults promise nothing.
    elementwise: ClassVar[bool] = False
    affine: ClassVar[bool] = False
    reads: ClassVar[Literal["raw", "input"]] = "input"
    fills_after_normalise: ClassVar[bool] = False

    def __post_init__(self) -> None:
        _freeze_parameters(self)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__post_init__")
        if own is not None and not getattr(own, "_freezes", False):
            # A subclass's own checks run first; its mapping and list parameters are then frozen,
            # so a step (and the method holding it) is immutable and hashable whoever wrote it.
            def post_init(self: Step, _own: Any = own) -> None:
                _own(self)
                _freeze_parameters(self)

            post_init._freezes = True  # type: ignore[attr-defined]
            cls.__post_init__ = post_init  # type: ignore[method-assign]

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Learn what the step needs from ``values`` (period, unit, indicator)."""
        return NO_STATE

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Return the transformed values; never changes its input."""
        return values

    def fit_apply(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """Learn, then transform the same values (a step may do both in one pass)."""
        state = self.fit(values, ctx)
        return state, self.apply(values, state, ctx)

    def fit_apply_owned(self, values: np.ndarray, ctx: Context) -> tuple[State, np.ndarray]:
        """As :meth:`fit_apply`, on values the caller gives up: the step may overwrite them.

        The build calls this when it holds the only reference to ``values`` (an
        intermediate stage of a ``keep="final"`` build), so a step can transform
        them in place instead of allocating another array of the data's size: at
        10⁶ units each fresh 320 MB array costs more in page faults than the
        arithmetic done in it. The result must be the same numbers as
        :meth:`fit_apply`; the default is :meth:`fit_apply`.
        """
        return self.fit_apply(values, ctx)

    def prepare(self, raw: np.ndarray, ctx: Context) -> Context:
        """Return the context as this step's up-front decision leaves it (default: as it is).

        Called for every step on the raw data before the first stage runs, so
        a decision that ``reads`` only raw data is known to the steps before it.
        """
        return ctx

    def publish(self, state: State, ctx: Context) -> Context:
        """Return the context later steps see after this one (default: as it is)."""
        return ctx

    def to_spec(self) -> str | dict[str, Any]:
        """Return the YAML form: the key alone, or the key with non-default parameters."""
        params = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
            if value != default:
                params[f.name] = _plain(value)
        return {"method": self.key, **params} if params else self.key


def _frozen_value(value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
        return FrozenMap({k: _frozen_value(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen_value(v) for v in value)
    return value


def _freeze_parameters(step: Step) -> None:
    """Turn a step's mapping and list parameters into read-only, hashable ones."""
    for f in dataclasses.fields(step):
        value = getattr(step, f.name)
        frozen = _frozen_value(value)
        if frozen is not value:
            object.__setattr__(step, f.name, frozen)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def step_from_spec(stage: str, spec: Any, *, key: str | None = None) -> Step:
    """Make a step from its YAML form: ``"minmax"`` or ``{"method": "minmax", "high": 1}``.

    Raises
    ------
    MethodError
        If the stage or method is unknown or a parameter is wrong.
    """
    where = {"key": key or stage}
    if isinstance(spec, Step):
        return spec
    if stage not in _REGISTRY:
        raise MethodError([Problem("method_unknown_stage", {"stage": stage,
                                                            "allowed": ", ".join(STAGES)}, **where)])
    if isinstance(spec, str):
        name, params = spec, {}
    elif isinstance(spec, Mapping) and "method" in spec:
        name, params = str(spec["method"]), {k: v for k, v in spec.items() if k != "method"}
    else:
        raise MethodError([Problem("fw_bad_shape", {"expected": "method name or {method: …}",
                                                    "found": repr(spec)}, **where)])
    classes = _REGISTRY[stage]
    if name not in classes:
        raise MethodError([Problem("method_unknown_key", {"stage": stage, "name": name,
                                                          "allowed": ", ".join(sorted(classes))},
                                   **where)])
    cls = classes[name]
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = [k for k in params if k not in names]
    if unknown:
        raise MethodError([Problem("method_bad_param", {
            "name": name, "detail": f"unknown {unknown}; known {sorted(names)}"}, **where)])
    try:
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        return cls(**params)
    except (TypeError, ValueError) as exc:
        raise MethodError([Problem("method_bad_param", {"name": name, "detail": str(exc)},
                                   **where)]) from None


@dataclass(frozen=True)
class Scope:
    """Reference scope (参照范围) over which data-driven parameters are learned.

    ``pooled`` (default): over every period at once, so scores compare across
    years. ``per_period``: each period on its own. ``base:<period>``: from one
    base period, applied to all.
    """

    kind: str = "pooled"
    base: Hashable | None = None

    @classmethod
    def parse(cls, value: Any) -> Scope:
        """Read ``"pooled"``, ``"per_period"``, ``"base:2020"`` or ``{"base_period": 2020}``."""
        if isinstance(value, Scope):
            return value
        if value is None or value == "pooled":
            return cls("pooled")
        if value == "per_period":
            return cls("per_period")
        if isinstance(value, Mapping) and "base_period" in value:
            return cls("base", value["base_period"])
        if isinstance(value, str) and value.startswith("base:"):
            return cls("base", value[5:].strip())
        raise MethodError([Problem("method_bad_scope", {"scope": value})])

    def to_spec(self) -> str:
        """Return the YAML form."""
        return f"base:{self.base}" if self.kind == "base" else self.kind

    def split(self, values: np.ndarray, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
        """Return the fitting samples and which sample serves each period.

        Returns
        -------
        samples : ndarray, shape (sample_group, n, indicator)
            The values each set of parameters is learned from.
        group_of_period : ndarray of int, shape (period,)
            For each period, the sample group whose parameters apply to it.
        """
        n_periods, n_units, n_ind = values.shape[-3:]
        if self.kind == "per_period":
            return values, np.arange(n_periods)
        if self.kind == "base":
            b = ctx.period_index(self.base)
            return values[b:b + 1], np.zeros(n_periods, dtype=int)
        return values.reshape(1, n_periods * n_units, n_ind), np.zeros(n_periods, dtype=int)


@dataclass(frozen=True)
class Context:
    """What a step may read besides its input: framework, panel and earlier results (frozen).

    Steps read indicators through :attr:`indicators`, :attr:`indicator_codes` and
    :attr:`directions`, which follow :attr:`columns`, so that a step can be fitted
    on a subset of indicators (per-indicator overrides) with :meth:`subset`.
    What a step publishes for later ones (the screen's ``included`` mask) makes
    a new context (:meth:`with_included`); nothing changes one in place.
    """

    framework: Framework
    panel: Panel
    scope: Scope = field(default_factory=Scope)
    included: np.ndarray | None = None  # (period, unit) after screening
    columns: np.ndarray | None = None  # indicator positions this context covers

    @property
    def indicators(self) -> tuple:
        """Return the indicators covered, in column order."""
        inds = self.framework.indicators
        return inds if self.columns is None else tuple(inds[i] for i in self.columns)

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        """Return the codes of the indicators covered."""
        return tuple(i.code for i in self.indicators)

    @property
    def directions(self) -> np.ndarray:
        """Return +1/−1 per indicator covered."""
        d = self.framework.directions
        return d if self.columns is None else d[self.columns]

    def subset(self, columns: np.ndarray) -> Context:
        """Return a context covering only these indicator positions (of the full framework)."""
        return dataclasses.replace(self, columns=freeze_array(np.asarray(columns, dtype=int)))

    def with_included(self, included: np.ndarray | None) -> Context:
        """Return a context whose units included per period are ``included`` (period, unit)."""
        return dataclasses.replace(self, included=None if included is None else freeze_array(included))

    def with_panel(self, panel: Panel) -> Context:
        """Return the same context over another panel (other values, same labels)."""
        return dataclasses.replace(self, panel=panel)

    def period_index(self, period: Hashable) -> int:
        """Return the position of a period, with a clear error when it is unknown."""
        try:
            return self.panel.period_index(period)
        except KeyError:
            raise MethodError([Problem("method_unknown_period", {
                "period": period, "found": ", ".join(map(str, self.panel.periods))})]) from None

    def scope_of(self, step: Step) -> Scope:
        """Return the step's own scope, or the method's when the step has none."""
        own = getattr(step, "scope", None)
        return Scope.parse(own) if own is not None else self.scope


@dataclass(frozen=True)
class Overrides(Step):
    """A default step with per-indicator overrides (按指标单独设置).

    Subclasses set ``stage``; in YAML::

        treat: {method: by_indicator, default: winsorise, overrides: {FDI: none, Goods: log}}

    Each override is fitted and applied on its own indicators only.

    Parameters
    ----------
    default : step or YAML form
        The step for indicators not named.
    overrides : mapping of indicator code to step or YAML form
    """

    key = "by_indicator"
    fallback: ClassVar[str] = "none"  # the default step's key when none is given
    default: Any = None
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        default = self.default if self.default is not None else self.fallback
        object.__setattr__(self, "default", step_from_spec(self.stage, default, key="default"))
        object.__setattr__(self, "overrides", FrozenMap({
            str(code): step_from_spec(self.stage, spec, key=f"overrides.{code}")
            for code, spec in dict(self.overrides).items()}))

    def to_spec(self) -> dict[str, Any]:
        """Return the YAML form with nested step forms."""
        return {"method": self.key, "default": self.default.to_spec(),
                "overrides": {c: s.to_spec() for c, s in self.overrides.items()}}

    def _parts(self, ctx: Context) -> list[tuple[Step, np.ndarray]]:
        codes = ctx.indicator_codes
        unknown = [c for c in self.overrides if c not in codes]
        if unknown:
            raise MethodError([Problem("unknown_indicator_long", {"name": c},
                                       key=f"{self.stage}.overrides") for c in unknown])
        named = {codes.index(c) for c in self.overrides}
        rest = np.array([i for i in range(len(codes)) if i not in named], dtype=int)
        parts = [(self.default, rest)] if len(rest) else []
        return parts + [(step, np.array([codes.index(c)])) for c, step in self.overrides.items()]

    @property
    def _steps(self) -> tuple[Step, ...]:
        return (self.default, *self.overrides.values())

    @property
    def elementwise(self) -> bool:  # type: ignore[override]
        """Elementwise when every part is."""
        return all(s.elementwise for s in self._steps)

    @property
    def affine(self) -> bool:  # type: ignore[override]
        """Affine when every part is."""
        return all(s.affine for s in self._steps)

    def fit(self, values: np.ndarray, ctx: Context) -> State:
        """Fit the default and every override on their own indicators."""
        base = ctx.columns if ctx.columns is not None else np.arange(len(ctx.indicator_codes))
        states = []
        for step, cols in self._parts(ctx):
            states.append(step.fit(values[..., cols], ctx.subset(base[cols])))
        return OverridesState(parts_=tuple(states))

    def apply(self, values: np.ndarray, state: State, ctx: Context) -> np.ndarray:
        """Apply each part to its indicators and put the columns back together."""
        base = ctx.columns if ctx.columns is not None else np.arange(len(ctx.indicator_codes))
        out = np.array(values, dtype=np.float64, copy=True)
        for (step, cols), st in zip(self._parts(ctx), state.parts_, strict=True):
            out[..., cols] = step.apply(values[..., cols], st, ctx.subset(base[cols]))
        return out


@dataclass(frozen=True, kw_only=True)
class OverridesState(State):
    """The state of each part of :class:`Overrides`: the default's first, then each override's."""

    parts_: tuple[State, ...]
