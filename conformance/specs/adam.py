"""The Adam and AdamW specs: torch.optim.Adam's and torch.optim.AdamW's documented semantics and
an independent float64 oracle.

Everything algorithm-specific lives here; the checks are generic over :class:`OptimizerSpec`.
The oracle is written from the documented math, not from torch.optim's code::

    input: γ (lr), β1, β2 (betas), θ_0 (params), λ (weight_decay), amsgrad, maximize, ε (eps)
    initialize: m_0 <- 0 (exp_avg), v_0 <- 0 (exp_avg_sq), v_0^max <- 0 (max_exp_avg_sq)
    for t = 1, 2, ...:
        g_t <- ∇θ f_t(θ_{t-1})                  (negated if maximize)
        Adam:  if λ != 0: g_t <- g_t + λ θ_{t-1}
        AdamW: θ_t <- θ_{t-1} - γ λ θ_{t-1}
        m_t <- β1 m_{t-1} + (1 - β1) g_t
        v_t <- β2 v_{t-1} + (1 - β2) g_t²
        m̂_t <- m_t / (1 - β1^t)
        if amsgrad:
            v_t^max <- max(v_{t-1}^max, v_t)
            v̂_t <- v_t^max / (1 - β2^t)
        else:
            v̂_t <- v_t / (1 - β2^t)
        θ_t <- θ_t - γ m̂_t / (sqrt(v̂_t) + ε)

torch.optim.AdamW is Adam with ``decoupled_weight_decay=True``; both are documented, so Adam's
spec takes that flag as a hyperparameter and AdamW's fixes it (AdamW's constructor does not take
it). ``max_exp_avg_sq`` exists only if amsgrad. ``t`` is the param's own step count.

References: Kingma and Ba, "Adam: A Method for Stochastic Optimization", arXiv:1412.6980;
decoupled weight decay: Loshchilov and Hutter, arXiv:1711.05101; amsgrad: Reddi et al., "On the
Convergence of Adam and Beyond", ICLR 2018.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from torch import Tensor

from ..spec import InvalidArguments, MathScenario, OptimizerSpec

__all__ = [
    "ADAM",
    "ADAMW",
    "adam_update",
    "adamw_update",
    "bias_corrected",
    "decayed_param",
    "direction",
    "moments",
    "scaled_step",
]

_ALGORITHM = """\
for t = 1, 2, ...:                       (t = state['step'], the param's own count)
    g_t <- grad                          (-grad if maximize)
{decay}
    m_t <- β1 m_{{t-1}} + (1 - β1) g_t       (m = state['exp_avg'], m_0 = 0)
    v_t <- β2 v_{{t-1}} + (1 - β2) g_t²      (v = state['exp_avg_sq'], v_0 = 0)
    m̂_t <- m_t / (1 - β1^t)
    if amsgrad:
        v_t^max <- max(v_{{t-1}}^max, v_t)    (state['max_exp_avg_sq'], v_0^max = 0)
        v̂_t <- v_t^max / (1 - β2^t)
    else:
        v̂_t <- v_t / (1 - β2^t)
    θ_t <- θ_t - lr · m̂_t / (sqrt(v̂_t) + ε)
ε is added after the square root; max_exp_avg_sq exists only if amsgrad
complex params are updated as torch.view_as_real (real and imaginary parts independently)"""

_DECOUPLED_DECAY = "θ_t <- θ_{t-1} - lr · λ θ_{t-1}      (λ = weight_decay; not in the moments)"

ADAM_ALGORITHM = _ALGORITHM.format(
    decay=f"""\
    if decoupled_weight_decay:           (AdamW's decay)
        {_DECOUPLED_DECAY}
    else:
        if λ != 0: g_t <- g_t + λ θ_{{t-1}}   (L2: into the moments)
        θ_t <- θ_{{t-1}}"""
)
ADAMW_ALGORITHM = _ALGORITHM.format(decay=f"    {_DECOUPLED_DECAY}")


def direction(param: Tensor, grad: Tensor, hyperparameters: Mapping[str, Any], decoupled: bool) -> Tensor:
    """g_t: the gradient, negated if maximize, then plus λ θ_{t-1} unless decay is decoupled."""
    g = -grad if hyperparameters["maximize"] else grad
    weight_decay = hyperparameters["weight_decay"]
    return g + weight_decay * param if weight_decay != 0 and not decoupled else g


def decayed_param(param: Tensor, hyperparameters: Mapping[str, Any], decoupled: bool) -> Tensor:
    """θ_{t-1} - γ λ θ_{t-1} if decay is decoupled, else θ_{t-1}."""
    if not decoupled:
        return param
    return param - hyperparameters["lr"] * hyperparameters["weight_decay"] * param


def moments(
    g: Tensor, buffers: Mapping[str, Tensor], hyperparameters: Mapping[str, Any]
) -> dict[str, Tensor]:
    """The new buffers: m_t, v_t, and v_t^max = max(v_{t-1}^max, v_t) if amsgrad."""
    beta1, beta2 = hyperparameters["betas"]
    new = {
        "exp_avg": beta1 * buffers["exp_avg"] + (1 - beta1) * g,
        "exp_avg_sq": beta2 * buffers["exp_avg_sq"] + (1 - beta2) * g * g,
    }
    if hyperparameters["amsgrad"]:
        new["max_exp_avg_sq"] = torch.maximum(buffers["max_exp_avg_sq"], new["exp_avg_sq"])
    return new


def bias_corrected(
    new_buffers: Mapping[str, Tensor], hyperparameters: Mapping[str, Any], step: int
) -> tuple[Tensor, Tensor]:
    """(m̂_t, v̂_t): m_t / (1 - β1^t), and v_t (v_t^max if amsgrad) / (1 - β2^t).

    The corrections are float64 tensors, not Python floats: an implementation rounds them, and
    1 - β2^t cancels (≈ 0.002 at t = 2 for β2 = 0.999), amplifying that rounding; as tensors
    they are perturbed like every other operation (conformance.tolerances), so the tolerance
    counts it."""
    beta1, beta2 = (torch.tensor(beta, dtype=torch.float64) for beta in hyperparameters["betas"])
    second = new_buffers["max_exp_avg_sq" if hyperparameters["amsgrad"] else "exp_avg_sq"]
    return new_buffers["exp_avg"] / (1 - beta1**step), second / (1 - beta2**step)


def scaled_step(m_hat: Tensor, v_hat: Tensor, hyperparameters: Mapping[str, Any]) -> Tensor:
    """γ m̂_t / (sqrt(v̂_t) + ε): ε outside the square root."""
    return hyperparameters["lr"] * m_hat / (torch.sqrt(v_hat) + hyperparameters["eps"])


def adam_update(
    param: Tensor,
    grad: Tensor,
    buffers: Mapping[str, Tensor],
    hyperparameters: Mapping[str, Any],
    step: int,
    decoupled: bool | None = None,
) -> tuple[Tensor, dict[str, Tensor]]:
    """One documented Adam step for one real float64 param; returns θ_t and the new buffers.
    Weight decay is decoupled if ``decoupled`` says so, or else if the hyperparameters do."""
    if decoupled is None:
        decoupled = bool(hyperparameters["decoupled_weight_decay"])
    g = direction(param, grad, hyperparameters, decoupled)
    theta = decayed_param(param, hyperparameters, decoupled)
    new_buffers = moments(g, buffers, hyperparameters)
    m_hat, v_hat = bias_corrected(new_buffers, hyperparameters, step)
    return theta - scaled_step(m_hat, v_hat, hyperparameters), new_buffers


# One documented AdamW step: Adam's, with weight decay decoupled.
adamw_update = functools.partial(adam_update, decoupled=True)


def _initial_buffers(param: Tensor, hyperparameters: Mapping[str, Any]) -> dict[str, Tensor]:
    names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")[: 3 if hyperparameters["amsgrad"] else 2]
    return {name: torch.zeros_like(param) for name in names}


_POSITIVE_WEIGHT_DECAY = st.floats(1 / 64, 0.5)
# A β1 in (0, 0.1) is left out: 1 - β1 rounds to 1 for tiny β1, which a first-order tolerance
# cannot see (torch interpolates with weight 1 - β1); β1 = 0 itself is drawn.
# β1 = 0, the bound, is betas_bounds' to judge.
_BETA1 = st.one_of(st.just(0.9), st.floats(0.1, 0.99))


def _betas(beta2: SearchStrategy[float]) -> SearchStrategy[tuple[float, float]]:
    return st.tuples(_BETA1, beta2)


def _hyperparameter_space(dtype: torch.dtype, weight_decay_default: float) -> dict[str, SearchStrategy[Any]]:
    # The tolerances of conformance.tolerances are first-order: rounding errors must stay small
    # beside the values they perturb. In fp16, (1 - β2) g² is subnormal for small g when β2 is
    # near 1, and sqrt(v̂) then errs by far more than one rounding; β2 <= 0.99 and ε >= 1e-4
    # keep the quotient well conditioned there.
    low = dtype == torch.float16
    beta2 = st.floats(0.5, 0.99) if low else st.one_of(st.just(0.999), st.floats(0.5, 0.9999))
    smallest_eps = 1e-4 if low else 1e-8
    return {
        "lr": st.one_of(st.just(1e-3), st.floats(1 / 1024, 0.5, width=32)),
        "betas": _betas(beta2),
        "eps": st.sampled_from([e for e in (1e-8, 1e-6, 1e-4, 1e-2) if e >= smallest_eps]),
        "weight_decay": st.one_of(st.just(weight_decay_default), _POSITIVE_WEIGHT_DECAY),
        "amsgrad": st.booleans(),
        "maximize": st.booleans(),
    }


def _adam_space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    return {**_hyperparameter_space(dtype, 0.0), "decoupled_weight_decay": st.booleans()}


def _adamw_space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
    return _hyperparameter_space(dtype, 0.01)


def _plain(**overrides: SearchStrategy[Any]) -> dict[str, SearchStrategy[Any]]:
    """A scenario's overrides: every optional behaviour off unless named."""
    off = {
        "weight_decay": st.just(0.0),
        "amsgrad": st.just(False),
        "maximize": st.just(False),
    }
    return {**off, **overrides}


_INVALID_ARGUMENTS = (
    InvalidArguments.of("negative lr", lr=-0.1),
    InvalidArguments.of("NaN lr", lr=float("nan")),
    InvalidArguments.of("negative eps", eps=-1e-8),
    InvalidArguments.of("negative β1", betas=(-0.1, 0.999)),
    InvalidArguments.of("β1 = 1", betas=(1.0, 0.999)),
    InvalidArguments.of("β2 = 1", betas=(0.9, 1.0)),
    InvalidArguments.of("NaN β2", betas=(0.9, float("nan"))),
    InvalidArguments.of("negative weight_decay", weight_decay=-0.1),
    InvalidArguments("multi-element Tensor lr", lambda: {"lr": torch.tensor([0.1, 0.2])}),
    InvalidArguments("negative Tensor lr", lambda: {"lr": torch.tensor(-0.1)}),
)
_BOUNDARY_ARGUMENTS = (
    {"betas": (0.0, 0.0)},
    {"betas": (0.0, 0.999)},
    {"lr": 0.0},
    {"eps": 0.0},
    {"weight_decay": 0.0},
)


def _scenarios(
    decay: MathScenario, decay_rule: str, pinned: Mapping[str, SearchStrategy[Any]]
) -> tuple[MathScenario, ...]:
    """The math scenarios of both specs: ``decay`` is the one for weight decay, which the others
    quote as ``decay_rule``; ``pinned`` overrides the hyperparameters of all but ``decay``."""
    shared = (
        MathScenario(
            "update_math",
            "m_t <- β1 m_{t-1} + (1 - β1) g_t; v_t <- β2 v_{t-1} + (1 - β2) g_t²; "
            "θ_t <- θ_{t-1} - lr · m̂_t / (sqrt(v̂_t) + ε) (β weighs the old average, 1 - β "
            "the new value)",
            _plain(),
        ),
        MathScenario(
            "bias_correction",
            "m̂_t <- m_t / (1 - β1^t), v̂_t <- v_t / (1 - β2^t), t the param's own step count "
            "(1 at its first step)",
            _plain(betas=_betas(st.floats(0.5, 0.999)), eps=st.sampled_from([1e-8, 1e-6])),
        ),
        MathScenario(
            "eps",
            "ε is added after the square root: m̂_t / (sqrt(v̂_t) + ε), not "
            "m̂_t / sqrt(v̂_t + ε)",
            _plain(eps=st.sampled_from([1e-2, 0.1, 1.0])),
        ),
        MathScenario(
            "betas_bounds",
            "0 <= β < 1, 0 included: β1 = 0 steps along m_t = g_t, β2 = 0 takes v_t = g_t² "
            "(bias corrections 1 - 0^t = 1)",
            _plain(
                betas=st.tuples(st.sampled_from([0.0, 0.9]), st.sampled_from([0.0, 0.999])),
                eps=st.sampled_from([1e-2, 1e-4]),
            ),
        ),
        MathScenario(
            "maximize",
            "maximize=True steps along -grad: g_t <- -grad",
            _plain(maximize=st.just(True)),
        ),
        MathScenario(
            "maximize_with_weight_decay",
            f"maximize negates the gradient only, never the decay: g_t <- -grad; {decay_rule}",
            _plain(maximize=st.just(True), weight_decay=_POSITIVE_WEIGHT_DECAY),
        ),
        MathScenario(
            "amsgrad",
            "if amsgrad: v_t^max <- max(v_{t-1}^max, v_t) (state['max_exp_avg_sq'], the "
            "running maximum of v, not of v̂); v̂_t <- v_t^max / (1 - β2^t)",
            _plain(amsgrad=st.just(True)),
        ),
        MathScenario(
            "amsgrad_with_weight_decay",
            f"amsgrad with weight decay: {decay_rule}; v_t^max <- max(v_{{t-1}}^max, v_t)",
            _plain(amsgrad=st.just(True), weight_decay=_POSITIVE_WEIGHT_DECAY),
        ),
        MathScenario(
            "lr_zero",
            "lr = 0 leaves params unchanged while the moments still advance",
            {"lr": st.just(0.0)},
            judges_state=True,
        ),
    )
    pin = [MathScenario(s.name, s.rule, {**pinned, **s.hyperparameters}) for s in shared]
    return (*pin[:4], decay, *pin[4:])


_L2_RULE = "if λ != 0: g_t <- g_t + λ θ_{t-1}, before the moments are updated (L2, coupled)"
_DECOUPLED_RULE = (
    "θ_t <- θ_{t-1} - lr · λ θ_{t-1}, outside the moments (decoupled: g_t does not include λθ)"
)

_OPTIONS_ADDED_LATER = ("amsgrad", "maximize", "foreach", "capturable", "differentiable", "fused")
_COMMON = {
    "positional": ("lr", "betas", "eps", "weight_decay", "amsgrad"),
    "invalid_arguments": _INVALID_ARGUMENTS,
    "boundary_arguments": _BOUNDARY_ARGUMENTS,
    "buffers": ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    "step_key": "step",
    "init_buffers": _initial_buffers,
    "capabilities": frozenset({"foreach", "capturable", "differentiable", "fused"}),
    "options_fixed_after_first_step": ("amsgrad",),
    # "betas (Tuple[Union[float, Tensor], Union[float, Tensor]])", torch.optim.Adam's docs.
    "tensor_hyperparameters": ("betas",),
}



def _defaults(weight_decay: float) -> dict[str, Any]:
    return {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": weight_decay,
        "amsgrad": False,
        "maximize": False,
    }


_EXAMPLE = {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-4, "weight_decay": 0.1, "amsgrad": False, "maximize": False}
_OTHER = {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True, "maximize": True}

ADAM = OptimizerSpec(
    name="Adam",
    reference=torch.optim.Adam,
    algorithm=ADAM_ALGORITHM,
    defaults={**_defaults(weight_decay=0.0), "decoupled_weight_decay": False},
    hyperparameter_space=_adam_space,
    example_hyperparameters={**_EXAMPLE, "decoupled_weight_decay": False},
    other_hyperparameters={**_OTHER, "decoupled_weight_decay": True},
    scenarios=(
        *_scenarios(
            MathScenario(
                "weight_decay",
                _L2_RULE,
                _plain(weight_decay=_POSITIVE_WEIGHT_DECAY, decoupled_weight_decay=st.just(False)),
            ),
            _L2_RULE,
            {"decoupled_weight_decay": st.just(False)},
        ),
        MathScenario(
            "decoupled_weight_decay",
            f"decoupled_weight_decay=True is AdamW: {_DECOUPLED_RULE}",
            _plain(weight_decay=_POSITIVE_WEIGHT_DECAY, decoupled_weight_decay=st.just(True)),
        ),
    ),
    update=adam_update,
    base_hyperparameters=("lr", "betas", "eps"),
    options_added_later=(*_OPTIONS_ADDED_LATER, "decoupled_weight_decay"),
    **_COMMON,
)

ADAMW = OptimizerSpec(
    name="AdamW",
    reference=torch.optim.AdamW,
    algorithm=ADAMW_ALGORITHM,
    defaults=_defaults(weight_decay=0.01),
    hyperparameter_space=_adamw_space,
    example_hyperparameters=_EXAMPLE,
    other_hyperparameters=_OTHER,
    scenarios=_scenarios(
        MathScenario("weight_decay", _DECOUPLED_RULE, _plain(weight_decay=_POSITIVE_WEIGHT_DECAY)),
        _DECOUPLED_RULE,
        {},
    ),
    update=adamw_update,
    base_hyperparameters=("lr", "betas", "eps"),
    options_added_later=_OPTIONS_ADDED_LATER,
    **_COMMON,
)
