"""Step times in rounds: every implementation and the streaming kernel timed in one process."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict

import pytest
import torch

from adadelta_compiled.bench.rounds import HeadToHead, RoundTimes, run_rounds
from adadelta_compiled.bench.workloads import workload_named

QUICK_MANY_SMALL = workload_named("many-small").quick()


def test_rounds_time_each_implementation_and_the_stream_every_round() -> None:
    measured = run_rounds(QUICK_MANY_SMALL, ["torch-forloop", "torch-foreach"], rounds=5,
                          fresh_grads=True)  # fmt: skip
    assert list(measured.steps) == ["torch-forloop", "torch-foreach"]
    for times in [*measured.steps.values(), measured.stream]:
        assert times.rounds == 5
        assert 0 < times.q1 <= times.median <= times.q3
    assert measured.launches_per_step == {}, "launches are counted on CUDA only"


def test_the_streaming_kernel_runs_in_the_steps_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    dtypes = []
    monkeypatch.setattr(torch, "compile", lambda function, **options: (
        lambda *buffers: dtypes.extend(buffer.dtype for buffer in buffers)
    ))  # fmt: skip
    run_rounds(QUICK_MANY_SMALL, ["torch-forloop"], rounds=2, fresh_grads=False,
               dtype=torch.bfloat16)  # fmt: skip
    assert dtypes and set(dtypes) == {torch.bfloat16}


def test_fewer_than_two_rounds_are_refused_naming_the_count() -> None:
    with pytest.raises(ValueError, match="rounds=1: quartiles need at least 2 rounds"):
        run_rounds(QUICK_MANY_SMALL, ["torch-forloop"], rounds=1, fresh_grads=True)


def test_round_times_are_the_median_and_quartiles_of_the_samples() -> None:
    times = RoundTimes.of([4.0, 1.0, 3.0, 2.0, 5.0])
    assert (times.median, times.rounds) == (3.0, 5)
    assert times.q1 < times.median < times.q3


def test_head_to_head_comes_back_from_json_as_it_was() -> None:
    measured = HeadToHead(
        steps={"torch-forloop": RoundTimes(0.02, 0.01, 0.03, 30)},
        stream=RoundTimes(0.01, 0.009, 0.011, 30),
        launches_per_step={"torch-forloop": 161.0},
    )
    assert HeadToHead.from_json(json.loads(json.dumps(asdict(measured)))) == measured


def test_the_rounds_command_is_the_benchmark_with_step_time_only() -> None:
    command = [sys.executable, "-m", "adadelta_compiled.bench.rounds", "--first-step"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2
    assert "--step-time-only measures no first steps" in finished.stderr
