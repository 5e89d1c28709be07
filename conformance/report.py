"""The structured result of a run, and its text and JSON renderings."""

from __future__ import annotations

import enum
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = ["CheckResult", "Outcome", "Report"]


class Outcome(enum.Enum):
    """How one check ended. Only FAILED makes a run fail."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    XFAIL = "xfail"
    XPASS = "xpass"

    @property
    def label(self) -> str:
        """The word a text report shows: loud for what needs attention."""
        return {"failed": "FAILED", "xpass": "XPASS"}.get(self.value, self.value)


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome.

    Attributes:
        name: the check's name.
        outcome: how it ended.
        rule: the documented rule it enforces.
        message: for FAILED and XFAIL, what went wrong (expected vs actual, and a snippet
            reproducing it); for SKIPPED, why the check does not apply.
        reason: for XFAIL and XPASS, why the failure was expected (the expected-failures file).
        duration_s: wall time of the check.
    """

    name: str
    outcome: Outcome
    rule: str
    message: str = ""
    reason: str = ""
    duration_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome.value,
            "rule": self.rule,
            "message": self.message,
            "reason": self.reason,
            "duration_s": round(self.duration_s, 3),
        }


@dataclass(frozen=True)
class Report:
    """A whole run: what was checked, with which settings, and every check's result.

    Attributes:
        implementation: the target as ``MODULE:ATTR``.
        implementation_version: the distribution providing it, and its version.
        spec: the spec's name (e.g. ``Adadelta``), checked against ``reference``.
        reference: the reference implementation, e.g. ``torch.optim.Adadelta``.
        torch_version: ``torch.__version__``.
        device: where params lived.
        profile: the hypothesis profile.
        seed: the hypothesis seed, or None when the profile derandomizes.
        results: one per selected check, in report order.
        warnings: e.g. expected failures naming no check.
        duration_s: wall time of the run.
        error: what kept every check from running (the implementation cannot be built), or "".
    """

    implementation: str
    implementation_version: str
    spec: str
    reference: str
    torch_version: str
    device: str
    profile: str
    seed: int | None
    results: tuple[CheckResult, ...]
    warnings: tuple[str, ...] = ()
    duration_s: float = 0.0
    error: str = ""

    @property
    def passed(self) -> bool:
        """True when the checks ran and none FAILED (skips, expected failures and XPASS do
        not fail a run)."""
        return not self.error and all(r.outcome is not Outcome.FAILED for r in self.results)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[str, int]:
        counter = Counter(r.outcome for r in self.results)
        return {outcome.value: counter[outcome] for outcome in Outcome}

    def result(self, name: str) -> CheckResult:
        return next(r for r in self.results if r.name == name)

    def to_json(self) -> dict[str, Any]:
        """The JSON report (``--json``); its keys are a stable contract."""
        return {
            "implementation": self.implementation,
            "implementation_version": self.implementation_version,
            "spec": self.spec,
            "reference": self.reference,
            "torch_version": self.torch_version,
            "device": self.device,
            "hypothesis_profile": self.profile,
            "hypothesis_seed": self.seed,
            "derandomized": self.seed is None,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "summary": self.counts(),
            "duration_s": round(self.duration_s, 3),
            "warnings": list(self.warnings),
            "error": self.error,
            "checks": [r.to_json() for r in self.results],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    def render(self) -> str:
        """The text report: header, one line per check, failure details, summary."""
        seed = (
            "derandomized (fixed examples, no seed)"
            if self.seed is None
            else f"seed {self.seed} (replay with --seed {self.seed})"
        )
        lines = [
            f"{self.spec} conformance of {self.implementation}, against {self.reference}",
            f"implementation: {self.implementation} ({self.implementation_version})",
            f"torch:          {self.torch_version}",
            f"device:         {self.device}",
            f"hypothesis:     profile {self.profile}, {seed}",
            "",
        ]
        lines += [f"warning: {warning}" for warning in self.warnings]
        if self.error:
            lines.append(f"ERROR    {self.error}")
        lines += [self._line(result) for result in self.results]
        for result in self.results:
            if result.outcome is Outcome.FAILED:
                lines += ["", f"_____ {result.name} _____", f"rule: {result.rule}", result.message]
        summary = ", ".join(f"{n} {o}" for o, n in self.counts().items() if n)
        verdict = "conforms" if self.passed else "does NOT conform"
        lines += [
            "",
            f"{summary or 'no checks'} in {self.duration_s:.1f}s: {self.implementation} {verdict}",
        ]
        return "\n".join(lines)

    @staticmethod
    def _line(result: CheckResult) -> str:
        line = f"{result.outcome.label:<8} {result.name}"
        if result.outcome is Outcome.SKIPPED:
            line += f" — {result.message}"
        elif result.outcome in (Outcome.XFAIL, Outcome.XPASS):
            line += f" — {result.reason}"
        return line
