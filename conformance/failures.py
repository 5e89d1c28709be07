"""The outcomes a check raises: a failure that explains itself, or a skip with its reason."""

from __future__ import annotations

import textwrap

__all__ = ["CheckFailure", "CheckSkipped", "MissingAPI"]


class CheckFailure(AssertionError):
    """The implementation broke the rule a check enforces.

    ``problem`` says where and how (expected vs actual); ``snippet`` is a script reproducing it.
    """

    def __init__(self, problem: str, snippet: str | None = None) -> None:
        self.problem = problem
        self.snippet = snippet
        message = problem
        if snippet is not None:
            message += "\nreproduce:\n" + textwrap.indent(snippet, "    ")
        super().__init__(message)


class MissingAPI(CheckFailure):
    """The implementation lacks a part of the reference's API (an attribute, an option, param
    groups, a state dict format) that the check is about; the message is one line naming it."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)


class CheckSkipped(Exception):
    """The check does not apply to this run; the message says why."""
