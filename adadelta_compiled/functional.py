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
but not on tensor values. The one exception is whether there is weight decay at all (see
:class:`Hyperparameters`).

The arithmetic is torch.optim.Adadelta's, op for op and rounding for rounding: where torch's
CPU and CUDA kernels compute ``addcmul`` (``self + value * t1 * t2``) and ``add`` with
``alpha`` (``self + alpha * other``) as one fused multiply-add, so does this code
(:func:`_fma`), so that compiled, it produces torch's bits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import torch
import torch._inductor.inductor_prims  # registers torch.ops.prims.fma
from torch import Tensor

__all__ = ["Hyperparameters", "adadelta_update", "adadelta_step_"]


class Hyperparameters(NamedTuple):
    """One param group's hyperparameters as 0-d tensors (see the module docstring).

    ``weight_decay`` is None for a group without weight decay (λ = 0): the update then has no
    weight-decay arithmetic at all, which a compiled kernel would otherwise do for every element
    and discard (torch.where), at a measurable cost in a kernel that is close to compute-bound
    on CPUs with few cores (see :mod:`adadelta_compiled.kernel`).
    """

    lr: Tensor
    rho: Tensor
    eps: Tensor
    weight_decay: Tensor | None
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
        return cls(lr_tensor, rho_t, eps_t, None if weight_decay == 0 else weight_decay_t,
                   maximize_t != 0)  # fmt: skip


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
    # Python scalars reach torch's kernels rounded to opmath: so do these.
    rho, one_minus_rho = hp.rho.to(opmath), (1 - hp.rho).to(opmath)
    # -g as a product with ±1: the same value (a NaN may keep its sign bit), and in a compiled
    # kernel one multiply rather than a negation and a per-element blend (~2 % of a step).
    g = g * torch.where(hp.maximize, -1.0, 1.0).to(opmath)
    if hp.weight_decay is not None:
        # grad.add(param, alpha=λ), only where λ != 0: adding 0·θ would turn an inf θ into nan.
        g = torch.where(
            hp.weight_decay != 0, as_grad(_fma(theta, hp.weight_decay.to(opmath), g)), g
        )
    # square_avg.mul_(ρ).addcmul_(g, g, value=1 - ρ): fma((1 - ρ)·g, g, ρ·v).
    v = as_square_avg(_fma(one_minus_rho * g, g, as_square_avg(v * rho)))
    std = as_square_avg(as_square_avg(v + hp.eps).sqrt())
    delta = as_acc_delta(as_acc_delta(as_acc_delta(as_acc_delta(u + hp.eps).sqrt()) / std) * g)
    u = as_acc_delta(_fma(one_minus_rho * delta, delta, as_acc_delta(u * rho)))
    # param.add_(delta, alpha=-γ): fma(Δx, -γ, θ).
    theta = _fma(delta, (-hp.lr).to(opmath), theta)
    return theta.to(param.dtype), v.to(square_avg.dtype), u.to(acc_delta.dtype)


def _fma(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """a·b + c, rounded once, as torch's kernels compute ``addcmul`` and ``add`` with alpha.

    Compiled, Inductor emits a fused multiply-add instruction for ``prims.fma`` (its C++ is
    built with ``-ffp-contract=off``, so it fuses nothing it is not told to). Eagerly, ATen's
    ``addcmul`` with value 1 is that same fused multiply-add.
    """
    if torch.compiler.is_compiling():
        return torch.ops.prims.fma(a, b, c)
    return torch.addcmul(c, a, b)


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
