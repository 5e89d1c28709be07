"""The memory-bandwidth roofline of an Adadelta step.

A step must read θ, g, v, u and write θ, v, u once per element: 7 element transfers, 28 bytes
for fp32 and 14 for bf16. Its fastest possible time is those bytes over the memory bandwidth,
which is measured in the same run by a kernel with exactly that traffic (4 reads, 3 writes per
element, in place) over buffers far larger than the caches, best of several runs. A step's time
is reported as a multiple of that bound (1.0 = at the limit) and as the fraction of the
bandwidth it reaches (the bound over the time).
"""

from __future__ import annotations

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
    """Measured memory bandwidth and how it was measured."""

    bytes_per_second: float
    buffer_bytes: int  # per buffer; four buffers are streamed
    runs: int
    method: str


def _stream_(w: Tensor, x: Tensor, y: Tensor, z: Tensor) -> None:
    # An average keeps values bounded however often it runs (no inf, no denormals).
    mean = (w + x + y + z) * 0.25
    w.copy_(mean)
    y.copy_(mean)
    z.copy_(mean)


def measure_bandwidth(
    device: torch.device, *, numel: int = 32 * 2**20, runs: int = 10
) -> Bandwidth:
    """Best-of-``runs`` bandwidth of an Inductor-compiled kernel reading 4 and writing 3 fp32
    buffers of ``numel`` elements in one fused pass (the first, compiling call is not timed)."""
    stream_ = torch.compile(_stream_, fullgraph=True, dynamic=False)
    buffers = [torch.rand(numel, device=device) for _ in range(READS_PER_ELEMENT)]
    stream_(*buffers)
    best = float("inf")
    for _ in range(runs):
        _synchronize(device)
        start = time.perf_counter()
        stream_(*buffers)
        _synchronize(device)
        best = min(best, time.perf_counter() - start)
    return Bandwidth(
        bytes_per_second=numel * bytes_per_element(torch.float32) / best,
        buffer_bytes=numel * torch.float32.itemsize,
        runs=runs,
        method=(
            "best of {runs} runs of an Inductor-compiled elementwise kernel reading 4 and "
            "writing 3 fp32 buffers of {numel} elements in place".format(runs=runs, numel=numel)
        ),
    )


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
