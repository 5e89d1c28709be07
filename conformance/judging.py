"""Which failures are deviations of their own, and which are not judged.

A check observes its rule through the implementation's behaviour, and an observation may rely
on other rules: a round trip through ``state_dict`` is judged by comparing params with the
float64 oracle, which relies on the update math of every option the case used. When a check
whose rule an observation relied on fails in the same run, the observation says nothing about
its own rule: the check is *not judged*, blocked by the failing one, and the deviation is
reported once, by the check about it. Likewise a part of torch's API the implementation lacks
(``state``, param groups, a hook) is reported by the first check, in report order, that it
fails; the others it fails are not judged. Blocking follows chains to the failing checks at
their roots. Failing checks that rely on one another in a cycle (the base update rule's case
drew a 0-d param, the memory layouts' case a weight decay, the weight decay's case both) share
their deviation: the first of them in report order reports it, the others are blocked by it
(or, where the cycle relies on a failing check outside it, all are blocked by that one's
roots).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from .report import CheckResult, Outcome

__all__ = ["blocked", "judged", "roots"]

# The outcome of a check by name, or None where it did not run.
Lookup = Callable[[str], CheckResult | None]


def _rank(order: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    position = {name: i for i, name in enumerate(order)}
    return lambda name: (position.get(name, len(position)), name)


def _relied(result: CheckResult, lookup: Lookup) -> tuple[str, ...]:
    """The checks ``result``'s failure relied on: ``relies_on``, and for an exception the
    implementation raised, those of ``relies_on_if_raised`` that failed on the same type."""
    same = tuple(
        name
        for name in result.relies_on_if_raised
        if (other := lookup(name)) is not None and result.raised and result.raised in other.raised.split("|")
    )
    return (*result.relies_on, *same)


def _failing_reach(name: str, lookup: Lookup) -> set[str]:
    """The FAILED checks reachable from ``name`` through the checks failing observations relied on."""
    seen: set[str] = set()
    stack = [name]
    while stack:
        result = lookup(stack.pop())
        if result is None or result.outcome is not Outcome.FAILED:
            continue
        for other in _relied(result, lookup):
            found = lookup(other)
            if other not in seen and found is not None and found.outcome is Outcome.FAILED:
                seen.add(other)
                stack.append(other)
    return seen


def roots(
    result: CheckResult,
    lookup: Lookup,
    order: Sequence[str] = (),
    _done: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """The failing checks that block ``result`` (a FAILED one), or () if it stands.

    ``order``: the report order, which decides which check of a cycle reports its deviation.
    """
    if result.outcome is not Outcome.FAILED:
        return ()
    # The checks failing in a cycle with this one: each reaches the other.
    cycle = {result.name} | {
        other for other in _failing_reach(result.name, lookup) if result.name in _failing_reach(other, lookup)
    }
    blocking: list[str] = []
    for member in sorted(cycle, key=_rank(order)):
        found = lookup(member)
        for name in () if found is None else _relied(found, lookup):
            other = lookup(name)
            if name in cycle or name in _done or other is None:
                continue
            if other.outcome is Outcome.NOT_JUDGED:
                blocking += other.blocked_by
            elif other.outcome is Outcome.FAILED:
                blocking += roots(other, lookup, order, _done | cycle) or (name,)
    if blocking:
        return tuple(dict.fromkeys(blocking))
    first = min(cycle, key=_rank(order))
    return () if first == result.name else (first,)


def blocked(result: CheckResult, blockers: tuple[str, ...]) -> CheckResult:
    """``result`` (a failure) as not judged, blocked by ``blockers``."""
    why = (
        "the observation relies on the rule of "
        + ", ".join(blockers)
        + ", which this implementation breaks:\n"
        + result.message
    )
    return dataclasses.replace(result, outcome=Outcome.NOT_JUDGED, message=why, blocked_by=blockers)


def judged(
    results: Sequence[CheckResult], lookup: Lookup | None = None, order: Sequence[str] = ()
) -> list[CheckResult]:
    """``results`` with each failure that another failure blocks turned into NOT_JUDGED.

    ``lookup`` finds checks that are not among ``results`` (e.g. run on demand); by default
    only ``results`` are consulted. ``order`` is the report order (default: that of
    ``results``), which decides which check of a cycle of failures reports it.
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
    order = list(order) or [r.name for r in results]
    return [blocked(r, blockers) if (blockers := roots(r, find, order)) else r for r in linked]
