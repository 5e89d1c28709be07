"""Helpers of the meta-tests: one check's verdict on an implementation, and the checks that
may be skipped on this machine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from conformance.checks import checks_for
from conformance.execution import run_check
from conformance.profiles import DEFAULT_PROFILE, settings_for
from conformance.report import CheckResult
from conformance.spec import OptimizerSpec
from conformance.specs.adadelta import ADADELTA
from conformance.subject import Subject
from conformance.target import describe

__all__ = ["CHECKS", "DEVICE_SKIPS", "EXPECTED_SKIPS", "expected_skips", "verdict"]

CHECKS = {check.name: check for check in checks_for(ADADELTA)}

# The checks any conforming implementation skips here: those that need a CUDA device.
DEVICE_SKIPS = frozenset() if torch.cuda.is_available() else frozenset({"multiple_devices"})
# The checks a conforming Adadelta skips here: those, the math of sparse grads, which Adadelta
# does not take, and Tensor hyperparameters besides lr, which it does not document.
EXPECTED_SKIPS = DEVICE_SKIPS | {"sparse_grads", "tensor_hyperparameters"}


def expected_skips(spec: OptimizerSpec) -> frozenset[str]:
    """The checks of ``spec`` that a conforming implementation skips here: those needing CUDA,
    and those about what the spec's reference does not have or does not reject."""
    skipped = {
        "sparse_grad_error": spec.sparse_gradients and not spec.sparse_invalid_arguments,
        "sparse_grads": not spec.sparse_gradients,
        "step_counter": spec.step_key is None,
        "counter_dtype_after_load": spec.step_key is None,
        "tensor_lr": not spec.tensor_lr,
        "tensor_hyperparameters": not spec.tensor_hyperparameters,
        "fused_rejected": "fused" in spec.capabilities,
        "differentiable": "differentiable" not in spec.capabilities,
    }
    return DEVICE_SKIPS | {name for name, skips in skipped.items() if skips}


def verdict(factory: Callable[..., Any], check: str, spec: OptimizerSpec = ADADELTA) -> CheckResult:
    """The result of the named check of ``spec`` (default: Adadelta's) on ``factory``, on the
    CPU, under the default (derandomized) profile, run in this process."""
    subject = Subject(
        describe(factory), spec, torch.device("cpu"), settings_for(DEFAULT_PROFILE), None
    )
    (chosen,) = (c for c in checks_for(spec) if c.name == check)
    return run_check(chosen, subject)
