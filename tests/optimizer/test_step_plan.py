"""A group's step plan is reused while its tensors stay as they were, and every change that
matters reaches it: each change below is made to both twins between steps, and the steps after
it must agree with torch.optim.Adadelta's."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest
import torch

import adadelta_compiled
from adadelta_compiled import plan as plan_module

from .twins import Twins, make_twins, random_grads

SHAPES = [(4, 5), (3, 7), (6,), (2, 3)]

Change = Callable[[Twins, list[torch.Tensor], torch.optim.Optimizer], None]


def _values(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def _data_replaced_by_a_larger_tensor(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    params[0].data = _values(30, seed=1)
    for key in ("square_avg", "acc_delta"):
        opt.state[params[0]][key] = torch.full((30,), 0.25)


def _resized_in_place(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        params[1].requires_grad_(False)  # torch resizes no tensor that requires grad
        params[1].resize_(40).copy_(_values(40, seed=2))
        params[1].requires_grad_(True)
    for key in ("square_avg", "acc_delta"):
        opt.state[params[1]][key].resize_(40).fill_(0.5)


def _set_to_other_storage(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        params[2].set_(_values(9, seed=3))
    for key in ("square_avg", "acc_delta"):
        opt.state[params[2]][key].set_(torch.full((9,), 0.125))


def _transposed_in_place_with_its_state(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    # Param and state keep one layout; the grads the next steps get are contiguous in the new
    # shape, so they are laid out otherwise than their param.
    with torch.no_grad():
        params[0].t_()
    for key in ("square_avg", "acc_delta"):
        opt.state[params[0]][key].t_()


def _state_tensor_replaced_alike(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    opt.state[params[3]]["acc_delta"] = torch.full(SHAPES[3], 0.75)


def _param_converted_to_float64(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    # torch keeps the float32 state: the update is then float32's (hence float32's tolerance).
    params[1].data = params[1].data.double()


def _param_aliasing_another(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    params[3].data = params[3].data.clone()
    params[2].data = params[3].data.view(-1)[:6].clone()  # same numel as before, own memory
    params[3].data = params[2].data.view(2, 3)  # now params 2 and 3 share memory


def _param_appended_to_the_group(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    extra = torch.nn.Parameter(_values(5, 2, seed=4))
    params.append(extra)
    opt.param_groups[0]["params"].append(extra)


def _param_group_added(twins: Twins, params: list, opt) -> None:  # type: ignore[no-untyped-def]
    extra = torch.nn.Parameter(_values(7, seed=5))
    params.append(extra)
    opt.add_param_group({"params": [extra], "rho": 0.5})


CHANGES = [
    _data_replaced_by_a_larger_tensor,
    _resized_in_place,
    _set_to_other_storage,
    _transposed_in_place_with_its_state,
    _state_tensor_replaced_alike,
    _param_converted_to_float64,
    _param_aliasing_another,
    _param_appended_to_the_group,
    _param_group_added,
]


def _steps(twins: Twins, count: int, seed: int, *, contiguous_grads: bool = False) -> None:
    generator = torch.Generator().manual_seed(seed)
    for _ in range(count):
        grads = random_grads(twins.ours_params, generator)
        twins.step([g.contiguous() for g in grads] if contiguous_grads else grads)


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_a_change_between_steps_is_seen_by_the_next_step_as_by_torch(change: Change) -> None:
    twins = make_twins([_values(*shape, seed=i) for i, shape in enumerate(SHAPES)])
    _steps(twins, 2, seed=10)
    change(twins, twins.ours_params, twins.ours)
    change(twins, twins.torch_params, twins.torchs)
    _steps(twins, 3, seed=11, contiguous_grads=True)
    twins.assert_close(within=torch.float32)


def test_a_grad_set_to_none_leaves_that_param_as_torch_does() -> None:
    twins = make_twins([_values(*shape, seed=i) for i, shape in enumerate(SHAPES)])
    _steps(twins, 2, seed=12)
    generator = torch.Generator().manual_seed(13)
    grads = random_grads(twins.ours_params, generator)
    twins.step([None, *grads[1:]])
    twins.step([grads[0], None, *grads[2:]])
    twins.assert_close()


def test_a_grad_laid_out_otherwise_than_its_param_is_stepped_as_by_torch() -> None:
    twins = make_twins([_values(*shape, seed=i) for i, shape in enumerate(SHAPES)])
    _steps(twins, 2, seed=14)
    grads = random_grads(twins.ours_params, torch.Generator().manual_seed(15))
    grads[0] = grads[0].t().contiguous().t()  # the same values, column-major
    twins.step(grads)
    twins.assert_close()


def test_the_plan_is_made_once_and_reused_while_nothing_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = 0
    of = plan_module.Plan.of.__func__  # type: ignore[attr-defined]

    def counting(cls: type, *args: object) -> object:
        nonlocal made
        made += 1
        return of(cls, *args)

    monkeypatch.setattr(plan_module.Plan, "of", classmethod(counting))
    twins = make_twins([_values(*shape, seed=i) for i, shape in enumerate(SHAPES)])
    _steps(twins, 5, seed=16)  # the first step creates the state: the plan comes at the second
    assert made == 1
    with torch.no_grad():
        twins.ours_params[1].requires_grad_(False).resize_(2, 3).requires_grad_(True)
    for key in ("square_avg", "acc_delta"):
        twins.ours.state[twins.ours_params[1]][key].resize_(2, 3)
    twins.ours_params[1].grad = torch.ones(2, 3)
    twins.ours.step()
    assert made == 2


def test_the_plan_keeps_no_state_tensor_alive() -> None:
    param = torch.nn.Parameter(torch.randn(10))
    opt = adadelta_compiled.Adadelta([param])
    for _ in range(2):
        param.grad = torch.randn(10)
        opt.step()
    square_avg = weakref.ref(opt.state[param]["square_avg"])
    opt.state.clear()
    gc.collect()
    assert square_avg() is None


def test_a_sparse_grad_after_planned_steps_raises_torchs_error_and_changes_nothing() -> None:
    params = [torch.nn.Parameter(_values(*shape, seed=i)) for i, shape in enumerate(SHAPES)]
    opt = adadelta_compiled.Adadelta(params)
    for _ in range(3):
        for p in params:
            p.grad = torch.ones_like(p)
        opt.step()
    before = [(p.detach().clone(), {k: v.clone() for k, v in opt.state[p].items()}) for p in params]
    params[2].grad = torch.ones(SHAPES[2]).to_sparse()
    with pytest.raises(RuntimeError, match="^Adadelta does not support sparse gradients$"):
        opt.step()
    for p, (value, state) in zip(params, before, strict=True):
        assert torch.equal(p, value)
        assert all(torch.equal(opt.state[p][k], v) for k, v in state.items())


def test_hyperparameters_changed_between_steps_are_used_as_by_torch() -> None:
    twins = make_twins([_values(*shape, seed=i) for i, shape in enumerate(SHAPES)])
    changes = [{}, {"lr": 0.5}, {"rho": 0.5}, {"eps": 1e-3}, {"weight_decay": 0.1},
               {"maximize": True}, {"lr": 0.25, "weight_decay": 0.0}]  # fmt: skip
    for seed, change in enumerate(changes):
        for opt in (twins.ours, twins.torchs):
            opt.param_groups[0].update(change)
        _steps(twins, 1, seed=20 + seed)
    twins.assert_close()


def test_an_lr_of_minus_zero_after_zero_signs_zero_params_as_torch_does() -> None:
    # A param of negative zeros stepped with lr 0.0 keeps them negative; with lr -0.0 the
    # update adds +0.0 and they turn positive: the two lrs compare equal, yet differ.
    twins = make_twins([torch.full((8,), -0.0)])
    for lr in (0.0, 0.0, -0.0):
        for opt in (twins.ours, twins.torchs):
            opt.param_groups[0]["lr"] = lr
        _steps(twins, 1, seed=30)
    ours, theirs = twins.ours_params[0], twins.torch_params[0]
    assert torch.equal(torch.signbit(ours), torch.signbit(theirs))
    assert not torch.signbit(theirs).any()


def test_the_private_tensor_guard_the_plan_relies_on_tells_each_metadata_change() -> None:
    # torch._C._dynamo.guards.TensorGuards, checked against torch 2.13: it must tell every
    # change below from the tensor it was built on, and take an identical tensor.
    from torch._C._dynamo.guards import TensorGuards

    built_on = torch.zeros(4, 6)
    guard = TensorGuards(
        built_on, dynamic_dims_sizes=[[4, 6]], dynamic_dims_strides=[[6, 1]]
    )
    assert guard.check(torch.ones(4, 6))
    changed = {
        "sizes": torch.zeros(6, 4),
        "numel": torch.zeros(4, 7),
        "strides": torch.zeros(6, 4).t(),
        "dtype": torch.zeros(4, 6, dtype=torch.float64),
        "type": torch.nn.Parameter(torch.zeros(4, 6)),
        "requires_grad": torch.zeros(4, 6).requires_grad_(),
        "layout": torch.zeros(4, 6).to_sparse(),
        "negative bit": torch.zeros(4, 6)._neg_view(),
    }
    accepted = [what for what, tensor in changed.items() if guard.check(tensor)]
    assert accepted == []
