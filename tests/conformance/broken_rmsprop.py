"""Deliberately broken RMSprops, one bug each, built on the oracle-backed test double.

Each subclass of ``BrokenRMSprop`` overrides one piece of :class:`OracleOptimizer` (the update,
the new state, the constructor) and names the check that must flag it, a fragment of that
check's failure message and a fragment of its rule
(tests/conformance/test_broken_variants.py runs them).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from oracle_optimizer import OneBug, OracleOptimizer, SavesWithoutBuffer
from torch import Tensor
from torch.optim.optimizer import ParamsT

from conformance.specs.rmsprop import (
    RMSPROP,
    direction,
    momentum_step,
    rmsprop_update,
    running_average,
    variance_estimate,
)

__all__ = ["BrokenRMSprop", "RMSpropOracle"]

Buffers = Mapping[str, Tensor]
Hyperparameters = Mapping[str, Any]
Update = tuple[Tensor, dict[str, Tensor]]


class RMSpropOracle(OracleOptimizer):
    """torch.optim.RMSprop's documented semantics, stepped with the spec's oracle."""

    spec = RMSPROP


class BrokenRMSprop(OneBug, RMSpropOracle):
    """Base of the broken variants; each direct subclass carries exactly one bug."""


# Update math ------------------------------------------------------------------------------


class AlphaSwapped(BrokenRMSprop):
    """Running averages weight the old average by 1 - α and the new value by α."""

    expected_failing_check = "update_math"
    expected_message = "value, element"
    expected_rule = "α weighs the old average"

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Buffers,
        hyperparameters: Hyperparameters,
        step: int,
    ) -> Update:
        return rmsprop_update(
            param, grad, buffers, {**hyperparameters, "alpha": 1 - hyperparameters["alpha"]}, step
        )


class EpsInsideSqrt(BrokenRMSprop):
    """Divides by sqrt(ṽ + ε), as TensorFlow does, instead of sqrt(ṽ) + ε."""

    expected_failing_check = "eps"
    expected_message = "(float64 oracle)"
    expected_rule = "ε is added after the square root"

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Buffers,
        hyperparameters: Hyperparameters,
        step: int,
    ) -> Update:
        g = direction(param, grad, hyperparameters)
        v_tilde, averages = variance_estimate(g, buffers, hyperparameters)
        new_param, momentum_buffer = momentum_step(
            param, g / torch.sqrt(v_tilde + hyperparameters["eps"]), buffers, hyperparameters
        )
        return new_param, {**averages, **momentum_buffer}


# Hyperparameter semantics -----------------------------------------------------------------


class WeightDecayBeforeMaximize(BrokenRMSprop):
    """Adds λθ before negating for maximize, so the decay term is negated too."""

    expected_failing_check = "maximize_with_weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "maximize negates the gradient before weight decay is added"

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Buffers,
        hyperparameters: Hyperparameters,
        step: int,
    ) -> Update:
        decayed = grad + hyperparameters["weight_decay"] * param
        return rmsprop_update(
            param, decayed, buffers, {**hyperparameters, "weight_decay": 0.0}, step
        )


class MomentumBufferHoldsLrScaledSteps(BrokenRMSprop):
    """Folds lr into the momentum buffer (b_t <- μ b_{t-1} + lr · g_t / (sqrt(ṽ_t) + ε),
    θ_t <- θ_{t-1} - b_t): the same params under a constant lr, another buffer."""

    expected_failing_check = "state_values"
    expected_message = "state['momentum_buffer']"
    expected_rule = "each buffer holds the documented value"

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Buffers,
        hyperparameters: Hyperparameters,
        step: int,
    ) -> Update:
        new_param, new_buffers = rmsprop_update(
            param, grad, buffers, {**hyperparameters, "momentum": 0.0}, step
        )
        if hyperparameters["momentum"] > 0:
            buffer = hyperparameters["momentum"] * buffers["momentum_buffer"] + (param - new_param)
            new_param, new_buffers["momentum_buffer"] = param - buffer, buffer
        return new_param, new_buffers


class CenteredWithoutMeanTerm(BrokenRMSprop):
    """Keeps grad_avg when centered but never subtracts (g^ave_t)² from v_t."""

    expected_failing_check = "centered"
    expected_message = "value, element"
    expected_rule = "ṽ_t <- v_t - (g^ave_t)²"

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Buffers,
        hyperparameters: Hyperparameters,
        step: int,
    ) -> Update:
        new_param, new_buffers = rmsprop_update(
            param, grad, buffers, {**hyperparameters, "centered": False}, step
        )
        if hyperparameters["centered"]:
            g = direction(param, grad, hyperparameters)
            new_buffers["grad_avg"] = running_average(
                buffers["grad_avg"], g, hyperparameters["alpha"]
            )
        return new_param, new_buffers


class WeightDecayIgnoredWhenCentered(BrokenRMSprop):
    """Centered, steps as if weight_decay were 0 (its centered path forgets λθ)."""

    expected_failing_check = "centered_with_weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "weight decay is added to g_t before both averages"

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Buffers,
        hyperparameters: Hyperparameters,
        step: int,
    ) -> Update:
        if hyperparameters["centered"]:
            hyperparameters = {**hyperparameters, "weight_decay": 0.0}
        return rmsprop_update(param, grad, buffers, hyperparameters, step)


# State ------------------------------------------------------------------------------------


class MomentumBufferWithoutMomentum(BrokenRMSprop):
    """Creates state['momentum_buffer'] (left at zero) although momentum is 0."""

    expected_failing_check = "state_layout"
    expected_message = "expected exactly ['square_avg']"
    expected_rule = "buffers have the param's dtype"

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        state = super().new_state(param, group)
        state.setdefault(
            "momentum_buffer", torch.zeros_like(param, memory_format=torch.preserve_format)
        )
        return state


class GradAvgWithoutCentered(BrokenRMSprop):
    """Creates state['grad_avg'] (left at zero) although centered is False."""

    expected_failing_check = "state_layout"
    expected_message = "expected exactly ['square_avg']"
    expected_rule = "has exactly the buffers"

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        state = super().new_state(param, group)
        state.setdefault("grad_avg", torch.zeros_like(param, memory_format=torch.preserve_format))
        return state


# Constructor ------------------------------------------------------------------------------


class DefaultAlphaTooLow(BrokenRMSprop):
    """Defaults alpha to 0.9 instead of the documented 0.99."""

    expected_failing_check = "constructor_defaults"
    expected_message = "param_groups[0]['alpha'] is 0.9, expected 0.99"
    expected_rule = "alpha=0.99"

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        alpha: float = 0.9,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(params, lr, alpha, *args, **kwargs)


class NegativeMomentumClamped(BrokenRMSprop):
    """Clamps a negative momentum to 0 instead of rejecting it."""

    expected_failing_check = "constructor_validation"
    expected_message = (
        "negative momentum {'momentum': -0.1}: expected ValueError('Invalid momentum value: "
        "-0.1'), nothing raised"
    )
    expected_rule = "negative momentum"

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        arguments = inspect.signature(torch.optim.RMSprop).bind(params, *args, **kwargs).arguments
        arguments["momentum"] = max(arguments.get("momentum", 0.0), 0.0)
        super().__init__(**arguments)


class FusedAccepted(BrokenRMSprop):
    """Takes fused=True and ignores it, although RMSprop has no fused implementation."""

    expected_failing_check = "fused_rejected"
    expected_message = "fused=True was accepted"
    expected_rule = "fused=True raises the exception type the reference raises"

    def __init__(
        self, params: ParamsT, *args: Any, fused: bool | None = None, **kwargs: Any
    ) -> None:
        super().__init__(params, *args, **kwargs)


class StateDictWithoutGradAvg(SavesWithoutBuffer, BrokenRMSprop):
    """Centered, saves no grad_avg: a loaded optimizer restarts the average of the grads from
    zero, so the centered variance estimate jumps."""

    dropped = "grad_avg"
    expected_failing_check = "state_dict_serialization"
    expected_message = "(float64 oracle)"
    expected_rule = "torch.save"


class StateKeysLearnedAtFirstStep(BrokenRMSprop):
    """Loads only the state keys it has seen a step create in this process (a filter meant
    to skip the keys of other versions' checkpoints): a job restarted from a checkpoint, in a
    process that has not stepped yet, starts every average afresh."""

    expected_failing_check = "mid_run_resume"
    expected_message = "resumed in a new Python process"
    expected_rule = "nothing the resumed run needs lives outside the checkpoint"

    known_keys: ClassVar[set[str]] = set()

    def _step_param(
        self, param: Tensor, grad: Tensor, group: Mapping[str, Any], hyperparameters: Mapping[str, Any]
    ) -> None:
        super()._step_param(param, grad, group, hyperparameters)
        type(self).known_keys.update(self.state[param])

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        known = type(self).known_keys
        states = {i: {k: v for k, v in s.items() if k in known} for i, s in state_dict["state"].items()}
        super().load_state_dict({**state_dict, "state": states})
