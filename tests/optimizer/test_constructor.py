"""The constructor, its validation and the Optimizer surface are torch.optim.Adadelta's."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import torch

from adadelta_compiled import Adadelta


def _raised(factory: Any, *args: Any, **kwargs: Any) -> tuple[type[BaseException], str] | None:
    try:
        factory(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the point is to compare whatever is raised
        return type(error), str(error)
    return None


def test_signature_is_torchs() -> None:
    ours = inspect.signature(Adadelta.__init__)
    torchs = inspect.signature(torch.optim.Adadelta.__init__)
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in torchs.parameters.values()
    ]


def test_is_a_torch_optimizer() -> None:
    assert issubclass(Adadelta, torch.optim.Optimizer)


INVALID = {
    "negative_lr": {"lr": -1.0},
    "nan_lr": {"lr": float("nan")},
    "multi_element_tensor_lr": {"lr": torch.tensor([0.1, 0.2])},
    "negative_tensor_lr": {"lr": torch.tensor(-0.1)},
    "rho_above_one": {"rho": 1.5},
    "rho_below_zero": {"rho": -0.1},
    "nan_rho": {"rho": float("nan")},
    "negative_eps": {"eps": -1e-6},
    "negative_weight_decay": {"weight_decay": -0.1},
}


@pytest.mark.parametrize("kwargs", INVALID.values(), ids=INVALID.keys())
def test_invalid_hyperparameter_raises_torchs_error(kwargs: dict[str, Any]) -> None:
    expected = _raised(torch.optim.Adadelta, [torch.nn.Parameter(torch.ones(2))], **kwargs)
    assert expected is not None
    assert _raised(Adadelta, [torch.nn.Parameter(torch.ones(2))], **kwargs) == expected


INVALID_PARAMS = {
    "empty_list": lambda: [],
    "a_tensor_not_an_iterable": lambda: torch.nn.Parameter(torch.ones(2)),
    "a_set_inside_a_group": lambda: [{"params": {torch.nn.Parameter(torch.ones(2))}}],
    "non_leaf": lambda: [torch.ones(2, requires_grad=True) * 2],
    "not_a_tensor": lambda: [1.0],
    "duplicate_across_groups": lambda: (
        lambda p: [{"params": [p]}, {"params": [p]}]
    )(torch.nn.Parameter(torch.ones(2))),
}


@pytest.mark.parametrize("make_params", INVALID_PARAMS.values(), ids=INVALID_PARAMS.keys())
def test_invalid_params_raise_torchs_error(make_params: Any) -> None:
    expected = _raised(torch.optim.Adadelta, make_params())
    assert expected is not None
    assert _raised(Adadelta, make_params()) == expected


def test_duplicate_param_within_a_group_gets_torchs_warning() -> None:
    param = torch.nn.Parameter(torch.ones(2))
    with pytest.warns(UserWarning, match="duplicate parameters"):
        Adadelta([param, param])


def test_add_param_group_validates_hyperparameters_unlike_torch() -> None:
    opt = Adadelta([torch.nn.Parameter(torch.ones(2))])
    with pytest.raises(ValueError, match="Invalid rho value: 2.0"):
        opt.add_param_group({"params": [torch.nn.Parameter(torch.ones(2))], "rho": 2.0})
    assert len(opt.param_groups) == 1


def test_per_group_hyperparameters_are_validated_at_construction() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        Adadelta([{"params": [torch.nn.Parameter(torch.ones(2))], "lr": -1}])


def test_add_param_group_fills_missing_options_from_the_constructor() -> None:
    opt = Adadelta([torch.nn.Parameter(torch.ones(2))], lr=0.3, rho=0.7, maximize=True)
    opt.add_param_group({"params": [torch.nn.Parameter(torch.ones(3))], "eps": 1e-3})
    reference = torch.optim.Adadelta([torch.nn.Parameter(torch.ones(2))], lr=0.3, rho=0.7,
                                     maximize=True)
    reference.add_param_group({"params": [torch.nn.Parameter(torch.ones(3))], "eps": 1e-3})
    assert {k: v for k, v in opt.param_groups[1].items() if k != "params"} == {
        k: v for k, v in reference.param_groups[1].items() if k != "params"
    }


def test_repr_and_param_group_keys_are_torchs() -> None:
    params = [torch.nn.Parameter(torch.ones(2))]
    ours, torchs = Adadelta(params, lr=0.5), torch.optim.Adadelta(params, lr=0.5)
    assert repr(ours).replace("Adadelta", "") == repr(torchs).replace("Adadelta", "")
    assert ours.param_groups[0].keys() == torchs.param_groups[0].keys()


def test_named_parameters_are_kept_as_torch_keeps_them() -> None:
    model = torch.nn.Linear(3, 2)
    ours = Adadelta(model.named_parameters())
    torchs = torch.optim.Adadelta(model.named_parameters())
    assert ours.param_groups[0]["param_names"] == torchs.param_groups[0]["param_names"]
    assert ours.state_dict()["param_groups"] == torchs.state_dict()["param_groups"]
