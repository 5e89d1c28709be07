"""Steady-state step time: torch.utils.benchmark over a step that has already run (and compiled).

``Timer.blocked_autorange`` runs the step in blocks of enough calls to last at least ~10 ms,
for at least ``min_run_time`` seconds; each block gives one sample of the time per step. Slow
steps (a 124 M-param model on a 2-core CPU) would give few samples in that time, so more
blocks are added until there are :data:`MIN_SAMPLES`. The Timer synchronizes CUDA and runs at a
stated thread count, which the result records, with the CPUs other work took meanwhile.

Steps that need something done before each of them, untimed (new grads, as torch's default
training loop has them), are timed one by one instead, each a sample.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.benchmark import Measurement, Timer

from .contention import measuring_other_work

__all__ = ["MIN_SAMPLES", "StepTime", "time_steps"]

MIN_SAMPLES = 7


@dataclass
class StepTime:
    """Seconds per step: the median and interquartile range of the samples."""

    median: float
    iqr: float
    samples: int
    steps_per_sample: int
    threads: int
    other_cpus: float | None = None  # CPUs other processes kept busy meanwhile (contention)


def time_steps(
    step: Callable[[], Any],
    *,
    min_run_time: float,
    threads: int,
    before_each: Callable[[], Any] | None = None,
) -> StepTime:
    """Time ``step()`` (already warmed up) with torch.utils.benchmark at ``threads`` threads.

    ``before_each`` (e.g. giving the params new grads) runs before every step, untimed; each
    step is then a sample of its own, timed with ``time.perf_counter``.
    """
    if before_each is not None:
        return _time_each_step(step, before_each, min_run_time=min_run_time, threads=threads)
    timer = Timer(stmt="step()", globals={"step": step}, num_threads=threads)
    with measuring_other_work() as other_work:
        measurement = timer.blocked_autorange(min_run_time=min_run_time)
        steps_per_sample = measurement.number_per_run
        while len(measurement.times) < MIN_SAMPLES:
            # merge() rescales to one step per sample; the blocks keep their first size.
            (measurement,) = Measurement.merge([measurement, timer.timeit(steps_per_sample)])
    return _step_time(measurement.times, steps_per_sample, threads, other_work.cpus)


def _time_each_step(
    step: Callable[[], Any], before_each: Callable[[], Any], *, min_run_time: float, threads: int
) -> StepTime:
    synchronize = torch.cuda.synchronize if torch.cuda.is_initialized() else (lambda: None)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    times: list[float] = []
    try:
        with measuring_other_work() as other_work:
            spent = 0.0
            while spent < min_run_time or len(times) < MIN_SAMPLES:
                before_each()
                synchronize()
                start = time.perf_counter()
                step()
                synchronize()
                times.append(time.perf_counter() - start)
                spent += times[-1]
    finally:
        torch.set_num_threads(previous_threads)
    return _step_time(times, 1, threads, other_work.cpus)


def _step_time(
    times: list[float], steps_per_sample: int, threads: int, other_cpus: float | None
) -> StepTime:
    quartiles = statistics.quantiles(times, n=4)
    return StepTime(
        median=statistics.median(times),
        iqr=quartiles[2] - quartiles[0],
        samples=len(times),
        steps_per_sample=steps_per_sample,
        threads=threads,
        other_cpus=other_cpus,
    )
