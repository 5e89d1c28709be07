"""A named check: one documented behaviour, and the code that verifies a subject follows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..subject import Subject

__all__ = ["Check"]


@dataclass(frozen=True)
class Check:
    """One documented behaviour.

    Attributes:
        name: stable identifier, e.g. ``"update_math"``.
        rule: the documented rule, quoted when the check fails.
        run: raises :class:`~conformance.failures.CheckFailure` when the subject breaks the rule,
            :class:`~conformance.failures.CheckSkipped` when the rule does not apply to it.
    """

    name: str
    rule: str
    run: Callable[[Subject], None]
