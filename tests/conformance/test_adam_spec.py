"""The Adam and AdamW specs: each deliberately broken Adam or AdamW fails the check about its
bug, for that reason (torch's own classes pass: test_torch_variants.py)."""

from __future__ import annotations

import pytest
from broken_adam import BrokenAdam, BrokenAdamW
from verdicts import verdict

from conformance import Outcome
from conformance.checks import checks_for

# How run_check reports a check whose own code raised.
CRASH = "the check raised "
BROKEN = (*BrokenAdam.__subclasses__(), *BrokenAdamW.__subclasses__())


@pytest.mark.parametrize("implementation", BROKEN, ids=lambda cls: cls.__name__)
def test_adam_specs_flag_each_broken_adam_for_its_bug(implementation: type[BrokenAdam]) -> None:
    result = verdict(implementation, implementation.expected_failing_check, implementation.spec)
    assert result.outcome is Outcome.FAILED, result.message
    assert not result.message.startswith(CRASH), result.message
    assert implementation.expected_message in result.message, result.message
    assert implementation.expected_rule in result.rule, result.rule


@pytest.mark.parametrize("base", [BrokenAdam, BrokenAdamW], ids=lambda cls: cls.spec.name)
def test_each_adam_spec_has_eight_broken_variants_naming_its_checks(base: type[BrokenAdam]) -> None:
    variants = base.__subclasses__()
    assert len(variants) >= 8
    names = {check.name for check in checks_for(base.spec)}
    expected = {cls.expected_failing_check for cls in variants}
    assert expected <= names, f"no such check: {sorted(expected - names)}"
