"""The float64 oracle follows the documented algorithm, worked out by hand for one scalar."""

from __future__ import annotations

import math

import pytest
import torch

from conformance.specs.adadelta import ADADELTA, adadelta_update
from conformance.case import Case, GroupCase, ParamCase
from conformance.oracle import run_oracle


def by_hand(theta: float, grads: list[float], lr: float, rho: float, eps: float, decay: float,
            maximize: bool) -> list[tuple[float, float, float]]:
    """(θ, v, u) after each step, from the pseudocode with Python floats."""
    v = u = 0.0
    trajectory = []
    for grad in grads:
        g = -grad if maximize else grad
        g += decay * theta
        v = rho * v + (1 - rho) * g * g
        delta = math.sqrt(u + eps) / math.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        theta -= lr * delta
        trajectory.append((theta, v, u))
    return trajectory


@pytest.mark.parametrize("maximize", [False, True])
def test_oracle_trajectory_matches_the_pseudocode_worked_by_hand(maximize: bool) -> None:
    options = {"lr": 0.5, "rho": 0.8, "eps": 1e-3, "weight_decay": 0.25, "maximize": maximize}
    grads = [0.5, -1.25, 0.0]
    case = Case(
        (ParamCase((), (), torch.float64, (1.5,)),),
        (GroupCase((0,)),),
        tuple((g,) for g in grads),
        options,
    )
    expected = by_hand(1.5, grads, options["lr"], options["rho"], options["eps"], 0.25, maximize)
    for snapshot, (theta, v, u) in zip(run_oracle(case, ADADELTA).expected, expected, strict=True):
        assert snapshot.params[0].item() == pytest.approx(theta, rel=1e-15)
        assert snapshot.buffers[0]["square_avg"].item() == pytest.approx(v, rel=1e-15)
        assert snapshot.buffers[0]["acc_delta"].item() == pytest.approx(u, rel=1e-15)


def test_update_with_rho_one_moves_by_the_raw_gradient() -> None:
    buffers = {"square_avg": torch.zeros(2, dtype=torch.float64), "acc_delta": torch.zeros(2, dtype=torch.float64)}
    options = {"lr": 1.0, "rho": 1.0, "eps": 1e-6, "weight_decay": 0.0, "maximize": False}
    param, after = adadelta_update(
        torch.ones(2, dtype=torch.float64),
        torch.tensor([0.5, -2.0], dtype=torch.float64),
        buffers,
        options,
        step=1,
    )
    assert param.tolist() == [0.5, 3.0]
    assert after["square_avg"].tolist() == [0.0, 0.0]


def test_oracle_creates_no_state_and_keeps_the_value_of_a_param_without_grad() -> None:
    case = Case(
        (ParamCase((2,), (1,), torch.float32, (1.0, -1.0)),) * 2,
        (GroupCase((0, 1)),),
        (((0.5, 0.5), None),),
    )
    after = run_oracle(case, ADADELTA)
    assert after.expected[0].buffers[1] is None
    assert after.expected[0].params[1].tolist() == [1.0, -1.0]
    assert after.bounds(1).params[1].tolist() == [0.0, 0.0]
