"""Peak memory of optimizer steps: the most bytes allocated at once above what existed before.

The figure includes the optimizer state the first step creates (``square_avg``, ``acc_delta``:
twice the params' bytes for torch.optim.Adadelta) and every temporary a step allocates, less
what a step frees of the memory that existed before it (e.g. params whose data a step moves
into a flat buffer), so two implementations that keep the same state differ only by their
temporaries.

CPU: torch's memory profiler (``torch.profiler.profile(profile_memory=True)``) records every
allocation and free made through torch's CPU allocator, with its size and time; the peak of
their running sum is exact. It sees no free of a block allocated before it started, so
:func:`tracking` starts it before the params exist and measures only the part marked by
:meth:`Tracker.measured`. Python objects (e.g. the compiler's own data structures while the
first step compiles) are not torch allocations and are not counted, which is what makes this
usable around a compiling step, unlike a process's RSS high-water mark.

CUDA: ``torch.cuda.max_memory_allocated()`` after ``torch.cuda.reset_peak_memory_stats()``,
minus ``memory_allocated()`` before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch.profiler import ProfilerActivity, profile, record_function

__all__ = ["Tracker", "method", "peak_bytes", "tracking"]

_CPU_METHOD = (
    "peak of the running sum of torch CPU allocations and frees during the steps, from before "
    "the params existed (torch.profiler, profile_memory=True)"
)
_CUDA_METHOD = "torch.cuda.max_memory_allocated() during the steps, minus memory_allocated() before"
_MARKER = "adadelta_compiled.bench.measured"


def method(device: torch.device) -> str:
    """How :func:`peak_bytes` measures on ``device``, in words for the report."""
    return _CUDA_METHOD if device.type == "cuda" else _CPU_METHOD


class Tracker:
    """Allocations on one device since :func:`tracking` began; :attr:`peak` once it ends."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak: int | None = None
        self._cuda_before = 0

    @contextmanager
    def measured(self) -> Iterator[None]:
        """Mark the part whose peak (above the bytes live when it starts) is measured; once."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._cuda_before = torch.cuda.memory_allocated(self.device)
            yield
            torch.cuda.synchronize(self.device)
            self.peak = torch.cuda.max_memory_allocated(self.device) - self._cuda_before
        else:
            with record_function(_MARKER):
                yield


@contextmanager
def tracking(device: torch.device) -> Iterator[Tracker]:
    """Track allocations from now: create what the measured part frees inside this block."""
    tracker = Tracker(device)
    if device.type == "cuda":
        yield tracker
        return
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        yield tracker
    events = list(profiler.profiler.kineto_results.events())
    marker = next(event for event in events if event.name() == _MARKER)
    start, end = marker.start_ns(), marker.start_ns() + marker.duration_ns()
    allocations = sorted(
        (event.start_ns(), event.nbytes())
        for event in events
        if event.name() == "[memory]" and event.device_type() == torch.autograd.DeviceType.CPU
    )
    live = sum(nbytes for time, nbytes in allocations if time < start)  # frees are negative
    before, peak = live, 0
    for time, nbytes in allocations:
        if start <= time <= end:
            live += nbytes
            peak = max(peak, live - before)
    tracker.peak = peak


def peak_bytes(run: Callable[[], None], device: torch.device) -> int:
    """The most bytes allocated at once while ``run`` runs, above those live before it."""
    with tracking(device) as tracker, tracker.measured():
        run()
    assert tracker.peak is not None
    return tracker.peak
