"""Run checks on a subject and collect a :class:`Report`, in this process or in several."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from .specs import DEFAULT_SPEC, as_spec
from .checks.check import Check
from .execution import run_check
from .expected_failures import unknown_names
from .judging import judged
from .isolation import DEFAULT_TIMEOUT_S, run_isolated
from .profiles import DEFAULT_PROFILE, settings_for
from .recipe import Recipe, available_checks
from .report import CheckResult, Outcome, Report
from .selection import matcher
from .spec import OptimizerSpec
from .subject import Subject
from .target import describe

__all__ = ["check", "construction_error", "run", "seed_for", "selected"]


def _expected(result: CheckResult, expected_failures: Mapping[str, str]) -> CheckResult:
    reason = expected_failures.get(result.name)
    if reason is None or result.outcome not in (Outcome.PASSED, Outcome.FAILED):
        return result
    outcome = Outcome.XFAIL if result.outcome is Outcome.FAILED else Outcome.XPASS
    return dataclasses.replace(result, outcome=outcome, reason=reason)


def selected(checks: Sequence[Check], expression: str) -> list[Check]:
    """The checks whose names match a ``-k`` expression (see :mod:`conformance.selection`)."""
    chosen = matcher(expression)
    return [c for c in checks if chosen(c.name)]


def seed_for(profile: str, seed: int | None) -> int | None:
    """The seed a run uses: None under a derandomized profile, else ``seed`` or a fresh one."""
    if settings_for(profile).derandomize:
        return None
    return random.randrange(2**32) if seed is None else seed


def construction_error(subject: Subject) -> str | None:
    """Why the implementation cannot even be built over one param, or None if it can.

    Tried with torch's defaults, then with the spec's example hyperparameters (a class that
    rejects a default, SGD's momentum 0 say, is still built by the checks that set another
    value, and the checks about that default report it). Every check builds optimizers, so when
    both fail no check can say anything more useful.
    """
    param = torch.nn.Parameter(torch.zeros(2, device=subject.device))
    example = subject.options.taken_of(subject.spec.example_hyperparameters)
    error: Exception | None = None
    for options in ({}, example):
        try:
            subject.factory([param], **options)
        except Exception as raised:
            error = error or raised
        else:
            return None
    return (
        f"{subject.target.name}([a param of shape (2,)]) raised "
        f"{type(error).__name__}: {error}; no check can run"
    )


def run(
    subject: Subject,
    checks: Sequence[Check],
    *,
    expected_failures: Mapping[str, str] | None = None,
    profile: str = DEFAULT_PROFILE,
    workers: int = 1,
    recipe: Recipe | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Report:
    """Run ``checks`` on ``subject`` under hypothesis ``profile``.

    With a ``recipe``, in ``workers`` spawned processes that each rebuild the subject from it,
    where a check that outlives ``timeout_s`` or kills its process fails alone (see
    :mod:`conformance.isolation`); without one, in this process, with no timeout.
    """
    expected = dict(expected_failures or {})
    start = time.perf_counter()
    error = construction_error(subject)
    if error is not None:
        results: list[CheckResult] = []
    elif recipe is not None:
        results = run_isolated(recipe, checks, workers=workers, timeout_s=timeout_s)
    else:
        results = [run_check(c, subject) for c in checks]
    known = [c.name for c in available_checks(subject.spec, distributed=True)]
    return Report(
        implementation=subject.target.name,
        implementation_version=subject.target.version,
        spec=subject.spec.name,
        reference=subject.spec.reference_name,
        torch_version=torch.__version__,
        device=str(subject.device),
        profile=profile,
        seed=subject.seed,
        results=tuple(_expected(r, expected) for r in judged(results)),
        warnings=tuple(unknown_names(expected, known)),
        notes=() if error is not None else subject.paths.notes(),
        duration_s=time.perf_counter() - start,
        error=error or "",
    )


def check(
    factory: Callable[..., Any],
    *,
    spec: OptimizerSpec | str = DEFAULT_SPEC,
    device: str = "cpu",
    select: str = "",
    expected_failures: Mapping[str, str] | None = None,
    profile: str = DEFAULT_PROFILE,
    seed: int | None = None,
    distributed: bool = False,
) -> Report:
    """Check an optimizer class or factory against ``spec``; prints nothing.

    Args:
        factory: called like the reference's constructor, e.g.
            ``torch.optim.Adadelta(params, lr=1.0, rho=0.9, ...)``.
        spec: the documented semantics to check against: a shipped spec's name
            (``"adamw"``; :data:`conformance.specs.SPECS` lists them), ``MODULE:ATTR`` of an
            :class:`OptimizerSpec`, or the spec itself.
        device: ``"cpu"`` or ``"cuda"``.
        select: a ``-k`` expression over check names; "" runs every check.
        expected_failures: ``{check_name: reason}``; such failures are reported as xfail.
        profile: a registered hypothesis profile.
        seed: hypothesis seed for a randomized profile (None: a fresh one).
        distributed: also run the distributed checks (they spawn processes).

    Returns:
        The report; ``report.passed`` tells whether no check failed.

    Example:
        >>> report = conformance.check(torch.optim.Adadelta, select="closure or zero_grad")
        >>> report.passed
        True
    """
    spec = as_spec(spec)
    settings = settings_for(profile)
    subject = Subject(describe(factory), spec, torch.device(device), settings, seed_for(profile, seed))
    chosen = selected(available_checks(spec, distributed), select)
    return run(subject, chosen, expected_failures=expected_failures, profile=profile)
