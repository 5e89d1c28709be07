"""The roofline: bytes an Adadelta step moves, the streaming kernel with that traffic, ratios."""

from __future__ import annotations

import pytest
import torch

from adadelta_compiled.bench.roofline import bytes_per_element, bytes_per_second, roofline, stream_


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(torch.float32, 28), (torch.bfloat16, 14), (torch.float16, 14), (torch.float64, 56)],
)
def test_a_step_moves_four_reads_and_three_writes_per_element(
    dtype: torch.dtype, expected: int
) -> None:
    assert bytes_per_element(dtype) == expected


def test_bandwidth_is_a_steps_bytes_over_the_time() -> None:
    # 1 Mi fp32 elements move 28 MiB; in one second that is 28 MiB/s, in bf16 half of it.
    assert bytes_per_second(2**20, torch.float32, 1.0) == 28 * 2**20
    assert bytes_per_second(2**20, torch.bfloat16, 1.0) == 14 * 2**20


def test_a_step_at_the_bound_is_one_times_it_and_reaches_all_the_bandwidth() -> None:
    at_limit = roofline(seconds=0.02, bound=0.02)
    assert (at_limit.multiple, at_limit.fraction) == (1.0, 1.0)


def test_a_step_twice_the_bound_reaches_half_the_bandwidth() -> None:
    slower = roofline(seconds=0.04, bound=0.02)
    assert slower.multiple == pytest.approx(2.0)
    assert slower.fraction == pytest.approx(0.5)


def test_the_streaming_kernel_reads_four_buffers_and_writes_three_in_place() -> None:
    w, x, y, z = (torch.full((3,), value) for value in (1.0, 2.0, 3.0, 6.0))
    stream_(w, x, y, z)
    mean = torch.full((3,), 3.0)
    assert torch.equal(w, mean) and torch.equal(y, mean) and torch.equal(z, mean)
    assert torch.equal(x, torch.full((3,), 2.0)), "the fourth buffer is only read"
