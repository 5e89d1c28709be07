"""The specs other than Adadelta's catch deliberately broken optimizers: each broken variant
fails the check of its spec about its one bug, for that reason (the check's own rule, a message
naming what differs), never by crashing the check; and the oracle-backed test doubles the
variants are made from pass their whole spec, so a variant fails by its bug alone.

torch.optim's own classes pass their specs: test_torch_variants.py. Adadelta's broken variants:
test_broken_implementations.py.
"""

from __future__ import annotations

import pytest
from broken_adagrad import BrokenAdagrad, OracleAdagrad
from broken_adam import AdamOracle, AdamWOracle, BrokenAdam, BrokenAdamW
from broken_rmsprop import BrokenRMSprop, RMSpropOracle
from broken_sgd import BROKEN_SGDS, SGDOracle
from oracle_optimizer import OneBug, OracleOptimizer
from verdicts import expected_skips, verdict

import conformance
from conformance import Outcome
from conformance.checks import checks_for

# spec name -> its broken variants
VARIANTS: dict[str, tuple[type[OneBug], ...]] = {
    "sgd": BROKEN_SGDS,
    "rmsprop": tuple(BrokenRMSprop.__subclasses__()),
    "adagrad": tuple(BrokenAdagrad.__subclasses__()),
    "adam": tuple(BrokenAdam.__subclasses__()),
    "adamw": tuple(BrokenAdamW.__subclasses__()),
}
ORACLES: tuple[type[OracleOptimizer], ...] = (
    SGDOracle, RMSpropOracle, OracleAdagrad, AdamOracle, AdamWOracle,
)
# How run_check reports a check whose own code raised.
CRASH = "the check raised "


@pytest.mark.parametrize(
    "implementation",
    [variant for variants in VARIANTS.values() for variant in variants],
    ids=lambda cls: f"{cls.spec.name}-{cls.__name__}",
)
def test_spec_flags_each_broken_variant_for_its_bug(implementation: type[OneBug]) -> None:
    result = verdict(implementation, implementation.expected_failing_check, implementation.spec)
    assert result.outcome is Outcome.FAILED, result.message
    assert not result.message.startswith(CRASH), result.message
    assert implementation.expected_message in result.message, result.message
    assert implementation.expected_rule in result.rule, result.rule


@pytest.mark.parametrize("spec_name", list(VARIANTS))
def test_each_spec_has_eight_broken_variants_of_its_own_naming_its_checks(spec_name: str) -> None:
    variants = VARIANTS[spec_name]
    assert len(variants) >= 8
    assert {variant.spec.name.lower() for variant in variants} == {spec_name}
    names = {check.name for check in checks_for(variants[0].spec)}
    expected = {variant.expected_failing_check for variant in variants}
    assert expected <= names, f"no such check: {sorted(expected - names)}"


@pytest.mark.parametrize("oracle", ORACLES, ids=lambda cls: cls.spec.name)
def test_the_oracle_test_double_passes_every_check_of_its_spec(oracle: type[OracleOptimizer]) -> None:
    report = conformance.check(oracle, spec=oracle.spec)
    assert report.passed, report.render()
    skipped = {r.name for r in report.results if r.outcome is Outcome.SKIPPED}
    assert skipped == expected_skips(oracle.spec)
