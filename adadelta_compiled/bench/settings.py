"""What a benchmark run measures, and how: the command line, as data."""

from __future__ import annotations

from dataclasses import dataclass

from .implementations import BUILTIN_NAMES
from .workloads import WORKLOADS

__all__ = ["Settings"]


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
        min_run_time: seconds of steady-state timing per measurement, at least.
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
    min_run_time: float = 1.0
    candidate: str = "adadelta_compiled"
    threads: int | None = None
    grads: str = "fresh"
