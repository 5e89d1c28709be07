"""The memory-bandwidth roofline of an Adadelta step.

A step must read θ, g, v, u and write θ, v, u once per element: 7 element transfers, 28 bytes
for fp32 and 14 for bf16. Its fastest possible time is those bytes over the memory bandwidth,
which is measured in the same run by a kernel with exactly that traffic (4 reads, 3 writes per
element, in place) over buffers far larger than the caches: the median of many runs, as a
step's time is a median, at the start and at the end of the run (the better of the two). A step's time is reported as a multiple of that bound (1.0 =
at the limit) and as the fraction of the bandwidth it reaches (the bound over the time).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "READS_PER_ELEMENT",
    "WRITES_PER_ELEMENT",
    "Bandwidth",
    "Roofline",
    "bound_seconds",
    "bytes_per_element",
    "measure_bandwidth",
    "roofline",
]

READS_PER_ELEMENT = 4  # θ, g, v, u
WRITES_PER_ELEMENT = 3  # θ, v, u


def bytes_per_element(dtype: torch.dtype) -> int:
    """Bytes an Adadelta step moves per param element whose param, grad and state are ``dtype``."""
    return (READS_PER_ELEMENT + WRITES_PER_ELEMENT) * dtype.itemsize


def bound_seconds(numel: int, dtype: torch.dtype, bytes_per_second: float) -> float:
    """The bandwidth-bound time of one step over ``numel`` elements."""
    return numel * bytes_per_element(dtype) / bytes_per_second


@dataclass(frozen=True)
class Roofline:
    """A step time against its bandwidth bound."""

    multiple: float  # time / bound: 1.0 is at the limit
    fraction: float  # bound / time: the fraction of the bandwidth reached


def roofline(seconds: float, bound: float) -> Roofline:
    return Roofline(multiple=seconds / bound, fraction=bound / seconds)


@dataclass(frozen=True)
class Bandwidth:
    """Measured memory bandwidth: the better of the measurements, and each measurement's median."""

    bytes_per_second: float
    per_measurement: tuple[float, ...]  # bytes/s, in the order measured
    buffer_bytes: int  # per buffer; four buffers are streamed
    runs: int
    method: str

    @classmethod
    def best_of(cls, measurements: list[Bandwidth]) -> Bandwidth:
        """One figure from several measurements (e.g. at the start and at the end of a run)."""
        runs = sum(m.runs for m in measurements)
        per_measurement = tuple(rate for m in measurements for rate in m.per_measurement)
        numel = measurements[0].buffer_bytes // torch.float32.itemsize
        return cls(
            bytes_per_second=max(per_measurement),
            per_measurement=per_measurement,
            buffer_bytes=measurements[0].buffer_bytes,
            runs=runs,
            method=_method(runs, len(per_measurement), numel),
        )


def _method(runs: int, measurements: int, numel: int) -> str:
    return (
        f"median of {runs} runs in {measurements} measurement{'s' if measurements > 1 else ''} "
        f"of an Inductor-compiled kernel reading 4 and writing 3 fp32 buffers of {numel} "
        "elements in place"
    )


def _stream_(w: Tensor, x: Tensor, y: Tensor, z: Tensor) -> None:
    # An average keeps values bounded however often it runs (no inf, no denormals).
    mean = (w + x + y + z) * 0.25
    w.copy_(mean)
    y.copy_(mean)
    z.copy_(mean)


_MIN_RUNS = 10


def measure_bandwidth(
    device: torch.device, *, numel: int = 32 * 2**20, min_seconds: float = 2.0
) -> Bandwidth:
    """The bandwidth of an Inductor-compiled kernel reading 4 and writing 3 fp32 buffers of
    ``numel`` elements in one fused pass: the median over at least 10 runs and ``min_seconds``
    (the first, compiling call is not timed).

    The median, not the best run, because a step's time is a median too: on a shared machine
    (a VM whose neighbours take memory bandwidth in bursts) the best of hundreds of runs was
    1.6x faster than the median of the same kernel, so a best-case bound would charge every
    step for its neighbours' traffic.
    """
    stream_ = torch.compile(_stream_, fullgraph=True, dynamic=False)
    buffers = [torch.rand(numel, device=device) for _ in range(READS_PER_ELEMENT)]
    stream_(*buffers)
    times: list[float] = []
    began = time.perf_counter()
    while len(times) < _MIN_RUNS or time.perf_counter() - began < min_seconds:
        _synchronize(device)
        start = time.perf_counter()
        stream_(*buffers)
        _synchronize(device)
        times.append(time.perf_counter() - start)
    rate = numel * bytes_per_element(torch.float32) / statistics.median(times)
    return Bandwidth(
        bytes_per_second=rate,
        per_measurement=(rate,),
        buffer_bytes=numel * torch.float32.itemsize,
        runs=len(times),
        method=_method(len(times), 1, numel),
    )


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
