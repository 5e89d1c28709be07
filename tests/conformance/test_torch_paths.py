"""A value one of torch's own paths produces for the same inputs passes, and only such a value:
the float64 oracle's tolerance is widened to torch's paths, never beyond them."""

from __future__ import annotations

from typing import Any

import torch
from broken_adam import AdamOracle, Buffers, Hyperparameters
from torch import Tensor
from verdicts import verdict

from conformance import Outcome
from conformance.specs.adam import ADAM


class DifferentiablePathArithmetic(AdamOracle):
    """Adam as torch.optim.Adam(differentiable=True) computes it: the bias corrections and the
    step size from the step counter, in the counter's dtype (float32)."""

    counter_dtype = torch.float32

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        decoupled = self.decoupled(hyperparameters)
        g = self.direction(param, grad, hyperparameters, decoupled)
        theta = self.decayed_param(param, hyperparameters, decoupled)
        new = self.moments(g, buffers, hyperparameters)
        beta1, beta2 = hyperparameters["betas"]
        counter = torch.tensor(float(step), dtype=self.counter_dtype)
        step_size_neg = (hyperparameters["lr"] / (1 - beta1**counter)).neg()
        second = new["max_exp_avg_sq" if hyperparameters["amsgrad"] else "exp_avg_sq"]
        denom = second.sqrt() / ((1 - beta2**counter).sqrt() * step_size_neg)
        denom = denom + hyperparameters["eps"] / step_size_neg
        return theta + new["exp_avg"] / denom, new


class BFloat16CounterArithmetic(DifferentiablePathArithmetic):
    """The same from a bfloat16 counter: no path of torch's rounds so coarsely."""

    counter_dtype = torch.bfloat16


def _bias_correction(implementation: Any) -> Any:
    return verdict(implementation, "bias_correction", ADAM)


def test_bias_correction_as_torchs_differentiable_path_computes_it_passes() -> None:
    result = _bias_correction(DifferentiablePathArithmetic)
    assert result.outcome is Outcome.PASSED, result.message


def test_bias_correction_rounded_coarser_than_any_torch_path_fails() -> None:
    result = _bias_correction(BFloat16CounterArithmetic)
    assert result.outcome is Outcome.FAILED, result.message
    assert "value, element" in result.message
