"""The Adagrad spec: torch.optim.Adagrad's documented semantics and an independent float64 oracle.

Everything algorithm-specific lives here; the checks are generic over :class:`OptimizerSpec`.
The oracle is written from the documented math, not from torch.optim's code::

    input: γ (lr), θ_0 (params), f(θ) (objective), λ (weight decay),
           τ (initial accumulator value), η (lr decay)
    initialize: state_sum_0 <- τ
    for t = 1 to ...:
        g_t         <- ∇θ f_t(θ_{t-1})                  (negated if maximize)
        γ̃           <- γ / (1 + (t - 1) η)
        if λ != 0: g_t <- g_t + λ θ_{t-1}
        state_sum_t <- state_sum_{t-1} + g_t²
        θ_t         <- θ_{t-1} - γ̃ g_t / (sqrt(state_sum_t) + ε)

torch.optim.Adagrad creates each param's state (``step`` = 0, ``sum`` = τ) in its constructor,
with the constructor's τ whatever a group says; params of groups added later get theirs at
their first step, again with the constructor's τ. Sparse COO grads are supported without
weight decay (with it, the step raises).

Reference: Duchi, Hazan, Singer, "Adaptive Subgradient Methods for Online Learning and
Stochastic Optimization", JMLR 12 (2011).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from torch import Tensor

from ..spec import InvalidArguments, MathScenario, OptimizerSpec

__all__ = [
    "ADAGRAD",
    "accumulate",
    "adagrad_update",
    "decayed_lr",
    "descent_direction",
    "initial_sum",
]

ALGORITHM = """\
initialize: state_sum_0 <- τ          (τ = initial_accumulator_value of the constructor)
for t = 1, 2, ...:                    (t = state['step'] after its increment)
    g   <- grad                       (-grad if maximize)
    γ̃   <- γ / (1 + (t - 1) η)        (γ = lr, η = lr_decay)
    if λ != 0: g <- g + λ θ_{t-1}     (λ = weight_decay)
    state_sum_t <- state_sum_{t-1} + g²     (state_sum = state['sum'])
    θ_t <- θ_{t-1} - γ̃ g / (sqrt(state_sum_t) + ε)
complex params are updated as torch.view_as_real (real and imaginary parts independently)"""


def decayed_lr(lr: float, lr_decay: float, step: int) -> float:
    """γ̃ = γ / (1 + (t - 1) η): the lr of step t (1 at the first step)."""
    return lr / (1 + (step - 1) * lr_decay)


def descent_direction(param: Tensor, grad: Tensor, hyperparameters: Mapping[str, Any]) -> Tensor:
    """g: the grad, negated under maximize, plus λ θ_{t-1} under weight decay."""
    g = -grad if hyperparameters["maximize"] else grad
    weight_decay = hyperparameters["weight_decay"]
    return g + weight_decay * param if weight_decay != 0 else g


def accumulate(state_sum: Tensor, g: Tensor) -> Tensor:
    """state_sum_t = state_sum_{t-1} + g²."""
    return state_sum + g * g


def adagrad_update(
    param: Tensor,
    grad: Tensor,
    buffers: Mapping[str, Tensor],
    hyperparameters: Mapping[str, Any],
    step: int,
) -> tuple[Tensor, dict[str, Tensor]]:
    """One documented Adagrad step for one real float64 param; returns (θ_t, {state_sum_t})."""
    clr = decayed_lr(hyperparameters["lr"], hyperparameters["lr_decay"], step)
    g = descent_direction(param, grad, hyperparameters)
    state_sum = accumulate(buffers["sum"], g)
    return param - clr * g / (torch.sqrt(state_sum) + hyperparameters["eps"]), {"sum": state_sum}


def initial_sum(param: Tensor, hyperparameters: Mapping[str, Any]) -> dict[str, Tensor]:
    """state_sum_0 = τ."""
    return {"sum": torch.full_like(param, hyperparameters["initial_accumulator_value"])}


_POSITIVE_WEIGHT_DECAY = st.floats(1 / 64, 0.5)
_POSITIVE_LR_DECAY = st.floats(1 / 16, 2.0)
_POSITIVE_INITIAL_ACCUMULATOR = st.floats(1 / 16, 4.0)


def _hyperparameter_space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    # In fp16, ε below its subnormal range rounds to 0, so a zero grad over a zero sum would
    # step by 0/0: ε >= 1e-4 keeps sqrt(sum) + ε a normal fp16 number. bf16 has fp32's range.
    smallest_eps = 1e-4 if dtype == torch.float16 else 1e-10
    return {
        "lr": st.one_of(st.just(1e-2), st.floats(1 / 16, 2.0, width=32)),
        "lr_decay": st.one_of(st.just(0.0), _POSITIVE_LR_DECAY),
        "weight_decay": st.one_of(st.just(0.0), _POSITIVE_WEIGHT_DECAY),
        "initial_accumulator_value": st.one_of(st.just(0.0), _POSITIVE_INITIAL_ACCUMULATOR),
        "eps": st.sampled_from([e for e in (1e-10, 1e-4, 1e-8, 1e-2) if e >= smallest_eps]),
        "maximize": st.booleans(),
    }


_OFF = {
    "lr_decay": st.just(0.0),
    "weight_decay": st.just(0.0),
    "initial_accumulator_value": st.just(0.0),
    "maximize": st.just(False),
}

ADAGRAD = OptimizerSpec(
    name="Adagrad",
    reference=torch.optim.Adagrad,
    algorithm=ALGORITHM,
    defaults={
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
        "maximize": False,
    },
    positional=("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"),
    hyperparameter_space=_hyperparameter_space,
    example_hyperparameters={
        "lr": 0.5,
        "lr_decay": 0.25,
        "weight_decay": 0.1,
        "initial_accumulator_value": 0.5,
        "eps": 1e-4,
        "maximize": False,
    },
    other_hyperparameters={
        "lr": 2.0,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 1.5,
        "eps": 1e-3,
        "maximize": True,
    },
    invalid_arguments=(
        InvalidArguments("multi-element Tensor lr", lambda: {"lr": torch.tensor([0.1, 0.2])}),
        InvalidArguments.of("negative lr", lr=-0.1),
        InvalidArguments.of("negative lr_decay", lr_decay=-0.1),
        InvalidArguments.of("negative weight_decay", weight_decay=-0.1),
        InvalidArguments.of("negative initial_accumulator_value", initial_accumulator_value=-0.1),
        InvalidArguments.of("negative eps", eps=-1e-10),
        InvalidArguments("negative Tensor lr", lambda: {"lr": torch.tensor(-0.1)}),
        InvalidArguments.of("NaN lr", lr=float("nan")),
        InvalidArguments.of("NaN lr_decay", lr_decay=float("nan")),
        InvalidArguments.of("NaN initial_accumulator_value", initial_accumulator_value=float("nan")),
        InvalidArguments.of("fused with differentiable", fused=True, differentiable=True),
        InvalidArguments.of("fused with foreach", fused=True, foreach=True),
    ),
    boundary_arguments=(
        {"lr": 0.0},
        {"lr_decay": 0.0},
        {"weight_decay": 0.0},
        {"initial_accumulator_value": 0.0},
        {"eps": 0.0},
    ),
    scenarios=(
        MathScenario(
            "update_math",
            "state_sum_t <- state_sum_{t-1} + g²; θ_t <- θ_{t-1} - γ g / (sqrt(state_sum_t) + ε) "
            "(the sum includes the current g²; ε outside the square root)",
            _OFF,
        ),
        MathScenario(
            "lr_decay",
            "γ̃ <- γ / (1 + (t - 1) η) with t the step being taken: the first step uses γ itself",
            {**_OFF, "lr_decay": _POSITIVE_LR_DECAY},
        ),
        MathScenario(
            "initial_accumulator_value",
            "initialize: state_sum_0 <- τ (initial_accumulator_value); the first step divides "
            "by sqrt(τ + g²) + ε",
            {**_OFF, "initial_accumulator_value": _POSITIVE_INITIAL_ACCUMULATOR},
        ),
        MathScenario(
            "weight_decay",
            "if weight_decay λ != 0: g <- g + λ θ_{t-1}, before g² is accumulated",
            {**_OFF, "weight_decay": _POSITIVE_WEIGHT_DECAY},
        ),
        MathScenario(
            "maximize",
            "maximize=True steps along -grad: g <- -grad",
            {**_OFF, "maximize": st.just(True)},
        ),
        MathScenario(
            "maximize_with_weight_decay",
            "maximize negates the gradient before weight decay is added: g <- -grad + λ θ_{t-1}",
            {**_OFF, "weight_decay": _POSITIVE_WEIGHT_DECAY, "maximize": st.just(True)},
        ),
        MathScenario(
            "eps",
            "ε is added to sqrt(state_sum_t), outside the square root: a large ε "
            "damps the step",
            {**_OFF, "eps": st.sampled_from([1e-2, 1.0])},
        ),
        MathScenario(
            "lr_zero",
            "lr = 0 leaves params unchanged while the sum still accumulates g²",
            {"lr": st.just(0.0)},
            judges_state=True,
        ),
    ),
    buffers=("sum",),
    step_key="step",
    init_buffers=initial_sum,
    update=adagrad_update,
    base_hyperparameters=("lr", "eps"),
    sparse_hyperparameters={"weight_decay": st.just(0.0)},
    sparse_invalid_arguments=(InvalidArguments.of("weight_decay", weight_decay=0.1),),
    options_added_later=("foreach", "maximize", "differentiable", "fused"),
    capabilities=frozenset({"foreach", "differentiable", "fused"}),
    state_at_construction=True,
    initial_state_from_constructor=True,
)
