"""pytest plugin: ``pytest --optimizer-spec adamw --optimizer-impl MODULE:ATTR`` runs the
conformance checks as tests.

Registered through the ``pytest11`` entry point, so it is loaded into every pytest run where
this package is installed. It therefore imports neither torch nor hypothesis at load time and
does nothing unless ``--optimizer-impl`` (or the ini key ``optimizer_impl``) names an
implementation. Then each check becomes one test, ``<spec>-conformance::<check name>`` (e.g.
``adamw-conformance::amsgrad``), which ``-k`` selects like any other.

Options (each also an ini key: ``--optimizer-device`` is ``optimizer_device``, ...; each keeps
the aliases ``--adadelta-*`` and ``--conformance-*``, ini ``adadelta_*`` and ``conformance_*``)::

    --optimizer-impl MODULE:ATTR         the implementation under test
    --optimizer-spec NAME                a shipped spec (adadelta, sgd, adam, ...; default
                                         adadelta) or MODULE:ATTR of an OptimizerSpec
    --optimizer-device cpu|cuda          where params live (default cpu)
    --optimizer-profile NAME             hypothesis profile (default conformance-default)
    --optimizer-seed N                   hypothesis seed of a randomized profile
    --optimizer-expected-failures FILE   JSON {check_name: reason}: those tests xfail
    --optimizer-distributed              also run the distributed checks
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .checks.check import Check
    from .execution import LazyJudge
    from .subject import Subject

__all__ = [
    "ConformanceItem",
    "ConformanceSuite",
    "pytest_addoption",
    "pytest_make_collect_report",
    "pytest_configure",
    "pytest_report_header",
]

_DEVICES = ("cpu", "cuda")

# The option --<prefix>-<name> and the ini key <prefix>_<name>, for each prefix: the first is
# the one documented and named in errors; the others are aliases (the suite checked only
# Adadelta when they were introduced).
_PREFIXES = ("optimizer", "adadelta", "conformance")

# name -> (help, argparse keywords)
_OPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "impl": ("MODULE:ATTR of the optimizer class or factory to check; enables the suite", {}),
    "device": ("where params live: cpu or cuda (default cpu)", {}),
    "profile": ("hypothesis profile of the suite (default conformance-default)", {}),
    "seed": ("hypothesis seed, for a randomized profile", {}),
    "expected-failures": ('JSON file {"check_name": "reason"}: those checks xfail', {}),
    "spec": ("the spec to check against: a shipped one's name (adadelta, sgd, adam, adamw, "
             "rmsprop, adagrad; default adadelta) or MODULE:ATTR of an OptimizerSpec", {}),
    "distributed": ("also run the distributed checks (they spawn processes)", {"action": "store_true"}),
}


@dataclass(frozen=True)
class _Suite:
    subject: Subject
    checks: tuple[Check, ...]
    expected_failures: dict[str, str]
    profile: str

    @functools.cached_property
    def judge(self) -> LazyJudge:
        from .execution import LazyJudge

        return LazyJudge(self.subject, {c.name: c for c in self.checks})


_SUITE = pytest.StashKey[_Suite]()


def _ini_keys(name: str) -> list[str]:
    return [f"{prefix}_{name.replace('-', '_')}" for prefix in _PREFIXES]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("optimizer-conformance", "optimizer conformance checks (conformance)")
    for name, (help_text, keywords) in _OPTIONS.items():
        keys = _ini_keys(name)
        flags = [f"--{prefix}-{name}" for prefix in _PREFIXES]
        group.addoption(*flags, dest=keys[0], help=help_text, **keywords)
        kind = "bool" if keywords.get("action") == "store_true" else "string"
        for key in keys:
            parser.addini(key, help=help_text, type=kind, default=False if kind == "bool" else "")


def _option(config: pytest.Config, name: str) -> Any:
    keys = _ini_keys(name)
    value = config.getoption(keys[0])
    if value not in (None, False):
        return value
    return next((value for value in map(config.getini, keys) if value), "")


def _bad(name: str, problem: str) -> pytest.UsageError:
    return pytest.UsageError(f"--{_PREFIXES[0]}-{name} (ini {_ini_keys(name)[0]}): {problem}")


def _suite(config: pytest.Config, target: str) -> _Suite:
    import torch
    from hypothesis.errors import InvalidArgument

    from .expected_failures import ExpectedFailuresError, load_expected_failures
    from .profiles import DEFAULT_PROFILE, settings_for
    from .recipe import available_checks
    from .runner import seed_for
    from .specs import DEFAULT_SPEC, load_spec
    from .subject import Subject
    from .target import TargetError, resolve

    device = _option(config, "device") or "cpu"
    if device not in _DEVICES:
        raise _bad("device", f"{device!r} is not one of {', '.join(_DEVICES)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise _bad("device", "cuda, but torch.cuda.is_available() is False")
    profile = _option(config, "profile") or DEFAULT_PROFILE
    try:
        settings = settings_for(profile)
    except InvalidArgument as error:
        raise _bad("profile", str(error)) from error
    seed_text = _option(config, "seed")
    if seed_text and not str(seed_text).lstrip("-").isdigit():
        raise _bad("seed", f"{seed_text!r} is not an integer")
    try:
        implementation = resolve(target)
    except TargetError as error:
        raise _bad("impl", str(error)) from error
    try:
        spec = load_spec(_option(config, "spec") or DEFAULT_SPEC)
    except TargetError as error:
        raise _bad("spec", str(error)) from error
    expected_path = _option(config, "expected-failures")
    try:
        expected = load_expected_failures(Path(expected_path)) if expected_path else {}
    except ExpectedFailuresError as error:
        raise _bad("expected-failures", str(error)) from error
    seed = seed_for(profile, int(seed_text) if seed_text else None)
    subject = Subject(implementation, spec, torch.device(device), settings, seed)
    checks = available_checks(spec, bool(_option(config, "distributed")))
    return _Suite(subject, checks, expected, profile)


def pytest_configure(config: pytest.Config) -> None:
    target = _option(config, "impl")
    if not target:
        return
    suite = config.stash[_SUITE] = _suite(config, target)
    from .expected_failures import unknown_names

    for warning in unknown_names(suite.expected_failures, [c.name for c in suite.checks]):
        config.issue_config_time_warning(pytest.PytestConfigWarning(warning), stacklevel=2)


def pytest_report_header(config: pytest.Config) -> list[str]:
    suite = config.stash.get(_SUITE, None)
    if suite is None:
        return []
    subject = suite.subject
    seed = "derandomized" if subject.seed is None else f"seed {subject.seed}"
    return [
        f"{subject.spec.name} conformance: {subject.target.name} ({subject.target.version}) against "
        f"{subject.spec.reference_name}, device {subject.device}, hypothesis profile "
        f"{suite.profile} ({seed})"
    ]


class ConformanceFailure(Exception):
    """A check failed; its message is the check's explanation."""


class ConformanceSuiteError(Exception):
    """The suite's own code crashed in a check: not the implementation's deviation."""


# The key of the item property that carries a check's outcome to the terminal summary (also
# from pytest-xdist workers).
_PROPERTY = "optimizer_conformance"


class ConformanceItem(pytest.Item):
    """One conformance check of the implementation under test, as a test."""

    def __init__(
        self, *, check: Check, suite: _Suite, construction_error: str | None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.suite = suite
        self.subject = suite.subject
        self.construction_error = construction_error

    def runtest(self) -> None:
        from .report import Outcome

        if self.construction_error is not None:
            raise ConformanceFailure(self.construction_error)
        result = self.suite.judge.judge(self.check.name)
        self.user_properties.append(
            (_PROPERTY, {"outcome": result.outcome.value, "blocked_by": list(result.blocked_by),
                         "summary": result.message.partition("\n")[0],
                         "notes": list(self.subject.paths.notes())})
        )
        if result.outcome is Outcome.SKIPPED:
            pytest.skip(result.message)
        if result.outcome is Outcome.NOT_JUDGED:
            pytest.skip(f"not judged, blocked by {', '.join(result.blocked_by)}")
        if result.outcome is Outcome.FAILED:
            raise ConformanceFailure(f"rule: {result.rule}\n{result.message}")
        if result.outcome is Outcome.ERROR:
            raise ConformanceSuiteError(result.message)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, (ConformanceFailure, ConformanceSuiteError)):
            return f"{self.check.name} ({self.subject.target.name}):\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        spec = self.subject.spec.name
        return self.path, None, f"{spec} conformance of {self.subject.target.name}: {self.name}"


class ConformanceSuite(pytest.Collector):
    """The parent of the check tests: ``<spec>-conformance::<check name>``, e.g.
    ``adamw-conformance::amsgrad``."""

    def __init__(self, *, suite: _Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def collect(self) -> list[pytest.Item]:
        from .runner import construction_error

        error = construction_error(self.suite.subject)
        items: list[pytest.Item] = []
        for check in self.suite.checks:
            item = ConformanceItem.from_parent(
                self,
                name=check.name,
                check=check,
                suite=self.suite,
                construction_error=error,
            )
            reason = self.suite.expected_failures.get(check.name)
            if reason is not None:
                item.add_marker(pytest.mark.xfail(reason=reason, strict=False))
            items.append(item)
        return items


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """Add the suite to what the session collects, so that ``-k`` and ``-m`` select its tests
    and the collection counts them like any others."""
    report = yield
    suite = collector.config.stash.get(_SUITE, None)
    if suite is not None and isinstance(collector, pytest.Session) and report.passed:
        name = f"{suite.subject.spec.name.lower()}-conformance"
        report.result.append(
            ConformanceSuite.from_parent(collector, name=name, nodeid=name, suite=suite)
        )
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The run's notes (the execution paths drawn, those not offered), each deviation once, with
    the checks it blocks, and the counts."""
    outcomes: dict[str, dict[str, Any]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", ()):
                if key == _PROPERTY:
                    outcomes[report.nodeid.rpartition("::")[2]] = value
    if not outcomes:
        return
    failed = [name for name, o in outcomes.items() if o["outcome"] == "failed"]
    not_judged = [name for name, o in outcomes.items() if o["outcome"] == "not_judged"]
    terminalreporter.section("optimizer conformance")
    notes = next(iter(outcomes.values())).get("notes", [])
    for note in notes:
        terminalreporter.write_line(f"note: {note}")
    for name in failed:
        blocks = [n for n in not_judged if name in outcomes[n]["blocked_by"]]
        also = f" [blocks {', '.join(blocks)}]" if blocks else ""
        terminalreporter.write_line(f"{name}: {outcomes[name]['summary']}{also}")
    terminalreporter.write_line(
        f"{len(failed)} deviation{'s' * (len(failed) != 1)} found, "
        f"{len(not_judged)} check{'s' * (len(not_judged) != 1)} not judged"
    )
