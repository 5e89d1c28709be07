"""The SGD spec: torch.optim.SGD's documented semantics and an independent float64 oracle.

Everything algorithm-specific lives here; the checks are generic over :class:`OptimizerSpec`.
The oracle is written from the documented math, not from torch.optim's code::

    input: γ (lr), θ_0 (params), f(θ) (objective), λ (weight decay),
           μ (momentum), τ (dampening), nesterov, maximize
    for t = 1, 2, ...:
        if maximize: g_t <- -∇θ f_t(θ_{t-1})
        else:        g_t <-  ∇θ f_t(θ_{t-1})
        if λ != 0:   g_t <- g_t + λ θ_{t-1}
        if μ != 0:
            if t > 1: b_t <- μ b_{t-1} + (1 - τ) g_t
            else:     b_t <- g_t
            if nesterov: g_t <- g_t + μ b_t
            else:        g_t <- b_t
        θ_t <- θ_{t-1} - γ g_t

The buffer b (``state['momentum_buffer']``) exists only while μ != 0: with μ = 0 SGD keeps no
state at all (and no step counter ever). Its first value is the gradient itself, so
"dampening will be applied starting at the second step" (the docs' note). Where μ becomes
non-zero only after some steps, "t = 1" is the buffer's first step: the step at which the
param has no buffer yet.

Reference: Sutskever et al., "On the importance of initialization and momentum in deep
learning", ICML 2013 (Nesterov momentum, in the form the docs' note describes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from torch import Tensor

from ..spec import InvalidArguments, MathScenario, OptimizerSpec

__all__ = ["SGD", "momentum_buffer", "search_direction", "sgd_gradient", "sgd_update"]

ALGORITHM = """\
for t = 1, 2, ...:
    g_t <- grad                            (-grad if maximize)
    if λ != 0: g_t <- g_t + λ θ_{t-1}      (λ = weight_decay)
    if μ != 0:                             (μ = momentum, τ = dampening)
        b_t <- μ b_{t-1} + (1 - τ) g_t     (b = state['momentum_buffer'], only while μ != 0)
        b_t <- g_t at the buffer's first step (t = 1: no dampening)
        g_t <- g_t + μ b_t if nesterov, else b_t
    θ_t <- θ_{t-1} - lr · g_t"""


def sgd_gradient(param: Tensor, grad: Tensor, hyperparameters: Mapping[str, Any]) -> Tensor:
    """g_t <- ∇ (-∇ if maximize); if λ != 0: g_t <- g_t + λ θ_{t-1}."""
    weight_decay = hyperparameters["weight_decay"]
    g = -grad if hyperparameters["maximize"] else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    return g


def momentum_buffer(
    previous: Tensor | None, g: Tensor, hyperparameters: Mapping[str, Any]
) -> Tensor:
    """b_t <- μ b_{t-1} + (1 - τ) g_t, or b_t <- g_t at the buffer's first step (no
    ``previous``)."""
    if previous is None:
        return g
    momentum, dampening = hyperparameters["momentum"], hyperparameters["dampening"]
    return momentum * previous + (1 - dampening) * g


def search_direction(g: Tensor, buffer: Tensor, hyperparameters: Mapping[str, Any]) -> Tensor:
    """The g_t that θ steps along: g_t + μ b_t with nesterov, else b_t."""
    if hyperparameters["nesterov"]:
        return g + hyperparameters["momentum"] * buffer
    return buffer


def sgd_update(
    param: Tensor,
    grad: Tensor,
    buffers: Mapping[str, Tensor],
    hyperparameters: Mapping[str, Any],
    step: int,
) -> tuple[Tensor, dict[str, Tensor]]:
    """One documented SGD step for one real float64 param; returns (θ_t, buffers). With μ = 0
    the buffers are returned as they were (a buffer from steps with momentum is kept)."""
    g = sgd_gradient(param, grad, hyperparameters)
    if hyperparameters["momentum"] == 0:
        return param - hyperparameters["lr"] * g, dict(buffers)
    previous = buffers.get("momentum_buffer") if step > 1 else None
    buffer = momentum_buffer(previous, g, hyperparameters)
    direction = search_direction(g, buffer, hyperparameters)
    return param - hyperparameters["lr"] * direction, {"momentum_buffer": buffer}


def _momentum_buffers(param: Tensor, hyperparameters: Mapping[str, Any]) -> dict[str, Tensor]:
    # The value is never read: the buffer's first step seeds it with g_1.
    return {"momentum_buffer": torch.zeros_like(param)} if hyperparameters["momentum"] else {}


_POSITIVE_MOMENTUM = st.floats(1 / 16, 0.99)
_POSITIVE_DAMPENING = st.floats(1 / 16, 1.0)
_POSITIVE_WEIGHT_DECAY = st.floats(1 / 64, 0.5)
# 0-d float32 tensors with short decimal expansions, so that a failure's snippet (which
# spells the tensor with its repr) builds the same value.
_TENSOR_WEIGHT_DECAY = st.sampled_from([0.0625, 0.125, 0.25, 0.5]).map(torch.tensor)


def _hyperparameter_space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    # nesterov stays off here: torch rejects it without momentum or with dampening, and the
    # keys are drawn independently. The nesterov scenarios draw a valid combination.
    return {
        "lr": st.one_of(st.just(1e-3), st.floats(1 / 16, 2.0, width=32)),
        "momentum": st.one_of(st.just(0.0), _POSITIVE_MOMENTUM),
        "dampening": st.one_of(st.just(0.0), _POSITIVE_DAMPENING),
        "weight_decay": st.one_of(st.just(0.0), _POSITIVE_WEIGHT_DECAY),
        "nesterov": st.just(False),
        "maximize": st.booleans(),
    }


_NESTEROV = {
    "momentum": _POSITIVE_MOMENTUM,
    "dampening": st.just(0.0),
    "nesterov": st.just(True),
}

SGD = OptimizerSpec(
    name="SGD",
    reference=torch.optim.SGD,
    algorithm=ALGORITHM,
    defaults={
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": False,
    },
    positional=("lr", "momentum", "dampening", "weight_decay", "nesterov"),
    hyperparameter_space=_hyperparameter_space,
    example_hyperparameters={
        "lr": 0.5,
        "momentum": 0.9,
        "dampening": 0.0,
        "weight_decay": 0.1,
        "nesterov": True,
        "maximize": False,
    },
    other_hyperparameters={
        "lr": 0.25,
        "momentum": 0.5,
        "dampening": 0.3,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": True,
    },
    invalid_arguments=(
        InvalidArguments.of("negative lr", lr=-0.1),
        InvalidArguments.of("negative momentum", momentum=-0.1),
        InvalidArguments.of("negative weight_decay", weight_decay=-0.1),
        InvalidArguments.of("nesterov without momentum", nesterov=True),
        InvalidArguments.of("nesterov with dampening", nesterov=True, momentum=0.9, dampening=0.1),
        InvalidArguments("multi-element Tensor lr", lambda: {"lr": torch.tensor([0.1, 0.2])}),
        InvalidArguments("negative Tensor lr", lambda: {"lr": torch.tensor(-0.1)}),
        InvalidArguments(
            "negative Tensor weight_decay", lambda: {"weight_decay": torch.tensor(-0.1)}
        ),
        InvalidArguments.of("fused with differentiable", fused=True, differentiable=True),
        InvalidArguments.of("fused with foreach", fused=True, foreach=True),
    ),
    boundary_arguments=(
        {"lr": 0.0},
        {"momentum": 0.0},
        {"dampening": 1.0},
        {"weight_decay": 0.0},
        {"nesterov": True, "momentum": 0.9, "dampening": 0.0},
        {"weight_decay": torch.tensor(0.1)},
    ),
    scenarios=(
        MathScenario(
            "update_math",
            "without momentum or weight decay: θ_t <- θ_{t-1} - lr · grad, and no state",
            {
                "momentum": st.just(0.0),
                "weight_decay": st.just(0.0),
                "maximize": st.just(False),
            },
        ),
        MathScenario(
            "momentum",
            "if μ != 0: b_1 <- g_1, b_t <- μ b_{t-1} + (1 - τ) g_t after; θ_t <- θ_{t-1} - "
            "lr · b_t (lr scales b_t, it does not enter the buffer)",
            {"momentum": _POSITIVE_MOMENTUM, "dampening": st.just(0.0)},
        ),
        MathScenario(
            "dampening",
            "b_t <- μ b_{t-1} + (1 - τ) g_t for t > 1, but b_1 <- g_1: dampening applies from "
            "the second step on",
            {"momentum": _POSITIVE_MOMENTUM, "dampening": _POSITIVE_DAMPENING},
        ),
        MathScenario(
            "nesterov",
            "with nesterov: g_t <- g_t + μ b_t (the current gradient plus μ times the updated "
            "buffer) is the step's direction",
            _NESTEROV,
        ),
        MathScenario(
            "weight_decay",
            "if weight_decay λ != 0: g_t <- g_t + λ θ_{t-1} (an L2 penalty on the gradient)",
            {"weight_decay": _POSITIVE_WEIGHT_DECAY, "momentum": st.just(0.0)},
        ),
        MathScenario(
            "weight_decay_tensor",
            "weight_decay may be a 0-d Tensor λ, with the same effect: g_t <- g_t + λ θ_{t-1}",
            {"weight_decay": _TENSOR_WEIGHT_DECAY},
        ),
        MathScenario(
            "momentum_with_weight_decay",
            "weight decay enters g_t before the momentum buffer: b_t <- μ b_{t-1} + "
            "(1 - τ)(grad + λ θ_{t-1})",
            {"weight_decay": _POSITIVE_WEIGHT_DECAY, "momentum": _POSITIVE_MOMENTUM},
        ),
        MathScenario(
            "nesterov_with_weight_decay",
            "with nesterov, the decayed g_t = grad + λ θ_{t-1} is both the buffer's input and "
            "the term added to μ b_t",
            {**_NESTEROV, "weight_decay": _POSITIVE_WEIGHT_DECAY},
        ),
        MathScenario(
            "maximize",
            "maximize=True steps along -grad: g_t <- -grad, before momentum",
            {"weight_decay": st.just(0.0), "maximize": st.just(True)},
        ),
        MathScenario(
            "maximize_with_weight_decay",
            "maximize negates the gradient before weight decay is added: g_t <- -grad + "
            "λ θ_{t-1}",
            {"weight_decay": _POSITIVE_WEIGHT_DECAY, "maximize": st.just(True)},
        ),
        MathScenario(
            "lr_zero",
            "lr = 0 leaves params unchanged while the momentum buffer still advances",
            {"lr": st.just(0.0), "momentum": _POSITIVE_MOMENTUM},
            judges_state=True,
        ),
    ),
    buffers=("momentum_buffer",),
    step_key=None,
    init_buffers=_momentum_buffers,
    update=sgd_update,
    base_hyperparameters=("lr",),
    # torch steps sparse grads without weight decay (add(sparse, dense) raises); with momentum
    # its buffer becomes a sparse tensor, unlike the param.
    sparse_hyperparameters={"weight_decay": st.just(0.0), "momentum": st.just(0.0)},
    options_added_later=("nesterov", "maximize", "foreach", "differentiable", "fused"),
    capabilities=frozenset({"foreach", "differentiable", "fused"}),
)
