"""The Adagrad spec: torch.optim.Adagrad passes every check, and each deliberately broken
Adagrad fails the check about its bug, for that reason."""

from __future__ import annotations

import pytest
import torch
from broken_adagrad import BrokenAdagrad, OracleAdagrad
from verdicts import DEVICE_SKIPS

import conformance
from conformance import Outcome
from conformance.checks import checks_for
from conformance.execution import run_check
from conformance.profiles import DEFAULT_PROFILE, settings_for
from conformance.specs.adagrad import ADAGRAD
from conformance.subject import Subject
from conformance.target import describe

CHECKS = {check.name: check for check in checks_for(ADAGRAD)}
# Adagrad takes fused=True; only CUDA-only checks may skip beside it.
SKIPPED = {"fused_rejected"} | DEVICE_SKIPS
# How run_check reports a check whose own code raised.
CRASH = "the check raised "


def test_torch_adagrad_passes_every_check_of_the_adagrad_spec() -> None:
    report = conformance.check(torch.optim.Adagrad, spec="adagrad")
    assert report.passed, report.render()
    assert report.spec == "Adagrad" and report.reference == "torch.optim.Adagrad"
    assert {r.name for r in report.results if r.outcome is Outcome.SKIPPED} == SKIPPED


def test_oracle_adagrad_passes_every_check_of_the_adagrad_spec() -> None:
    # The broken variants differ from it by one bug each.
    report = conformance.check(OracleAdagrad, spec="adagrad")
    assert report.passed, report.render()
    assert {r.name for r in report.results if r.outcome is Outcome.SKIPPED} == SKIPPED


@pytest.mark.parametrize("implementation", BrokenAdagrad.__subclasses__(), ids=lambda cls: cls.__name__)
def test_adagrad_spec_flags_broken_adagrad_for_its_bug(implementation: type[BrokenAdagrad]) -> None:
    check = CHECKS[implementation.expected_failing_check]
    subject = Subject(
        describe(implementation), ADAGRAD, torch.device("cpu"), settings_for(DEFAULT_PROFILE), None
    )
    result = run_check(check, subject)
    assert result.outcome is Outcome.FAILED, result.message
    assert not result.message.startswith(CRASH), result.message
    assert implementation.expected_message in result.message, result.message
    assert implementation.expected_rule in check.rule, check.rule


def test_at_least_eight_broken_adagrads_each_pin_a_different_bug() -> None:
    assert len(BrokenAdagrad.__subclasses__()) >= 8
