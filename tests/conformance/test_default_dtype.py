"""Under ``torch.set_default_dtype(torch.float64)`` torch creates float64 step counters; the
checks follow torch's rule rather than a fixed float32."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch

# pytest's default import mode puts this test's directory on sys.path.
from broken import ReferenceAdadelta
from verdicts import EXPECTED_SKIPS, verdict

import conformance
from conformance import Outcome


class StepCounterAlwaysFloat32(ReferenceAdadelta):
    """Creates float32 step counters whatever the default dtype."""

    def _new_step(self, param: torch.Tensor, group: dict[str, Any]) -> Any:
        return torch.zeros((), dtype=torch.float32)


@pytest.fixture
def float64_default() -> Iterator[None]:
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.usefixtures("float64_default")
def test_torch_adadelta_passes_every_check_under_a_float64_default_dtype() -> None:
    report = conformance.check(torch.optim.Adadelta)
    assert report.passed, report.render()
    assert {r.name for r in report.results if r.outcome is not Outcome.PASSED} == EXPECTED_SKIPS


@pytest.mark.usefixtures("float64_default")
def test_step_counter_flags_float32_counters_under_a_float64_default_dtype() -> None:
    result = verdict(StepCounterAlwaysFloat32, "step_counter")
    assert result.outcome is Outcome.FAILED
    assert "is a 0-d torch.float32 tensor on cpu, expected a 0-d torch.float64" in result.message
