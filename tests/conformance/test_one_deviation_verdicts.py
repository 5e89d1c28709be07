"""No false alarms (issue #20): an Adadelta with one root deviation from torch.optim.Adadelta
fails exactly the checks whose rules state the behaviour it changes (its
``expected_failures``); every other check passes, is skipped as it is for torch itself, or is
not judged, blocked by one of those failures. Nothing crashes.

The doubles, and the reasoning behind each one's expected failures: one_deviation.py.
"""

from __future__ import annotations

import pytest
from one_deviation import ONE_DEVIATION_DOUBLES, OneDeviation
from verdicts import EXPECTED_SKIPS

import conformance
from conformance import Outcome, Report

# How a check whose own code raised used to be reported; no failure may read so.
CRASH = "the check raised "

Verdict = tuple[type[OneDeviation], Report]


@pytest.fixture(scope="module", params=ONE_DEVIATION_DOUBLES, ids=lambda cls: cls.__name__)
def verdict(request: pytest.FixtureRequest) -> Verdict:
    """One full run of the Adadelta suite per double, shared by this module's tests."""
    double: type[OneDeviation] = request.param
    return double, conformance.check(double, spec="adadelta", select="")


def test_double_builds_and_its_expected_failures_name_checks_of_the_run(verdict: Verdict) -> None:
    double, report = verdict
    assert report.error == "", report.error
    unknown = double.expected_failures - {result.name for result in report.results}
    assert not unknown, f"no such check: {sorted(unknown)}"


def test_exactly_the_checks_whose_rule_the_deviation_breaks_fail(verdict: Verdict) -> None:
    double, report = verdict
    failed = {r.name for r in report.results if r.outcome is Outcome.FAILED}
    assert failed == double.expected_failures, report.render()


def test_every_other_check_passes_or_is_skipped_as_for_torch_or_is_blocked_by_the_deviation(
    verdict: Verdict,
) -> None:
    double, report = verdict
    for result in report.results:
        if result.name in double.expected_failures:
            continue
        if result.outcome is Outcome.SKIPPED:
            assert result.name in EXPECTED_SKIPS, f"{result.name} skipped: {result.message}"
        elif result.outcome is Outcome.NOT_JUDGED:
            assert result.blocked_by, f"{result.name} is not judged, blocked by nothing"
            assert set(result.blocked_by) <= double.expected_failures, (
                f"{result.name} is blocked by {result.blocked_by}: {result.message}"
            )
        else:
            assert result.outcome is Outcome.PASSED, (
                f"{result.name} {result.outcome.label}:\n{result.message}"
            )


def test_no_check_crashes_on_the_double(verdict: Verdict) -> None:
    _, report = verdict
    errors = [r.name for r in report.results if r.outcome is Outcome.ERROR]
    assert not errors, report.render()
    crashed = [r.name for r in report.results if r.message.startswith(CRASH)]
    assert not crashed, report.render()
