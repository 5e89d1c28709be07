"""The structured result of a run, and its text and JSON renderings."""

from __future__ import annotations

import enum
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = ["CheckResult", "Deviation", "Outcome", "Report"]


class Outcome(enum.Enum):
    """How one check ended. FAILED (a deviation of the implementation) and ERROR (a crash of
    the suite's own code) make a run fail."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_JUDGED = "not_judged"
    SKIPPED = "skipped"
    XFAIL = "xfail"
    XPASS = "xpass"
    ERROR = "error"

    @property
    def label(self) -> str:
        """The word a text report shows: loud for what needs attention."""
        loud = {"failed": "FAILED", "xpass": "XPASS", "error": "ERROR", "not_judged": "NOT JUDGED"}
        return loud.get(self.value, self.value)


# Exit codes: every check passed (skips, not judged, expected failures allowed); a deviation
# was found (or no check could run); the suite itself crashed (a bug to report).
EXIT_PASSED, EXIT_DEVIATIONS, EXIT_SUITE_ERROR = 0, 1, 3


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome.

    Attributes:
        name: the check's name.
        outcome: how it ended.
        rule: the documented rule it enforces.
        message: for FAILED and XFAIL, what went wrong (expected vs actual, and a snippet
            reproducing it); for SKIPPED, why the check does not apply; for NOT_JUDGED, what
            the blocking deviation keeps from being observed; for ERROR, the suite's traceback.
        reason: for XFAIL and XPASS, why the failure was expected (the expected-failures file).
        duration_s: wall time of the check.
        blocked_by: for NOT_JUDGED, the failing checks whose deviations block this one.
        relies_on: for FAILED, the checks whose rules the failing observation relied on (see
            :mod:`conformance.judging`).
        missing: for FAILED, the one line naming the part of the API the implementation lacks,
            when that is what failed it (checks failing on the same missing part share it).
        raised: for FAILED on an exception the implementation raised while stepping, its type.
        relies_on_if_raised: for such a failure, the checks that block it only where they
            failed on an exception of the same type (see :mod:`conformance.judging`).
    """

    name: str
    outcome: Outcome
    rule: str
    message: str = ""
    reason: str = ""
    duration_s: float = 0.0
    blocked_by: tuple[str, ...] = ()
    relies_on: tuple[str, ...] = ()
    missing: str = ""
    raised: str = ""
    relies_on_if_raised: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome.value,
            "rule": self.rule,
            "message": self.message,
            "reason": self.reason,
            "blocked_by": list(self.blocked_by),
            "duration_s": round(self.duration_s, 3),
        }


@dataclass(frozen=True)
class Deviation:
    """One rule the implementation breaks: the failing check that reports it, and the checks
    its deviation keeps from being judged."""

    check: str
    rule: str
    message: str
    blocks: tuple[str, ...]

    @property
    def summary(self) -> str:
        """The first line of the failure message (with the next one, if it introduces it)."""
        lines = self.message.splitlines() or [""]
        return " ".join(line.strip() for line in lines[:2]) if lines[0].endswith(":") else lines[0]

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "rule": self.rule, "summary": self.summary, "blocks": list(self.blocks)}


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
        notes: facts of the run a reader needs, e.g. the execution paths the implementation
            offers and those it does not.
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
    notes: tuple[str, ...] = ()
    duration_s: float = 0.0
    error: str = ""

    @property
    def passed(self) -> bool:
        """True when the checks ran and none FAILED or crashed the suite (skips, checks not
        judged, expected failures and XPASS do not fail a run)."""
        failing = (Outcome.FAILED, Outcome.ERROR)
        return not self.error and all(r.outcome not in failing for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 when it passed, 3 when the suite itself crashed, 1 otherwise."""
        if any(r.outcome is Outcome.ERROR for r in self.results):
            return EXIT_SUITE_ERROR
        return EXIT_PASSED if self.passed else EXIT_DEVIATIONS

    def deviations(self) -> list[Deviation]:
        """Each distinct deviation once, in report order, with the checks it blocks."""
        return [
            Deviation(
                failed.name,
                failed.rule,
                failed.message,
                tuple(r.name for r in self.results if failed.name in r.blocked_by),
            )
            for failed in self.results
            if failed.outcome is Outcome.FAILED
        ]

    @property
    def not_judged(self) -> int:
        return sum(r.outcome is Outcome.NOT_JUDGED for r in self.results)

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
            "deviations": [d.to_json() for d in self.deviations()],
            "duration_s": round(self.duration_s, 3),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
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
            *(f"note:           {note}" for note in self.notes),
            "",
        ]
        lines += [f"warning: {warning}" for warning in self.warnings]
        if self.error:
            lines.append(f"ERROR    {self.error}")
        lines += [self._line(result) for result in self.results]
        deviations = self.deviations()
        for deviation in deviations:
            lines += ["", f"_____ {deviation.check} _____", f"rule: {deviation.rule}", deviation.message]
            if deviation.blocks:
                lines.append(f"blocks (not judged): {', '.join(deviation.blocks)}")
        for result in self.results:
            if result.outcome is Outcome.ERROR:
                lines += ["", f"_____ {result.name}: the suite crashed _____", result.message]
        if deviations:
            lines += ["", "Deviations, each once, with the checks it keeps from being judged:"]
            lines += [
                f"  {d.check}: {d.summary}" + (f" [blocks {len(d.blocks)}]" if d.blocks else "")
                for d in deviations
            ]
        summary = ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in self.counts().items() if n)
        verdict = "conforms" if self.passed else "does NOT conform"
        lines += [
            "",
            f"{len(deviations)} deviation{'s' * (len(deviations) != 1)} found, "
            f"{self.not_judged} check{'s' * (self.not_judged != 1)} not judged",
            f"{summary or 'no checks'} in {self.duration_s:.1f}s: {self.implementation} {verdict}",
        ]
        return "\n".join(lines)

    @staticmethod
    def _line(result: CheckResult) -> str:
        line = f"{result.outcome.label:<10} {result.name}"
        if result.outcome is Outcome.SKIPPED:
            line += f" — {result.message}"
        elif result.outcome is Outcome.NOT_JUDGED:
            line += f" — blocked by {', '.join(result.blocked_by)}"
        elif result.outcome in (Outcome.XFAIL, Outcome.XPASS):
            line += f" — {result.reason}"
        return line
