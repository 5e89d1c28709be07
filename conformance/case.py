"""A reproducible optimizer scenario as plain data: params, groups, grads per step, changes.

A :class:`Case` is what hypothesis draws and shrinks. :mod:`conformance.replay` runs it on an
implementation and on the oracle; :mod:`conformance.snippet` renders it as code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from .spec import OptimizerSpec

__all__ = [
    "Case",
    "FillLR",
    "GroupCase",
    "ParamCase",
    "SeededValues",
    "SparseGrad",
    "TensorLR",
    "constructed_hyperparameters",
    "constructor_hyperparameters",
    "contiguous_stride",
    "folded",
    "hyperparameters_per_step",
    "logical_tensor",
]



@dataclass(frozen=True)
class SeededValues:
    """``count`` real values of ``torch.randn`` under ``seed``, in float64: how a case spells a
    tensor too large to list. With a ``period``, the first ``period`` values repeat."""

    seed: int
    count: int
    period: int | None = None

    def tensor(self) -> Tensor:
        generator = torch.Generator().manual_seed(self.seed)
        drawn = torch.randn(self.period or self.count, generator=generator, dtype=torch.float64)
        return drawn.repeat(-(-self.count // drawn.numel()) if drawn.numel() else 1)[: self.count]

    def one_period(self) -> SeededValues:
        """The values of one period: the same seed, ``period`` values."""
        assert self.period is not None
        return SeededValues(self.seed, self.period)


# Floats (complex numbers for complex params) in row-major order, or seeded real values.
Values = tuple[Any, ...] | SeededValues


@dataclass(frozen=True)
class SparseGrad:
    """A sparse COO grad: ``values`` at row-major element ``indices``. Repeated indices make
    an uncoalesced tensor whose entries there add up; with ``coalesce``, the grad is built
    coalesced (duplicates summed)."""

    indices: tuple[int, ...]
    values: tuple[float, ...]
    coalesce: bool = False


# A grad as a case spells it.
Grad = Values | SparseGrad


@dataclass(frozen=True)
class TensorLR:
    """A 1-element float32 Tensor ``lr`` of the given shape (``()`` or ``(1,)``), on the CPU
    or, with ``on_params_device``, on the run's device."""

    value: float
    shape: tuple[int, ...] = ()
    on_params_device: bool = False


@dataclass(frozen=True)
class FillLR:
    """A change that writes a new value into a group's Tensor hyperparameter in place: a
    Tensor ``lr``, or (``value`` a tuple) each Tensor of a tuple such as Adam's ``betas``."""

    value: float | tuple[float, ...]


@dataclass(frozen=True)
class ParamCase:
    """A leaf param: its size, strides (the memory layout), dtype, values and device (None:
    the run's device)."""

    shape: tuple[int, ...]
    stride: tuple[int, ...]
    dtype: torch.dtype
    values: Values
    device: str | None = None


@dataclass(frozen=True)
class GroupCase:
    """A param group: indices into :attr:`Case.params` and the options it sets itself."""

    params: tuple[int, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """Params in groups, an optimizer built with ``constructor`` keywords, stepped once per
    entry of ``grads``. The last ``added_groups`` groups are added with ``add_param_group``
    right after construction.

    ``grads[t][i]`` is the grad of param ``i`` at step ``t + 1`` (None: ``p.grad = None``;
    the oracle steps a :class:`SparseGrad` as its dense equivalent).
    ``changes[t]`` maps a group index to the options assigned in ``param_groups`` just before
    step ``t + 1`` (a :class:`FillLR` fills the group's Tensor ``lr`` in place instead).
    """

    params: tuple[ParamCase, ...]
    groups: tuple[GroupCase, ...]
    grads: tuple[tuple[Grad | None, ...], ...]
    constructor: Mapping[str, Any] = field(default_factory=dict)
    changes: tuple[Mapping[int, Mapping[str, Any]], ...] = ()
    added_groups: int = 0

    @property
    def steps(self) -> int:
        return len(self.grads)

    @property
    def plain_params(self) -> bool:
        """Whether the optimizer is built over a plain list of params (one group, no options
        of its own), the commonest call and the only one some optimizers take."""
        return len(self.groups) == 1 and not self.groups[0].options and not self.added_groups

    def group_of(self, param: int) -> int:
        return next(g for g, group in enumerate(self.groups) if param in group.params)

    def changes_before(self, step: int) -> Mapping[int, Mapping[str, Any]]:
        """The changes applied just before 1-based ``step``."""
        return self.changes[step - 1] if step - 1 < len(self.changes) else {}


def contiguous_stride(shape: Sequence[int]) -> tuple[int, ...]:
    stride, running = [], 1
    for size in reversed(shape):
        stride.append(running)
        running *= max(size, 1)
    return tuple(reversed(stride))


def logical_tensor(values: Grad, shape: tuple[int, ...], dtype: torch.dtype) -> Tensor:
    """The values as a contiguous float64 (complex128 for complex dtypes) CPU tensor; seeded
    values rounded to ``dtype``, as a param or grad of that dtype holds them; a sparse grad's
    dense equivalent."""
    wide = torch.complex128 if dtype.is_complex else torch.float64
    if isinstance(values, SparseGrad):
        indices = torch.tensor(values.indices, dtype=torch.long)
        entries = torch.tensor(values.values, dtype=wide)
        return torch.zeros(math.prod(shape), dtype=wide).index_add_(0, indices, entries).reshape(shape)
    if isinstance(values, SeededValues):
        return values.tensor().to(dtype).to(wide).reshape(shape)
    return torch.tensor(values, dtype=wide).reshape(shape)


def _plain(value: Any) -> Any:
    if isinstance(value, TensorLR | FillLR):
        if isinstance(value.value, tuple):  # Tensor betas filled in place
            return tuple(_plain(FillLR(v)) for v in value.value)
        return torch.tensor(value.value, dtype=torch.float32).item()  # what the tensor holds
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def constructor_hyperparameters(case: Case, spec: OptimizerSpec) -> dict[str, Any]:
    """The constructor's hyperparameters, defaults filled in (``optimizer.defaults``), Tensor
    lr read as a float."""
    return {k: _plain(v) for k, v in {**spec.defaults, **case.constructor}.items()}


def constructed_hyperparameters(case: Case, spec: OptimizerSpec) -> list[dict[str, Any]]:
    """Each group's hyperparameters as it is built (or added), Tensor lr read as a float."""
    constructor = constructor_hyperparameters(case, spec)
    return [
        {**constructor, **{k: _plain(v) for k, v in group.options.items()}} for group in case.groups
    ]


def hyperparameters_per_step(case: Case, spec: OptimizerSpec) -> list[list[dict[str, Any]]]:
    """Each group's effective hyperparameters at each step, Tensor lr read as a float."""
    current = constructed_hyperparameters(case, spec)
    per_step = []
    for step in range(1, case.steps + 1):
        for group, options in case.changes_before(step).items():
            current[group] = {**current[group], **options}
        per_step.append([{k: _plain(v) for k, v in options.items()} for options in current])
    return per_step


def folded(case: Case) -> Case:
    """``case`` with every periodic 1-d param (its values and all its grads repeating with one
    period) cut to one period. The oracle steps each element on its own, so the folded case's
    oracle values, repeated, are the whole case's: what makes large tensors cheap to check."""
    params, columns = list(case.params), [list(step) for step in case.grads]
    for i, param in enumerate(case.params):
        grads = [step[i] for step in case.grads]
        period = param.values.period if isinstance(param.values, SeededValues) else None
        periodic = period is not None and len(param.shape) == 1 and param.stride == (1,)
        if not periodic or not all(
            g is None or (isinstance(g, SeededValues) and g.period == period) for g in grads
        ):
            continue
        params[i] = ParamCase((period,), (1,), param.dtype, param.values.one_period(), param.device)
        for step, grad in zip(columns, grads, strict=True):
            step[i] = None if grad is None else grad.one_period()
    return Case(tuple(params), case.groups, tuple(map(tuple, columns)), case.constructor, case.changes, case.added_groups)
