"""Common checks over every registered step, in the spirit of scikit-learn's common tests.

Every step of every stage is found through the registry, so a new step is checked
here as soon as it is registered: a step that needs a parameter to run gets it
from ``REQUIRED``; a non-default example for the spec round trip may be added to
``EXAMPLES``.
"""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

import zongheng as zh
from zongheng.errors import MethodError
from zongheng.framework import Attribute, Framework, framework_from_records
from zongheng.method import Method, read_method, write_method
from zongheng.panel import Panel
from zongheng.steps import STAGES, Context, Scope, State, Step, registry, step_from_spec
from zongheng.steps.aggregate import Aggregator, Arithmetic
from zongheng.steps.denominate import ByFramework
from zongheng.steps.impute import GroupMedian
from zongheng.steps.normalise import MinMax
from zongheng.steps.screen import Availability
from zongheng.steps.stages import level_weights
from zongheng.steps.treat import Winsorise
from zongheng.steps.weight import GivenWeights, Weigher

pytestmark = [
    pytest.mark.filterwarnings("ignore::zongheng.errors.ConstantIndicatorWarning"),
]

# Parameters a step cannot run without, by (stage, key).
REQUIRED: dict[tuple[str, str], dict] = {
    ("impute", "group_mean"): {"group": "region"},
    ("impute", "group_median"): {"group": "region"},
    ("normalise", "reference_unit"): {"unit": "u1"},
    ("normalise", "distance_to_reference"): {"unit": "u1"},
}

# Non-default parameters, to check that the spec round trip keeps them.
EXAMPLES: dict[tuple[str, str], list[dict]] = {
    ("denominate", "framework"): [{"scale": 10000}, {"scale": 0.5}],
    ("impute", "group_mean"): [{"group": "region"}],
    ("impute", "group_median"): [{"group": "region"}],
    ("screen", "availability"): [{"min_share": 0.5}, {"min_share": 1, "data": "input"}],
    ("treat", "winsorise"): [{"max_points": 2, "skew": 1.5, "kurtosis": 3, "fallback": "none",
                              "scope": "per_period"}, {"scope": "base:2020"}],
    ("normalise", "minmax"): [{"low": -1, "high": 1.5}, {"high": 1, "scope": "per_period"}],
    ("weight", "given"): [{"weights": {"a": 2, "D1": 0.25}}],
    ("weight", "entropy"): [{"data": "raw", "levels": (2,)}],
    ("normalise", "distance_to_reference"): [{"unit": "u2", "cap": True, "scale": 1}],
    ("treat", "by_indicator"): [{"default": "winsorise", "overrides": {"a": "none"}},
                                {"overrides": {"b": {"method": "winsorise", "max_points": 1}}}],
    ("normalise", "by_indicator"): [{"default": {"method": "minmax", "high": 1},
                                     "overrides": {"c": "minmax", "d": {"method": "minmax", "low": 50}}}],
}

ALL_STEPS = [(stage, key, cls) for stage in STAGES for key, cls in sorted(registry(stage).items())]
IDS = [f"{stage}:{key}" for stage, key, _ in ALL_STEPS]
# Steps that transform the values (period, unit, indicator) with fit and apply.
DATA_STEPS = [s for s in ALL_STEPS if s[0] not in ("weight", "aggregate")]
DATA_IDS = [f"{stage}:{key}" for stage, key, _ in DATA_STEPS]
WEIGHT_STEPS = [s for s in ALL_STEPS if s[0] == "weight"]
WEIGHT_IDS = [f"{stage}:{key}" for stage, key, _ in WEIGHT_STEPS]
AGG_STEPS = [s for s in ALL_STEPS if s[0] == "aggregate"]
AGG_IDS = [f"{stage}:{key}" for stage, key, _ in AGG_STEPS]
CLASSES = {cls.__name__: cls for _, _, cls in ALL_STEPS}


# Aggregations defined only for positive values (a min-max 0–100 gives the worst unit a 0).
POSITIVE_ONLY = {"geometric", "harmonic"}


def make(stage: str, key: str, cls: type[Step]) -> Step:
    return cls(**REQUIRED.get((stage, key), {}))


def is_imputation(stage: str, key: str) -> bool:
    return stage == "impute" and key != "none"


# -- a small framework and panel ---------------------------------------------------------------

UNITS = ["u1", "u2", "u3", "u4", "u5", "u6"]
REGION = ["n", "n", "n", "s", "s", "s"]


def _framework() -> Framework:
    records = [
        {"code": "I", "type": "aggregate"},
        {"code": "D1", "parent": "I", "type": "aggregate", "weight": 2},
        {"code": "D2", "parent": "I", "type": "aggregate"},
        {"code": "a", "parent": "D1", "direction": "+", "denominator": "pop", "target": 1000},
        {"code": "b", "parent": "D1", "direction": "-", "weight": 3, "target": 0},
        {"code": "c", "parent": "D2", "direction": "+", "target": 1000},
        {"code": "d", "parent": "I", "direction": "-", "target": 0},  # beside dimensions
    ]
    for r in records:
        if "direction" in r:
            r["goalposts"] = [0, 100]  # targets and goalposts let every normalisation run
    return framework_from_records(records, [{"key": r["code"]} for r in records],
                                  groups=[Attribute("region")])


FW = _framework()


def _panel(missing: bool) -> Panel:
    rng = np.random.default_rng(7)
    values = rng.lognormal(2.0, 1.0, size=(2, len(UNITS), len(FW.indicator_codes)))
    values[1, 0, 0] = 500.0  # an outlier to treat
    if missing:
        # each group keeps a known value of every indicator in every period
        for p, u, i in [(0, 0, 0), (0, 4, 1), (1, 2, 2), (1, 3, 3), (1, 5, 0), (0, 1, 0)]:
            values[p, u, i] = np.nan
    pop = rng.uniform(1.0, 10.0, size=(2, len(UNITS), 1))
    attrs = pd.DataFrame({"region": REGION}, index=pd.Index(UNITS, name="unit"))
    return Panel(values, UNITS, [2020, 2021], FW.indicator_codes, attrs, pop, ("pop",))


COMPLETE = _panel(missing=False)
MISSING = _panel(missing=True)


def _context(panel: Panel) -> Context:
    return Context(FW, panel, Scope(), included=np.ones(panel.shape[:2], dtype=bool))


def _readonly(array: np.ndarray) -> np.ndarray:
    out = np.array(array, dtype=np.float64)
    out.setflags(write=False)
    return out


def _fit_apply(step: Step, panel: Panel) -> tuple[np.ndarray, dict, np.ndarray]:
    values = _readonly(panel.values)
    before = values.copy()
    ctx = _context(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        state = step.fit(values, ctx)
        out = step.apply(values, state, ctx)
    np.testing.assert_array_equal(values, before)  # input unchanged
    return values, state, np.asarray(out)


# -- registry and construction ------------------------------------------------------------------


def test_every_stage_has_steps_and_a_none_or_default():
    for stage in STAGES:
        assert registry(stage), stage
    defaults = Method()
    for stage in STAGES:
        step = defaults.aggregator(2) if stage == "aggregate" else getattr(defaults, stage)
        assert type(step) in registry(stage).values(), stage


@pytest.mark.parametrize(("stage", "key", "cls"), ALL_STEPS, ids=IDS)
def test_registered_under_its_own_stage_and_key(stage, key, cls):
    assert cls.stage == stage and cls.key == key
    assert re.fullmatch(r"[a-z][a-z0-9_]*", key)
    assert issubclass(cls, Step)
    assert cls.__doc__ and cls.__doc__.strip()
    if stage == "aggregate":
        assert issubclass(cls, Aggregator)
    if stage == "weight":
        assert issubclass(cls, Weigher)


@pytest.mark.parametrize(("stage", "key", "cls"), ALL_STEPS, ids=IDS)
def test_default_constructible_frozen_dataclass(stage, key, cls):
    assert dataclasses.is_dataclass(cls)
    step = cls() if (stage, key) not in REQUIRED else make(stage, key, cls)
    for f in dataclasses.fields(step):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(step, f.name, getattr(step, f.name))
    assert step == make(stage, key, cls)


@pytest.mark.parametrize(("stage", "key", "cls"), ALL_STEPS, ids=IDS)
def test_repr_names_the_class_and_evaluates_back(stage, key, cls):
    step = make(stage, key, cls)
    text = repr(step)
    assert text.startswith(f"{cls.__name__}(")
    assert eval(text, dict(CLASSES)) == step


# -- specs ------------------------------------------------------------------------------------


def _specimens(stage, key, cls):
    yield make(stage, key, cls)
    for params in EXAMPLES.get((stage, key), []):
        yield cls(**params)


@pytest.mark.parametrize(("stage", "key", "cls"), ALL_STEPS, ids=IDS)
def test_spec_round_trips(stage, key, cls):
    for step in _specimens(stage, key, cls):
        spec = step.to_spec()
        assert step_from_spec(stage, spec) == step
        # and through YAML text
        assert step_from_spec(stage, yaml.safe_load(yaml.safe_dump(spec, allow_unicode=True))) == step
        # a step with every parameter at its default is written as its key alone
        if all(getattr(step, f.name) == _default(f) for f in dataclasses.fields(step)):
            assert spec == key
        else:
            assert spec["method"] == key


def _default(f: dataclasses.Field):
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


@pytest.mark.parametrize(("stage", "key", "cls"), ALL_STEPS, ids=IDS)
def test_unknown_parameter_is_a_method_error(stage, key, cls):
    with pytest.raises(MethodError):
        step_from_spec(stage, {"method": key, "no_such_parameter": 1})


def test_unknown_method_is_a_method_error():
    for stage in STAGES:
        with pytest.raises(MethodError):
            step_from_spec(stage, "no_such_method")


# -- fit and apply ------------------------------------------------------------------------------


def _runs_on(stage: str, key: str) -> list[Panel]:
    """The panels a step can be fitted on: ``none`` imputation refuses missing values."""
    return [COMPLETE] if (stage, key) == ("impute", "none") else [COMPLETE, MISSING]


@pytest.mark.parametrize(("stage", "key", "cls"), DATA_STEPS, ids=DATA_IDS)
def test_fit_and_apply_never_modify_their_input_and_keep_the_shape(stage, key, cls):
    for step in _specimens(stage, key, cls):
        for panel in _runs_on(stage, key):
            values, state, out = _fit_apply(step, panel)  # read-only input: no write possible
            assert isinstance(state, State)
            assert out.shape == values.shape
            assert out.dtype == np.float64
            np.testing.assert_array_equal(panel.values, values)


@pytest.mark.parametrize(("stage", "key", "cls"), DATA_STEPS, ids=DATA_IDS)
def test_fit_and_apply_are_deterministic(stage, key, cls):
    for step in _specimens(stage, key, cls):
        panel = _runs_on(stage, key)[-1]
        _, _, first = _fit_apply(step, panel)
        _, _, second = _fit_apply(step, panel)
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(("stage", "key", "cls"), DATA_STEPS, ids=DATA_IDS)
def test_missing_values_stay_missing_unless_imputed(stage, key, cls):
    missing = np.isnan(MISSING.values)
    assert missing.any()
    for step in _specimens(stage, key, cls):
        if (stage, key) == ("impute", "none"):
            with pytest.raises(MethodError):
                step.fit(_readonly(MISSING.values), _context(MISSING))
            continue
        _, _, out = _fit_apply(step, MISSING)
        if not is_imputation(stage, key):
            assert np.isnan(out[missing]).all()
            continue
        if hasattr(step, "fill_normalised"):
            continue  # fills after normalisation: checked in a build below
        if not getattr(step, "may_leave_missing", False):
            assert not np.isnan(out).any()
        # known values are kept as they are
        np.testing.assert_array_equal(out[~missing], MISSING.values[~missing])


@pytest.mark.parametrize(("stage", "key", "cls"), [s for s in DATA_STEPS if s[0] == "impute"],
                         ids=[i for i in DATA_IDS if i.startswith("impute:")])
def test_imputation_leaves_nothing_missing_in_a_build(stage, key, cls):
    for step in _specimens(stage, key, cls):
        if key == "none":
            with pytest.raises(MethodError):
                zh.build(FW, MISSING, Method(impute=step))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ev = zh.build(FW, MISSING, Method(impute=step))
        if getattr(step, "may_leave_missing", False):
            # interpolation/carrying fill only what the unit's own series allows; every unit
            # still gets an index because aggregation leaves missing children out
            assert np.isfinite(ev.scores[..., -1]).all()
            continue
        assert not np.isnan(ev.stage("normalised")).any()
        assert not np.isnan(ev.scores).any()


def _children_scores() -> np.ndarray:
    """Normalised scores of every node of a complete build (read-only)."""
    return zh.build(FW, COMPLETE, Method()).scores


@pytest.mark.parametrize(("stage", "key", "cls"), WEIGHT_STEPS, ids=WEIGHT_IDS)
def test_weights_are_positive_one_per_child_and_never_modify_the_scores(stage, key, cls):
    scores = _children_scores()
    before = scores.copy()
    position = {c: i for i, c in enumerate(FW.node_codes)}
    for step in _specimens(stage, key, cls):
        for parent in (a.code for a in FW.aggregates):
            children = FW.children[parent]
            child_scores = _readonly(scores[..., [position[c] for c in children]])
            w = np.asarray(step.weights_for(parent, children, child_scores, _context(COMPLETE)))
            assert w.shape == (len(children),)
            assert np.isfinite(w).all() and (w > 0).all()
            np.testing.assert_array_equal(child_scores, before[..., [position[c] for c in children]])
    np.testing.assert_array_equal(scores, before)


@pytest.mark.parametrize(("stage", "key", "cls"), AGG_STEPS, ids=AGG_IDS)
def test_aggregation_never_modifies_its_input_and_gives_a_column_per_parent(stage, key, cls):
    step = make(stage, key, cls)
    ctx = _context(MISSING)
    rng = np.random.default_rng(3)
    scores = np.full(MISSING.shape[:2] + (len(FW.node_codes),), np.nan)
    scores[..., :len(FW.indicator_codes)] = rng.uniform(1, 100, size=MISSING.shape)
    scores[0, 0, :len(FW.indicator_codes)] = np.nan  # a unit without any data

    def weigh(parent, children):
        return np.array([FW.node(c).weight for c in children])

    for level in sorted({FW.levels[a.code] for a in FW.aggregates}):
        matrix, columns, _ = level_weights(FW, weigh, level)
        frozen_scores, frozen_matrix = _readonly(scores), _readonly(matrix)
        out = np.asarray(step.combine(frozen_scores, frozen_matrix, ctx))
        np.testing.assert_array_equal(frozen_scores, scores)
        np.testing.assert_array_equal(frozen_matrix, matrix)
        assert out.shape == scores.shape[:-1] + (len(columns),)
        assert np.isnan(out[0, 0]).all()  # no known child: no score
        assert np.isfinite(out[1]).all()
        scores[..., columns] = out


@pytest.mark.parametrize(("stage", "key", "cls"), ALL_STEPS, ids=IDS)
def test_every_step_runs_in_a_build_on_read_only_data(stage, key, cls):
    for step in _specimens(stage, key, cls):
        panel = _runs_on(stage, key)[-1]
        method = Method(impute="mean") if stage != "impute" else Method()
        if stage == "aggregate" and key in POSITIVE_ONLY:
            method = dataclasses.replace(method, normalise=MinMax(low=1))
        method = dataclasses.replace(method, **{stage: step})
        assert not panel.values.flags.writeable
        before = panel.values.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ev = zh.build(FW, panel, method)
        np.testing.assert_array_equal(panel.values, before)
        assert ev.scores.shape == panel.shape[:2] + (len(FW.node_codes),)
        assert np.isfinite(ev.scores[..., FW.node_codes.index("I")]).any()


# -- methods in YAML ------------------------------------------------------------------------


METHODS = {
    "default": Method(),
    "asem": zh.datasets.load("asem").method,
    "per_level": Method(aggregate={2: Arithmetic(), 3: Arithmetic()}),
    "per_level_default": Method(aggregate={"default": Arithmetic(), 2: Arithmetic()}),
    "scopes": Method(scope="per_period", normalise=MinMax(low=1, high=10, scope="base:2020")),
    "base_scope": Method(scope="base:2020"),
    "everything": Method(denominate=ByFramework(scale=1000), impute=GroupMedian(group="region"),
                         screen=Availability(min_share=0.5, data="input"),
                         treat=Winsorise(fallback="none", max_points=3),
                         normalise=MinMax(high=1), weight=GivenWeights({"a": 2.0, "D1": 0.5}),
                         aggregate=Arithmetic()),
    "by_indicator": Method.from_dict({
        "treat": {"method": "by_indicator", "default": "winsorise",
                  "overrides": {"a": "none", "b": {"method": "winsorise", "max_points": 2}}},
        "normalise": {"method": "by_indicator", "default": {"method": "minmax", "high": 1},
                      "overrides": {"c": "minmax"}}}),
}


@pytest.mark.parametrize("name", list(METHODS))
def test_method_dict_round_trip(name):
    method = METHODS[name]
    assert Method.from_dict(method.to_dict()) == method


@pytest.mark.parametrize("name", list(METHODS))
def test_method_yaml_round_trip(name, tmp_path):
    method = METHODS[name]
    text = yaml.safe_dump(method.to_dict(), allow_unicode=True, sort_keys=False)
    assert Method.from_dict(yaml.safe_load(text)) == method
    write_method(method, tmp_path / "method.yaml")
    assert read_method(tmp_path / "method.yaml") == method


def test_per_level_aggregation_is_kept_per_level():
    method = Method.from_dict({"aggregate": {2: "arithmetic", 3: "arithmetic"}})
    assert method.to_dict() == {"aggregate": {2: "arithmetic", 3: "arithmetic"}}
    assert method.aggregator(2) == Arithmetic() and method.aggregator(3) == Arithmetic()
    assert method.aggregator(4) == Arithmetic()  # levels not named: the default


# -- the step contract: states and capabilities -------------------------------------------------

# Cells known in both panels (MISSING blanks other cells), one per indicator column used.
KNOWN_CELLS = [(0, 2, 0), (1, 4, 1), (0, 3, 2), (1, 1, 3)]


def _apply(step: Step, values: np.ndarray, state: State, panel: Panel) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(step.apply(values, state, _context(panel)))


@pytest.mark.parametrize(("stage", "key", "cls"), DATA_STEPS, ids=DATA_IDS)
def test_states_are_frozen_with_read_only_arrays(stage, key, cls):
    for step in _specimens(stage, key, cls):
        for panel in _runs_on(stage, key):
            _, state, _ = _fit_apply(step, panel)
            fields = dataclasses.fields(state)
            if fields:
                with pytest.raises(dataclasses.FrozenInstanceError):
                    setattr(state, fields[0].name, None)
            arrays = [getattr(state, f.name) for f in fields]
            for part in getattr(state, "parts_", ()):
                arrays += [getattr(part, f.name) for f in dataclasses.fields(part)]
            for a in arrays:
                if isinstance(a, np.ndarray):
                    assert not a.flags.writeable


@pytest.mark.parametrize(("stage", "key", "cls"), DATA_STEPS, ids=DATA_IDS)
def test_apply_broadcasts_over_a_leading_batch_axis(stage, key, cls):
    # What replay and the analyses rely on: a batch of panels costs one call, equal to a loop.
    for step in _specimens(stage, key, cls):
        for panel in _runs_on(stage, key):
            values, state, out = _fit_apply(step, panel)
            other = values * 1.25
            batch = _apply(step, np.stack([values, other]), state, panel)
            np.testing.assert_array_equal(batch[0], out)
            np.testing.assert_array_equal(batch[1], _apply(step, other, state, panel))


@pytest.mark.parametrize(("stage", "key", "cls"), DATA_STEPS, ids=DATA_IDS)
def test_elementwise_steps_change_only_the_cell_that_changed(stage, key, cls):
    for step in _specimens(stage, key, cls):
        if not step.elementwise:
            continue
        for panel in _runs_on(stage, key):
            values, state, out = _fit_apply(step, panel)
            for cell in KNOWN_CELLS:
                moved = np.array(values)
                moved[cell] *= 1.3
                after = _apply(step, moved, state, panel)
                keep = np.ones(values.shape, dtype=bool)
                keep[cell] = False
                np.testing.assert_array_equal(after[keep], out[keep])


@pytest.mark.parametrize(("stage", "key", "cls"), DATA_STEPS, ids=DATA_IDS)
def test_affine_steps_are_affine_in_each_known_value(stage, key, cls):
    # Second differences vanish: f(x) − 2 f(x + h) + f(x + 2h) = 0 for every known cell.
    declared = 0
    for step in _specimens(stage, key, cls):
        if not step.affine:
            continue
        declared += 1
        assert step.elementwise  # affine is a kind of elementwise
        for panel in _runs_on(stage, key):
            values, state, _ = _fit_apply(step, panel)
            h = np.where(np.isnan(values), 0.0, 0.37 * (np.nanmax(values) - np.nanmin(values)))
            f0, f1, f2 = (_apply(step, values + k * h, state, panel) for k in (0, 1, 2))
            known = ~np.isnan(f0)
            tolerance = 1e-9 * (1 + np.abs(f0[known]).max())
            np.testing.assert_allclose((f0 - 2 * f1 + f2)[known], 0.0, atol=tolerance)
    if (stage, key) in {("normalise", "minmax"), ("normalise", "zscore"), ("treat", "none")}:
        assert declared  # the steps the analyses' exact paths rely on say so


def test_a_new_step_is_seen_through_its_capabilities_not_its_class():
    # A user's own aggregator that is a power mean gets the engine's fast path; one that is
    # affine in the data gets path's linear programme: nothing checks concrete classes.
    from zongheng.analysis.path import _Frozen, _task
    from zongheng.analysis.uncertainty.engine import _exponent
    from zongheng.steps.aggregate import Geometric

    @dataclasses.dataclass(frozen=True)
    class Mine(Geometric):
        key = "mine_geometric"

    @dataclasses.dataclass(frozen=True)
    class Halved(MinMax):
        key = "halved"

        def apply(self, values, state, ctx):
            return super().apply(values, state, ctx) / 2

    assert _exponent(Mine()) == 0.0
    assert _exponent(Arithmetic()) == 1.0
    method = zh.Method(normalise=Halved(), impute="mean")
    ev = zh.build(FW, MISSING, method)
    frozen = _Frozen(_task(ev, "u3", 1, None, None, None, None, None))
    assert frozen.affine and frozen.linear and frozen.per_unit


def test_context_is_frozen_and_the_screen_publishes_a_new_one():
    ctx = _context(COMPLETE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.included = None
    screen = zh.steps.screen.UnitList(exclude=("u2",))
    after = screen.publish(screen.fit(COMPLETE.values, ctx), ctx)
    assert after is not ctx and ctx.included.all() and not after.included[:, 1].any()
