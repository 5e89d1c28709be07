"""Assertions checks are written with; each raises a :class:`CheckFailure` that explains itself."""

from __future__ import annotations

import dataclasses
import functools
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

import torch

from .blame import call_site, is_suite_error
from .case import (
    Case,
    FillLR,
    SparseGrad,
    TensorLR,
    contiguous_stride,
    folded,
    hyperparameters_per_step,
)
from .comparison import OracleComparison
from .failures import CheckFailure, MissingAPI, OracleMismatch, SuiteError
from .oracle import run_oracle
from .paths import torch_paths_agree
from .replay import BuildFailed, Relay, Stepped, snapshot, stepping
from .snippet import render_case
from .spec import OptimizerSpec
from .subject import Subject
from .surface import missing_api, takes_param_groups
from .target import Target

__all__ = [
    "expect",
    "expect_param_groups",
    "expect_same_error",
    "expect_trajectory",
    "fitted_case",
    "outcome_of",
    "raised",
    "relied_on",
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
    """The exception ``call`` raises, or None. The suite's own verdicts (a
    :class:`CheckFailure` raised while reading what the call left) propagate."""
    try:
        call()
    except CheckFailure:
        raise
    except Exception as error:
        return error
    return None


def expect_param_groups(subject: Subject) -> None:
    """The implementation takes param groups, as a check about them needs; else one line says
    so, and per_group_hyperparameters reports it."""
    if not takes_param_groups(subject.factory):
        raise MissingAPI(
            f"{subject.target.name} does not take param groups (a list of dicts holding "
            "'params', as torch.optim.Optimizer does), which this rule needs",
            relies_on=("per_group_hyperparameters",),
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
            # Another exception than torch's may be the one building with defaults raises.
            raised=type(actual).__name__ if type(actual) is not type(expected) else "",
        )


def relied_on(case: Case, spec: OptimizerSpec) -> tuple[str, ...]:
    """The checks whose rules a comparison of ``case`` with the oracle relies on: the base
    update rule, the scenario of each option set to a non-default value, and the checks about
    the kinds of params, grads and lr the case uses."""
    scenarios = [s.name for s in spec.scenarios]
    relied = scenarios[:1]
    used: set[str] = set()
    for step in hyperparameters_per_step(case, spec):
        for options in step:
            used |= {k for k, v in options.items() if k in spec.defaults and v != spec.defaults[k]}
    base = spec.base_hyperparameters
    relied += sorted(k for k in used if k in scenarios and (base is None or k not in base))
    dtypes = {p.dtype for p in case.params}
    low_precision = bool(dtypes & {torch.bfloat16, torch.float16})
    kinds = {
        "dtypes": low_precision,
        "low_precision_bar": low_precision,
        "complex_params": any(d.is_complex for d in dtypes),
        # 0-d params are among the base checks' layouts; strided and empty ones are not.
        "memory_layouts": any(
            p.stride != contiguous_stride(p.shape) or 0 in p.shape for p in case.params
        ),
        "tensor_lr": _tensor_lr(case),
        "sparse_grads": any(isinstance(g, SparseGrad) for step in case.grads for g in step),
        "per_group_hyperparameters": any(g.options for g in case.groups),
        "hyperparameter_changes": any(case.changes),
        "add_param_group": case.added_groups > 0,
        "none_grad_skipped": any(g is None for step in case.grads for g in step),
    }
    return tuple(relied + [name for name, used_here in kinds.items() if used_here])


def uses_boundary_argument(case: Case, spec: OptimizerSpec) -> bool:
    """Whether ``case`` builds its optimizer with one of the spec's extreme valid arguments
    (``boundary_arguments``; those that are the defaults do not count)."""
    options = [case.constructor, *(g.options for g in case.groups)]
    return any(
        any(all(k in o and same_value(o[k], v) for k, v in arguments.items()) for o in options)
        for arguments in spec.boundary_arguments
        if any(not same_value(spec.defaults.get(k), v) for k, v in arguments.items())
    )


def same_value(value: Any, expected: Any) -> bool:
    """``value == expected``, False where comparing raises (a Tensor of several elements)."""
    try:
        return bool(value == expected)
    except (RuntimeError, TypeError):
        return False


def _tensor_lr(case: Case) -> bool:
    options = [case.constructor, *(g.options for g in case.groups)]
    options += [o for change in case.changes for o in change.values()]
    return any(isinstance(o.get("lr"), (TensorLR, FillLR)) for o in options)


def fitted_case(case: Case, subject: Subject) -> Case:
    """``case`` as passed to the implementation (see :meth:`Options.fitted`)."""
    options = subject.options
    groups = tuple(
        dataclasses.replace(g, options=options.fitted(g.options, constructor=False))
        for g in case.groups
    )
    changes = tuple(
        {g: options.fitted(o, constructor=False) for g, o in change.items()} for change in case.changes
    )
    constructor = options.fitted(case.constructor, constructor=True)
    return dataclasses.replace(case, constructor=constructor, groups=groups, changes=changes)


def _raise_stepping_error(
    step: int, error: Exception, snippet: str, relies_on: tuple[str, ...], if_raised: tuple[str, ...]
) -> NoReturn:
    """Raise what an exception while stepping means: a missing API part, the suite's own crash
    (as is), or a failure blocked by ``relies_on`` (torch's layout for a hand-over, the
    constructor's validation) and by the checks about the options and kinds the case used
    (``if_raised``) only where they raised the same type of exception."""
    missing = missing_api(error)
    if missing is not None:
        raise MissingAPI(missing) from error
    if is_suite_error(error):
        raise error
    site = call_site(error)
    raise CheckFailure(
        f"during step {step} (which includes building the optimizer, changing param_groups "
        f"and handing over state), {f'`{site}`' if site else 'the implementation'} "
        f"{raised(error)}",
        snippet,
        relies_on=relies_on,
        raised=type(error).__name__,
        relies_on_if_raised=if_raised,
    ) from error


def expect_trajectory(
    subject: Subject,
    case: Case,
    *,
    start: Target | None = None,
    relay: Relay | None = None,
    inspect: Inspection | None = None,
    every_step: bool = True,
    judge_state: bool = False,
    compare: bool = True,
    setup: str = "",
) -> None:
    """Step ``case`` on ``start`` (default: the implementation), handing over per ``relay``.
    After every step ``inspect`` (if given) must find no problem; then (or, unless
    ``every_step``, after the last: deriving tolerances costs a backward pass through all steps
    so far) the params (and, with ``judge_state``, the state's buffers) must match the oracle
    within tolerance or one of torch's own paths, unless not ``compare``. ``setup`` is code the
    snippet runs first, standing for a setting the caller made (a default dtype).

    Raises:
        OracleMismatch: values left the oracle's trajectory; it names the checks the
            comparison relied on.
        CheckFailure: the implementation raised, or ``inspect`` found a problem.
    """
    implementation = subject.target
    first = implementation if start is None else start
    if relay is not None and relay.target is implementation:
        given = case.constructor if relay.constructor is None else relay.constructor
        relay = dataclasses.replace(
            relay, constructor=subject.options.fitted(given, constructor=True)
        )
    if first is implementation:
        case = fitted_case(case, subject)
        if not case.plain_params:
            expect_param_groups(subject)
    used = relied_on(case, subject.spec)
    handover: tuple[str, ...] = ()
    if relay is not None and relay.target is not implementation:
        # The reference loads the implementation's state dict: torch's layout is assumed.
        handover = ("state_layout", "step_counter")
    elif relay is not None and first is not implementation:
        handover = ("cross_load_from_reference",)
    elif relay is not None:
        # Continuing from its own state dict is mid_run_resume's rule, judged there against
        # the uninterrupted run rather than the oracle: a checkpoint that loses state fails it.
        handover = ("mid_run_resume",)
    # Buffers compared with the oracle: their values are state_values' rule.
    relies = used + handover + (("state_values",) if judge_state else ())
    snippet = functools.partial(render_case, case, first, str(subject.device), relay, setup)
    try:
        oracle = run_oracle(folded(case), subject.spec) if compare else None
    except Exception as error:
        raise SuiteError(f"the spec's float64 oracle raised on this case: {error!r}") from error
    comparison = None if oracle is None else OracleComparison(case, subject.spec, oracle, judge_state)
    steps = stepping(case, first.factory, subject.device, relay)
    for step in range(1, case.steps + 1):
        try:
            stepped = next(steps)
        except MissingAPI:
            raise
        except CheckFailure as failure:  # the case itself found the rule broken
            raise CheckFailure(failure.problem, snippet(), failure.relies_on) from failure
        except BuildFailed as failed:
            # A build refused with an extreme valid argument: constructor_validation's rule
            # ("extreme valid values are accepted"), where it saw the same type refuse one.
            extreme = ("constructor_validation",) if uses_boundary_argument(case, subject.spec) else ()
            _raise_stepping_error(step, failed.error, snippet(), handover, (*used, *extreme))
        except Exception as error:
            _raise_stepping_error(step, error, snippet(), handover, used)
        # The inspection first: it judges the check's own rule, or what the comparison needs
        # (the buffers found by name), so a step that breaks both reports the rule.
        try:
            problem = None if inspect is None else inspect(stepped)
        except MissingAPI:
            raise
        except CheckFailure as failure:
            raise CheckFailure(failure.problem, snippet(), failure.relies_on) from failure
        if problem is not None:
            raise CheckFailure(problem, snippet())
        if comparison is not None and (every_step or step == case.steps):
            current = snapshot(stepped, subject.spec)
            problem = comparison.mismatch(step, current)
            if problem is not None and not (
                relay is None and torch_paths_agree(subject, case, step, current, comparison)
            ):
                raise OracleMismatch(problem, snippet(), relies)
