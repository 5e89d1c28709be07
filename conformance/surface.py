"""Which parts of torch.optim.Optimizer's API an implementation has.

Not every conforming Adadelta is a ``torch.optim.Optimizer``: a functional library may have its
own base class, without ``state``, param groups or hooks. The math checks judge what any
implementation shows (its params' trajectory); a check about a part of the API the
implementation lacks fails with one line naming that part (:func:`missing_api`), and a check
that reads such a part for another rule relies on the check about it (:func:`groups_of`).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from .failures import relying_on

__all__ = [
    "exposed_state",
    "groups_in",
    "groups_of",
    "missing_api",
    "takes_param_groups",
]

_PACKAGE = Path(__file__).resolve().parent


def exposed_state(optimizer: Any) -> Mapping[Any, Any] | None:
    """``optimizer.state`` if it is torch's per-param state (a mapping keyed by params), else
    None."""
    state = getattr(optimizer, "state", None)
    return state if isinstance(state, Mapping) else None


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
    """Whether ``factory`` takes a list of param groups (dicts holding a ``"params"`` list):
    it builds over one, or refuses a plain list of params with the same type of exception (it
    objects to something else, its defaults say, which the checks about that report)."""
    try:
        factory([{"params": [torch.zeros(1, requires_grad=True)]}])
    except Exception as grouped:
        try:
            factory([torch.zeros(1, requires_grad=True)])
        except Exception as plain:
            return type(plain) is type(grouped)
        return False
    return True


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
