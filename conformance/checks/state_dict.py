"""state_dict and load_state_dict: round trips, serialization, checkpoints shared with the
reference, validation, restored hyperparameters."""

from __future__ import annotations

import contextlib
import copy
import gc
import io
import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import torch

from ..case import Case
from .check import Check
from ..examples import example_case, example_param
from ..failures import CheckFailure
from ..expectations import (
    expect,
    expect_param_groups,
    expect_same_error,
    expect_trajectory,
    fitted_case,
    raised,
    relied_on,
)
from ..failures import CheckSkipped, MissingAPI, relying_on
from ..fresh_process import (
    ResumeError,
    ResumeRequest,
    resume_in_fresh_process,
    resume_in_this_process,
)
from ..replay import BuildFailed, Relay, Snapshot, Stepped, build_param, deep_copy, snapshot, stepping
from ..snippet import render_case, render_script
from ..spec import OptimizerSpec
from ..subject import Subject
from ..surface import exposed_state, groups_in, groups_of
from ..target import Target, resolve
from .param_groups import options_are
from .state import counters_are_tensors, state_kept

__all__ = ["checks"]

# Two steps before the hand-over build up state; two after show it was carried over.
_HANDOVER_AFTER = 2


def _case(subject: Subject, constructor: Mapping[str, Any] | None = None) -> Case:
    """Two params stepped with ``constructor`` (default: the spec's example hyperparameters with
    every buffer of the spec created), less the options the implementation does not take: the
    checks about them judge those. The grads shrink after the hand-over, so that a buffer lost
    on the way (a running maximum restarted from zero) changes the steps after it."""
    params = [example_param((2, 3), seed=1), example_param((3,), seed=2)]
    constructor = subject.spec.every_buffer_hyperparameters if constructor is None else constructor
    return example_case(
        params,
        steps=2 * _HANDOVER_AFTER,
        constructor=subject.options.taken_of(constructor),
        smaller_after=_HANDOVER_AFTER,
    )


def _reference(spec: OptimizerSpec) -> Target:
    return resolve(spec.reference_name, qualified=True)


def _through_torch_save(state_dict: dict[str, Any]) -> dict[str, Any]:
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


_THROUGH_TORCH_SAVE = """\
buffer = io.BytesIO()
torch.save(optimizer.state_dict(), buffer)
buffer.seek(0)
state_dict = torch.load(buffer, weights_only=True)"""


def _roundtrip(subject: Subject) -> None:
    relay = Relay(_HANDOVER_AFTER, subject.target)
    expect_trajectory(subject, _case(subject), relay=relay)


def _serialization(subject: Subject) -> None:
    relay = Relay(_HANDOVER_AFTER, subject.target, _through_torch_save, _THROUGH_TORCH_SAVE)
    expect_trajectory(subject, _case(subject), relay=relay)


_THROUGH_A_FILE = """\
torch.save({"optimizer": optimizer.state_dict(), "params": [p.detach() for p in params]}, "checkpoint.pt")
del optimizer  # the check resumed from here in a new Python process
state_dict = torch.load("checkpoint.pt", weights_only=True)["optimizer"]"""
# Resumed and uninterrupted runs take the same arithmetic; a few units in the last place allow
# for kernels that reduce in another order in another process.
_RESUME_ULPS = 4


def _mid_run_resume(subject: Subject) -> None:
    spec = subject.spec
    case = fitted_case(_case(subject), subject)
    relay = Relay(_HANDOVER_AFTER, subject.target, transfer_code=_THROUGH_A_FILE)
    snippet = render_case(case, subject.target, str(subject.device), relay)
    used = relied_on(case, spec)
    with tempfile.TemporaryDirectory(prefix="conformance-resume-") as directory:
        checkpoint = Path(directory) / "checkpoint.pt"
        try:
            uninterrupted = _uninterrupted(subject, case, checkpoint)
        except Exception as error:
            cause = error.error if isinstance(error, BuildFailed) else error
            raise CheckFailure(
                f"stepping {case.steps} times and saving a checkpoint after step "
                f"{_HANDOVER_AFTER} (torch.save of state_dict() and the params), it {raised(cause)}",
                snippet,
                raised=type(cause).__name__,
                relies_on_if_raised=(*used, "state_dict_serialization"),
            ) from cause
        where = "a new Python process"
        request = ResumeRequest(
            case, str(subject.device), checkpoint, _HANDOVER_AFTER, spec.buffers, spec.step_key
        )
        try:
            if subject.target.importable:
                resumed = resume_in_fresh_process(subject.target.name, request)
            else:
                where = f"this process ({subject.target.name} cannot be imported by name)"
                gc.collect()
                resumed = resume_in_this_process(subject.target.factory, request)
        except ResumeError as error:
            raise CheckFailure(
                f"resuming from the checkpoint saved after step {_HANDOVER_AFTER} in {where}: "
                f"{error.problem}",
                snippet,
                raised=error.raised,
                relies_on_if_raised=(*used, "state_dict_roundtrip", "state_dict_serialization"),
            ) from error
    dtypes = [p.dtype for p in case.params]
    for step, (expected, actual) in enumerate(zip(uninterrupted, resumed, strict=True), _HANDOVER_AFTER + 1):
        problem = _resume_mismatch(expected, actual, dtypes, spec.step_key)
        expect(
            problem is None,
            f"resumed in {where} from a checkpoint saved after step {_HANDOVER_AFTER} (torch.save "
            "of state_dict() and the params to a file, torch.load(weights_only=True), a new "
            f"optimizer over params holding the saved values, load_state_dict), step {step} "
            f"left {problem}",
            snippet,
        )


def _uninterrupted(subject: Subject, case: Case, checkpoint: Path) -> list[Snapshot]:
    """The snapshots of the case's steps after the hand-over, run without one, the checkpoint
    saved on the way; the optimizer and its params are gone when this returns."""
    snapshots = []
    for stepped in stepping(case, subject.target.factory, subject.device):
        if stepped.step == _HANDOVER_AFTER:
            params = [p.detach() for p in stepped.params]
            torch.save({"optimizer": stepped.optimizer.state_dict(), "params": params}, checkpoint)
        elif stepped.step > _HANDOVER_AFTER:
            snapshots.append(snapshot(stepped, subject.spec))
    return snapshots


def _resume_mismatch(
    expected: Snapshot, actual: Snapshot, dtypes: list[torch.dtype], step_key: str | None
) -> str | None:
    """How the resumed run's values differ from the uninterrupted run's, or None."""
    for i, dtype in enumerate(dtypes):
        problem = _differs(f"param {i}", expected.params[i], actual.params[i], dtype)
        if problem is not None:
            return problem
        wanted, got = expected.buffers[i] or {}, actual.buffers[i] or {}
        for key, value in wanted.items():
            if key not in got:
                return (
                    f"no state[{key!r}] for param {i}, which the uninterrupted run holds: the "
                    "checkpoint did not carry it"
                )
            problem = _differs(f"param {i}'s state[{key!r}]", value, got[key], dtype)
            if problem is not None:
                return problem
        if expected.steps[i] != actual.steps[i]:
            return (
                f"param {i}'s state[{step_key!r}] at {actual.steps[i]!r}, the uninterrupted run's "
                f"at {expected.steps[i]!r}"
            )
    return None


def _differs(what: str, expected: torch.Tensor, actual: torch.Tensor, dtype: torch.dtype) -> str | None:
    if expected.shape != actual.shape:
        return f"{what} of shape {tuple(actual.shape)}, the uninterrupted run's of {tuple(expected.shape)}"
    eps = torch.finfo(dtype.to_real() if dtype.is_complex else dtype).eps
    scale = float(expected.abs().max()) if expected.numel() else 0.0
    tolerance = _RESUME_ULPS * eps * torch.maximum(expected.abs(), actual.abs()).clamp(min=1e-3 * scale)
    # Equal infinities and NaNs in both runs are the same values.
    same = (expected == actual) | (expected.isnan() & actual.isnan())
    if bool((same | ((expected - actual).abs() <= tolerance)).all()):
        return None
    worst = int((expected - actual).abs().nan_to_num(nan=float("inf")).flatten().argmax())
    return (
        f"{what} at {actual.tolist()}, the uninterrupted run at {expected.tolist()} (largest "
        f"difference {float((expected - actual).abs().flatten()[worst]):.3g}, at flat index "
        f"{worst}): a run resumed from a checkpoint continues exactly as the uninterrupted run"
    )


def _cross_load_from_reference(subject: Subject) -> None:
    relay = Relay(_HANDOVER_AFTER, subject.target)
    reference = _reference(subject.spec)
    expect_trajectory(subject, _case(subject), start=reference, relay=relay)


def _in_torch_format(state_dict: Any) -> dict[str, Any]:
    """The state dict, unchanged, if it has torch's format; else the failure says how not."""
    if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
        shape = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
        raise MissingAPI(
            f"state_dict() returned {shape}, not torch's format: a dict holding 'state' "
            "(param index -> its state) and 'param_groups'"
        )
    return deep_copy(state_dict)


def _cross_load_to_reference(subject: Subject) -> None:
    relay = Relay(_HANDOVER_AFTER, _reference(subject.spec), _in_torch_format)
    expect_trajectory(subject, _case(subject), relay=relay)


def _restores_hyperparameters(subject: Subject) -> None:
    spec = subject.spec
    # Options the implementation does not take are judged by the checks about them.
    other = subject.options.taken_of(spec.other_hyperparameters)
    relay = Relay(_HANDOVER_AFTER, subject.target, constructor=other)
    inspect = options_are(subject, {0: spec.every_buffer_hyperparameters})
    expect_trajectory(subject, _case(subject), relay=relay, inspect=inspect)


def _deep_case(spec: OptimizerSpec, subject: Subject) -> Case:
    """Three groups with options of their own, fp32, bf16 and fp64 params, one param never
    stepped and one first stepped at step 2 (so state is created out of param order)."""
    other = subject.options.taken_of(spec.other_hyperparameters)
    first, second = [key for key in spec.defaults if key in other][:2]
    params = [
        example_param((2, 3), torch.float32, seed=1),
        example_param((3,), torch.bfloat16, seed=2),
        example_param((4,), torch.float32, seed=3),
        example_param((), torch.float64, seed=4),
        example_param((3,), torch.float32, seed=5),
    ]
    return example_case(
        params,
        steps=2 * _HANDOVER_AFTER,
        constructor=subject.options.taken_of(spec.every_buffer_hyperparameters),
        smaller_after=_HANDOVER_AFTER,
        groups=[[0, 1], [2, 3], [4]],
        group_options=[{}, {first: other[first]}, {second: other[second]}],
        none_grads={1: [2, 3], 2: [2], 3: [2], 4: [2]},
    )


def _saved_state_by_position(stepped: Stepped) -> str | None:
    state = exposed_state(stepped.optimizer)
    if state is None:
        return None
    saved = stepped.optimizer.state_dict()["state"]
    with_state = [i for i, param in enumerate(stepped.params) if state.get(param)]
    if sorted(saved) != with_state:
        return (
            f"state_dict()['state'] has entries {sorted(saved)}, expected exactly one per "
            f"param that has state, keyed by its position across param_groups: {with_state}"
        )
    for i in with_state:
        for key, value in state[stepped.params[i]].items():
            kept = saved[i].get(key)
            same = torch.equal(kept, value) if isinstance(value, torch.Tensor) else kept == value
            if not same:
                return (
                    f"state_dict()['state'][{i}][{key!r}] is not param {i}'s state[{key!r}]: "
                    "entries are keyed by the param's position across param_groups"
                )
    return None


def _all_of(*inspections: Callable[[Stepped], str | None]) -> Callable[[Stepped], str | None]:
    def inspect(stepped: Stepped) -> str | None:
        return next((p for i in inspections if (p := i(stepped)) is not None), None)

    return inspect


def _state_dict_depth(subject: Subject) -> None:
    spec = subject.spec
    case = _deep_case(spec, subject)
    other = subject.options.taken_of(spec.other_hyperparameters)
    relay = Relay(
        _HANDOVER_AFTER, subject.target, _through_torch_save, _THROUGH_TORCH_SAVE, constructor=other
    )
    every_group = {
        g: {**spec.defaults, **case.constructor, **group.options}
        for g, group in enumerate(case.groups)
    }
    inspect = _all_of(
        state_kept(spec, case),
        _saved_state_by_position,
        options_are(subject, every_group),
    )
    expect_trajectory(subject, case, relay=relay, inspect=inspect)


def _state_dict_cross_dtype(subject: Subject) -> None:
    spec = subject.spec
    params = [
        example_param((2, 3), torch.bfloat16, seed=1),
        example_param((3,), torch.bfloat16, seed=2),
        example_param((), torch.float32, seed=3),
    ]
    constructor = subject.options.taken_of(spec.every_buffer_hyperparameters)
    case = example_case(
        params, steps=2 * _HANDOVER_AFTER, constructor=constructor, smaller_after=_HANDOVER_AFTER
    )
    # Towards more precision: every value is exact in the new dtype, so the oracle still holds.
    relay = Relay(
        _HANDOVER_AFTER,
        subject.target,
        _through_torch_save,
        _THROUGH_TORCH_SAVE,
        dtypes=(torch.float32, torch.float64, torch.float64),
    )
    expect_trajectory(subject, case, relay=relay, inspect=state_kept(spec, case))


def _counter_dtype_after_load(subject: Subject) -> None:
    spec = subject.spec
    if spec.step_key is None:
        raise CheckSkipped(f"{spec.name} keeps no step counter")
    constructor = subject.options.taken_of(spec.every_buffer_hyperparameters)
    situations = {
        "bf16 params": (torch.bfloat16, torch.get_default_dtype()),
        "fp32 params under torch.set_default_dtype(torch.float64)": (torch.float32, torch.float64),
    }
    for situation, (dtype, default) in situations.items():
        params = [example_param((2, 3), dtype, seed=1), example_param((3,), dtype, seed=2)]
        case = example_case(params, steps=2 * _HANDOVER_AFTER, constructor=constructor)
        relay = Relay(_HANDOVER_AFTER, subject.target, _through_torch_save, _THROUGH_TORCH_SAVE)
        setup = "" if default == torch.get_default_dtype() else f"torch.set_default_dtype({default})"
        with _default_dtype(default):
            inspect = _counters_kept(spec, case, situation)
            expect_trajectory(subject, case, relay=relay, inspect=inspect, compare=False, setup=setup)


@contextlib.contextmanager
def _default_dtype(dtype: torch.dtype) -> Iterator[None]:
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _counters_kept(spec: OptimizerSpec, case: Case, situation: str) -> Callable[[Stepped], str | None]:
    """The step counters' dtype and count (:func:`counters_are_tensors`), before the hand-over
    as step_counter judges them, after it as this check does."""
    counters = counters_are_tensors(spec, capturable=False, case=case)

    def inspect(stepped: Stepped) -> str | None:
        problem = counters(stepped)
        if problem is None:
            return None
        if stepped.step <= _HANDOVER_AFTER:
            raise relying_on("step_counter", f"with {situation}, before any state dict was loaded: {problem}")
        return (
            f"with {situation}, after loading a state dict saved after step {_HANDOVER_AFTER} "
            f"(through torch.save / torch.load): {problem}; loading keeps the counter's dtype, "
            "whatever the params' dtype"
        )

    return inspect


def _as_old_checkpoint(spec: OptimizerSpec) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def transfer(state_dict: dict[str, Any]) -> dict[str, Any]:
        old = deep_copy(state_dict)
        for state in old["state"].values():
            if spec.step_key in state:
                state[spec.step_key] = float(state[spec.step_key])
        for group in old["param_groups"]:
            for option in spec.options_added_later:
                group.pop(option, None)
        return old

    return transfer


def _old_checkpoints(subject: Subject) -> None:
    spec = subject.spec
    counters = (
        ""
        if spec.step_key is None
        else "for state in state_dict['state'].values():\n"
        f"    state[{spec.step_key!r}] = float(state[{spec.step_key!r}])\n"
    )
    relay = Relay(
        _HANDOVER_AFTER,
        subject.target,
        _as_old_checkpoint(spec),
        "state_dict = copy.deepcopy(optimizer.state_dict())\n"
        + counters
        + "for group in state_dict['param_groups']:\n"
        f"    for option in {list(spec.options_added_later)!r}:\n"
        "        group.pop(option, None)",
    )
    # A checkpoint older than an option was written with the behaviour the option's default has.
    older = {key: spec.defaults[key] for key in spec.options_added_later if key in spec.defaults}
    case = _case(subject, {**spec.every_buffer_hyperparameters, **older})
    inspect = state_kept(spec, case)
    expect_trajectory(subject, case, start=_reference(spec), relay=relay, inspect=inspect)


def _through_pickle(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value))


def _copies_continue(subject: Subject) -> None:
    spec = subject.spec
    constructor = subject.options.taken_of(spec.example_hyperparameters)
    case = example_case(
        [example_param((2, 3), seed=1), example_param((3,), seed=2)], steps=4, constructor=constructor
    )
    params = [build_param(p, subject.device).requires_grad_() for p in case.params]
    optimizer = subject.factory(params, **constructor)
    snippet = render_script(
        subject.target,
        str(subject.device),
        f"""
import copy, pickle
params = [torch.randn(2, 3, device=DEVICE, requires_grad=True), torch.randn(3, device=DEVICE, requires_grad=True)]
optimizer = Optimizer(params, **{constructor!r})
def step(optimizer, params):
    for p in params:
        p.grad = torch.ones_like(p)
    optimizer.step()
step(optimizer, params); step(optimizer, params)
copied, copied_params = copy.deepcopy((optimizer, params))
pickled, pickled_params = pickle.loads(pickle.dumps((optimizer, params)))
for run in ((optimizer, params), (copied, copied_params), (pickled, pickled_params)):
    step(*run); step(*run)
print(params, copied_params, pickled_params)  # expected: identical
""",
    )

    def step(stepped: Any, tensors: list[torch.Tensor], t: int) -> None:
        for param, param_case, values in zip(tensors, case.params, case.grads[t], strict=True):
            param.grad = build_param(param_case, subject.device, values)
        stepped.step()

    for t in range(2):
        step(optimizer, params, t)
    # Copying the optimizer and its params together keeps the copy's params those it steps.
    copies = {}
    for how, copier in {"copy.deepcopy": copy.deepcopy, "pickle.dumps / pickle.loads": _through_pickle}.items():
        try:
            copies[how] = copier((optimizer, params))
        except Exception as error:
            raise CheckFailure(f"{how} of a stepped optimizer {raised(error)}", snippet) from error
    for t in range(2, 4):
        step(optimizer, params, t)
        for how, (copied, copied_params) in copies.items():
            try:
                step(copied, copied_params, t)
            except Exception as error:
                raise CheckFailure(
                    f"{how} of an optimizer stepped twice, then step() of the copy {raised(error)}",
                    snippet,
                ) from error
    for how, (copied, copied_params) in copies.items():
        for i, (param, twin) in enumerate(zip(params, copied_params, strict=True)):
            expect(
                torch.equal(param.detach().cpu(), twin.detach().cpu()),
                f"an optimizer copied through {how} after 2 steps, then stepped twice more like "
                f"the original, left param {i} at {twin.detach()}; the original at "
                f"{param.detach()}: a copy continues identically",
                snippet,
            )


def _named_optimizer(factory: Callable[..., Any], device: torch.device, named: bool) -> Any:
    params = [
        torch.zeros(2, 3, device=device, requires_grad=True),
        torch.zeros(3, device=device, requires_grad=True),
    ]
    optimizer = factory(list(zip(_NAMES, params, strict=True)) if named else params)
    for param in params:
        param.grad = torch.ones_like(param)
    optimizer.step()
    return optimizer


_NAMES = ("layer.weight", "layer.bias")


def _named_parameters(subject: Subject) -> None:
    reference = _named_optimizer(subject.spec.reference, subject.device, named=True)
    if "param_names" not in reference.param_groups[0]:
        raise CheckSkipped(f"this {subject.spec.reference_name} keeps no param names (torch < 2.6)")
    names = list(_NAMES)
    snippet = render_script(
        subject.target,
        str(subject.device),
        f"""
def stepped(named):
    params = [torch.zeros(2, 3, device=DEVICE, requires_grad=True), torch.zeros(3, device=DEVICE, requires_grad=True)]
    optimizer = Optimizer(list(zip({names!r}, params)) if named else params)
    for param in params:
        param.grad = torch.ones_like(param)
    optimizer.step()
    return optimizer
print(stepped(True).state_dict()["param_groups"])  # expected: 'param_names': {names!r}
unnamed = stepped(False)
unnamed.load_state_dict(stepped(True).state_dict())
print(unnamed.param_groups[0].get("param_names"))  # expected: {names!r}
named = stepped(True)
named.load_state_dict(stepped(False).state_dict())
print(named.param_groups[0].get("param_names"))  # expected: {names!r}
""",
    )
    try:
        named = _named_optimizer(subject.factory, subject.device, named=True)
    except Exception as error:
        try:
            _named_optimizer(subject.factory, subject.device, named=False)
        except Exception as plain:
            if type(plain) is type(error):  # it refuses something else than the names
                raise CheckFailure(
                    f"built over named params or not, it {raised(error)}",
                    snippet,
                    raised=type(error).__name__,
                ) from error
        raise MissingAPI(
            f"{subject.target.name} does not take (name, param) pairs, which this rule is about "
            f"(building over them {raised(error)})"
        ) from error
    saved = groups_in(named.state_dict())[0].get("param_names")
    expect(
        saved == names,
        f"built over named params {names}, state_dict()['param_groups'][0]['param_names'] is "
        f"{saved!r}, expected {names}",
        snippet,
    )
    situations = {
        "a state dict with param names loaded into an optimizer without": (False, True),
        "a state dict without param names loaded into an optimizer with them": (True, False),
    }
    for situation, (loading_named, saved_named) in situations.items():
        loading = _named_optimizer(subject.factory, subject.device, named=loading_named)
        loading.load_state_dict(
            _named_optimizer(subject.factory, subject.device, named=saved_named).state_dict()
        )
        kept = groups_of(loading)[0].get("param_names")
        expect(
            kept == names,
            f"after {situation}, param_groups[0]['param_names'] is {kept!r}, expected {names} "
            "(loaded names are kept; without loaded names the optimizer's own stay)",
            snippet,
        )


def _load_into(
    factory: Callable[..., torch.optim.Optimizer], saved: list[int], loading: list[int], device: torch.device
) -> None:
    def groups(sizes: list[int]) -> list[dict[str, Any]]:
        return [
            {"params": [torch.zeros(2, device=device, requires_grad=True) for _ in range(size)]}
            for size in sizes
        ]

    source = factory(groups(saved))
    for group in groups_of(source):
        for param in group["params"]:
            param.grad = torch.ones_like(param)
    source.step()
    factory(groups(loading)).load_state_dict(source.state_dict())


def _load_state_dict_validation(subject: Subject) -> None:
    expect_param_groups(subject)
    situations = {
        "loading a state dict of 2 param groups into an optimizer with 1": ([2, 1], [3]),
        "loading a state dict whose groups hold 2 and 1 params into groups of 1 and 2": (
            [2, 1],
            [1, 2],
        ),
    }
    for situation, (saved, loading) in situations.items():
        snippet = render_script(
            subject.target,
            str(subject.device),
            f"""
def groups(sizes):
    return [{{"params": [torch.zeros(2, device=DEVICE, requires_grad=True) for _ in range(n)]}} for n in sizes]
source = Optimizer(groups({saved!r}))
for group in source.param_groups:
    for param in group["params"]:
        param.grad = torch.ones_like(param)
source.step()
Optimizer(groups({loading!r})).load_state_dict(source.state_dict())
""",
        )
        expect_same_error(
            lambda: _load_into(subject.spec.reference, saved, loading, subject.device),
            lambda: _load_into(subject.factory, saved, loading, subject.device),
            situation,
            snippet,
            may_add_detail=True,
        )


def checks(spec: OptimizerSpec) -> list[Check]:
    reference = spec.reference_name
    return [
        Check(
            "state_dict_roundtrip",
            "loading state_dict() into a fresh optimizer over the same params continues the "
            "same trajectory, the state keeping its layout",
            _roundtrip,
        ),
        Check(
            "state_dict_serialization",
            "state_dict() survives torch.save / torch.load(weights_only=True), and loading it "
            "continues the same trajectory",
            _serialization,
        ),
        Check(
            "mid_run_resume",
            "a run saved mid-way (torch.save of state_dict() and the params), then resumed in "
            "a new Python process (torch.load(weights_only=True), a new optimizer, "
            "load_state_dict) continues exactly as the uninterrupted run: params, buffers and "
            "step counters; nothing the resumed run needs lives outside the checkpoint",
            _mid_run_resume,
        ),
        Check(
            "cross_load_from_reference",
            f"a state_dict of {reference} loads into the implementation, which continues the "
            "trajectory",
            _cross_load_from_reference,
        ),
        Check(
            "cross_load_to_reference",
            f"the implementation's state_dict loads into {reference}, which continues the "
            "trajectory",
            _cross_load_to_reference,
        ),
        Check(
            "state_dict_depth",
            "through torch.save/torch.load, a state dict of several groups with options of "
            "their own, fp32/bf16/fp64 params and a never-stepped param restores every group's "
            "hyperparameters and continues the trajectory; state_dict()['state'] holds one "
            "entry per param with state, keyed by its position across param_groups; after "
            "loading, the state keeps its layout (step counter dtype and device, buffers in "
            "the param's dtype)",
            _state_dict_depth,
        ),
        Check(
            "state_dict_cross_dtype",
            "loading a state dict into params of another dtype casts the state to the param's "
            "dtype (the step counter excepted) and continues the trajectory",
            _state_dict_cross_dtype,
        ),
        Check(
            "counter_dtype_after_load",
            "a step counter loaded from a state dict keeps torch's dtype, not the param's: "
            "float32 for bf16 params, float64 under torch.set_default_dtype(torch.float64) "
            "(where torch creates float64 counters), and counts on from its saved value",
            _counter_dtype_after_load,
        ),
        Check(
            "old_checkpoints",
            f"a {reference} checkpoint of an older format (step counters as Python floats, "
            "options added later missing from the groups) loads; the missing options take "
            "their defaults, the step counters become tensors, and the trajectory continues",
            _old_checkpoints,
        ),
        Check(
            "copy_and_pickle",
            "a stepped optimizer copied with copy.deepcopy or through pickle (with its params) "
            "continues exactly as the original does",
            _copies_continue,
        ),
        Check(
            "named_parameters",
            "an optimizer built over (name, param) pairs keeps their names in param_groups and "
            "state_dict()['param_groups'] ('param_names', torch >= 2.6); loading a state dict "
            "with names into an optimizer without keeps the loaded names, and loading one "
            "without names keeps the optimizer's",
            _named_parameters,
        ),
        Check(
            "load_state_dict_validation",
            f"load_state_dict rejects a state dict whose param groups do not match (number of "
            f"groups, or params per group) with the exception {reference} raises (its message may add detail)",
            _load_state_dict_validation,
        ),
        Check(
            "load_state_dict_restores_hyperparameters",
            "load_state_dict restores every group's hyperparameters from the state dict, "
            "replacing those the optimizer was constructed with",
            _restores_hyperparameters,
        ),
    ]
