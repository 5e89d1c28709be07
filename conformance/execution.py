"""Run one check on a subject: whatever happens becomes its :class:`CheckResult`."""

from __future__ import annotations

import time
import traceback

from .checks.check import Check
from .failures import CheckFailure, CheckSkipped, MissingAPI
from .report import CheckResult, Outcome
from .subject import Subject
from .surface import missing_api

__all__ = ["run_check"]


def _draws(error: BaseException) -> str:
    notes = [n for n in getattr(error, "__notes__", []) if n.startswith("Draw ")]
    if not notes:
        return ""
    return "\nhypothesis draws of the shrunk example:\n" + "\n".join(
        "    " + note.replace("\n", "\n    ") for note in notes
    )


def _explain(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):  # hypothesis: flaky, or several distinct bugs
        return _explain(error.exceptions[0])
    if isinstance(error, MissingAPI):
        return str(error)
    if isinstance(error, CheckFailure):
        return str(error) + _draws(error)
    missing = missing_api(error)
    if missing is not None:
        return missing
    trace = "".join(traceback.format_exception(error, limit=-4))
    return f"the check raised {type(error).__name__}: {error}{_draws(error)}\n{trace}"


def run_check(check: Check, subject: Subject) -> CheckResult:
    """Run one check; whatever happens becomes its result (nothing propagates)."""
    start = time.perf_counter()
    try:
        check.run(subject)
    except CheckSkipped as skip:
        outcome, message = Outcome.SKIPPED, str(skip)
    except Exception as error:
        outcome, message = Outcome.FAILED, _explain(error)
    else:
        outcome, message = Outcome.PASSED, ""
    duration = time.perf_counter() - start
    return CheckResult(check.name, outcome, check.rule, message, duration_s=duration)
