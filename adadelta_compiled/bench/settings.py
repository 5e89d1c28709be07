"""What a benchmark run measures, and how: the command line, as data."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .implementations import BUILTIN_NAMES
from .workloads import WORKLOADS

__all__ = ["DTYPES", "Settings"]

# --dtype: the dtype of params, grads and state, by name.
DTYPES: dict[str, torch.dtype] = {"fp32": torch.float32, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class Settings:
    """A benchmark run's choices (``python -m adadelta_compiled.bench --help`` explains each).

    Attributes:
        implementations: built-in names or ``MODULE:ATTR``, in table order.
        workloads: workload names, in table order.
        dtype: ``fp32`` or ``bf16`` for params, grads and state.
        device: ``cpu`` or ``cuda``.
        steps: steps with an lr changing every step over which graphs and recompiles are counted.
        quick: shrink every workload to a smoke test's size.
        first_step: implementations whose cold- and warm-cache first steps are measured.
        timeout: seconds after which one measurement's process is killed.
        rounds: rounds of the step-time measurement (one step of every implementation and
            one run of the streaming kernel each).
        step_time_only: measure only the step times (the rounds), no memory, compiles or
            first steps.
        candidate: the implementation the targets are checked for.
        threads: torch threads for the measurements; None: torch's default.
        grads: ``fresh``: every step gets new grad tensors, as torch's default loop gives them
            (``zero_grad()`` sets grads to None, backward makes new ones); ``kept``: the same
            grad tensors every step, as ``zero_grad(set_to_none=False)`` or accumulation leave
            them.
    """

    implementations: tuple[str, ...] = BUILTIN_NAMES
    workloads: tuple[str, ...] = tuple(w.name for w in WORKLOADS)
    dtype: str = "fp32"
    device: str = "cpu"
    steps: int = 100
    quick: bool = False
    first_step: tuple[str, ...] = ()
    timeout: float = 600.0
    rounds: int = 30
    step_time_only: bool = False
    candidate: str = "adadelta_compiled"
    threads: int | None = None
    grads: str = "fresh"
