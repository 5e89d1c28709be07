"""A correct Adagrad test double and deliberately broken variants of it, one bug each.

``OracleAdagrad`` steps with the Adagrad spec's float64 oracle and adds what torch.optim.Adagrad
does beyond the generic shell: every param given to the constructor gets its initial state
there (``step`` = 0, ``sum`` = τ of the constructor, whatever its group says), and a sparse
grad is rejected under weight decay. Each subclass of it below has exactly one bug and names,
in ``expected_failing_check``, the conformance check that must flag it, with fragments of that
check's failure message and rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from oracle_optimizer import OneBug, OracleOptimizer
from torch import Tensor
from torch.optim.optimizer import ParamsT

from conformance.specs.adagrad import (
    ADAGRAD,
    accumulate,
    adagrad_update,
    decayed_lr,
    descent_direction,
)

__all__ = ["BrokenAdagrad", "OracleAdagrad"]

Buffers = Mapping[str, Tensor]
Update = tuple[Tensor, dict[str, Tensor]]


class OracleAdagrad(OracleOptimizer):
    """torch.optim.Adagrad's documented semantics, stepped with the spec's oracle."""

    spec = ADAGRAD

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, *args, **kwargs)
        self.create_initial_state()

    def create_initial_state(self) -> None:
        """Every param given to the constructor starts with its state."""
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param].update(self.new_state(param, group))

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        # torch.optim.Adagrad starts every sum at the constructor's τ.
        return super().new_state(param, self.defaults)

    def grad(self, param: Tensor) -> Tensor:
        grad = param.grad
        group = next(g for g in self.param_groups if any(p is param for p in g["params"]))
        if grad.is_sparse and group["weight_decay"] != 0:
            raise self.sparse_weight_decay_error()
        return super().grad(param)

    def sparse_weight_decay_error(self) -> Exception:
        return RuntimeError("weight_decay option is not compatible with sparse gradients")


class BrokenAdagrad(OneBug, OracleAdagrad):
    """A variant with one bug, and how the suite must report it."""


class LrDecayAfterIncrement(BrokenAdagrad):
    """Decays the lr with the step count after its increment: γ / (1 + t η)."""

    expected_failing_check = "lr_decay"
    expected_message = "value, element"
    expected_rule = "the first step uses γ itself"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Mapping[str, Any], step: int
    ) -> Update:
        return adagrad_update(param, grad, buffers, hyperparameters, step + 1)


class LrDecayIgnoredOnForeach(BrokenAdagrad):
    """Ignores lr_decay on its multi-tensor path only (foreach=True), as a foreach kernel that
    takes the plain lr does; the default path is right."""

    expected_failing_check = "lr_decay"
    expected_message = "foreach=True"
    expected_rule = "the first step uses γ itself"

    def hyperparameters(self, group: Mapping[str, Any]) -> dict[str, Any]:
        hyperparameters = super().hyperparameters(group)
        return {**hyperparameters, "lr_decay": 0.0} if group.get("foreach") else hyperparameters


class StepsSharedBetweenOptimizers(BrokenAdagrad):
    """Decays the lr with a count in a module-level dict keyed by the optimizer's class, as a
    cache meant per instance but keyed too coarsely: one optimizer per param (gradient release)
    then advances one count for all, and the lr decays too fast."""

    expected_failing_check = "gradient_release"
    expected_message = "left the trajectory"
    expected_rule = "none kept per class"

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, *args, **kwargs)
        _STEPS[type(self)] = 0

    def step(self, closure: Any = None) -> Any:
        _STEPS[type(self)] += 1
        return super().step(closure)

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Mapping[str, Any], step: int
    ) -> Update:
        return super().update(param, grad, buffers, hyperparameters, _STEPS[type(self)])


_STEPS: dict[type, int] = {}


class InitialAccumulatorIgnored(BrokenAdagrad):
    """Starts every sum at 0 whatever initial_accumulator_value says."""

    expected_failing_check = "initial_accumulator_value"
    expected_message = "value, element"
    expected_rule = "state_sum_0 <- τ"

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        return OracleOptimizer.new_state(self, param, {**self.defaults, "initial_accumulator_value": 0.0})


def _step(param: Tensor, clr: float, g: Tensor, denominator: Tensor, state_sum: Tensor) -> Update:
    return param - clr * g / denominator, {"sum": state_sum}


class EpsInsideSqrt(BrokenAdagrad):
    """Divides by sqrt(state_sum + ε) instead of sqrt(state_sum) + ε."""

    expected_failing_check = "eps"
    expected_message = "value, element"
    expected_rule = "outside the square root"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Mapping[str, Any], step: int
    ) -> Update:
        clr = decayed_lr(hyperparameters["lr"], hyperparameters["lr_decay"], step)
        g = descent_direction(param, grad, hyperparameters)
        state_sum = accumulate(buffers["sum"], g)
        return _step(param, clr, g, torch.sqrt(state_sum + hyperparameters["eps"]), state_sum)


class AccumulatesAbsoluteGrad(BrokenAdagrad):
    """Accumulates |g| instead of g²."""

    expected_failing_check = "update_math"
    expected_message = "value, element"
    expected_rule = "state_sum_t <- state_sum_{t-1} + g²"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Mapping[str, Any], step: int
    ) -> Update:
        clr = decayed_lr(hyperparameters["lr"], hyperparameters["lr_decay"], step)
        g = descent_direction(param, grad, hyperparameters)
        state_sum = buffers["sum"] + g.abs()
        return _step(param, clr, g, torch.sqrt(state_sum) + hyperparameters["eps"], state_sum)


class WeightDecayAfterAccumulation(BrokenAdagrad):
    """Accumulates the raw grad's square, adding λ θ only to the step's numerator."""

    expected_failing_check = "weight_decay"
    expected_message = "value, element"
    expected_rule = "before g² is accumulated"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Mapping[str, Any], step: int
    ) -> Update:
        clr = decayed_lr(hyperparameters["lr"], hyperparameters["lr_decay"], step)
        state_sum = accumulate(buffers["sum"], descent_direction(param, grad, {**hyperparameters, "weight_decay": 0}))
        g = descent_direction(param, grad, hyperparameters)
        return _step(param, clr, g, torch.sqrt(state_sum) + hyperparameters["eps"], state_sum)


class MaximizeAfterWeightDecay(BrokenAdagrad):
    """Negates grad + λ θ under maximize, instead of negating the grad before adding λ θ."""

    expected_failing_check = "maximize_with_weight_decay"
    expected_message = "value, element"
    expected_rule = "g <- -grad + λ θ_{t-1}"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Mapping[str, Any], step: int
    ) -> Update:
        decayed = descent_direction(param, grad, {**hyperparameters, "maximize": False})
        flipped = -decayed if hyperparameters["maximize"] else decayed
        # The oracle's own maximize and weight decay off: g is used as given.
        plain = {**hyperparameters, "maximize": False, "weight_decay": 0.0}
        return adagrad_update(param, flipped, buffers, plain, step)


class LazyState(BrokenAdagrad):
    """Creates a param's state at its first step, as most optimizers do, not in the constructor."""

    expected_failing_check = "none_grad_skipped"
    expected_message = "creates every param's initial state in its constructor"
    expected_rule = "keeps the initial state the constructor gave it"

    def create_initial_state(self) -> None:
        pass


class SparseDuplicatesOverwritten(BrokenAdagrad):
    """Densifies a sparse grad by assignment, so of entries at a repeated index one survives
    instead of their sum."""

    expected_failing_check = "sparse_grads"
    expected_message = "value, element"
    expected_rule = "uncoalesced with repeated indices"

    def grad(self, param: Tensor) -> Tensor:
        grad = param.grad
        if not grad.is_sparse:
            return super().grad(param)
        dense = torch.zeros_like(param)
        dense[tuple(grad._indices())] = grad._values()
        return dense


class SparseWithWeightDecayAccepted(BrokenAdagrad):
    """Steps a sparse grad under weight decay instead of raising torch's error."""

    expected_failing_check = "sparse_grad_error"
    expected_message = "expected RuntimeError('weight_decay option is not compatible with sparse gradients'), nothing was raised"
    expected_rule = "(with weight_decay)"

    def grad(self, param: Tensor) -> Tensor:
        return param.grad.to_dense()


class NegativeLrDecayAccepted(BrokenAdagrad):
    """Skips the check that lr_decay >= 0."""

    expected_failing_check = "constructor_validation"
    expected_message = "negative lr_decay {'lr_decay': -0.1}: expected ValueError('Invalid lr_decay value: -0.1'), nothing raised"
    expected_rule = "negative lr_decay"

    def __init__(self, params: ParamsT, lr: Any = 1e-2, lr_decay: float = 0.0, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, lr, abs(lr_decay), *args, **kwargs)
        self.defaults["lr_decay"] = lr_decay
        for group in self.param_groups:
            group["lr_decay"] = lr_decay


class WrongDefaultEps(BrokenAdagrad):
    """Defaults eps to 1e-8 (Adam's) instead of Adagrad's 1e-10."""

    expected_failing_check = "constructor_defaults"
    expected_message = "param_groups[0]['eps'] is 1e-08, expected 1e-10"
    expected_rule = "eps=1e-10"

    def __init__(
        self,
        params: ParamsT,
        lr: Any = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-8,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(params, lr, lr_decay, weight_decay, initial_accumulator_value, eps, *args, **kwargs)


class StepCounterFloat32OnLoad(BrokenAdagrad):
    """Rebuilds each loaded step counter as a float32 tensor, whatever the default dtype:
    under torch.set_default_dtype(torch.float64) torch's counters are float64."""

    expected_failing_check = "counter_dtype_after_load"
    expected_message = "with fp32 params under torch.set_default_dtype(torch.float64), after loading"
    expected_rule = "float64 under torch.set_default_dtype(torch.float64)"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for state in self.state.values():
            if "step" in state:
                state["step"] = torch.tensor(float(state["step"]), dtype=torch.float32)


class Float16ParamsSteppedInBfloat16(BrokenAdagrad):
    """Steps fp16 params through bfloat16 (params, grads and state rounded to it), as a kernel
    written for bf16 only does: bf16 has 3 bits of precision fewer than fp16."""

    expected_failing_check = "low_precision_bar"
    expected_message = "float16 params"
    expected_rule = "done naively in that dtype"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Mapping[str, Any], step: int
    ) -> Update:
        if self.current_param.dtype != torch.float16:
            return super().update(param, grad, buffers, hyperparameters, step)

        def coarse(tensor: Tensor) -> Tensor:
            return tensor.to(torch.bfloat16).to(tensor.dtype)

        stepped, new = super().update(
            coarse(param), coarse(grad), {k: coarse(v) for k, v in buffers.items()}, hyperparameters, step
        )
        return coarse(stepped), {k: coarse(v) for k, v in new.items()}
