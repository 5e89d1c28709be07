"""Run a :class:`Case` on an implementation, or on the spec's float64 oracle, step by step."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from .case import Case, FillLR, Grad, ParamCase, SparseGrad, TensorLR, logical_tensor
from .failures import CheckFailure, relying_on
from .spec import OptimizerSpec
from .surface import exposed_state, groups_of
from .target import Target

__all__ = [
    "Checkpoint",
    "Factory",
    "Relay",
    "Snapshot",
    "Stepped",
    "as_real64",
    "build_grad",
    "build_param",
    "deep_copy",
    "resuming",
    "snapshot",
    "snapshot_of",
    "stepping",
]

Factory = Callable[..., Optimizer]
StateDictTransfer = Callable[[dict[str, Any]], dict[str, Any]]


def deep_copy(state_dict: dict[str, Any]) -> dict[str, Any]:
    """A state dict sharing nothing with the optimizer, as if it had been saved and loaded."""
    return copy.deepcopy(state_dict)


@dataclass(frozen=True)
class Relay:
    """Hand the run over after ``after_step`` steps, as resuming from a checkpoint would.

    ``target`` builds a fresh optimizer as the case built the first one (with ``constructor``
    keywords instead, if given), over fresh params holding the current values. It loads the
    running optimizer's ``state_dict()`` passed through ``transfer`` and takes the remaining
    steps. ``transfer_code`` is the same hand-over as a statement, for snippets. With
    ``dtypes``, the fresh params have those dtypes instead (loading casts the state to them).
    """

    after_step: int
    target: Target
    transfer: StateDictTransfer = deep_copy
    transfer_code: str = "state_dict = copy.deepcopy(optimizer.state_dict())"
    constructor: Mapping[str, Any] | None = None
    dtypes: Sequence[torch.dtype] | None = None


@dataclass(frozen=True)
class Snapshot:
    """Values after a step, as float64 CPU tensors (complex viewed as real).

    ``buffers[i]`` is None when param ``i`` has no state; a buffer missing from the state is
    absent from its mapping. ``steps[i]`` is the step counter (None: no state or no counter).
    ``state_exposed`` is False when the optimizer has no torch-style ``state`` to read.
    """

    params: tuple[Tensor, ...]
    buffers: tuple[Mapping[str, Tensor] | None, ...]
    steps: tuple[float | None, ...]
    state_exposed: bool = True


@dataclass(frozen=True)
class Stepped:
    """The live objects right after 1-based ``step``."""

    step: int
    optimizer: Optimizer
    params: list[Tensor]
    grads: list[Tensor | None]


def as_real64(tensor: Tensor) -> Tensor:
    """A float64 CPU copy, complex tensors viewed as real (the view torch steps them in)."""
    tensor = tensor.detach().cpu()
    if tensor.is_complex():
        tensor = torch.view_as_real(tensor.resolve_conj())
    return tensor.to(torch.float64)


def build_param(param: ParamCase, device: torch.device, values: Any = None) -> Tensor:
    """A leaf tensor with the case's size, strides, dtype and values (or ``values`` instead),
    on the param's own device if it names one."""
    logical = logical_tensor(param.values if values is None else values, param.shape, param.dtype)
    where = device if param.device is None else torch.device(param.device)
    tensor = torch.empty_strided(param.shape, param.stride, dtype=param.dtype, device=where)
    return tensor.copy_(logical)


def build_grad(param: ParamCase, device: torch.device, grad: Grad) -> Tensor:
    """The grad a case spells for ``param``: dense like the param, or sparse COO."""
    if not isinstance(grad, SparseGrad):
        return build_param(param, device, grad)
    flat = torch.tensor(grad.indices, dtype=torch.long)
    coordinates = (
        torch.stack(torch.unravel_index(flat, param.shape))
        if param.shape
        else torch.zeros((0, len(grad.indices)), dtype=torch.long)
    )
    values = torch.tensor(grad.values, dtype=torch.float64).to(param.dtype)
    where = device if param.device is None else torch.device(param.device)
    sparse = torch.sparse_coo_tensor(
        coordinates, values, param.shape, device=where, check_invariants=True
    )
    return sparse.coalesce() if grad.coalesce else sparse


@dataclass(frozen=True)
class Checkpoint:
    """What resuming a run needs, as saved after step ``after_step``: the optimizer's state
    dict and the params' values."""

    after_step: int
    state_dict: dict[str, Any]
    params: tuple[Tensor, ...]


class BuildFailed(Exception):
    """The factory raised building a case's first optimizer (or, resuming a case, building it
    anew or loading the saved state dict raised); ``error`` is what it raised."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _option(value: Any, device: torch.device) -> Any:
    if isinstance(value, tuple):
        return tuple(_option(v, device) for v in value)
    if isinstance(value, TensorLR):
        where = device if value.on_params_device else torch.device("cpu")
        return torch.tensor(value.value, device=where).reshape(value.shape)
    return value


def _group(case: Case, index: int, params: list[Tensor], device: torch.device) -> dict[str, Any]:
    group = case.groups[index]
    options = {k: _option(v, device) for k, v in group.options.items()}
    return {"params": [params[i] for i in group.params], **options}


def _build(
    case: Case, factory: Factory, device: torch.device, constructor: Mapping[str, Any] | None = None
) -> tuple[Optimizer, list[Tensor]]:
    keywords = case.constructor if constructor is None else constructor
    # A differentiable step runs with grad enabled: on params that do not require grad (as in a
    # meta-learning loop), since an in-place update of a leaf that does raises.
    differentiable = bool(keywords.get("differentiable"))
    params = [build_param(p, device).requires_grad_(not differentiable) for p in case.params]
    given = len(case.groups) - case.added_groups
    groups = (
        params if case.plain_params else [_group(case, g, params, device) for g in range(given)]
    )
    optimizer = factory(groups, **{k: _option(v, device) for k, v in keywords.items()})
    for g in range(given, len(case.groups)):
        optimizer.add_param_group(_group(case, g, params, device))
    return optimizer, params


def _apply_changes(
    optimizer: Optimizer, changes: Mapping[int, Mapping[str, Any]], device: torch.device
) -> None:
    for group, options in changes.items():
        for key, value in options.items():
            if isinstance(value, FillLR):
                current = groups_of(optimizer)[group].get(key)
                if current is None:
                    raise relying_on(
                        "group_options",
                        f"param_groups[{group}] holds no {key!r}, so the Tensor it was given "
                        "cannot be filled in place",
                    )
                values = value.value if isinstance(value.value, tuple) else (value.value,)
                tensors = current if isinstance(current, tuple) else (current,)
                if not all(isinstance(t, Tensor) for t in tensors) or len(tensors) != len(values):
                    raise CheckFailure(
                        f"param_groups[{group}][{key!r}] is a {type(current).__name__}, not the "
                        f"Tensor {key} it was given, so filling that Tensor in place (as a "
                        "scheduler does) cannot reach it"
                    )
                for tensor, filled in zip(tensors, values, strict=True):
                    tensor.fill_(filled)
            else:
                groups_of(optimizer)[group][key] = _option(value, device)


def _set_grads(case: Case, step: int, params: list[Tensor]) -> list[Tensor | None]:
    grads = []
    for param_case, param, values in zip(case.params, params, case.grads[step - 1], strict=True):
        # A relay may have changed the param's dtype: the grad follows it.
        fitted = dataclasses.replace(param_case, dtype=param.dtype)
        param.grad = None if values is None else build_grad(fitted, param.device, values)
        grads.append(param.grad)
    return grads


def _relay(
    relay: Relay, case: Case, device: torch.device, optimizer: Optimizer, params: list[Tensor]
) -> tuple[Optimizer, list[Tensor]]:
    state_dict = relay.transfer(optimizer.state_dict())
    if relay.dtypes is not None:
        params_cases = (
            dataclasses.replace(p, dtype=d) for p, d in zip(case.params, relay.dtypes, strict=True)
        )
        case = dataclasses.replace(case, params=tuple(params_cases))
    return _loaded(case, relay.target.factory, device, relay.constructor, state_dict, params)


def _loaded(
    case: Case,
    factory: Factory,
    device: torch.device,
    constructor: Mapping[str, Any] | None,
    state_dict: dict[str, Any],
    values: Sequence[Tensor],
) -> tuple[Optimizer, list[Tensor]]:
    """A fresh optimizer over fresh params holding ``values``, loaded with ``state_dict``."""
    successor, fresh = _build(case, factory, device, constructor)
    with torch.no_grad():
        for fresh_param, value in zip(fresh, values, strict=True):
            fresh_param.copy_(value)
    successor.load_state_dict(state_dict)
    return successor, fresh


def _take_step(
    case: Case, step: int, optimizer: Optimizer, params: list[Tensor], device: torch.device
) -> Stepped:
    _apply_changes(optimizer, case.changes_before(step), device)
    grads = _set_grads(case, step, params)
    optimizer.step()
    return Stepped(step, optimizer, params, grads)


def stepping(
    case: Case, factory: Factory, device: torch.device, relay: Relay | None = None
) -> Iterator[Stepped]:
    """Build the case's optimizer and take its steps, yielding after each one.

    Raises ``BuildFailed`` (the factory's exception as its cause) where building the case's
    first optimizer raised.
    """
    try:
        optimizer, params = _build(case, factory, device)
    except Exception as error:
        raise BuildFailed(error) from error
    for step in range(1, case.steps + 1):
        if relay is not None and step == relay.after_step + 1:
            optimizer, params = _relay(relay, case, device, optimizer, params)
        yield _take_step(case, step, optimizer, params, device)


def resuming(
    case: Case,
    factory: Factory,
    device: torch.device,
    checkpoint: Checkpoint,
) -> Iterator[Stepped]:
    """Resume ``case`` from ``checkpoint``: build the case's optimizer anew over params holding
    the saved values, load the saved state dict, and take the steps after the checkpoint's,
    yielding after each one.

    Raises ``BuildFailed`` (its cause the implementation's exception) where building or
    loading raised.
    """
    try:
        optimizer, params = _loaded(
            case, factory, device, None, checkpoint.state_dict, checkpoint.params
        )
    except Exception as error:
        raise BuildFailed(error) from error
    for step in range(checkpoint.after_step + 1, case.steps + 1):
        yield _take_step(case, step, optimizer, params, device)


def snapshot(stepped: Stepped, spec: OptimizerSpec) -> Snapshot:
    """The param and state values an implementation holds after a step."""
    return snapshot_of(stepped, spec.buffers, spec.step_key)


def snapshot_of(stepped: Stepped, buffer_keys: Sequence[str], step_key: str | None) -> Snapshot:
    """:func:`snapshot` given the spec's buffer names and step key only."""
    buffers: list[Mapping[str, Tensor] | None] = []
    steps: list[float | None] = []
    params = tuple(as_real64(p) for p in stepped.params)
    exposed = exposed_state(stepped.optimizer)
    if exposed is None:
        unknown = (None,) * len(params)
        return Snapshot(params, unknown, unknown, state_exposed=False)
    for param in stepped.params:
        state = exposed.get(param)
        if not state:
            buffers.append(None)
            steps.append(None)
            continue
        buffers.append({k: as_real64(state[k]) for k in buffer_keys if k in state})
        counter = state.get(step_key) if step_key is not None else None
        steps.append(None if counter is None else float(counter))
    return Snapshot(params, tuple(buffers), tuple(steps))
