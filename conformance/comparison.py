"""Compare an implementation's snapshots with the oracle's, and say where and how they differ."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .case import Case
from .oracle import OracleRun
from .replay import Snapshot
from .spec import OptimizerSpec

__all__ = ["OracleComparison"]


def _describe_param(case: Case, index: int) -> str:
    param = case.params[index]
    return f"param {index} (shape {tuple(param.shape)}, {param.dtype})"


def _value_mismatch(what: str, expected: Tensor, actual: Tensor, bound: Tensor) -> str | None:
    if expected.shape != actual.shape:
        return f"{what} has shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
    error = (actual - expected).abs()
    both_nan = expected.isnan() & actual.isnan()
    error = torch.where(both_nan, 0.0, torch.nan_to_num(error, nan=torch.inf))
    if not bool((error > bound).any()):
        return None
    excess = torch.where(bound > 0, error / bound, torch.where(error > 0, torch.inf, 0.0))
    worst = torch.unravel_index(excess.argmax(), excess.shape) if excess.dim() else ()
    worst = tuple(int(i) for i in worst)
    relative = torch.where(expected != 0, error / expected.abs(), torch.where(error > 0, torch.inf, 0.0))
    return (
        f"{what}, element {worst}:\n"
        f"    expected {expected[worst].item()!r} (float64 oracle)\n"
        f"    actual   {actual[worst].item()!r}\n"
        f"    abs error {error[worst].item():.3g}, tolerance there {bound[worst].item():.3g}; "
        f"over the tensor: max abs error {error.max().item():.3g}, "
        f"max rel error {relative.max().item():.3g}, "
        f"{int((error > bound).sum())} of {error.numel()} elements out of tolerance"
    )


@dataclass(frozen=True)
class OracleComparison:
    """Compares an implementation's snapshots with the oracle's run of the same case."""

    case: Case
    spec: OptimizerSpec
    oracle: OracleRun

    def mismatch(self, step: int, actual: Snapshot) -> str | None:
        """What differs after 1-based ``step`` beyond tolerance, or None."""
        expected, bounds = self.oracle.expected[step - 1], self.oracle.bounds(step)
        for i in range(len(self.case.params)):
            problem = self._state_mismatch(i, step, expected, bounds, actual) or _value_mismatch(
                "value", expected.params[i], actual.params[i], bounds.params[i]
            )
            if problem is not None:
                return f"after step {step}, {_describe_param(self.case, i)}: {problem}"
        return None

    def _state_mismatch(
        self, i: int, step: int, expected: Snapshot, bounds: Snapshot, actual: Snapshot
    ) -> str | None:
        expected_buffers, actual_buffers = expected.buffers[i], actual.buffers[i]
        if not actual.state_exposed:
            return None
        if self.spec.step_key is None and not expected_buffers:  # no state under these options
            return None
        if expected_buffers is None:
            if actual_buffers is None:
                return None
            return "its grad has been None at every step, yet the optimizer created state for it"
        if actual_buffers is None:
            if all(grads[i] is None for grads in self.case.grads[:step]):
                return (
                    "its grad has been None at every step, and the optimizer holds no state "
                    f"for it, yet {self.spec.reference_name} creates every param's initial "
                    "state in its constructor"
                )
            return "it was stepped, yet the optimizer holds no state for it"
        if expected.steps[i] != actual.steps[i]:
            return (
                f"state[{self.spec.step_key!r}] is {actual.steps[i]!r}, "
                f"expected {expected.steps[i]!r} (the number of steps it had a grad)"
            )
        for name in expected_buffers:
            if name not in actual_buffers:
                return f"its state has no {name!r}"
            problem = _value_mismatch(
                f"state[{name!r}]",
                expected_buffers[name],
                actual_buffers[name],
                bounds.buffers[i][name],
            )
            if problem is not None:
                return problem
        return None
