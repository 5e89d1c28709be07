"""The RMSprop spec: torch.optim.RMSprop passes every check, and each deliberately broken RMSprop
fails the check about its bug, for that reason."""

from __future__ import annotations

import pytest
import torch
from broken_rmsprop import BrokenRMSprop
from verdicts import EXPECTED_SKIPS, verdict

import conformance
from conformance import Outcome
from conformance.checks import checks_for
from conformance.specs.rmsprop import RMSPROP

# How run_check reports a check whose own code raised.
CRASH = "the check raised "


@pytest.mark.parametrize(
    "implementation", BrokenRMSprop.__subclasses__(), ids=lambda cls: cls.__name__
)
def test_rmsprop_spec_flags_broken_rmsprop_for_its_bug(implementation: type[BrokenRMSprop]) -> None:
    result = verdict(implementation, implementation.expected_failing_check, RMSPROP)
    assert result.outcome is Outcome.FAILED, result.message
    assert not result.message.startswith(CRASH), result.message
    assert implementation.expected_message in result.message, result.message
    assert implementation.expected_rule in result.rule, result.rule


def test_every_expected_check_is_a_check_of_the_rmsprop_spec() -> None:
    names = {check.name for check in checks_for(RMSPROP)}
    expected = {cls.expected_failing_check for cls in BrokenRMSprop.__subclasses__()}
    assert expected <= names, f"no such check: {sorted(expected - names)}"


def test_torch_rmsprop_passes_every_check_of_the_rmsprop_spec() -> None:
    report = conformance.check(torch.optim.RMSprop, spec="rmsprop")
    assert report.passed, report.render()
    assert report.spec == "RMSprop" and report.reference == "torch.optim.RMSprop"
    skipped = {r.name for r in report.results if r.outcome is Outcome.SKIPPED}
    # RMSprop keeps a step counter, rejects sparse grads and fused=True: only CUDA may skip.
    assert skipped == EXPECTED_SKIPS
