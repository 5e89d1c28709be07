"""``python -m conformance``: exit codes, the report, selection, expected failures, usage errors.

Most cases call :func:`conformance.cli.main` in this process (torch is already imported); a few
run ``python -m conformance`` as a subprocess to pin the module entry point itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# pytest's default import mode puts this test's directory on sys.path.
from verdicts import EXPECTED_SKIPS

from conformance.checks import checks_for
from conformance.specs import SPECS, load_spec
from conformance.specs.adadelta import ADADELTA
from conformance.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]
ALL_CHECKS = [check.name for check in checks_for(ADADELTA)]
FAULTY = "faulty_targets:IgnoresWeightDecay"


def run_main(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of the CLI run in this process."""
    try:
        code = main(list(arguments))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {check["name"]: check["outcome"] for check in report["checks"]}


def test_conforming_implementation_exits_0_with_a_full_report(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "torch.optim:Adadelta", "--json", str(report_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    header = completed.stdout.splitlines()[:5]
    assert header[1].startswith("implementation: torch.optim:Adadelta (torch ")
    assert header[2].startswith("torch:")
    assert header[3] == "device:         cpu"
    assert header[4] == (
        "hypothesis:     profile conformance-default, derandomized (fixed examples, no seed)"
    )
    for name in ALL_CHECKS:
        assert any(line.split()[1:2] == [name] for line in completed.stdout.splitlines()), name
    report = json.loads(report_path.read_text())
    assert report["passed"] is True and report["exit_code"] == 0
    assert set(outcomes(report)) == set(ALL_CHECKS)
    assert {name for name, outcome in outcomes(report).items() if outcome != "passed"} == EXPECTED_SKIPS
    assert {outcomes(report)[name] for name in EXPECTED_SKIPS} <= {"skipped"}
    assert report["implementation"] == "torch.optim:Adadelta"
    assert report["hypothesis_profile"] == "conformance-default"
    assert report["derandomized"] is True and report["hypothesis_seed"] is None


def test_failing_check_exits_1_and_explains_where_and_how(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    code, out, _ = run_main(capsys, FAULTY, "-k", "weight_decay", "--json", str(report_path))
    assert code == 1
    assert "FAILED     weight_decay" in out.splitlines()
    failure = json.loads(report_path.read_text())["checks"][0]
    assert failure["outcome"] == "failed"
    assert failure["rule"].startswith("if weight_decay λ != 0: g <- g + λ θ_{t-1}")
    for part in ("expected", "actual", "abs error", "tolerance there", "reproduce:", "Draw "):
        assert part in failure["message"], part
    assert f"_____ weight_decay _____\nrule: {failure['rule']}" in out


def test_failure_snippet_replays_the_shrunk_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    run_main(capsys, FAULTY, "-k", "weight_decay and not maximize", "--json", str(report_path))
    message = json.loads(report_path.read_text())["checks"][0]["message"]
    snippet = message.split("reproduce:\n", 1)[1].split("\nhypothesis draws", 1)[0]
    script = "\n".join(line.removeprefix("    ") for line in snippet.splitlines())
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "'square_avg'" in completed.stdout


def test_list_prints_every_check_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "--list")
    assert code == 0
    assert out.split() == ALL_CHECKS


def test_list_of_another_spec_needs_no_implementation_and_prints_its_checks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_main(capsys, "--spec", "adamw", "--list")
    assert code == 0
    assert out.split() == [check.name for check in checks_for(load_spec("adamw"))]
    assert "bias_correction" in out.split()


def test_list_specs_names_each_shipped_spec_and_its_reference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_main(capsys, "--list-specs")
    assert code == 0
    listed = {line.split()[0]: line.split()[1] for line in out.splitlines()}
    assert listed == {name: load_spec(name).reference_name for name in SPECS}
    assert listed["adadelta"] == "torch.optim.Adadelta"


def test_spec_is_selected_by_name_in_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "torch.optim:Adadelta", "--spec", "Adadelta", "-k", "closure")
    assert code == 0
    assert out.startswith("Adadelta conformance of torch.optim:Adadelta")


def test_k_expression_selects_checks_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "--list", "-k", "state_dict and not (cross or hooks)")
    assert code == 0
    assert out.split() == [
        "state_dict_roundtrip",
        "state_dict_serialization",
        "state_dict_depth",
        "load_state_dict_validation",
        "load_state_dict_restores_hyperparameters",
    ]


def test_expected_failure_is_xfail_and_does_not_fail_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps({"weight_decay": "decay not implemented yet"}))
    code, out, _ = run_main(
        capsys, FAULTY, "-k", "weight_decay and not maximize", "--expected-failures", str(expected)
    )
    assert code == 0
    assert "xfail      weight_decay — decay not implemented yet" in out.splitlines()


def test_expected_failure_that_passes_is_reported_as_xpass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps({"closure": "thought broken"}))
    code, out, _ = run_main(
        capsys, "torch.optim:Adadelta", "-k", "closure", "--expected-failures", str(expected)
    )
    assert code == 0
    assert "XPASS      closure — thought broken" in out.splitlines()


def test_expected_failure_naming_no_check_warns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps({"no_such_check": "typo"}))
    code, out, err = run_main(
        capsys, "torch.optim:Adadelta", "-k", "closure", "--expected-failures", str(expected)
    )
    assert code == 0
    assert "warning: expected failure 'no_such_check' matches no check" in err
    assert "warning: expected failure 'no_such_check' matches no check" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no_such_module:Adadelta"], "cannot import 'no_such_module:Adadelta': import no_such_module"),
        (["torch.optim:NoSuchOptimizer"], "module torch.optim has no attribute 'NoSuchOptimizer'"),
        (["faulty_targets:NOT_CALLABLE"], "is a int, not an optimizer class or factory"),
        (["torch.optim:Adadelta", "--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
        (["torch.optim:Adadelta", "-k", "closure and"], "unexpected end of expression"),
        (["torch.optim:Adadelta", "-k", "no_check_matches_this"], "selects no check"),
        (["torch.optim:Adadelta", "--profile", "no-such-profile"], "--profile no-such-profile"),
        (["torch.optim:Adadelta", "--expected-failures", "missing.json"], "cannot read expected"),
        (["torch.optim:Adadelta", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["torch.optim:Adam", "--spec", "adamax"], "--spec adamax: no spec named 'adamax'"),
        (["torch.optim:Adam", "--spec", "torch.optim:Adam"], "is a type, not an OptimizerSpec"),
        (["--spec", "conformance.adadelta:ADADELTA"], "name the implementation to check"),
    ],
    ids=[
        "module not importable",
        "attribute missing",
        "not callable",
        "bad device",
        "bad -k expression",
        "-k selects nothing",
        "unknown profile",
        "missing expected failures file",
        "unknown option",
        "unknown spec name",
        "spec that is not a spec",
        "spec without an implementation",
    ],
)
def test_usage_error_exits_2_with_one_line_saying_what_was_tried(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    code, out, err = run_main(capsys, *arguments)
    assert code == 2
    assert out == ""
    assert message in err.splitlines()[-1]


def test_malformed_expected_failures_file_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps(["weight_decay"]))
    code, _, err = run_main(capsys, "torch.optim:Adadelta", "--expected-failures", str(expected))
    assert code == 2
    assert 'must be a JSON object {"check_name": "reason", ...}' in err


def test_module_entry_point_exits_2_for_a_target_that_cannot_be_imported() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "no_such_module:Adadelta"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "cannot import 'no_such_module:Adadelta'" in completed.stderr


def test_workers_run_checks_in_parallel_processes_with_the_same_verdicts(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    completed = subprocess.run(
        [
            sys.executable, "-m", "conformance", FAULTY, "-n", "2",
            "-k", "closure or zero_grad or weight_decay and not maximize",
            "--json", str(report_path),
        ],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert outcomes(json.loads(report_path.read_text())) == {
        "weight_decay": "failed",
        "closure": "passed",
        # Its grads are zero, its weight decay is not: observed through weight_decay's rule.
        "zero_grad_stepped": "not_judged",
        "zero_grad": "passed",
    }


@pytest.mark.slow
def test_adadelta_compiled_passes_every_check_by_default(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "--json", str(report_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(report_path.read_text())
    assert report["implementation"] == "adadelta_compiled:Adadelta"
    assert {name for name, outcome in outcomes(report).items() if outcome != "passed"} == EXPECTED_SKIPS


def test_target_that_raises_in_its_constructor_gets_one_error_line_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    code, out, _ = run_main(capsys, "faulty_targets:RaisesInConstructor", "--json", str(report_path))
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert errors == [
        "ERROR    faulty_targets:RaisesInConstructor([a param of shape (2,)]) raised "
        "RuntimeError: this optimizer is not configured; no check can run"
    ]
    assert "Traceback" not in out
    report = json.loads(report_path.read_text())
    assert report["passed"] is False and report["exit_code"] == 1 and report["checks"] == []
    assert "this optimizer is not configured" in report["error"]


@pytest.mark.parametrize(
    ("target", "select", "options", "expected", "message"),
    [
        (
            "faulty_targets:HangsInClosure", "closure or zero_grad and not stepped",
            ["--timeout", "10"], {"closure": "failed", "zero_grad": "passed"},
            "it did not finish within 10 s, so its worker was killed, while running this check",
        ),
        (
            "faulty_targets:CrashesInStateDict", "closure or state_dict_roundtrip", [],
            {"closure": "passed", "state_dict_roundtrip": "failed"},
            "the worker process died (exit code 70), while running this check",
        ),
    ],
    ids=["hangs", "kills its worker"],
)  # fmt: skip
def test_check_that_hangs_or_crashes_fails_alone_and_the_rest_still_run(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    target: str,
    select: str,
    options: list[str],
    expected: dict[str, str],
    message: str,
) -> None:
    report_path = tmp_path / "report.json"
    code, out, _ = run_main(capsys, target, "-k", select, *options, "--json", str(report_path))
    assert code == 1
    report = json.loads(report_path.read_text())
    assert outcomes(report) == expected
    assert [c["message"] for c in report["checks"] if c["outcome"] == "failed"] == [message]
    assert "Traceback" not in out


def test_worker_that_cannot_start_fails_every_check_once_without_retrying(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report_path = tmp_path / "report.json"
    code, _, _ = run_main(
        capsys, "unimportable_in_workers:Adadelta", "-k", "closure or zero_grad",
        "--json", str(report_path),
    )  # fmt: skip
    assert code == 1
    messages = {c["name"]: c["message"] for c in json.loads(report_path.read_text())["checks"]}
    assert set(messages) == {"closure", "zero_grad_stepped", "zero_grad"}
    for message in messages.values():
        assert message.startswith("not run: a worker could not start: building the subject raised")
        assert "this module refuses to be imported in a worker" in message


@pytest.mark.parametrize("timeout", ["0", "-3", "nan", "inf", "soon"])
def test_timeout_that_is_not_a_positive_number_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    code, out, err = run_main(capsys, "torch.optim:Adadelta", "--timeout", timeout)
    assert code == 2
    assert out == ""
    assert "--timeout" in err.splitlines()[-1]


def test_without_numpy_the_run_prints_the_report_and_nothing_else(tmp_path: Path) -> None:
    # A numpy package that cannot be imported stands in for a venv without NumPy: torch then
    # warns "Failed to initialize NumPy" in every process that imports it unguarded.
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'numpy'\")\n"
    )
    completed = subprocess.run(
        [sys.executable, "-m", "conformance", "torch.optim:Adadelta", "-k", "closure", "-n", "2"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stderr == ""
    assert completed.stdout.startswith("Adadelta conformance of torch.optim:Adadelta")


def test_worker_module_does_not_import_the_runner() -> None:
    # isolation (the worker side) and runner (which starts workers) once imported each other.
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, conformance.isolation; assert 'conformance.runner' not in sys.modules",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
