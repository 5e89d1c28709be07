"""Multi-tensor graphs: compiled out of sight, then ceil(N / K) generated-code calls a step."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from typing import Any

import pytest
import torch

import adadelta_compiled
from adadelta_compiled import kernel, many

from .twins import DEVICES, make_twins, random_grads

SMALL, LARGE = 40, 3  # under and over kernel.PARALLEL_MIN_NUMEL; LARGE < many.MIN_TENSORS


def _shapes() -> list[tuple[int, ...]]:
    return [(5 + i % 7, 3) for i in range(SMALL)] + [(kernel.PARALLEL_MIN_NUMEL + 1,)] * LARGE


@functools.cache
def _load_many_graphs(device: str) -> None:
    """The multi-tensor graphs of :func:`_shapes` loaded in this process: one compiling
    process per graph, whose result Inductor's on-disk cache keeps for later runs and other
    workers."""
    params = [torch.nn.Parameter(torch.randn(shape, device=device)) for shape in _shapes()]
    opt = adadelta_compiled.Adadelta(params)
    for _ in range(2):  # the first step compiles per-tensor graphs, the second starts the many
        for p in params:
            p.grad = torch.randn_like(p)
        opt.step()
    many.wait_for_compiles()
    opt.step()
    assert any(call is not None for call in many._loaded.values()), "no graph was loaded"


@pytest.fixture
def loaded() -> None:
    _load_many_graphs("cpu")


def _expected_calls(device: str) -> int:
    """Per graph, ceil(n / K) calls, or n where too few tensors took it to start a compile."""
    if device != "cpu":  # on an accelerator every length takes the one graph
        return math.ceil((SMALL + LARGE) / many.K)
    return math.ceil(SMALL / many.K) + LARGE


@pytest.mark.parametrize("device", DEVICES)
def test_a_step_calls_generated_code_ceil_n_over_k_times(
    device: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load_many_graphs(device)
    calls = 0

    def counting(direct: Callable[..., Any]) -> Callable[..., Any]:
        def with_hyperparameters(hyperparameters: Any) -> Callable[..., None]:
            step = direct(hyperparameters)

            def counted(*args: Any) -> None:
                nonlocal calls
                calls += 1
                step(*args)

            return counted

        return with_hyperparameters

    for table in (kernel._compiled, many._loaded):
        for key, direct in list(table.items()):
            if direct is not None:
                monkeypatch.setitem(table, key, counting(direct))
    twins = make_twins([torch.randn(shape) for shape in _shapes()], device=device)
    generator = torch.Generator().manual_seed(0)
    twins.step(random_grads(twins.ours_params, generator))
    calls = 0
    twins.step(random_grads(twins.ours_params, generator))
    assert calls == _expected_calls(device)
    twins.assert_close()


def test_on_the_cpu_the_multi_tensor_graph_counts_the_steps_of_the_tensors_it_steps(
    loaded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted_by_foreach: list[int] = []
    increment = kernel._increment

    def recording(state_steps: Any) -> None:
        counted_by_foreach.append(len(state_steps))
        increment(state_steps)

    monkeypatch.setattr(kernel, "_increment", recording)
    twins = make_twins([torch.randn(shape) for shape in _shapes()])
    generator = torch.Generator().manual_seed(2)
    for _ in range(3):
        twins.step(random_grads(twins.ours_params, generator))
    # Only the LARGE tensors, too few for a multi-tensor graph of their own, are counted by
    # _foreach_add_; the graph counts the SMALL ones.
    assert counted_by_foreach == [LARGE] * 3
    twins.assert_close()


def test_a_param_listed_twice_among_many_is_stepped_twice_as_in_torch(loaded: None) -> None:
    tensors = [torch.randn(shape) for shape in _shapes()[:SMALL]]
    twins = make_twins(tensors, groups=lambda params: [*params, params[3]])
    generator = torch.Generator().manual_seed(1)
    for _ in range(3):
        twins.step(random_grads(twins.ours_params, generator))
    twins.assert_close()


def test_a_fork_while_a_graph_compiles_steps_in_the_child_and_loads_in_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No graph loaded or compiling: the one this test starts is still compiling at the fork.
    monkeypatch.setattr(many, "_compiling", {})
    monkeypatch.setattr(many, "_loaded", {})
    params = [torch.nn.Parameter(torch.randn(6)) for _ in range(SMALL)]
    opt = adadelta_compiled.Adadelta(params, weight_decay=0.1)
    for _ in range(2):
        for p in params:
            p.grad = torch.ones_like(p)
        opt.step()
    assert many._compiling, "no graph is compiling"
    pid = os.fork()
    if pid == 0:  # a DataLoader worker would be here
        status = 1
        try:
            opt.step()
            status = 0 if not many._loaded else 2
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    many.wait_for_compiles()
    opt.step()
    assert any(call is not None for call in many._loaded.values())
