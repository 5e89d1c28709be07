"""An Adam that writes bf16 results back with stochastic rounding, as heavyball does: each value
rounds up or down at random, in proportion to its distance from its two neighbours, instead of
to the nearer. Its bits differ from torch's, but its error does not grow in expectation: it
keeps the documented semantics, and must pass every check of its spec."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from broken_adam import AdamOracle
from torch import Tensor

__all__ = ["StochasticRoundingAdam", "stochastic_bf16"]


def stochastic_bf16(value: Tensor, generator: torch.Generator) -> Tensor:
    """``value`` rounded to bfloat16 stochastically (float32's 16 low bits dithered, then cut),
    as float64."""
    bits = value.to(torch.float32).view(torch.int32)
    noise = torch.randint(0, 1 << 16, bits.shape, dtype=torch.int32, generator=generator)
    return ((bits + noise) & -(1 << 16)).view(torch.float32).to(torch.float64)


class StochasticRoundingAdam(AdamOracle):
    """The Adam oracle double, its bf16 params and buffers written back with stochastic
    rounding, from a seeded generator so that a run repeats."""

    def update(
        self, param: Tensor, grad: Tensor, buffers: Mapping[str, Tensor], hyperparameters: Mapping[str, object], step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        new_param, new_buffers = super().update(param, grad, buffers, hyperparameters, step)
        if self.current_param.dtype != torch.bfloat16:
            return new_param, new_buffers
        generator = self.__dict__.setdefault("_generator", torch.Generator().manual_seed(0))
        rounded = {key: stochastic_bf16(value, generator) for key, value in new_buffers.items()}
        return stochastic_bf16(new_param, generator), rounded
