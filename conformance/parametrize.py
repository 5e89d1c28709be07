"""``parametrize_with_checks``: the suite inside another project's own test files.

In the style of scikit-learn's ``parametrize_with_checks``::

    @conformance.parametrize_with_checks([torch.optim.Adadelta, MyAdadelta])
    def test_conformance(implementation, check):
        check(implementation)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .specs import DEFAULT_SPEC, as_spec
from .checks.check import Check
from .execution import LazyJudge
from .failures import CheckFailure
from .profiles import DEFAULT_PROFILE, settings_for
from .recipe import available_checks
from .report import Outcome
from .runner import seed_for
from .spec import OptimizerSpec
from .subject import Subject
from .target import describe

if TYPE_CHECKING:
    import pytest

__all__ = ["BoundCheck", "parametrize_with_checks"]

# One judge per (implementation, spec, device, profile) in this process: each check runs once.
_JUDGES: dict[tuple[Any, ...], LazyJudge] = {}


class BoundCheck:
    """A check with the settings it runs under; call it on an implementation in a test."""

    def __init__(self, check: Check, spec: OptimizerSpec, device: str, profile: str) -> None:
        self.check = check
        self.spec = spec
        self.device = device
        self.profile = profile

    @property
    def name(self) -> str:
        return self.check.name

    def __call__(self, implementation: Callable[..., Any]) -> None:
        """Run the check: returns if it passes, raises AssertionError (a CheckFailure saying
        where and how) if it fails, and skips the test if the check does not apply or cannot
        be judged because another check's deviation blocks it."""
        import pytest

        result = self._judge(implementation).judge(self.name)
        if result.outcome is Outcome.SKIPPED:
            pytest.skip(result.message)
        if result.outcome is Outcome.NOT_JUDGED:
            pytest.skip(f"not judged, blocked by {', '.join(result.blocked_by)}")
        if result.outcome in (Outcome.FAILED, Outcome.ERROR):
            raise CheckFailure(f"{self.name}: {self.check.rule}\n{result.message}")

    def _judge(self, implementation: Callable[..., Any]) -> LazyJudge:
        import torch

        key = (implementation, id(self.spec), self.device, self.profile)
        if key not in _JUDGES:
            seed = seed_for(self.profile, None)
            settings = settings_for(self.profile)
            subject = Subject(describe(implementation), self.spec, torch.device(self.device), settings, seed)
            checks = {c.name: c for c in available_checks(self.spec)}
            _JUDGES[key] = LazyJudge(subject, checks)
        return _JUDGES[key]

    def __repr__(self) -> str:
        return f"<check {self.name}>"


def _name(implementation: Callable[..., Any]) -> str:
    return getattr(implementation, "__qualname__", None) or repr(implementation)


def parametrize_with_checks(
    implementations: Sequence[Callable[..., Any]],
    *,
    spec: OptimizerSpec | str = DEFAULT_SPEC,
    device: str = "cpu",
    expected_failures: Mapping[str, str] | None = None,
    profile: str = DEFAULT_PROFILE,
    distributed: bool = False,
) -> pytest.MarkDecorator:
    """Parametrize a test over every (implementation, check) pair.

    Test ids read ``"<implementation> follows <check>"``, so ``-k update_math`` selects a
    check. ``expected_failures`` (``{check_name: reason}``) marks those pairs xfail (not
    strict); a name matching no check warns.

    Example:
        >>> @conformance.parametrize_with_checks([torch.optim.Adadelta])
        ... def test_conformance(implementation, check):
        ...     check(implementation)
    """
    import warnings

    import pytest

    from .expected_failures import unknown_names

    spec = as_spec(spec)
    checks = available_checks(spec, distributed)
    expected = dict(expected_failures or {})
    for warning in unknown_names(expected, [c.name for c in checks]):
        warnings.warn(warning, stacklevel=2)
    pairs = [
        pytest.param(
            implementation,
            BoundCheck(check, spec, device, profile),
            id=f"{_name(implementation)} follows {check.name}",
            marks=(
                [pytest.mark.xfail(reason=expected[check.name], strict=False)]
                if check.name in expected
                else []
            ),
        )
        for implementation in implementations
        for check in checks
    ]
    return pytest.mark.parametrize(("implementation", "check"), pairs)
