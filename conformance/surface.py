"""Which parts of torch.optim.Optimizer's API an implementation has.

Not every conforming Adadelta is a ``torch.optim.Optimizer``: a functional library may have its
own base class, without ``state``, param groups or hooks. The math checks judge what any
implementation shows (its params' trajectory) and compare the state only where it is exposed
as torch exposes it; a check about a part of the API the implementation lacks fails with one
line naming that part (:func:`missing_api`).
"""

from __future__ import annotations

import dataclasses
import inspect
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from .failures import relying_on
from .spec import OptimizerSpec

__all__ = [
    "accepts",
    "exposed_state",
    "groups_in",
    "groups_of",
    "fitted_spec",
    "missing_api",
    "taken_options",
    "takes_param_groups",
]

_PACKAGE = Path(__file__).resolve().parent


def exposed_state(optimizer: Any) -> Mapping[Any, Any] | None:
    """``optimizer.state`` if it is torch's per-param state (a mapping keyed by params), else
    None."""
    state = getattr(optimizer, "state", None)
    return state if isinstance(state, Mapping) else None


def accepts(factory: Callable[..., Any], keyword: str) -> bool:
    """Whether ``factory`` takes ``keyword`` (True when its signature cannot tell)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        or (p.name == keyword and p.kind is not inspect.Parameter.POSITIONAL_ONLY)
        for p in parameters
    )


def taken_options(options: Mapping[str, Any], factory: Callable[..., Any]) -> dict[str, Any]:
    """The ``options`` that ``factory`` takes: for checks not about the others."""
    return {key: value for key, value in options.items() if accepts(factory, key)}


def groups_of(optimizer: Any) -> list[Mapping[str, Any]]:
    """``optimizer.param_groups`` as torch has them, a list of dicts.

    Raises:
        CheckFailure: they are not; the failure relies on group_options, which reports
            that.
    """
    groups = getattr(optimizer, "param_groups", None)
    if isinstance(groups, list) and all(isinstance(g, Mapping) for g in groups):
        return groups
    shape = type(groups).__name__ if not isinstance(groups, list) else "a list of " + ", ".join(
        sorted({type(g).__name__ for g in groups})
    )
    raise relying_on(
        "group_options", f"the optimizer's param_groups is {shape}, not torch's list of dicts"
    )


def groups_in(state_dict: Any) -> list[Mapping[str, Any]]:
    """``state_dict['param_groups']`` as torch has it, a list of dicts.

    Raises:
        CheckFailure: it is not; the failure relies on group_options.
    """
    groups = state_dict.get("param_groups") if isinstance(state_dict, Mapping) else None
    if isinstance(groups, list) and all(isinstance(g, Mapping) for g in groups):
        return groups
    raise relying_on(
        "group_options", "the state dict's param_groups is not torch's list of dicts"
    )


def takes_param_groups(factory: Callable[..., Any]) -> bool:
    """Whether ``factory`` takes a list of param groups (dicts holding a ``"params"`` list)."""
    try:
        factory([{"params": [torch.zeros(1, requires_grad=True)]}])
    except Exception:
        return False
    return True


def fitted_spec(spec: OptimizerSpec, factory: Callable[..., Any]) -> OptimizerSpec:
    """``spec`` drawing the hyperparameters ``factory`` does not take at their default only, so
    that only the checks about such an option (whose scenarios set it) see it missing."""
    missing = [key for key in spec.defaults if not accepts(factory, key)]
    if not missing:
        return spec

    def space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
        pinned = {key: st.just(spec.defaults[key]) for key in missing}
        return {**spec.hyperparameter_space(dtype), **pinned}

    return dataclasses.replace(spec, hyperparameter_space=space)


def missing_api(error: BaseException) -> str | None:
    """One line naming the attribute a check needed and the implementation lacks, if ``error``
    is the check (conformance's own code) failing to find it on an implementation's object."""
    if not isinstance(error, AttributeError) or error.name is None or error.obj is None:
        return None
    module = type(error.obj).__module__ or ""
    if module.split(".")[0] in ("torch", "conformance", "builtins"):
        return None
    frames = traceback.extract_tb(error.__traceback__)
    if not frames or not Path(frames[-1].filename).resolve().is_relative_to(_PACKAGE):
        return None
    return (
        f"the implementation has no {error.name!r}: {type(error.obj).__qualname__} lacks this "
        f"part of torch.optim.Optimizer's API, which this check is about"
    )
