"""Random sequences of optimizer operations give the same observable results as torch's."""

from __future__ import annotations

import copy
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from .twins import make_twins

SHAPES = [(3,), (2, 4), ()]
HYPERPARAMETERS = st.fixed_dictionaries(
    {},
    optional={
        "lr": st.sampled_from([0.0, 0.3, 1.0]),
        "rho": st.sampled_from([0.0, 0.5, 0.9, 1.0]),
        "eps": st.sampled_from([1e-6, 1e-3]),
        "weight_decay": st.sampled_from([0.0, 0.1]),
        "maximize": st.booleans(),
    },
)


def _outcome(action: Any) -> tuple[str, str] | None:
    """None if ``action()`` succeeded, else the exception's type and message."""
    try:
        action()
    except Exception as error:  # noqa: BLE001 - comparing whatever each implementation raises
        return type(error).__name__, str(error)
    return None


class SideBySide(RuleBasedStateMachine):
    """adadelta_compiled.Adadelta and torch.optim.Adadelta driven by the same operations."""

    @initialize(hyperparameters=HYPERPARAMETERS, seed=st.integers(0, 2**16))
    def start(self, hyperparameters: dict[str, Any], seed: int) -> None:
        self.generator = torch.Generator().manual_seed(seed)
        tensors = [torch.randn(shape, generator=self.generator) for shape in SHAPES]
        self.twins = make_twins(tensors, **hyperparameters)

    @rule(present=st.lists(st.booleans(), min_size=8, max_size=8))
    def set_grads(self, present: list[bool]) -> None:
        for index, param in enumerate(self.twins.ours_params):
            grad = torch.randn(param.shape, generator=self.generator) if present[index] else None
            self.twins.torch_params[index].grad = None if grad is None else grad.clone()
            param.grad = grad

    @rule()
    def step(self) -> None:
        assert _outcome(self.twins.ours.step) == _outcome(self.twins.torchs.step)

    @rule(set_to_none=st.booleans())
    def zero_grad(self, set_to_none: bool) -> None:
        self.twins.ours.zero_grad(set_to_none=set_to_none)
        self.twins.torchs.zero_grad(set_to_none=set_to_none)

    @rule(group=st.integers(0, 7), hyperparameters=HYPERPARAMETERS)
    def change_hyperparameters(self, group: int, hyperparameters: dict[str, Any]) -> None:
        for opt in (self.twins.ours, self.twins.torchs):
            opt.param_groups[group % len(opt.param_groups)].update(hyperparameters)

    @precondition(lambda self: len(self.twins.ours_params) < 8)
    @rule(hyperparameters=HYPERPARAMETERS, shape=st.sampled_from(SHAPES))
    def add_param_group(self, hyperparameters: dict[str, Any], shape: tuple[int, ...]) -> None:
        value = torch.randn(shape, generator=self.generator)
        for opt, params in ((self.twins.ours, self.twins.ours_params),
                            (self.twins.torchs, self.twins.torch_params)):
            param = torch.nn.Parameter(value.clone())
            opt.add_param_group({"params": [param], **hyperparameters})
            params.append(param)

    @rule(index=st.integers(0, 7))
    def add_a_param_that_is_already_there(self, index: int) -> None:
        outcomes = [
            _outcome(lambda: opt.add_param_group({"params": [params[index % len(params)]]}))
            for opt, params in ((self.twins.ours, self.twins.ours_params),
                                (self.twins.torchs, self.twins.torch_params))
        ]
        assert outcomes[0] is not None and outcomes[0] == outcomes[1]

    @rule()
    def reload_own_state_dict(self) -> None:
        for opt in (self.twins.ours, self.twins.torchs):
            opt.load_state_dict(copy.deepcopy(opt.state_dict()))

    @rule()
    def swap_state_dicts(self) -> None:
        ours, torchs = self.twins.ours.state_dict(), self.twins.torchs.state_dict()
        self.twins.ours.load_state_dict(copy.deepcopy(torchs))
        self.twins.torchs.load_state_dict(copy.deepcopy(ours))

    @invariant()
    def same_params_state_and_groups(self) -> None:
        if not hasattr(self, "twins"):
            return
        self.twins.assert_close()
        for ours, torchs in zip(self.twins.ours.param_groups, self.twins.torchs.param_groups,
                                strict=True):
            assert {k: v for k, v in ours.items() if k != "params"} == {
                k: v for k, v in torchs.items() if k != "params"}


test_side_by_side_with_torch = SideBySide.TestCase
