"""Other libraries' optimizers behind torch.optim's constructors, and the table of runs.

An adapter is called exactly like its torch.optim reference (same names, same positional order,
bound with the reference's own signature) and calls the library's class with the arguments the
caller passed, renamed where the library names them otherwise. It maps arguments only: an
argument the caller did not pass is not passed, so the library's own defaults show. An option
the library's constructor does not name is dropped when it has the reference's default value
(asking for the default asks for nothing: ``maximize=False`` of a library that cannot maximize),
and passed as it is otherwise, so the library's own reaction (an error, or a silent
``**kwargs``) is what gets checked. ``fixed`` arguments select the library's documented switch
for the variant the reference implements (e.g. L2 instead of decoupled weight decay).

The library is imported at the first call, so that this module stays cheap to import in every
worker of a run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.optim import Optimizer

from conformance.target import load_attribute

__all__ = ["IMPLEMENTATIONS", "Adapter", "Implementation"]


@dataclass(frozen=True)
class Adapter:
    """A factory with ``reference``'s constructor that builds ``implementation``.

    Attributes:
        reference: the torch.optim class whose signature callers use.
        implementation: ``MODULE:ATTR`` of the library's class.
        renamed: the reference's argument name -> the library's.
        fixed: the library's own arguments, always passed (see the module docstring).
        translate: for an argument the library takes in another shape (e.g. RMSprop's ``alpha``
            as the second of heavyball's ``betas``): the reference's name -> a function of its
            value returning the library's ``{name: value}``.
    """

    reference: type[Optimizer]
    implementation: str
    renamed: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    translate: Mapping[str, Callable[[Any], dict[str, Any]]] = field(default_factory=dict)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self.reference)

    def __call__(self, params: Iterable[Any], *args: Any, **kwargs: Any) -> Optimizer:
        signature = inspect.signature(self.reference)
        passed = signature.bind(params, *args, **kwargs).arguments
        implementation = load_attribute(self.implementation)
        named = inspect.signature(implementation).parameters
        arguments: dict[str, Any] = dict(self.fixed)
        for name, value in passed.items():
            if name == "params":
                continue
            if name in self.translate:
                arguments.update(self.translate[name](value))
                continue
            renamed = self.renamed.get(name, name)
            if renamed not in named and _is_default(value, signature.parameters[name].default):
                continue
            arguments[renamed] = value
        return implementation(params, **arguments)


def _is_default(value: Any, default: Any) -> bool:
    plain = (bool, int, float, type(None))
    return isinstance(value, plain) and isinstance(default, plain) and value == default


def _second_beta(alpha: Any) -> dict[str, Any]:
    # heavyball's RMSprop decays its second moment with betas[1] (chainable.scale_by_exp_avg_sq,
    # utils.get_beta2) and has no other use for betas[0]; 0.9 is its default.
    return {"betas": (0.9, alpha)}


# pytorch-optimizer: torch's names, except that maximize is an attribute of the optimizer, not
# of its param groups (which the checks read, and do not fix here).
pytorch_optimizer_adadelta = Adapter(torch.optim.Adadelta, "pytorch_optimizer:AdaDelta")
# SGDW's weight_decouple=False is "adding it to the gradient": torch.optim.SGD's L2 decay.
pytorch_optimizer_sgdw = Adapter(
    torch.optim.SGD, "pytorch_optimizer:SGDW", fixed={"weight_decouple": False}
)
pytorch_optimizer_stable_adamw = Adapter(torch.optim.AdamW, "pytorch_optimizer:StableAdamW")

# heavyball: foreach is its multi_tensor (heavyball itself renames foreach so, with a warning).
_HEAVYBALL_NAMES = {"foreach": "multi_tensor"}
heavyball_sgd = Adapter(
    torch.optim.SGD, "heavyball:SGD", renamed={**_HEAVYBALL_NAMES, "momentum": "beta"}
)
heavyball_adamw = Adapter(torch.optim.AdamW, "heavyball:AdamW", renamed=_HEAVYBALL_NAMES)
heavyball_rmsprop = Adapter(
    torch.optim.RMSprop,
    "heavyball:RMSprop",
    renamed=_HEAVYBALL_NAMES,
    translate={"alpha": _second_beta},
)

# timm.optim: the classes that are not torch.optim's own re-exported ones. timm cannot be
# imported next to a CPU build of torch 2.13 from PyPI (see README.md), so these rows report
# that unless the environment has a torchvision that loads.
timm_adamw_legacy = Adapter(torch.optim.AdamW, "timm.optim:AdamWLegacy")
# lr_in_momentum=False: "learning rate scaling is included in the momentum buffer update as per
# defaults in Tensorflow" when True; torch.optim.RMSprop scales the buffer by lr outside.
timm_rmsprop_tf = Adapter(
    torch.optim.RMSprop, "timm.optim:RMSpropTF", fixed={"lr_in_momentum": False}
)
timm_sgdw = Adapter(torch.optim.SGD, "timm.optim:SGDW")


@dataclass(frozen=True)
class Implementation:
    """One row of the table: a library's class, checked against one spec.

    Attributes:
        name: the library's class as users import it, e.g. ``heavyball.AdamW``.
        distribution: the PyPI distribution providing it, for its version.
        spec: the shipped spec's name it claims to follow.
        factory: ``MODULE:ATTR`` of its adapter, which the checks build.
    """

    name: str
    distribution: str
    spec: str
    factory: str


def _row(name: str, distribution: str, spec: str, adapter: str) -> Implementation:
    return Implementation(name, distribution, spec, f"{__name__}:{adapter}")


IMPLEMENTATIONS: tuple[Implementation, ...] = (
    _row("pytorch_optimizer.AdaDelta", "pytorch-optimizer", "adadelta", "pytorch_optimizer_adadelta"),
    _row("pytorch_optimizer.SGDW", "pytorch-optimizer", "sgd", "pytorch_optimizer_sgdw"),
    _row("pytorch_optimizer.StableAdamW", "pytorch-optimizer", "adamw", "pytorch_optimizer_stable_adamw"),
    _row("heavyball.SGD", "heavyball", "sgd", "heavyball_sgd"),
    _row("heavyball.AdamW", "heavyball", "adamw", "heavyball_adamw"),
    _row("heavyball.RMSprop", "heavyball", "rmsprop", "heavyball_rmsprop"),
    _row("timm.optim.AdamWLegacy", "timm", "adamw", "timm_adamw_legacy"),
    _row("timm.optim.RMSpropTF", "timm", "rmsprop", "timm_rmsprop_tf"),
    _row("timm.optim.SGDW", "timm", "sgd", "timm_sgdw"),
)
