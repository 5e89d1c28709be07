"""The Python API: ``conformance.check`` returns a structured Report and prints nothing."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis import settings
from faulty_targets import IgnoresWeightDecay, RaisesInConstructor
from reference_targets import torch_for_loop

import conformance
from conformance import Outcome


def test_check_returns_a_passing_report_and_prints_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = conformance.check(torch.optim.Adadelta, select="closure or step_hooks and not act")
    assert report.passed and report.exit_code == 0
    assert [r.name for r in report.results] == ["closure", "step_hooks"]
    assert all(r.outcome is Outcome.PASSED for r in report.results)
    assert capsys.readouterr() == ("", "")


def test_check_reports_a_failure_with_rule_and_reproduction() -> None:
    report = conformance.check(IgnoresWeightDecay, select="weight_decay and not maximize")
    assert not report.passed and report.exit_code == 1
    result = report.result("weight_decay")
    assert result.outcome is Outcome.FAILED
    assert "g <- g + λ θ_{t-1}" in result.rule
    assert "reproduce:\n    import torch\n    from faulty_targets import IgnoresWeightDecay" in (
        result.message
    )


def test_implementation_that_cannot_be_built_fails_the_report_without_running_checks() -> None:
    report = conformance.check(RaisesInConstructor)
    assert not report.passed and report.exit_code == 1
    assert report.results == ()
    assert report.error.endswith(
        "raised RuntimeError: this optimizer is not configured; no check can run"
    )


def test_expected_failures_turn_failures_into_xfail_and_unknown_names_into_warnings() -> None:
    report = conformance.check(
        IgnoresWeightDecay,
        select="weight_decay and not maximize",
        expected_failures={"weight_decay": "known", "weight_decy": "typo"},
    )
    assert report.passed
    assert report.result("weight_decay").outcome is Outcome.XFAIL
    assert report.result("weight_decay").reason == "known"
    assert report.warnings == ("expected failure 'weight_decy' matches no check (see --list)",)


def test_randomized_profile_reports_its_seed_so_that_it_can_be_replayed() -> None:
    conformance.register_profiles()
    thorough = settings.get_profile(conformance.THOROUGH_PROFILE)
    settings.register_profile("conformance-tests-randomized", thorough, max_examples=3)
    report = conformance.check(
        torch_for_loop, select="update_math", profile="conformance-tests-randomized", seed=1234
    )
    assert report.seed == 1234 and report.passed
    assert "seed 1234 (replay with --seed 1234)" in report.render()


def test_derandomized_profile_reports_no_seed() -> None:
    report = conformance.check(torch_for_loop, select="zero_grad and not stepped")
    assert report.seed is None
    assert "derandomized (fixed examples, no seed)" in report.render()


def test_json_report_has_the_documented_keys() -> None:
    report = conformance.check(torch.optim.Adadelta, select="zero_grad and not stepped")
    document = json.loads(report.dumps())
    assert set(document) == {
        "implementation", "implementation_version", "spec", "reference", "torch_version",
        "device", "hypothesis_profile", "hypothesis_seed", "derandomized", "passed",
        "exit_code", "summary", "duration_s", "warnings", "notes", "error", "checks", "deviations",
    }
    assert document["summary"] == {
        "passed": 1, "failed": 0, "not_judged": 0, "skipped": 0, "xfail": 0, "xpass": 0, "error": 0
    }
    assert document["deviations"] == []
    assert set(document["checks"][0]) == {
        "name", "outcome", "rule", "message", "reason", "duration_s", "blocked_by"
    }
