"""Assertions checks are written with; each raises a :class:`CheckFailure` that explains itself."""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from .case import Case
from .comparison import OracleComparison
from .failures import CheckFailure, MissingAPI
from .oracle import run_oracle
from .replay import Relay, Stepped, snapshot, stepping
from .snippet import render_case
from .spec import OptimizerSpec
from .subject import Subject
from .surface import accepts, missing_api, takes_param_groups
from .target import Target

__all__ = [
    "expect",
    "expect_param_groups",
    "expect_same_error",
    "expect_trajectory",
    "outcome_of",
    "raised",
]

Inspection = Callable[[Stepped], str | None]


def expect(condition: bool, problem: str, snippet: str | None = None) -> None:
    if not condition:
        raise CheckFailure(problem, snippet)


def raised(error: BaseException) -> str:
    """``raised <type>: <message> (at <file>:<line>)``: what an implementation raised, and where."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"raised {type(error).__name__}: {error} (at {frame.filename}:{frame.lineno})"


def outcome_of(call: Callable[[], Any]) -> BaseException | None:
    """The exception ``call`` raises, or None."""
    try:
        call()
    except Exception as error:
        return error
    return None


def expect_param_groups(target: Target) -> None:
    """``target`` takes param groups, as a check about them needs; else one line says so."""
    if not takes_param_groups(target.factory):
        raise MissingAPI(
            f"{target.name} does not take param groups (a list of dicts holding 'params', as "
            "torch.optim.Optimizer does), which this rule needs"
        )


def expect_same_error(
    reference: Callable[[], Any],
    implementation: Callable[[], Any],
    situation: str,
    snippet: str,
    *,
    may_add_detail: bool = False,
) -> None:
    """The implementation raises what the reference raises: the same type, and the same
    message (or, if ``may_add_detail``, a message containing the reference's)."""
    expected, actual = outcome_of(reference), outcome_of(implementation)
    missing = None if actual is None else missing_api(actual)
    if missing is not None:
        raise MissingAPI(missing)
    if expected is None:
        raise AssertionError(f"the reference raised nothing when {situation}; the spec is stale")
    wanted = f"{type(expected).__name__}({str(expected)!r})"
    if actual is None:
        raise CheckFailure(f"when {situation}: expected {wanted}, nothing was raised", snippet)
    same_message = (
        str(expected) in str(actual) if may_add_detail else str(expected) == str(actual)
    )
    if type(actual) is not type(expected) or not same_message:
        detail = " (more detail may follow the reference's message)" if may_add_detail else ""
        raise CheckFailure(
            f"when {situation}: expected {wanted}{detail}, "
            f"got {type(actual).__name__}({str(actual)!r})",
            snippet,
        )


def _fitted(options: Mapping[str, Any], target: Target, spec: OptimizerSpec) -> dict[str, Any]:
    """``options`` without those ``target`` does not take that are at their default value: an
    implementation lacking an option is judged on it only by the checks about it.

    Raises:
        CheckFailure: ``target`` does not take an option set to another value.
    """
    kept = {}
    for key, value in options.items():
        if accepts(target.factory, key):
            kept[key] = value
        elif key not in spec.defaults or value != spec.defaults[key]:
            raise MissingAPI(
                f"{target.name} does not take the option {key!r}, which this rule needs "
                f"({key}={value!r}; {spec.reference_name} takes it)"
            )
    return kept


def _fitted_case(case: Case, target: Target, spec: OptimizerSpec) -> Case:
    groups = tuple(
        dataclasses.replace(g, options=_fitted(g.options, target, spec)) for g in case.groups
    )
    return dataclasses.replace(
        case, constructor=_fitted(case.constructor, target, spec), groups=groups
    )


def expect_trajectory(
    subject: Subject,
    case: Case,
    *,
    start: Target | None = None,
    relay: Relay | None = None,
    inspect: Inspection | None = None,
    every_step: bool = True,
) -> None:
    """Step ``case`` on ``start`` (default: the implementation), handing over per ``relay``.
    After every step (or, unless ``every_step``, after the last: deriving tolerances costs a
    backward pass through all steps so far) the params and state must match the oracle within
    tolerance, and after every step ``inspect`` (if given) must find no problem."""
    first = subject.target if start is None else start
    if relay is not None:
        given = case.constructor if relay.constructor is None else relay.constructor
        relay = dataclasses.replace(relay, constructor=_fitted(given, relay.target, subject.spec))
    case = _fitted_case(case, first, subject.spec)
    if not case.plain_params:
        expect_param_groups(first)
    comparison = OracleComparison(case, subject.spec, run_oracle(case, subject.spec))
    steps = stepping(case, first.factory, subject.device, relay)
    for step in range(1, case.steps + 1):
        try:
            stepped = next(steps)
        except MissingAPI:
            raise
        except CheckFailure as failure:  # the case itself found the rule broken
            snippet = render_case(case, first, str(subject.device), relay)
            raise CheckFailure(failure.problem, snippet) from failure
        except Exception as error:
            missing = missing_api(error)
            if missing is not None:
                raise MissingAPI(missing) from error
            raise CheckFailure(
                f"during step {step} (which includes building the optimizer, changing "
                f"param_groups and handing over state), the implementation {raised(error)}",
                render_case(case, first, str(subject.device), relay),
            ) from error
        compared = every_step or step == case.steps
        problem = comparison.mismatch(step, snapshot(stepped, subject.spec)) if compared else None
        if problem is None and inspect is not None:
            problem = inspect(stepped)
        if problem is not None:
            raise CheckFailure(problem, render_case(case, first, str(subject.device), relay))
