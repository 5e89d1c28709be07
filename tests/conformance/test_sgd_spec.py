"""The SGD spec: torch.optim.SGD passes the drawing checks with and without momentum, and the
oracle follows the pseudocode worked by hand (every check on every path of torch.optim.SGD:
test_torch_variants.py; the broken SGDs: test_broken_variants.py).

It also shows that the generic checks do not assume Adadelta: SGD keeps no step counter, takes
sparse grads and fused=True, and has a buffer that exists only under some hyperparameters.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
import torch
from hypothesis import strategies as st

import conformance
from conformance import OptimizerSpec
from conformance.case import Case, GroupCase, ParamCase
from conformance.oracle import run_oracle
from conformance.specs.sgd import SGD

def momentum_pinned(momentum: st.SearchStrategy[float]) -> OptimizerSpec:
    """The SGD spec with every drawn case's momentum from ``momentum``."""

    def space(dtype: torch.dtype) -> dict[str, st.SearchStrategy[Any]]:
        return {**SGD.hyperparameter_space(dtype), "momentum": momentum}

    return dataclasses.replace(SGD, hyperparameter_space=space)


# The property checks that draw every hyperparameter from the spec's space.
DRAWING_CHECKS = (
    "dtypes or complex_params or memory_layouts or per_group_hyperparameters or "
    "hyperparameter_changes or none_grad_skipped or zero_grad_stepped or grads_not_modified"
)


@pytest.mark.parametrize(
    "momentum", [st.just(0.0), st.floats(1 / 16, 0.99)], ids=["without momentum", "with momentum"]
)
def test_torch_sgd_passes_the_drawing_checks_with_and_without_momentum(
    momentum: st.SearchStrategy[float],
) -> None:
    # Without momentum SGD keeps no state at all; with it, a buffer seeded at its first step.
    report = conformance.check(torch.optim.SGD, spec=momentum_pinned(momentum), select=DRAWING_CHECKS)
    assert report.passed, report.render()
    assert len(report.results) == 8


def by_hand(theta: float, grads: list[float], lr: float, momentum: float, dampening: float,
            decay: float, nesterov: bool, maximize: bool) -> list[tuple[float, float]]:
    """(θ, b) after each step, from the pseudocode with Python floats."""
    buffer = math.nan
    trajectory = []
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        g += decay * theta
        buffer = g if t == 1 else momentum * buffer + (1 - dampening) * g
        g = g + momentum * buffer if nesterov else buffer
        theta -= lr * g
        trajectory.append((theta, buffer))
    return trajectory


@pytest.mark.parametrize(
    ("dampening", "nesterov", "maximize"), [(0.25, False, False), (0.0, True, True)]
)
def test_oracle_trajectory_matches_the_pseudocode_worked_by_hand(
    dampening: float, nesterov: bool, maximize: bool
) -> None:
    options = {"lr": 0.5, "momentum": 0.75, "dampening": dampening, "weight_decay": 0.125,
               "nesterov": nesterov, "maximize": maximize}
    grads = [0.5, -1.25, 0.0]
    case = Case((ParamCase((), (), torch.float64, (1.5,)),), (GroupCase((0,)),),
                tuple((g,) for g in grads), options)
    expected = by_hand(1.5, grads, 0.5, 0.75, dampening, 0.125, nesterov, maximize)
    for snapshot, (theta, buffer) in zip(run_oracle(case, SGD).expected, expected, strict=True):
        assert snapshot.params[0].item() == pytest.approx(theta, rel=1e-15)
        assert snapshot.buffers[0]["momentum_buffer"].item() == pytest.approx(buffer, rel=1e-15)


def test_without_momentum_the_oracle_keeps_no_state() -> None:
    case = Case((ParamCase((2,), (1,), torch.float64, (1.0, -1.0)),), (GroupCase((0,)),),
                (((0.5, 0.5),),), {"lr": 0.5})
    (snapshot,) = run_oracle(case, SGD).expected
    assert snapshot.params[0].tolist() == [0.75, -1.25]
    assert snapshot.buffers[0] == {}
