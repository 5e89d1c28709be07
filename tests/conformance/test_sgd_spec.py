"""The SGD spec: torch.optim.SGD passes every check, with and without momentum, and each
deliberately broken SGD fails the check about its bug.

It also shows that the generic checks do not assume Adadelta: SGD keeps no step counter, takes
sparse grads and fused=True, and has a buffer that exists only under some hyperparameters.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
import torch
from broken_sgd import BROKEN_SGDS, SGDOracle
from hypothesis import strategies as st
from verdicts import expected_skips, verdict

import conformance
from conformance import OptimizerSpec, Outcome
from conformance.case import Case, GroupCase, ParamCase
from conformance.checks import checks_for
from conformance.oracle import run_oracle
from conformance.specs.sgd import SGD

# SGD takes sparse grads and fused=True and keeps no step counter; only CUDA may skip the rest.
SGD_SKIPS = expected_skips(SGD)
# How run_check reports a check whose own code raised.
CRASH = "the check raised "


def skipped(report: conformance.Report) -> set[str]:
    return {r.name for r in report.results if r.outcome is Outcome.SKIPPED}


def test_torch_sgd_passes_every_check_of_the_sgd_spec() -> None:
    report = conformance.check(torch.optim.SGD, spec="sgd")
    assert report.passed, report.render()
    assert report.spec == "SGD" and report.reference == "torch.optim.SGD"
    assert skipped(report) == SGD_SKIPS


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


def test_the_oracle_optimizer_passes_every_check_of_the_sgd_spec() -> None:
    report = conformance.check(SGDOracle, spec="sgd")
    assert report.passed, report.render()
    assert skipped(report) == SGD_SKIPS


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


@pytest.mark.parametrize("implementation", BROKEN_SGDS, ids=lambda cls: cls.__name__)
def test_sgd_spec_flags_broken_sgd_for_its_bug(implementation: type[Any]) -> None:
    result = verdict(implementation, implementation.expected_failing_check, SGD)
    assert result.outcome is Outcome.FAILED, result.message
    assert not result.message.startswith(CRASH), result.message
    assert implementation.expected_message in result.message, result.message
    assert implementation.expected_rule in result.rule, result.rule


def test_every_broken_sgd_names_a_check_of_the_spec() -> None:
    names = {check.name for check in checks_for(SGD)}
    assert {cls.expected_failing_check for cls in BROKEN_SGDS} <= names
