"""The oracle's run of a case: the documented algorithm's values after each step, in float64,
with the elementwise tolerance of each (see :mod:`conformance.tolerances`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from .case import (
    Case,
    constructed_hyperparameters,
    constructor_hyperparameters,
    hyperparameters_per_step,
    logical_tensor,
)
from .replay import Snapshot, as_real64
from .spec import OptimizerSpec
from .tolerances import ROUNDINGS_PER_OPERATION, RoundingPerturbation, unit_roundoff

__all__ = ["OracleRun", "run_oracle"]


@dataclass(frozen=True)
class OracleRun:
    """``expected[t]`` holds the values after step t + 1; ``bounds(t + 1)`` how far an
    implementation may be from each of them (same structure; its ``steps`` are exact)."""

    case: Case
    spec: OptimizerSpec
    expected: list[Snapshot]
    runs: tuple[tuple[RoundingPerturbation, list[Snapshot]], ...]

    def bounds(self, step: int) -> Snapshot:
        """The tolerances after 1-based ``step``: the larger of the bounds derived at the
        oracle's own point and at a nearby one. Computed on demand, as they cost a few
        backward passes."""
        first, *others = (
            _bounds(perturbation, snapshots[step - 1], self.spec, self.case)
            for perturbation, snapshots in self.runs
        )
        for other in others:
            first = Snapshot(
                tuple(torch.maximum(a, b) for a, b in zip(first.params, other.params, strict=True)),
                tuple(
                    None if a is None else {k: torch.maximum(v, b[k]) for k, v in a.items()}
                    for a, b in zip(first.buffers, other.buffers, strict=True)
                ),
                first.steps,
            )
        return first


def _detached(snapshot: Snapshot) -> Snapshot:
    return Snapshot(
        tuple(p.detach() for p in snapshot.params),
        tuple(None if b is None else {k: v.detach() for k, v in b.items()} for b in snapshot.buffers),
        snapshot.steps,
    )


def _bounds(
    perturbation: RoundingPerturbation, snapshot: Snapshot, spec: OptimizerSpec, case: Case
) -> Snapshot:
    dtypes = [p.dtype for p in case.params]
    params = perturbation.bounds(snapshot.params, dtypes)
    buffers: list[dict[str, Tensor] | None] = [None if b is None else {} for b in snapshot.buffers]
    names = dict.fromkeys(name for b in snapshot.buffers if b is not None for name in b)
    for name in names:
        outputs = [
            b[name] if b is not None and name in b else torch.zeros_like(p)
            for p, b in zip(snapshot.params, snapshot.buffers, strict=True)
        ]
        for i, bound in enumerate(perturbation.bounds(outputs, dtypes)):
            if buffers[i] is not None and name in snapshot.buffers[i]:
                buffers[i][name] = bound
    return Snapshot(tuple(params), tuple(buffers), snapshot.steps)


def _initial_buffers(
    case: Case, spec: OptimizerSpec, param: Tensor, index: int, options: dict[str, Any]
) -> dict[str, Tensor]:
    """The buffers param ``index`` starts with, in its dtype (as an implementation stores
    them), under its group's ``options`` or, if the spec says so, the constructor's."""
    if spec.initial_state_from_constructor:
        options = constructor_hyperparameters(case, spec)
    dtype = case.params[index].dtype
    real = dtype.to_real() if dtype.is_complex else dtype
    return {k: v.to(real).to(torch.float64) for k, v in spec.init_buffers(param, options).items()}


def _trajectory(case: Case, spec: OptimizerSpec, perturbation: RoundingPerturbation) -> list[Snapshot]:
    params = [as_real64(logical_tensor(p.values, p.shape, p.dtype)) for p in case.params]
    buffers: list[dict[str, Tensor] | None] = [None] * len(params)
    steps: list[float | None] = [None] * len(params)
    if spec.state_at_construction:
        built = constructed_hyperparameters(case, spec)
        for g, group in enumerate(case.groups[: len(case.groups) - case.added_groups]):
            for i in group.params:
                buffers[i] = _initial_buffers(case, spec, params[i], i, built[g])
                steps[i] = 0.0
    trajectory = []
    for hyperparameters, grads in zip(hyperparameters_per_step(case, spec), case.grads, strict=True):
        for i, values in enumerate(grads):
            if values is None:
                continue
            param_case = case.params[i]
            grad = as_real64(logical_tensor(values, param_case.shape, param_case.dtype))
            options = hyperparameters[case.group_of(i)]
            current = buffers[i]
            if current is None:
                current = _initial_buffers(case, spec, params[i], i, options)
            steps[i] = (steps[i] or 0.0) + 1.0
            perturbation.owner = i
            with perturbation:
                params[i], buffers[i] = spec.update(params[i], grad, current, options, int(steps[i]))
        counters = steps if spec.step_key is not None else [None] * len(steps)
        trajectory.append(Snapshot(tuple(params), tuple(buffers), tuple(counters)))
    return trajectory


def run_oracle(case: Case, spec: OptimizerSpec) -> OracleRun:
    """Step the case with the spec's float64 update, perturbed to derive tolerances."""
    exact = RoundingPerturbation()
    nearby = RoundingPerturbation(
        [ROUNDINGS_PER_OPERATION * unit_roundoff(p.dtype) for p in case.params]
    )
    at_exact = _trajectory(case, spec, exact)
    runs = ((exact, at_exact), (nearby, _trajectory(case, spec, nearby)))
    return OracleRun(case, spec, [_detached(s) for s in at_exact], runs)
