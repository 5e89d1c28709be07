"""Step times head to head in one process: implementations stepped in alternating rounds, beside
a streaming kernel with the same memory traffic.

:func:`run_rounds` builds every implementation on its own copy of a workload's params, warms
each up (compiling, and waiting for any compile left running in the background), then runs
rounds: one step of each implementation and one run of the streaming kernel
(:func:`~adadelta_compiled.bench.roofline.stream_`: 4 reads and 3 writes of the workload's
element count, in its dtype), in an order rotated every round, each timed alone, new grads
given before every step untimed (unless the grads are kept). Every implementation thus sees the
same memory bandwidth, which on a shared VM drifts by ±30 % between the minutes separate
processes run in; medians and interquartile ranges are over the rounds. The streaming kernel's
time is the step's bound, so a step's multiple of it is the inverse of the fraction of
achievable memory bandwidth (HBM on a GPU) the step reaches. On CUDA, each implementation's
kernel launches per step are counted with torch.profiler.

A benchmark run calls it in a fresh process per workload (the ``rounds`` trial).
``python -m adadelta_compiled.bench.rounds [OPTIONS]`` is ``python -m adadelta_compiled.bench
--step-time-only [OPTIONS]``: the rounds alone.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .implementations import resolve
from .roofline import READS_PER_ELEMENT, stream_
from .workloads import Workload, make_params

__all__ = ["MIN_ROUNDS", "HeadToHead", "RoundTimes", "run_rounds"]

MIN_ROUNDS = 2  # quartiles need two samples


@dataclass(frozen=True)
class RoundTimes:
    """Seconds per step (or per streaming-kernel run) over the rounds: median and quartiles,
    and the samples they were taken from."""

    median: float
    q1: float
    q3: float
    rounds: int
    samples: tuple[float, ...] = ()

    @classmethod
    def of(cls, times: Sequence[float]) -> RoundTimes:
        q1, _, q3 = statistics.quantiles(times, n=4)
        return cls(statistics.median(times), q1, q3, len(times), tuple(times))

    @classmethod
    def pooled(cls, parts: Sequence[RoundTimes]) -> RoundTimes:
        """The times of several runs' rounds taken together."""
        return cls.of([sample for part in parts for sample in part.samples])


@dataclass(frozen=True)
class HeadToHead:
    """What one workload's rounds measured.

    Attributes:
        steps: each implementation's step time, by name, in the order given.
        stream: the streaming kernel's time, the steps' bandwidth bound.
        launches_per_step: CUDA kernel launches per step, by name; empty on the CPU.
    """

    steps: dict[str, RoundTimes]
    stream: RoundTimes
    launches_per_step: dict[str, float]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HeadToHead:
        def times(entry: dict[str, Any]) -> RoundTimes:
            return RoundTimes(**{**entry, "samples": tuple(entry.get("samples", ()))})

        return cls(
            steps={name: times(entry) for name, entry in data["steps"].items()},
            stream=times(data["stream"]),
            launches_per_step=dict(data["launches_per_step"]),
        )

    @classmethod
    def pooled(cls, parts: Sequence[HeadToHead]) -> HeadToHead:
        """Several runs' rounds of the same implementations taken together (launches per step
        from the first run that counted them)."""
        return cls(
            steps={
                name: RoundTimes.pooled([part.steps[name] for part in parts])
                for name in parts[0].steps
            },
            stream=RoundTimes.pooled([part.stream for part in parts]),
            launches_per_step=next(
                (part.launches_per_step for part in parts if part.launches_per_step), {}
            ),
        )


def run_rounds(
    workload: Workload,
    implementations: Sequence[str],
    *,
    rounds: int,
    fresh_grads: bool,
    dtype: torch.dtype = torch.float32,
    device: str = "cpu",
) -> HeadToHead:
    """Time every implementation's step on ``workload``, and the streaming kernel, in rounds.

    Raises:
        ValueError: fewer than :data:`MIN_ROUNDS` rounds.
    """
    if rounds < MIN_ROUNDS:
        raise ValueError(f"rounds={rounds}: quartiles need at least {MIN_ROUNDS} rounds")
    synchronize = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    buffers = [
        torch.rand(workload.numel, device=device).to(dtype) for _ in range(READS_PER_ELEMENT)
    ]
    stream = torch.compile(stream_, fullgraph=True, dynamic=False)

    def timed(run: Callable[[], Any], before: Callable[[], None] | None) -> Callable[[], float]:
        def once() -> float:
            if before is not None:
                before()
            synchronize()
            start = time.perf_counter()
            run()
            synchronize()
            return time.perf_counter() - start

        return once

    runs: dict[str | None, Callable[[], float]] = {}  # None: the streaming kernel
    for name in implementations:
        implementation = resolve(name)
        lr = torch.tensor(1.0) if implementation.tensor_lr else 1.0
        stepper = implementation.build(make_params(workload, dtype, device), lr)
        runs[name] = timed(stepper.step, stepper.renew_grads if fresh_grads else None)
    runs[None] = timed(lambda: stream(*buffers), None)

    for run in runs.values():  # compile, and start any background compile
        run()
        run()
    _wait_for_background_compiles()
    for run in runs.values():  # load what the background compiled
        run()
    launches = {}
    if device == "cuda":
        launches = {name: _launches_per_step(runs[name]) for name in implementations}
    times: dict[str | None, list[float]] = {name: [] for name in runs}
    order = list(runs)
    for round_index in range(rounds):
        shift = round_index % len(order)
        for name in order[shift:] + order[:shift]:
            times[name].append(runs[name]())
    return HeadToHead(
        steps={name: RoundTimes.of(times[name]) for name in implementations},
        stream=RoundTimes.of(times[None]),
        launches_per_step=launches,
    )


_LAUNCH_EVENTS = frozenset({"cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC"})
_PROFILED_STEPS = 5


def _launches_per_step(run: Callable[[], float]) -> float:
    """Kernel launches per step, counted by torch.profiler over a few steps."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as profiler:
        for _ in range(_PROFILED_STEPS):
            run()
    events = profiler.events() or []
    return sum(event.name in _LAUNCH_EVENTS for event in events) / _PROFILED_STEPS


def _wait_for_background_compiles() -> None:
    # adadelta_compiled compiles its multi-tensor graphs in a process of its own.
    many = sys.modules.get("adadelta_compiled.many")
    if many is not None:
        many.wait_for_compiles()


if __name__ == "__main__":
    from .cli import main

    sys.exit(main(["--step-time-only", *sys.argv[1:]]))
