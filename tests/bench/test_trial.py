"""Trials in a fresh process: results come back, failures and timeouts are reported."""

from __future__ import annotations

import pytest

from adadelta_compiled.bench.trial import TrialSpec, run_trial

TIMEOUT = 120.0


def test_an_implementation_that_raises_is_reported_with_its_error() -> None:
    # LBFGS's step needs a closure: stepping it as Adadelta is stepped raises.
    spec = TrialSpec("steady", ("torch.optim:LBFGS",), "resnet50", quick=True)
    result = run_trial(spec, timeout=TIMEOUT)
    assert result.error is not None and result.error.startswith("TypeError: ")
    assert "closure" in result.error and result.peak_bytes is None


def test_a_trial_past_its_timeout_is_killed_and_says_so() -> None:
    spec = TrialSpec("compiles", ("torch-forloop",), "resnet50", quick=True, lr_kind="tensor")
    result = run_trial(spec, timeout=0.01)
    assert result.timed_out_after == 0.01 and result.error is None
    assert result.lr_kind == "tensor", "the table still knows which count timed out"


def test_a_rounds_trial_times_every_implementation_and_the_stream_in_one_process() -> None:
    spec = TrialSpec("rounds", ("torch-forloop", "torch-foreach"), "many-small", quick=True,
                     rounds=3, grads="kept")  # fmt: skip
    result = run_trial(spec, timeout=TIMEOUT)
    assert result.error is None, result.error
    assert result.rounds is not None
    assert list(result.rounds.steps) == ["torch-forloop", "torch-foreach"]
    assert all(times.rounds == 3 for times in result.rounds.steps.values())
    assert result.rounds.stream.rounds == 3 and result.rounds.stream.median > 0


@pytest.mark.parametrize("kind", ["steady", "compiles", "first-step"])
def test_a_per_implementation_trial_refuses_more_than_one_implementation(kind: str) -> None:
    with pytest.raises(ValueError, match=f"a {kind} trial measures one implementation, got"):
        TrialSpec(kind, ("torch-forloop", "torch-foreach"), "resnet50")  # type: ignore[arg-type]


def test_a_rounds_trial_refuses_no_implementation() -> None:
    with pytest.raises(ValueError, match="a rounds trial needs at least one implementation"):
        TrialSpec("rounds", (), "resnet50")
