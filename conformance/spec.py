"""The optimizer specification: everything the generic checks need to know about one algorithm.

A spec is data plus a pure float64 update rule. The checks in :mod:`conformance.checks` read only
this record, so a spec for another ``torch.optim``-style optimizer plugs into the same checks; see
:mod:`conformance.specs` for those this package ships.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from hypothesis.strategies import SearchStrategy
from torch import Tensor

__all__ = [
    "BufferInit",
    "InvalidArguments",
    "MathScenario",
    "OptimizerSpec",
    "UpdateRule",
    "torch_step_dtype",
]

# One step of the documented algorithm for one parameter, in float64 on real tensors:
# (param, grad, buffers, hyperparameters, step) -> (new param, new buffers), where step counts
# this param's steps, this one included (1 at its first). Pure: inputs are not mutated.
UpdateRule = Callable[
    [Tensor, Tensor, Mapping[str, Tensor], Mapping[str, Any], int],
    tuple[Tensor, dict[str, Tensor]],
]
# The initial buffers of a float64 param under its group's hyperparameters; the keys are the
# buffers that exist under those hyperparameters (e.g. SGD's momentum_buffer only if momentum).
BufferInit = Callable[[Tensor, Mapping[str, Any]], dict[str, Tensor]]


def torch_step_dtype() -> torch.dtype:
    """torch.optim's dtype for a new step counter: float64 while
    ``torch.set_default_dtype(torch.float64)`` is in effect, float32 otherwise."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


@dataclass(frozen=True)
class MathScenario:
    """A named region of the hyperparameter space whose trajectories must follow the oracle.

    Attributes:
        name: the check's name, e.g. ``"weight_decay"``.
        rule: the documented rule the scenario exercises, quoted in failures.
        hyperparameters: strategies overriding the spec's hyperparameter space.
        judges_state: whether the rule is observed in the state's buffers too, not only in
            the params (lr = 0: the params stay while the averages advance).
    """

    name: str
    rule: str
    hyperparameters: Mapping[str, SearchStrategy[Any]]
    judges_state: bool = False


@dataclass(frozen=True)
class InvalidArguments:
    """Constructor arguments the reference rejects; an implementation must reject them alike.

    ``build`` is called per use, so it may create tensors (a multi-element Tensor ``lr``).
    """

    description: str
    build: Callable[[], Mapping[str, Any]]

    @classmethod
    def of(cls, description: str, **arguments: Any) -> InvalidArguments:
        """Arguments that are plain values (Tensors are built per use: pass ``build``)."""
        return cls(description, lambda: arguments)


@dataclass(frozen=True)
class OptimizerSpec:
    """The documented semantics of one optimizer, as the checks consume them.

    Attributes:
        name: the algorithm's name, e.g. ``"Adadelta"``.
        reference: the reference implementation (``torch.optim.Adadelta``); it must pass every
            check, and it is the source of truth for error types and messages.
        algorithm: the documented algorithm, quoted by failing math checks.
        defaults: the constructor's hyperparameters and their documented default values.
        positional: hyperparameter names in the constructor's positional order after ``params``.
        hyperparameter_space: strategies for every hyperparameter in ``defaults``, for params of
            the given dtype (a spec may keep low-precision dtypes in a well-conditioned region).
        example_hyperparameters: a valid, non-default value for every hyperparameter.
        other_hyperparameters: another valid set, differing from the example in every key.
        invalid_arguments: constructor arguments the reference rejects.
        boundary_arguments: extreme but valid constructor arguments, which must be accepted.
        scenarios: the named math checks of this algorithm.
        buffers: names of every param-shaped state tensor the algorithm may keep.
        step_key: name of the per-param step counter in the state, or None if there is none.
        init_buffers: the buffers that exist under given hyperparameters, with their initial
            values for a float64 param.
        update: one step of the algorithm in float64 (the oracle).
        sparse_hyperparameters: where sparse COO grads are supported: strategies overriding
            the hyperparameter space in a region where a step with a sparse grad equals a step
            with its dense equivalent (``grad.to_dense()``); None: sparse grads are not
            supported, and they must raise as the reference does.
        sparse_invalid_arguments: constructor arguments under which the reference rejects
            sparse grads at the step although it supports them elsewhere (e.g. weight decay).
        tensor_lr: whether ``lr`` may be a 1-element Tensor.
        step_dtype: the dtype of a new step counter, at the time it is created (capturable
            and fused counters are float32 whatever it says).
        options_added_later: options that older checkpoints lack; loading one fills them in
            with their defaults.
        capabilities: which of torch's implementation flags the reference takes:
            ``"foreach"``, ``"capturable"``, ``"differentiable"``, ``"fused"``.
        options_fixed_after_first_step: hyperparameters that decide which buffers a param's
            state holds (RMSprop's momentum and centered): the reference reads the buffers
            they imply without creating missing ones, so they are not changed between steps.
        state_at_construction: whether the constructor creates the initial state (buffers and
            a zero step counter) of every param it is given, rather than the first step that
            param takes; params of groups added later get theirs at their first step.
        initial_state_from_constructor: whether the initial buffers follow the constructor's
            hyperparameters (``optimizer.defaults``) rather than the param's group's.
        base_hyperparameters: the hyperparameters of the base update rule (e.g. Adadelta's
            lr, rho, eps), drawn by every math check; the others switch on a feature
            (weight_decay, maximize, momentum, ...) and stay at their default except in the
            checks about them. None: every hyperparameter is a base one.
        tensor_hyperparameters: hyperparameters besides lr that the reference documents as
            taking Tensors (Adam's betas, each a 0-d Tensor), which tensor_hyperparameters
            checks.
    """

    name: str
    reference: Callable[..., torch.optim.Optimizer]
    algorithm: str
    defaults: Mapping[str, Any]
    positional: tuple[str, ...]
    hyperparameter_space: Callable[[torch.dtype], Mapping[str, SearchStrategy[Any]]]
    example_hyperparameters: Mapping[str, Any]
    other_hyperparameters: Mapping[str, Any]
    invalid_arguments: tuple[InvalidArguments, ...]
    boundary_arguments: tuple[Mapping[str, Any], ...]
    scenarios: tuple[MathScenario, ...]
    buffers: tuple[str, ...]
    step_key: str | None
    init_buffers: BufferInit
    update: UpdateRule
    sparse_hyperparameters: Mapping[str, SearchStrategy[Any]] | None = None
    sparse_invalid_arguments: tuple[InvalidArguments, ...] = ()
    tensor_lr: bool = True
    step_dtype: Callable[[], torch.dtype] = torch_step_dtype
    options_added_later: tuple[str, ...] = ()
    capabilities: frozenset[str] = frozenset()
    options_fixed_after_first_step: tuple[str, ...] = ()
    state_at_construction: bool = False
    initial_state_from_constructor: bool = False
    base_hyperparameters: tuple[str, ...] | None = None
    tensor_hyperparameters: tuple[str, ...] = ()

    @property
    def sparse_gradients(self) -> bool:
        """Whether sparse COO grads are supported (somewhere in the hyperparameter space)."""
        return self.sparse_hyperparameters is not None

    @property
    def state_keys(self) -> frozenset[str]:
        """Every key one param's state may have."""
        step = () if self.step_key is None else (self.step_key,)
        return frozenset((*step, *self.buffers))

    def state_keys_for(self, hyperparameters: Mapping[str, Any]) -> frozenset[str]:
        """The keys of a stepped param's state under ``hyperparameters`` (empty: no state)."""
        buffers = self.init_buffers(torch.zeros((), dtype=torch.float64), hyperparameters)
        step = () if self.step_key is None else (self.step_key,)
        return frozenset((*step, *buffers)) if buffers or step else frozenset()

    @property
    def every_buffer_hyperparameters(self) -> dict[str, Any]:
        """The example hyperparameters with each option that creates a buffer of its own
        (amsgrad, centered, momentum, ...) set as in ``other_hyperparameters``: an optimizer
        built with them holds every buffer the spec has, so a state dict it saves does too."""
        chosen = dict(self.example_hyperparameters)
        for key, value in self.other_hyperparameters.items():
            trial = {**chosen, key: value}
            if self.state_keys_for(trial) > self.state_keys_for(chosen):
                chosen = trial
        return chosen

    @property
    def reference_name(self) -> str:
        """How the reference is spelled in reports, e.g. ``torch.optim.Adadelta``."""
        module = self.reference.__module__
        # torch.optim classes live in private modules but are documented at the package level.
        public = "torch.optim" if module.startswith("torch.optim.") else module
        return f"{public}.{self.reference.__qualname__}"
