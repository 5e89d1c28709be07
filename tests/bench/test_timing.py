"""Steady-state timing reports enough samples and its thread count (no timing assertions)."""

from __future__ import annotations

import torch

from adadelta_compiled.bench.timing import MIN_SAMPLES, time_steps


def test_a_slow_step_still_gets_the_minimum_number_of_samples() -> None:
    calls = []
    result = time_steps(lambda: calls.append(1), min_run_time=1e-4, threads=1)
    assert result.samples >= MIN_SAMPLES
    assert len(calls) >= result.samples * result.steps_per_sample


def test_the_thread_count_is_recorded_and_applies_during_timing() -> None:
    seen = []
    result = time_steps(lambda: seen.append(torch.get_num_threads()), min_run_time=1e-4, threads=1)
    assert result.threads == 1 and set(seen) == {1}


def test_median_and_iqr_are_consistent() -> None:
    result = time_steps(lambda: None, min_run_time=1e-3, threads=1)
    assert result.median > 0 and result.iqr >= 0


def test_before_each_runs_untimed_before_every_timed_step() -> None:
    events: list[str] = []
    result = time_steps(lambda: events.append("step"), min_run_time=1e-4, threads=1,
                        before_each=lambda: events.append("before"))  # fmt: skip
    assert result.samples >= MIN_SAMPLES and result.steps_per_sample == 1
    assert events == ["before", "step"] * result.samples


def test_before_each_steps_run_at_the_stated_thread_count() -> None:
    seen = []
    result = time_steps(lambda: seen.append(torch.get_num_threads()), min_run_time=1e-4,
                        threads=1, before_each=lambda: None)  # fmt: skip
    assert result.threads == 1 and set(seen) == {1}
