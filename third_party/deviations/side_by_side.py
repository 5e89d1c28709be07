"""What every deviation script shares: the same inputs for torch.optim's class and a library's.

A script builds both optimizers with :func:`stepped` (same params, same grads, same steps) and
ends with ``sys.exit(compare(...))``: it prints both results and exits 1 when they differ, 0
when they match, 2 when it crashed (importing this module installs that exit code). A deviation's script thus exits 1 (the deviation shows); a script named
``*_keeps_*`` exits 0 (the rule is kept). ``python -m third_party.deviations`` runs them all.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

__all__ = [
    "Stepped", "compare", "group_options", "params_after", "raised", "sparse_step", "state_keys",
    "step_after_deepcopy", "step_after_loading", "stepped", "worst",
]

warnings.filterwarnings("ignore")


def _crashed(kind: type[BaseException], error: BaseException, trace: Any) -> None:
    # A script that crashes proves nothing: exit 2, so that it is not read as "differs" (1).
    traceback.print_exception(kind, error, trace)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(2)


sys.excepthook = _crashed

SHAPES = ((3, 4), (5,))


@dataclass
class Stepped:
    """Params after the steps, and the optimizer that took them."""

    params: list[Tensor]
    optimizer: Optimizer


def _grad(shape: Sequence[int], dtype: torch.dtype, seed: int) -> Tensor:
    generator = torch.Generator().manual_seed(seed)
    real = dtype.to_real() if dtype.is_complex else dtype
    grad = torch.randn(tuple(shape), generator=generator, dtype=torch.float64)
    if dtype.is_complex:
        grad = torch.complex(grad, torch.randn(tuple(shape), generator=generator, dtype=torch.float64))
    return grad.to(dtype) if dtype.is_complex else grad.to(real)


def stepped(
    build: Callable[[list[Tensor]], Optimizer],
    *,
    steps: int = 5,
    dtype: torch.dtype = torch.float32,
    shapes: Sequence[Sequence[int]] = SHAPES,
    none_grads: dict[int, Sequence[int]] | None = None,
    between: Callable[[Optimizer, int], None] | None = None,
) -> Stepped:
    """``build(params)`` stepped ``steps`` times on seeded grads.

    ``none_grads[step]`` lists the params whose grad is None at that step (1-based);
    ``between(optimizer, step)`` runs before each step.
    """
    params = [_grad(shape, dtype, seed).requires_grad_() for seed, shape in enumerate(shapes)]
    optimizer = build(params)
    for step in range(1, steps + 1):
        for i, param in enumerate(params):
            skipped = i in (none_grads or {}).get(step, ())
            param.grad = None if skipped else _grad(param.shape, dtype, 100 * step + i)
        if between is not None:
            between(optimizer, step)
        optimizer.step()
    return Stepped([p.detach().clone() for p in params], optimizer)


def raised(call: Callable[[], Any]) -> str:
    """``call()``'s exception as ``Type: message``, or ``"no exception"``."""
    try:
        call()
    except Exception as error:  # noqa: BLE001  # any exception is the observation
        return f"{type(error).__name__}: {error}"
    return "no exception"


def _real(value: Tensor) -> Tensor:
    return torch.view_as_real(value) if value.is_complex() else value


def _gap(a: Tensor, b: Tensor) -> float:
    return (_real(a).double() - _real(b).double()).abs().max().item() if a.numel() else 0.0


def _same(a: Any, b: Any, ulps: float) -> bool:
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if ulps == 0 or not a.numel():
            return torch.equal(a, b)
        # "Within rounding": ulps units in the last place of the largest magnitude.
        unit = torch.finfo(_real(a).dtype).eps * _real(a).double().abs().max().item()
        return _gap(a, b) <= ulps * unit
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y, ulps) for x, y in zip(a, b))
    return bool(a == b)


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Tensor) for v in value):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, Tensor):
        flat = value.detach().flatten()[:3].tolist()
        return f"{value.dtype} {tuple(value.shape)} {flat}{' ...' if value.numel() > 3 else ''}"
    return repr(value)


def compare(what: str, torch_value: Any, library_value: Any, *, ulps: float = 0) -> int:
    """Print both values; 0 when they match (bit for bit, or within ``ulps`` units in the last
    place of the largest value), 1 when they differ."""
    same = _same(torch_value, library_value, ulps)
    both_lists = isinstance(torch_value, list) and isinstance(library_value, list)
    pairs = list(zip(torch_value, library_value)) if both_lists else [(torch_value, library_value)]
    gaps = [_gap(a, b) for a, b in pairs if isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape == b.shape]
    if gaps:
        what += f" (max |difference| {max(gaps):.3g})"
    print(what)
    print(f"  torch.optim: {_shown(torch_value)}")
    print(f"  library:     {_shown(library_value)}")
    print(("  -> same" + (f" (within {ulps} ulps)" if ulps else "")) if same else "  -> differs")
    return 0 if same else 1


def params_after(build: Callable[[list[Tensor]], Optimizer], **how: Any) -> list[Tensor] | str:
    """The params after :func:`stepped`, or the exception it raised as ``Type: message``."""
    try:
        return stepped(build, **how).params
    except Exception as error:  # noqa: BLE001  # the exception is the observation
        return f"{type(error).__name__}: {error}"


def state_keys(build: Callable[[list[Tensor]], Optimizer], **how: Any) -> list[str]:
    """The keys of the first param's state after :func:`stepped`."""
    run = stepped(build, **how)
    return sorted(map(str, run.optimizer.state[run.optimizer.param_groups[0]["params"][0]]))


def group_options(build: Callable[[list[Tensor]], Optimizer]) -> list[str]:
    """The option names a freshly built optimizer stores in its param group."""
    optimizer = build([torch.zeros(3, requires_grad=True)])
    return sorted(k for k in optimizer.param_groups[0] if k != "params")


def step_after_deepcopy(build: Callable[[list[Tensor]], Optimizer]) -> str:
    """Step a ``copy.deepcopy`` of a stepped optimizer: ``"no exception"`` or the exception."""
    import copy

    run = stepped(build, steps=2)
    duplicate = copy.deepcopy(run.optimizer)
    for param in duplicate.param_groups[0]["params"]:
        param.grad = torch.ones_like(param)
    return raised(duplicate.step)


def step_after_loading(
    source: Callable[[list[Tensor]], Optimizer], target: Callable[[list[Tensor]], Optimizer]
) -> str:
    """Load ``source``'s state_dict (after 2 steps) into ``target`` over the same params, then
    step: ``"no exception"`` or the exception."""

    def load_then_step() -> None:
        run = stepped(source, steps=2)
        params = [p for group in run.optimizer.param_groups for p in group["params"]]
        optimizer = target(params)
        optimizer.load_state_dict(run.optimizer.state_dict())
        for param in params:
            param.grad = torch.ones_like(param)
        optimizer.step()

    return raised(load_then_step)


def sparse_step(build: Callable[[list[Tensor]], Optimizer]) -> list[Tensor] | str:
    """Step a zero param once with a sparse COO grad: the param, or the exception."""

    def step() -> list[Tensor]:
        param = torch.zeros(4, requires_grad=True)
        optimizer = build([param])
        param.grad = torch.sparse_coo_tensor([[0, 2]], [1.0, 2.0], (4,))
        optimizer.step()
        return [param.detach().clone()]

    try:
        return step()
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"


def worst(*codes: int) -> int:
    """One exit code for several comparisons: 1 when any differs."""
    return max(codes, default=0)
