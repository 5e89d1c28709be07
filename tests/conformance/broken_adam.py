"""Deliberately broken Adams and AdamWs, one bug each, built on the oracle-backed test double.

``AdamOracle`` steps with the pieces of the spec's float64 oracle (the documented algorithm,
see conformance/specs/adam.py), each a method::

    g_t <- direction (±grad, + λθ if L2);  θ <- decayed_param (θ - γλθ if decoupled)
    m_t, v_t, v_t^max <- moments;  m̂_t, v̂_t <- bias_corrected;  θ_t <- θ - scaled_step

A broken variant replaces one piece (or one small method of the shell) and names the check that
must flag it, with fragments of that check's failure message and rule
(tests/conformance/test_broken_variants.py runs them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from oracle_optimizer import OneBug, OracleOptimizer, SavesWithoutBuffer
from torch import Tensor
from torch.optim.optimizer import ParamsT

from conformance.specs import adam
from conformance.specs.adam import ADAM, ADAMW

__all__ = ["AdamOracle", "AdamWOracle", "BrokenAdam", "BrokenAdamW"]

Buffers = Mapping[str, Tensor]
Hyperparameters = Mapping[str, Any]


class AdamOracle(OracleOptimizer):
    """torch.optim.Adam's documented semantics, stepped piece by piece with the spec's oracle."""

    spec = ADAM

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        decoupled = self.decoupled(hyperparameters)
        g = self.direction(param, grad, hyperparameters, decoupled)
        theta = self.decayed_param(param, hyperparameters, decoupled)
        new_buffers = self.moments(g, buffers, hyperparameters)
        m_hat, v_hat = self.bias_corrected(new_buffers, hyperparameters, step)
        return theta - self.scaled_step(m_hat, v_hat, hyperparameters), new_buffers

    def decoupled(self, hyperparameters: Hyperparameters) -> bool:
        return bool(hyperparameters["decoupled_weight_decay"])

    direction = staticmethod(adam.direction)
    decayed_param = staticmethod(adam.decayed_param)
    moments = staticmethod(adam.moments)
    bias_corrected = staticmethod(adam.bias_corrected)
    scaled_step = staticmethod(adam.scaled_step)


class AdamWOracle(AdamOracle):
    """torch.optim.AdamW's documented semantics: Adam with decoupled weight decay."""

    spec = ADAMW

    def decoupled(self, hyperparameters: Hyperparameters) -> bool:
        return True


class BrokenAdam(OneBug, AdamOracle):
    """Base of the broken Adams; each direct subclass carries exactly one bug."""


class BrokenAdamW(OneBug, AdamWOracle):
    """Base of the broken AdamWs; each direct subclass carries exactly one bug."""


# Bias correction ------------------------------------------------------------------------


class BiasCorrectionOneStepAhead(BrokenAdamW):
    """Corrects with t + 1, as code that reads the counter after incrementing it twice does:
    m_t / (1 - β1^(t+1))."""

    expected_failing_check = "bias_correction"
    expected_message = "(float64 oracle)"
    expected_rule = "t the param's own step count"

    @staticmethod
    def bias_corrected(new_buffers: Buffers, hyperparameters: Hyperparameters, step: int) -> tuple[Tensor, Tensor]:
        return adam.bias_corrected(new_buffers, hyperparameters, step + 1)


class SecondMomentUncorrected(BrokenAdam):
    """Corrects m but not v: divides by sqrt(v_t) + ε, so early steps are 1 / sqrt(1 - β2^t)
    times too large."""

    expected_failing_check = "update_math"
    expected_message = "(float64 oracle)"
    expected_rule = "m̂_t / (sqrt(v̂_t) + ε)"

    @staticmethod
    def bias_corrected(new_buffers: Buffers, hyperparameters: Hyperparameters, step: int) -> tuple[Tensor, Tensor]:
        m_hat, _ = adam.bias_corrected(new_buffers, hyperparameters, step)
        return m_hat, new_buffers["exp_avg_sq"]


class StepCountedPerOptimizer(BrokenAdamW):
    """Bias-corrects with one counter for the whole optimizer, as some libraries keep per
    group, instead of each param's own count: a param first stepped late is corrected as if it
    had been stepped all along."""

    expected_failing_check = "none_grad_skipped"
    expected_message = "(float64 oracle)"
    expected_rule = "a param whose .grad is None is skipped"

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, *args, **kwargs)
        self.steps_taken = 0

    def step(self, closure: Any = None) -> Any:
        self.steps_taken += 1
        return super().step(closure)

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        return super().update(param, grad, buffers, hyperparameters, self.steps_taken)


class StepCountedOnTheClass(BrokenAdam):
    """Bias-corrects with a count kept on the class, reset by each constructor and advanced by
    each step(): right for one optimizer, wrong for one optimizer per param (gradient release),
    whose step() calls all advance the one count."""

    expected_failing_check = "gradient_release"
    expected_message = "post-accumulate-grad hook"
    expected_rule = "no state is shared between optimizers"

    steps_taken: ClassVar[int] = 0

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, *args, **kwargs)
        type(self).steps_taken = 0

    def step(self, closure: Any = None) -> Any:
        type(self).steps_taken += 1
        return super().step(closure)

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        return super().update(param, grad, buffers, hyperparameters, type(self).steps_taken)


# Moments and ε ----------------------------------------------------------------------------


class BetasSwapped(BrokenAdam):
    """Averages the first moment with β2 and the second with β1."""

    expected_failing_check = "update_math"
    expected_message = "value, element"
    expected_rule = "m_t <- β1 m_{t-1} + (1 - β1) g_t"

    @staticmethod
    def moments(g: Tensor, buffers: Buffers, hyperparameters: Hyperparameters) -> dict[str, Tensor]:
        beta1, beta2 = hyperparameters["betas"]
        return adam.moments(g, buffers, {**hyperparameters, "betas": (beta2, beta1)})


class EpsInsideSqrt(BrokenAdamW):
    """Divides by sqrt(v̂_t + ε), as some ports of Adam do, instead of sqrt(v̂_t) + ε."""

    expected_failing_check = "eps"
    expected_message = "(float64 oracle)"
    expected_rule = "ε is added after the square root"

    @staticmethod
    def scaled_step(m_hat: Tensor, v_hat: Tensor, hyperparameters: Hyperparameters) -> Tensor:
        return hyperparameters["lr"] * m_hat / torch.sqrt(v_hat + hyperparameters["eps"])


# amsgrad ----------------------------------------------------------------------------------


class AmsgradMaxOfBiasCorrected(BrokenAdam):
    """Keeps the running maximum of v̂ (the bias-corrected v) in max_exp_avg_sq and divides by
    it as it is: Reddi et al.'s formula, not torch's."""

    expected_failing_check = "amsgrad"
    expected_message = "value, element"
    expected_rule = "the running maximum of v, not of v̂"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        if not hyperparameters["amsgrad"]:
            return super().update(param, grad, buffers, hyperparameters, step)
        without = {**hyperparameters, "amsgrad": False}
        _, new_buffers = super().update(param, grad, buffers, without, step)
        m_hat, v_hat = adam.bias_corrected(new_buffers, without, step)
        v_hat_max = torch.maximum(buffers["max_exp_avg_sq"], v_hat)
        theta = adam.decayed_param(param, hyperparameters, self.decoupled(hyperparameters))
        stepped = theta - adam.scaled_step(m_hat, v_hat_max, hyperparameters)
        return stepped, {**new_buffers, "max_exp_avg_sq": v_hat_max}


class AmsgradMaxUncorrected(BrokenAdam):
    """Divides by sqrt(v_t^max) + ε without the bias correction 1 - β2^t of v_t^max."""

    expected_failing_check = "amsgrad"
    expected_message = "(float64 oracle)"
    expected_rule = "v̂_t <- v_t^max / (1 - β2^t)"

    @staticmethod
    def bias_corrected(new_buffers: Buffers, hyperparameters: Hyperparameters, step: int) -> tuple[Tensor, Tensor]:
        m_hat, v_hat = adam.bias_corrected(new_buffers, hyperparameters, step)
        if hyperparameters["amsgrad"]:
            return m_hat, new_buffers["max_exp_avg_sq"]
        return m_hat, v_hat


class AmsgradMaxIntoExpAvgSq(BrokenAdamW):
    """Takes the maximum in place on the wrong buffer: v_t <- max(v_t^max, v_t) overwrites
    exp_avg_sq, and max_exp_avg_sq is never updated."""

    expected_failing_check = "amsgrad"
    expected_message = "value, element"
    expected_rule = "v_t^max <- max(v_{t-1}^max, v_t)"

    @staticmethod
    def moments(g: Tensor, buffers: Buffers, hyperparameters: Hyperparameters) -> dict[str, Tensor]:
        new = adam.moments(g, buffers, hyperparameters)
        if hyperparameters["amsgrad"]:
            new["exp_avg_sq"] = new["max_exp_avg_sq"]
            new["max_exp_avg_sq"] = buffers["max_exp_avg_sq"]
        return new

    @staticmethod
    def bias_corrected(new_buffers: Buffers, hyperparameters: Hyperparameters, step: int) -> tuple[Tensor, Tensor]:
        return adam.bias_corrected(new_buffers, {**hyperparameters, "amsgrad": False}, step)


class MaxBufferWithoutAmsgrad(BrokenAdam):
    """Creates max_exp_avg_sq whether or not amsgrad is on."""

    expected_failing_check = "state_layout"
    expected_message = "max_exp_avg_sq"
    expected_rule = "state"

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        return super().new_state(param, {**group, "amsgrad": True})


class MaximizeIgnoredOnForeach(BrokenAdam):
    """Ignores maximize on its multi-tensor path only (foreach=True); the default path is
    right."""

    expected_failing_check = "maximize"
    expected_message = "foreach=True"
    expected_rule = "steps along -grad"

    def hyperparameters(self, group: Mapping[str, Any]) -> dict[str, Any]:
        hyperparameters = super().hyperparameters(group)
        return {**hyperparameters, "maximize": False} if group.get("foreach") else hyperparameters


class BetasReadOnce(BrokenAdam):
    """Reads each group's betas once, at its first step, as floats: Tensor betas filled in
    place later (a momentum schedule) are ignored."""

    expected_failing_check = "tensor_hyperparameters"
    expected_message = "(float64 oracle)"
    expected_rule = "filling them in place between steps takes effect at the next step"

    def hyperparameters(self, group: Mapping[str, Any]) -> dict[str, Any]:
        read = self.__dict__.setdefault("_betas_read", {})
        hyperparameters = super().hyperparameters(group)
        return {**hyperparameters, "betas": read.setdefault(id(group), hyperparameters["betas"])}


class TensorBetasRefused(BrokenAdam):
    """Refuses Tensor betas at construction, as a check written for floats does
    (``isinstance(beta, float)``); torch documents them."""

    expected_failing_check = "tensor_hyperparameters"
    expected_message = "raised TypeError"
    expected_rule = "may be 0-d Tensors"

    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-3, betas: Any = (0.9, 0.999), *args: Any, **kwargs: Any) -> None:
        if not all(isinstance(beta, float) for beta in betas):
            raise TypeError(f"betas must be floats, got {betas!r}")
        super().__init__(params, lr, betas, *args, **kwargs)


class StateDictWithoutMaxExpAvgSq(SavesWithoutBuffer, BrokenAdam):
    """With amsgrad, saves no max_exp_avg_sq: a loaded optimizer restarts the running maximum
    from zero, which shows once the second moments shrink."""

    dropped = "max_exp_avg_sq"
    expected_failing_check = "state_dict_roundtrip"
    expected_message = "(float64 oracle)"
    expected_rule = "continues the same trajectory"


# Weight decay and maximize ----------------------------------------------------------------


class AdamWWithL2Decay(BrokenAdamW):
    """AdamW that adds λθ to the gradient (Adam's L2 decay) instead of decaying θ directly."""

    expected_failing_check = "weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "decoupled: g_t does not include λθ"

    def decoupled(self, hyperparameters: Hyperparameters) -> bool:
        return False


class AdamWDecayNotScaledByLr(BrokenAdamW):
    """Decays θ_t <- θ_{t-1} - λ θ_{t-1}, leaving out lr (Loshchilov and Hutter's schedule
    multiplier, not torch's γ)."""

    expected_failing_check = "weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "θ_t <- θ_{t-1} - lr · λ θ_{t-1}"

    @staticmethod
    def decayed_param(param: Tensor, hyperparameters: Hyperparameters, decoupled: bool) -> Tensor:
        return param - hyperparameters["weight_decay"] * param


class AdamIgnoringDecoupledWeightDecay(BrokenAdam):
    """Accepts decoupled_weight_decay=True but decays as L2 anyway."""

    expected_failing_check = "decoupled_weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "decoupled_weight_decay=True is AdamW"

    def decoupled(self, hyperparameters: Hyperparameters) -> bool:
        return False


class MaximizeNegatingWeightDecay(BrokenAdam):
    """Adds λθ before negating for maximize, so the decay term is negated too."""

    expected_failing_check = "maximize_with_weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "maximize negates the gradient only, never the decay"

    @staticmethod
    def direction(param: Tensor, grad: Tensor, hyperparameters: Hyperparameters, decoupled: bool) -> Tensor:
        g = adam.direction(param, grad, {**hyperparameters, "maximize": False}, decoupled)
        return -g if hyperparameters["maximize"] else g


# Constructor and lr -----------------------------------------------------------------------


class AdamWWithAdamsWeightDecayDefault(BrokenAdamW):
    """AdamW whose weight_decay defaults to Adam's 0 instead of 1e-2."""

    expected_failing_check = "constructor_defaults"
    expected_message = "param_groups[0]['weight_decay'] is 0"
    expected_rule = "default"

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        if len(args) < 4:
            kwargs.setdefault("weight_decay", 0)
        super().__init__(params, *args, **kwargs)


class DecayAfterTheStep(BrokenAdamW):
    """Decays the already stepped param: θ_t <- (θ_{t-1} - γ m̂_t / (sqrt(v̂_t) + ε))(1 - γλ),
    instead of decaying θ_{t-1}."""

    expected_failing_check = "weight_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "θ_t <- θ_{t-1} - lr · λ θ_{t-1}"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        stepped, new_buffers = super().update(param, grad, buffers, {**hyperparameters, "weight_decay": 0.0}, step)
        return adam.decayed_param(stepped, hyperparameters, decoupled=True), new_buffers


class BetaOfOneAccepted(BrokenAdam):
    """Validates betas with 0 <= β <= 1, so β = 1 (a moment that never moves) is accepted."""

    expected_failing_check = "constructor_validation"
    expected_message = "β1 = 1"
    expected_rule = "raise the exception torch.optim.Adam raises"

    def __init__(
        self, params: ParamsT, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999), *args: Any, **kwargs: Any
    ) -> None:
        checked = tuple(0.0 if beta == 1.0 else beta for beta in betas)
        super().__init__(params, lr, checked, *args, **kwargs)
        self.defaults["betas"] = betas
        for group in self.param_groups:
            group["betas"] = betas


class BiasCorrectionCountedOutsideTheState(BrokenAdamW):
    """Bias-corrects with a count of its own per param, kept on the optimizer beside the
    state's 'step' (which it advances too, so checkpoints look complete), as fused kernels that
    keep their own counter do: an optimizer that loads a checkpoint counts afresh from 1."""

    expected_failing_check = "mid_run_resume"
    expected_message = "the uninterrupted run at"
    expected_rule = "continues exactly as the uninterrupted run"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        counts = self.__dict__.setdefault("_counts", {})
        key = id(self.current_param)
        counts[key] = counts.get(key, 0) + 1
        return super().update(param, grad, buffers, hyperparameters, counts[key])


class StepCounterCastToParamDtypeOnLoad(BrokenAdam):
    """Casts each loaded step counter to its param's dtype, as a load that casts every state
    tensor alike does: a bf16 counter stops counting exactly at 256."""

    expected_failing_check = "counter_dtype_after_load"
    expected_message = "with bf16 params, after loading a state dict"
    expected_rule = "keeps torch's dtype, not the param's"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for param, state in self.state.items():
            if "step" in state:
                state["step"] = state["step"].to(param.dtype)


class AdamDecayingLikeAdamW(BrokenAdam):
    """Adam (decoupled_weight_decay=False) that decays the params as AdamW does: the two agree
    at weight decay 0 and stay close over a few steps."""

    expected_failing_check = "long_horizon_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "the decay each step applies adds up as documented"

    def decoupled(self, hyperparameters: Hyperparameters) -> bool:
        return True


class AdamWDecayCompoundedByStep(BrokenAdamW):
    """Applies the decay accumulated since the first step at every step, θ_{t-1}(1 - γλ)^t,
    as a lazy decay that forgets it was already applied does: right at the first step only."""

    expected_failing_check = "long_horizon_decay"
    expected_message = "(float64 oracle)"
    expected_rule = "with weight decay and lr away from their defaults"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        earlier = (1 - hyperparameters["lr"] * hyperparameters["weight_decay"]) ** (step - 1)
        return super().update(param * earlier, grad, buffers, hyperparameters, step)


class HalfParamsWithFloat8Moments(BrokenAdam):
    """For bf16 and fp16 params, keeps the moments' values to float8 (e4m3) precision, stored
    in the param's dtype: the 8-bit states of memory-saving optimizers, applied where the
    params are already small."""

    expected_failing_check = "low_precision_bar"
    expected_message = "units in the last place from the float64 oracle"
    expected_rule = "no farther from the float64 oracle"

    def update(
        self, param: Tensor, grad: Tensor, buffers: Buffers, hyperparameters: Hyperparameters, step: int
    ) -> tuple[Tensor, dict[str, Tensor]]:
        stepped, new_buffers = super().update(param, grad, buffers, hyperparameters, step)
        if self.current_param.dtype in (torch.bfloat16, torch.float16):
            new_buffers = {k: v.to(torch.float8_e4m3fn).to(v.dtype) for k, v in new_buffers.items()}
        return stepped, new_buffers
