"""Tolerances come from a rounding-error analysis of the oracle: tight where the math is
well conditioned, wide exactly where it cancels."""

from __future__ import annotations

import pytest
import torch

from conformance.specs.adadelta import ADADELTA
from conformance.case import Case, GroupCase, ParamCase
from conformance.oracle import run_oracle
from conformance.tolerances import ROUNDINGS_PER_OPERATION, unit_roundoff


def one_step(
    dtype: torch.dtype, theta: float, grad: float, decay: float
) -> tuple[float, float, float, float]:
    """(bound on θ, |θ update|, v, bound on v) after one step of a scalar."""
    case = Case(
        (ParamCase((), (), dtype, (theta,)),),
        (GroupCase((0,)),),
        (((grad,),),),
        {"lr": 1.0, "rho": 0.5, "eps": 1e-6, "weight_decay": decay, "maximize": False},
    )
    oracle = run_oracle(case, ADADELTA)
    update = abs(oracle.expected[0].params[0].item() - theta)
    bounds = oracle.bounds(1)
    v = oracle.expected[0].buffers[0]["square_avg"].item()
    return bounds.params[0].item(), update, v, bounds.buffers[0]["square_avg"].item()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_param_bound_is_a_few_roundings_of_the_values_involved(dtype: torch.dtype) -> None:
    bound, update, _, _ = one_step(dtype, theta=1.0, grad=0.5, decay=0.0)
    assert 0 < bound < 20 * ROUNDINGS_PER_OPERATION * unit_roundoff(dtype) * (1.0 + update)


def test_fp32_bound_is_a_millionth_of_the_update_so_real_bugs_cannot_hide() -> None:
    bound, update, _, _ = one_step(torch.float32, theta=1.0, grad=0.5, decay=0.0)
    assert bound < 1e-5 * update + 1e-6


def test_bound_allows_the_rounding_of_terms_that_cancel() -> None:
    # g = grad + λθ = -0.3125 + 0.25 · 1.25 = 0 exactly, but an fp32 implementation rounds λ
    # and λθ: its v may hold (1 - ρ)(u·λθ)², which a bound relative to v (= 0) would reject.
    _, _, v, bound = one_step(torch.float32, theta=1.25, grad=-0.3125, decay=0.25)
    assert v == 0.0
    assert bound > (1 - 0.5) * (unit_roundoff(torch.float32) * 0.3125) ** 2
