"""Helpers of the meta-tests: one check's verdict on an implementation, and the checks that
may be skipped on this machine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from conformance.specs.adadelta import ADADELTA
from conformance.checks import checks_for
from conformance.execution import run_check
from conformance.profiles import DEFAULT_PROFILE, settings_for
from conformance.report import CheckResult
from conformance.subject import Subject
from conformance.target import describe

__all__ = ["CHECKS", "DEVICE_SKIPS", "EXPECTED_SKIPS", "verdict"]

CHECKS = {check.name: check for check in checks_for(ADADELTA)}

# The checks any conforming implementation skips here: those that need a CUDA device.
DEVICE_SKIPS = frozenset() if torch.cuda.is_available() else frozenset({"multiple_devices"})
# The checks a conforming Adadelta skips here: those and the math of sparse grads, which
# Adadelta does not take.
EXPECTED_SKIPS = DEVICE_SKIPS | {"sparse_grads"}


def verdict(factory: Callable[..., Any], check: str) -> CheckResult:
    """The result of the named Adadelta check on ``factory``, on the CPU, under the default
    (derandomized) profile, run in this process."""
    subject = Subject(
        describe(factory), ADADELTA, torch.device("cpu"), settings_for(DEFAULT_PROFILE), None
    )
    return run_check(CHECKS[check], subject)
