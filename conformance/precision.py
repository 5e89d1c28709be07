"""The precision bar of low-precision params: no worse than the algorithm done naively in the
param's dtype.

A bf16 or fp16 param cannot follow the float64 oracle within a rounding-error bound: its
rounding errors feed back through the state step after step, and implementations legitimately
differ in how much they keep (fp32 arithmetic inside a kernel, fp32 state, stochastic rounding,
Kahan summation). The bar others use is relative instead: the implementation's params end up no
farther from the oracle than those of the naive run, the spec's update rule evaluated on tensors
of the param's dtype (each torch operation rounding its result to it, as torch's for-loop
does), with a margin for the luck of single roundings. An implementation that keeps more
precision passes; one that rounds too early (state held in fewer bits, arithmetic in a coarser
dtype) fails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from .case import Case, constructor_hyperparameters, logical_tensor
from .spec import OptimizerSpec

__all__ = ["MARGIN_FACTOR", "MARGIN_ULPS", "allowed_error", "mean_ulps", "naive_params"]

# The bar is MARGIN_FACTOR × the naive run's error + MARGIN_ULPS. torch.optim's own paths stay
# within 2.5 × the naive error on the checks' cases (RMSprop's foreach path in bf16 is the
# worst); state rounded to 8 bits, or fp16 params stepped in bf16 arithmetic, land at 4 to 60 ×.
MARGIN_FACTOR = 3.0
MARGIN_ULPS = 1.0


def naive_params(case: Case, spec: OptimizerSpec) -> list[Tensor]:
    """The params after the case's steps, each step the spec's update rule on tensors of the
    param's dtype (params, grads and buffers), its results rounded to that dtype; as float64.

    The case has one group, built with the constructor's hyperparameters, and a grad for
    every param at every step.
    """
    hyperparameters = constructor_hyperparameters(case, spec)
    params = [logical_tensor(p.values, p.shape, p.dtype).to(p.dtype) for p in case.params]
    buffers: list[dict[str, Tensor] | None] = [None] * len(params)
    for step, grads in enumerate(case.grads, start=1):
        for i, (param_case, values) in enumerate(zip(case.params, grads, strict=True)):
            dtype = param_case.dtype
            grad = logical_tensor(values, param_case.shape, dtype).to(dtype)
            current = buffers[i]
            if current is None:
                initial = spec.init_buffers(params[i].to(torch.float64), hyperparameters)
                current = {key: value.to(dtype) for key, value in initial.items()}
            param, new = spec.update(params[i], grad, current, hyperparameters, step)
            params[i] = param.to(dtype)
            buffers[i] = {key: value.to(dtype) for key, value in new.items()}
    return [p.to(torch.float64) for p in params]


def mean_ulps(values: Sequence[Tensor], exact: Sequence[Tensor], dtypes: Sequence[torch.dtype]) -> float:
    """The mean over all elements of |value - exact|, in units in the last place of ``exact``
    in its param's dtype (below the smallest normal number, that of the smallest normal)."""
    errors = []
    for value, reference, dtype in zip(values, exact, dtypes, strict=True):
        info = torch.finfo(dtype)
        magnitude = reference.abs().clamp(min=info.tiny)
        mantissa_bits = -math.log2(info.eps)
        spacing = torch.exp2(torch.floor(torch.log2(magnitude)) - mantissa_bits)
        errors.append(((value - reference).abs() / spacing).flatten())
    return float(torch.cat(errors).mean())


def allowed_error(naive_error: float) -> float:
    """The largest mean error an implementation may have where the naive run has
    ``naive_error`` (both in units in the last place)."""
    return MARGIN_FACTOR * naive_error + MARGIN_ULPS
