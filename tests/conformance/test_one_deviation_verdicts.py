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
from conformance import CheckResult, Outcome, Report

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
    expected = double.expected_failures
    assert failed == expected, (
        f"failed besides the expected: {sorted(failed - expected)}; expected yet not failed: "
        f"{sorted(expected - failed)}\n{report.render()}"
    )


def test_every_other_check_passes_or_is_skipped_as_for_torch_or_is_blocked_by_the_deviation(
    verdict: Verdict,
) -> None:
    double, report = verdict
    unexpected = [
        f"{result.name} {result.outcome.label} (blocked by {list(result.blocked_by)}):\n"
        f"{result.message}"
        for result in report.results
        if result.name not in double.expected_failures and not _expected(result, double)
    ]
    assert not unexpected, "\n\n".join(unexpected)


def _expected(result: CheckResult, double: type[OneDeviation]) -> bool:
    """Whether a check the deviation does not break ended as it may: passed, skipped as it is
    for torch.optim.Adadelta here, or not judged because of the deviation's own failures."""
    if result.outcome is Outcome.SKIPPED:
        return result.name in EXPECTED_SKIPS
    if result.outcome is Outcome.NOT_JUDGED:
        return bool(result.blocked_by) and set(result.blocked_by) <= double.expected_failures
    return result.outcome is Outcome.PASSED


def test_no_check_crashes_on_the_double(verdict: Verdict) -> None:
    _, report = verdict
    errors = [r.name for r in report.results if r.outcome is Outcome.ERROR]
    assert not errors, report.render()
    crashed = [r.name for r in report.results if r.message.startswith(CRASH)]
    assert not crashed, report.render()
