"""The per-param state: its keys, the step counter, and the buffers' dtype, device and layout."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from .check import Check
from ..examples import example_case, example_param
from ..expectations import expect_trajectory
from ..failures import CheckSkipped
from ..layout import expected_state_stride, same_layout
from ..replay import Stepped
from ..spec import OptimizerSpec
from ..strategies import LAYOUTS
from ..subject import Subject
from ..surface import exposed_state

__all__ = ["checks", "counters_are_tensors", "state_is_laid_out"]


def _counter_problem(counter: Any, param: Tensor, capturable: bool, dtype: torch.dtype) -> str | None:
    if not isinstance(counter, Tensor):
        return f"is a {type(counter).__name__}, expected a tensor"
    device = param.device if capturable else torch.device("cpu")
    dtype = torch.float32 if capturable else dtype
    if counter.dim() != 0 or counter.dtype != dtype or counter.device != device:
        return (
            f"is a {counter.dim()}-d {counter.dtype} tensor on {counter.device}, expected a "
            f"0-d {dtype} tensor on {device}"
            + (" (capturable=True keeps it on the param's device)" if capturable else "")
        )
    return None


def counters_are_tensors(spec: OptimizerSpec, capturable: bool) -> Callable[[Stepped], str | None]:
    """An inspection: every step counter is a 0-d tensor of the spec's step dtype (as of now),
    on the CPU unless ``capturable``."""
    dtype = spec.step_dtype()

    def inspect(stepped: Stepped) -> str | None:
        for i, param in enumerate(stepped.params):
            state = stepped.optimizer.state.get(param) or {}
            if spec.step_key in state:
                problem = _counter_problem(state[spec.step_key], param, capturable, dtype)
                if problem is not None:
                    return f"param {i}: state[{spec.step_key!r}] {problem}"
        return None

    return inspect


def _capturable_variants(subject: Subject) -> list[Mapping[str, Any]]:
    # capturable=True needs an accelerator: torch rejects it for CPU params.
    if subject.device.type == "cpu" or "capturable" not in subject.spec.capabilities:
        return [{}]
    return [{}, {"capturable": True}]


def _step_counter(subject: Subject) -> None:
    spec = subject.spec
    if spec.step_key is None:
        raise CheckSkipped(f"{spec.name} keeps no step counter")
    params = [example_param((2, 3), seed=1), example_param((3,), seed=2)]
    for flags in _capturable_variants(subject):
        case = example_case(params, steps=3, constructor=flags, none_grads={2: [1]})
        capturable = bool(flags.get("capturable"))
        expect_trajectory(subject, case, inspect=counters_are_tensors(spec, capturable))


def _layout_problem(
    spec: OptimizerSpec, param: Tensor, state: Mapping[str, Any], group: Mapping[str, Any]
) -> str | None:
    expected_keys = spec.state_keys_for({**spec.defaults, **group})
    if set(state) != expected_keys:
        return f"state keys are {sorted(state)}, expected exactly {sorted(expected_keys)}"
    for key in (k for k in spec.buffers if k in expected_keys):
        buffer = state[key]
        if not isinstance(buffer, Tensor):
            return f"state[{key!r}] is a {type(buffer).__name__}, expected a tensor"
        expected_stride = expected_state_stride(param)
        described = (buffer.dtype, buffer.device, tuple(buffer.shape))
        wanted = (param.dtype, param.device, tuple(param.shape))
        if described != wanted or not same_layout(param.shape, buffer.stride(), expected_stride):
            return (
                f"state[{key!r}] is {buffer.dtype} on {buffer.device}, shape "
                f"{tuple(buffer.shape)}, strides {buffer.stride()}; expected the param's "
                f"{param.dtype} on {param.device}, shape {tuple(param.shape)}, strides "
                f"{expected_stride} (torch.zeros_like(param, memory_format=torch.preserve_format))"
            )
    return None


def state_is_laid_out(
    spec: OptimizerSpec, capturable: bool, where_exposed: bool = False
) -> Callable[[Stepped], str | None]:
    """An inspection: each param's state, where it exists, has exactly the spec's keys, buffers laid out
    like the param, counters as :func:`counters_are_tensors` says. With ``where_exposed``, an
    optimizer without torch's ``state`` passes (for checks about something else)."""
    counters = counters_are_tensors(spec, capturable)

    def inspect(stepped: Stepped) -> str | None:
        if where_exposed and exposed_state(stepped.optimizer) is None:
            return None
        for i, param in enumerate(stepped.params):
            state = stepped.optimizer.state.get(param)
            if not state:  # never stepped: the oracle comparison says whether it should have been
                continue
            group = next(
                g for g in stepped.optimizer.param_groups if any(p is param for p in g["params"])
            )
            problem = _layout_problem(spec, param, state, group)
            if problem is not None:
                return f"param {i} (shape {tuple(param.shape)}, {param.dtype}): {problem}"
        return counters(stepped) if spec.step_key is not None else None

    return inspect


def _state_layout(subject: Subject) -> None:
    def laid_out(layout: str, dtype: torch.dtype, seed: int) -> Any:
        shape, stride = LAYOUTS[layout]
        return dataclasses.replace(example_param(shape, dtype, seed), stride=stride)

    params = [
        laid_out("matrix", torch.float32, 1),
        laid_out("transposed", torch.float32, 2),
        laid_out("channels_last", torch.float32, 3),
        laid_out("0-d", torch.float64, 4),
        laid_out("vector", torch.bfloat16, 5),
        laid_out("vector", torch.complex64, 6),
    ]
    for flags in _capturable_variants(subject):
        # The last param is first stepped at step 2: state created at construction is laid out too.
        case = example_case(params, steps=2, constructor=flags, none_grads={1: [len(params) - 1]})
        inspect = state_is_laid_out(subject.spec, bool(flags.get("capturable")))
        expect_trajectory(subject, case, inspect=inspect)


def checks(spec: OptimizerSpec) -> list[Check]:
    step = spec.step_key
    return [
        Check(
            "step_counter",
            f"state[{step!r}] counts the steps each param was stepped (grad not None); it is a "
            "0-d tensor on the CPU, float32 (float64 under torch.set_default_dtype("
            "torch.float64)); capturable=True keeps a float32 one on the param's device",
            _step_counter,
        ),
        Check(
            "state_layout",
            "each param's state, "
            + ("from construction on" if spec.state_at_construction else "once it is stepped")
            + f", has exactly the keys {sorted(spec.state_keys)}; buffers have the param's "
            "dtype, device, shape and memory format",
            _state_layout,
        ),
    ]
