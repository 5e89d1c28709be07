"""The named checks, one per documented behaviour, one module per chapter.

Each chapter module exposes ``checks(spec)``; :func:`checks_for` collects them in report order,
and :func:`check_families` says which chapter each check comes from.
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

__all__ = ["check_families", "checks_for"]

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


def check_families(spec: OptimizerSpec) -> dict[str, str]:
    """The family of each check of ``spec``: the name of its chapter module (``"math"``,
    ``"state_dict"``, ...), by check name, in report order."""
    return {
        check.name: chapter.__name__.rpartition(".")[2]
        for chapter in _CHAPTERS
        for check in chapter.checks(spec)
    }
