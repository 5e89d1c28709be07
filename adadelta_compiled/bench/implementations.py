"""The Adadelta implementations a benchmark compares, by name.

Built-ins are torch.optim.Adadelta three ways and adadelta_compiled.Adadelta; any other
``MODULE:ATTR`` names a callable with torch.optim.Adadelta's constructor, e.g.
``torch.optim:Adadelta`` or ``mypackage.optim:FusedAdadelta``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

__all__ = ["BUILTIN_NAMES", "Implementation", "Stepper", "resolve"]

# Makes an optimizer over ``params`` with learning rate ``lr`` (a float, or a 0-d Tensor).
OptimizerFactory = Callable[[list[Tensor], "float | Tensor"], Any]


@dataclass(frozen=True)
class Implementation:
    """How to build and step one Adadelta implementation.

    Attributes:
        name: the built-in name, or ``MODULE:ATTR``.
        make_optimizer: the factory.
        compile_step: step through ``torch.compile(opt.step)``, PyTorch's compiled-optimizer
            recipe, rather than ``opt.step``.
        tensor_lr: whether the implementation's recommended use passes lr as a Tensor; steady
            state and memory are measured that way.
        may_compile: False for implementations known to run eagerly, whose graph and recompile
            counts are zero by construction and are not measured.
    """

    name: str
    make_optimizer: OptimizerFactory
    compile_step: bool = False
    tensor_lr: bool = False
    may_compile: bool = True

    def build(self, params: list[Tensor], lr: float | Tensor) -> Stepper:
        optimizer = self.make_optimizer(params, lr)
        step = torch.compile(optimizer.step) if self.compile_step else optimizer.step
        return Stepper(optimizer, step)


@dataclass(frozen=True)
class Stepper:
    """An optimizer and the callable that steps it."""

    optimizer: Any
    step: Callable[[], Any]

    def renew_grads(self) -> None:
        """Give every param with a grad a new grad tensor of the same values, as backward does
        after torch's default ``zero_grad()`` has set the grads to None."""
        for group in self.optimizer.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    param.grad = param.grad.clone()

    def set_lr(self, lr: float) -> None:
        """Change lr as an LR scheduler does: in place for a Tensor lr, by assignment else."""
        for group in self.optimizer.param_groups:
            if isinstance(group["lr"], Tensor):
                group["lr"].fill_(lr)
            else:
                group["lr"] = lr


def _torch_adadelta(foreach: bool | None) -> OptimizerFactory:
    def make(params: list[Tensor], lr: float | Tensor) -> torch.optim.Adadelta:
        return torch.optim.Adadelta(params, lr=lr, foreach=foreach)

    return make


def _adadelta_compiled(params: list[Tensor], lr: float | Tensor) -> Any:
    from adadelta_compiled import Adadelta

    return Adadelta(params, lr=lr)


_BUILTINS: dict[str, Implementation] = {
    impl.name: impl
    for impl in (
        Implementation("torch-forloop", _torch_adadelta(foreach=False), may_compile=False),
        Implementation("torch-foreach", _torch_adadelta(foreach=True), may_compile=False),
        # The recipe of PyTorch's "Compiling the optimizer with torch.compile" tutorial: torch's
        # default (foreach) Adadelta, a Tensor lr so schedulers do not recompile, step compiled.
        Implementation(
            "torch-compiled", _torch_adadelta(foreach=None), compile_step=True, tensor_lr=True
        ),
        Implementation("adadelta_compiled", _adadelta_compiled),
    )
}
BUILTIN_NAMES: tuple[str, ...] = tuple(_BUILTINS)


def resolve(name: str) -> Implementation:
    """The implementation called ``name``: a built-in name, or ``MODULE:ATTR``.

    Raises:
        ValueError: the name is neither, or ``MODULE:ATTR`` cannot be imported or is not callable.
    """
    if name in _BUILTINS:
        return _BUILTINS[name]
    module_name, colon, attr_path = name.partition(":")
    if not colon or not module_name or not attr_path:
        raise ValueError(
            f"unknown implementation {name!r}: expected one of {', '.join(BUILTIN_NAMES)} "
            "or MODULE:ATTR (e.g. torch.optim:Adadelta)"
        )
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as error:
        message = f"--impl {name}: cannot import module {module_name!r} ({error})"
        raise ValueError(message) from error
    for attr in attr_path.split("."):
        try:
            target = getattr(target, attr)
        except AttributeError:
            message = f"--impl {name}: module {module_name!r} has no {attr_path!r}"
            raise ValueError(message) from None
    if not callable(target):
        raise ValueError(f"--impl {name}: {attr_path!r} is a {type(target).__name__}, not callable")

    def make(params: list[Tensor], lr: float | Tensor) -> Any:
        return target(params, lr=lr)

    return Implementation(name, make)
