"""Low-precision params are judged by a relative bar: an implementation more careful than
torch's for-loop passes, however its bits differ; one that loses precision fails."""

from __future__ import annotations

import torch
from broken_adam import AdamOracle
from stochastic_rounding import StochasticRoundingAdam
from verdicts import expected_skips

import conformance
from conformance import Outcome
from conformance.specs.adam import ADAM


def _bf16_params_after_steps(factory: type[torch.optim.Optimizer]) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    param = torch.randn(64, generator=generator).bfloat16().requires_grad_()
    optimizer = factory([param], lr=0.01)
    for _ in range(4):
        param.grad = torch.randn(64, generator=generator).bfloat16()
        optimizer.step()
    return param.detach()


def test_stochastic_rounding_changes_the_bits_of_bf16_params() -> None:
    rounded_to_nearest = _bf16_params_after_steps(AdamOracle)
    assert not torch.equal(_bf16_params_after_steps(StochasticRoundingAdam), rounded_to_nearest)


def test_stochastic_rounding_of_bf16_params_passes_every_check() -> None:
    report = conformance.check(StochasticRoundingAdam, spec=ADAM)
    assert report.passed, report.render()
    skipped = {r.name for r in report.results if r.outcome is Outcome.SKIPPED}
    assert skipped == expected_skips(ADAM)
