"""The execution paths an implementation offers: torch's flags that pick another code path for
the same math (``foreach``, ``fused``, ``differentiable``; ``capturable`` on an accelerator).

A path is offered where the constructor takes its flag (see :mod:`conformance.options`) and a
float32 and a float64 param build and step on it without raising. The math checks draw their
path from those offered, so a bug that lives only on the multi-tensor or fused path fails the
check about the rule it breaks; a path the implementation does not offer is reported once, as a
note of the run, not as a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from .options import Options
from .spec import OptimizerSpec

__all__ = ["ExecutionPaths", "probe_paths"]

# Each flag's non-default path(s), in the order a failure shrinks towards (the default first).
_CANDIDATES: tuple[Mapping[str, Any], ...] = (
    {"foreach": False},
    {"foreach": True},
    {"fused": True},
    {"differentiable": True},
    {"capturable": True},
)


@dataclass(frozen=True)
class ExecutionPaths:
    """The paths the math checks draw from (the default, ``{}``, first), and the others of the
    spec's reference with why the implementation does not offer them."""

    offered: tuple[Mapping[str, Any], ...]
    not_offered: tuple[tuple[Mapping[str, Any], str], ...]

    def notes(self) -> tuple[str, ...]:
        """One line per path, for the report."""
        offered = ", ".join(_spelled(p) for p in self.offered)
        lines = [f"execution paths the math checks draw: {offered}"]
        lines += [f"does not offer {_spelled(p)}: {why}" for p, why in self.not_offered]
        return tuple(lines)


def _spelled(path: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in path.items()) or "the default path"


def _steps(factory: Callable[..., Any], options: Mapping[str, Any], device: torch.device) -> None:
    for dtype in (torch.float32, torch.float64):
        differentiable = bool(options.get("differentiable"))
        # A differentiable step runs with grad enabled: on params that do not require grad,
        # as in a meta-learning loop, not on leaves that do.
        param = torch.ones(3, device=device, dtype=dtype, requires_grad=not differentiable)
        optimizer = factory([param], **options)
        param.grad = torch.full_like(param, 0.5)
        optimizer.step()


def probe_paths(
    factory: Callable[..., Any], spec: OptimizerSpec, options: Options, device: torch.device
) -> ExecutionPaths:
    """Try each of the reference's paths on ``factory`` (a fitted one: ``lr`` passed)."""
    offered: list[Mapping[str, Any]] = [{}]
    not_offered: list[tuple[Mapping[str, Any], str]] = []
    for path in _CANDIDATES:
        (flag,) = path
        if flag not in spec.capabilities:
            continue
        if flag == "capturable" and device.type == "cpu":
            continue  # torch's capturable needs an accelerator
        try:
            _steps(spec.reference, path, device)
        except Exception:  # noqa: BLE001 - torch itself does not offer it here
            continue
        if not options.takes(flag):
            not_offered.append((path, f"the constructor does not take {flag!r}"))
            continue
        try:
            _steps(factory, path, device)
        except Exception as error:  # noqa: BLE001 - whatever it raised, the path is not offered
            not_offered.append((path, f"{type(error).__name__}: {error}"))
            continue
        offered.append(path)
    return ExecutionPaths(tuple(offered), tuple(not_offered))
