"""What the distributed tests hand to spawned ranks, which import it from here by name."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import torch
from torch import Tensor
from torch.distributed.tensor import DTensor, Replicate

import adadelta_compiled
from adadelta_compiled import kernel
from adadelta_compiled.functional import Hyperparameters, adadelta_step_


def _placements(tensor: Tensor) -> Any:
    return tensor.placements if isinstance(tensor, DTensor) else None


def _step_eagerly_where_placements_differ_(
    param: Tensor, grad: Tensor, square_avg: Tensor, acc_delta: Tensor, hp: Hyperparameters
) -> None:
    tensors = (param, grad, square_avg, acc_delta)
    if len({_placements(t) for t in tensors}) == 1:
        raise AssertionError(
            "stepped eagerly, not by the compiled kernel: "
            + ", ".join(f"{type(t).__name__} {_placements(t)}" for t in tensors)
        )
    adadelta_step_(*tensors, hp)


class KernelCheckedAdadelta(adadelta_compiled.Adadelta):
    """adadelta_compiled.Adadelta whose step fails if it runs the eager math where the compiled
    kernel should run: anywhere but on DTensors of differing placements (the scenarios' params
    are all dense, which the kernel always takes)."""

    def step(  # type: ignore[override]
        self, closure: Callable[[], float] | None = None
    ) -> float | None:
        with mock.patch.object(kernel, "adadelta_step_", _step_eagerly_where_placements_differ_):
            return super().step(closure)


class TreatsPartialGradsAsReduced(torch.optim.Adadelta):
    """Broken: takes each rank's part of a Partial grad, a sum still to be reduced over the
    ranks, for the whole grad."""

    @torch.no_grad()
    def step(  # type: ignore[override]
        self, closure: Callable[[], float] | None = None
    ) -> float | None:
        for group in self.param_groups:
            for param in group["params"]:
                grad = param.grad
                if isinstance(grad, DTensor) and any(p.is_partial() for p in grad.placements):
                    replicated = [Replicate()] * grad.device_mesh.ndim
                    param.grad = DTensor.from_local(
                        grad.to_local(), grad.device_mesh, replicated, run_check=False
                    )
        return super().step(closure)


def sleep_in_every_rank(rank: int, world_size: int) -> None:
    """A rank that never finishes."""
    time.sleep(3600)
