"""load_state_dict rejects malformed state dicts with a clear error and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import torch

from adadelta_compiled import Adadelta

StateDict = dict[str, Any]


def _trained() -> tuple[Adadelta, list[torch.nn.Parameter]]:
    params = [torch.nn.Parameter(torch.randn(3, 2)), torch.nn.Parameter(torch.randn(4))]
    opt = Adadelta([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}])
    for p in params:
        p.grad = torch.randn_like(p)
    opt.step()
    return opt, params


def _drop_group(sd: StateDict) -> None:
    sd["param_groups"].pop()


def _extra_param_in_group(sd: StateDict) -> None:
    sd["param_groups"][0]["params"].append(99)


def _missing_state_key(sd: StateDict) -> None:
    del sd["state"][0]["acc_delta"]


def _extra_state_key(sd: StateDict) -> None:
    sd["state"][0]["momentum"] = torch.zeros(3, 2)


def _wrong_state_shape(sd: StateDict) -> None:
    sd["state"][1]["square_avg"] = torch.zeros(5)


def _state_not_a_tensor(sd: StateDict) -> None:
    sd["state"][1]["acc_delta"] = [0.0] * 4


def _integer_state(sd: StateDict) -> None:
    sd["state"][1]["acc_delta"] = torch.zeros(4, dtype=torch.int64)


def _step_not_a_number(sd: StateDict) -> None:
    sd["state"][0]["step"] = "one"


def _state_for_unknown_param(sd: StateDict) -> None:
    sd["state"][7] = copy.deepcopy(sd["state"][0])


def _missing_param_groups(sd: StateDict) -> None:
    del sd["param_groups"]


def _invalid_hyperparameter(sd: StateDict) -> None:
    sd["param_groups"][1]["rho"] = 3.0


def _hyperparameter_of_wrong_type(sd: StateDict) -> None:
    sd["param_groups"][0]["lr"] = "fast"


MALFORMED: dict[str, tuple[Callable[[StateDict], None], type[Exception], str]] = {
    "one_group_too_few": (_drop_group, ValueError, "different number of parameter groups"),
    "group_of_other_size": (_extra_param_in_group, ValueError, "group 0 has 2 params saved, 1 in the optimizer"),
    "missing_state_key": (_missing_state_key, ValueError, r"\['square_avg', 'step'\]"),
    "extra_state_key": (_extra_state_key, ValueError, "'momentum'"),
    "state_of_wrong_shape": (_wrong_state_shape, ValueError, r"shape \[5\]; its param has shape \[4\]"),
    "state_not_a_tensor": (_state_not_a_tensor, TypeError, "must be a tensor, got list"),
    "integer_state": (_integer_state, TypeError, "torch.int64; expected a float dtype"),
    "step_not_a_number": (_step_not_a_number, TypeError, r"\['step'\] must be a number"),
    "state_for_unknown_param": (_state_for_unknown_param, ValueError, "param 7"),
    "missing_param_groups": (_missing_param_groups, ValueError, "missing \\['param_groups'\\]"),
    "invalid_hyperparameter": (_invalid_hyperparameter, ValueError, "group 1.*Invalid rho value: 3.0"),
    "hyperparameter_of_wrong_type": (_hyperparameter_of_wrong_type, TypeError, "group 0"),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_state_dict_raises_and_leaves_the_optimizer_unchanged(
    case: tuple[Callable[[StateDict], None], type[Exception], str],
) -> None:
    corrupt, error, message = case
    opt, params = _trained()
    before = copy.deepcopy(opt.state_dict())
    state_object, groups_object = opt.state, opt.param_groups
    malformed = copy.deepcopy(opt.state_dict())
    corrupt(malformed)

    with pytest.raises(error, match=message):
        opt.load_state_dict(malformed)

    assert opt.state is state_object and opt.param_groups is groups_object
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for param_id, param_state in before["state"].items():
        for key, value in param_state.items():
            torch.testing.assert_close(after["state"][param_id][key], value, rtol=0, atol=0)
    opt.step()


def test_failure_inside_torchs_load_restores_state_and_groups() -> None:
    opt, _ = _trained()
    state_object, groups_object = opt.state, opt.param_groups

    def failing_post_hook(optimizer: torch.optim.Optimizer) -> None:
        raise RuntimeError("post-hook failed")

    opt.register_load_state_dict_post_hook(failing_post_hook)
    with pytest.raises(RuntimeError, match="post-hook failed"):
        opt.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert opt.state is state_object and opt.param_groups is groups_object


def test_valid_torch_state_dict_still_loads() -> None:
    opt, params = _trained()
    reference = torch.optim.Adadelta([{"params": [params[0]]}, {"params": [params[1]]}])
    reference.load_state_dict(copy.deepcopy(opt.state_dict()))
    opt.load_state_dict(copy.deepcopy(reference.state_dict()))
    assert opt.param_groups[1]["lr"] == 0.5
