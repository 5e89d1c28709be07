"""Peak memory counts torch's CPU allocations above what existed before, temporaries included."""

from __future__ import annotations

import torch

from adadelta_compiled.bench.memory import method, peak_bytes, tracking

CPU = torch.device("cpu")
MIB = 2**20


def test_a_freed_temporary_counts_at_its_peak() -> None:
    def run() -> None:
        temporary = torch.empty(MIB, dtype=torch.uint8)
        del temporary

    assert MIB <= peak_bytes(run, CPU) < 2 * MIB


def test_two_live_temporaries_count_together() -> None:
    def run() -> None:
        first = torch.empty(MIB, dtype=torch.uint8)
        second = torch.empty(MIB, dtype=torch.uint8)
        del first, second

    assert 2 * MIB <= peak_bytes(run, CPU) < 3 * MIB


def test_memory_allocated_before_does_not_count() -> None:
    existing = torch.empty(8 * MIB, dtype=torch.uint8)
    assert peak_bytes(lambda: existing.add_(1), CPU) < MIB


def test_the_method_is_stated() -> None:
    assert "torch.profiler" in method(CPU)
    assert "max_memory_allocated" in method(torch.device("cuda"))


def test_memory_the_measured_part_frees_of_what_was_allocated_before_it_counts_against_it() -> None:
    with tracking(CPU) as tracker:
        held = [torch.empty(4 * MIB, dtype=torch.uint8)]
        with tracker.measured():
            held.pop()
            replacement = torch.empty(4 * MIB, dtype=torch.uint8)
    del replacement
    assert tracker.peak is not None and tracker.peak < MIB
