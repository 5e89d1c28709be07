"""Other libraries' optimizers under torch.optim's option names, and the table of runs.

An adapter exposes what the library's class has, nothing more: its signature lists the options
of the class that torch.optim's reference also has, in the library's order and with the
library's defaults, named as torch names them (``renamed``; ``translate`` where the library
takes the value in another shape). An option the class lacks is not in the signature, so
passing it raises ``TypeError`` as an unknown keyword does: that is how the checks find the
options a class takes. The library's own options stay at its defaults, except ``fixed`` ones:
the library's documented switch for the variant torch implements (L2 instead of decoupled
weight decay, no Kahan summation). ``hidden`` names a library option that shares a torch name
but not its meaning (optimi's boolean ``dampening``), which is then not exposed either.

The library is imported at the first use, so that this module stays cheap to import in every
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
class Translation:
    """A torch option the library takes in another shape: its ``name`` and ``value(torch's)``,
    and ``shown(library's default)``: the torch-shaped default the adapter's signature shows."""

    name: str
    value: Callable[[Any], Any]
    shown: Callable[[Any], Any]


@dataclass(frozen=True)
class Adapter:
    """A factory that builds ``implementation`` from torch's option names.

    Attributes:
        reference: the torch.optim class whose option names (and only those) are exposed.
        implementation: ``MODULE:ATTR`` of the library's class.
        renamed: torch's option name -> the library's.
        translate: torch's option name -> how the library takes it (see :class:`Translation`).
        fixed: the library's own options, always passed: its switch for torch's variant.
        hidden: library options not exposed although torch has an option of that name.
    """

    reference: type[Optimizer]
    implementation: str
    renamed: Mapping[str, str] = field(default_factory=dict)
    translate: Mapping[str, Translation] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()

    def _library_names(self) -> dict[str, str]:
        """torch's name -> the library's, for every option both have."""
        names = {torch_name: torch_name for torch_name in inspect.signature(self.reference).parameters}
        names.update(self.renamed)
        names.update({torch_name: t.name for torch_name, t in self.translate.items()})
        return {t: lib for t, lib in names.items() if t != "params" and lib not in self.hidden}

    @property
    def __signature__(self) -> inspect.Signature:
        library = inspect.signature(load_attribute(self.implementation)).parameters
        torch_names = {lib: t for t, lib in self._library_names().items()}
        exposed = [inspect.Parameter("params", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        for name, parameter in library.items():
            if name not in torch_names or name in self.fixed:
                continue
            torch_name = torch_names[name]
            default = parameter.default
            if torch_name in self.translate and default is not inspect.Parameter.empty:
                default = self.translate[torch_name].shown(default)
            kind = parameter.kind
            if kind is inspect.Parameter.POSITIONAL_ONLY:
                kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
            exposed.append(inspect.Parameter(torch_name, kind, default=default))
        return inspect.Signature(exposed)

    def __call__(self, params: Iterable[Any], *args: Any, **kwargs: Any) -> Optimizer:
        passed = self.__signature__.bind(params, *args, **kwargs).arguments
        names = self._library_names()
        arguments: dict[str, Any] = dict(self.fixed)
        for torch_name, value in passed.items():
            if torch_name == "params":
                continue
            if torch_name in self.translate:
                value = self.translate[torch_name].value(value)
            arguments[names[torch_name]] = value
        return load_attribute(self.implementation)(passed["params"], **arguments)


# heavyball's RMSprop decays its second moment with betas[1] (chainable.scale_by_exp_avg_sq,
# utils.get_beta2) and has no other use for betas[0]; 0.9 is its default.
_ALPHA_AS_SECOND_BETA = Translation("betas", lambda alpha: (0.9, alpha), lambda betas: betas[1])

# pytorch-optimizer: torch's names. SGDW's weight_decouple=False is "adding it to the gradient":
# torch.optim.SGD's L2 decay. StableAdamW's Kahan summation is "optional" (kahan_sum); its update
# clipping has no switch.
pytorch_optimizer_adadelta = Adapter(torch.optim.Adadelta, "pytorch_optimizer:AdaDelta")
pytorch_optimizer_sgdw = Adapter(
    torch.optim.SGD, "pytorch_optimizer:SGDW", fixed={"weight_decouple": False}
)
pytorch_optimizer_stable_adamw = Adapter(
    torch.optim.AdamW, "pytorch_optimizer:StableAdamW", fixed={"kahan_sum": False}
)

# heavyball: foreach is its multi_tensor (heavyball itself renames foreach so, with a warning).
# consume_grad=False keeps p.grad after step(), as torch does: "By default, HeavyBall consumes
# gradients during step() and clears p.grad ... Pass consume_grad=False" (its README).
_HEAVYBALL_NAMES = {"foreach": "multi_tensor"}
_HEAVYBALL_TORCH_VARIANT = {"consume_grad": False}
heavyball_sgd = Adapter(
    torch.optim.SGD,
    "heavyball:SGD",
    renamed={**_HEAVYBALL_NAMES, "momentum": "beta"},
    fixed=_HEAVYBALL_TORCH_VARIANT,
)
heavyball_adamw = Adapter(
    torch.optim.AdamW, "heavyball:AdamW", renamed=_HEAVYBALL_NAMES, fixed=_HEAVYBALL_TORCH_VARIANT
)
heavyball_rmsprop = Adapter(
    torch.optim.RMSprop,
    "heavyball:RMSprop",
    renamed=_HEAVYBALL_NAMES,
    translate={"alpha": _ALPHA_AS_SECOND_BETA},
    fixed=_HEAVYBALL_TORCH_VARIANT,
)

# optimi: kahan_sum=False and decouple_lr=False are its documented switches back to torch's
# update ("If unspecified, automatically applies for low precision parameters"; "Apply fully
# decoupled weight decay instead of L2 penalty"). Its `dampening` is a bool ("Use dampening for
# momentum update"), not torch's factor τ; torch_init only matters with it.
_OPTIMI_TORCH_VARIANT = {"kahan_sum": False, "decouple_lr": False}
optimi_sgd = Adapter(
    torch.optim.SGD, "optimi:SGD", fixed=_OPTIMI_TORCH_VARIANT, hidden=frozenset({"dampening"})
)
optimi_adam = Adapter(
    torch.optim.Adam,
    "optimi:Adam",
    renamed={"decoupled_weight_decay": "decouple_wd"},
    fixed=_OPTIMI_TORCH_VARIANT,
)
optimi_adamw = Adapter(torch.optim.AdamW, "optimi:AdamW", fixed=_OPTIMI_TORCH_VARIANT)

# bitsandbytes: optim_bits=32 (its default for these classes) keeps the state in float32, the
# only variant with torch's math; the 8-bit classes quantize it by design.
_BNB_32_BIT = {"optim_bits": 32}
bitsandbytes_adam = Adapter(torch.optim.Adam, "bitsandbytes.optim:Adam", fixed=_BNB_32_BIT)
bitsandbytes_adamw = Adapter(torch.optim.AdamW, "bitsandbytes.optim:AdamW", fixed=_BNB_32_BIT)
bitsandbytes_adagrad = Adapter(torch.optim.Adagrad, "bitsandbytes.optim:Adagrad", fixed=_BNB_32_BIT)
bitsandbytes_rmsprop = Adapter(torch.optim.RMSprop, "bitsandbytes.optim:RMSprop", fixed=_BNB_32_BIT)
bitsandbytes_sgd = Adapter(torch.optim.SGD, "bitsandbytes.optim:SGD", fixed=_BNB_32_BIT)


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
    _row("optimi.SGD", "torch-optimi", "sgd", "optimi_sgd"),
    _row("optimi.Adam", "torch-optimi", "adam", "optimi_adam"),
    _row("optimi.AdamW", "torch-optimi", "adamw", "optimi_adamw"),
    _row("bitsandbytes.optim.Adam", "bitsandbytes", "adam", "bitsandbytes_adam"),
    _row("bitsandbytes.optim.AdamW", "bitsandbytes", "adamw", "bitsandbytes_adamw"),
    _row("bitsandbytes.optim.Adagrad", "bitsandbytes", "adagrad", "bitsandbytes_adagrad"),
    _row("bitsandbytes.optim.RMSprop", "bitsandbytes", "rmsprop", "bitsandbytes_rmsprop"),
    _row("bitsandbytes.optim.SGD", "bitsandbytes", "sgd", "bitsandbytes_sgd"),
)
