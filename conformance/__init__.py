"""Checks an optimizer implementation against a torch.optim algorithm's documented semantics:
Adadelta (the default), SGD, Adam, AdamW, RMSprop, Adagrad (:mod:`conformance.specs`), or one's
own :class:`OptimizerSpec`.

Three ways in: ``python -m conformance --spec adamw MODULE:ATTR`` (:mod:`conformance.cli`), the
pytest plugin ``pytest --optimizer-spec adamw --optimizer-impl MODULE:ATTR``
(:mod:`conformance.plugin`), and this API::

    report = conformance.check(MyAdamW, spec="adamw")     # a Report; prints nothing
    assert report.passed, report.render()

    @conformance.parametrize_with_checks([MyAdadelta])
    def test_conformance(implementation, check):
        check(implementation)

Public names are loaded on first use, so that importing the pytest plugin (a submodule) imports
neither torch nor hypothesis.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .specs.adadelta import ADADELTA, adadelta_update
    from .checks.check import Check
    from .checks import check_families, checks_for
    from .failures import CheckFailure, CheckSkipped
    from .parametrize import parametrize_with_checks
    from .profiles import DEFAULT_PROFILE, THOROUGH_PROFILE, register_profiles
    from .report import CheckResult, Outcome, Report
    from .runner import check
    from .spec import InvalidArguments, MathScenario, OptimizerSpec

_HOMES = {
    "ADADELTA": "specs.adadelta",
    "adadelta_update": "specs.adadelta",
    "Check": "checks.check",
    "check_families": "checks",
    "checks_for": "checks",
    "CheckFailure": "failures",
    "CheckSkipped": "failures",
    "parametrize_with_checks": "parametrize",
    "DEFAULT_PROFILE": "profiles",
    "THOROUGH_PROFILE": "profiles",
    "register_profiles": "profiles",
    "CheckResult": "report",
    "Outcome": "report",
    "Report": "report",
    "check": "runner",
    "InvalidArguments": "spec",
    "MathScenario": "spec",
    "OptimizerSpec": "spec",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'conformance' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
