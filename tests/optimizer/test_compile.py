"""What compiles, what never recompiles, compiled training loops, and the eager fallback."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator

import pytest
import torch
from torch._dynamo.utils import counters

import adadelta_compiled
from adadelta_compiled import CompileFallbackWarning
from adadelta_compiled import kernel as kernel_module

from .twins import DEVICES, make_twins, random_grads


def _graphs() -> int:
    return counters["stats"]["unique_graphs"]


@pytest.fixture
def fresh_dynamo() -> Iterator[None]:
    """Forget compiled graphs, so a test can count the ones it causes (recompiling hits the
    on-disk Inductor cache, so this costs about a second)."""
    torch._dynamo.reset()
    kernel_module._compiled.clear()
    counters.clear()
    yield
    torch._dynamo.reset()
    kernel_module._compiled.clear()


@pytest.fixture
def no_failed_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernel_module, "_failed_to_compile", set())
    monkeypatch.setattr(kernel_module, "_isa_untrusted", set())


@pytest.mark.parametrize("lr_kind", ["float_lr", "tensor_lr"])
@pytest.mark.parametrize("device", DEVICES)
def test_scheduler_and_hyperparameter_changes_never_recompile(
    fresh_dynamo: None, device: str, lr_kind: str
) -> None:
    generator = torch.Generator().manual_seed(0)
    lr = 1.0 if lr_kind == "float_lr" else torch.tensor(1.0, device=device)
    twins = make_twins([torch.randn(shape, generator=generator) for shape in [(8, 3), (5,), ()]],
                       device=device, lr=lr)
    schedulers = [torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=50)
                  for opt in (twins.ours, twins.torchs)]
    twins.step(random_grads(twins.ours_params, generator))
    assert _graphs() == 1, "the first step compiles exactly one graph"

    for step in range(100):
        for scheduler in schedulers:
            scheduler.step()
        for opt in (twins.ours, twins.torchs):
            group = opt.param_groups[0]
            group["rho"], group["eps"] = 0.9 - step * 1e-3, 1e-6 * (1 + step % 3)
            group["weight_decay"], group["maximize"] = 0.01 * (step % 2), step % 5 == 0
        twins.step(random_grads(twins.ours_params, generator))
    # A kernel without weight-decay arithmetic serves λ = 0 (see Hyperparameters).
    assert _graphs() == 2, "turning weight decay on compiled its kernel once, nothing else"
    assert isinstance(twins.ours.param_groups[0]["lr"], type(twins.torchs.param_groups[0]["lr"]))
    twins.assert_close()


def test_new_shapes_and_param_groups_reuse_the_graph_and_a_new_dtype_adds_one(
    fresh_dynamo: None,
) -> None:
    first = torch.nn.Parameter(torch.randn(4, 4))
    opt = adadelta_compiled.Adadelta([first])
    first.grad = torch.randn(4, 4)
    opt.step()
    assert _graphs() == 1
    for shape in [(1,), (3, 7, 2), (1000,)]:
        param = torch.nn.Parameter(torch.randn(shape))
        param.grad = torch.randn(shape)
        opt.add_param_group({"params": [param], "lr": 0.1})
        opt.step()
    assert _graphs() == 1
    double = torch.nn.Parameter(torch.randn(3, dtype=torch.float64))
    double.grad = torch.randn(3, dtype=torch.float64)
    opt.add_param_group({"params": [double]})
    opt.step()
    assert _graphs() == 2


class _Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(),
                                          torch.nn.Linear(8, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def test_step_inside_a_users_compiled_training_loop_matches_eager() -> None:
    torch.manual_seed(0)
    compiled_model, eager_model = _Model(), _Model()
    eager_model.load_state_dict(compiled_model.state_dict())
    compiled_opt = adadelta_compiled.Adadelta(compiled_model.parameters(), lr=0.5,
                                              weight_decay=0.01)
    eager_opt = torch.optim.Adadelta(eager_model.parameters(), lr=0.5, weight_decay=0.01)

    def train_step(model: torch.nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor) -> None:
        model(x).square().mean().backward()
        opt.step()
        opt.zero_grad()

    compiled_train_step = torch.compile(train_step)
    for _ in range(5):
        x = torch.randn(16, 6)
        compiled_train_step(compiled_model, compiled_opt, x)
        train_step(eager_model, eager_opt, x)
    for ours, theirs in zip(compiled_model.parameters(), eager_model.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)


def _step_twins_once() -> None:
    generator = torch.Generator().manual_seed(4)
    twins = make_twins([torch.randn(7, generator=generator)], weight_decay=0.1)
    for _ in range(3):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()


@pytest.fixture
def no_cxx_compiler(fresh_dynamo: None, no_failed_compiles: None) -> Iterator[None]:
    # Inductor's config module must be patched through its own patch(): monkeypatch's undo
    # deletes the attribute, and every later compile in the process then fails.
    with torch._inductor.config.patch({"cpp.cxx": ("/nonexistent/c++",),
                                       "force_disable_caches": True}):
        yield


def test_missing_cxx_compiler_warns_once_and_steps_eagerly(no_cxx_compiler: None) -> None:
    with pytest.warns(CompileFallbackWarning, match="could not compile") as record:
        _step_twins_once()
    assert len([w for w in record if w.category is CompileFallbackWarning]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        _step_twins_once()


def test_inductor_error_in_strict_mode_raises(
    fresh_dynamo: None, no_failed_compiles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_compile(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated Inductor failure")

    monkeypatch.setattr(torch._inductor.compile_fx, "compile_fx", failing_compile)
    monkeypatch.setenv(adadelta_compiled.STRICT_ENV_VAR, "1")
    param = torch.nn.Parameter(torch.ones(3))
    param.grad = torch.ones(3)
    opt = adadelta_compiled.Adadelta([param])
    with pytest.raises(torch._dynamo.exc.BackendCompilerFailed, match="simulated"):
        opt.step()
    torch.testing.assert_close(param.detach(), torch.ones(3), rtol=0, atol=0)

    monkeypatch.delenv(adadelta_compiled.STRICT_ENV_VAR)
    with pytest.warns(CompileFallbackWarning, match="simulated Inductor failure"):
        _step_twins_once()


def test_a_compile_failure_with_the_cpus_isa_trusted_retries_with_probing_and_no_warning(
    fresh_dynamo: None, no_failed_compiles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    compile_fx = importlib.import_module("torch._inductor.compile_fx").compile_fx
    trusted_attempts: list[bool] = []

    def compile_fx_without_trusted_isa(*args: object, **kwargs: object) -> object:
        trusted = torch._inductor.config.cpp.vec_isa_ok is True
        trusted_attempts.append(trusted)
        if trusted:
            raise RuntimeError("simulated: the compiler lacks the CPU's vector ISA")
        return compile_fx(*args, **kwargs)

    monkeypatch.setattr("torch._inductor.compile_fx.compile_fx", compile_fx_without_trusted_isa)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileFallbackWarning)
        _step_twins_once()
    # compile_fx applies the options and calls itself, so each attempt shows up twice.
    first_trusted = trusted_attempts.index(True)
    assert not any(trusted_attempts[first_trusted + 1:]), "the retry probes the ISA"
    assert len(kernel_module._isa_untrusted) == 1


def _stepped_param(numel: int = 5) -> tuple[torch.nn.Parameter, adadelta_compiled.Adadelta]:
    param = torch.nn.Parameter(torch.linspace(-1, 1, numel))
    param.grad = torch.linspace(1, 2, numel)
    opt = adadelta_compiled.Adadelta([param], weight_decay=0.1)
    opt.step()
    return param, opt


def test_after_a_graphs_first_call_its_generated_code_is_called_without_dynamo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stepped_param()
    for variant in kernel_module._variants.values():
        monkeypatch.setattr(variant, "through_dynamo", _fail_if_called)
    generator = torch.Generator().manual_seed(1)
    twins = make_twins([torch.randn(shape, generator=generator) for shape in [(6, 3), (), (2,)]],
                       weight_decay=0.1, maximize=True)  # fmt: skip
    for _ in range(3):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()


def _fail_if_called(*args: object) -> None:
    raise AssertionError("called through Dynamo")


def test_a_graph_whose_inputs_are_not_recognised_is_called_through_dynamo(
    fresh_dynamo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adadelta_compiled.artifact._INPUTS", {"l_other_": 1})
    _step_twins_once()
    assert _graphs() == 1
    assert kernel_module._compiled and all(v is None for v in kernel_module._compiled.values())


def test_a_direct_call_that_disagrees_with_dynamo_is_not_used(
    fresh_dynamo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    swapped = {"l_param_": 1, "l_grad_": 2, "l_square_avg_": 4, "l_acc_delta_": 3,
               "l_scalars_": 5, "l_lr_": 6}  # fmt: skip
    monkeypatch.setattr("adadelta_compiled.artifact._INPUTS", swapped)
    _step_twins_once()
    assert kernel_module._compiled and all(v is None for v in kernel_module._compiled.values())


def test_a_graph_that_saved_a_param_before_the_step_raises_on_backward() -> None:
    param, opt = _stepped_param()
    saved = (param * param).sum()
    param.grad = torch.ones(5)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()
