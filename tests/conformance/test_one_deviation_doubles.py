"""Each double of one_deviation.py has its one deviation from torch.optim.Adadelta and no other:
it steps as torch does (float64 params, 5 steps, lr given explicitly) wherever its deviation
does not reach, and differs from torch where it does. No conformance check is involved."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest
import torch
from one_deviation import (
    DecoupledWeightDecay,
    DeepcopyBreaks,
    IntStepCounter,
    NoMaximize,
    OtherDefaultLR,
    PerGroupStepCounter,
    PositiveLR,
    RequiredLR,
    TupleParamGroups,
)
from torch import Tensor

STEPS = 5
# Every hyperparameter away from its default; and lr alone, torch's defaults for the rest.
EVERY_OPTION = {"lr": 0.7, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1, "maximize": True}
LR_ONLY = {"lr": 0.7}


def _params() -> list[Tensor]:
    generator = torch.Generator().manual_seed(0)
    return [
        torch.randn(shape, dtype=torch.float64, generator=generator, requires_grad=True)
        for shape in ((3, 2), (4,))
    ]


def _loss(params: list[Tensor]) -> Tensor:
    return torch.stack([(param.sin() * (i + 1)).sum() for i, param in enumerate(params)]).sum()


def _flat(params: list[Tensor]) -> Tensor:
    return torch.cat([param.detach().flatten() for param in params])


def _train(optimizer: Any, params: list[Tensor], steps: int = STEPS) -> Tensor:
    """Step ``optimizer`` on a fixed smooth loss, through a closure that zeroes the grads; the
    params after every step, one row each."""

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = _loss(params)
        loss.backward()
        return loss

    trajectory = []
    for _ in range(steps):
        optimizer.step(closure)
        trajectory.append(_flat(params))
    return torch.stack(trajectory)


def _trajectory(factory: Callable[..., Any], options: dict[str, Any]) -> Tensor:
    params = _params()
    return _train(factory(params, **options), params)


def assert_same(actual: Any, expected: Any) -> None:
    """Equal within 1e-12: float64 steps of the same formulas, rounded alike."""
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-12)


def assert_steps_like_torch(factory: Callable[..., Any], options: dict[str, Any]) -> None:
    assert_same(_trajectory(factory, options), _trajectory(torch.optim.Adadelta, options))


@pytest.mark.parametrize(
    "factory",
    [
        PerGroupStepCounter,
        IntStepCounter,
        OtherDefaultLR,
        RequiredLR,
        PositiveLR,
        TupleParamGroups,
        DeepcopyBreaks,
    ],
    ids=lambda cls: cls.__name__,
)
@pytest.mark.parametrize("options", [LR_ONLY, EVERY_OPTION], ids=["lr-only", "every-option"])
def test_double_steps_like_torch_under_every_option(
    factory: Callable[..., Any], options: dict[str, Any]
) -> None:
    assert_steps_like_torch(factory, options)


def test_per_group_step_counter_counts_steps_in_each_group_and_none_per_param() -> None:
    stepped, idle = _params()
    optimizer = PerGroupStepCounter([{"params": [stepped]}, {"params": [idle]}], lr=0.7)
    for _ in range(STEPS):
        stepped.grad = torch.ones_like(stepped)
        optimizer.step()
    assert optimizer.param_groups[0]["step"] == STEPS
    assert "step" not in optimizer.param_groups[1]
    assert set(optimizer.state[stepped]) == {"square_avg", "acc_delta"}


def test_per_group_step_counter_takes_torchs_per_param_counters_into_the_group() -> None:
    reference_params = _params()
    reference = torch.optim.Adadelta(reference_params, **EVERY_OPTION)
    _train(reference, reference_params, steps=2)
    params = [param.detach().clone().requires_grad_() for param in reference_params]
    optimizer = PerGroupStepCounter(params, lr=0.1)
    # A copy: loading shares the tensors of a state dict, and both optimizers go on stepping.
    optimizer.load_state_dict(copy.deepcopy(reference.state_dict()))
    assert optimizer.param_groups[0]["step"] == 2
    assert all("step" not in optimizer.state[param] for param in params)
    assert_same(_train(optimizer, params), _train(reference, reference_params))


def test_int_step_counter_counts_in_a_python_int() -> None:
    params = _params()
    optimizer = IntStepCounter(params, lr=0.7)
    _train(optimizer, params)
    for param in params:
        step = optimizer.state[param]["step"]
        assert type(step) is int and step == STEPS


@pytest.mark.parametrize(
    "options",
    [LR_ONLY, {key: value for key, value in EVERY_OPTION.items() if key != "maximize"}],
    ids=["lr-only", "every-other-option"],
)
def test_no_maximize_steps_like_torch_without_maximize(options: dict[str, Any]) -> None:
    assert_steps_like_torch(NoMaximize, options)


def test_no_maximize_rejects_maximize_and_stores_no_maximize_option() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'maximize'"):
        NoMaximize(_params(), lr=0.7, maximize=True)
    optimizer = NoMaximize(_params(), lr=0.7)
    optimizer.add_param_group({"params": [torch.zeros(2, requires_grad=True)]})
    assert "maximize" not in optimizer.defaults
    assert all("maximize" not in group for group in optimizer.param_groups)


def test_other_default_lr_defaults_to_half() -> None:
    assert OtherDefaultLR(_params()).defaults["lr"] == 0.5
    assert_same(_trajectory(OtherDefaultLR, {}), _trajectory(torch.optim.Adadelta, {"lr": 0.5}))


def test_required_lr_cannot_be_built_without_lr() -> None:
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'lr'"):
        RequiredLR(_params())


def test_positive_lr_rejects_lr_zero_that_torch_accepts() -> None:
    torch.optim.Adadelta(_params(), lr=0.0)
    with pytest.raises(ValueError, match="Invalid learning rate: 0.0"):
        PositiveLR(_params(), lr=0.0)


@pytest.mark.parametrize(
    "options",
    [LR_ONLY, {**EVERY_OPTION, "weight_decay": 0.0}],
    ids=["lr-only", "every-other-option"],
)
def test_decoupled_weight_decay_steps_like_torch_without_weight_decay(
    options: dict[str, Any],
) -> None:
    assert_steps_like_torch(DecoupledWeightDecay, options)


def test_decoupled_weight_decay_scales_params_between_backward_and_an_undecayed_step() -> None:
    lr, weight_decay = 0.7, 0.1
    decoupled_params, scaled_params = _params(), _params()
    decoupled = DecoupledWeightDecay(decoupled_params, lr=lr, weight_decay=weight_decay)
    undecayed = torch.optim.Adadelta(scaled_params, lr=lr)
    for _ in range(STEPS):
        _loss(decoupled_params).backward()
        _loss(scaled_params).backward()
        with torch.no_grad():
            torch._foreach_mul_(scaled_params, 1 - lr * weight_decay)
        decoupled.step()
        undecayed.step()
        decoupled.zero_grad()
        undecayed.zero_grad()
    assert_same(decoupled_params, scaled_params)
    coupled = _trajectory(torch.optim.Adadelta, {"lr": lr, "weight_decay": weight_decay})
    assert not torch.allclose(_flat(decoupled_params), coupled[-1])


def test_tuple_param_groups_pair_torch_options_with_params() -> None:
    params = _params()
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.25}]
    optimizer = TupleParamGroups(groups, lr=0.7)
    reference = torch.optim.Adadelta(groups, lr=0.7)
    pairs = zip(optimizer.param_groups, reference.param_groups, strict=True)
    for (group_params, options), expected in pairs:
        assert group_params == expected["params"]
        assert options == {key: value for key, value in expected.items() if key != "params"}
    with pytest.raises(TypeError):
        optimizer.param_groups[0]["lr"] = 0.5  # type: ignore[call-overload]


def test_tuple_param_groups_take_lr_changes_through_their_options() -> None:
    params, reference_params = _params(), _params()
    optimizer = TupleParamGroups(params, lr=0.7)
    reference = torch.optim.Adadelta(reference_params, lr=0.7)
    _train(optimizer, params, steps=2)
    _train(reference, reference_params, steps=2)
    optimizer.param_groups[0][1]["lr"] = 0.25
    reference.param_groups[0]["lr"] = 0.25
    assert_same(_train(optimizer, params), _train(reference, reference_params))


def test_tuple_param_groups_state_dict_is_torchs_and_loads_both_ways() -> None:
    params, reference_params = _params(), _params()
    optimizer = TupleParamGroups(params, **EVERY_OPTION)
    reference = torch.optim.Adadelta(reference_params, **EVERY_OPTION)
    _train(optimizer, params)
    _train(reference, reference_params)
    state_dict, expected = optimizer.state_dict(), reference.state_dict()
    assert state_dict["param_groups"] == expected["param_groups"]
    assert_same(state_dict["state"], expected["state"])
    loaded = TupleParamGroups(_params(), lr=0.1)
    loaded.load_state_dict(expected)
    assert isinstance(loaded.param_groups[0], tuple)
    assert loaded.param_groups[0][1]["lr"] == EVERY_OPTION["lr"]


def test_tuple_param_groups_survive_deepcopy() -> None:
    params = _params()
    optimizer = TupleParamGroups(params, lr=0.7)
    _train(optimizer, params, steps=2)
    copied = copy.deepcopy(optimizer)
    assert isinstance(copied.param_groups[0], tuple)
    copied.step()


@pytest.mark.parametrize(
    "duplicate",
    [copy.deepcopy, lambda optimizer: pickle.loads(pickle.dumps(optimizer))],
    ids=["deepcopy", "pickle"],
)
def test_deepcopy_breaks_copy_cannot_step(duplicate: Callable[[Any], Any]) -> None:
    params = _params()
    optimizer = DeepcopyBreaks(params, lr=0.7)
    _train(optimizer, params, steps=2)
    copied = duplicate(optimizer)
    with pytest.raises(AttributeError, match="'differentiable'"):
        copied.step()
    optimizer.step()
