"""An Adadelta that steps correctly but is no torch.optim.Optimizer gets a usable verdict: its
math passes, and each part of torch's API it lacks fails only the checks about that part,
with one line naming it."""

from __future__ import annotations

import pytest

# pytest's default import mode puts this test's directory on sys.path.
from foreign_targets import TorchoptLikeAdadelta
from verdicts import EXPECTED_SKIPS

import conformance
from conformance import Outcome, Report

# Each part of torch's API it lacks fails the first check that needs it, with one line naming
# it; the other checks needing it are not judged.
MISSING = {
    "maximize": "does not take the option 'maximize'",
    "per_group_hyperparameters": "does not take param groups",
    "add_param_group_duplicates": "has no 'add_param_group'",
    "step_counter": "has no torch-style `state`",
    "cross_load_to_reference": "state_dict() returned tuple, not torch's format",
    "named_parameters": "does not take (name, param) pairs",
    "differentiable": "does not take the option 'differentiable'",
    "step_hooks": "has no 'register_step_pre_hook'",
    "state_dict_hooks": "has no 'register_state_dict_pre_hook'",
}
# Loading torch's state dict is not a missing attribute: the implementation's own
# load_state_dict raises on it, and the failure says so.
FAIL_WHEN_LOADING_TORCH_STATE = {"cross_load_from_reference"}


@pytest.fixture(scope="module")
def report() -> Report:
    return conformance.check(TorchoptLikeAdadelta)


def test_math_and_contract_checks_pass_on_the_param_trajectory(report: Report) -> None:
    judged = {r.name for r in report.results if r.outcome is not Outcome.NOT_JUDGED}
    expected = judged - {*MISSING, *FAIL_WHEN_LOADING_TORCH_STATE} - EXPECTED_SKIPS
    passed = {r.name for r in report.results if r.outcome is Outcome.PASSED}
    assert passed == expected, report.render()
    assert {"update_math", "weight_decay", "tensor_sizes", "dtypes", "closure"} <= passed


def test_each_missing_part_fails_only_its_first_check_with_one_line_naming_it(report: Report) -> None:
    failed = {r.name: r.message for r in report.results if r.outcome is Outcome.FAILED}
    assert set(failed) == {*MISSING, *FAIL_WHEN_LOADING_TORCH_STATE}, report.render()
    for name, fragment in MISSING.items():
        assert fragment in failed[name], (name, failed[name])
        assert "\n" not in failed[name], (name, failed[name])
    for name in FAIL_WHEN_LOADING_TORCH_STATE:
        assert "`successor.load_state_dict(state_dict)` raised" in failed[name], failed[name]


def test_every_check_it_cannot_judge_names_a_failing_check(report: Report) -> None:
    failing = {r.name for r in report.results if r.outcome is Outcome.FAILED}
    blocked = [r for r in report.results if r.outcome is Outcome.NOT_JUDGED]
    assert {"maximize_with_weight_decay", "state_values", "state_layout"} <= {r.name for r in blocked}
    for result in blocked:
        assert result.blocked_by and set(result.blocked_by) <= failing, result
