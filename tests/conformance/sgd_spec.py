"""A second spec, for plain SGD (no momentum, so no state): the generic checks serve it unchanged.

It exists to pin that the optimizer-contract checks do not assume Adadelta: everything
SGD-specific is below, and torch.optim.SGD must pass every check against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from torch import Tensor

from conformance import InvalidArguments, MathScenario, OptimizerSpec


def sgd_update(
    param: Tensor, grad: Tensor, buffers: Mapping[str, Tensor], hyperparameters: Mapping[str, Any]
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
    init_buffers=lambda param: {},
    update=sgd_update,
    sparse_gradients=True,
    capabilities=frozenset({"foreach", "differentiable", "fused"}),
)
