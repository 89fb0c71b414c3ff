"""Uncertain inputs (不确定性输入): which parts of the method vary, and how.

An :class:`UncertaintySpec` lists the inputs of a build that are uncertain:
the weights (perturbed per level), and the choices of normalisation,
aggregation, outlier treatment, imputation and leaving one node out. It reads
from and writes to YAML::

    weights: {levels: [3, 4], kind: uniform, spread: 0.25}
    normalise:
      - {method: minmax, low: 1, high: 100}
      - {method: zscore, mean: 10, sd: 2}
    aggregate: [arithmetic, geometric]
    treat: {method: winsorise, vary: {max_points: [1, 2, 3, 4, 5]}}
    impute: [nominal, mean, median]
    exclude: indicators
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zongheng.errors import MethodError, Problem
from zongheng.evaluation import Evaluation
from zongheng.framework import Framework
from zongheng.i18n import register_messages
from zongheng.io.yaml_file import read_yaml
from zongheng.method import Method
from zongheng.steps import Step
from zongheng.steps.impute import CrossSectionMean, CrossSectionMedian
from zongheng.steps.normalise import MinMax, ZScore
from zongheng.steps.treat import Winsorise

__all__ = [
    "CHOICE_STAGES",
    "VARY_ITEMS",
    "Exclusion",
    "UncertaintySpec",
    "WeightPerturbation",
    "default_spec",
    "read_spec",
]

#: The stages whose step is chosen among a list, in the order of the sample columns.
CHOICE_STAGES = ("normalise", "aggregate", "treat", "impute")

#: What ``--vary`` may name.
VARY_ITEMS = ("weights", *CHOICE_STAGES, "exclude")

#: Stands for the evaluation's own step in a list of choices.
NOMINAL = "nominal"

register_messages({
    "unc_bad_kind": (
        "权重扰动方式必须是 uniform（均匀扰动）或 dirichlet（狄利克雷），实际为 {found!r}",
        "the weight perturbation must be uniform or dirichlet, got {found!r}",
    ),
    "unc_bad_spread": (
        "权重扰动幅度 spread 必须在 [0, 1) 内（0.25 表示 ±25%），实际为 {spread!r}",
        "the weight spread must be in [0, 1) (0.25 means ±25 %), got {spread!r}",
    ),
    "unc_bad_concentration": (
        "狄利克雷集中度 concentration 必须是正数，实际为 {value!r}",
        "the Dirichlet concentration must be a positive number, got {value!r}",
    ),
    "unc_bad_level": (
        "权重层级 {level} 没有可扰动的节点；可用层级: {allowed}（2 = 指标在其上级中的权重）",
        "weight level {level} has no weighted nodes; levels with weights: {allowed} "
        "(2 = the indicators' weights within their parent)",
    ),
    "unc_level_twice": (
        "权重层级 {level} 被扰动了两次", "weight level {level} is perturbed twice",
    ),
    "unc_unknown_item": (
        "未知的不确定性输入 '{name}'（可用: {allowed}）",
        "unknown uncertain input '{name}' (known: {allowed})",
    ),
    "unc_bad_vary": (
        "vary 必须把参数名映射到取值列表，例如 vary: {{max_points: [1, 2, 3]}}，实际为 {found!r}",
        "vary must map a parameter to a list of values, e.g. vary: {{max_points: [1, 2, 3]}}; "
        "got {found!r}",
    ),
    "unc_no_choices": (
        "{stage} 至少需要一个可选方法", "{stage} needs at least one choice",
    ),
    "unc_unknown_node": (
        "逐一剔除的 '{code}' 不是指标体系中的节点", "'{code}' (to leave out) is not a node of the framework",
    ),
    "unc_exclude_root": (
        "不能剔除 '{code}': 剔除后指数没有任何下级",
        "'{code}' cannot be left out: the index would have nothing left under it",
    ),
    "unc_bad_exclude": (
        "exclude 应为 indicators、dimensions、{{level: N}} 或 {{codes: [...]}}，实际为 {found!r}",
        "exclude must be indicators, dimensions, {{level: N}} or {{codes: [...]}}; got {found!r}",
    ),
})


def _problem(kind: str, key: str, **params: Any) -> Problem:
    return Problem(kind, params, key=f"uncertainty.{key}")


@dataclass(frozen=True)
class WeightPerturbation:
    """Perturbation of the weights of some levels (权重扰动).

    Parameters
    ----------
    levels : tuple of int, optional
        Aggregation levels whose children's weights vary. A level means the
        same everywhere in zongheng (the ``aggregate`` mapping and the
        data-driven weight steps' ``levels`` count alike): level *L* is the
        aggregation that computes the level-*L* scores, so 2 = each
        indicator's weight within its dimension (or pillar), 3 = the weights
        of the level-2 nodes within theirs, and so on. (COINr counts the
        weighted nodes instead: its level 1 is zongheng's 2.) ``None``: every
        aggregation above the lowest (the weights of every aggregate but the
        index).
    kind : {"uniform", "dirichlet"}
        ``uniform``: each weight is multiplied by ``1 + U(−spread, spread)``,
        independently. ``dirichlet``: the children of each parent share their
        nominal total as ``Dirichlet(concentration × nominal shares)``, whose
        mean is the nominal weights; a larger concentration varies less.
    spread : float
        For ``uniform``, in [0, 1): 0.25 is ±25 %.
    concentration : float
        For ``dirichlet``, > 0.
    """

    levels: tuple[int, ...] | None = None
    kind: str = "uniform"
    spread: float = 0.25
    concentration: float = 100.0

    def __post_init__(self) -> None:
        if self.levels is not None:
            object.__setattr__(self, "levels", tuple(int(v) for v in self.levels))
        problems = []
        if self.kind not in ("uniform", "dirichlet"):
            problems.append(_problem("unc_bad_kind", "weights.kind", found=self.kind))
        if not _number(self.spread) or not 0 <= self.spread < 1:
            problems.append(_problem("unc_bad_spread", "weights.spread", spread=self.spread))
        if not _number(self.concentration) or self.concentration <= 0:
            problems.append(_problem("unc_bad_concentration", "weights.concentration",
                                     value=self.concentration))
        if problems:
            raise MethodError(problems)

    def resolve_levels(self, framework: Framework) -> tuple[int, ...]:
        """Return the levels perturbed in ``framework`` (checked)."""
        weighted = aggregation_levels(framework)
        if self.levels is None:
            return tuple(v for v in weighted if v > min(weighted)) or weighted
        bad = [v for v in self.levels if v not in weighted]
        if bad:
            raise MethodError([_problem("unc_bad_level", "weights.levels", level=v,
                                        allowed=", ".join(map(str, weighted))) for v in bad])
        return self.levels

    def to_dict(self) -> dict[str, Any]:
        """Return the YAML form."""
        out: dict[str, Any] = {"levels": list(self.levels) if self.levels else None, "kind": self.kind}
        if self.kind == "uniform":
            out["spread"] = self.spread
        else:
            out["concentration"] = self.concentration
        return out


def aggregation_levels(framework: Framework) -> tuple[int, ...]:
    """Return the levels of the aggregates (each aggregation weighs its children's scores)."""
    return tuple(sorted({framework.levels[a.code] for a in framework.aggregates}))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Exclusion:
    """Leave one node out at a time (逐一剔除): an indicator, a dimension, or named nodes.

    Each sample either keeps every node or leaves out one of ``nodes``, all
    equally likely; a node left out takes its subtree with it, and a parent
    left with no child goes too.

    Parameters
    ----------
    nodes : "indicators", "dimensions", int or tuple of str
        The candidates: every indicator, every dimension (the index's
        children), every node of a level, or these codes.
    """

    nodes: str | int | tuple[str, ...] = "indicators"

    def __post_init__(self) -> None:
        nodes = self.nodes
        if isinstance(nodes, list | tuple):
            object.__setattr__(self, "nodes", tuple(str(c) for c in nodes))
        elif not (nodes in ("indicators", "dimensions") or (isinstance(nodes, int)
                                                            and not isinstance(nodes, bool))):
            raise MethodError([_problem("unc_bad_exclude", "exclude", found=nodes)])

    def codes(self, framework: Framework) -> tuple[str, ...]:
        """Return the nodes that may be left out (checked against ``framework``)."""
        if self.nodes == "indicators":
            codes = framework.indicator_codes
        elif self.nodes == "dimensions":
            codes = framework.dimensions
        elif isinstance(self.nodes, int):
            codes = tuple(n.code for n in framework.nodes
                          if n.parent is not None and framework.levels[n.code] == self.nodes)
        else:
            codes = self.nodes
        problems = [_problem("unc_unknown_node", "exclude", code=c) for c in codes
                    if c not in framework.by_code]
        problems += [_problem("unc_exclude_root", "exclude", code=c) for c in codes
                     if c in framework.by_code and not without(framework, c)]
        if problems:
            raise MethodError(problems)
        return tuple(codes)

    def to_dict(self) -> Any:
        """Return the YAML form."""
        if isinstance(self.nodes, tuple):
            return {"codes": list(self.nodes)}
        return {"level": self.nodes} if isinstance(self.nodes, int) else self.nodes


def without(framework: Framework, code: str) -> tuple[str, ...]:
    """Return the codes of the nodes kept when ``code`` is left out (empty if nothing is left).

    The node's subtree goes with it, and so does every parent left without a child.
    """
    gone = {code}
    stack = [code]
    while stack:  # the subtree
        for child in framework.children.get(stack.pop(), ()):
            gone.add(child)
            stack.append(child)
    parent = framework.node(code).parent
    while parent is not None and all(c in gone for c in framework.children[parent]):
        gone.add(parent)
        parent = framework.node(parent).parent
    if framework.root.code in gone:
        return ()
    return tuple(n.code for n in framework.nodes if n.code not in gone)


@dataclass(frozen=True)
class UncertaintySpec:
    """The uncertain inputs of an analysis (不确定性设定).

    Parameters
    ----------
    weights : tuple of WeightPerturbation
        One per group of levels; a level may appear once.
    normalise, treat, impute : tuple of step or YAML form
        The choices of that stage, equally likely; ``"nominal"`` stands for
        the evaluation's own step. Empty: the stage does not vary.
    aggregate : tuple of step, YAML form or level map
        Each choice applies to every level, or per level as in a method
        (``{2: arithmetic, 3: geometric}``).
    exclude : Exclusion, optional
        Leave one node out at a time.
    """

    weights: tuple[WeightPerturbation, ...] = ()
    normalise: tuple[Any, ...] = ()
    aggregate: tuple[Any, ...] = ()
    treat: tuple[Any, ...] = ()
    impute: tuple[Any, ...] = ()
    exclude: Exclusion | None = None

    def __post_init__(self) -> None:
        weights = self.weights
        if isinstance(weights, WeightPerturbation | Mapping):
            weights = (weights,)
        object.__setattr__(self, "weights", tuple(
            w if isinstance(w, WeightPerturbation) else WeightPerturbation(**_weight_args(w))
            for w in weights))
        problems: list[Problem] = []
        for stage in CHOICE_STAGES:
            try:
                object.__setattr__(self, stage, _choices(stage, getattr(self, stage)))
            except MethodError as exc:
                problems.extend(exc.problems)
        if self.exclude is not None and not isinstance(self.exclude, Exclusion):
            object.__setattr__(self, "exclude", _exclusion(self.exclude))
        if problems:
            raise MethodError(problems)

    @property
    def varied(self) -> tuple[str, ...]:
        """Return the inputs that vary, in :data:`VARY_ITEMS` order."""
        out = []
        for item in VARY_ITEMS:
            value = getattr(self, item)
            if item == "exclude" and value is not None:
                out.append(item)
            elif item == "weights" and value:
                out.append(item)
            elif item in CHOICE_STAGES and len(value) > 1:
                out.append(item)
        return tuple(out)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> UncertaintySpec:
        """Make a spec from its YAML mapping (see the module docstring)."""
        unknown = [k for k in doc if k not in VARY_ITEMS]
        if unknown:
            raise MethodError([_problem("unc_unknown_item", str(k), name=k,
                                        allowed=", ".join(VARY_ITEMS)) for k in unknown])
        kwargs: dict[str, Any] = {}
        if doc.get("weights") is not None:
            w = doc["weights"]
            kwargs["weights"] = tuple(w) if isinstance(w, list | tuple) else (w,)
        for stage in CHOICE_STAGES:
            if doc.get(stage) is not None:
                kwargs[stage] = doc[stage]
        if doc.get("exclude") is not None:
            kwargs["exclude"] = doc["exclude"]
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Return the YAML form of what varies."""
        out: dict[str, Any] = {}
        if self.weights:
            out["weights"] = [w.to_dict() for w in self.weights]
        for stage in CHOICE_STAGES:
            if getattr(self, stage):
                out[stage] = [_choice_spec(c) for c in getattr(self, stage)]
        if self.exclude is not None:
            out["exclude"] = self.exclude.to_dict()
        return out

    def resolved(self, method: Method) -> dict[str, tuple[Any, ...]]:
        """Return the choices of each stage with ``"nominal"`` replaced by the method's step."""
        out = {}
        for stage in CHOICE_STAGES:
            out[stage] = tuple(getattr(method, stage) if c == NOMINAL else c
                               for c in getattr(self, stage))
        return out


def _weight_args(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise MethodError([_problem("fw_bad_shape", "weights", expected="{levels, kind, spread}",
                                    found=repr(value))])
    known = {f.name for f in dataclasses.fields(WeightPerturbation)}
    unknown = [k for k in value if k not in known]
    if unknown:
        raise MethodError([_problem("unc_unknown_item", f"weights.{k}", name=k,
                                    allowed=", ".join(sorted(known))) for k in unknown])
    args = dict(value)
    if isinstance(args.get("levels"), int):
        args["levels"] = (args["levels"],)
    return args


def _exclusion(value: Any) -> Exclusion:
    if isinstance(value, Mapping):
        if set(value) == {"level"}:
            return Exclusion(int(value["level"]))
        if set(value) == {"codes"}:
            return Exclusion(tuple(value["codes"]))
        raise MethodError([_problem("unc_bad_exclude", "exclude", found=dict(value))])
    if isinstance(value, list | tuple):
        return Exclusion(tuple(value))
    return Exclusion(value)


def _choices(stage: str, value: Any) -> tuple[Any, ...]:
    """Parse a stage's choices: a list, or one item; ``vary`` expands an item into several."""
    items = list(value) if isinstance(value, list | tuple) else [value]
    out: list[Any] = []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        key = f"{stage}[{i}]"
        try:
            out.extend(_expand(stage, item, key))
        except MethodError as exc:
            problems.extend(dataclasses.replace(p, key=p.key if p.key and p.key.startswith(
                "uncertainty.") else f"uncertainty.{key}") for p in exc.problems)
    if problems:
        raise MethodError(problems)
    return tuple(out)


def _expand(stage: str, item: Any, key: str) -> list[Any]:
    if item == NOMINAL:
        return [NOMINAL]
    if isinstance(item, Mapping) and "vary" in item:
        vary = item["vary"]
        if not (isinstance(vary, Mapping) and len(vary) == 1
                and isinstance(next(iter(vary.values())), list | tuple)):
            raise MethodError([_problem("unc_bad_vary", key, found=vary)])
        (param, values), = vary.items()
        base = {k: v for k, v in item.items() if k != "vary"}
        return [_step(stage, {**base, param: v}) for v in values]
    return [_step(stage, item)]


def _step(stage: str, spec: Any) -> Any:
    """Parse one choice the way a method parses its stage (a level map for ``aggregate``)."""
    if isinstance(spec, Step):
        return spec
    return getattr(Method.from_dict({stage: spec}), stage)


def _choice_spec(choice: Any) -> Any:
    if isinstance(choice, Step):
        return choice.to_spec()
    if isinstance(choice, Mapping):
        return {k: v.to_spec() for k, v in choice.items()}
    return choice


def default_spec(evaluation: Evaluation, vary: Sequence[str] = ("weights",), *,
                 base: UncertaintySpec | None = None) -> UncertaintySpec:
    """Return the default uncertain inputs for the items of ``vary`` (默认不确定性设定).

    With ``base`` (e.g. read from a spec file), an item ``base`` sets is taken
    from it, and only the others get their defaults.

    - ``weights``: every level above the indicators, each weight × (1 + U(−0.25, 0.25));
    - ``normalise``: min-max to [1, 100] or z-score with mean 10 and sd 2;
    - ``aggregate``: arithmetic or geometric mean at every level;
    - ``treat``: winsorisation with at most 1, 2, 3, 4 or 5 points (the other
      parameters of the method's winsorisation when it has one);
    - ``impute``: the method's imputation, the cross-section mean or median;
    - ``exclude``: leave one indicator out at a time.

    These are the inputs of COINr's sensitivity vignette on ASEM
    (weights, normalise, aggregate, treat) plus imputation and exclusion.
    """
    unknown = [v for v in vary if v not in VARY_ITEMS]
    if unknown:
        raise MethodError([_problem("unc_unknown_item", "vary", name=v,
                                    allowed=", ".join(VARY_ITEMS)) for v in unknown])
    method = evaluation.method
    kwargs: dict[str, Any] = {}
    if "weights" in vary:
        kwargs["weights"] = (WeightPerturbation(),)
    if "normalise" in vary:
        kwargs["normalise"] = (MinMax(low=1, high=100), ZScore(mean=10, sd=2))
    if "aggregate" in vary:
        kwargs["aggregate"] = ("arithmetic", "geometric")
    if "treat" in vary:
        winsorise = method.treat if isinstance(method.treat, Winsorise) else Winsorise()
        kwargs["treat"] = tuple(dataclasses.replace(winsorise, max_points=k) for k in range(1, 6))
    if "impute" in vary:
        choices: list[Step] = []
        for step in (method.impute, CrossSectionMean(), CrossSectionMedian()):
            if step not in choices:  # the method may impute by the mean already
                choices.append(step)
        kwargs["impute"] = tuple(choices)
    if "exclude" in vary:
        kwargs["exclude"] = Exclusion("indicators")
    if base is not None:
        given = base.to_dict()
        kwargs.update({item: getattr(base, item) for item in vary if item in given})
    return UncertaintySpec(**kwargs)


def read_spec(path: str | Path) -> UncertaintySpec:
    """Read an uncertainty spec from a YAML file (see the module docstring for the form)."""
    path = Path(path)
    doc = read_yaml(path, error=MethodError) or {}
    if not isinstance(doc, Mapping):
        raise MethodError([Problem("fw_bad_shape", {"expected": "a mapping", "found": repr(doc)},
                                   file=path.name)])
    doc = doc.get("uncertainty", doc)
    try:
        return UncertaintySpec.from_dict(doc)
    except MethodError as exc:
        raise MethodError([dataclasses.replace(p, file=path.name) for p in exc.problems]) from None
