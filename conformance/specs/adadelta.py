"""The Adadelta spec: torch.optim.Adadelta's documented semantics and an independent float64 oracle.

Everything algorithm-specific lives here; the checks are generic over :class:`OptimizerSpec`.
The oracle is written from the documented math, not from torch.optim's code::

    input: γ (lr), θ_0 (params), ρ (rho), ε (eps), λ (weight_decay)
    initialize: v_0 <- 0 (square_avg), u_0 <- 0 (acc_delta)
    for t = 1, 2, ...:
        g    <- ∇θ f(θ_{t-1})                  (negated if maximize)
        if λ != 0: g <- g + λ θ_{t-1}
        v_t  <- ρ v_{t-1} + (1 - ρ) g²
        Δx   <- sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · g
        u_t  <- ρ u_{t-1} + (1 - ρ) Δx²
        θ_t  <- θ_{t-1} - γ Δx

Reference: Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from torch import Tensor

from ..spec import InvalidArguments, MathScenario, OptimizerSpec

__all__ = ["ADADELTA", "adadelta_update"]

ALGORITHM = """\
for t = 1, 2, ...:
    g   <- grad                       (-grad if maximize)
    if λ != 0: g <- g + λ θ_{t-1}     (λ = weight_decay)
    v_t <- ρ v_{t-1} + (1 - ρ) g²     (v = state['square_avg'], v_0 = 0)
    Δx  <- sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · g
    u_t <- ρ u_{t-1} + (1 - ρ) Δx²    (u = state['acc_delta'], u_0 = 0)
    θ_t <- θ_{t-1} - lr · Δx
complex params are updated as torch.view_as_real (real and imaginary parts independently)"""


def adadelta_update(
    param: Tensor,
    grad: Tensor,
    buffers: Mapping[str, Tensor],
    hyperparameters: Mapping[str, Any],
    step: int,
) -> tuple[Tensor, dict[str, Tensor]]:
    """One documented Adadelta step for one real float64 param; returns (θ_t, {v_t, u_t})."""
    lr, rho, eps = hyperparameters["lr"], hyperparameters["rho"], hyperparameters["eps"]
    weight_decay = hyperparameters["weight_decay"]
    g = -grad if hyperparameters["maximize"] else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    square_avg = rho * buffers["square_avg"] + (1 - rho) * g * g
    delta = torch.sqrt(buffers["acc_delta"] + eps) / torch.sqrt(square_avg + eps) * g
    acc_delta = rho * buffers["acc_delta"] + (1 - rho) * delta * delta
    return param - lr * delta, {"square_avg": square_avg, "acc_delta": acc_delta}


def _zero_buffers(param: Tensor, hyperparameters: Mapping[str, Any]) -> dict[str, Tensor]:
    return {"square_avg": torch.zeros_like(param), "acc_delta": torch.zeros_like(param)}


_POSITIVE_WEIGHT_DECAY = st.floats(1 / 64, 0.5)


def _hyperparameter_space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    # The tolerances of conformance.tolerances are first-order: rounding errors must stay small
    # beside the values they perturb. In fp16, v + ε may be subnormal, where one rounding errs by
    # up to 2^-25; ε >= 1e-4 keeps that below 1e-3 relative. bf16 has fp32's exponent range.
    smallest_eps = 1e-4 if dtype == torch.float16 else 1e-8
    return {
        "lr": st.one_of(st.just(1.0), st.floats(1 / 16, 2.0, width=32)),
        # rho's bounds, 0 and 1, are rho_bounds' to judge.
        "rho": st.one_of(st.just(0.9), st.floats(0.0, 1.0, exclude_min=True, exclude_max=True)),
        "eps": st.sampled_from([e for e in (1e-6, 1e-4, 1e-8, 1e-2) if e >= smallest_eps]),
        "weight_decay": st.one_of(st.just(0.0), _POSITIVE_WEIGHT_DECAY),
        "maximize": st.booleans(),
    }


ADADELTA = OptimizerSpec(
    name="Adadelta",
    reference=torch.optim.Adadelta,
    algorithm=ALGORITHM,
    defaults={"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0, "maximize": False},
    positional=("lr", "rho", "eps", "weight_decay"),
    hyperparameter_space=_hyperparameter_space,
    example_hyperparameters={
        "lr": 0.5,
        "rho": 0.8,
        "eps": 1e-4,
        "weight_decay": 0.1,
        "maximize": False,
    },
    other_hyperparameters={"lr": 2.0, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.0, "maximize": True},
    invalid_arguments=(
        InvalidArguments.of("negative lr", lr=-0.1),
        InvalidArguments.of("rho above 1", rho=1.5),
        InvalidArguments.of("negative rho", rho=-0.1),
        InvalidArguments.of("negative eps", eps=-1e-6),
        InvalidArguments.of("negative weight_decay", weight_decay=-0.1),
        InvalidArguments("multi-element Tensor lr", lambda: {"lr": torch.tensor([0.1, 0.2])}),
        InvalidArguments("negative Tensor lr", lambda: {"lr": torch.tensor(-0.1)}),
        InvalidArguments.of("NaN lr", lr=float("nan")),
        InvalidArguments.of("NaN rho", rho=float("nan")),
    ),
    boundary_arguments=(
        {"rho": 0.0},
        {"rho": 1.0},
        {"lr": 0.0},
        {"eps": 0.0},
        {"weight_decay": 0.0},
    ),
    scenarios=(
        MathScenario(
            "update_math",
            "v_t <- ρ v_{t-1} + (1 - ρ) g²; Δx <- sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · g; "
            "u_t <- ρ u_{t-1} + (1 - ρ) Δx²; θ_t <- θ_{t-1} - lr · Δx "
            "(ε inside both square roots, the numerator uses u_{t-1})",
            {"weight_decay": st.just(0.0), "maximize": st.just(False)},
        ),
        MathScenario(
            "weight_decay",
            "if weight_decay λ != 0: g <- g + λ θ_{t-1}, before the averages are updated",
            {"weight_decay": _POSITIVE_WEIGHT_DECAY, "maximize": st.just(False)},
        ),
        MathScenario(
            "maximize",
            "maximize=True steps along -grad: g <- -grad",
            {"weight_decay": st.just(0.0), "maximize": st.just(True)},
        ),
        MathScenario(
            "maximize_with_weight_decay",
            "maximize negates the gradient before weight decay is added: g <- -grad + λ θ_{t-1}",
            {"weight_decay": _POSITIVE_WEIGHT_DECAY, "maximize": st.just(True)},
        ),
        MathScenario(
            "rho_bounds",
            "0 <= ρ <= 1, both bounds included: ρ = 1 keeps v = u = 0 (so Δx = g), "
            "ρ = 0 keeps only the current step",
            {"rho": st.sampled_from([0.0, 1.0])},
        ),
        MathScenario(
            "lr_zero",
            "lr = 0 leaves params unchanged while the averages still advance",
            {"lr": st.just(0.0)},
            judges_state=True,
        ),
    ),
    buffers=("square_avg", "acc_delta"),
    step_key="step",
    init_buffers=_zero_buffers,
    update=adadelta_update,
    base_hyperparameters=("lr", "rho", "eps"),
    options_added_later=("foreach", "maximize", "capturable", "differentiable"),
    capabilities=frozenset({"foreach", "capturable", "differentiable"}),
)
