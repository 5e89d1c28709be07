"""The RMSprop spec: torch.optim.RMSprop's documented semantics and an independent float64 oracle.

Everything algorithm-specific lives here; the checks are generic over :class:`OptimizerSpec`.
The oracle is written from the documented math, not from torch.optim's code::

    input: α (alpha), γ (lr), θ_0 (params), λ (weight_decay), μ (momentum), centered, ε (eps)
    initialize: v_0 <- 0 (square_avg), b_0 <- 0 (momentum_buffer), g^ave_0 <- 0 (grad_avg)
    for t = 1, 2, ...:
        g_t   <- ∇θ f_t(θ_{t-1})               (negated if maximize)
        if λ != 0: g_t <- g_t + λ θ_{t-1}
        v_t   <- α v_{t-1} + (1 - α) g_t²
        ṽ_t   <- v_t
        if centered:
            g^ave_t <- g^ave_{t-1} α + (1 - α) g_t
            ṽ_t     <- ṽ_t - (g^ave_t)²
        if μ > 0:
            b_t <- μ b_{t-1} + g_t / (sqrt(ṽ_t) + ε)
            θ_t <- θ_{t-1} - γ b_t
        else:
            θ_t <- θ_{t-1} - γ g_t / (sqrt(ṽ_t) + ε)

"The implementation here takes the square root of the gradient average before adding epsilon."
The pseudocode leaves maximize out; like the other torch.optim algorithms, it negates the
gradient before weight decay is added. ``momentum_buffer`` exists only if μ > 0, ``grad_avg``
only if centered.

References: Hinton, Neural Networks for Machine Learning, lecture 6; centered: Graves,
"Generating Sequences With Recurrent Neural Networks", arXiv:1308.0850.
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
    "RMSPROP",
    "direction",
    "momentum_step",
    "normalized_gradient",
    "rmsprop_update",
    "running_average",
    "variance_estimate",
]

ALGORITHM = """\
for t = 1, 2, ...:
    g_t <- grad                          (-grad if maximize)
    if λ != 0: g_t <- g_t + λ θ_{t-1}    (λ = weight_decay)
    v_t <- α v_{t-1} + (1 - α) g_t²      (v = state['square_avg'], v_0 = 0)
    ṽ_t <- v_t
    if centered:
        g^ave_t <- g^ave_{t-1} α + (1 - α) g_t     (state['grad_avg'], g^ave_0 = 0)
        ṽ_t     <- ṽ_t - (g^ave_t)²
    if μ > 0:                            (μ = momentum)
        b_t <- μ b_{t-1} + g_t / (sqrt(ṽ_t) + ε)   (state['momentum_buffer'], b_0 = 0)
        θ_t <- θ_{t-1} - lr · b_t
    else:
        θ_t <- θ_{t-1} - lr · g_t / (sqrt(ṽ_t) + ε)
ε is added after the square root; momentum_buffer exists only if μ > 0, grad_avg only if centered
complex params are updated as torch.view_as_real (real and imaginary parts independently)"""


def direction(param: Tensor, grad: Tensor, hyperparameters: Mapping[str, Any]) -> Tensor:
    """g_t: the gradient, negated if maximize, then plus λ θ_{t-1}."""
    g = -grad if hyperparameters["maximize"] else grad
    weight_decay = hyperparameters["weight_decay"]
    return g + weight_decay * param if weight_decay != 0 else g


def running_average(average: Tensor, value: Tensor, alpha: float) -> Tensor:
    """α · average + (1 - α) · value: v_t from g_t², g^ave_t from g_t."""
    return alpha * average + (1 - alpha) * value


def variance_estimate(
    g: Tensor, buffers: Mapping[str, Tensor], hyperparameters: Mapping[str, Any]
) -> tuple[Tensor, dict[str, Tensor]]:
    """ṽ_t, with the new averages: v_t, and g^ave_t if centered (then ṽ_t = v_t - (g^ave_t)²)."""
    alpha = hyperparameters["alpha"]
    square_avg = running_average(buffers["square_avg"], g * g, alpha)
    if not hyperparameters["centered"]:
        return square_avg, {"square_avg": square_avg}
    grad_avg = running_average(buffers["grad_avg"], g, alpha)
    return square_avg - grad_avg * grad_avg, {"square_avg": square_avg, "grad_avg": grad_avg}


def normalized_gradient(g: Tensor, v_tilde: Tensor, eps: float) -> Tensor:
    """g_t / (sqrt(ṽ_t) + ε): ε outside the square root."""
    return g / (torch.sqrt(v_tilde) + eps)


def momentum_step(
    param: Tensor, normalized: Tensor, buffers: Mapping[str, Tensor], hyperparameters: Mapping[str, Any]
) -> tuple[Tensor, dict[str, Tensor]]:
    """θ_t, with b_t if μ > 0: θ_{t-1} - γ b_t, b_t <- μ b_{t-1} + normalized; else
    θ_{t-1} - γ · normalized."""
    lr, momentum = hyperparameters["lr"], hyperparameters["momentum"]
    if momentum <= 0:
        return param - lr * normalized, {}
    buffer = momentum * buffers["momentum_buffer"] + normalized
    return param - lr * buffer, {"momentum_buffer": buffer}


def rmsprop_update(
    param: Tensor,
    grad: Tensor,
    buffers: Mapping[str, Tensor],
    hyperparameters: Mapping[str, Any],
    step: int,
) -> tuple[Tensor, dict[str, Tensor]]:
    """One documented RMSprop step for one real float64 param; returns θ_t and the new buffers."""
    g = direction(param, grad, hyperparameters)
    v_tilde, averages = variance_estimate(g, buffers, hyperparameters)
    normalized = normalized_gradient(g, v_tilde, hyperparameters["eps"])
    new_param, momentum_buffer = momentum_step(param, normalized, buffers, hyperparameters)
    return new_param, {**averages, **momentum_buffer}


def _initial_buffers(param: Tensor, hyperparameters: Mapping[str, Any]) -> dict[str, Tensor]:
    buffers = {"square_avg": torch.zeros_like(param)}
    if hyperparameters["momentum"] > 0:
        buffers["momentum_buffer"] = torch.zeros_like(param)
    if hyperparameters["centered"]:
        buffers["grad_avg"] = torch.zeros_like(param)
    return buffers


_POSITIVE_WEIGHT_DECAY = st.floats(1 / 64, 0.5)
_POSITIVE_MOMENTUM = st.one_of(st.just(0.9), st.floats(0.1, 0.95))
# Centered, ṽ_t = v_t - (g^ave_t)² >= α^t v_t: α >= 1/2 keeps that difference clear of
# cancellation over the few steps a case takes (α = 0 makes it g² - g², whose rounding may be
# negative, and its square root NaN).
_ALPHA = st.one_of(st.just(0.99), st.floats(0.5, 0.999))


def _hyperparameter_space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    # The tolerances of conformance.tolerances are first-order: rounding errors must stay small
    # beside the values they perturb. In fp16, g² may be subnormal, and sqrt(v) then errs by far
    # more than one rounding; ε >= 1e-4 keeps the quotient well conditioned.
    smallest_eps = 1e-4 if dtype == torch.float16 else 1e-8
    return {
        "lr": st.one_of(st.just(1e-2), st.floats(1 / 64, 1.0, width=32)),
        "alpha": _ALPHA,
        "eps": st.sampled_from([e for e in (1e-8, 1e-6, 1e-4, 1e-2) if e >= smallest_eps]),
        "weight_decay": st.one_of(st.just(0.0), _POSITIVE_WEIGHT_DECAY),
        "momentum": st.one_of(st.just(0.0), _POSITIVE_MOMENTUM),
        "centered": st.booleans(),
        "maximize": st.booleans(),
    }


def _plain(**overrides: SearchStrategy[Any]) -> dict[str, SearchStrategy[Any]]:
    """A scenario's overrides: every optional behaviour off unless named."""
    off = {
        "weight_decay": st.just(0.0),
        "momentum": st.just(0.0),
        "centered": st.just(False),
        "maximize": st.just(False),
    }
    return {**off, **overrides}


RMSPROP = OptimizerSpec(
    name="RMSprop",
    reference=torch.optim.RMSprop,
    algorithm=ALGORITHM,
    defaults={
        "lr": 1e-2,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
        "maximize": False,
    },
    positional=("lr", "alpha", "eps", "weight_decay", "momentum", "centered"),
    hyperparameter_space=_hyperparameter_space,
    example_hyperparameters={
        "lr": 0.05,
        "alpha": 0.9,
        "eps": 1e-4,
        "weight_decay": 0.1,
        "momentum": 0.9,
        "centered": False,
        "maximize": False,
    },
    other_hyperparameters={
        "lr": 0.02,
        "alpha": 0.8,
        "eps": 1e-6,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": True,
        "maximize": True,
    },
    invalid_arguments=(
        InvalidArguments.of("negative lr", lr=-0.1),
        InvalidArguments.of("negative eps", eps=-1e-8),
        InvalidArguments.of("negative momentum", momentum=-0.1),
        InvalidArguments.of("negative weight_decay", weight_decay=-0.1),
        InvalidArguments.of("negative alpha", alpha=-0.1),
        InvalidArguments("multi-element Tensor lr", lambda: {"lr": torch.tensor([0.1, 0.2])}),
        InvalidArguments("negative Tensor lr", lambda: {"lr": torch.tensor(-0.1)}),
        InvalidArguments.of("NaN lr", lr=float("nan")),
        InvalidArguments.of("NaN alpha", alpha=float("nan")),
        InvalidArguments.of("NaN momentum", momentum=float("nan")),
    ),
    boundary_arguments=(
        {"alpha": 0.0},
        {"alpha": 1.0},
        {"lr": 0.0},
        {"eps": 0.0},
        {"weight_decay": 0.0},
        {"momentum": 0.0},
    ),
    scenarios=(
        MathScenario(
            "update_math",
            "v_t <- α v_{t-1} + (1 - α) g_t²; θ_t <- θ_{t-1} - lr · g_t / (sqrt(v_t) + ε) "
            "(α weighs the old average, 1 - α the new g_t²)",
            _plain(),
        ),
        MathScenario(
            "eps",
            "ε is added after the square root: g_t / (sqrt(ṽ_t) + ε), not g_t / sqrt(ṽ_t + ε) "
            "(\"takes the square root of the gradient average before adding epsilon\")",
            _plain(eps=st.sampled_from([1e-2, 0.1, 1.0]), momentum=_POSITIVE_MOMENTUM | st.just(0.0)),
        ),
        MathScenario(
            "alpha_bounds",
            "α >= 0, both ends included: α = 0 keeps only the current step (v_t = g_t²), "
            "α = 1 keeps v = 0 (so the step is lr · g_t / ε)",
            _plain(alpha=st.sampled_from([0.0, 1.0]), eps=st.sampled_from([1e-2, 1e-4])),
        ),
        MathScenario(
            "weight_decay",
            "if weight_decay λ != 0: g_t <- g_t + λ θ_{t-1}, before the averages are updated",
            _plain(weight_decay=_POSITIVE_WEIGHT_DECAY),
        ),
        MathScenario(
            "maximize",
            "maximize=True steps along -grad: g_t <- -grad",
            _plain(maximize=st.just(True)),
        ),
        MathScenario(
            "maximize_with_weight_decay",
            "maximize negates the gradient before weight decay is added: g_t <- -grad + λ θ_{t-1}",
            _plain(maximize=st.just(True), weight_decay=_POSITIVE_WEIGHT_DECAY),
        ),
        MathScenario(
            "momentum",
            "if μ > 0: b_t <- μ b_{t-1} + g_t / (sqrt(ṽ_t) + ε) (state['momentum_buffer'], "
            "b_0 = 0); θ_t <- θ_{t-1} - lr · b_t",
            _plain(momentum=_POSITIVE_MOMENTUM),
        ),
        MathScenario(
            "centered",
            "if centered: g^ave_t <- g^ave_{t-1} α + (1 - α) g_t (state['grad_avg']); "
            "ṽ_t <- v_t - (g^ave_t)², under the square root",
            _plain(centered=st.just(True)),
        ),
        MathScenario(
            "centered_with_weight_decay",
            "weight decay is added to g_t before both averages: v_t from (g_t + λ θ_{t-1})², "
            "g^ave_t from g_t + λ θ_{t-1}",
            _plain(centered=st.just(True), weight_decay=_POSITIVE_WEIGHT_DECAY),
        ),
        MathScenario(
            "centered_with_momentum",
            "centered and μ > 0: b_t <- μ b_{t-1} + g_t / (sqrt(v_t - (g^ave_t)²) + ε); "
            "θ_t <- θ_{t-1} - lr · b_t",
            _plain(centered=st.just(True), momentum=_POSITIVE_MOMENTUM),
        ),
        MathScenario(
            "lr_zero",
            "lr = 0 leaves params unchanged while the averages (and momentum buffer) still advance",
            {"lr": st.just(0.0)},
            judges_state=True,
        ),
    ),
    buffers=("square_avg", "momentum_buffer", "grad_avg"),
    step_key="step",
    init_buffers=_initial_buffers,
    update=rmsprop_update,
    base_hyperparameters=("lr", "alpha", "eps"),
    options_added_later=("momentum", "centered", "foreach", "maximize", "differentiable", "capturable"),
    capabilities=frozenset({"foreach", "capturable", "differentiable"}),
    options_fixed_after_first_step=("momentum", "centered"),
)
