"""Run one check on a subject: whatever happens becomes its :class:`CheckResult`."""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping
from typing import Any

from .blame import call_site, is_suite_error, suite_error_message
from .checks.check import Check
from .failures import CheckFailure, CheckSkipped, MissingAPI, MissingOption, SuiteError
from .judging import judged
from .report import CheckResult, Outcome
from .subject import Subject
from .surface import missing_api

__all__ = ["LazyJudge", "run_check"]


def _draws(error: BaseException) -> str:
    notes = [n for n in getattr(error, "__notes__", []) if n.startswith("Draw ")]
    if not notes:
        return ""
    return "\nhypothesis draws of the shrunk example:\n" + "\n".join(
        "    " + note.replace("\n", "\n    ") for note in notes
    )


def _first(error: BaseException) -> BaseException:
    # hypothesis raises a group for a flaky example or several distinct failures.
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def _result(error: BaseException, base: str) -> tuple[Outcome, str, dict[str, Any]]:
    """The outcome, message and links to other checks of a check that raised ``error``;
    ``base`` names the check of the base update rule."""
    error = _first(error)
    if isinstance(error, CheckSkipped):
        return Outcome.SKIPPED, str(error), {}
    if isinstance(error, MissingOption):
        # Its owner is named (the scenario about the option), not the first check it fails.
        return Outcome.FAILED, str(error), {"relies_on": error.relies_on}
    if isinstance(error, MissingAPI):
        return Outcome.FAILED, str(error), {"relies_on": error.relies_on, "missing": str(error)}
    if isinstance(error, CheckFailure):
        # An exception the implementation raised may be the one building or stepping with
        # torch's defaults raises, which the base update's check reports.
        whole = error.raised and error.wholly_raised and "|" not in error.raised
        if_raised = (*error.relies_on_if_raised, *([base] if whole and base else []))
        links = {
            "relies_on": error.relies_on,
            "raised": error.raised,
            "relies_on_if_raised": tuple(dict.fromkeys(if_raised)),
        }
        return Outcome.FAILED, str(error) + _draws(error), links
    missing = missing_api(error)
    if missing is not None:
        return Outcome.FAILED, missing, {"missing": missing}
    if isinstance(error, SuiteError) or is_suite_error(error):
        return Outcome.ERROR, suite_error_message(error), {}
    site = call_site(error)
    trace = "".join(traceback.format_exception(error, limit=-4))
    # Building or stepping with torch's defaults, as the base update's check does: where that
    # check failed on the same type of exception, this one waits on it.
    links = {"raised": type(error).__name__, "relies_on_if_raised": (base,) if base else ()}
    return (
        Outcome.FAILED,
        f"{f'`{site}`' if site else 'a call into the implementation'} raised "
        f"{type(error).__name__}: {error}{_draws(error)}\n{trace}",
        links,
    )


def run_check(check: Check, subject: Subject) -> CheckResult:
    """Run one check; whatever happens becomes its result (nothing propagates)."""
    start = time.perf_counter()
    try:
        check.run(subject)
    except Exception as error:
        scenarios = subject.spec.scenarios
        base = scenarios[0].name if scenarios and scenarios[0].name != check.name else ""
        outcome, message, links = _result(error, base)
    else:
        outcome, message, links = Outcome.PASSED, "", {}
    duration = time.perf_counter() - start
    return CheckResult(check.name, outcome, check.rule, message, duration_s=duration, **links)


class LazyJudge:
    """Judges checks run one at a time (a pytest item each): a failing check's result is
    turned into NOT_JUDGED when a check it relies on fails too, running that one on demand,
    once per process."""

    def __init__(self, subject: Subject, checks: Mapping[str, Check]) -> None:
        self.subject = subject
        self.checks = checks
        self._results: dict[str, CheckResult] = {}

    def result(self, name: str) -> CheckResult | None:
        """The raw result of the named check (run now if not yet), or None if not selectable."""
        if name not in self._results:
            if name not in self.checks:
                return None
            self._results[name] = run_check(self.checks[name], self.subject)
        return self._results[name]

    def judge(self, name: str) -> CheckResult:
        """The named check's result, judged against the checks it relies on."""
        result = self.result(name)
        assert result is not None, f"no check named {name!r}"
        return judged([result], self.result, list(self.checks))[0]
