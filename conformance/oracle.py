"""The oracle's run of a case: the documented algorithm's values after each step, in float64,
with the elementwise tolerance of each (see :mod:`conformance.tolerances`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .case import Case, hyperparameters_per_step, logical_tensor
from .replay import Snapshot, as_real64
from .spec import OptimizerSpec
from .tolerances import RoundingPerturbation

__all__ = ["OracleRun", "run_oracle"]


@dataclass(frozen=True)
class OracleRun:
    """``expected[t]`` holds the values after step t + 1; ``bounds(t + 1)`` how far an
    implementation may be from each of them (same structure; its ``steps`` are exact)."""

    case: Case
    spec: OptimizerSpec
    expected: list[Snapshot]
    perturbation: RoundingPerturbation
    perturbed: list[Snapshot]

    def bounds(self, step: int) -> Snapshot:
        """The tolerances after 1-based ``step``; computed on demand, as they cost a few
        backward passes."""
        return _bounds(self.perturbation, self.perturbed[step - 1], self.spec, self.case)


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
    for name in spec.buffers:
        outputs = [
            torch.zeros_like(p) if b is None else b[name]
            for p, b in zip(snapshot.params, snapshot.buffers, strict=True)
        ]
        for i, bound in enumerate(perturbation.bounds(outputs, dtypes)):
            if buffers[i] is not None:
                buffers[i][name] = bound
    return Snapshot(tuple(params), tuple(buffers), snapshot.steps)


def run_oracle(case: Case, spec: OptimizerSpec) -> OracleRun:
    """Step the case with the spec's float64 update, perturbed to derive tolerances."""
    params = [as_real64(logical_tensor(p.values, p.shape, p.dtype)) for p in case.params]
    buffers: list[dict[str, Tensor] | None] = [None] * len(params)
    steps: list[float | None] = [None] * len(params)
    perturbation = RoundingPerturbation()
    perturbed = []
    for hyperparameters, grads in zip(hyperparameters_per_step(case, spec), case.grads, strict=True):
        for i, values in enumerate(grads):
            if values is None:
                continue
            param_case = case.params[i]
            grad = as_real64(logical_tensor(values, param_case.shape, param_case.dtype))
            current = buffers[i] if buffers[i] is not None else spec.init_buffers(params[i])
            perturbation.owner = i
            with perturbation:
                params[i], buffers[i] = spec.update(
                    params[i], grad, current, hyperparameters[case.group_of(i)]
                )
            steps[i] = (steps[i] or 0.0) + 1.0
        counters = steps if spec.step_key is not None else [None] * len(steps)
        perturbed.append(Snapshot(tuple(params), tuple(buffers), tuple(counters)))
    expected = [_detached(snapshot) for snapshot in perturbed]
    return OracleRun(case, spec, expected, perturbation, perturbed)
