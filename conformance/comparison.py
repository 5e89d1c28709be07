"""Compare an implementation's snapshots with the oracle's, and say where and how they differ."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .case import Case
from .oracle import OracleRun
from .replay import Snapshot
from .spec import OptimizerSpec

__all__ = ["MAX_DIFFERENCES", "OracleComparison", "within_bounds"]

# A failure lists at most this many differences (tensors out of tolerance), then counts the rest.
MAX_DIFFERENCES = 6


def _describe_param(case: Case, index: int) -> str:
    param = case.params[index]
    return f"param {index} (shape {tuple(param.shape)}, {param.dtype})"


def _errors(expected: Tensor, actual: Tensor) -> Tensor:
    error = (actual - expected).abs()
    both_nan = expected.isnan() & actual.isnan()
    return torch.where(both_nan, 0.0, torch.nan_to_num(error, nan=torch.inf))


def within_bounds(expected: Tensor, actual: Tensor, bound: Tensor) -> bool:
    """Whether ``actual`` has ``expected``'s shape and is within ``bound`` of it elementwise."""
    return expected.shape == actual.shape and not bool((_errors(expected, actual) > bound).any())


def _value_mismatch(what: str, expected: Tensor, actual: Tensor, bound: Tensor) -> str | None:
    if expected.shape != actual.shape:
        return f"{what} has shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
    error = _errors(expected, actual)
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
    """Compares an implementation's snapshots with the oracle's run of the same case.

    Params are compared always; the state's buffers only with ``judge_state`` (the
    ``state_values`` check), and only those whose names the spec gives.
    """

    case: Case
    spec: OptimizerSpec
    oracle: OracleRun
    judge_state: bool = False

    def differences(self, step: int, actual: Snapshot) -> list[str]:
        """Every value that differs after 1-based ``step`` beyond tolerance."""
        expected, bounds = self.oracle.expected[step - 1], self.oracle.bounds(step)
        found = []
        for i in range(len(self.case.params)):
            problems = [
                _value_mismatch("value", expected.params[i], actual.params[i], bounds.params[i])
            ]
            if self.judge_state and actual.state_exposed:
                problems += self._state_mismatches(i, expected, bounds, actual)
            found += [f"{_describe_param(self.case, i)}: {p}" for p in problems if p is not None]
        return found

    def mismatch(self, step: int, actual: Snapshot) -> str | None:
        """What differs after 1-based ``step`` beyond tolerance (the first few), or None."""
        found = self.differences(step, actual)
        if not found:
            return None
        shown = [f"after step {step}, {difference}" for difference in found[:MAX_DIFFERENCES]]
        more = len(found) - MAX_DIFFERENCES
        tail = [f"(and {more} more tensors out of tolerance)"] if more > 0 else []
        return "\n".join(shown + tail)

    def _state_mismatches(
        self, i: int, expected: Snapshot, bounds: Snapshot, actual: Snapshot
    ) -> list[str | None]:
        expected_buffers, actual_buffers = expected.buffers[i], actual.buffers[i]
        if expected_buffers and actual_buffers is None:
            return ["it was stepped, yet the optimizer holds no state for it"]
        if expected_buffers is None or actual_buffers is None:
            return []
        return [
            _value_mismatch(
                f"state[{name!r}]", expected_buffers[name], actual_buffers[name], bounds.buffers[i][name]
            )
            for name in expected_buffers
            if name in actual_buffers
        ]
