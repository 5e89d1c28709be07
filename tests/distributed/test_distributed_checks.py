"""The conformance suite's optional distributed checks: off by default, failing a broken
implementation with a reproducing snippet, and bounded in time."""

from __future__ import annotations

import hypothesis
import pytest
import torch
from spawned import TreatsPartialGradsAsReduced, sleep_in_every_rank

from conformance.specs.adadelta import ADADELTA
from conformance.checks.check import Check
from conformance.checks import checks_for, distributed
from conformance.failures import CheckFailure, CheckSkipped
from conformance.spawn import SpawnError, run_in_ranks
from conformance.subject import Subject
from conformance.target import describe


def subject_of(factory: object) -> Subject:
    return Subject(describe(factory), ADADELTA, torch.device("cpu"), hypothesis.settings(), None)


def distributed_check(name: str) -> Check:
    return next(check for check in distributed.checks(ADADELTA) if check.name == name)


def test_distributed_checks_are_not_among_the_default_checks() -> None:
    default = {check.name for check in checks_for(ADADELTA)}
    assert default.isdisjoint(check.name for check in distributed.checks(ADADELTA))


def test_unknown_check_name_is_rejected_before_spawning() -> None:
    with pytest.raises(ValueError, match="no distributed check is named \\['fsdp3'\\]"):
        distributed.run_distributed_checks(TreatsPartialGradsAsReduced, names=["fsdp3"])


def test_factory_that_cannot_reach_spawned_ranks_is_skipped() -> None:
    factory = lambda params, **options: torch.optim.Adadelta(params, **options)  # noqa: E731
    with pytest.raises(CheckSkipped, match="cannot be pickled"):
        distributed_check("ddp_matches_one_process").run(subject_of(factory))


@pytest.mark.distributed
def test_partial_grads_taken_for_reduced_ones_fail_their_check_with_a_snippet() -> None:
    check = distributed_check("dtensor_grads_of_other_placements")
    with pytest.raises(CheckFailure) as failure:
        check.run(subject_of(TreatsPartialGradsAsReduced))
    assert "with Partial(sum) grads, after 2 steps, vs the same steps of a plain tensor" in (
        failure.value.problem
    )
    assert "run_distributed_checks(TreatsPartialGradsAsReduced, names=[" in (
        failure.value.snippet or ""
    )


@pytest.mark.distributed
def test_ranks_that_outlive_the_timeout_are_killed() -> None:
    with pytest.raises(SpawnError, match="did not finish within 1 s"):
        run_in_ranks(sleep_in_every_rank, timeout_s=1)
