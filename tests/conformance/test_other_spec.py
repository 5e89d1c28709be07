"""The checks are generic: a spec for another optimizer (plain SGD, stateless) plugs in."""

from __future__ import annotations

from typing import Any

import torch
from sgd_spec import MOMENTUM_SGD, PLAIN_SGD
from verdicts import DEVICE_SKIPS

import conformance
from conformance import Outcome


class SGDIgnoringMaximize(torch.optim.SGD):
    """Stores maximize but always descends."""

    def step(self, closure: Any = None) -> Any:
        flags = [group["maximize"] for group in self.param_groups]
        for group in self.param_groups:
            group["maximize"] = False
        try:
            return super().step(closure)
        finally:
            for group, flag in zip(self.param_groups, flags, strict=True):
                group["maximize"] = flag


def test_torch_sgd_passes_every_check_of_a_plain_sgd_spec() -> None:
    report = conformance.check(torch.optim.SGD, spec=PLAIN_SGD)
    assert report.passed, report.render()
    assert report.spec == "SGD" and report.reference == "torch.optim.SGD"
    skipped = {r.name for r in report.results if r.outcome is Outcome.SKIPPED}
    # SGD takes sparse grads and fused=True and keeps no step counter; only CUDA may skip
    # the rest.
    assert skipped == {"sparse_grad_error", "step_counter", "fused_rejected"} | DEVICE_SKIPS


def test_plain_sgd_spec_flags_an_sgd_that_ignores_maximize() -> None:
    report = conformance.check(SGDIgnoringMaximize, spec=PLAIN_SGD, select="maximize")
    assert report.result("maximize_with_weight_decay").outcome is Outcome.FAILED


def test_torch_sgd_with_momentum_passes_a_spec_whose_buffers_depend_on_momentum() -> None:
    # The update reads the step count and which buffer exists depends on momentum.
    report = conformance.check(torch.optim.SGD, spec=MOMENTUM_SGD)
    assert report.passed, report.render()
    skipped = {r.name for r in report.results if r.outcome is Outcome.SKIPPED}
    assert skipped == {"sparse_grad_error", "step_counter", "fused_rejected"} | DEVICE_SKIPS
