"""The Adadelta update as pure tensor math: the functional core of the optimizer.

Symbols follow the torch.optim.Adadelta documentation::

    g_t  <- -g_t if maximize                       (negated before weight decay)
    g_t  <- g_t + λ θ_{t-1}           if λ != 0
    v_t  <- ρ v_{t-1} + (1 - ρ) g_t²                square_avg
    Δx_t <- sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · g_t delta (numerator uses u_{t-1})
    u_t  <- ρ u_{t-1} + (1 - ρ) Δx_t²               acc_delta
    θ_t  <- θ_{t-1} - γ Δx_t                        γ is lr

Every hyperparameter is a 0-d tensor rather than a Python number, so that one compiled graph
serves every value a scheduler or a user sets: Dynamo specialises on Python floats and bools
but not on tensor values.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["Hyperparameters", "adadelta_update", "adadelta_step_"]


class Hyperparameters(NamedTuple):
    """One param group's hyperparameters as 0-d tensors (see the module docstring)."""

    lr: Tensor
    rho: Tensor
    eps: Tensor
    weight_decay: Tensor
    maximize: Tensor

    @classmethod
    def from_group(cls, lr: float | Tensor, rho: float, eps: float, weight_decay: float,
                   maximize: bool) -> Hyperparameters:
        """Pack a param group's values; a Tensor lr is used as is (it may carry autograd)."""
        rho_eps_wd_max = torch.tensor(
            [rho, eps, weight_decay, float(maximize)], dtype=torch.float64
        ).unbind()
        if isinstance(lr, Tensor):
            lr_tensor = lr.reshape(())
            if lr_tensor.device.type == "cpu" and not lr_tensor.requires_grad:
                # One CPU dtype for every Tensor lr, so a float32 lr compiles no second graph.
                lr_tensor = lr_tensor.to(torch.float64)
        else:
            lr_tensor = torch.tensor(lr, dtype=torch.float64)
        rho_t, eps_t, weight_decay_t, maximize_t = rho_eps_wd_max
        return cls(lr_tensor, rho_t, eps_t, weight_decay_t, maximize_t != 0)


def adadelta_update(
    param: Tensor, grad: Tensor, square_avg: Tensor, acc_delta: Tensor, hp: Hyperparameters
) -> tuple[Tensor, Tensor, Tensor]:
    """One Adadelta step for one real tensor, out of place.

    Args:
        param: θ_{t-1}.
        grad: the gradient of the objective at θ_{t-1}.
        square_avg: v_{t-1}, the running average of squared gradients.
        acc_delta: u_{t-1}, the running average of squared updates.
        hp: the group's hyperparameters.

    Returns:
        (θ_t, v_t, u_t), each with the dtype of its input.
    """
    # Arithmetic runs in torch's "opmath" type (float32 for bf16/fp16 params, else the param's
    # dtype) and rounds to the param's dtype exactly where torch.optim.Adadelta's op-by-op eager
    # code rounds: at the end of each of its ops. For float32/float64 params rounding is a no-op.
    dtype = param.dtype
    opmath = torch.promote_types(dtype, torch.float32)

    def rounded(x: Tensor) -> Tensor:
        return x.to(dtype).to(opmath)

    theta, g, v, u = (t.to(opmath) for t in (param, grad, square_avg, acc_delta))
    g = torch.where(hp.maximize, -g, g)
    # torch adds weight decay only when λ != 0; adding 0·θ instead would turn an inf θ into nan.
    g = torch.where(hp.weight_decay != 0, rounded(g + hp.weight_decay * theta), g)
    # Products are ordered as torch's addcmul orders them, (1 - ρ)·a·b.
    v = rounded(rounded(v * hp.rho) + (1 - hp.rho) * g * g)
    std = rounded(rounded(v + hp.eps).sqrt())
    delta = rounded(rounded(rounded(rounded(u + hp.eps).sqrt()) / std) * g)
    u = rounded(rounded(u * hp.rho) + (1 - hp.rho) * delta * delta)
    theta = theta - hp.lr * delta
    return theta.to(dtype), v.to(dtype), u.to(dtype)


def adadelta_step_(
    param: Tensor, grad: Tensor, square_avg: Tensor, acc_delta: Tensor, hp: Hyperparameters
) -> None:
    """:func:`adadelta_update` written back in place into ``param``, ``square_avg``, ``acc_delta``."""
    new_param, new_square_avg, new_acc_delta = adadelta_update(
        param, grad, square_avg, acc_delta, hp
    )
    square_avg.copy_(new_square_avg)
    acc_delta.copy_(new_acc_delta)
    param.copy_(new_param)
