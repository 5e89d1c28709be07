"""The memory-bandwidth roofline of an Adadelta step.

A step must read θ, g, v, u and write θ, v, u once per element: 7 element transfers, 28 bytes
for fp32 and 14 for bf16. Its fastest possible time is the time of a kernel with exactly that
traffic: :func:`stream_`, which reads 4 and writes 3 buffers of the workload's element count
and dtype in one fused pass. The rounds time it beside the steps, in the same process and the
same rounds, so both see the same memory bandwidth. A step's time is reported as a multiple of
the streaming kernel's (1.0 = at the limit) and as the fraction of the bandwidth it reaches (the
streaming kernel's time over the step's).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "READS_PER_ELEMENT",
    "WRITES_PER_ELEMENT",
    "Roofline",
    "bytes_per_element",
    "bytes_per_second",
    "roofline",
    "stream_",
]

READS_PER_ELEMENT = 4  # θ, g, v, u
WRITES_PER_ELEMENT = 3  # θ, v, u


def bytes_per_element(dtype: torch.dtype) -> int:
    """Bytes an Adadelta step moves per param element whose param, grad and state are ``dtype``."""
    return (READS_PER_ELEMENT + WRITES_PER_ELEMENT) * dtype.itemsize


def bytes_per_second(numel: int, dtype: torch.dtype, seconds: float) -> float:
    """The memory bandwidth of a step's traffic over ``numel`` elements moved in ``seconds``."""
    return numel * bytes_per_element(dtype) / seconds


@dataclass(frozen=True)
class Roofline:
    """A step time against its bandwidth bound."""

    multiple: float  # time / bound: 1.0 is at the limit
    fraction: float  # bound / time: the fraction of the bandwidth reached


def roofline(seconds: float, bound: float) -> Roofline:
    return Roofline(multiple=seconds / bound, fraction=bound / seconds)


def stream_(w: Tensor, x: Tensor, y: Tensor, z: Tensor) -> None:
    """A step's memory traffic and nothing else: reads 4 buffers, writes 3 of them in place."""
    # An average keeps values bounded however often it runs (no inf, no denormals).
    mean = (w + x + y + z) * 0.25
    w.copy_(mean)
    y.copy_(mean)
    z.copy_(mean)
