"""The named checks, one per documented behaviour, one module per chapter.

Each chapter module exposes ``checks(spec)``; :func:`checks_for` collects them in report order.
"""

from __future__ import annotations

from .check import Check
from ..spec import OptimizerSpec
from . import (
    capabilities,
    contract,
    devices,
    hooks,
    math,
    param_groups,
    state,
    state_dict,
    validation,
)

__all__ = ["checks_for"]

_CHAPTERS = (
    math,
    param_groups,
    contract,
    state,
    state_dict,
    validation,
    capabilities,
    hooks,
    devices,
)


def checks_for(spec: OptimizerSpec) -> tuple[Check, ...]:
    """Every check of ``spec``, in report order."""
    return tuple(check for chapter in _CHAPTERS for check in chapter.checks(spec))
