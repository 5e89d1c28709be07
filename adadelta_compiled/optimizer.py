"""``Adadelta``: the stateful shell around the compiled functional core."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from itertools import compress, repeat
from typing import Any

import torch
from torch import Tensor
from torch.optim.optimizer import (
    Optimizer,
    ParamsT,
    _get_capturable_supported_devices,
    _get_scalar_dtype,
    _use_grad_for_differentiable,
)

from .checkpoint import check_loadable
from .functional import Hyperparameters
from .kernel import packed, step_tensors
from .plan import Plan

__all__ = ["Adadelta"]


def _validate_hyperparameters(
    lr: float | Tensor, rho: float, eps: float, weight_decay: float
) -> None:
    """Raise torch.optim.Adadelta's errors, with its messages, for invalid values."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= rho <= 1.0:
        raise ValueError(f"Invalid rho value: {rho}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _validate_group(group: Mapping[str, Any]) -> None:
    _validate_hyperparameters(group["lr"], group["rho"], group["eps"], group["weight_decay"])


class Adadelta(Optimizer):
    r"""Adadelta whose update runs as an Inductor-generated kernel; a drop-in for
    :class:`torch.optim.Adadelta`.

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

    Constructor, errors, ``state_dict`` layout, hooks, ``zero_grad`` and ``add_param_group``
    are those of :class:`torch.optim.Adadelta`, so checkpoints load into either. Beyond torch,
    ``add_param_group`` validates the new group's hyperparameters. ``foreach`` is accepted and
    stored but has no effect: every step runs the compiled kernel (see
    :mod:`adadelta_compiled.kernel` for what compiles when), except ``differentiable=True``,
    which steps eagerly with the same math so autograd can see it.

    Args:
        params: iterable of parameters or named parameters to optimize, or of dicts defining
            parameter groups.
        lr: coefficient that scales delta before it is applied to the parameters (default 1.0);
            a float or a 1-element Tensor.
        rho: coefficient of the running averages of squared gradients and updates (default 0.9).
        eps: term added inside both square roots for numerical stability (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach: accepted for compatibility; ignored.
        capturable: keep ``state["step"]`` on the param's device, as torch does.
        maximize: maximize the objective instead of minimizing it.
        differentiable: let autograd differentiate through the step (runs eagerly).

    Example:
        >>> model = torch.nn.Linear(4, 2)
        >>> opt = Adadelta(model.parameters(), lr=1.0, weight_decay=1e-4)
        >>> model(torch.randn(8, 4)).square().mean().backward()
        >>> opt.step()

    Reference: Zeiler, `ADADELTA: An Adaptive Learning Rate Method
    <https://arxiv.org/abs/1212.5701>`_ (2012).
    """

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
        _validate_hyperparameters(lr, rho, eps, weight_decay)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)
        # By group index: see _prepared_groups and _hyperparameters.
        self._plans: dict[int, Plan] = {}
        self._packed_hyperparameters: dict[int, tuple[tuple[str, ...], Hyperparameters,
                                                      tuple[Tensor, Tensor]]] = {}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Upgrade pickles and checkpoints of older torch versions, as torch does."""
        super().__setstate__(state)
        self._plans, self._packed_hyperparameters = {}, {}
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
            for p in group["params"]:
                p_state = self.state.get(p, {})
                if len(p_state) != 0 and not torch.is_tensor(p_state["step"]):
                    device = p.device if group["capturable"] else None
                    p_state["step"] = torch.tensor(
                        float(p_state["step"]), dtype=_get_scalar_dtype(), device=device
                    )

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a param group, validating its hyperparameters (torch.optim.Adadelta does not)."""
        if isinstance(param_group, dict) and hasattr(self, "defaults"):
            _validate_group({**self.defaults, **param_group})
        super().add_param_group(param_group)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict of this optimizer or of torch.optim.Adadelta.

        Unlike torch, the whole state dict is validated first (group count and sizes, state
        keys, tensor shapes and types, hyperparameters); an invalid one raises an error naming
        what is wrong and leaves the optimizer exactly as it was.
        """
        check_loadable(state_dict, self.param_groups, _validate_group)
        state, param_groups = self.state, self.param_groups
        try:
            super().load_state_dict(state_dict)
        except BaseException:
            # torch replaces state and param_groups wholesale at the end; put the old back.
            self.__dict__.update(state=state, param_groups=param_groups)
            raise

    def _init_group(
        self,
        group: dict[str, Any],
        params_with_grad: list[Tensor],
        grads: list[Tensor],
        square_avgs: list[Tensor],
        acc_deltas: list[Tensor],
        state_steps: list[Tensor],
    ) -> bool:
        """Collect the group's params that have a grad, creating their state on first use;
        return whether any is complex.

        The name and the leading arguments are torch's contract: Dynamo runs ``_init_group`` in
        Python with guards when a user compiles a function that calls :meth:`step`.
        """
        has_complex = False
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise RuntimeError("Adadelta does not support sparse gradients")
            has_complex |= torch.is_complex(p)
            params_with_grad.append(p)
            grads.append(p.grad)
            state = self.state[p]
            if len(state) == 0:
                # torch's rule: float32, or float64 under torch.set_default_dtype(torch.float64).
                state["step"] = torch.zeros(
                    (), dtype=_get_scalar_dtype(), device=p.device if group["capturable"] else None
                )
                state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["acc_delta"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            square_avgs.append(state["square_avg"])
            acc_deltas.append(state["acc_delta"])
            state_steps.append(state["step"])
        return has_complex

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """Perform a single optimization step.

        Args:
            closure: a closure that reevaluates the model and returns the loss; it is called
                once, with gradients enabled.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # A user's compiled step traces torch's loop (_init_group) instead.
        compiling = torch.compiler.is_compiling()
        prepared = repeat((None, None)) if compiling else self._prepared_groups()
        for index, (group, (gathered, plan)) in enumerate(zip(self.param_groups, prepared)):
            if gathered is None:
                gathered = ([], [], [], [], [])
                self._init_group(group, *gathered)
            if not gathered[0]:
                continue
            hp, kernel_hp = self._hyperparameters(index, group)
            step_tensors(
                *gathered, hp, compiled=not group["differentiable"],
                layout=None if plan is None else plan.layout, kernel_hp=kernel_hp,
            )  # fmt: skip
        return loss

    def _hyperparameters(
        self, index: int, group: dict[str, Any]
    ) -> tuple[Hyperparameters, tuple[Tensor, Tensor] | None]:
        """Group ``index``'s hyperparameters as tensors, and packed for the kernel.

        Made anew only when a value changed since the group's last step: building them is a
        few tensor ops, ~25 µs a group, ten times that with the caches cold from stepping a
        model's memory. Values are compared by ``repr``, which tells -0.0 from 0.0 (an lr of
        -0.0 and one of 0.0 leave a param's zeros with other signs); a Tensor among them (a
        Tensor lr a scheduler may change in place) is used as it is, every step.
        """
        values = (group["lr"], group["rho"], group["eps"], group["weight_decay"],
                  group["maximize"])  # fmt: skip
        if torch.compiler.is_compiling() or any(isinstance(v, Tensor) for v in values):
            return Hyperparameters.from_group(*values), None
        key = tuple(map(repr, values))
        cached = self._packed_hyperparameters.get(index)
        if cached is None or cached[0] != key:
            hp = Hyperparameters.from_group(*values)
            cached = self._packed_hyperparameters[index] = (key, hp, packed(hp))
        return cached[1], cached[2]

    def _prepared_groups(self) -> list[tuple[tuple[list[Tensor], ...] | None, Plan | None]]:
        """For each group, what :meth:`_init_group` collects when every param with a grad has
        its state already (else None, and it is left to :meth:`_init_group`), and the group's
        :class:`~adadelta_compiled.plan.Plan` where it has one.

        First every group is checked for torch's errors (a sparse grad, a capturable param on
        a device that cannot capture): raising before any group's state is touched leaves it
        all as it was (torch raises part-way). A group whose plan holds has passed the sparse
        check already (a sparse grad has other dispatch keys). Loops in C (map, compress): this
        runs before every step, for every param.
        """
        prepared = []
        for index, group in enumerate(self.param_groups):
            grads = list(map(_grad_of, group["params"]))
            has_grad = list(map(operator.is_not, grads, repeat(None)))
            params = list(compress(group["params"], has_grad))
            grads = list(compress(grads, has_grad))
            gathered = self._gather(params, grads)
            plan = self._plans.get(index)
            planned = (
                plan is not None and gathered is not None and plan.holds(has_grad, gathered)
            )
            if not planned and any(map(_is_sparse, grads)):
                raise RuntimeError("Adadelta does not support sparse gradients")
            if group["capturable"]:
                capturable_devices = _get_capturable_supported_devices()
                if any(p.device.type not in capturable_devices for p in params):
                    raise AssertionError(
                        "If capturable=True, params and state_steps must be on supported "
                        f"devices: {capturable_devices}."
                    )
            if not planned:
                plan = None if gathered is None else Plan.of(has_grad, gathered)
            prepared.append((gathered, plan))
        # Plans of groups whose state is complete; the others are planned at their next step.
        self._plans = {index: plan for index, (_, plan) in enumerate(prepared) if plan}
        return prepared

    def _gather(
        self, params: list[Tensor], grads: list[Tensor]
    ) -> tuple[list[Tensor], ...] | None:
        """What :meth:`_init_group` collects, by loops in C (this runs before every step, for
        every param), when all of a group's ``params`` with a grad (``grads``, in order) have
        their state already; else None, and :meth:`_init_group` does it.
        """
        states = list(map(self.state.get, params))
        if not all(states):  # some param has no state yet (or an empty one)
            return None
        try:
            square_avgs, acc_deltas, state_steps = (
                list(map(operator.itemgetter(key), states))
                for key in ("square_avg", "acc_delta", "step")
            )
        except KeyError:  # an incomplete state: _init_group raises torch's error
            return None
        return params, grads, square_avgs, acc_deltas, state_steps


_grad_of = operator.attrgetter("grad")
_is_sparse = operator.attrgetter("is_sparse")

