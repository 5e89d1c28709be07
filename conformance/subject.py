"""The subject of a run: the implementation under test, its spec, device and hypothesis settings."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import hypothesis
import torch
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from .execution_paths import ExecutionPaths, probe_paths
from .options import Options
from .spec import OptimizerSpec
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

    @functools.cached_property
    def options(self) -> Options:
        """The options the implementation takes, found by trying them."""
        return Options.probe(self.target.factory, self.spec, self.target.name, self.device)

    @functools.cached_property
    def paths(self) -> ExecutionPaths:
        """The execution paths the implementation offers (``foreach``, ``fused``, ...)."""
        return probe_paths(self.factory, self.spec, self.options, self.device)

    @property
    def factory(self) -> Callable[..., Any]:
        """The implementation's constructor as checks call it: ``lr`` always passed, options
        fitted (see :mod:`conformance.options`). Checks about the constructor itself call
        ``target.factory``."""
        return functools.partial(_fitted_call, self.target.factory, self.options)

    def build(self, params: Any, **options: Any) -> Any:
        """The implementation built over ``params`` with ``lr`` and the pinned options, plus
        ``options`` passed as they are (for a check about one the implementation may lack)."""
        return self.target.factory(params, **{**self.options.fitted({}, constructor=True), **options})

    def base_of(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``options`` narrowed to the base hyperparameters the implementation takes: for a
        check that compares with the reference itself, not with the oracle, and is about
        neither the other options nor their absence."""
        base = self.spec.base_hyperparameters
        return {
            key: value
            for key, value in self.options.taken_of(options).items()
            if base is None or key in base
        }

    def _space(self, drawn: Callable[[str], bool]) -> OptimizerSpec:
        spec, options = self.spec, self.options

        def space(dtype: torch.dtype) -> dict[str, SearchStrategy[Any]]:
            return {
                key: strategy if options.takes(key) and drawn(key) else st.just(spec.defaults[key])
                for key, strategy in spec.hyperparameter_space(dtype).items()
            }

        return dataclasses.replace(spec, hyperparameter_space=space)

    @functools.cached_property
    def drawing_spec(self) -> OptimizerSpec:
        """The spec that cases of a check about the base algorithm are drawn from: its base
        hyperparameters drawn, every other option at torch's default (a scenario's own
        overrides still apply), and options the implementation does not take at their
        default."""
        base = self.spec.base_hyperparameters
        return self._space(lambda key: base is None or key in base)

    @functools.cached_property
    def all_options_spec(self) -> OptimizerSpec:
        """The spec that cases of a check about hyperparameters in general (per-group
        options, changes between steps) are drawn from: every option the implementation
        takes drawn."""
        return self._space(lambda key: True)


def _fitted_call(factory: Callable[..., Any], options: Options, params: Any, *args: Any, **kwargs: Any) -> Any:
    positional = options.spec.positional
    if len(args) > len(positional):
        return factory(params, *args, **kwargs)
    named = dict(zip(positional, args))
    return factory(params, **options.fitted({**named, **kwargs}, constructor=True))
