"""A correct eager Adadelta and deliberately broken variants of it, one bug each.

``ReferenceAdadelta`` is written from torch.optim.Adadelta's documented semantics and splits
its work into small methods. Each subclass of ``BrokenAdadelta`` overrides exactly one of
them (or one class attribute) and names, in ``expected_failing_check``, the conformance check
that must flag it. The conformance suite is trustworthy only if the reference passes every
check and each broken variant fails its named one
(tests/conformance/test_broken_implementations.py runs both).

The algorithm, with torch's symbols::

    input: γ (lr), θ_0 (params), f(θ) (objective), ρ (rho), λ (weight_decay)
    initialize: v_0 <- 0 (square_avg), u_0 <- 0 (acc_delta)
    for t = 1, 2, ...:
        g_t  <- ∇_θ f_t(θ_{t-1})              (negated if maximize)
        if λ != 0: g_t <- g_t + λ θ_{t-1}
        v_t  <- ρ v_{t-1} + (1 - ρ) g_t²
        Δx_t <- sqrt(u_{t-1} + ε) / sqrt(v_t + ε) · g_t
        u_t  <- ρ u_{t-1} + (1 - ρ) Δx_t²
        θ_t  <- θ_{t-1} - γ Δx_t

Complex params are stepped as real tensors of (real, imaginary) pairs.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import Tensor
from torch.optim.optimizer import (
    Optimizer,
    ParamsT,
    _global_optimizer_post_hooks,
    _global_optimizer_pre_hooks,
)

__all__ = ["BrokenAdadelta", "Hyperparameters", "ReferenceAdadelta"]

State = dict[str, Any]
Closure = Callable[[], Any]


@dataclasses.dataclass(frozen=True)
class Hyperparameters:
    """The options of one param group that the update reads, as of the current step."""

    lr: float | Tensor
    rho: float
    eps: float
    weight_decay: float
    maximize: bool


class ReferenceAdadelta(Optimizer):
    """Adadelta with torch.optim.Adadelta's constructor, state, errors and semantics.

    ``foreach`` is accepted and stored but has no effect: every tensor is stepped on its own.
    ``capturable`` keeps ``state["step"]`` on the param's device; ``differentiable`` lets
    autograd see the step.
    """

    # Hyperparameter -> (its name in the error message, lowest valid value, highest valid
    # value), in the order torch.optim.Adadelta checks them.
    _VALID_RANGES: ClassVar[dict[str, tuple[str, float, float]]] = {
        "lr": ("learning rate", 0.0, math.inf),
        "rho": ("rho value", 0.0, 1.0),
        "eps": ("epsilon value", 0.0, math.inf),
        "weight_decay": ("weight_decay value", 0.0, math.inf),
    }
    # Options that checkpoints written by older torch versions may lack.
    _FLAG_DEFAULTS: ClassVar[dict[str, Any]] = {
        "foreach": None,
        "maximize": False,
        "differentiable": False,
        "capturable": False,
    }

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        self._validate(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "capturable": capturable,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    @classmethod
    def _validate(cls, **values: Any) -> None:
        """Raise torch.optim.Adadelta's ValueError, with its message, for an invalid value."""
        lr = values["lr"]
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for name, (label, lowest, highest) in cls._VALID_RANGES.items():
            if not lowest <= values[name] <= highest:
                raise ValueError(f"Invalid {label}: {values[name]}")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for option, default in self._FLAG_DEFAULTS.items():
                group.setdefault(option, default)
            for param in group["params"]:
                param_state = self.state.get(param)
                if param_state and not torch.is_tensor(param_state["step"]):
                    step = float(param_state["step"])
                    param_state["step"] = self._new_step(param, group).add_(step)

    def step(self, closure: Closure | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (None without one)."""
        loss = self._evaluate(closure)
        with torch.set_grad_enabled(self.defaults["differentiable"]):
            for group in self.param_groups:
                hyperparameters = self._hyperparameters(group)
                for param, grad, state in self._tensors_to_step(group):
                    state["step"] += 1
                    direction = self._direction(param, grad, hyperparameters)
                    square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                    self._update(
                        *self._real_views(param, direction, square_avg, acc_delta),
                        hyperparameters,
                    )
        return loss

    def _evaluate(self, closure: Closure | None) -> Any:
        """Call the closure once, with grad enabled even if the caller disabled it."""
        if closure is None:
            return None
        with torch.enable_grad():
            return closure()

    def _hyperparameters(self, group: dict[str, Any]) -> Hyperparameters:
        return Hyperparameters(
            lr=group["lr"],
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )

    def _tensors_to_step(self, group: dict[str, Any]) -> list[tuple[Tensor, Tensor, State]]:
        """The params of ``group`` that have a grad, each with its grad and its state.

        Every grad is checked before any state is created, so a rejected grad leaves the
        group untouched.
        """
        with_grads = [(p, grad) for p in group["params"] if (grad := self._grad(p)) is not None]
        return [(p, grad, self._state(p, group)) for p, grad in with_grads]

    def _grad(self, param: Tensor) -> Tensor | None:
        """The grad to step ``param`` with; None skips the param (no state is created)."""
        if param.grad is not None and param.grad.is_sparse:
            raise RuntimeError("Adadelta does not support sparse gradients")
        return param.grad

    def _state(self, param: Tensor, group: dict[str, Any]) -> State:
        state = self.state[param]
        if not state:
            state.update(self._new_state(param, group))
        return state

    def _new_state(self, param: Tensor, group: dict[str, Any]) -> State:
        return {
            "step": self._new_step(param, group),
            "square_avg": self._zeros_like(param),
            "acc_delta": self._zeros_like(param),
        }

    def _new_step(self, param: Tensor, group: dict[str, Any]) -> Any:
        # A CPU step costs no device sync to read; capturable (CUDA graph) steps must live on
        # the param's device, in float32. Others follow the default dtype if it is float64.
        if group["capturable"]:
            return torch.zeros((), dtype=torch.float32, device=param.device)
        wide = torch.get_default_dtype() == torch.float64
        return torch.zeros((), dtype=torch.float64 if wide else torch.float32)

    def _zeros_like(self, param: Tensor) -> Tensor:
        """A zero running average: the param's dtype, device, shape and memory format."""
        return torch.zeros_like(param, memory_format=torch.preserve_format)

    def _direction(self, param: Tensor, grad: Tensor, hp: Hyperparameters) -> Tensor:
        """g_t: the grad, negated if maximizing, plus λθ. Never writes to ``grad``."""
        if hp.maximize:
            grad = -grad
        if hp.weight_decay != 0:
            grad = grad.add(param, alpha=hp.weight_decay)
        return grad

    def _real_views(self, *tensors: Tensor) -> list[Tensor]:
        """Complex tensors as real views of (real, imaginary) pairs; real ones unchanged."""
        return [torch.view_as_real(t) if t.is_complex() else t for t in tensors]

    def _update(
        self,
        param: Tensor,
        grad: Tensor,
        square_avg: Tensor,
        acc_delta: Tensor,
        hp: Hyperparameters,
    ) -> None:
        self._running_average(square_avg, grad, hp.rho)
        delta = self._delta(grad, square_avg, acc_delta, hp.eps)
        self._running_average(acc_delta, delta, hp.rho)
        self._apply(param, delta, hp.lr)

    def _running_average(self, average: Tensor, value: Tensor, rho: float) -> None:
        """average <- ρ average + (1 - ρ) value², in place."""
        average.mul_(rho).addcmul_(value, value, value=1 - rho)

    def _delta(self, grad: Tensor, square_avg: Tensor, acc_delta: Tensor, eps: float) -> Tensor:
        """Δx = RMS(acc_delta) / RMS(square_avg) · g, out of place so that autograd can
        differentiate through it (differentiable=True)."""
        return self._rms(acc_delta, eps) / self._rms(square_avg, eps) * grad

    def _rms(self, average: Tensor, eps: float) -> Tensor:
        return average.add(eps).sqrt()

    def _apply(self, param: Tensor, delta: Tensor, lr: float | Tensor) -> None:
        """θ <- θ - γ Δx, in place."""
        param.add_(delta, alpha=-float(lr))


class BrokenAdadelta(ReferenceAdadelta):
    """Base of the broken variants; each direct subclass carries exactly one bug."""

    # The conformance check that must fail for this implementation, and a fragment of the
    # failure message that names the rule it breaks.
    expected_failing_check: ClassVar[str]
    expected_message: ClassVar[str]


# Update math ------------------------------------------------------------------------------


class EpsOutsideSqrt(BrokenAdadelta):
    """RMS computed as sqrt(average) + ε instead of sqrt(average + ε)."""

    expected_failing_check = "update_math"
    expected_message = '(float64 oracle)'

    def _rms(self, average: Tensor, eps: float) -> Tensor:
        return average.sqrt().add_(eps)


class NumeratorUsesNewAccDelta(BrokenAdadelta):
    """Updates u first and applies a Δx whose numerator uses u_t instead of u_{t-1}."""

    expected_failing_check = "update_math"
    expected_message = '(float64 oracle)'

    def _update(
        self,
        param: Tensor,
        grad: Tensor,
        square_avg: Tensor,
        acc_delta: Tensor,
        hp: Hyperparameters,
    ) -> None:
        self._running_average(square_avg, grad, hp.rho)
        self._running_average(acc_delta, self._delta(grad, square_avg, acc_delta, hp.eps), hp.rho)
        self._apply(param, self._delta(grad, square_avg, acc_delta, hp.eps), hp.lr)


class RhoSwapped(BrokenAdadelta):
    """Running averages weight the old average by 1 - ρ and the new value by ρ."""

    expected_failing_check = "update_math"
    expected_message = '(float64 oracle)'

    def _running_average(self, average: Tensor, value: Tensor, rho: float) -> None:
        average.mul_(1 - rho).addcmul_(value, value, value=rho)


class LrAddedNotSubtracted(BrokenAdadelta):
    """θ <- θ + γ Δx: the update climbs the gradient."""

    expected_failing_check = "update_math"
    expected_message = '(float64 oracle)'

    def _apply(self, param: Tensor, delta: Tensor, lr: float | Tensor) -> None:
        param.add_(delta, alpha=float(lr))


# Hyperparameter semantics -----------------------------------------------------------------


class WeightDecayIgnored(BrokenAdadelta):
    """weight_decay is stored but never added to the gradient."""

    expected_failing_check = "weight_decay"
    expected_message = '(float64 oracle)'

    def _direction(self, param: Tensor, grad: Tensor, hp: Hyperparameters) -> Tensor:
        return super()._direction(param, grad, dataclasses.replace(hp, weight_decay=0))


class MaximizeIgnored(BrokenAdadelta):
    """maximize is stored but the gradient is never negated: it always minimizes."""

    expected_failing_check = "maximize"
    expected_message = '(float64 oracle)'

    def _direction(self, param: Tensor, grad: Tensor, hp: Hyperparameters) -> Tensor:
        return super()._direction(param, grad, dataclasses.replace(hp, maximize=False))


class WeightDecayBeforeMaximize(BrokenAdadelta):
    """Adds λθ before negating for maximize, so the decay term is negated too."""

    expected_failing_check = "maximize_with_weight_decay"
    expected_message = '(float64 oracle)'

    def _direction(self, param: Tensor, grad: Tensor, hp: Hyperparameters) -> Tensor:
        if hp.weight_decay != 0:
            grad = grad.add(param, alpha=hp.weight_decay)
        return -grad if hp.maximize else grad


class RhoOneRejected(BrokenAdadelta):
    """Validates 0 <= rho < 1, so the documented bound rho=1 raises."""

    expected_failing_check = "rho_bounds"
    expected_message = 'raised ValueError: Invalid rho value: 1.0'
    _VALID_RANGES = {
        **ReferenceAdadelta._VALID_RANGES,
        "rho": ("rho value", 0.0, math.nextafter(1.0, 0.0)),
    }


class LrZeroSkipsStep(BrokenAdadelta):
    """Skips groups with lr=0 as a shortcut, so their state is neither created nor advanced."""

    expected_failing_check = "lr_zero"
    expected_message = 'it was stepped, yet the optimizer holds no state for it'

    def _tensors_to_step(self, group: dict[str, Any]) -> list[tuple[Tensor, Tensor, State]]:
        return [] if group["lr"] == 0 else super()._tensors_to_step(group)


class TensorLrFrozenAtConstruction(BrokenAdadelta):
    """Turns a Tensor lr into a float at construction: param_groups hold a float, and later
    in-place changes to the lr tensor (how a scheduler updates a Tensor lr) are ignored."""

    expected_failing_check = "tensor_lr"
    expected_message = "['lr'] is a float, not the Tensor lr it was given"

    def __init__(self, params: ParamsT, lr: float | Tensor = 1.0, **options: Any) -> None:
        super().__init__(params, lr.item() if isinstance(lr, Tensor) else lr, **options)


class ConstructorHyperparametersForAllGroups(BrokenAdadelta):
    """Steps every group with the constructor's hyperparameters, ignoring per-group values."""

    expected_failing_check = "per_group_hyperparameters"
    expected_message = '(float64 oracle)'

    def _hyperparameters(self, group: dict[str, Any]) -> Hyperparameters:
        return super()._hyperparameters(self.defaults)


class HyperparametersFrozenAtFirstStep(BrokenAdadelta):
    """Caches each group's hyperparameters at its first step; later changes are ignored."""

    expected_failing_check = "hyperparameter_changes"
    expected_message = '(float64 oracle)'

    @functools.cached_property
    def _first_seen(self) -> dict[int, Hyperparameters]:
        return {}

    def _hyperparameters(self, group: dict[str, Any]) -> Hyperparameters:
        return self._first_seen.setdefault(id(group), super()._hyperparameters(group))


# Dtypes, complex, memory layouts ----------------------------------------------------------


class Float64StateInFloat32(BrokenAdadelta):
    """Keeps float32 state for float64 params."""

    expected_failing_check = "dtypes"
    expected_message = "is torch.float64 but its state['square_avg'] is torch.float32"

    def _zeros_like(self, param: Tensor) -> Tensor:
        zeros = super()._zeros_like(param)
        return zeros.float() if param.dtype == torch.float64 else zeros


class LowPrecisionStateInFloat32(BrokenAdadelta):
    """Keeps float32 state for bfloat16 and float16 params."""

    expected_failing_check = "dtypes"
    expected_message = "is torch.bfloat16 but its state['square_avg'] is torch.float32"

    def _zeros_like(self, param: Tensor) -> Tensor:
        zeros = super()._zeros_like(param)
        return zeros.float() if param.dtype in (torch.bfloat16, torch.float16) else zeros


class ComplexArithmetic(BrokenAdadelta):
    """Steps complex params in complex arithmetic (g² is a complex square, the RMS a complex
    root) instead of as (real, imaginary) pairs."""

    expected_failing_check = "complex_params"
    expected_message = '(float64 oracle)'

    def _real_views(self, *tensors: Tensor) -> list[Tensor]:
        return list(tensors)


class StateIgnoresMemoryFormat(BrokenAdadelta):
    """Allocates state contiguous, so a channels_last param gets contiguous state."""

    expected_failing_check = "memory_layouts"
    expected_message = '(those of torch.zeros_like(param, memory_format=torch.preserve_format))'

    def _zeros_like(self, param: Tensor) -> Tensor:
        return torch.zeros_like(param, memory_format=torch.contiguous_format)


class NonContiguousUpdateLost(BrokenAdadelta):
    """Applies the update to ``param.contiguous()``, a copy of any non-contiguous param
    (strided, transposed, channels_last), so such a param never changes."""

    expected_failing_check = "memory_layouts"
    expected_message = '(float64 oracle)'

    def _apply(self, param: Tensor, delta: Tensor, lr: float | Tensor) -> None:
        super()._apply(param.contiguous(), delta, lr)


# Size-dependent paths ---------------------------------------------------------------------

# Elements per chunk of the chunked kernels below, and the size from which a two-path
# implementation takes its "large tensor" path.
CHUNK = 256
LARGE = 2**16


class ChunkedNumeratorWrongPastFirstChunk(BrokenAdadelta):
    """A chunked kernel whose chunks after the first take Δx's numerator from u_t instead of
    u_{t-1} once u is nonzero (from step 2): right on small tensors, wrong on larger ones."""

    expected_failing_check = "tensor_sizes"
    expected_message = "after step 5, param 2 (shape (1025,), torch.float32)"

    def _update(
        self,
        param: Tensor,
        grad: Tensor,
        square_avg: Tensor,
        acc_delta: Tensor,
        hp: Hyperparameters,
    ) -> None:
        if param.numel() <= CHUNK or not param.is_contiguous() or not acc_delta.any():
            super()._update(param, grad, square_avg, acc_delta, hp)
            return
        flat = [t.view(-1) for t in (param, grad, square_avg, acc_delta)]
        super()._update(*(t[:CHUNK] for t in flat), hp)
        NumeratorUsesNewAccDelta._update(self, *(t[CHUNK:] for t in flat), hp)


class TailChunkDropped(BrokenAdadelta):
    """A chunked kernel that writes back only whole chunks: a param larger than one chunk keeps
    the elements of its ragged last chunk unchanged (its state still advances)."""

    expected_failing_check = "tensor_sizes"
    expected_message = "after step 5, param 2 (shape (1025,), torch.float32)"

    def _apply(self, param: Tensor, delta: Tensor, lr: float | Tensor) -> None:
        whole = param.numel() - param.numel() % CHUNK
        if param.numel() <= CHUNK or not param.is_contiguous():
            super()._apply(param, delta, lr)
            return
        super()._apply(param.view(-1)[:whole], delta.reshape(-1)[:whole], lr)


class LargeTensorPathIgnoresMaximize(BrokenAdadelta):
    """Takes another path for tensors of 2^16 elements or more, which never negates the
    gradient: maximize works on small params only."""

    expected_failing_check = "tensor_sizes"
    expected_message = "after step 5, param 3 (shape (262147,), torch.float32)"

    def _direction(self, param: Tensor, grad: Tensor, hp: Hyperparameters) -> Tensor:
        if param.numel() >= LARGE:
            hp = dataclasses.replace(hp, maximize=False)
        return super()._direction(param, grad, hp)


class LargeTensorPathIgnoresWeightDecay(BrokenAdadelta):
    """Takes another path for tensors of 2^16 elements or more, which never adds λθ: weight
    decay works on small params only."""

    expected_failing_check = "tensor_sizes"
    expected_message = "after step 5, param 3 (shape (262147,), torch.float32)"

    def _direction(self, param: Tensor, grad: Tensor, hp: Hyperparameters) -> Tensor:
        if param.numel() >= LARGE:
            hp = dataclasses.replace(hp, weight_decay=0)
        return super()._direction(param, grad, hp)


# Step semantics ---------------------------------------------------------------------------


class ClosureCalledTwice(BrokenAdadelta):
    """Evaluates the closure twice per step."""

    expected_failing_check = "closure"
    expected_message = 'called the closure 2 times, expected once'

    def _evaluate(self, closure: Closure | None) -> Any:
        super()._evaluate(closure)
        return super()._evaluate(closure)


class ClosureWithoutGrad(BrokenAdadelta):
    """Calls the closure in the caller's grad mode, so under no_grad it cannot backward."""

    expected_failing_check = "closure"
    expected_message = 'ran the closure with grad disabled'

    def _evaluate(self, closure: Closure | None) -> Any:
        return None if closure is None else closure()


class LossNotReturned(BrokenAdadelta):
    """Evaluates the closure but drops its loss: step returns None."""

    expected_failing_check = "closure"
    expected_message = "returned None, expected the closure's loss"

    def _evaluate(self, closure: Closure | None) -> Any:
        super()._evaluate(closure)
        return None


class NoneGradSteppedAsZero(BrokenAdadelta):
    """Steps params whose grad is None as if their grad were zero (state is created)."""

    expected_failing_check = "none_grad_skipped"
    expected_message = 'its grad has been None at every step, yet the optimizer created state for it'

    def _grad(self, param: Tensor) -> Tensor | None:
        grad = super()._grad(param)
        return torch.zeros_like(param) if grad is None else grad


class ZeroGradSkipped(BrokenAdadelta):
    """Skips params whose grad is all zeros, so their state is neither created nor advanced."""

    expected_failing_check = "zero_grad_stepped"
    expected_message = 'it was stepped, yet the optimizer holds no state for it'

    def _grad(self, param: Tensor) -> Tensor | None:
        grad = super()._grad(param)
        return None if grad is not None and not grad.any() else grad


class GradModifiedInPlace(BrokenAdadelta):
    """Negates for maximize and adds weight decay in place, writing into ``p.grad``."""

    expected_failing_check = "grads_not_modified"
    expected_message = "'s .grad in place"

    def _direction(self, param: Tensor, grad: Tensor, hp: Hyperparameters) -> Tensor:
        if hp.maximize:
            grad.neg_()
        if hp.weight_decay != 0:
            grad.add_(param, alpha=hp.weight_decay)
        return grad


class SparseGradDensified(BrokenAdadelta):
    """Densifies sparse grads instead of raising torch's error."""

    expected_failing_check = "sparse_grad_error"
    expected_message = "expected RuntimeError('Adadelta does not support sparse gradients'), nothing was raised"

    def _grad(self, param: Tensor) -> Tensor | None:
        if param.grad is not None and param.grad.is_sparse:
            return param.grad.to_dense()
        return super()._grad(param)


class StepBypassesHooks(BrokenAdadelta):
    """Runs no step hooks: Optimizer wraps ``step`` with the hook runner unless the function
    is marked ``hooked``, and this one carries the mark without the wrapper (as when a
    decorator copies attributes from an already wrapped step)."""

    expected_failing_check = "step_hooks"
    expected_message = "step() called hooks [], expected ['pre hook 1', 'pre hook 2', 'post hook']"

    def step(self, closure: Closure | None = None) -> Any:
        return inspect.unwrap(ReferenceAdadelta.step)(self, closure)

    step.hooked = True  # type: ignore[attr-defined]


class GradsReadBeforePreHooks(BrokenAdadelta):
    """Takes its copy of the grads before running the step pre hooks, so what a hook does to
    the grads (clipping, rescaling) never reaches the step."""

    expected_failing_check = "step_hooks_act"
    expected_message = "a step pre hook halved the grads and set lr, yet the step did not follow"

    def step(self, closure: Closure | None = None) -> Any:
        params = [p for group in self.param_groups for p in group["params"]]
        grads = [(p, p.grad.clone()) for p in params if p.grad is not None]
        for hook in self._optimizer_step_pre_hooks.values():
            hook(self, (self,), {"closure": closure})
        for param, grad in grads:
            param.grad = grad
        return inspect.unwrap(ReferenceAdadelta.step)(self, closure)

    step.hooked = True  # type: ignore[attr-defined]


class PreHookResultIgnored(BrokenAdadelta):
    """Runs the step pre hooks itself but ignores the (args, kwargs) they return."""

    expected_failing_check = "step_hooks_act"
    expected_message = "yet step() called it 0 times and returned None"

    def step(self, closure: Closure | None = None) -> Any:
        for hook in self._optimizer_step_pre_hooks.values():
            hook(self, (self,), {"closure": closure})
        loss = inspect.unwrap(ReferenceAdadelta.step)(self, closure)
        for hook in self._optimizer_step_post_hooks.values():
            hook(self, (self,), {"closure": closure})
        return loss

    step.hooked = True  # type: ignore[attr-defined]


class GlobalHooksAfterOwn(BrokenAdadelta):
    """Runs its own step pre hooks before the global ones, and the global post hooks before
    its own."""

    expected_failing_check = "step_hooks_act"
    expected_message = (
        "step() called hooks ['pre hook', 'global pre hook', 'global post hook', 'post hook']"
    )

    def step(self, closure: Closure | None = None) -> Any:
        arguments: tuple[tuple[Any, ...], dict[str, Any]] = ((self,), {"closure": closure})
        pre = (*self._optimizer_step_pre_hooks.values(), *_global_optimizer_pre_hooks.values())
        for hook in pre:
            arguments = hook(self, *arguments) or arguments
        loss = inspect.unwrap(ReferenceAdadelta.step)(*arguments[0], **arguments[1])
        post = (*_global_optimizer_post_hooks.values(), *self._optimizer_step_post_hooks.values())
        for hook in post:
            hook(self, *arguments)
        return loss

    step.hooked = True  # type: ignore[attr-defined]


class LoadPreHookResultIgnored(BrokenAdadelta):
    """Runs the load_state_dict pre hooks but loads the dict it was given, not the one a hook
    returned."""

    expected_failing_check = "state_dict_hooks_act"
    expected_message = "the returned dict is the one loaded"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        hooks = dict(self._optimizer_load_state_dict_pre_hooks)
        for hook in hooks.values():
            hook(self, state_dict)
        self._optimizer_load_state_dict_pre_hooks.clear()
        try:
            super().load_state_dict(state_dict)
        finally:
            self._optimizer_load_state_dict_pre_hooks.update(hooks)


class PrependIgnored(BrokenAdadelta):
    """Accepts prepend=True when registering state dict pre hooks but appends the hook."""

    expected_failing_check = "state_dict_hooks_act"
    expected_message = "(prepend=True puts a hook first)"

    def register_state_dict_pre_hook(self, hook: Any, prepend: bool = False) -> Any:
        return super().register_state_dict_pre_hook(hook)

    def register_load_state_dict_pre_hook(self, hook: Any, prepend: bool = False) -> Any:
        return super().register_load_state_dict_pre_hook(hook)


# State layout -----------------------------------------------------------------------------


class StepCounterIsInt(BrokenAdadelta):
    """Counts steps in a Python int instead of a 0-d float32 tensor."""

    expected_failing_check = "step_counter"
    expected_message = "state['step'] is a int, expected a tensor"

    def _new_step(self, param: Tensor, group: dict[str, Any]) -> Any:
        return 0


class StepCounterStartsAtOne(BrokenAdadelta):
    """Initialises the step counter to 1, so after t steps it reads t + 1."""

    expected_failing_check = "step_counter"
    expected_message = "state['step'] is 2.0 after step 1, expected 1.0"

    def _new_step(self, param: Tensor, group: dict[str, Any]) -> Any:
        return super()._new_step(param, group).add_(1)


class StepCounterSharedAcrossParams(BrokenAdadelta):
    """Gives every param the same step tensor, which advances once per param per step."""

    expected_failing_check = "step_counter"
    expected_message = "state['step'] is 2.0 after step 1, expected 1.0"

    @functools.cached_property
    def _shared_step(self) -> Tensor:
        return torch.zeros((), dtype=torch.float32)

    def _new_step(self, param: Tensor, group: dict[str, Any]) -> Any:
        return self._shared_step


class ExtraStateKey(BrokenAdadelta):
    """Reserves a ``delta`` scratch buffer in each param's state besides torch's three keys."""

    expected_failing_check = "state_layout"
    expected_message = "expected exactly ['acc_delta', 'square_avg']"

    def _new_state(self, param: Tensor, group: dict[str, Any]) -> State:
        return {**super()._new_state(param, group), "delta": self._zeros_like(param)}


# state_dict and load_state_dict -----------------------------------------------------------


class StateDictDropsStep(BrokenAdadelta):
    """Leaves ``step`` out of the saved per-param state."""

    expected_failing_check = "state_dict_roundtrip"
    expected_message = "raised KeyError: 'step'"

    def state_dict(self) -> dict[str, Any]:
        saved = super().state_dict()
        without_step = {
            index: {key: value for key, value in state.items() if key != "step"}
            for index, state in saved["state"].items()
        }
        return {**saved, "state": without_step}


class GroupHoldsCustomObject(BrokenAdadelta):
    """Caches each group's Hyperparameters record in the group itself, so ``state_dict``
    holds an object that ``torch.load(weights_only=True)`` refuses."""

    expected_failing_check = "state_dict_serialization"
    expected_message = 'raised UnpicklingError: Weights only load failed'

    def _hyperparameters(self, group: dict[str, Any]) -> Hyperparameters:
        group["hyperparameters"] = super()._hyperparameters(group)
        return group["hyperparameters"]


class RejectsUnversionedStateDict(BrokenAdadelta):
    """Tags its state dicts with a format version and refuses any without it, including
    torch.optim.Adadelta's."""

    expected_failing_check = "cross_load_from_reference"
    expected_message = 'raised ValueError: not a ReferenceAdadelta state dict of format 1'

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "format": 1}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if state_dict.get("format") != 1:
            raise ValueError("not a ReferenceAdadelta state dict of format 1")
        super().load_state_dict(state_dict)


class StateDictRenamesKeys(BrokenAdadelta):
    """Saves square_avg and acc_delta under the paper's names v and u, and maps them back on
    load: it reloads its own checkpoints, but torch.optim.Adadelta cannot step from them."""

    expected_failing_check = "cross_load_to_reference"
    expected_message = "raised KeyError: 'square_avg'"

    _SAVED_NAMES: ClassVar[dict[str, str]] = {"square_avg": "v", "acc_delta": "u"}

    @staticmethod
    def _renamed(state_dict: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
        state = {
            index: {names.get(key, key): value for key, value in param_state.items()}
            for index, param_state in state_dict["state"].items()
        }
        return {**state_dict, "state": state}

    def state_dict(self) -> dict[str, Any]:
        return self._renamed(super().state_dict(), self._SAVED_NAMES)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        loaded_names = {saved: name for name, saved in self._SAVED_NAMES.items()}
        super().load_state_dict(self._renamed(state_dict, loaded_names))


class StateDictDropsParamNames(BrokenAdadelta):
    """Leaves the param names out of the saved groups, so a checkpoint forgets them."""

    expected_failing_check = "named_parameters"
    expected_message = "state_dict()['param_groups'][0]['param_names'] is None"

    def state_dict(self) -> dict[str, Any]:
        saved = super().state_dict()
        groups = [
            {key: value for key, value in group.items() if key != "param_names"}
            for group in saved["param_groups"]
        ]
        return {**saved, "param_groups": groups}


class LoadStateDictSwallowsMismatch(BrokenAdadelta):
    """Turns load_state_dict's errors for mismatched groups into a warning and loads
    nothing."""

    expected_failing_check = "load_state_dict_validation"
    expected_message = "expected ValueError('loaded state dict has a different number of parameter groups'), nothing was raised"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        try:
            super().load_state_dict(state_dict)
        except ValueError as error:
            warnings.warn(f"state dict not loaded: {error}", stacklevel=2)


class LoadStateDictKeepsCurrentHyperparameters(BrokenAdadelta):
    """Loads per-param state but keeps the current groups' hyperparameters instead of the
    saved ones."""

    expected_failing_check = "load_state_dict_restores_hyperparameters"
    expected_message = "param_groups[0]['lr'] is 2.0, expected 0.5"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        _load_keeping_options(self, super().load_state_dict, state_dict, first_kept=0)


class StateDictIgnoresHooks(BrokenAdadelta):
    """Builds its state dict itself, in torch's format, without running the registered
    state_dict pre- and post-hooks."""

    expected_failing_check = "state_dict_hooks"
    expected_message = 'lacks what its post hook added'

    def state_dict(self) -> dict[str, Any]:
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: param_state for p, param_state in self.state.items()}
        return {"state": state, "param_groups": groups}


class LoadRestoresFirstGroupOnly(BrokenAdadelta):
    """load_state_dict restores the saved hyperparameters of the first group only; the other
    groups keep those the optimizer was constructed with."""

    expected_failing_check = "state_dict_depth"
    expected_message = "param_groups[1]['rho'] is 0.5, expected 0.8"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        _load_keeping_options(self, super().load_state_dict, state_dict, first_kept=1)


class StateDictListsNeverSteppedParams(BrokenAdadelta):
    """state_dict()["state"] has an empty entry for every param never stepped."""

    expected_failing_check = "state_dict_depth"
    expected_message = "state_dict()['state'] has entries [0, 1, 2, 3, 4], expected exactly one"

    def state_dict(self) -> dict[str, Any]:
        saved = super().state_dict()
        positions = [i for group in saved["param_groups"] for i in group["params"]]
        return {**saved, "state": {i: saved["state"].get(i, {}) for i in positions}}


class StateNumberedByCreationOrder(BrokenAdadelta):
    """state_dict() numbers the per-param state by the order the state was created in, not by
    the param's position across param_groups."""

    expected_failing_check = "state_dict_depth"
    expected_message = "state_dict()['state'] has entries [0, 1, 2], expected exactly one"

    def state_dict(self) -> dict[str, Any]:
        saved = super().state_dict()
        params = [p for group in self.param_groups for p in group["params"]]
        position = {id(p): i for i, p in enumerate(params)}
        created = [position[id(p)] for p, state in self.state.items() if state]
        return {**saved, "state": {k: saved["state"][i] for k, i in enumerate(created)}}


class LoadMakesStepFloat64(BrokenAdadelta):
    """load_state_dict turns every step counter into a float64 tensor."""

    expected_failing_check = "state_dict_depth"
    expected_message = "state['step'] is a 0-d torch.float64 tensor on cpu, expected a 0-d torch.float32"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for state in self.state.values():
            state["step"] = state["step"].to(torch.float64)


class LoadKeepsSavedDtype(BrokenAdadelta):
    """load_state_dict leaves the loaded buffers in the dtype they were saved in, instead of
    casting them to the param's dtype."""

    expected_failing_check = "state_dict_cross_dtype"
    expected_message = "state['square_avg'] is torch.bfloat16 on cpu"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        params = [p for group in self.param_groups for p in group["params"]]
        for i, saved in state_dict["state"].items():
            for key in ("square_avg", "acc_delta"):
                self.state[params[i]][key] = self.state[params[i]][key].to(saved[key].dtype)


class OldCheckpointStepLeftFloat(BrokenAdadelta):
    """Loads a checkpoint whose step counters are Python floats (older torch) without turning
    them into tensors."""

    expected_failing_check = "old_checkpoints"
    expected_message = "state['step'] is a float, expected a tensor"

    def __setstate__(self, state: dict[str, Any]) -> None:
        Optimizer.__setstate__(self, state)
        for group in self.param_groups:
            for option, default in self._FLAG_DEFAULTS.items():
                group.setdefault(option, default)


class OldCheckpointFlagsMissing(BrokenAdadelta):
    """Loads a checkpoint that lacks the options added later (older torch) without filling
    them in with their defaults, so the next step cannot read them."""

    expected_failing_check = "old_checkpoints"
    expected_message = "raised KeyError: 'capturable'"

    def __setstate__(self, state: dict[str, Any]) -> None:
        saved = copy.deepcopy(self._FLAG_DEFAULTS)
        self._FLAG_DEFAULTS = {}
        try:
            super().__setstate__(state)
        finally:
            self._FLAG_DEFAULTS = saved


# Param groups, zero_grad, constructor -----------------------------------------------------


class AddParamGroupUsesLibraryDefaults(BrokenAdadelta):
    """Fills a group's missing options with torch's documented defaults (lr=1.0, rho=0.9,
    ...) instead of the values given to the constructor."""

    expected_failing_check = "add_param_group"
    expected_message = "param_groups[1]['lr'] is 1.0, expected 0.5"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        library_defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(ReferenceAdadelta).parameters.items()
            if parameter.default is not inspect.Parameter.empty
        }
        super().add_param_group({**library_defaults, **param_group})


class DuplicateParamsDropped(BrokenAdadelta):
    """Silently drops params that already belong to a group instead of raising."""

    expected_failing_check = "add_param_group_duplicates"
    expected_message = "expected ValueError('some parameters appear in more than one parameter group'), nothing was raised"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        present = {id(p) for group in self.param_groups for p in group["params"]}
        new = [p for p in params if id(p) not in present]
        super().add_param_group({**param_group, "params": new})


class ZeroGradKeepsZerosByDefault(BrokenAdadelta):
    """zero_grad defaults to set_to_none=False: grads become zero tensors instead of None."""

    expected_failing_check = "zero_grad"
    expected_message = 'zero_grad() left .grad of params [0, 1] set, expected None'

    def zero_grad(self, set_to_none: bool = False) -> None:
        super().zero_grad(set_to_none)


class RhoDefaultFromKeras(BrokenAdadelta):
    """Defaults rho to 0.95, as Keras's Adadelta does, instead of torch's 0.9."""

    expected_failing_check = "constructor_defaults"
    expected_message = "constructed with defaults: param_groups[0]['rho'] is 0.95, expected 0.9"

    def __init__(
        self, params: ParamsT, lr: float | Tensor = 1.0, rho: float = 0.95, *args: Any, **options: Any
    ) -> None:
        super().__init__(params, lr, rho, *args, **options)


class ZeroGradKeepsGradFn(BrokenAdadelta):
    """zero_grad(set_to_none=False) zeroes grads in place without detaching them first, so a
    grad computed with create_graph=True stays attached to its graph."""

    expected_failing_check = "zero_grad"
    expected_message = "left a grad that had a grad_fn attached to the graph"

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.zero_()


class NanLrAccepted(BrokenAdadelta):
    """Validates with ``value < lowest`` rather than ``not lowest <= value``, so NaN passes."""

    expected_failing_check = "constructor_validation"
    expected_message = (
        "NaN lr {'lr': nan}: expected ValueError('Invalid learning rate: nan'), nothing raised"
    )

    @classmethod
    def _validate(cls, **values: Any) -> None:
        for name, (label, lowest, highest) in cls._VALID_RANGES.items():
            if values[name] < lowest or values[name] > highest:
                raise ValueError(f"Invalid {label}: {values[name]}")


class DuplicateParamsMergedSilently(BrokenAdadelta):
    """Drops a param given twice in the constructor's list instead of warning as torch does."""

    expected_failing_check = "optimizer_constructor_errors"
    expected_message = "constructed over a group holding one param twice, it warned []"

    def __init__(self, params: ParamsT, *args: Any, **options: Any) -> None:
        params = list(params)
        if all(isinstance(p, Tensor) for p in params):
            params = list({id(p): p for p in params}.values())
        super().__init__(params, *args, **options)


class FlagsMissingFromAddedGroups(BrokenAdadelta):
    """Fills a group added with add_param_group with the hyperparameters only, not the flags
    (foreach, capturable, differentiable)."""

    expected_failing_check = "group_options"
    expected_message = "param_groups[2] lacks ['capturable', 'differentiable', 'foreach']"

    def __init__(self, params: ParamsT, *args: Any, **options: Any) -> None:
        super().__init__(params, *args, **options)
        self._constructed = True

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if not getattr(self, "_constructed", False):
            super().add_param_group(param_group)
            return
        flags = ("foreach", "capturable", "differentiable")
        defaults, self.defaults = self.defaults, {
            k: v for k, v in self.defaults.items() if k not in flags
        }
        try:
            super().add_param_group(param_group)
        finally:
            self.defaults = defaults


class FusedAccepted(BrokenAdadelta):
    """Takes a ``fused`` option and ignores it, although it has no fused implementation."""

    expected_failing_check = "fused_rejected"
    expected_message = "fused=True was accepted"

    def __init__(
        self, params: ParamsT, *args: Any, fused: bool | None = None, **options: Any
    ) -> None:
        super().__init__(params, *args, **options)


class StepDetachesGrad(BrokenAdadelta):
    """Reads ``p.grad.detach()`` (like the old ``p.grad.data``), so with differentiable=True no
    gradient flows back to the grad."""

    expected_failing_check = "differentiable"
    expected_message = "the derivative of the param after two steps with respect to the grad"

    def _grad(self, param: Tensor) -> Tensor | None:
        grad = super()._grad(param)
        return None if grad is None else grad.detach()


class PickleDropsState(BrokenAdadelta):
    """Leaves the per-param state out of what it pickles (to keep pickles small), so a copy
    starts its state afresh."""

    expected_failing_check = "copy_and_pickle"
    expected_message = "an optimizer copied through copy.deepcopy after 2 steps"

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "state": collections.defaultdict(dict)}


class RhoAboveOneAccepted(BrokenAdadelta):
    """Validates only rho >= 0, so rho > 1 is accepted."""

    expected_failing_check = "constructor_validation"
    expected_message = "rho above 1 {'rho': 1.5}: expected ValueError('Invalid rho value: 1.5'), nothing raised"
    _VALID_RANGES = {**ReferenceAdadelta._VALID_RANGES, "rho": ("rho value", 0.0, math.inf)}


class WrongEpsilonMessage(BrokenAdadelta):
    """Raises the right error type for a negative eps, with "Invalid eps value" instead of
    torch's "Invalid epsilon value"."""

    expected_failing_check = "constructor_validation"
    expected_message = "expected ValueError('Invalid epsilon value: -1e-06'), ValueError('Invalid eps value: -1e-06')"
    _VALID_RANGES = {**ReferenceAdadelta._VALID_RANGES, "eps": ("eps value", 0.0, math.inf)}


def _load_keeping_options(
    optimizer: torch.optim.Optimizer,
    load: Callable[[dict[str, Any]], None],
    state_dict: dict[str, Any],
    first_kept: int,
) -> None:
    """``load(state_dict)``, then give the groups from index ``first_kept`` on back the
    hyperparameters they had before (the bug both variants share)."""
    current = [
        {key: value for key, value in group.items() if key != "params"}
        for group in optimizer.param_groups
    ]
    load(state_dict)
    kept = zip(optimizer.param_groups[first_kept:], current[first_kept:], strict=True)
    for group, options in kept:
        group.update(options)
