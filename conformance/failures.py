"""What a check raises: a failure that explains itself (and names the checks whose rules its
observation relied on), or a skip with its reason."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

__all__ = ["CheckFailure", "CheckSkipped", "MissingAPI", "MissingOption", "OracleMismatch", "SuiteError", "relying_on"]


class CheckFailure(AssertionError):
    """The implementation broke the rule a check enforces.

    ``problem`` says where and how (expected vs actual); ``snippet`` is a script reproducing it.
    ``relies_on`` names the checks whose rules the observation also relied on: where one of
    them fails in the same run, this failure is not a deviation of its own, and the check is
    reported as not judged, blocked by it (:mod:`conformance.judging`).

    Where the failure is an exception the implementation raised (of type ``raised``),
    ``relies_on_if_raised`` names the checks that block it only where they failed on an
    exception of the same type: a crash is observed whatever the values, so a value deviation
    of the rules the case used does not hide it. A check whose failure gathers several
    exceptions names their types in ``raised``, joined by ``|`` (another failure on any of
    them waits on it), and says with ``wholly_raised=False`` that they are not all of it (so
    it waits on no other check's exception).
    """

    def __init__(
        self,
        problem: str,
        snippet: str | None = None,
        relies_on: Iterable[str] = (),
        *,
        raised: str = "",
        relies_on_if_raised: Iterable[str] = (),
        wholly_raised: bool = True,
    ) -> None:
        self.problem = problem
        self.snippet = snippet
        self.relies_on = tuple(relies_on)
        self.raised = raised
        self.relies_on_if_raised = tuple(relies_on_if_raised)
        self.wholly_raised = wholly_raised
        message = problem
        if snippet is not None:
            message += "\nreproduce:\n" + textwrap.indent(snippet, "    ")
        super().__init__(message)


class OracleMismatch(CheckFailure):
    """Param values left the float64 oracle's trajectory: the observation relies on the update
    math of every option and param kind the case used (``relies_on``)."""


class MissingAPI(CheckFailure):
    """The implementation lacks a part of the reference's API (an attribute, param groups, a
    state dict format) that the check is about; the message is one line naming it."""

    def __init__(self, problem: str, relies_on: Iterable[str] = ()) -> None:
        super().__init__(problem, relies_on=relies_on)


class MissingOption(MissingAPI):
    """The implementation does not take an option the check needs at a non-default value. The
    check about that option (``relies_on``) reports it; any other check needing it is blocked."""


class SuiteError(Exception):
    """The suite's own machinery failed (a spec's oracle raised, say): not the implementation's
    deviation, whatever code the traceback ends in."""


class CheckSkipped(Exception):
    """The check does not apply to this run; the message says why."""


def relying_on(blocker: str, problem: str, *others: str) -> CheckFailure:
    """A failure observed through a rule another check judges: where ``blocker`` (or one of
    ``others``) fails in the same run, this check is not judged; where they pass, this is the
    check's own deviation."""
    return CheckFailure(problem, relies_on=(blocker, *others))
