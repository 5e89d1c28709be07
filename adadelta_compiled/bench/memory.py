"""Peak memory of optimizer steps: the most bytes allocated at once above what existed before.

The figure includes the optimizer state the first step creates (``square_avg``, ``acc_delta``:
twice the params' bytes for torch.optim.Adadelta) and every temporary a step allocates, so two
implementations that keep the same state differ only by their temporaries.

CPU: torch's memory profiler (``torch.profiler.profile(profile_memory=True)``) records every
allocation and free made through torch's CPU allocator, with its size and time; the peak of
their running sum is exact. Python objects (e.g. the compiler's own data structures while the
first step compiles) are not torch allocations and are not counted, which is what makes this
usable around a compiling step, unlike a process's RSS high-water mark.

CUDA: ``torch.cuda.max_memory_allocated()`` after ``torch.cuda.reset_peak_memory_stats()``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.profiler import ProfilerActivity, profile

__all__ = ["method", "peak_bytes"]

_CPU_METHOD = (
    "peak of the running sum of torch CPU allocations during the steps "
    "(torch.profiler, profile_memory=True)"
)
_CUDA_METHOD = "torch.cuda.max_memory_allocated() during the steps, minus memory_allocated() before"


def method(device: torch.device) -> str:
    """How :func:`peak_bytes` measures on ``device``, in words for the report."""
    return _CUDA_METHOD if device.type == "cuda" else _CPU_METHOD


def peak_bytes(run: Callable[[], None], device: torch.device) -> int:
    """The most bytes allocated at once, above the allocations live before ``run`` started."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        run()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - before
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        run()
    allocations = sorted(
        (event.start_ns(), event.nbytes())
        for event in profiler.profiler.kineto_results.events()
        if event.name() == "[memory]" and event.device_type() == torch.autograd.DeviceType.CPU
    )
    live = peak = 0
    for _, nbytes in allocations:
        live += nbytes  # frees are negative
        peak = max(peak, live)
    return peak
