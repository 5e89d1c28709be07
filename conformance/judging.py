"""Which failures are deviations of their own, and which are not judged.

A check observes its rule through the implementation's behaviour, and an observation may rely
on other rules: a round trip through ``state_dict`` is judged by comparing params with the
float64 oracle, which relies on the update math of every option the case used. When a check
whose rule an observation relied on fails in the same run, the observation says nothing about
its own rule: the check is *not judged*, blocked by the failing one, and the deviation is
reported once, by the check about it. Likewise a part of torch's API the implementation lacks
(``state``, param groups, a hook) is reported by the first check, in report order, that it
fails; the others it fails are not judged. Blocking follows chains to the failing checks at
their roots; a cycle leaves its checks failing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from .report import CheckResult, Outcome

__all__ = ["blocked", "judged", "roots"]

# The outcome of a check by name, or None where it did not run.
Lookup = Callable[[str], CheckResult | None]


def roots(result: CheckResult, lookup: Lookup, visiting: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The failing checks that block ``result`` (a FAILED one), or () if it stands."""
    if result.outcome is not Outcome.FAILED:
        return ()
    visiting = visiting | {result.name}
    blocking: list[str] = []
    for name in result.relies_on:
        other = lookup(name)
        if name in visiting or other is None:
            continue
        if other.outcome is Outcome.NOT_JUDGED:
            blocking += other.blocked_by
        elif other.outcome is Outcome.FAILED:
            blocking += roots(other, lookup, visiting) or (name,)
    return tuple(dict.fromkeys(blocking))


def blocked(result: CheckResult, blockers: tuple[str, ...]) -> CheckResult:
    """``result`` (a failure) as not judged, blocked by ``blockers``."""
    why = (
        "the observation relies on the rule of "
        + ", ".join(blockers)
        + ", which this implementation breaks:\n"
        + result.message
    )
    return dataclasses.replace(result, outcome=Outcome.NOT_JUDGED, message=why, blocked_by=blockers)


def judged(results: Sequence[CheckResult], lookup: Lookup | None = None) -> list[CheckResult]:
    """``results`` with each failure that another failure blocks turned into NOT_JUDGED.

    ``lookup`` finds checks that are not among ``results`` (e.g. run on demand); by default
    only ``results`` are consulted.
    """
    by_name = {r.name: r for r in results}

    def find(name: str) -> CheckResult | None:
        return by_name.get(name) or (lookup(name) if lookup is not None else None)

    # A missing part of the API is one deviation: the first check it fails reports it.
    owners: dict[str, str] = {}
    for r in results:
        if r.outcome is Outcome.FAILED and r.missing:
            owners.setdefault(r.missing, r.name)
    linked = [
        dataclasses.replace(r, relies_on=(*r.relies_on, owners[r.missing]))
        if r.missing and owners.get(r.missing, r.name) != r.name
        else r
        for r in results
    ]
    by_name.update((r.name, r) for r in linked)
    return [blocked(r, blockers) if (blockers := roots(r, find)) else r for r in linked]
