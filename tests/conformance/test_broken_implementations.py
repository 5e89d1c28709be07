"""The conformance suite flags every deliberately broken Adadelta and passes the correct one.

Each case runs the CLI as a user would: a subprocess from the repository root, pointed at a
class in tests/conformance/broken.py. A broken variant runs only its expected check (``-k``),
which keeps each run short; the reference passing every check shows that each variant fails
because of its one bug.
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

REPO_ROOT = Path(__file__).resolve().parents[2]
# The module as the CLI imports it, from the repository root.
BROKEN_MODULE = "tests.conformance.broken"
# Far above a normal run (seconds); only a hung run gets near it.
TIMEOUT_S = 300


def run_conformance(
    implementation: str, report_path: Path, *options: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run ``python -m conformance`` on ``implementation`` of BROKEN_MODULE; return the
    finished process and its JSON report."""
    command = [
        sys.executable,
        "-m",
        "conformance",
        f"{BROKEN_MODULE}:{implementation}",
        "--json",
        str(report_path),
        *options,
    ]
    completed = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert report_path.exists(), f"no report written by {command}:\n{describe(completed)}"
    return completed, json.loads(report_path.read_text())


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    """Check name -> "passed", "failed" or "skipped", from a conformance JSON report."""
    return {check["name"]: check["outcome"] for check in report["checks"]}


def describe(completed: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {completed.returncode}\n{completed.stdout}\n{completed.stderr}"


@pytest.mark.parametrize(
    "implementation", BrokenAdadelta.__subclasses__(), ids=lambda cls: cls.__name__
)
def test_conformance_flags_broken_implementation(
    implementation: type[BrokenAdadelta], tmp_path: Path
) -> None:
    check = implementation.expected_failing_check
    completed, report = run_conformance(
        implementation.__name__, tmp_path / "report.json", "-k", check
    )
    assert completed.returncode == 1, describe(completed)
    assert outcomes(report).get(check) == "failed", describe(completed)


def test_reference_implementation_passes_every_check(tmp_path: Path) -> None:
    completed, report = run_conformance("ReferenceAdadelta", tmp_path / "report.json")
    assert completed.returncode == 0, describe(completed)
    assert "failed" not in outcomes(report).values(), describe(completed)


def test_every_expected_check_exists() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "--list"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert completed.returncode == 0, describe(completed)
    listed = set(completed.stdout.split())
    expected = {cls.expected_failing_check for cls in BrokenAdadelta.__subclasses__()}
    assert expected <= listed, f"not listed by --list: {sorted(expected - listed)}"
