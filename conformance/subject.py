"""The subject of a run: the implementation under test, its spec, device and hypothesis settings."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis
import torch

from .spec import OptimizerSpec
from .surface import fitted_spec
from .target import Target

__all__ = ["Subject"]


@dataclass(frozen=True)
class Subject:
    """What every check receives.

    Attributes:
        target: the implementation under test.
        spec: the documented semantics it is checked against.
        device: where params live.
        settings: hypothesis settings of property-based checks (no deadline).
        seed: hypothesis seed, or None when the settings derandomize.
    """

    target: Target
    spec: OptimizerSpec
    device: torch.device
    settings: hypothesis.settings
    seed: int | None

    @property
    def factory(self) -> Callable[..., Any]:
        return self.target.factory

    @functools.cached_property
    def drawing_spec(self) -> OptimizerSpec:
        """The spec that cases are drawn from: hyperparameters the implementation does not
        take stay at their default (see :func:`conformance.surface.fitted_spec`)."""
        return fitted_spec(self.spec, self.factory)
