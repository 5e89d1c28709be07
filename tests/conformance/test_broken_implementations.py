"""The conformance suite flags every deliberately broken Adadelta, for the reason it is broken,
and passes the correct one.

A broken variant runs only its expected check, in this process (the CLI is pinned in
test_cli.py). It counts as caught only if that check FAILS with a message naming the rule the
variant breaks: a check that crashes on the variant (its own code raising) proves nothing. The
reference passing every check, as a user runs it, shows that each variant fails because of its
one bug.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# pytest's default import mode puts this test's directory on sys.path.
from broken import BrokenAdadelta
from verdicts import CHECKS, EXPECTED_SKIPS, verdict

from conformance.report import Outcome

REPO_ROOT = Path(__file__).resolve().parents[2]
# Far above a normal run (seconds); only a hung run gets near it.
TIMEOUT_S = 300
# How run_check reports a check whose own code raised.
CRASH = "the check raised "


def describe(completed: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {completed.returncode}\n{completed.stdout}\n{completed.stderr}"


@pytest.mark.parametrize(
    "implementation", BrokenAdadelta.__subclasses__(), ids=lambda cls: cls.__name__
)
def test_conformance_flags_broken_implementation_for_its_bug(
    implementation: type[BrokenAdadelta],
) -> None:
    result = verdict(implementation, implementation.expected_failing_check)
    assert result.outcome is Outcome.FAILED, result.message
    assert not result.message.startswith(CRASH), result.message
    assert implementation.expected_message in result.message, result.message


def test_reference_implementation_passes_every_check(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "tests.conformance.broken:ReferenceAdadelta",
            "--json",
            str(report_path),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert completed.returncode == 0, describe(completed)
    report: dict[str, Any] = json.loads(report_path.read_text())
    outcomes = {check["name"]: check["outcome"] for check in report["checks"]}
    assert {name for name, outcome in outcomes.items() if outcome != "passed"} == EXPECTED_SKIPS
    assert {outcomes[name] for name in EXPECTED_SKIPS} <= {"skipped"}


def test_every_expected_check_exists() -> None:
    expected = {cls.expected_failing_check for cls in BrokenAdadelta.__subclasses__()}
    assert expected <= set(CHECKS), f"no such check: {sorted(expected - set(CHECKS))}"
