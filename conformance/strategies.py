"""Hypothesis strategies for the pieces of a :class:`Case`.

Shapes come from a small fixed menu of layouts: an implementation that compiles per shape
compiles a bounded number of kernels, however many examples are drawn. Values are exactly
representable in the param's dtype, so the oracle starts from what the implementation holds.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from .case import Case, GroupCase, ParamCase, Values
from .spec import OptimizerSpec

__all__ = [
    "ALL_LAYOUTS",
    "DENSE_LAYOUTS",
    "LAYOUTS",
    "MATH_DTYPES",
    "draw_grads",
    "grads",
    "grouped_case",
    "hyperparameters",
    "param_cases",
    "round_to",
    "single_group_case",
    "values",
]

# name -> (size, stride)
LAYOUTS: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "0-d": ((), ()),
    "vector": ((3,), (1,)),
    "matrix": ((2, 3), (3, 1)),
    "empty": ((0,), (1,)),
    "transposed": ((2, 3), (1, 2)),
    "strided": ((3,), (2,)),
    "channels_last": ((1, 2, 2, 2), (8, 1, 4, 2)),
}
DENSE_LAYOUTS = ("0-d", "vector", "matrix")
ALL_LAYOUTS = tuple(LAYOUTS)
MATH_DTYPES = (torch.float32, torch.float64)

_WIDTH = {torch.float16: 16, torch.float64: 64}


def _real(dtype: torch.dtype) -> torch.dtype:
    return dtype.to_real() if dtype.is_complex else dtype


def round_to(dtype: torch.dtype, value: float) -> float:
    """``value`` rounded to the nearest ``dtype`` number."""
    return torch.tensor(value, dtype=dtype).item()


def _element(dtype: torch.dtype) -> SearchStrategy[Any]:
    real = _real(dtype)
    strategy = st.floats(-4.0, 4.0, allow_subnormal=False, width=_WIDTH.get(real, 32))
    if real == torch.bfloat16:
        strategy = strategy.map(lambda value: round_to(torch.bfloat16, value))
    if dtype.is_complex:
        return st.builds(complex, strategy, strategy)
    return strategy


def values(dtype: torch.dtype, shape: Sequence[int]) -> SearchStrategy[Values]:
    """Row-major values for a tensor of ``shape``, exactly representable in ``dtype``."""
    size = math.prod(shape)
    return st.lists(_element(dtype), min_size=size, max_size=size).map(tuple)


@st.composite
def param_cases(
    draw: st.DrawFn, dtypes: Sequence[torch.dtype], layouts: Sequence[str] = DENSE_LAYOUTS
) -> ParamCase:
    """A param of one of ``dtypes``, laid out as one of ``layouts``."""
    shape, stride = LAYOUTS[draw(st.sampled_from(layouts))]
    dtype = draw(st.sampled_from(dtypes))
    return ParamCase(shape, stride, dtype, draw(values(dtype, shape)))


def grads(params: Sequence[ParamCase], none: bool = False) -> SearchStrategy[tuple[Values | None, ...]]:
    """One step's grads; with ``none``, any of them may be None."""
    per_param = [values(p.dtype, p.shape) for p in params]
    if none:
        per_param = [st.one_of(st.none(), strategy) for strategy in per_param]
    return st.tuples(*per_param)


def hyperparameters(
    spec: OptimizerSpec,
    dtype: torch.dtype,
    overrides: Mapping[str, SearchStrategy[Any]] | None = None,
    optional: bool = False,
    left_out: Collection[str] = (),
) -> SearchStrategy[dict[str, Any]]:
    """Values for the spec's hyperparameters (only some of them, if ``optional``), but for
    those ``left_out``."""
    space = {**spec.hyperparameter_space(dtype), **(overrides or {})}
    space = {key: strategy for key, strategy in space.items() if key not in left_out}
    if optional:
        return st.fixed_dictionaries({}, optional=space)
    return st.fixed_dictionaries(space)


def draw_grads(
    data: st.DataObject, params: Sequence[ParamCase], *, none: bool = False, max_steps: int = 4
) -> tuple[tuple[Values | None, ...], ...]:
    """Draw (with labels) the number of steps, then each step's grads."""
    steps = data.draw(st.integers(1, max_steps), label="steps")
    return tuple(
        data.draw(grads(params, none), label=f"grads at step {t}") for t in range(1, steps + 1)
    )


def single_group_case(
    data: st.DataObject,
    spec: OptimizerSpec,
    *,
    dtypes: Sequence[torch.dtype] = MATH_DTYPES,
    layouts: Sequence[str] = DENSE_LAYOUTS,
    overrides: Mapping[str, SearchStrategy[Any]] | None = None,
    mixed_dtypes: bool = False,
    none_grads: bool = False,
) -> Case:
    """Draw (with labels) up to three params in one group, the constructor's hyperparameters
    and up to four steps of grads.

    Params share one dtype; with ``mixed_dtypes``, param 0 has ``dtypes[0]`` and the others
    any of ``dtypes``. The hyperparameter space is param 0's.
    """
    first = data.draw(st.sampled_from(dtypes[:1] if mixed_dtypes else dtypes), label="dtype")
    others = dtypes if mixed_dtypes else [first]
    count = data.draw(st.integers(1, 3), label="number of params")
    params = tuple(
        data.draw(param_cases([first] if i == 0 else others, layouts), label=f"param {i}")
        for i in range(count)
    )
    constructor = data.draw(hyperparameters(spec, first, overrides), label="hyperparameters")
    step_grads = draw_grads(data, params, none=none_grads)
    return Case(params, (GroupCase(tuple(range(count))),), step_grads, constructor)


def grouped_case(
    data: st.DataObject, spec: OptimizerSpec, *, min_groups: int = 1, max_groups: int = 3
) -> Case:
    """Draw (with labels) ``min_groups`` to ``max_groups`` groups of one or two params, each
    group setting some hyperparameters itself, the constructor others, and up to four steps
    of grads."""
    dtype = data.draw(st.sampled_from(MATH_DTYPES), label="dtype")
    sizes = [
        data.draw(st.integers(1, 2), label=f"params in group {g}")
        for g in range(data.draw(st.integers(min_groups, max_groups), label="number of groups"))
    ]
    params = tuple(
        data.draw(param_cases([dtype]), label=f"param {i}") for i in range(sum(sizes))
    )
    bounds = [sum(sizes[:g]) for g in range(len(sizes) + 1)]
    groups = tuple(
        GroupCase(
            tuple(range(bounds[g], bounds[g + 1])),
            data.draw(hyperparameters(spec, dtype, optional=True), label=f"group {g} options"),
        )
        for g in range(len(sizes))
    )
    constructor = data.draw(
        hyperparameters(spec, dtype, optional=True), label="constructor hyperparameters"
    )
    return Case(params, groups, draw_grads(data, params), constructor)
