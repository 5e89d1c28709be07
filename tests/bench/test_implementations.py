"""Implementations by name: the built-ins and MODULE:ATTR."""

from __future__ import annotations

import pytest
import torch

from adadelta_compiled.bench.implementations import BUILTIN_NAMES, resolve


def _params() -> list[torch.Tensor]:
    param = torch.ones(4, requires_grad=True)
    param.grad = torch.ones(4)
    return [param]


def test_builtins_are_torch_three_ways_and_adadelta_compiled() -> None:
    assert BUILTIN_NAMES == (
        "torch-forloop", "torch-foreach", "torch-compiled", "adadelta_compiled"
    )  # fmt: skip


@pytest.mark.parametrize(("name", "foreach"), [("torch-forloop", False), ("torch-foreach", True)])
def test_eager_torch_builtins_set_foreach_and_are_not_counted(name: str, foreach: bool) -> None:
    implementation = resolve(name)
    optimizer = implementation.build(_params(), 1.0).optimizer
    assert type(optimizer) is torch.optim.Adadelta
    assert optimizer.defaults["foreach"] is foreach
    assert not implementation.may_compile


def test_compiled_torch_is_pytorchs_recipe_a_compiled_step_and_a_tensor_lr() -> None:
    implementation = resolve("torch-compiled")
    assert implementation.compile_step and implementation.tensor_lr
    assert implementation.make_optimizer(_params(), torch.tensor(1.0)).defaults["foreach"] is None


def test_module_attr_resolves_to_a_callable_with_adadeltas_constructor() -> None:
    implementation = resolve("torch.optim:Adadelta")
    assert implementation.name == "torch.optim:Adadelta"
    assert implementation.may_compile and not implementation.compile_step
    stepper = implementation.build(_params(), 0.5)
    assert type(stepper.optimizer) is torch.optim.Adadelta
    assert stepper.optimizer.param_groups[0]["lr"] == 0.5


def test_module_attr_follows_dotted_attributes() -> None:
    assert resolve("torch:optim.Adadelta").build(_params(), 1.0).optimizer is not None


def test_a_stepper_steps_its_optimizer() -> None:
    params = _params()
    resolve("torch.optim:Adadelta").build(params, 1.0).step()
    assert not torch.equal(params[0].detach(), torch.ones(4))


def test_set_lr_assigns_a_float_lr() -> None:
    stepper = resolve("torch-forloop").build(_params(), 1.0)
    stepper.set_lr(0.25)
    assert stepper.optimizer.param_groups[0]["lr"] == 0.25


def test_set_lr_fills_a_tensor_lr_in_place_as_schedulers_do() -> None:
    lr = torch.tensor(1.0)
    stepper = resolve("torch-forloop").build(_params(), lr)
    stepper.set_lr(0.25)
    assert stepper.optimizer.param_groups[0]["lr"] is lr and lr.item() == 0.25


def test_renew_grads_gives_each_param_a_new_grad_of_the_same_values() -> None:
    params = _params()
    old = params[0].grad
    resolve("torch-forloop").build(params, 1.0).renew_grads()
    assert params[0].grad is not old and params[0].grad.data_ptr() != old.data_ptr()
    assert torch.equal(params[0].grad, old)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("torch-fused", "unknown implementation 'torch-fused': expected one of torch-forloop"),
        ("torch.optim", "unknown implementation 'torch.optim'.*MODULE:ATTR"),
        (":Adadelta", "unknown implementation ':Adadelta'"),
        ("torch.optim:", "unknown implementation 'torch.optim:'"),
        ("no_such_module_xyz:Adadelta", "cannot import module 'no_such_module_xyz'"),
        ("torch.optim:NoSuchAdadelta", "module 'torch.optim' has no 'NoSuchAdadelta'"),
        ("math:pi", "'pi' is a float, not callable"),
    ],
)
def test_bad_names_say_what_is_wrong(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve(name)
