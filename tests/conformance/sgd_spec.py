"""A second spec, for plain SGD (no momentum, so no state): the generic checks serve it unchanged.

It exists to pin that the optimizer-contract checks do not assume Adadelta: everything
SGD-specific is below, and torch.optim.SGD must pass every check against it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from torch import Tensor

from conformance import InvalidArguments, MathScenario, OptimizerSpec


def sgd_update(
    param: Tensor,
    grad: Tensor,
    buffers: Mapping[str, Tensor],
    hyperparameters: Mapping[str, Any],
    step: int,
) -> tuple[Tensor, dict[str, Tensor]]:
    """θ_t <- θ_{t-1} - γ (g + λ θ_{t-1}), g negated first under maximize."""
    g = -grad if hyperparameters["maximize"] else grad
    if hyperparameters["weight_decay"] != 0:
        g = g + hyperparameters["weight_decay"] * param
    return param - hyperparameters["lr"] * g, {}


def _space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    return {
        "lr": st.one_of(st.just(1e-3), st.floats(1 / 16, 2.0, width=32)),
        "weight_decay": st.one_of(st.just(0.0), st.floats(1 / 64, 0.5)),
        "maximize": st.booleans(),
    }


PLAIN_SGD = OptimizerSpec(
    name="SGD",
    reference=torch.optim.SGD,
    algorithm="g <- grad (-grad if maximize); if λ != 0: g <- g + λ θ_{t-1}; θ_t <- θ_{t-1} - lr · g",
    defaults={"lr": 1e-3, "weight_decay": 0.0, "maximize": False},
    positional=("lr",),
    hyperparameter_space=_space,
    example_hyperparameters={"lr": 0.5, "weight_decay": 0.1, "maximize": False},
    other_hyperparameters={"lr": 2.0, "weight_decay": 0.0, "maximize": True},
    invalid_arguments=(
        InvalidArguments("negative lr", lambda: {"lr": -0.1}),
        InvalidArguments("negative weight_decay", lambda: {"weight_decay": -0.1}),
    ),
    boundary_arguments=({"lr": 0.0}, {"weight_decay": 0.0}),
    scenarios=(
        MathScenario(
            "update_math",
            "θ_t <- θ_{t-1} - lr · grad",
            {"weight_decay": st.just(0.0), "maximize": st.just(False)},
        ),
        MathScenario(
            "maximize_with_weight_decay",
            "maximize negates the gradient before weight decay is added",
            {"weight_decay": st.floats(1 / 64, 0.5), "maximize": st.just(True)},
        ),
    ),
    buffers=(),
    step_key=None,
    init_buffers=lambda param, hyperparameters: {},
    update=sgd_update,
    # Sparse grads where a step with one equals a step with its dense equivalent.
    sparse_hyperparameters={"weight_decay": st.just(0.0)},
    capabilities=frozenset({"foreach", "differentiable", "fused"}),
)


def momentum_sgd_update(
    param: Tensor,
    grad: Tensor,
    buffers: Mapping[str, Tensor],
    hyperparameters: Mapping[str, Any],
    step: int,
) -> tuple[Tensor, dict[str, Tensor]]:
    """b <- g at the first step with μ != 0, b <- μ b + g after; θ_t <- θ_{t-1} - lr · b
    (μ = 0 leaves any buffer as it was)."""
    g = -grad if hyperparameters["maximize"] else grad
    if hyperparameters["weight_decay"] != 0:
        g = g + hyperparameters["weight_decay"] * param
    momentum = hyperparameters["momentum"]
    if momentum == 0:
        return param - hyperparameters["lr"] * g, dict(buffers)
    fresh = step == 1 or "momentum_buffer" not in buffers
    buffer = g if fresh else momentum * buffers["momentum_buffer"] + g
    return param - hyperparameters["lr"] * buffer, {"momentum_buffer": buffer}


def _momentum_buffers(param: Tensor, hyperparameters: Mapping[str, Any]) -> dict[str, Tensor]:
    return {"momentum_buffer": torch.zeros_like(param)} if hyperparameters["momentum"] else {}


def _momentum_space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    return {**_space(dtype), "momentum": st.sampled_from([0.0, 0.5, 0.9])}


# SGD with momentum: the update reads the step count (the first step seeds the buffer with the
# grad) and which buffer exists depends on a hyperparameter.
MOMENTUM_SGD = dataclasses.replace(
    PLAIN_SGD,
    algorithm="b_1 <- g, b_t <- μ b_{t-1} + g (no buffer if μ = 0); θ_t <- θ_{t-1} - lr · b_t",
    defaults={**PLAIN_SGD.defaults, "momentum": 0.0},
    positional=("lr", "momentum"),
    hyperparameter_space=_momentum_space,
    example_hyperparameters={**PLAIN_SGD.example_hyperparameters, "momentum": 0.9},
    other_hyperparameters={**PLAIN_SGD.other_hyperparameters, "momentum": 0.5},
    buffers=("momentum_buffer",),
    init_buffers=_momentum_buffers,
    update=momentum_sgd_update,
    # With momentum, torch keeps a sparse momentum buffer: only momentum-free steps here.
    sparse_hyperparameters={"weight_decay": st.just(0.0), "momentum": st.just(0.0)},
)
