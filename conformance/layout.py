"""Memory layouts: which strides a param's state must have."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["expected_state_stride", "same_layout"]


def expected_state_stride(param: Tensor) -> tuple[int, ...]:
    """Strides of ``torch.zeros_like(param, memory_format=torch.preserve_format)``: the param's
    own for dense params (contiguous, transposed, channels_last), row-major otherwise."""
    return torch.empty_like(param, memory_format=torch.preserve_format).stride()


def same_layout(shape: Sequence[int], stride: Sequence[int], other: Sequence[int]) -> bool:
    """Whether two strides lay out ``shape`` alike; dims of size 0 or 1 have no say."""
    if 0 in shape:
        return True
    return all(a == b for size, a, b in zip(shape, stride, other, strict=True) if size > 1)
