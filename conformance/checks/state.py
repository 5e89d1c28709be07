"""The per-param state: its keys, the step counter, and the buffers' dtype, device and layout."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor

from hypothesis import strategies as st

from .check import Check
from ..case import Case
from ..examples import example_case, example_param
from ..expectations import expect_trajectory
from ..failures import CheckSkipped, MissingAPI, relying_on
from ..layout import expected_state_stride, same_layout
from ..properties import run_property
from ..replay import Stepped
from ..spec import OptimizerSpec
from ..strategies import LAYOUTS, single_group_case
from ..subject import Subject
from ..surface import exposed_state

__all__ = ["checks", "counters_are_tensors", "state_is_laid_out", "state_kept"]


def _counter_problem(counter: Any, param: Tensor, capturable: bool, dtype: torch.dtype) -> str | None:
    if not isinstance(counter, Tensor):
        return f"is a {type(counter).__name__}, expected a tensor"
    device = param.device if capturable else torch.device("cpu")
    dtype = torch.float32 if capturable else dtype
    if counter.dim() != 0 or counter.dtype != dtype or counter.device != device:
        return (
            f"is a {counter.dim()}-d {counter.dtype} tensor on {counter.device}, expected a "
            f"0-d {dtype} tensor on {device}"
            + (" (capturable=True and fused=True keep it on the param's device)" if capturable else "")
        )
    return None


def _fused(stepped: Stepped, param: Tensor) -> bool:
    """Whether the param's group steps on the fused path, whose counters torch keeps as
    capturable ones are: float32, on the param's device."""
    group = _group_holding(stepped, param)
    return bool(group is not None and group.get("fused"))


def counters_are_tensors(
    spec: OptimizerSpec, capturable: bool, case: Case | None = None
) -> Callable[[Stepped], str | None]:
    """An inspection: every step counter is a 0-d tensor of the spec's step dtype (as of now),
    on the CPU unless ``capturable``; with ``case``, every param that has had a grad has one,
    counting the steps it had a grad."""
    dtype = spec.step_dtype()

    def inspect(stepped: Stepped) -> str | None:
        state = _exposed(stepped)
        for i, param in enumerate(stepped.params):
            counted = None if case is None else sum(
                grads[i] is not None for grads in case.grads[: stepped.step]
            )
            param_state = state.get(param) or {}
            if spec.step_key not in param_state:
                if counted:
                    return (
                        f"param {i} has been stepped {counted} times, yet its state has no "
                        f"{spec.step_key!r} (keys: {sorted(param_state, key=str)}): each param "
                        "counts its own steps"
                    )
                continue
            counter = param_state[spec.step_key]
            problem = _counter_problem(counter, param, capturable or _fused(stepped, param), dtype)
            if problem is not None:
                return f"param {i}: state[{spec.step_key!r}] {problem}"
            if counted is not None and float(counter) != counted:
                return (
                    f"param {i}: state[{spec.step_key!r}] is {float(counter)!r} after step "
                    f"{stepped.step}, expected {float(counted)!r} (the steps it had a grad)"
                )
        return None

    return inspect


def _exposed(stepped: Stepped) -> Mapping[Any, Any]:
    state = exposed_state(stepped.optimizer)
    if state is None:
        raise MissingAPI(
            "the optimizer has no torch-style `state` (a mapping from each param to its state), "
            "which this rule is about"
        )
    return state


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
        inspect = counters_are_tensors(spec, bool(flags.get("capturable")), case)
        expect_trajectory(subject, case, inspect=inspect, compare=False)


def _keys_problem(spec: OptimizerSpec, state: Mapping[str, Any], group: Mapping[str, Any]) -> str | None:
    # The step counter's key is step_counter's to judge.
    expected_keys = spec.state_keys_for({**spec.defaults, **group}) - {spec.step_key}
    keys = set(state) - {spec.step_key}
    if keys != expected_keys:
        return (
            f"state keys are {sorted(keys, key=str)} (besides any step counter), expected "
            f"exactly {sorted(expected_keys)}"
        )
    return None


def _buffers_problem(spec: OptimizerSpec, param: Tensor, state: Mapping[str, Any]) -> str | None:
    for key in (k for k in spec.buffers if k in state):
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


def _layout_problem(
    spec: OptimizerSpec, param: Tensor, state: Mapping[str, Any], group: Mapping[str, Any]
) -> str | None:
    return _keys_problem(spec, state, group) or _buffers_problem(spec, param, state)


def state_is_laid_out(spec: OptimizerSpec, case: Case) -> Callable[[Stepped], str | None]:
    """An inspection: each param's state, once it has had a grad (from construction on, where
    the spec says so), has exactly the spec's buffers (besides the step counter), laid out like
    the param."""

    def inspect(stepped: Stepped) -> str | None:
        state = _exposed(stepped)
        for i, param in enumerate(stepped.params):
            param_state = state.get(param)
            had_grad = any(grads[i] is not None for grads in case.grads[: stepped.step])
            group = _group_of(stepped, param)
            if not param_state:
                expects_state = spec.state_keys_for({**spec.defaults, **group})
                if expects_state and (had_grad or spec.state_at_construction):
                    return f"param {i} has been stepped, yet the optimizer holds no state for it"
                continue
            problem = _layout_problem(spec, param, param_state, group)
            if problem is not None:
                return f"param {i} (shape {tuple(param.shape)}, {param.dtype}): {problem}"
        return None

    return inspect


def state_kept(spec: OptimizerSpec, case: Case) -> Callable[[Stepped], str | None]:
    """An inspection for checks about keeping state across a hand-over: every buffer laid out
    like its param and every step counter a tensor as :func:`counters_are_tensors` says. Where
    the buffers' names or the counter are not torch's, the check is not judged: state_layout
    and step_counter report that."""
    counters = counters_are_tensors(spec, capturable=False)

    def inspect(stepped: Stepped) -> str | None:
        state = exposed_state(stepped.optimizer)
        if state is None:
            raise relying_on("state_layout", "the optimizer has no torch-style `state` to inspect")
        for i, param in enumerate(stepped.params):
            param_state = state.get(param)
            if not param_state:
                continue
            keys = _keys_problem(spec, param_state, _group_of(stepped, param))
            if keys is not None:
                raise relying_on("state_layout", f"param {i}: {keys}")
            if spec.step_key is not None and spec.step_key not in param_state:
                raise relying_on("step_counter", f"param {i}'s state has no {spec.step_key!r}")
            problem = _buffers_problem(spec, param, param_state)
            if problem is not None:
                return f"param {i} (shape {tuple(param.shape)}, {param.dtype}): {problem}"
        problem = counters(stepped) if spec.step_key is not None else None
        if problem is not None:
            raise relying_on("step_counter", problem, "counter_dtype_after_load")
        return None

    return inspect


def _group_holding(stepped: Stepped, param: Tensor) -> Mapping[str, Any] | None:
    """The param group (a dict) holding ``param``, or None."""
    for group in stepped.optimizer.param_groups:
        if isinstance(group, Mapping) and any(p is param for p in group.get("params", ())):
            return group
    return None


def _group_of(stepped: Stepped, param: Tensor) -> Mapping[str, Any]:
    group = _group_holding(stepped, param)
    if group is not None:
        return group
    raise relying_on(
        "group_options",
        "param_groups holds no dict with this param under 'params', so the state's expected "
        "keys (which depend on the group's options) cannot be told",
    )


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
        expect_trajectory(subject, case, inspect=state_is_laid_out(subject.spec, case), compare=False)


def _state_values(subject: Subject) -> None:
    spec = subject.spec
    if not spec.buffers:
        raise CheckSkipped(f"{spec.name} keeps no buffers")

    def follows_the_oracle(data: st.DataObject) -> None:
        # No None grads: what a param without a grad keeps is none_grad_skipped's rule.
        case = single_group_case(data, subject.all_options_spec, none_grads=False)
        expect_trajectory(subject, case, inspect=_buffers_named(spec, case), judge_state=True)

    run_property(subject, follows_the_oracle)


def _buffers_named(spec: OptimizerSpec, case: Case) -> Callable[[Stepped], str | None]:
    """Not an inspection of a rule of its own: for their values to be compared, each param's
    state must hold the spec's buffers under their names, as tensors of the param's shape,
    which state_layout judges (keys of the implementation's own beside them do not matter)."""

    def inspect(stepped: Stepped) -> str | None:
        state = _exposed(stepped)
        for i, param in enumerate(stepped.params):
            param_state = state.get(param)
            group = _group_of(stepped, param)
            expected = spec.state_keys_for({**spec.defaults, **group}) & set(spec.buffers)
            had_grad = any(grads[i] is not None for grads in case.grads[: stepped.step])
            if not param_state:
                if expected and (had_grad or spec.state_at_construction):
                    raise relying_on("state_layout", f"param {i} has been stepped, yet holds no state")
                continue
            unfit = sorted(
                key for key in expected
                if not isinstance(param_state.get(key), Tensor) or param_state[key].shape != param.shape
            )  # fmt: skip
            if unfit:
                raise relying_on(
                    "state_layout",
                    f"param {i}: the buffers {unfit} cannot be found by name as tensors of the "
                    f"param's shape (state keys: {sorted(param_state, key=str)})",
                )
        return None

    return inspect


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
            "state_values",
            "each buffer holds the documented value after every step ("
            + ", ".join(spec.buffers)
            + "), under every option the implementation takes; a param whose grad is None "
            "keeps its state",
            _state_values,
        ),
        Check(
            "state_layout",
            "each param's state, "
            + ("from construction on" if spec.state_at_construction else "once it is stepped")
            + f", has exactly the buffers {sorted(spec.buffers)} (besides the step counter, "
            "which step_counter judges); buffers have the param's dtype, device, shape and "
            "memory format",
            _state_layout,
        ),
    ]
