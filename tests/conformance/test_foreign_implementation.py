"""An Adadelta that steps correctly but is no torch.optim.Optimizer gets a usable verdict: its
math passes, and each part of torch's API it lacks fails only the checks about that part,
with one line naming it."""

from __future__ import annotations

import pytest

# pytest's default import mode puts this test's directory on sys.path.
from foreign_targets import TorchoptLikeAdadelta
from verdicts import CHECKS, EXPECTED_SKIPS

import conformance
from conformance import Outcome, Report

# Each check the implementation fails -> what its one line names.
MISSING = {
    "maximize": "does not take the option 'maximize'",
    "maximize_with_weight_decay": "does not take the option 'maximize'",
    "tensor_lr": "has no 'param_groups'",
    "per_group_hyperparameters": "does not take param groups",
    "hyperparameter_changes": "does not take param groups",
    "add_param_group": "does not take param groups",
    "add_param_group_duplicates": "has no 'add_param_group'",
    "step_counter": "has no 'state'",
    "state_layout": "has no 'state'",
    "cross_load_to_reference": "state_dict() returned tuple, not torch's format",
    "state_dict_depth": "does not take param groups",
    "state_dict_cross_dtype": "has no 'state'",
    "load_state_dict_validation": "does not take param groups",
    "load_state_dict_restores_hyperparameters": "has no 'param_groups'",
    "constructor_defaults": "has no 'param_groups'",
    "step_hooks": "has no 'register_step_pre_hook'",
    "state_dict_hooks": "has no 'register_state_dict_pre_hook'",
    "step_hooks_act": "has no 'register_step_pre_hook'",
    "group_options": "does not take param groups",
    "named_parameters": "does not take (name, param) pairs",
    "differentiable": "does not take the option 'differentiable'",
    "state_dict_hooks_act": "has no 'register_state_dict_pre_hook'",
}
# Loading torch's state dict is not a missing attribute: the implementation's own
# load_state_dict raises on it, and the failure says so.
FAIL_WHEN_LOADING_TORCH_STATE = {"cross_load_from_reference", "old_checkpoints"}


@pytest.fixture(scope="module")
def report() -> Report:
    return conformance.check(TorchoptLikeAdadelta)


def test_math_and_contract_checks_pass_on_the_param_trajectory(report: Report) -> None:
    failing = {*MISSING, *FAIL_WHEN_LOADING_TORCH_STATE}
    expected = set(CHECKS) - failing - EXPECTED_SKIPS
    passed = {r.name for r in report.results if r.outcome is Outcome.PASSED}
    assert passed == expected, report.render()
    assert {"update_math", "weight_decay", "tensor_sizes", "dtypes"} <= passed


def test_each_missing_part_fails_only_its_checks_with_one_line_naming_it(report: Report) -> None:
    failed = {r.name: r.message for r in report.results if r.outcome is Outcome.FAILED}
    assert set(failed) == {*MISSING, *FAIL_WHEN_LOADING_TORCH_STATE}, report.render()
    for name, fragment in MISSING.items():
        assert fragment in failed[name], (name, failed[name])
        assert "\n" not in failed[name], (name, failed[name])
    for name in FAIL_WHEN_LOADING_TORCH_STATE:
        assert "the implementation raised" in failed[name], (name, failed[name])
