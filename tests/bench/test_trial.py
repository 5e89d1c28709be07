"""Trials in a fresh process: results come back, failures and timeouts are reported."""

from __future__ import annotations

from adadelta_compiled.bench.trial import TrialSpec, run_trial

TIMEOUT = 120.0


def test_an_implementation_that_raises_is_reported_with_its_error() -> None:
    # LBFGS's step needs a closure: stepping it as Adadelta is stepped raises.
    spec = TrialSpec("steady", "torch.optim:LBFGS", "resnet50", quick=True)
    result = run_trial(spec, timeout=TIMEOUT)
    assert result.error is not None and result.error.startswith("TypeError: ")
    assert "closure" in result.error and result.step_time is None


def test_a_trial_past_its_timeout_is_killed_and_says_so() -> None:
    spec = TrialSpec("compiles", "torch-forloop", "resnet50", quick=True, lr_kind="tensor")
    result = run_trial(spec, timeout=0.01)
    assert result.timed_out_after == 0.01 and result.error is None
    assert result.lr_kind == "tensor", "the table still knows which count timed out"
