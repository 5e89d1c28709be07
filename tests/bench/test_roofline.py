"""The roofline arithmetic: bytes an Adadelta step moves, the bound, and the ratios."""

from __future__ import annotations

import pytest
import torch

from adadelta_compiled.bench import roofline as roofline_module
from adadelta_compiled.bench.roofline import Bandwidth, bound_seconds, bytes_per_element, roofline


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(torch.float32, 28), (torch.bfloat16, 14), (torch.float16, 14), (torch.float64, 56)],
)
def test_a_step_moves_four_reads_and_three_writes_per_element(
    dtype: torch.dtype, expected: int
) -> None:
    assert bytes_per_element(dtype) == expected


def test_bound_is_bytes_over_bandwidth() -> None:
    # 1 Mi fp32 elements move 28 MiB; at 28 MiB/s that takes one second.
    assert bound_seconds(2**20, torch.float32, 28 * 2**20) == pytest.approx(1.0)


def test_bf16_bound_is_half_the_fp32_bound() -> None:
    fp32 = bound_seconds(10_000, torch.float32, 50e9)
    assert bound_seconds(10_000, torch.bfloat16, 50e9) == pytest.approx(fp32 / 2)


def test_a_step_at_the_bound_is_one_times_it_and_reaches_all_the_bandwidth() -> None:
    at_limit = roofline(seconds=0.02, bound=0.02)
    assert (at_limit.multiple, at_limit.fraction) == (1.0, 1.0)


def test_a_step_twice_the_bound_reaches_half_the_bandwidth() -> None:
    slower = roofline(seconds=0.04, bound=0.02)
    assert slower.multiple == pytest.approx(2.0)
    assert slower.fraction == pytest.approx(0.5)


def test_the_best_of_several_bandwidth_measurements_is_the_bandwidth() -> None:
    start, end = (
        Bandwidth(rate, (rate,), buffer_bytes=2**27, runs=10, method="")
        for rate in (30e9, 40e9)
    )
    best = Bandwidth.best_of([start, end])
    assert best.bytes_per_second == 40e9
    assert best.per_measurement == (30e9, 40e9) and best.runs == 20
    assert "median of 20 runs in 2 measurements" in best.method


def test_bandwidth_is_the_median_run_of_the_streaming_kernel_not_its_best(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [0.0]
    durations = [0.0, 0.001] + [0.002] * 9  # the untimed compiling call, one lucky run, the usual

    def stream_(*buffers: torch.Tensor) -> None:
        clock[0] += durations.pop(0) if durations else 0.002

    monkeypatch.setattr(roofline_module.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(roofline_module.torch, "compile", lambda function, **options: stream_)
    measured = roofline_module.measure_bandwidth(torch.device("cpu"), numel=1000, min_seconds=0)
    assert measured.runs == 10
    assert measured.bytes_per_second == pytest.approx(1000 * 28 / 0.002)
