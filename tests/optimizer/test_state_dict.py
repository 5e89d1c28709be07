"""State layout and checkpoints: torch's layout, loadable both ways, old formats, hooks."""

from __future__ import annotations

import copy
import io

import pytest
import torch

from adadelta_compiled import Adadelta

from .twins import make_twins, random_grads


def test_state_layout_is_torchs() -> None:
    conv = torch.nn.Parameter(torch.randn(4, 3, 2, 2).to(memory_format=torch.channels_last))
    opt = Adadelta([conv])
    conv.grad = torch.randn_like(conv)
    opt.step()
    state = opt.state[conv]
    assert list(state) == ["step", "square_avg", "acc_delta"]
    assert state["step"].shape == () and state["step"].dtype == torch.float32
    assert state["step"].device == torch.device("cpu")
    for key in ("square_avg", "acc_delta"):
        assert state[key].dtype == conv.dtype and state[key].shape == conv.shape
        assert state[key].is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("direction", ["torch_to_ours", "ours_to_torch"])
def test_checkpoint_moves_between_implementations_and_training_continues(direction: str) -> None:
    generator = torch.Generator().manual_seed(0)
    twins = make_twins([torch.randn(4, 5, generator=generator), torch.randn(3, generator=generator)],
                       lr=0.5, weight_decay=0.01)
    for _ in range(5):
        twins.step(random_grads(twins.ours_params, generator))
    if direction == "torch_to_ours":
        fresh = Adadelta(twins.ours_params, lr=9.0)
        # A deep copy: the live optimizer keeps training, and a state_dict aliases its state.
        fresh.load_state_dict(copy.deepcopy(twins.torchs.state_dict()))
        twins.ours = fresh
    else:
        fresh = torch.optim.Adadelta(twins.torch_params, lr=9.0)
        fresh.load_state_dict(copy.deepcopy(twins.ours.state_dict()))
        twins.torchs = fresh
    assert fresh.param_groups[0]["lr"] == 0.5
    for _ in range(20):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()


def test_checkpoint_round_trips_through_torch_save_with_weights_only() -> None:
    params = [torch.nn.Parameter(torch.randn(6)), torch.nn.Parameter(torch.randn(2, 2))]
    opt = Adadelta(params, lr=torch.tensor(0.25), rho=0.7)
    for p in params:
        p.grad = torch.randn_like(p)
    opt.step()
    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)

    restored_params = [torch.nn.Parameter(p.detach().clone()) for p in params]
    restored = Adadelta(restored_params)
    restored.load_state_dict(loaded)
    for source, target in ((params, opt), (restored_params, restored)):
        for p in source:
            p.grad = torch.ones_like(p)
        target.step()
    for p, q in zip(params, restored_params, strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_old_checkpoint_with_float_step_and_missing_flags_loads() -> None:
    param = torch.nn.Parameter(torch.ones(3))
    opt = Adadelta([param])
    param.grad = torch.ones(3)
    opt.step()
    old = opt.state_dict()
    old["state"][0]["step"] = 1.0
    for flag in ("foreach", "maximize", "differentiable", "capturable"):
        del old["param_groups"][0][flag]

    resumed = Adadelta([param])
    resumed.load_state_dict(old)
    state = resumed.state[param]
    assert torch.is_tensor(state["step"]) and state["step"].dtype == torch.float32
    assert resumed.param_groups[0]["maximize"] is False
    resumed.step()
    assert state["step"].item() == 2.0


def test_step_and_state_dict_hooks_run_in_order() -> None:
    param = torch.nn.Parameter(torch.ones(2))
    param.grad = torch.ones(2)
    opt = Adadelta([param])
    calls: list[str] = []
    opt.register_step_pre_hook(lambda *_: calls.append("step_pre"))
    opt.register_step_post_hook(lambda *_: calls.append("step_post"))
    opt.register_state_dict_pre_hook(lambda *_: calls.append("state_dict_pre"))
    opt.register_state_dict_post_hook(lambda *_: calls.append("state_dict_post"))
    opt.register_load_state_dict_pre_hook(lambda *_: calls.append("load_pre"))
    opt.register_load_state_dict_post_hook(lambda *_: calls.append("load_post"))
    opt.step()
    opt.load_state_dict(opt.state_dict())
    assert calls == ["step_pre", "step_post", "state_dict_pre", "state_dict_post", "load_pre",
                     "load_post"]
