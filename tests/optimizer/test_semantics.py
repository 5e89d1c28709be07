"""Step semantics: closure, None vs zero grads, untouched grads, sparse grads, differentiable."""

from __future__ import annotations

import pytest
import torch

from adadelta_compiled import Adadelta


def test_closure_is_called_once_with_grad_enabled_and_its_loss_returned() -> None:
    param = torch.nn.Parameter(torch.ones(3))
    opt = Adadelta([param])
    calls: list[bool] = []

    def closure() -> torch.Tensor:
        calls.append(torch.is_grad_enabled())
        opt.zero_grad()
        loss = (param * 2).sum()
        loss.backward()
        return loss

    with torch.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss is not None and loss.item() == 6.0
    assert opt.step() is None


def test_param_with_none_grad_is_skipped_and_gets_no_state() -> None:
    stepped, skipped = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(3))
    opt = Adadelta([stepped, skipped])
    stepped.grad = torch.ones(3)
    opt.step()
    assert skipped not in opt.state
    torch.testing.assert_close(skipped.detach(), torch.ones(3), rtol=0, atol=0)
    assert opt.state[stepped]["step"].item() == 1.0


def test_zero_grad_is_stepped_and_still_decays_square_avg() -> None:
    param = torch.nn.Parameter(torch.ones(3))
    opt = Adadelta([param], rho=0.5)
    param.grad = torch.full((3,), 2.0)
    opt.step()
    param.grad = torch.zeros(3)
    opt.step()
    assert opt.state[param]["step"].item() == 2.0
    # v = 0.5·(0.5·0 + 0.5·4) + 0.5·0 = 1
    torch.testing.assert_close(opt.state[param]["square_avg"], torch.ones(3))


def test_step_never_modifies_grads() -> None:
    param = torch.nn.Parameter(torch.randn(5))
    grad = torch.randn(5)
    param.grad = grad.clone()
    grad_object = param.grad
    opt = Adadelta([param], weight_decay=0.5, maximize=True)
    opt.step()
    assert param.grad is grad_object
    torch.testing.assert_close(param.grad, grad, rtol=0, atol=0)


def test_sparse_grad_raises_torchs_error_before_any_state_exists() -> None:
    dense, sparse = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(3))
    opt = Adadelta([{"params": [dense]}, {"params": [sparse]}])
    dense.grad = torch.ones(3)
    sparse.grad = torch.ones(3).to_sparse()
    with pytest.raises(RuntimeError, match="^Adadelta does not support sparse gradients$"):
        opt.step()
    assert len(opt.state) == 0
    torch.testing.assert_close(dense.detach(), torch.ones(3), rtol=0, atol=0)


def test_zero_grad_sets_none_by_default_and_zeroes_in_place_otherwise() -> None:
    param = torch.nn.Parameter(torch.ones(3))
    opt = Adadelta([param])
    param.grad = torch.ones(3)
    grad_object = param.grad
    opt.zero_grad(set_to_none=False)
    assert param.grad is grad_object and not param.grad.any()
    opt.zero_grad()
    assert param.grad is None


def test_differentiable_step_matches_torchs_gradients() -> None:
    def gradients_through_two_steps(
        optimizer_class: type[torch.optim.Optimizer],
    ) -> tuple[torch.Tensor, ...]:
        weight = torch.linspace(-1, 1, 6, requires_grad=True)
        grad = torch.linspace(0.5, 2, 6, requires_grad=True)
        param = weight.clone()  # a non-leaf, so the in-place step is recorded by autograd
        param.grad = grad * 1.0
        opt = optimizer_class([param], lr=0.7, weight_decay=0.1, differentiable=True)
        opt.step()
        opt.step()
        return torch.autograd.grad(param.square().sum(), (weight, grad))

    ours = gradients_through_two_steps(Adadelta)
    torchs = gradients_through_two_steps(torch.optim.Adadelta)
    assert all(g.abs().sum() > 0 for g in torchs)
    torch.testing.assert_close(ours, torchs)


def test_capturable_on_cpu_raises_torchs_error_before_any_state_exists() -> None:
    param = torch.nn.Parameter(torch.ones(2))
    param.grad = torch.ones(2)
    opt = Adadelta([param], capturable=True)
    with pytest.raises(AssertionError, match="If capturable=True, params and state_steps"):
        opt.step()
    assert len(opt.state) == 0
