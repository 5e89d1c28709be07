"""torch.optim.Adagrad's code paths as conformance targets for the Adagrad spec.

Importable as ``adagrad_targets:<name>`` from tests (pytest puts this directory on sys.path)
and as ``tests.conformance.adagrad_targets:<name>`` from the repository root.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["torch_compiled", "torch_for_loop", "torch_foreach", "torch_fused"]


def torch_for_loop(params: Any, *args: Any, **kwargs: Any) -> torch.optim.Adagrad:
    """torch.optim.Adagrad on its single-tensor (for-loop) path, unless told otherwise."""
    return torch.optim.Adagrad(params, *args, **{"foreach": False, **kwargs})


def torch_foreach(params: Any, *args: Any, **kwargs: Any) -> torch.optim.Adagrad:
    """torch.optim.Adagrad on its multi-tensor path wherever torch has one: ``_foreach`` ops
    do not support autograd, so with ``differentiable=True`` torch takes the for-loop path."""
    foreach = not kwargs.get("differentiable", False)
    return torch.optim.Adagrad(params, *args, **{"foreach": foreach, **kwargs})


def torch_fused(params: Any, *args: Any, **kwargs: Any) -> torch.optim.Adagrad:
    """torch.optim.Adagrad on its fused path unless told otherwise: torch has no fused
    differentiable step, so with ``differentiable=True`` (and no ``fused``) it is not fused."""
    fused = kwargs.pop("fused", not kwargs.get("differentiable", False))
    return torch.optim.Adagrad(params, *args, **kwargs, fused=fused)


def torch_compiled(params: Any, *args: Any, **kwargs: Any) -> torch.optim.Adagrad:
    """torch.optim.Adagrad whose ``step`` is ``torch.compile(optimizer.step)``."""
    optimizer = torch.optim.Adagrad(params, *args, **kwargs)
    optimizer.step = torch.compile(optimizer.step)  # type: ignore[method-assign]
    return optimizer
