"""Trials in a fresh process: results come back, failures and timeouts are reported."""

from __future__ import annotations

import pytest

from adadelta_compiled.bench.trial import LrKind, TrialSpec, run_trial

TIMEOUT = 120.0


def test_an_implementation_that_raises_is_reported_with_its_error() -> None:
    # LBFGS's step needs a closure: stepping it as Adadelta is stepped raises.
    spec = TrialSpec("steady", "torch.optim:LBFGS", "resnet50", quick=True)
    result = run_trial(spec, timeout=TIMEOUT)
    assert result.error is not None and result.error.startswith("TypeError: ")
    assert "closure" in result.error and result.step_time is None


def test_a_trial_past_its_timeout_is_killed_and_says_so() -> None:
    spec = TrialSpec("first-step", "torch-forloop", "resnet50", quick=True)
    result = run_trial(spec, timeout=0.01)
    assert result.timed_out_after == 0.01 and result.error is None


@pytest.mark.parametrize("lr_kind", ["float", "tensor"])
def test_first_step_of_an_eager_implementation_with_either_lr(lr_kind: LrKind) -> None:
    spec = TrialSpec("first-step", "torch-forloop", "resnet50", quick=True, lr_kind=lr_kind)
    result = run_trial(spec, timeout=TIMEOUT)
    assert result.error is None, result.error
    assert result.first_step_seconds is not None and result.first_step_seconds > 0
    assert result.lr_kind == lr_kind
