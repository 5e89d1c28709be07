"""Whose error is it: the implementation's, or the suite's own.

An exception whose innermost Python frame lies outside this package was raised by code the
suite called: the implementation (or torch, on its behalf, e.g. loading a state dict it
produced). One raised in this package's own frames is a crash of the suite: a bug to report,
never charged to the implementation.
"""

from __future__ import annotations

import linecache
import traceback
from pathlib import Path

__all__ = ["call_site", "is_suite_error", "suite_error_message"]

_PACKAGE = Path(__file__).resolve().parent
REPORT_TO = "please report it with this traceback to the conformance suite's maintainers"


def _in_package(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(_PACKAGE)
    except (OSError, ValueError):
        return False


def is_suite_error(error: BaseException) -> bool:
    """Whether ``error`` was raised in the suite's own code rather than in code it called."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and _in_package(frames[-1].filename)


def call_site(error: BaseException) -> str:
    """The suite's statement that called into the code that raised ``error``, e.g.
    ``optimizer.step()``, or "" when it cannot be told."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if _in_package(frame.filename):
            return (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
    return ""


def suite_error_message(error: BaseException) -> str:
    """A suite crash, as its report shows it: what happened, whom to tell, the traceback."""
    trace = "".join(traceback.format_exception(error))
    return (
        f"the conformance suite itself raised {type(error).__name__}: {error}. This is not a "
        f"deviation of the implementation; {REPORT_TO}.\n{trace}"
    )
