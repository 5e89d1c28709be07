"""Deterministic example cases, for the checks that need one good example rather than many."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from .case import Case, GroupCase, ParamCase, SeededValues, Values, contiguous_stride
from .strategies import round_to

__all__ = ["example_case", "example_param", "example_values"]


# Above this many elements a real tensor's values are seeded rather than listed: spelling them
# out would cost seconds and make snippets unreadable.
LISTED_ELEMENTS = 64


def example_values(shape: Sequence[int], dtype: torch.dtype, seed: int) -> Values:
    """Varied values in about [-3, 3]: listed with 3 decimals, exactly representable in
    ``dtype``; or, for a large real tensor, :class:`SeededValues`."""
    if math.prod(shape) > LISTED_ELEMENTS and not dtype.is_complex:
        return SeededValues(seed, math.prod(shape))
    generator = torch.Generator().manual_seed(seed)
    real = dtype.to_real() if dtype.is_complex else dtype
    count = math.prod(shape) * (2 if dtype.is_complex else 1)
    numbers = [round_to(real, round(float(x), 3)) for x in torch.randn(count, generator=generator)]
    if dtype.is_complex:
        return tuple(complex(a, b) for a, b in zip(numbers[::2], numbers[1::2], strict=True))
    return tuple(numbers)


def example_param(
    shape: Sequence[int], dtype: torch.dtype = torch.float32, seed: int = 0, device: str | None = None
) -> ParamCase:
    """A contiguous param with :func:`example_values`."""
    shape = tuple(shape)
    return ParamCase(shape, contiguous_stride(shape), dtype, example_values(shape, dtype, seed), device)


def example_case(
    params: Sequence[ParamCase],
    steps: int,
    constructor: Mapping[str, Any] | None = None,
    *,
    groups: Sequence[Sequence[int]] | None = None,
    group_options: Sequence[Mapping[str, Any]] | None = None,
    added_groups: int = 0,
    none_grads: Mapping[int, Sequence[int]] | None = None,
    smaller_after: int | None = None,
) -> Case:
    """A case with example grads at every step, except ``none_grads`` (step -> param indices)
    where the grad is None; after step ``smaller_after`` (if given) the grads are an eighth of
    the size (exactly), so averages of squared grads shrink and a running maximum of them
    keeps its earlier value. By default all params form one group."""
    group_params = groups if groups is not None else [range(len(params))]
    options = group_options if group_options is not None else [{}] * len(group_params)
    skipped = none_grads or {}
    def grad(step: int, i: int, param: ParamCase) -> Values | None:
        if i in skipped.get(step, ()):
            return None
        values = example_values(param.shape, param.dtype, 1000 * step + i)
        if smaller_after is None or step <= smaller_after or not isinstance(values, tuple):
            return values
        return tuple(v * 0.125 for v in values)

    step_grads = tuple(
        tuple(grad(step, i, p) for i, p in enumerate(params)) for step in range(1, steps + 1)
    )
    return Case(
        tuple(params),
        tuple(GroupCase(tuple(g), dict(o)) for g, o in zip(group_params, options, strict=True)),
        step_grads,
        dict(constructor or {}),
        added_groups=added_groups,
    )
