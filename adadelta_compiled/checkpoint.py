"""Validation of an optimizer ``state_dict`` before any of it is loaded.

``torch.optim.Optimizer.load_state_dict`` checks only the number and sizes of param groups; a
state dict with missing keys, state tensors of the wrong shape or type, or bad hyperparameters
loads, and fails (or silently misbehaves) steps later. :func:`check_loadable` finds all of
those up front, so that a failed load leaves the optimizer exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from torch import Tensor

__all__ = ["STATE_KEYS", "check_loadable"]

# What torch.optim.Adadelta keeps per param.
STATE_KEYS = frozenset({"step", "square_avg", "acc_delta"})


def check_loadable(
    state_dict: Any,
    param_groups: Sequence[Mapping[str, Any]],
    validate_hyperparameters: Callable[[Mapping[str, Any]], None],
) -> None:
    """Raise ``ValueError`` or ``TypeError`` naming the first thing that keeps ``state_dict``
    from loading into an optimizer with ``param_groups``.

    ``validate_hyperparameters`` is called with each merged group (saved values over current
    ones) and raises for invalid values.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
    missing = {"state", "param_groups"} - state_dict.keys()
    if missing:
        raise ValueError(f"state_dict is missing {sorted(missing)}; it has {sorted(state_dict)}")
    saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
    if not isinstance(saved_groups, Sequence) or not all(
        isinstance(group, Mapping) for group in saved_groups
    ):
        raise TypeError("state_dict['param_groups'] must be a list of dicts")
    if not isinstance(saved_state, Mapping):
        raise TypeError(
            f"state_dict['state'] must be a mapping, got {type(saved_state).__name__}"
        )
    if len(saved_groups) != len(param_groups):
        raise ValueError(
            "loaded state dict has a different number of parameter groups: "
            f"{len(saved_groups)} saved, {len(param_groups)} in the optimizer"
        )

    params_by_id: dict[Any, Tensor] = {}
    for index, (saved, current) in enumerate(zip(saved_groups, param_groups)):
        ids = saved.get("params")
        if not isinstance(ids, Sequence):
            raise ValueError(f"param group {index} of the state_dict has no 'params' list")
        if len(ids) != len(current["params"]):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                f"optimizer's group: group {index} has {len(ids)} params saved, "
                f"{len(current['params'])} in the optimizer"
            )
        try:
            validate_hyperparameters({**current, **saved})
        except (TypeError, ValueError) as error:
            raise type(error)(f"param group {index} of the state_dict: {error}") from error
        params_by_id.update(zip(ids, current["params"]))

    for param_id, param_state in saved_state.items():
        if param_id not in params_by_id:
            raise ValueError(
                f"state_dict['state'] has an entry for param {param_id!r}, which no param "
                f"group of the state_dict lists"
            )
        _check_param_state(param_id, param_state, params_by_id[param_id])


def _check_param_state(param_id: Any, param_state: Any, param: Tensor) -> None:
    where = f"state_dict['state'][{param_id!r}]"
    if not isinstance(param_state, Mapping):
        raise TypeError(f"{where} must be a dict, got {type(param_state).__name__}")
    if not param_state:
        return  # a param the optimizer has not stepped yet
    if param_state.keys() != STATE_KEYS:
        raise ValueError(
            f"{where} has keys {sorted(param_state)}; expected {sorted(STATE_KEYS)}"
        )
    step = param_state["step"]
    if isinstance(step, Tensor):
        if step.numel() != 1 or step.is_complex():
            raise ValueError(f"{where}['step'] must be a real scalar, got shape {list(step.shape)}")
    elif isinstance(step, bool) or not isinstance(step, (int, float)):
        raise TypeError(f"{where}['step'] must be a number or a tensor, got {type(step).__name__}")
    for key in ("square_avg", "acc_delta"):
        value = param_state[key]
        if not isinstance(value, Tensor):
            raise TypeError(f"{where}[{key!r}] must be a tensor, got {type(value).__name__}")
        if value.shape != param.shape:
            raise ValueError(
                f"{where}[{key!r}] has shape {list(value.shape)}; its param has shape "
                f"{list(param.shape)}"
            )
        if not (value.is_floating_point() or value.is_complex()):
            raise TypeError(f"{where}[{key!r}] has dtype {value.dtype}; expected a float dtype")
        if value.is_complex() != param.is_complex():
            raise TypeError(
                f"{where}[{key!r}] has dtype {value.dtype}; its param has dtype {param.dtype}"
            )
