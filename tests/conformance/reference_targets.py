"""torch.optim.Adadelta's three code paths as conformance targets: each must pass every check.

Importable as ``reference_targets:<name>`` from tests (pytest puts this directory on sys.path)
and as ``tests.conformance.reference_targets:<name>`` from the repository root.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.optim.adadelta import adadelta

__all__ = ["FunctionalDifferentiableAdadelta", "torch_for_loop", "torch_foreach", "torch_functional_differentiable"]


def torch_foreach(params: Any, *args: Any, **kwargs: Any) -> torch.optim.Adadelta:
    """torch.optim.Adadelta on its multi-tensor (``torch._foreach_*``) path, wherever torch
    has one: ``_foreach`` ops do not support autograd, so with ``differentiable=True`` torch
    itself takes the for-loop path."""
    foreach = not kwargs.get("differentiable", False)
    return torch.optim.Adadelta(params, *args, **{**kwargs, "foreach": foreach})


def torch_for_loop(params: Any, *args: Any, **kwargs: Any) -> torch.optim.Adadelta:
    """torch.optim.Adadelta on its single-tensor (for-loop) path."""
    return torch.optim.Adadelta(params, *args, **{**kwargs, "foreach": False})


class FunctionalDifferentiableAdadelta(torch.optim.Adadelta):
    """torch.optim.Adadelta whose step calls the functional
    ``torch.optim.adadelta.adadelta(..., differentiable=True)`` on every param group.

    Like torch.optim.Adadelta, the step records for autograd only when the optimizer was
    built with ``differentiable=True`` (over params that autograd lets it update in place);
    otherwise it runs under ``torch.no_grad()``.
    """

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.set_grad_enabled(self.defaults["differentiable"]):
            for group in self.param_groups:
                params, grads, square_avgs, acc_deltas, steps = [], [], [], [], []
                has_complex = self._init_group(group, params, grads, square_avgs, acc_deltas, steps)
                adadelta(
                    params,
                    grads,
                    square_avgs,
                    acc_deltas,
                    steps,
                    capturable=group["capturable"],
                    foreach=False,
                    differentiable=True,
                    has_complex=has_complex,
                    lr=group["lr"],
                    rho=group["rho"],
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    maximize=group["maximize"],
                )
        return loss


torch_functional_differentiable = FunctionalDifferentiableAdadelta
