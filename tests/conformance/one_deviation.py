"""Adadeltas with exactly one root deviation from torch.optim.Adadelta each, of the kinds real
libraries ship, and the checks whose rules each deviation breaks (issue #20).

A conformance check that fails for a reason another check owns is a false alarm. Each double
here differs from torch.optim.Adadelta in one way only, and names in ``expected_failures`` the
checks whose rule states the behaviour it changes; every other check must pass, or be skipped
as for torch itself, or say it was not judged because one of those failed
(test_one_deviation_verdicts.py). test_one_deviation_doubles.py proves, against torch and
without the conformance suite, that each double has its deviation and no other.

The rules being judged, as the framework states them: a math check judges param values only;
``step_counter`` alone judges ``state['step']`` (type, dtype, device, count); ``state_layout``
alone judges the buffers' names and layout, ``state_values`` their values; an option the
implementation does not take fails only the check about that option; checks pass ``lr``
explicitly, so only ``constructor_defaults`` sees a missing or different default lr; and a
check whose observation relies on a rule the implementation breaks is not judged, blocked by
the check about that rule, rather than failing a second time.

Most doubles are the spec's float64 oracle in torch's shell (:class:`OracleOptimizer`) with one
method replaced; two deviations are easier made on :class:`~broken.ReferenceAdadelta`, whose
small methods follow torch's own shape (the oracle shell reads the counter as a tensor and every
option from the group).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import torch
from broken import Hyperparameters, ReferenceAdadelta, State
from oracle_optimizer import Closure, OracleOptimizer
from torch import Tensor
from torch.optim.optimizer import Optimizer, ParamsT

from conformance.specs.adadelta import ADADELTA

__all__ = [
    "ONE_DEVIATION_DOUBLES",
    "DecoupledWeightDecay",
    "DeepcopyBreaks",
    "IntStepCounter",
    "NoMaximize",
    "OneDeviation",
    "OtherDefaultLR",
    "PerGroupStepCounter",
    "PositiveLR",
    "RequiredLR",
    "TupleParamGroups",
]

TupleGroup = tuple[list[Tensor], dict[str, Any]]


class OneDeviation:
    """A mixin for a double with one root deviation from torch.optim.Adadelta: the names of the
    checks whose rule that deviation breaks, and no others."""

    expected_failures: ClassVar[frozenset[str]]


class _OracleAdadelta(OracleOptimizer):
    """torch.optim.Adadelta's semantics, stepped by the spec's oracle. Never built itself:
    Optimizer._patch_step_function would wrap this class's ``step`` with the step hooks, and the
    doubles overriding ``step`` call it, so hooks would run twice."""

    spec = ADADELTA


class PerGroupStepCounter(OneDeviation, _OracleAdadelta):
    """Counts steps once per param group, in ``group['step']`` (an int), as several third-party
    optimizers do; the per-param state holds the buffers only. Adadelta's update does not read
    the step, so params and buffers are torch's."""

    # step_counter: its rule is "state['step'] counts the steps each param was stepped ... a
    # 0-d tensor"; here no param's state has a 'step'. Nothing else is about the counter: the
    # buffers keep torch's names (state_layout) and values, param values are torch's. torch
    # cannot load this state dict (Adadelta.__setstate__ reads each state's 'step'), and the
    # state dict checks that inspect the counter after loading rely on step_counter's rule, so
    # those are expected to be not judged, blocked by step_counter.
    expected_failures = frozenset({"step_counter"})

    # The oracle is told Adadelta keeps no per-param counter; it counts steps on the side.
    spec = dataclasses.replace(ADADELTA, step_key=None)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        # A checkpoint of torch.optim.Adadelta counts per param: its counters become the group's.
        for group in self.param_groups:
            states = [self.state[param] for param in group["params"] if param in self.state]
            counts = [int(state.pop("step")) for state in states if "step" in state]
            if counts:
                group["step"] = max(counts)

    def step(self, closure: Closure | None = None) -> Any:
        loss = super().step(closure)
        for group in self.param_groups:
            if any(param.grad is not None for param in group["params"]):
                group["step"] = group.get("step", 0) + 1
        return loss


class IntStepCounter(OneDeviation, ReferenceAdadelta):
    """Creates ``state['step']`` as a Python int (as torch.optim did before 1.12), not a 0-d
    tensor. A loaded or copied counter goes through torch's back-compat path, which makes it a
    tensor again (inherited ``__setstate__``)."""

    # step_counter: its rule says the counter "is a 0-d tensor on the CPU, float32"; here it is
    # an int that counts correctly. Its count, the buffers and the params are torch's; torch
    # loads this state dict (its __setstate__ turns int counters into tensors), and so does
    # this class. state_dict_depth's "step counter dtype and device" after loading is the
    # counter's layout, step_counter's rule: it is expected to pass or be blocked by it.
    expected_failures = frozenset({"step_counter"})

    def _new_state(self, param: Tensor, group: dict[str, Any]) -> State:
        return {**super()._new_state(param, group), "step": 0}


class NoMaximize(OneDeviation, ReferenceAdadelta):
    """torch.optim.Adadelta as it was before ``maximize`` existed (torch < 1.12): the
    constructor does not take it (passing it raises TypeError) and groups have no 'maximize'
    key; it always minimizes."""

    # maximize: its rule is "maximize=True steps along -grad", and this constructor rejects
    # maximize=True; a missing option is reported once, by the check about it. Not failing:
    # maximize_with_weight_decay needs maximize=True too, so it is expected to be not judged,
    # blocked by maximize (its rule is about the order of negation and decay, which cannot be
    # observed without negation). constructor_defaults and group_options list maximize among
    # torch's options but judge only the options a constructor takes (the others belong to the
    # checks about them); grads_not_modified is judged with maximize=False.
    expected_failures = frozenset({"maximize"})

    # Loading a checkpoint fills the flags torch fills, minus the one this version lacks.
    _FLAG_DEFAULTS = {
        flag: default
        for flag, default in ReferenceAdadelta._FLAG_DEFAULTS.items()
        if flag != "maximize"
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
            "differentiable": differentiable,
        }
        Optimizer.__init__(self, params, defaults)

    def _hyperparameters(self, group: dict[str, Any]) -> Hyperparameters:
        return super()._hyperparameters({**group, "maximize": False})


class OtherDefaultLR(OneDeviation, _OracleAdadelta):
    """Defaults to lr=0.5 instead of torch's 1.0; everything else is torch's."""

    # constructor_defaults: its rule states "the constructor's defaults are lr=1.0". Every other
    # check passes lr explicitly, so no other sees the default.
    expected_failures = frozenset({"constructor_defaults"})

    def __init__(
        self, params: ParamsT, lr: float | Tensor = 0.5, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(params, lr, *args, **kwargs)


class RequiredLR(OneDeviation, _OracleAdadelta):
    """Takes ``lr`` as a required argument (no default), as optimizers that refuse to guess a
    learning rate do; everything else is torch's."""

    # constructor_defaults: its rule states "the constructor's defaults are lr=1.0"; here lr has
    # none, and building the optimizer without it raises TypeError. Every other check passes lr
    # explicitly.
    expected_failures = frozenset({"constructor_defaults"})

    def __init__(self, params: ParamsT, lr: float | Tensor, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, lr, *args, **kwargs)


class PositiveLR(OneDeviation, _OracleAdadelta):
    """Rejects lr=0 at construction (``lr <= 0`` raises ValueError), as libraries that validate
    a learning rate as positive do; torch accepts 0, which steps nothing. Everything else is
    torch's."""

    # constructor_validation: its rule says "extreme valid values are accepted", and lr=0.0 is
    # one. lr_zero builds its optimizer with lr=0, so it cannot observe its rule (params stay,
    # averages advance): not judged, blocked by constructor_validation.
    expected_failures = frozenset({"constructor_validation"})

    def __init__(self, params: ParamsT, lr: float | Tensor = 1.0, *args: Any, **kwargs: Any) -> None:
        if not lr > 0:
            raise ValueError(f"Invalid learning rate: {lr} (expected lr > 0)")
        super().__init__(params, lr, *args, **kwargs)


class DecoupledWeightDecay(OneDeviation, _OracleAdadelta):
    """Decays weights as AdamW does, θ <- θ (1 - lr·λ) before the Adadelta step, instead of
    adding λθ to the gradient; with weight_decay=0 it is torch's Adadelta."""

    # weight_decay: its rule is "g <- g + λ θ_{t-1}, before the averages are updated"; here g is
    # never decayed, the param is. Not failing: maximize_with_weight_decay's rule is about the
    # order of negation and coupled decay ("g <- -grad + λ θ_{t-1}"), which a decay that never
    # enters g cannot show, so it is expected to be not judged, blocked by weight_decay, as is
    # any other check wherever its cases draw weight_decay > 0 (their observation relies on
    # weight_decay's rule).
    expected_failures = frozenset({"weight_decay"})

    def update(
        self,
        param: Tensor,
        grad: Tensor,
        buffers: Mapping[str, Tensor],
        hyperparameters: Mapping[str, Any],
        step: int,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        lr, weight_decay = hyperparameters["lr"], hyperparameters["weight_decay"]
        undecayed = {**hyperparameters, "weight_decay": 0.0}
        return super().update(param * (1 - lr * weight_decay), grad, buffers, undecayed, step)


def _torch_group(group: TupleGroup | dict[str, Any]) -> dict[str, Any]:
    """The dict group torch.optim.Optimizer's code reads: the options themselves (so changes
    made to them stay), holding the params. A dict group is returned as it is."""
    if isinstance(group, dict):
        return group
    params, options = group
    options["params"] = params
    return options


def _tuple_group(group: TupleGroup | dict[str, Any]) -> TupleGroup:
    """The (params, options) pair this optimizer exposes. A pair is returned as it is."""
    if isinstance(group, tuple):
        return group
    return group.pop("params"), group


class TupleParamGroups(OneDeviation, _OracleAdadelta):
    """Exposes ``param_groups`` as a list of ``(params, options)`` pairs, as optimizers written in
    a functional style keep them, instead of torch's dicts holding 'params'.

    It is a torch.optim.Optimizer otherwise: it takes the same arguments (param groups given as
    torch's dicts), has the same hooks, per-param state and state dict format, and steps, zeroes
    grads, adds groups and loads state dicts as torch does; ``param_groups[i][1]['lr'] = ...``
    changes a group's lr. torch's base class code, which reads dict groups, is lent them for the
    duration of each call. (A subclass of Optimizer, so that the groups' structure is its one
    deviation: a hand-written class would also lack torch's hooks.)
    """

    # group_options: its rule is that every param group stores every option
    # torch.optim.Adadelta stores, as torch does: a dict holding 'params' and the options; a group
    # here is a pair. Not failing: checks that read or write the groups to judge something else
    # (hyperparameter_changes and a step hook assigning param_groups[i]['lr'],
    # named_parameters' 'param_names', add_param_group's filled options) are expected to be
    # not judged, blocked by group_options: the structure they rely on is group_options' rule.
    expected_failures = frozenset({"group_options"})

    param_groups: list[TupleGroup]  # type: ignore[assignment]
    # Whether the groups are lent as dicts: a call made during another (a closure zeroing grads
    # inside step) keeps them lent. A class default, so that copies start with it.
    _lent = False

    @contextlib.contextmanager
    def _torch_groups(self) -> Iterator[None]:
        if self._lent:
            yield
            return
        self.param_groups = [_torch_group(group) for group in self.param_groups]
        self._lent = True
        try:
            yield
        finally:
            self._lent = False
            self.param_groups = [_tuple_group(group) for group in self.param_groups]

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Reached by copy.deepcopy and unpickling (pairs) and by load_state_dict (dicts).
        groups = [_torch_group(group) for group in state["param_groups"]]
        super().__setstate__({**state, "param_groups": groups})
        self.param_groups = [_tuple_group(group) for group in self.param_groups]

    def step(self, closure: Closure | None = None) -> Any:
        with self._torch_groups():
            return super().step(closure)

    def zero_grad(self, set_to_none: bool = True) -> None:
        with self._torch_groups():
            super().zero_grad(set_to_none)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        # torch keeps the dict it is given; a copy is taken apart, not the caller's dict.
        with self._torch_groups():
            super().add_param_group(dict(param_group))

    def state_dict(self) -> dict[str, Any]:
        with self._torch_groups():
            return super().state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        with self._torch_groups():
            super().load_state_dict(state_dict)


class DeepcopyBreaks(OneDeviation, _OracleAdadelta):
    """Keeps a flag read by ``step`` in an attribute of its own (``self.differentiable``, as
    pytorch-optimizer keeps some of its flags), outside the defaults, state and param_groups that
    torch.optim.Optimizer.__getstate__ keeps: a copy made by copy.deepcopy or pickle lacks it, and
    its ``step`` raises AttributeError."""

    # copy_and_pickle: its rule is that a copied or unpickled optimizer "continues exactly as the
    # original does"; the copy cannot step. No other check copies or pickles the optimizer
    # (state dicts hold no attributes).
    expected_failures = frozenset({"copy_and_pickle"})

    def __init__(self, params: ParamsT, *args: Any, **kwargs: Any) -> None:
        super().__init__(params, *args, **kwargs)
        self.differentiable = bool(self.defaults["differentiable"])

    def step(self, closure: Closure | None = None) -> Any:
        with torch.set_grad_enabled(self.differentiable):
            return super().step(closure)


ONE_DEVIATION_DOUBLES: tuple[type[OneDeviation], ...] = (
    PerGroupStepCounter,
    IntStepCounter,
    NoMaximize,
    OtherDefaultLR,
    RequiredLR,
    PositiveLR,
    DecoupledWeightDecay,
    TupleParamGroups,
    DeepcopyBreaks,
)
