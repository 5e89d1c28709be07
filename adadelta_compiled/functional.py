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

import functools
from collections.abc import Callable
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
        (θ_t, v_t, u_t), each with the dtype of its input (state may have another dtype than
        the param, e.g. after ``model.half()``: torch keeps the state it had).
    """
    # Arithmetic runs in torch's "opmath" type (float32 for bf16/fp16 tensors, else the widest
    # dtype among them) and rounds exactly where torch.optim.Adadelta's op-by-op eager code
    # rounds: at the end of each of its ops, to the dtype of the tensor that op writes (the grad,
    # square_avg or acc_delta; delta is computed in acc_delta's dtype). Where all four share one
    # dtype of float32 or wider, rounding is a no-op.
    opmath = functools.reduce(
        torch.promote_types, (t.dtype for t in (param, grad, square_avg, acc_delta)), torch.float32
    )

    def rounding_to(dtype: torch.dtype) -> Callable[[Tensor], Tensor]:
        return lambda x: x.to(dtype).to(opmath)

    as_grad, as_square_avg, as_acc_delta = (
        rounding_to(t.dtype) for t in (grad, square_avg, acc_delta)
    )
    theta, g, v, u = (t.to(opmath) for t in (param, grad, square_avg, acc_delta))
    g = torch.where(hp.maximize, -g, g)
    # torch adds weight decay only when λ != 0; adding 0·θ instead would turn an inf θ into nan.
    g = torch.where(hp.weight_decay != 0, as_grad(g + hp.weight_decay * theta), g)
    # Products are ordered as torch's addcmul orders them, (1 - ρ)·a·b.
    v = as_square_avg(as_square_avg(v * hp.rho) + (1 - hp.rho) * g * g)
    std = as_square_avg(as_square_avg(v + hp.eps).sqrt())
    delta = as_acc_delta(as_acc_delta(as_acc_delta(as_acc_delta(u + hp.eps).sqrt()) / std) * g)
    u = as_acc_delta(as_acc_delta(u * hp.rho) + (1 - hp.rho) * delta * delta)
    theta = theta - hp.lr * delta
    return theta.to(param.dtype), v.to(square_avg.dtype), u.to(acc_delta.dtype)


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
