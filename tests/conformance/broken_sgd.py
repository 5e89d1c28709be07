"""Deliberately broken SGDs, one bug each, and the check of the SGD spec that must flag each.

Most are :class:`SGDOracle` (the spec's own float64 oracle in a torch.optim shell) with one
piece of the documented algorithm replaced::

    g_t <- ±grad + λ θ_{t-1};  b_t <- μ b_{t-1} + (1 - τ) g_t (b_1 <- g_1);
    g_t <- g_t + μ b_t (nesterov) or b_t;  θ_t <- θ_{t-1} - γ g_t
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from oracle_optimizer import OneBug, OracleOptimizer
from torch import Tensor
from torch.optim.optimizer import ParamsT

from conformance.specs.sgd import SGD, momentum_buffer, search_direction, sgd_gradient

__all__ = ["BROKEN_SGDS", "BrokenSGD", "SGDOracle"]

Buffers = Mapping[str, Tensor]
Hyperparameters = Mapping[str, Any]


class SGDOracle(OracleOptimizer):
    """torch.optim.SGD's documented semantics, stepped by the spec's oracle. The momentum
    buffer is created by the step that first has momentum, as torch creates it."""

    spec = SGD

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        # With momentum 0 the state stays empty, so the shell's "first step" recurs; a zero
        # buffer made here would pass for one that exists when momentum is turned on.
        return {}

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        if hyperparameters["momentum"] == 0 or "momentum_buffer" in buffers:
            return super().update(param, grad, buffers, hyperparameters, step)
        # torch.optim.SGD seeds the buffer with g_1.detach(): with differentiable=True autograd
        # does not see b_1, and the differentiable check compares with torch.
        g = sgd_gradient(param, grad, hyperparameters)
        buffer = g.detach()
        direction = search_direction(g, buffer, hyperparameters)
        return _step(param, hyperparameters["lr"], direction), {"momentum_buffer": buffer}


class BrokenSGD(OneBug, SGDOracle):
    """Base of the broken SGDs built on the oracle; each direct subclass has one bug."""


def _step(param: Tensor, lr: float, direction: Tensor) -> Tensor:
    return param - lr * direction


class SGDIgnoringMaximize(OneBug, torch.optim.SGD):
    """Stores maximize but always descends."""

    spec = SGD
    expected_failing_check = "maximize"
    expected_message = "(float64 oracle)"
    expected_rule = "maximize=True steps along -grad"

    def step(self, closure: Any = None) -> Any:
        flags = [group["maximize"] for group in self.param_groups]
        for group in self.param_groups:
            group["maximize"] = False
        try:
            return super().step(closure)
        finally:
            for group, flag in zip(self.param_groups, flags, strict=True):
                group["maximize"] = flag


class SGDDampeningTheFirstStep(BrokenSGD):
    """Seeds the buffer with (1 - τ) g_1: a zero buffer updated like every later one."""

    expected_failing_check = "dampening"
    expected_message = "value, element"
    expected_rule = "dampening applies from the second step on"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        if hyperparameters["momentum"] == 0 or "momentum_buffer" in buffers:
            return super().update(param, grad, buffers, hyperparameters, step)
        g = sgd_gradient(param, grad, hyperparameters)
        buffer = momentum_buffer(torch.zeros_like(g), g, hyperparameters)
        direction = search_direction(g, buffer, hyperparameters)
        return _step(param, hyperparameters["lr"], direction), {"momentum_buffer": buffer}


class SGDWithSutskeverMomentum(BrokenSGD):
    """v_t <- μ v_{t-1} + lr · g_t, θ_t <- θ_{t-1} - v_t: the form the docs' note contrasts
    with torch's (lr inside the buffer)."""

    expected_failing_check = "state_values"
    expected_message = "state['momentum_buffer']"
    expected_rule = "each buffer holds the documented value"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        lr = hyperparameters["lr"]
        scaled = {**hyperparameters, "lr": 1.0}
        g = lr * sgd_gradient(param, grad, hyperparameters)
        if hyperparameters["momentum"] == 0:
            return param - g, dict(buffers)
        velocity = momentum_buffer(buffers.get("momentum_buffer"), g, scaled)
        return param - search_direction(g, velocity, scaled), {"momentum_buffer": velocity}


class SGDNesterovWithThePreviousBuffer(BrokenSGD):
    """Nesterov's look-ahead reads b_{t-1}, the buffer before this step's update."""

    expected_failing_check = "nesterov"
    expected_message = "(float64 oracle)"
    expected_rule = "g_t <- g_t + μ b_t"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        if not hyperparameters["nesterov"]:
            return super().update(param, grad, buffers, hyperparameters, step)
        g = sgd_gradient(param, grad, hyperparameters)
        previous = buffers.get("momentum_buffer")
        buffer = momentum_buffer(previous, g, hyperparameters)
        direction = search_direction(g, buffer if previous is None else previous, hyperparameters)
        return _step(param, hyperparameters["lr"], direction), {"momentum_buffer": buffer}


class SGDDecayingAfterMomentum(BrokenSGD):
    """Adds λ θ_{t-1} to the step's direction instead of to g_t, so the buffer never sees
    the decay."""

    expected_failing_check = "momentum_with_weight_decay"
    expected_message = "value, element"
    expected_rule = "weight decay enters g_t before the momentum buffer"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        undecayed = {**hyperparameters, "weight_decay": 0.0}
        stepped, new_buffers = super().update(param, grad, buffers, undecayed, step)
        decay = hyperparameters["lr"] * hyperparameters["weight_decay"] * param
        return stepped - decay, new_buffers


class SGDMaximizingAfterWeightDecay(BrokenSGD):
    """Negates g_t after weight decay was added: g_t <- -(grad + λ θ_{t-1})."""

    expected_failing_check = "maximize_with_weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "maximize negates the gradient before weight decay is added"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        if not hyperparameters["maximize"]:
            return super().update(param, grad, buffers, hyperparameters, step)
        decayed = sgd_gradient(param, grad, {**hyperparameters, "maximize": False})
        ascent = {**hyperparameters, "maximize": False, "weight_decay": 0.0}
        return super().update(param, -decayed, buffers, ascent, step)


class SGDKeepingABufferWithoutMomentum(BrokenSGD):
    """Creates state['momentum_buffer'] for every param, momentum or not."""

    expected_failing_check = "state_layout"
    expected_message = "expected exactly []"
    expected_rule = "has exactly the buffers"

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        return {"momentum_buffer": torch.zeros_like(param, memory_format=torch.preserve_format)}


class SGDWithLrDefaultingTo0_01(BrokenSGD):
    """lr defaults to 0.01, as in other frameworks, rather than torch's 1e-3."""

    expected_failing_check = "constructor_defaults"
    expected_message = "param_groups[0]['lr'] is 0.01, expected 0.001"
    expected_rule = "the constructor's defaults are lr=0.001"

    def __init__(self, params: ParamsT, lr: float | Tensor = 0.01, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, lr, *args, **kwargs)


class SGDAcceptingNesterovWithDampening(BrokenSGD):
    """Validates only that nesterov comes with a momentum, not that dampening is zero."""

    expected_failing_check = "constructor_validation"
    expected_message = "nesterov with dampening"
    expected_rule = "raise the exception torch.optim.SGD raises"

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float | Tensor = 0.0,
        nesterov: bool = False,
        **flags: Any,
    ) -> None:
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, lr, momentum, dampening, weight_decay, **flags)
        self.defaults["nesterov"] = nesterov
        for group in self.param_groups:
            group["nesterov"] = nesterov


class SGDReadingTensorLrOnce(BrokenSGD):
    """Reads each group's lr once, at its first step: a Tensor lr filled in place later is
    ignored."""

    expected_failing_check = "tensor_lr"
    expected_message = "(float64 oracle)"
    expected_rule = "filling it in place between steps takes effect at the next step"

    def hyperparameters(self, group: Mapping[str, Any]) -> dict[str, Any]:
        read = self.__dict__.setdefault("_lr_read", {})
        lr = read.setdefault(id(group), float(group["lr"]))
        return {**super().hyperparameters(group), "lr": lr}


class SGDSkippingStepsAtLrZero(BrokenSGD):
    """Returns early when lr is 0, so the momentum buffer stands still."""

    expected_failing_check = "lr_zero"
    expected_message = "yet the optimizer holds no state for it"
    expected_rule = "the momentum buffer still advances"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        if hyperparameters["lr"] == 0:
            return param, dict(buffers)
        return super().update(param, grad, buffers, hyperparameters, step)


BROKEN_SGDS: tuple[type[OneBug], ...] = (SGDIgnoringMaximize, *BrokenSGD.__subclasses__())
