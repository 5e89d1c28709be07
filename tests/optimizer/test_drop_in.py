"""The drop-in promise: everyday uses of torch.optim.Adadelta behave the same with ours.

Each test runs one script with ``torch.optim.Adadelta`` and with ``adadelta_compiled.Adadelta``
side by side and compares what a user would observe: values, errors, dtypes, which tensors are
which, sizes of what gets saved. The models mix small tensors with one of more than
``PARALLEL_MIN_NUMEL`` elements, so both compiled variants are exercised.
"""

from __future__ import annotations

import copy
import io
import multiprocessing
import pickle
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
from torch import Tensor, nn

import adadelta_compiled
from adadelta_compiled.kernel import PARALLEL_MIN_NUMEL

OptimizerClass = type[torch.optim.Optimizer]
IMPLEMENTATIONS: dict[str, OptimizerClass] = {
    "torch": torch.optim.Adadelta,
    "ours": adadelta_compiled.Adadelta,
}
FP32 = {"rtol": 1e-5, "atol": 1e-6}


def _model(seed: int = 0) -> nn.Module:
    """A small MLP with one weight large enough for the multi-threaded kernel."""
    torch.manual_seed(seed)
    hidden = PARALLEL_MIN_NUMEL // 64 + 8
    return nn.Sequential(nn.Linear(64, hidden), nn.Tanh(), nn.Linear(hidden, 3))


def _inputs(seed: int = 1) -> Tensor:
    return torch.randn(8, 64, generator=torch.Generator().manual_seed(seed))


def _train(model: nn.Module, opt: torch.optim.Optimizer, steps: int, seed: int = 1) -> None:
    """torch's default loop: zero_grad() sets grads to None, so each backward makes new ones."""
    x = _inputs(seed)
    for _ in range(steps):
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()


def _both(script: Callable[[OptimizerClass], Any]) -> tuple[Any, Any]:
    """``script``'s result with torch's optimizer, then with ours."""
    return script(IMPLEMENTATIONS["torch"]), script(IMPLEMENTATIONS["ours"])


def _assert_tensors_close(expected: Any, actual: Any) -> None:
    torch.testing.assert_close(actual, expected, **FP32)


def _weights(model: nn.Module) -> list[Tensor]:
    return [p.detach().clone() for p in model.parameters()]


# --- the user's tensors stay the user's -----------------------------------------------------


@pytest.mark.parametrize("grads", ["fresh", "kept"])
def test_params_grads_and_state_keep_their_own_memory(grads: str) -> None:
    model = _model()
    opt = adadelta_compiled.Adadelta(model.parameters())
    x = _inputs()
    params = list(model.parameters())

    def identities(tensors: list[Tensor]) -> list[tuple[int, int, torch.dtype, bool]]:
        return [(id(t), t.data_ptr(), t.dtype, t.requires_grad) for t in tensors]

    params_before = identities(params)
    for step in range(4):
        if grads == "fresh" or step == 0:
            opt.zero_grad(set_to_none=True)
        model(x).square().mean().backward()
        grads_before = identities([p.grad for p in params])
        opt.step()
        assert identities(params) == params_before
        assert identities([p.grad for p in params]) == grads_before
    storages = [t.untyped_storage().data_ptr() for p in params
                for t in (p, p.grad, opt.state[p]["square_avg"], opt.state[p]["acc_delta"],
                          opt.state[p]["step"])]  # fmt: skip
    assert len(set(storages)) == len(storages), "some tensors share memory"
    for p in params:
        for key in ("square_avg", "acc_delta"):
            assert opt.state[p][key].untyped_storage().nbytes() == p.nbytes


def test_two_threads_training_their_own_models_match_training_alone() -> None:
    def script(cls: OptimizerClass) -> tuple[list[Tensor], list[Tensor]]:
        alone = []
        for seed in (0, 1):
            model = _model(seed)
            _train(model, cls(model.parameters(), weight_decay=0.01), steps=6, seed=seed)
            alone.append(_weights(model))
        models = [_model(0), _model(1)]
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def worker(index: int) -> None:
            try:
                model = models[index]
                opt = cls(model.parameters(), weight_decay=0.01)
                x = _inputs(index)
                for step in range(6):
                    barrier.wait()
                    opt.zero_grad()
                    # One branch of the two alternates between a small and a large forward.
                    out = model(x) if step % 2 == index else model[0](x).sum(1, keepdim=True)
                    out.square().mean().backward()
                    opt.step()
            except BaseException as error:  # reported by the main thread
                errors.append(error)
                barrier.abort()

        threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        return [p for w in alone for p in w], [p for m in models for p in _weights(m)]

    (torch_alone, torch_threads), (ours_alone, ours_threads) = _both(script)
    _assert_tensors_close(torch_threads, ours_threads)
    _assert_tensors_close(torch_alone, ours_alone)


def _train_in_forked_worker(model: nn.Module, cls: OptimizerClass) -> None:
    # As forked workers must: GNU OpenMP is not fork-safe, and a child whose parent has used
    # OpenMP hangs at its next parallel region (torch's own matmul included).
    torch.set_num_threads(1)
    _train(model, cls(model.parameters()), steps=3)


def test_a_forked_worker_trains_the_shared_memory_model_of_its_parent() -> None:
    context = multiprocessing.get_context("fork")

    def script(cls: OptimizerClass) -> list[Tensor]:
        model = _model()
        model.share_memory()
        worker = context.Process(target=_train_in_forked_worker, args=(model, cls))
        worker.start()
        worker.join(timeout=120)
        assert worker.exitcode == 0, f"the worker exited with {worker.exitcode}"
        return _weights(model)

    initial = _weights(_model())
    torch_result, ours = _both(script)
    assert not torch.equal(torch_result[0], initial[0]), "torch's worker changed the model"
    _assert_tensors_close(torch_result, ours)


def test_a_param_wrapping_a_numpy_array_keeps_the_array_current() -> None:
    def script(cls: OptimizerClass) -> tuple[np.ndarray, np.ndarray, Tensor]:
        wrapped = np.linspace(-1, 1, 40, dtype=np.float32)
        assigned = np.linspace(1, 2, 7, dtype=np.float32)
        first = nn.Parameter(torch.from_numpy(wrapped))
        second = nn.Parameter(torch.zeros(7))
        second.data = torch.from_numpy(assigned)
        opt = cls([first, second])
        for _ in range(3):
            opt.zero_grad()
            ((first**2).sum() + (second**3).sum()).backward()
            opt.step()
        return wrapped, assigned, torch.cat([first.detach(), second.detach()])

    (torch_a, torch_b, torch_params), (ours_a, ours_b, ours_params) = _both(script)
    np.testing.assert_array_equal(ours_a, ours_params[:40].numpy())
    np.testing.assert_array_equal(ours_b, ours_params[40:].numpy())
    _assert_tensors_close(torch.from_numpy(torch_a), torch.from_numpy(ours_a))
    _assert_tensors_close(torch.from_numpy(torch_b), torch.from_numpy(ours_b))


def test_weights_tied_through_data_stay_tied() -> None:
    def script(cls: OptimizerClass) -> tuple[bool, list[Tensor]]:
        torch.manual_seed(0)
        encoder, decoder = nn.Linear(16, 16), nn.Linear(16, 16)
        decoder.weight.data = encoder.weight.data
        model = nn.Sequential(encoder, decoder)
        opt = cls(model.parameters())
        x = torch.randn(4, 16, generator=torch.Generator().manual_seed(1))
        for _ in range(3):
            opt.zero_grad()
            model(x).square().mean().backward()
            opt.step()
        tied = decoder.weight.data_ptr() == encoder.weight.data_ptr()
        return tied, _weights(model)

    (torch_tied, torch_weights), (ours_tied, ours_weights) = _both(script)
    assert torch_tied and ours_tied
    _assert_tensors_close(torch_weights, ours_weights)


def test_a_param_listed_twice_warns_and_is_stepped_twice() -> None:
    def script(cls: OptimizerClass) -> tuple[list[str], list[Tensor]]:
        small, large = nn.Parameter(torch.ones(5)), nn.Parameter(torch.ones(PARALLEL_MIN_NUMEL))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt = cls([small, large, small, large])
        for _ in range(2):
            small.grad, large.grad = torch.full((5,), 0.5), torch.full((PARALLEL_MIN_NUMEL,), -2.0)
            opt.step()
        return [str(w.message) for w in caught], [small.detach().clone(), large.detach().clone()]

    (torch_warnings, torch_params), (ours_warnings, ours_params) = _both(script)
    assert ours_warnings == torch_warnings and torch_warnings
    _assert_tensors_close(torch_params, ours_params)


def test_each_param_alone_covers_its_storage_as_safetensors_requires() -> None:
    model = _model()
    _train(model, adadelta_compiled.Adadelta(model.parameters()), steps=2)
    for name, tensor in model.state_dict().items():
        storage = tensor.untyped_storage()
        assert tensor.storage_offset() == 0 and storage.nbytes() == tensor.nbytes, name


def test_model_to_float64_with_swapped_params_and_live_grads() -> None:
    def script(cls: OptimizerClass) -> tuple[list[Tensor], list[torch.dtype]]:
        model = _model()
        opt = cls(model.parameters())
        _train(model, opt, steps=2)
        model(_inputs()).sum().backward()
        previous = torch.__future__.get_swap_module_params_on_conversion()
        torch.__future__.set_swap_module_params_on_conversion(True)
        try:
            model.to(torch.float64)
        finally:
            torch.__future__.set_swap_module_params_on_conversion(previous)
        return _weights(model), [opt.state[p]["square_avg"].dtype for p in model.parameters()]

    (torch_weights, torch_dtypes), (ours_weights, ours_dtypes) = _both(script)
    assert ours_dtypes == torch_dtypes
    _assert_tensors_close(torch_weights, ours_weights)


def test_a_step_under_inference_mode_leaves_params_trainable() -> None:
    def script(cls: OptimizerClass) -> tuple[list[Tensor], str]:
        model = _model()
        opt = cls(model.parameters())
        model(_inputs()).square().mean().backward()
        with torch.inference_mode():
            opt.step()
        opt.zero_grad()
        model(_inputs()).square().mean().backward()  # raises if params became inference tensors
        weights = _weights(model)
        try:
            opt.step()
        except RuntimeError as error:  # torch's state, made under inference mode, stays so
            return weights, str(error).split(".")[0]
        return weights, ""

    (torch_weights, torch_error), (ours_weights, ours_error) = _both(script)
    assert ours_error == torch_error
    _assert_tensors_close(torch_weights, ours_weights)


def _saved_size(obj: Any) -> int:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getbuffer().nbytes


def test_saved_and_pickled_parts_of_a_model_are_the_size_of_torchs() -> None:
    def script(cls: OptimizerClass) -> dict[str, int]:
        model = _model()
        opt = cls(model.parameters())
        _train(model, opt, steps=2)
        model(_inputs()).sum().backward()
        last = model[2]
        return {
            "one bias": _saved_size(last.bias),
            "one grad": _saved_size(last.weight.grad),
            "a dict of one param": _saved_size({"w": last.weight}),
            "a submodule's state_dict": _saved_size(last.state_dict()),
            "a pickled model": len(pickle.dumps(model)),
            "a deep copy of one param's state": sum(
                t.untyped_storage().nbytes()
                for t in copy.deepcopy(opt.state[last.bias]).values()
            ),
        }

    torch_sizes, ours_sizes = _both(script)
    for what, size in ours_sizes.items():
        theirs = torch_sizes[what]
        assert size <= 1.5 * theirs, f"{what}: {size} bytes vs torch's {theirs}"


@pytest.mark.parametrize("conversion", ["double", "half", "bfloat16"])
def test_converting_the_model_keeps_the_state_dtype_and_training_matches(conversion: str) -> None:
    def script(cls: OptimizerClass) -> tuple[list[Tensor], list[Tensor], list[torch.dtype]]:
        model = _model()
        opt = cls(model.parameters())
        _train(model, opt, steps=2)
        getattr(model, conversion)()
        x = _inputs().to(next(model.parameters()).dtype)
        for _ in range(4):
            opt.zero_grad()
            model(x).float().square().mean().backward()
            opt.step()
        states = [opt.state[p][k].double() for p in model.parameters()
                  for k in ("square_avg", "acc_delta")]  # fmt: skip
        dtypes = [opt.state[p][k].dtype for p in model.parameters() for k in opt.state[p]]
        return [w.double() for w in _weights(model)], states, dtypes

    (torch_weights, torch_states, torch_dtypes), (ours_weights, ours_states, ours_dtypes) = (
        _both(script)
    )
    assert ours_dtypes == torch_dtypes
    low_precision = {"rtol": 2**-7, "atol": 2**-7} if conversion != "double" else FP32
    torch.testing.assert_close(ours_weights, torch_weights, **low_precision)
    torch.testing.assert_close(ours_states, torch_states, **FP32)


@pytest.fixture
def default_dtype_float64() -> Iterator[None]:
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def test_step_dtype_follows_the_default_dtype(default_dtype_float64: None) -> None:
    def script(cls: OptimizerClass) -> list[torch.dtype]:
        param = nn.Parameter(torch.ones(3, dtype=torch.float32))
        param.grad = torch.ones(3, dtype=torch.float32)
        opt = cls([param])
        opt.step()
        return [opt.state[param][k].dtype for k in ("step", "square_avg", "acc_delta")]

    torch_dtypes, ours_dtypes = _both(script)
    assert ours_dtypes == torch_dtypes == [torch.float64, torch.float32, torch.float32]


def test_handles_to_state_stay_live_when_a_frozen_layer_starts_training() -> None:
    def script(cls: OptimizerClass) -> tuple[list[Tensor], list[Tensor]]:
        model = _model()
        model[2].requires_grad_(False)
        opt = cls(model.parameters())
        _train(model, opt, steps=2)
        first = model[0].weight
        held = opt.state[first]["square_avg"]
        saved = opt.state_dict()["state"][0]["acc_delta"]
        model[2].requires_grad_(True)
        _train(model, opt, steps=2)
        assert held is opt.state[first]["square_avg"]
        assert saved is opt.state[first]["acc_delta"]
        return [held.clone(), saved.clone()], _weights(model)

    (torch_held, torch_weights), (ours_held, ours_weights) = _both(script)
    _assert_tensors_close(torch_held, ours_held)
    _assert_tensors_close(torch_weights, ours_weights)


def test_state_on_another_device_is_never_read_through_raw_pointers() -> None:
    # torch.optim.Adadelta computes on a meta-device acc_delta without complaint; a kernel
    # handed its (absent) memory would crash the process. Ours takes the eager path, which
    # raises.
    param = nn.Parameter(torch.ones(8))
    param.grad = torch.ones(8)
    opt = adadelta_compiled.Adadelta([param])
    opt.step()
    opt.state[param]["acc_delta"] = torch.zeros(8, device="meta")
    with pytest.raises(RuntimeError, match="device"):
        opt.step()
