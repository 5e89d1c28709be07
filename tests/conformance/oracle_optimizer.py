"""A torch.optim-style optimizer that steps with a spec's float64 oracle: the test double from
which deliberately broken optimizers are made, one bug each.

``OracleOptimizer`` takes its reference's constructor (it builds the reference over a throwaway
param, so invalid arguments raise the reference's errors, and it stores the reference's
defaults, flags included), keeps torch's per-param state (buffers like the param, a 0-d step
counter) and steps each param by calling :meth:`OracleOptimizer.update` in float64, writing the
results back in place in the param's dtype. A subclass sets ``spec``; a broken variant
overrides ``update`` (or one small method of the shell) with its one bug. Everything else comes
from ``torch.optim.Optimizer``: hooks, ``zero_grad``, ``state_dict``, ``add_param_group``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor
from torch.optim.optimizer import Optimizer, ParamsT
from torch.utils.weak import WeakIdKeyDictionary

from conformance import OptimizerSpec

__all__ = ["OneBug", "OracleOptimizer", "SavesWithoutBuffer"]

Closure = Callable[[], Any]


def _real(tensor: Tensor) -> Tensor:
    """The tensor itself, or its (real, imaginary) view if complex: what the oracle steps."""
    return torch.view_as_real(tensor) if tensor.is_complex() else tensor


def _number(value: Any) -> Any:
    """A hyperparameter as the oracle takes it: Tensors (a Tensor lr, Tensor betas) as floats."""
    if isinstance(value, Tensor):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_number(v) for v in value)
    return value


class OracleOptimizer(Optimizer):
    """Steps each param with ``spec``'s float64 update rule; see the module docstring."""

    spec: ClassVar[OptimizerSpec]

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        template = self.spec.reference([torch.zeros(1, requires_grad=True)], *args, **kwargs)
        super().__init__(params, dict(template.defaults))
        self._uncounted_steps: WeakIdKeyDictionary = WeakIdKeyDictionary()

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        # A param whose state was loaded has been stepped at least once; see _step_param.
        self._uncounted_steps = WeakIdKeyDictionary()
        for group in self.param_groups:
            for key in self.spec.options_added_later:
                group.setdefault(key, self.defaults[key])
        step_key = self.spec.step_key
        for param_state in self.state.values():
            # Checkpoints of older torch versions hold the counter as a Python number.
            if step_key in param_state and not isinstance(param_state[step_key], Tensor):
                counter = float(param_state[step_key])
                param_state[step_key] = torch.tensor(counter, dtype=self.spec.step_dtype())

    def step(self, closure: Closure | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyperparameters = self.hyperparameters(group)
            with torch.set_grad_enabled(bool(group.get("differentiable", False))):
                for param in group["params"]:
                    if param.grad is not None:
                        self._step_param(param, self.grad(param), group, hyperparameters)
        return loss

    def hyperparameters(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The group's values of the spec's hyperparameters, as the update rule takes them."""
        return {key: _number(group[key]) for key in self.spec.defaults}

    def grad(self, param: Tensor) -> Tensor:
        """The param's grad, dense; a sparse one raises as the reference raises unless the spec
        supports sparse gradients."""
        grad = param.grad
        if not grad.is_sparse:
            return grad
        if not self.spec.sparse_gradients:
            raise self._sparse_error(grad)
        return grad.to_dense()

    def _sparse_error(self, grad: Tensor) -> Exception:
        probe = torch.zeros(grad.shape, dtype=grad.dtype, requires_grad=True)
        probe.grad = grad.cpu()
        try:
            self.spec.reference([probe]).step()
        except Exception as error:
            return error
        raise AssertionError(f"{self.spec.reference_name} steps sparse grads: the spec is stale")

    def new_state(self, param: Tensor, group: Mapping[str, Any]) -> dict[str, Any]:
        """The state of a param at its first step: the spec's buffers, and a step counter."""
        initial = self.spec.init_buffers(_real(param.detach()).double(), self.hyperparameters(group))
        state: dict[str, Any] = {}
        for key, value in initial.items():
            buffer = torch.zeros_like(param, memory_format=torch.preserve_format)
            _real(buffer).copy_(value)
            state[key] = buffer
        if self.spec.step_key is not None:
            capturable = bool(group.get("capturable", False))
            dtype = torch.float32 if capturable else self.spec.step_dtype()
            device = param.device if capturable else torch.device("cpu")
            state[self.spec.step_key] = torch.tensor(0.0, dtype=dtype, device=device)
        return state

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Mapping[str, Tensor],
        hyperparameters: Mapping[str, Any],
        step: int,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """One step in float64: the spec's rule unless a variant says otherwise."""
        return self.spec.update(param, grad, buffers, hyperparameters, step)

    def _step_param(
        self, param: Tensor, grad: Tensor, group: Mapping[str, Any], hyperparameters: Mapping[str, Any]
    ) -> None:
        # The param being stepped, for a variant whose update depends on it (its dtype, say).
        self.current_param = param
        state = self.state[param]
        first = not state
        if first:
            state.update(self.new_state(param, group))
        step_key = self.spec.step_key
        if step_key is not None:
            step = int(state[step_key].item()) + 1
        else:
            # Without a counter in the state, steps are counted here.
            step = self._uncounted_steps.get(param, 0 if first else 1) + 1
            self._uncounted_steps[param] = step
        buffers = {k: _real(v).double() for k, v in state.items() if k != step_key}
        new_param, new_buffers = self.update(
            _real(param).double(), _real(grad).double(), buffers, hyperparameters, step
        )
        _real(param).copy_(new_param)
        for key, value in new_buffers.items():
            if key not in state:
                state[key] = torch.zeros_like(param, memory_format=torch.preserve_format)
            _real(state[key]).copy_(value)
        if step_key is not None:
            state[step_key] += 1


class OneBug:
    """A mixin for a deliberately broken variant: the spec it claims, the check of that spec
    that must flag its one bug, a fragment of that check's failure message and one of its
    rule (tests/conformance/test_broken_variants.py runs them)."""

    spec: ClassVar[OptimizerSpec]
    expected_failing_check: ClassVar[str]
    expected_message: ClassVar[str]
    expected_rule: ClassVar[str]


class SavesWithoutBuffer(OracleOptimizer):
    """A bug of the checkpoint format: ``state_dict()`` leaves the buffer ``dropped`` out of
    every param's state (as a format listing only the buffers every configuration has does),
    and a step starts a missing buffer afresh from its initial value, as lazily created state
    does. Only optimizers whose options create that buffer (amsgrad, centered) are affected."""

    dropped: ClassVar[str]

    def state_dict(self) -> dict[str, Any]:
        saved = super().state_dict()
        # torch's state_dict shares each param's state dict with the optimizer: copy, not pop.
        saved["state"] = {
            index: {key: value for key, value in state.items() if key != self.dropped}
            for index, state in saved["state"].items()
        }
        return saved

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Mapping[str, Tensor],
        hyperparameters: Mapping[str, Any],
        step: int,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        initial = self.spec.init_buffers(param, hyperparameters)
        if self.dropped in initial and self.dropped not in buffers:
            buffers = {**buffers, self.dropped: initial[self.dropped]}
        return super().update(param, grad, buffers, hyperparameters, step)
