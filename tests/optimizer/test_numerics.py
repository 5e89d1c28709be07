"""adadelta_compiled.Adadelta follows torch.optim.Adadelta's trajectory within float tolerance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from .twins import DEVICES, make_twins, random_grads

STEPS = 100
DTYPES = [torch.float32, torch.float64, torch.bfloat16, torch.float16, torch.complex64]
CONFIGS = {
    "plain": {},
    "weight_decay": {"weight_decay": 0.1},
    "maximize": {"maximize": True},
    "maximize_and_weight_decay": {"maximize": True, "weight_decay": 0.1},
}


def _params(dtype: torch.dtype, generator: torch.Generator) -> list[torch.Tensor]:
    """A 0-d, an empty, a matrix, a channels_last conv weight and a transposed param."""
    shapes = [(), (0,), (7, 5), (4, 3, 3, 3), (6, 2)]
    tensors = [torch.randn(shape, generator=generator, dtype=dtype) for shape in shapes]
    if not dtype.is_complex:
        tensors[3] = tensors[3].to(memory_format=torch.channels_last)
    tensors[4] = tensors[4].t()
    return tensors


@pytest.mark.parametrize("lr_kind", ["float_lr", "tensor_lr"])
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("device", DEVICES)
def test_matches_torch_over_100_steps(
    device: str, dtype: torch.dtype, config: str, lr_kind: str
) -> None:
    generator = torch.Generator().manual_seed(0)
    lr = 0.5 if lr_kind == "float_lr" else torch.tensor(0.5, device=device)
    twins = make_twins(
        _params(dtype, generator), device=device, lr=lr, rho=0.8, **CONFIGS[config]
    )
    for step in range(STEPS):
        grads = random_grads(twins.ours_params, generator)
        if step % 5 == 2:
            grads[2] = None  # a param whose grad is None on some steps
        twins.step(grads)
    twins.assert_close()
    for p in twins.ours_params:
        if p.numel():
            assert twins.ours.state[p]["square_avg"].stride() == p.stride()


@pytest.fixture
def torch_with_ieee_sqrt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``Tensor.sqrt_``, the only square root torch.optim.Adadelta's for-loop takes,
    correctly rounded on the CPU.

    torch's CPU sqrt runs MKL's vector math (vsSqrt/vdSqrt), which is within one ulp but not
    correctly rounded: on random inputs ~20 % of its fp32 results differ from the IEEE square
    root (tensors under 8 elements excepted). Compiled code, Inductor's and torch.compile's
    alike, takes the IEEE square root instruction.
    """

    def ieee_sqrt_(self: torch.Tensor) -> torch.Tensor:
        return self.copy_(torch.from_numpy(np.asarray(np.sqrt(self.numpy()))))

    monkeypatch.setattr(torch.Tensor, "sqrt_", ieee_sqrt_)


@pytest.mark.parametrize("lr_kind", ["float_lr", "tensor_lr"])
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_matches_torch_bit_for_bit_given_an_ieee_sqrt(
    torch_with_ieee_sqrt: None, dtype: torch.dtype, config: str, lr_kind: str
) -> None:
    generator = torch.Generator().manual_seed(5)
    # Sizes that take the vectorized loop, its tail, and the multi-threaded kernel.
    shapes = [(), (1,), (17,), (7, 5), (1000,), (40000,)]
    lr = 0.5 if lr_kind == "float_lr" else torch.tensor(0.5)
    twins = make_twins(
        [torch.randn(shape, generator=generator, dtype=dtype) for shape in shapes],
        lr=lr, rho=0.8, foreach=False, **CONFIGS[config],
    )  # fmt: skip
    for _ in range(20):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close(exact=True)


def test_param_groups_with_different_hyperparameters_match_torch() -> None:
    generator = torch.Generator().manual_seed(1)
    tensors = [torch.randn(9, 4, generator=generator) for _ in range(3)]

    def groups(params: list[torch.Tensor]) -> list[dict]:
        return [
            {"params": [params[0]], "lr": 0.3, "rho": 0.5},
            {"params": [params[1]], "eps": 1e-3, "weight_decay": 0.2, "maximize": True},
            {"params": [params[2]], "lr": torch.tensor(2.0), "rho": 0.0},
        ]

    twins = make_twins(tensors, groups=groups, lr=1.0)
    for _ in range(STEPS):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()


def test_hyperparameter_changes_take_effect_at_the_next_step() -> None:
    generator = torch.Generator().manual_seed(2)
    twins = make_twins([torch.randn(33, generator=generator)], lr=torch.tensor(1.0))
    for step in range(STEPS):
        for opt in (twins.ours, twins.torchs):
            group = opt.param_groups[0]
            group["lr"].fill_(1.0 / (1 + step))
            group["rho"] = 0.5 + 0.004 * step
            group["eps"] = 10.0 ** -(1 + step % 7)
            group["weight_decay"] = 0.01 * (step % 3)
            group["maximize"] = step % 4 == 0
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()


@pytest.mark.parametrize("rho", [0.0, 1.0])
def test_rho_at_both_bounds_matches_torch(rho: float) -> None:
    generator = torch.Generator().manual_seed(3)
    twins = make_twins([torch.randn(10, generator=generator)], rho=rho)
    for _ in range(10):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()


def test_nan_and_inf_propagate_as_in_torch() -> None:
    values = torch.tensor([1.0, float("inf"), float("nan"), -2.0, 0.0])
    twins = make_twins([values], weight_decay=0.0)
    twins.step([torch.tensor([float("nan"), 1.0, 1.0, float("inf"), 0.0])])
    ours, theirs = twins.ours_params[0], twins.torch_params[0]
    torch.testing.assert_close(ours, theirs, equal_nan=True)


@pytest.mark.cuda
def test_params_on_cpu_and_cuda_in_one_optimizer_match_torch() -> None:
    generator = torch.Generator().manual_seed(4)
    twins = make_twins([torch.randn(5, 3, generator=generator),
                        torch.randn(8, generator=generator)], weight_decay=0.1)
    for params in (twins.ours_params, twins.torch_params):
        params[1].data = params[1].data.cuda()
    for _ in range(20):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()
