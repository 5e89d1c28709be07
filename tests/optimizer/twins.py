"""Run adadelta_compiled.Adadelta and torch.optim.Adadelta side by side on identical params."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from torch import Tensor

import adadelta_compiled

# Every device a test can run on; CUDA cases skip with a reason where no GPU is present.
DEVICES = [pytest.param("cpu"), pytest.param("cuda", marks=pytest.mark.cuda)]

# Largest elementwise difference accepted after 100 steps, by dtype. Both implementations do the
# same operations, rounding at the same points; they differ only where torch's CPU square root
# (MKL's, within one ulp) is not correctly rounded, compounding over steps. So: fp32/fp64 a few
# ulp (far tighter than PyTorch's own compiled-vs-eager tolerance for Adadelta, rtol 5.5e-4 /
# atol 5e-5); bf16/fp16 four ulp of an O(1) value.
TOLERANCES: dict[torch.dtype, dict[str, float]] = {
    torch.float32: {"rtol": 1e-5, "atol": 1e-6},
    torch.complex64: {"rtol": 1e-5, "atol": 1e-6},
    torch.float64: {"rtol": 1e-12, "atol": 1e-14},
    torch.bfloat16: {"rtol": 4 * 2**-8, "atol": 4 * 2**-8},
    torch.float16: {"rtol": 4 * 2**-11, "atol": 4 * 2**-11},
}


@dataclass
class Twins:
    """The same params under both optimizers."""

    ours: adadelta_compiled.Adadelta
    torchs: torch.optim.Adadelta
    ours_params: list[Tensor]
    torch_params: list[Tensor]

    def step(self, grads: Sequence[Tensor | None]) -> None:
        """Give both the same grads (None leaves a param's grad unset) and step both."""
        for params in (self.ours_params, self.torch_params):
            for p, g in zip(params, grads, strict=True):
                p.grad = None if g is None else g.clone()
        self.ours.step()
        self.torchs.step()

    def assert_close(self, *, exact: bool = False, within: torch.dtype | None = None) -> None:
        """Params and state agree within :data:`TOLERANCES` (those of ``within`` for every
        tensor, if given: for params stepped with state of a narrower dtype), or bit for bit if
        ``exact``."""

        def tolerance(dtype: torch.dtype) -> dict[str, float]:
            return {"rtol": 0, "atol": 0} if exact else TOLERANCES[within or dtype]

        for ours, theirs in zip(self.ours_params, self.torch_params, strict=True):
            torch.testing.assert_close(ours, theirs, **tolerance(ours.dtype))
        for ours, theirs in zip(self.ours_params, self.torch_params, strict=True):
            ours_state, torch_state = self.ours.state[ours], self.torchs.state[theirs]
            assert ours_state.keys() == torch_state.keys()
            for key in ours_state:
                torch.testing.assert_close(
                    ours_state[key], torch_state[key], **tolerance(ours_state[key].dtype)
                )


def make_twins(
    tensors: Sequence[Tensor],
    groups: Callable[[list[Tensor]], Any] | None = None,
    device: str = "cpu",
    **kwargs: Any,
) -> Twins:
    """Two independent copies of ``tensors`` on ``device`` as Parameters, one per optimizer.

    ``groups`` turns a param list into the optimizer's ``params`` argument (param groups).
    """
    ours_params = [torch.nn.Parameter(t.clone().to(device)) for t in tensors]
    torch_params = [torch.nn.Parameter(t.clone().to(device)) for t in tensors]
    arrange = groups or (lambda ps: ps)
    ours = adadelta_compiled.Adadelta(arrange(ours_params), **copy.deepcopy(kwargs))
    torchs = torch.optim.Adadelta(arrange(torch_params), **copy.deepcopy(kwargs))
    return Twins(ours, torchs, ours_params, torch_params)


def random_grads(params: Sequence[Tensor], generator: torch.Generator) -> list[Tensor]:
    """Standard-normal grads in each param's memory layout, as autograd would lay them out."""
    return [
        torch.empty_like(p).copy_(torch.randn(p.shape, dtype=p.dtype, generator=generator))
        for p in params
    ]
